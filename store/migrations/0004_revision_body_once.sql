-- finarchive archive schema, migration 4: the current body is stored once.
--
-- Every page's current version was stored twice, as pages.body and as its
-- newest revision's body: a fifth of a crawl's bytes, written to the WAL
-- and again to the database. revisions.body may now be NULL, meaning "the
-- page's body" (pages.body); only a page's newest revision has it NULL.
-- When a page changes, its old body is written into that revision before
-- pages.body takes the new one, so history stays complete:
--
--   SELECT r.id, coalesce(r.body, p.body) AS body
--   FROM revisions r JOIN pages p ON p.id = r.page_id WHERE p.url = ?;
--
-- SQLite cannot drop a NOT NULL constraint in place, so the table is
-- rebuilt with the same ids (the search index's docids are revision ids).

CREATE TABLE revisions_new (
    id            INTEGER PRIMARY KEY,
    page_id       INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    run_id        INTEGER,                             -- run that fetched it; NULL for reextract
    content_hash  TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    body          TEXT,                                -- NULL: the page's current body (newest revision only)
    published     TEXT,
    published_raw TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    breadcrumb    TEXT NOT NULL DEFAULT '[]',
    keywords      TEXT NOT NULL DEFAULT '[]',
    fetched_at    TEXT NOT NULL                        -- when this version was first seen
);

-- The newest revision of each page whose body equals the page's drops it.
INSERT INTO revisions_new (id, page_id, run_id, content_hash, title, body, published, published_raw,
                           author, source, category, breadcrumb, keywords, fetched_at)
SELECT r.id, r.page_id, r.run_id, r.content_hash, r.title,
       CASE WHEN r.id = (SELECT max(id) FROM revisions n WHERE n.page_id = r.page_id)
                 AND r.body = (SELECT body FROM pages p WHERE p.id = r.page_id)
            THEN NULL ELSE r.body END,
       r.published, r.published_raw, r.author, r.source, r.category, r.breadcrumb, r.keywords, r.fetched_at
FROM revisions r ORDER BY r.id;

DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
CREATE INDEX revisions_page ON revisions (page_id, id);
