-- finarchive archive schema, migration 10: WARC records kept from the crawl.
--
-- A fetch that brings a body (a 200 whose payload is new) is kept as the
-- WARC/1.1 records a WARC export writes for it, built when it is fetched,
-- each one gzip member (see internal/warcrec): its response record is the
-- body's storage, as raw.data or fetches.body with encoding 'warc' (the body
-- is the last size bytes of the record's block), and the row gets
--   warc_id       the response record's WARC-Record-ID ('urn:uuid:...', named in angle
--                 brackets in the record)
--   warc_request  the request record's gzip member (WARC-Concurrent-To the
--                 response)
-- An export copies them: a capture has one record ID however often it is
-- exported. Rows without them ('' and NULL: fetches archived before, 304s,
-- bodies seen before, imports) are exported as before, built at export.
ALTER TABLE fetches ADD COLUMN warc_id TEXT NOT NULL DEFAULT '';
ALTER TABLE fetches ADD COLUMN warc_request BLOB;
