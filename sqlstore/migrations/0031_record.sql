-- The record leaves the database (issue 14). An event's seal is an HMAC-SM3 of its seq, leaf
-- hash and root under a key derived from the SM2 key in the data folder, which the database
-- never holds (lib/audit/seal.go); the head carries the seal of its size and root. The
-- events recorded before this migration are sealed by the process that applies it
-- (sealRecord in migrate.go).
ALTER TABLE audit_events ADD COLUMN seal TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN seal TEXT NOT NULL DEFAULT '';

-- A checkpoint names its key and keeps the tree state at its size, from which the
-- consistency proof to a later checkpoint is built without reading the older events.
ALTER TABLE audit_checkpoints ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_checkpoints ADD COLUMN state TEXT NOT NULL DEFAULT '';

-- Witnesses' cosignatures of this platform's checkpoints (also appended to the checkpoint log).
CREATE TABLE audit_cosignatures (
    size           BIGINT NOT NULL,
    witness_key_id TEXT NOT NULL,
    witness        TEXT NOT NULL,
    root           TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    time           TEXT NOT NULL,
    signature      TEXT NOT NULL,
    PRIMARY KEY (size, witness_key_id)
);
