-- finarchive archive schema, migration 2: Chinese full-text search.
--
-- SQLite's tokenizers take a run of Han characters for one word, so the
-- index holds a bigram form of title and body made in Go by the SQL function
-- fa_bigrams() (registered by package store on each connection):
--   Han runs     -> overlapping bigrams plus the run's last character alone,
--                   so every character starts exactly one token
--                   ('信用卡' -> '信用 用卡 卡');
--   Latin/digits -> lower-case words (full-width forms folded to ASCII).
-- search is an external-content FTS4 table over the view search_src, so the
-- bigram text is not stored twice; docid = pages.id. prefix="3" indexes
-- 3-byte prefixes (one Han character in UTF-8) for one-character queries.
-- Package store keeps it in step with pages in the same transaction. The
-- view needs fa_bigrams(): from a plain sqlite3 shell the tables read fine
-- but search_src and MATCH queries do not.
-- search_title indexes titles alone: FTS4 cannot restrict a phrase to one
-- column, and a separate index of short texts answers "which pages have
-- this in the title" without reading the bodies' long doclists.
CREATE VIEW search_src AS
    SELECT id AS rowid, fa_bigrams(title) AS t, fa_bigrams(body) AS b FROM pages;

CREATE VIRTUAL TABLE search USING fts4 (content="search_src", prefix="3", t, b);

CREATE VIEW search_title_src AS
    SELECT id AS rowid, fa_bigrams(title) AS t FROM pages;

CREATE VIRTUAL TABLE search_title USING fts4 (content="search_title_src", t);

-- Index the pages that exist.
INSERT INTO search (docid, t, b) SELECT rowid, t, b FROM search_src;
INSERT INTO search_title (docid, t) SELECT rowid, t FROM search_title_src;
