-- Pull sources (B3): providers' databases the platform pulls entries' rows from.
-- dsn is sealed (SM4-GCM, sealed package); it is never returned by the API nor recorded.
CREATE TABLE pull_sources (
    id               TEXT PRIMARY KEY,
    entry_id         TEXT NOT NULL,
    org              TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    driver           TEXT NOT NULL CHECK (driver IN ('postgres', 'mysql')),
    dsn_sealed       TEXT NOT NULL,
    dsn_redacted     TEXT NOT NULL,
    tbl              TEXT NOT NULL DEFAULT '',
    query            TEXT NOT NULL DEFAULT '',
    updated_column   TEXT NOT NULL,
    columns          TEXT NOT NULL DEFAULT '{}',  -- JSON {"item": "source column"}
    interval_minutes INTEGER NOT NULL,
    on_error         TEXT NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    watermark        TEXT NOT NULL DEFAULT '',
    boundary         TEXT NOT NULL DEFAULT '[]',  -- JSON fingerprints of the rows at the watermark
    last_run_at      TEXT,
    last_batch       TEXT NOT NULL DEFAULT '',
    last_status      TEXT NOT NULL DEFAULT '',
    last_error       TEXT NOT NULL DEFAULT '',
    failures         INTEGER NOT NULL DEFAULT 0,
    next_run_at      TEXT NOT NULL,
    running_until    TEXT,                        -- the lease of the server running it
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX pull_sources_entry ON pull_sources (entry_id, created_at);
CREATE INDEX pull_sources_due ON pull_sources (enabled, next_run_at);
