-- Issue 6: the demand workflow (A5, H2), usage counts, ratings and moderated comments.

-- demands gains the workflow: the status check changes, so the table is rebuilt (nothing
-- refers to it).
CREATE TABLE demands_new (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    items       TEXT NOT NULL DEFAULT '[]',   -- JSON list of the data items wanted
    purpose     TEXT NOT NULL DEFAULT '',
    division    TEXT NOT NULL DEFAULT '',
    org         TEXT REFERENCES orgs (code),  -- the asking organisation; NULL for a public user
    username    TEXT NOT NULL,
    entry       TEXT REFERENCES entries (id), -- the entry that answers it
    status      TEXT NOT NULL CHECK (status IN ('open', 'routed', 'planned', 'answered', 'declined')),
    votes       INTEGER NOT NULL DEFAULT 0,
    provider    TEXT NOT NULL DEFAULT '',     -- the organisation it is routed to
    route_note  TEXT NOT NULL DEFAULT '',
    routed_by   TEXT NOT NULL DEFAULT '',
    routed_at   TEXT,
    expected    TEXT NOT NULL DEFAULT '',     -- YYYY-MM-DD of a planned answer
    answer      TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    answered_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO demands_new (id, title, description, org, username, entry, status, created_at, updated_at)
    SELECT id, title, description, org, username, entry, status, created_at, created_at FROM demands;
DROP TABLE demands;
ALTER TABLE demands_new RENAME TO demands;
CREATE INDEX demands_created ON demands (created_at);
CREATE INDEX demands_votes ON demands (votes, created_at);
CREATE INDEX demands_provider ON demands (provider, status);
CREATE INDEX demands_division ON demands (division, status);
CREATE INDEX demands_username ON demands (username, created_at);

-- One vote per user and demand.
CREATE TABLE demand_votes (
    demand_id  TEXT NOT NULL REFERENCES demands (id),
    username   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (demand_id, username)
);

-- Uses per day (China Standard Time), entry and kind; the http layer adds its in-memory
-- counts every few seconds.
CREATE TABLE usage_daily (
    day      TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('view', 'download', 'api')),
    provider TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (entry_id, day, kind)
);
CREATE INDEX usage_daily_provider ON usage_daily (provider, day);
CREATE INDEX usage_daily_day ON usage_daily (day);

-- One rating per user and entry.
CREATE TABLE ratings (
    entry_id   TEXT NOT NULL,
    username   TEXT NOT NULL,
    stars      INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, username)
);

CREATE TABLE comments (
    id           TEXT PRIMARY KEY,
    entry_id     TEXT NOT NULL,
    entry_title  TEXT NOT NULL,
    provider     TEXT NOT NULL,
    division     TEXT NOT NULL,
    reply_to     TEXT NOT NULL DEFAULT '',
    username     TEXT NOT NULL,
    org          TEXT NOT NULL DEFAULT '',
    by_provider  INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reports      INTEGER NOT NULL DEFAULT 0,
    moderated_by TEXT NOT NULL DEFAULT '',
    moderated_at TEXT,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE INDEX comments_entry ON comments (entry_id, status, created_at);
CREATE INDEX comments_queue ON comments (status, reports, created_at);
CREATE INDEX comments_division ON comments (division, created_at);

-- One report per user and comment.
CREATE TABLE comment_reports (
    comment_id TEXT NOT NULL REFERENCES comments (id),
    username   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (comment_id, username)
);
