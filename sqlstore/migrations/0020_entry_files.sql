-- Files of file entries (issue 11 item 4): the documents a published entry of format file
-- holds, and every version uploaded. The bytes are in the data folder (files/<sha256>,
-- package blob), written and synced before the row that names them commits.

CREATE TABLE entry_files (
    id             TEXT PRIMARY KEY,
    entry_id       TEXT NOT NULL REFERENCES entries (id),
    org            TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    issued         TEXT NOT NULL,                  -- YYYY-MM-DD
    status         TEXT NOT NULL CHECK (status IN ('current', 'withdrawn')),
    version        INTEGER NOT NULL,               -- the latest version
    created_at     TEXT NOT NULL,
    modified_at    TEXT NOT NULL,
    withdrawn_at   TEXT,
    withdraw_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entry_files_entry ON entry_files (entry_id, created_at);

CREATE TABLE entry_file_versions (
    file_id    TEXT NOT NULL REFERENCES entry_files (id),
    version    INTEGER NOT NULL,
    file_name  TEXT NOT NULL,
    format     TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    sm3        TEXT NOT NULL,
    blob       TEXT NOT NULL,
    note       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (file_id, version)
);
