-- Applications for an entry's data (共享/开放申请), their transitions, the grants their
-- approvals make, and the console's notifications (issue 5).
CREATE TABLE applications (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('share', 'open')),
    entry_id         TEXT NOT NULL,
    entry_title      TEXT NOT NULL,
    division         TEXT NOT NULL,               -- the entry's division
    provider         TEXT NOT NULL,               -- the entry's organisation code
    applicant        TEXT NOT NULL,               -- username
    applicant_org    TEXT NOT NULL DEFAULT '',    -- organisation code; '' for a public user
    items            TEXT NOT NULL DEFAULT '[]',  -- JSON list of item names; empty: all
    purpose          TEXT NOT NULL,
    basis            TEXT NOT NULL,
    until            TEXT NOT NULL,               -- YYYY-MM-DD, the last day of use asked
    accept_terms     INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'disputed', 'withdrawn', 'expired')),
    due              TEXT NOT NULL,               -- YYYY-MM-DD (China Standard Time) of due_at
    due_at           TEXT NOT NULL,               -- the close of business the answer is due by
    overdue          INTEGER NOT NULL DEFAULT 0,  -- went past due_at while pending (H3)
    escalated        INTEGER NOT NULL DEFAULT 0,  -- sent to the authority for being overdue
    reason           TEXT NOT NULL DEFAULT '',
    decision_basis   TEXT NOT NULL DEFAULT '',
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       TEXT,
    dispute_reason   TEXT NOT NULL DEFAULT '',
    disputed_at      TEXT,                        -- set once: a rejection is disputed at most once
    grant_id         TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX applications_provider ON applications (provider, status, due_at);
CREATE INDEX applications_applicant ON applications (applicant, created_at);
CREATE INDEX applications_applicant_org ON applications (applicant_org, created_at);
CREATE INDEX applications_division ON applications (division, status, due_at);
CREATE INDEX applications_due ON applications (status, overdue, due_at);

-- Every transition: who, when, from, to, why.
CREATE TABLE application_events (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    action         TEXT NOT NULL,
    from_status    TEXT NOT NULL,
    to_status      TEXT NOT NULL,
    actor          TEXT NOT NULL,
    org            TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    time           TEXT NOT NULL
);
CREATE INDEX application_events_application ON application_events (application_id, time);

-- Grants: a consumer organisation's (consumer) or a public user's (consumer_user) use of an
-- entry's data, limited to items, a row filter and a period. Every read looks them up by
-- (entry_id, consumer | consumer_user), so both are indexed with the expiry.
CREATE TABLE grants (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL CHECK (kind IN ('share', 'open')),
    entry_id       TEXT NOT NULL,
    entry_title    TEXT NOT NULL,
    division       TEXT NOT NULL,
    provider       TEXT NOT NULL,
    consumer       TEXT NOT NULL DEFAULT '',
    consumer_user  TEXT NOT NULL DEFAULT '',
    items          TEXT NOT NULL DEFAULT '[]',
    clear_items    TEXT NOT NULL DEFAULT '[]',
    row_filter     TEXT NOT NULL DEFAULT '',
    purpose        TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    expired        INTEGER NOT NULL DEFAULT 0,  -- ExpireGrants ended it (recorded once)
    revoked_at     TEXT,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoke_reason  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
);
CREATE INDEX grants_entry_consumer ON grants (entry_id, consumer, expires_at);
CREATE INDEX grants_entry_user ON grants (entry_id, consumer_user, expires_at);
CREATE INDEX grants_consumer ON grants (consumer, created_at);
CREATE INDEX grants_consumer_user ON grants (consumer_user, created_at);
CREATE INDEX grants_provider ON grants (provider, created_at);
CREATE INDEX grants_due ON grants (expired, expires_at);

-- Notifications to one user (username) or to the users of an organisation with a role
-- (org, role; role '' every user). Who read which is in notification_reads.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL DEFAULT '',
    org        TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    nkey       TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',
    text       TEXT NOT NULL,
    text_en    TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    object     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_user ON notifications (username, created_at);
CREATE INDEX notifications_org ON notifications (org, role, created_at);

CREATE TABLE notification_reads (
    notification_id TEXT NOT NULL REFERENCES notifications (id),
    username        TEXT NOT NULL,
    read_at         TEXT NOT NULL,
    PRIMARY KEY (notification_id, username)
);
