-- Aggregation: each published table entry owns a table d_<entry id hex>, created and
-- migrated by the store (sqlstore/data.go), not by migrations. These tables describe them.

-- data_tables: one row per entry table; locked by every batch of the entry.
CREATE TABLE data_tables (
    entry_id        TEXT PRIMARY KEY,
    tbl             TEXT NOT NULL UNIQUE,
    columns         TEXT NOT NULL,           -- JSON [{"name","type"}] of the table's columns
    key_columns     TEXT NOT NULL,           -- JSON ["name", …] of the current key
    row_count       BIGINT NOT NULL DEFAULT 0,  -- current rows, kept by each batch
    batch_seq       BIGINT NOT NULL DEFAULT 0,  -- the number of the last committed batch
    batches         BIGINT NOT NULL DEFAULT 0,
    last_batch      TEXT,
    last_loaded_at  TEXT,
    purged_through  BIGINT NOT NULL DEFAULT 0,  -- history superseded at or before this batch was purged
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- data_batches: every load, whatever became of it.
CREATE TABLE data_batches (
    id              TEXT PRIMARY KEY,
    entry_id        TEXT NOT NULL,
    seq             BIGINT NOT NULL DEFAULT 0,
    org             TEXT NOT NULL,
    actor           TEXT NOT NULL,
    source          TEXT NOT NULL,
    mode            TEXT NOT NULL,
    on_error        TEXT NOT NULL,
    format          TEXT NOT NULL DEFAULT '',
    file_name       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'rolled_back')),
    entry_version   INTEGER NOT NULL,
    rows_in         BIGINT NOT NULL DEFAULT 0,
    rows_loaded     BIGINT NOT NULL DEFAULT 0,
    rows_rejected   BIGINT NOT NULL DEFAULT 0,
    rows_superseded BIGINT NOT NULL DEFAULT 0,
    message         TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    rollback_of     TEXT,
    rolled_back_by  TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    heartbeat_at    TEXT
);
CREATE INDEX data_batches_entry ON data_batches (entry_id, created_at, id);
CREATE INDEX data_batches_status ON data_batches (status);
CREATE UNIQUE INDEX data_batches_idempotency ON data_batches (entry_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- data_batch_errors: the first pubdata.MaxBatchErrors row errors of each batch.
CREATE TABLE data_batch_errors (
    batch_id TEXT NOT NULL,
    n        INTEGER NOT NULL,
    row_num  BIGINT NOT NULL,
    col      TEXT NOT NULL,
    code     TEXT NOT NULL,
    message  TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (batch_id, n)
);
