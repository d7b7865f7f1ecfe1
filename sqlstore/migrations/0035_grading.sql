-- Issue 15 items 1, 3 and 6: discovery of personal data, security officers, protection levels.
-- (The entry's data category and level are fields of its JSON document and versions.)

-- Discovery (pubdata/discovery.go): one row per entry, item and kind; a later load that finds
-- the same while it is open updates its figures, and a decided one is not raised again.
CREATE TABLE discoveries (
    id         TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL REFERENCES entries (id),
    org        TEXT NOT NULL,
    division   TEXT NOT NULL,
    item       TEXT NOT NULL,
    item_title TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    matched    INTEGER NOT NULL,
    sampled    INTEGER NOT NULL,
    grade      INTEGER NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('load', 'command')),
    batch      TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'dismissed')),
    withheld   INTEGER NOT NULL DEFAULT 0,
    found_at   TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX discoveries_item ON discoveries (entry_id, item, kind);
CREATE INDEX discoveries_division ON discoveries (division, status, found_at);

-- G8: each unit's security officer (a username of the unit, '' none) and each system's
-- protection level (等级保护 1–5, 0 not recorded) with its filing number and date.
ALTER TABLE orgs ADD COLUMN security_officer TEXT NOT NULL DEFAULT '';
ALTER TABLE information_systems ADD COLUMN protection_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE information_systems ADD COLUMN filing_number TEXT NOT NULL DEFAULT '';
ALTER TABLE information_systems ADD COLUMN filed_on TEXT NOT NULL DEFAULT '';
