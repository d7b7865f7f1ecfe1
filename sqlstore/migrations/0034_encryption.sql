-- Encryption at rest (issue 15 item 2, G3). Each entry whose table holds encrypted items has
-- one row here: its data key (SM4) and blind-index key (HMAC-SM3), wrapped together with
-- SM4-GCM by the master key named by master_key (the key itself is never in the database:
-- it lives in the data folder, the environment or a key service). version grows when the
-- entry's values are re-encrypted under new keys (pubdata keys rotate --entry).
CREATE TABLE data_keys (
    entry_id    TEXT PRIMARY KEY,
    master_key  TEXT NOT NULL,
    wrapped     TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    rotated_at  TEXT NOT NULL
);
CREATE INDEX data_keys_master ON data_keys (master_key);

-- The version of the entry's keys its table's values are under (0: no encrypted item).
ALTER TABLE data_tables ADD COLUMN key_version INTEGER NOT NULL DEFAULT 0;

-- PostgreSQL keeps the tables of entries with encrypted (important) items in a schema of
-- their own, which the operator may give to a role of its own (docs/OPERATIONS.md).
/*pg: CREATE SCHEMA IF NOT EXISTS pd_important;*/
