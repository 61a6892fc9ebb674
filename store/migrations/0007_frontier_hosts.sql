-- finarchive archive schema, migration 7: a host-aware frontier and run
-- outcomes that tell dead links from failures.
--
-- frontier gets
--   host       the URL's host (with port), so the crawler claims per host
--              (a few URLs of each ready host, never one host's thousands)
--   fail_runs  how many runs in a row ended with the URL failed (carried
--              over from run to run; at 3 it is no longer carried over)
--   state      also 'deferred': left for the next run (a Retry-After longer
--              than --max-retry-after), carried over like a failure
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE frontier_new (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    host       TEXT NOT NULL DEFAULT '',
    depth      INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'inflight', 'done', 'failed', 'notdue', 'deferred')),
    last_error TEXT NOT NULL DEFAULT '',
    fail_runs  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, url)
);
INSERT INTO frontier_new (id, run_id, url, host, depth, attempts, next_try, state, last_error, fail_runs)
SELECT id, run_id, url,
    CASE WHEN instr(substr(url, instr(url, '://') + 3), '/') > 0
        THEN substr(substr(url, instr(url, '://') + 3), 1, instr(substr(url, instr(url, '://') + 3), '/') - 1)
        ELSE substr(url, instr(url, '://') + 3) END,
    depth, attempts, next_try, state, last_error, CASE WHEN state = 'failed' THEN 1 ELSE 0 END
FROM frontier;
DROP TABLE frontier;
ALTER TABLE frontier_new RENAME TO frontier;
-- Claim: a host's queued items in enqueue order; its earliest next try.
CREATE INDEX frontier_host ON frontier (run_id, host, id) WHERE state = 'queued';
CREATE INDEX frontier_host_due ON frontier (run_id, host, next_try) WHERE state = 'queued';
CREATE INDEX frontier_pending ON frontier (run_id, state, next_try) WHERE state IN ('queued', 'inflight');

-- pages.removed_at: when an archived article first answered 404 or 410
-- (NULL: not removed). The record and its history stay.
ALTER TABLE pages ADD COLUMN removed_at TEXT;

-- runs: dead links (404/410 and their counts by status), URLs deferred to
-- the next run, URLs no longer carried over (failed 3 runs in a row), and
-- archived articles marked removed.
ALTER TABLE runs ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN gone_by TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
