-- Organisations, users, tokens, sessions and the audit log.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Times are TEXT in the one fixed
-- UTC form audit.TimeFormat, so they sort and round-trip identically on both.

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('authority', 'public_body', 'company')),
    division   TEXT NOT NULL,
    parent     TEXT REFERENCES orgs (code),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orgs_division ON orgs (division);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    org           TEXT REFERENCES orgs (code),
    role          TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'admin', 'editor', 'reviewer', 'member')),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX users_org ON users (org);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE, -- SHA-256 of the secret; the secret is never stored
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY, -- SHA-256 of the cookie value
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- The record: append-only, leaves of an SM3 RFC 6962 Merkle tree. seq runs 1, 2, 3 … with
-- no gaps; leaf_hash and root are what the writer computed; audit verify recomputes both.
CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
    time        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    org         TEXT NOT NULL,
    division    TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    details     TEXT NOT NULL,
    leaf_hash   TEXT NOT NULL,
    root        TEXT NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_object ON audit_events (object, seq);

-- The log head: its size and the right edge of the tree, locked by every append.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    size  BIGINT NOT NULL,
    state TEXT NOT NULL
);
INSERT INTO audit_head (id, size, state) VALUES (1, 0, '');

-- Signed tree heads.
CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY,
    root       TEXT NOT NULL,
    time       TEXT NOT NULL,
    signature  TEXT NOT NULL,
    public_key TEXT NOT NULL
);
