-- finarchive archive schema, migration 9: nothing is lost by a wrong guess.
--
-- unarchived: one row per URL fetched as HTML but not archived as an
-- article (typed list, home, search or error), with its latest raw response, so that `reextract`
-- after an extractor or profile change can type it again: one that is an
-- article then moves into pages (with its raw and a fetch row) and leaves
-- this table. A URL in pages never has a row here: an archived article keeps
-- its own raw.
--
-- data is the body as received (Snappy, like raw.data: encoding, size,
-- content_encoding as there); request/response the head blocks of the
-- exchange when captured (Snappy), payload_digest the SHA-256 of the body as
-- received ('sha256:<hex>').
CREATE TABLE unarchived (
    id               INTEGER PRIMARY KEY,
    url              TEXT NOT NULL UNIQUE,
    page_type        TEXT NOT NULL,             -- list, home, search, error
    title            TEXT NOT NULL DEFAULT '',
    run_id           INTEGER,
    fetched_at       TEXT NOT NULL,
    content_type     TEXT NOT NULL DEFAULT '',
    charset          TEXT NOT NULL DEFAULT '',
    encoding         TEXT NOT NULL,
    size             INTEGER NOT NULL,
    data             BLOB NOT NULL,
    content_encoding TEXT NOT NULL DEFAULT '',
    payload_digest   TEXT NOT NULL DEFAULT '',
    remote_ip        TEXT NOT NULL DEFAULT '',
    request          BLOB,
    response         BLOB
);
