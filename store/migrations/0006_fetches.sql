-- finarchive archive schema, migration 6: what a WARC export needs.
--
-- fetches: one row per fetch of an archived page (a 200 that saved the
-- article, whatever the result, or a 304), oldest first by id. It keeps the
-- request line and header fields as sent and the status line and header
-- fields as received (Snappy, like raw), and the SHA-256 of the body as
-- received (payload_digest, 'sha256:<hex>'; '' for a 304 and for the rows
-- made below from bodies stored before this migration).
--
-- The body itself is stored once per distinct payload: the latest body is
-- raw.data (raw.fetch_id names its fetch); when a fetch brings a different
-- body, the one in raw moves into its own fetch row (body, body_size,
-- body_type, content_encoding) before raw takes the new one. A fetch whose
-- payload digest equals the one in raw keeps no body: it is exported as a
-- revisit (identical-payload-digest), a 304 as a revisit (server-not-modified).
--
-- reconstructed = 1 marks a fetch captured before this schema: only its body
-- is known (as stored, after content decoding); an export synthesises its
-- status line and headers and says so in the record.
CREATE TABLE fetches (
    id               INTEGER PRIMARY KEY,
    page_id          INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    run_id           INTEGER,                           -- NULL: before schema 6
    fetched_at       TEXT NOT NULL,
    status           INTEGER NOT NULL,                  -- 200 or 304
    payload_digest   TEXT NOT NULL DEFAULT '',
    remote_ip        TEXT NOT NULL DEFAULT '',
    reconstructed    INTEGER NOT NULL DEFAULT 0,
    head_encoding    TEXT NOT NULL DEFAULT 'snappy',    -- of request and response
    request          BLOB,                              -- request line + header fields as sent, CRLF, blank line
    response         BLOB,                              -- status line + header fields as received, CRLF, blank line
    body             BLOB,                              -- a superseded body, moved out of raw (compressed as body_encoding)
    body_encoding    TEXT NOT NULL DEFAULT '',
    body_size        INTEGER NOT NULL DEFAULT 0,        -- uncompressed bytes of body
    body_type        TEXT NOT NULL DEFAULT '',          -- its Content-Type
    content_encoding TEXT NOT NULL DEFAULT ''           -- its HTTP Content-Encoding ('' = identity)
);
CREATE INDEX fetches_page ON fetches (page_id, id);

-- raw.data now holds the body as received: content_encoding says when it is
-- still content-encoded (gzip); fetch_id is the fetch it came from.
ALTER TABLE raw ADD COLUMN content_encoding TEXT NOT NULL DEFAULT '';
ALTER TABLE raw ADD COLUMN fetch_id INTEGER;

-- Bodies stored before: one reconstructed fetch each.
INSERT INTO fetches (page_id, fetched_at, status, reconstructed)
    SELECT page_id, fetched_at, 200, 1 FROM raw ORDER BY page_id;
UPDATE raw SET fetch_id = (SELECT f.id FROM fetches f WHERE f.page_id = raw.page_id);
