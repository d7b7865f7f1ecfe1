-- Data quality (issue 13 items 1 and 2): entries' quality rules, their runs and results.

-- quality_rule_sets: every revision of an entry's rules, with the entry's version it was
-- written against; the current rules are the highest revision.
CREATE TABLE quality_rule_sets (
    entry_id      TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    entry_version INTEGER NOT NULL,
    rules         TEXT NOT NULL,           -- JSON [pubdata.QualityRule]
    actor         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (entry_id, revision)
);

-- quality_runs: each run of an entry's rules, on a batch (in the batch's transaction) or over
-- the whole table. A full run writes its rules' results as it goes (resumable) and is claimed
-- by one server at a time (one running run per entry).
CREATE TABLE quality_runs (
    id           TEXT PRIMARY KEY,
    entry_id     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('batch', 'full')),
    batch_id     TEXT,
    revision     INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'done')),
    row_count    BIGINT NOT NULL DEFAULT 0,
    score        INTEGER,
    dimensions   TEXT NOT NULL DEFAULT '{}',
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX quality_runs_entry ON quality_runs (entry_id, kind, status, started_at);
CREATE UNIQUE INDEX quality_runs_running ON quality_runs (entry_id) WHERE status = 'running';

-- quality_results: each rule's outcome in a run, with a sample of its failing rows (keys and
-- values, JSON; shown masked to readers who may not read them in clear).
CREATE TABLE quality_results (
    run_id      TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    n           INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    col         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'skipped')),
    checked     BIGINT NOT NULL DEFAULT 0,
    failed_rows BIGINT NOT NULL DEFAULT 0,
    reject      INTEGER NOT NULL DEFAULT 0,
    detail      TEXT NOT NULL DEFAULT '{}',
    sample      TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, rule_id)
);
