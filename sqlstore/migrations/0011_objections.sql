-- Objections (异议, C4) to the records of entries' tables (issue 6). An open objection is the
-- freeze: every read of the entry's table looks up its open objections (the partial index
-- objections_open) and excludes the rows whose key columns equal the objection's key.
CREATE TABLE objections (
    id           TEXT PRIMARY KEY,
    entry_id     TEXT NOT NULL,
    entry_title  TEXT NOT NULL,
    division     TEXT NOT NULL,               -- the entry's division
    provider     TEXT NOT NULL,               -- the entry's organisation code
    key_values   TEXT NOT NULL,               -- JSON object: key item name → canonical text value (sorted names)
    reason       TEXT NOT NULL CHECK (reason IN ('error', 'omission', 'privacy', 'trade_secret')),
    detail       TEXT NOT NULL,
    filer        TEXT NOT NULL,               -- username
    status       TEXT NOT NULL CHECK (status IN ('open', 'corrected', 'rejected')),
    row_count    INTEGER NOT NULL DEFAULT 0,  -- current rows with the key when filed
    filed_seq    BIGINT NOT NULL DEFAULT 0,   -- the table's last batch seq when filed
    due          TEXT NOT NULL,               -- YYYY-MM-DD (China Standard Time) of due_at
    due_at       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    batch_id     TEXT NOT NULL DEFAULT '',
    resolved_by  TEXT NOT NULL DEFAULT '',
    resolved_at  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX objections_open ON objections (entry_id) WHERE status = 'open';
CREATE INDEX objections_filer ON objections (filer, created_at);
CREATE INDEX objections_provider ON objections (provider, status, due_at);
CREATE INDEX objections_division ON objections (division, status, due_at);
