-- finarchive archive schema on PostgreSQL, migration 4: the columns of
-- SQLite's migration 10 (see store/migrations/0010_warc_records.sql), so
-- both back ends hold the same rows: warc_id, the response record's ID of
-- a fetch kept as its WARC records, and warc_request, its request record's
-- gzip member. This back end's crawls keep none yet (their WARC records are
-- built at export); rows copied from SQLite keep theirs.
ALTER TABLE fetches ADD COLUMN warc_id text NOT NULL DEFAULT '';
ALTER TABLE fetches ADD COLUMN warc_request bytea;
