-- The systems register (H4): the information systems each unit records as feeding or using
-- the platform. pull_sources and tokens are JSON arrays of ids (the unit's pull sources and
-- its users' API tokens); the entries a system feeds or uses are rows of
-- information_system_entries, so that the board asks "is this entry listed" with EXISTS.
CREATE TABLE information_systems (
    id           TEXT PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs (code),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    owner        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('feeds', 'uses', 'both')),
    pull_sources TEXT NOT NULL DEFAULT '[]',
    tokens       TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX information_systems_org ON information_systems (org, name);

CREATE TABLE information_system_entries (
    system_id TEXT NOT NULL REFERENCES information_systems (id) ON DELETE CASCADE,
    entry_id  TEXT NOT NULL REFERENCES entries (id),
    PRIMARY KEY (system_id, entry_id)
);
CREATE INDEX information_system_entries_entry ON information_system_entries (entry_id);

-- The board asks whether a push batch loaded an entry.
CREATE INDEX data_batches_source ON data_batches (entry_id, source, status);
