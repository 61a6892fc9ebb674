-- finarchive archive schema, migration 3: a search index that needs nothing
-- but SQLite.
--
-- Migration 2 made search and search_title external-content FTS4 tables
-- over views that call the Go function fa_bigrams(), so PRAGMA
-- integrity_check from a plain sqlite3 connection could not read their
-- content ("unable to validate the inverted index"). Both are now
-- contentless (content=""): they hold the index alone, the bigram text is
-- not stored anywhere (pages and revisions keep the original), and
-- integrity_check works from any connection.
--
-- A contentless FTS4 table cannot delete or update a row, so a row's docid
-- is a REVISION id, not a page id: a new or changed page adds the row of its
-- new revision, and the row of the revision it replaces stays behind,
-- stale. Searches join the docid to revisions and keep only the page's
-- newest revision. store.DB.RebuildSearch (and this migration) index the
-- current revisions afresh and so drop the stale rows.

DROP TABLE search;
DROP TABLE search_title;
DROP VIEW search_src;
DROP VIEW search_title_src;

-- Every page has a revision (pages saved by package store always do; this
-- is for archives written by other tools).
INSERT INTO revisions (page_id, run_id, content_hash, title, body, published, published_raw,
                       author, source, category, breadcrumb, keywords, fetched_at)
SELECT id, NULL, content_hash, title, body, published, published_raw, author, source, category,
       breadcrumb, keywords, changed_at
FROM pages p WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.page_id = p.id)
ORDER BY id;

-- search: title (t) and body (b) of each page's current revision, in
-- bigram form; prefix="3" indexes 3-byte prefixes (one Han character in
-- UTF-8) for one-character queries. order=desc stores doclists newest
-- first: searches ask for the newest matches (ORDER BY docid DESC LIMIT n),
-- which FTS4 then reads incrementally instead of loading whole doclists.
CREATE VIRTUAL TABLE search USING fts4 (content="", prefix="3", order=desc, t, b);

-- search_title: the title alone (FTS4 cannot restrict a phrase to one
-- column, and an index of short texts answers "which pages have this in the
-- title" without reading the bodies' long doclists).
CREATE VIRTUAL TABLE search_title USING fts4 (content="", order=desc, t);

-- Index the current revisions. fa_bigrams() is the Go function package
-- store registers on its connections (see bigram.go); the index needs it
-- only while it is being written, never to be read or checked.
INSERT INTO search (docid, t, b)
SELECT r.id, fa_bigrams(p.title), fa_bigrams(p.body)
FROM pages p JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
ORDER BY r.id;
INSERT INTO search_title (docid, t)
SELECT r.id, fa_bigrams(p.title)
FROM pages p JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
ORDER BY r.id;
