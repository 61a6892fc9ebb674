// Reads a WARC with warcio.js (an independent implementation) and prints
// one JSON line per record: type, target URI, profile, and whether the
// WARC-Payload-Digest (sha256) matches the payload warcio reads, then a
// summary line. Usage: node warcio-check.mjs WARCIO_DIR FILE.warc.gz
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, file] = process.argv.slice(2);
const { WARCParser } = await import(pathToFileURL(path.join(dir, "node_modules/warcio/dist/index.js")).href);

const counts = {};
let bad = 0;
const parser = new WARCParser(createReadStream(file));
for await (const record of parser) {
  const type = record.warcType;
  counts[type] = (counts[type] || 0) + 1;
  const payload = await record.readFully(false);
  const want = record.warcHeader("WARC-Payload-Digest");
  let digestOK = null;
  if (want && want.startsWith("sha256:") && (type === "response" || type === "resource")) {
    digestOK = "sha256:" + createHash("sha256").update(payload).digest("hex") === want;
    if (!digestOK) bad++;
  }
  console.log(JSON.stringify({
    type,
    uri: record.warcTargetURI || "",
    profile: record.warcHeader("WARC-Profile") || "",
    refersToDate: record.warcHeader("WARC-Refers-To-Date") || "",
    status: record.httpHeaders ? record.httpHeaders.statusCode || 0 : 0,
    digestOK,
  }));
}
console.log(JSON.stringify({ summary: counts, badDigests: bad }));
