-- finarchive archive schema on PostgreSQL, migration 2: the Chinese
-- full-text index. One row per page (its current revision: a changed page
-- replaces its row, so no row is ever stale), written with the page in
-- Complete's transaction. The tokens are SQLite's (store.IndexTokens: the
-- overlapping bigrams of each run of Han characters, folded Latin words
-- and numbers; store.IndexChars: each distinct Han character once), made
-- in Go and stored as tsvector lexemes without any text-search
-- configuration, so PostgreSQL's parser and dictionaries never see the text.
--
--   doc      every token and character of title and body, no positions:
--            what "matches anywhere" looks up (GIN)
--   title    the title's tokens and characters, no positions (GIN)
--   t, b     title and body tokens with positions, not indexed: read for
--            the ranking's term frequencies of the candidates only
--   body_len tokens in the body (the BM25 length)
--
-- A part of three or more Han characters is looked up as the AND of its
-- bigrams in the index and then checked as a substring of the stored title
-- or body, which is what SQLite's phrase of bigrams matches, and needs no
-- positions (tsvector positions stop at 16383, a lexeme's at 256).
CREATE TABLE search (
    page_id     bigint PRIMARY KEY REFERENCES pages (id) ON DELETE CASCADE,
    revision_id bigint NOT NULL,
    doc         tsvector NOT NULL,
    title       tsvector NOT NULL,
    t           tsvector NOT NULL,
    b           tsvector NOT NULL,
    body_len    integer NOT NULL
);
CREATE INDEX search_doc ON search USING gin (doc);
CREATE INDEX search_title ON search USING gin (title);
CREATE INDEX search_revision ON search (revision_id);
