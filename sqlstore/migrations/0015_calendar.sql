-- The working-day calendar in the database (issue 11): each year's holiday file imported by
-- an authority's admin (the State Council notice in the holiday-cn format; it replaces the
-- binary's built-in file of the same year), single days corrected by the admin, and a
-- generation that every server compares with its in-memory calendar.
CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY,
    file       TEXT NOT NULL,               -- the holiday-cn JSON (workday.File.JSON)
    source     TEXT NOT NULL CHECK (source IN ('import')),
    updated_by TEXT NOT NULL,               -- username; '' for the system
    updated_at TEXT NOT NULL
);
CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY,            -- YYYY-MM-DD
    year       INTEGER NOT NULL,            -- a built-in or imported year
    workday    INTEGER NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One row: gen grows with every change; warned_through is the end of the covered range the
-- authority's admins were last warned about (YYYY-MM-DD, '' for none).
CREATE TABLE calendar_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    gen            INTEGER NOT NULL,
    warned_through TEXT NOT NULL DEFAULT ''
);
INSERT INTO calendar_state (id, gen) VALUES (1, 0);
-- A due date counted over a year without a holiday file is unconfirmed (due_covered 0)
-- until that year's file arrives; the import then recounts it.
ALTER TABLE applications ADD COLUMN due_covered INTEGER NOT NULL DEFAULT 1;
ALTER TABLE objections ADD COLUMN due_covered INTEGER NOT NULL DEFAULT 1;
