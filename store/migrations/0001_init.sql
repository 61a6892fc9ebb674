-- finarchive archive schema, migration 1: pages, history, frontier, runs, lock.
--
-- Conventions
--   * Times are TEXT in UTC, 'YYYY-MM-DDTHH:MM:SS.sssZ': fixed width, so they
--     sort as strings and SQLite's date functions read them. The exceptions
--     are pages.published (RFC 3339 with the page's own UTC offset, kept as
--     extracted) and frontier.next_try (unix milliseconds, 0 = now).
--   * Lists (breadcrumb, keywords, seeds, skipped_by, failed_by) are JSON
--     text, so json_each() works on them from the sqlite3 shell.
--   * The schema version is PRAGMA user_version (= number of migrations).

-- pages: one row per canonical URL, the current version of each article.
CREATE TABLE pages (
    id                 INTEGER PRIMARY KEY,
    url                TEXT NOT NULL UNIQUE,           -- canonical URL
    site               TEXT NOT NULL DEFAULT '',
    title              TEXT NOT NULL DEFAULT '',
    body               TEXT NOT NULL DEFAULT '',
    published          TEXT,                           -- RFC 3339, page's own offset; NULL = unknown
    published_utc      TEXT,                           -- the same instant in UTC, for ordering
    published_raw      TEXT NOT NULL DEFAULT '',
    author             TEXT NOT NULL DEFAULT '',
    source             TEXT NOT NULL DEFAULT '',       -- 来源
    category           TEXT NOT NULL DEFAULT '',
    breadcrumb         TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
    keywords           TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
    content_hash       TEXT NOT NULL,                  -- extract.Record.Hash()
    etag               TEXT NOT NULL DEFAULT '',       -- validators of the last 200 response
    last_modified      TEXT NOT NULL DEFAULT '',
    first_seen_at      TEXT NOT NULL,
    fetched_at         TEXT NOT NULL,                  -- last fetch, 200 or 304
    changed_at         TEXT NOT NULL,                  -- last content change (= first_seen_at when new)
    revisit_interval_s INTEGER NOT NULL,               -- adaptive revisit interval, seconds
    next_revisit_at    TEXT NOT NULL                   -- fetched_at + revisit_interval_s
);
CREATE INDEX pages_published ON pages (published_utc DESC, fetched_at DESC);
CREATE INDEX pages_site ON pages (site, published_utc DESC, fetched_at DESC);
CREATE INDEX pages_category ON pages (category, published_utc DESC, fetched_at DESC);
CREATE INDEX pages_changed ON pages (changed_at);

-- revisions: every version of every page, oldest first by id; the current
-- version is the page's newest revision, so history is complete.
CREATE TABLE revisions (
    id            INTEGER PRIMARY KEY,
    page_id       INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    run_id        INTEGER,                             -- run that fetched it; NULL for reextract
    content_hash  TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL DEFAULT '',
    published     TEXT,
    published_raw TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    breadcrumb    TEXT NOT NULL DEFAULT '[]',
    keywords      TEXT NOT NULL DEFAULT '[]',
    fetched_at    TEXT NOT NULL                        -- when this version was first seen
);
CREATE INDEX revisions_page ON revisions (page_id, id);

-- cards: the related-article block of the page's latest fetch, replaced on
-- every save.
CREATE TABLE cards (
    page_id  INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,                         -- 0-based order on the page
    title    TEXT NOT NULL DEFAULT '',
    url      TEXT NOT NULL DEFAULT '',
    snippet  TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    date     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (page_id, position)
) WITHOUT ROWID;

-- raw: the latest raw response of each page, compressed (encoding names
-- the compression: 'deflate' = raw DEFLATE, RFC 1951).
CREATE TABLE raw (
    page_id      INTEGER PRIMARY KEY REFERENCES pages (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL DEFAULT '',
    charset      TEXT NOT NULL DEFAULT '',             -- from content_type, '' = unknown
    encoding     TEXT NOT NULL DEFAULT 'deflate',
    size         INTEGER NOT NULL,                     -- uncompressed bytes
    fetched_at   TEXT NOT NULL,
    data         BLOB NOT NULL
);

-- runs: one row per crawl run.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    seeds         TEXT NOT NULL DEFAULT '[]',          -- JSON array of URLs
    options       TEXT NOT NULL DEFAULT '{}',          -- JSON of the crawl options (for --resume)
    adaptive      INTEGER NOT NULL DEFAULT 0,          -- 1: skip archived pages not yet due
    min_revisit_s INTEGER NOT NULL DEFAULT 0,
    max_revisit_s INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL DEFAULT 'running',     -- running|finished|failed|interrupted|error
    error         TEXT NOT NULL DEFAULT '',
    fetched       INTEGER NOT NULL DEFAULT 0,
    new           INTEGER NOT NULL DEFAULT 0,
    changed       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    not_modified  INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    bytes         INTEGER NOT NULL DEFAULT 0,
    skipped_by    TEXT NOT NULL DEFAULT '{}',          -- JSON object reason -> count
    failed_by     TEXT NOT NULL DEFAULT '{}'
);

-- frontier: the disk queue of each run. state is one of
--   queued    waiting to be claimed (when next_try has come)
--   inflight  claimed by a worker
--   done      fetched (archived, skipped or not an article)
--   failed    failed for good in this run (last_error says why)
--   notdue    adaptive run: archived page whose next_revisit_at is in the future
CREATE TABLE frontier (
    id         INTEGER PRIMARY KEY,                    -- enqueue order
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    depth      INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   INTEGER NOT NULL DEFAULT 0,             -- unix ms
    state      TEXT NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'inflight', 'done', 'failed', 'notdue')),
    last_error TEXT NOT NULL DEFAULT '',
    UNIQUE (run_id, url)
);
CREATE INDEX frontier_queued ON frontier (run_id, id) WHERE state = 'queued';
CREATE INDEX frontier_pending ON frontier (run_id, state, next_try) WHERE state IN ('queued', 'inflight');

-- crawl_lock: at most one row; the crawl that holds the database.
CREATE TABLE crawl_lock (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    owner        TEXT NOT NULL,                        -- free text, e.g. 'crawl'
    token        TEXT NOT NULL,                        -- random, identifies the holder
    pid          INTEGER NOT NULL,
    hostname     TEXT NOT NULL,
    acquired_at  TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
