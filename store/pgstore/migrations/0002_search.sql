-- finarchive archive schema on PostgreSQL, migration 2: the Chinese
-- full-text index. One row per page (its current revision: a changed page
-- replaces its row, so no row is ever stale), written with the page in
-- Complete's transaction. The lexemes are SQLite's tokens (store.IndexTokens:
-- the overlapping bigrams of each run of Han characters, folded Latin words
-- and numbers) and characters (store.IndexChars: each distinct Han character
-- once), made in Go and stored as tsvector lexemes without positions and
-- without any text-search configuration, so PostgreSQL's parser and
-- dictionaries never see the text.
--
--   doc      every token of title and body, and each character no bigram
--            of them begins with (GIN): what "matches anywhere" looks up
--   title    the same of the title alone (GIN)
--   body_len tokens in the body (the ranking's BM25 length)
--
-- A query part is its lexemes: a word itself, one character the prefix
-- query 'c':* (the character alone, or a bigram beginning with it), a longer
-- Han part its bigrams; a part of three or more characters is then checked
-- as a substring of the stored title or body, which is what SQLite's phrase
-- of bigrams matches (so no positions are needed, and none of tsvector's
-- position limits apply). The ranking counts hits in the candidates' stored
-- title and body (see search.go).
CREATE TABLE search (
    page_id     bigint PRIMARY KEY REFERENCES pages (id) ON DELETE CASCADE,
    revision_id bigint NOT NULL,
    doc         tsvector NOT NULL,
    title       tsvector NOT NULL,
    body_len    integer NOT NULL
);
CREATE INDEX search_doc ON search USING gin (doc);
CREATE INDEX search_title ON search USING gin (title);
CREATE INDEX search_revision ON search (revision_id);

-- GIN's pending list (fastupdate) makes a page's index entries cheap to
-- write, but the list's pages are reused only after a VACUUM of the table:
-- between two, the index grows by every entry written (measured: 70 MB for
-- 5,000 pages written by Complete, 12 MB for the same rebuilt at once).
-- Autovacuum therefore visits this table every 2,000 pages written, not at
-- its default 20 % of the table.
ALTER TABLE search SET (autovacuum_vacuum_insert_threshold = 2000, autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_threshold = 2000, autovacuum_vacuum_scale_factor = 0);

-- The lexemes, compressed with lz4 where the server has it (see 0001).
DO $$
BEGIN
    ALTER TABLE search ALTER COLUMN doc SET COMPRESSION lz4, ALTER COLUMN title SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    NULL;
END
$$;
