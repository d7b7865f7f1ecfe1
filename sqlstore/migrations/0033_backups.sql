-- The scheduled backups' runs (issue 14): serve writes a backup every backup_interval to
-- backup_to and keeps here what it did, for the console and for choosing, across servers,
-- which one runs the next.
CREATE TABLE backup_runs (
    id          TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    destination TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    size        BIGINT NOT NULL DEFAULT 0,
    parts       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    checked     TEXT NOT NULL DEFAULT '',
    problem     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_started ON backup_runs (started_at);
