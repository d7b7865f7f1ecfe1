-- Federation (issue 17 items 1–4): the peer platforms this one knows by their SM2
-- certificates, the nonces of their signed requests, the entries that flow back to
-- children, how far the entries flowing back from a parent are, and the applications this
-- platform's users made to a peer. Entries mirrored from a peer's catalogue are marked with
-- the peer (entries.peer); entries.catalog_gen is the catalogue generation of an entry's
-- last change, so a peer can pull the changes after the generation it saw last.

CREATE TABLE federation_peers (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('parent', 'child')),
    name         TEXT NOT NULL,
    division     TEXT NOT NULL UNIQUE,
    url          TEXT NOT NULL,
    cert         TEXT NOT NULL,
    fingerprint  TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'active', 'refused', 'suspended')),
    state_reason TEXT NOT NULL DEFAULT '',
    decided_by   TEXT NOT NULL DEFAULT '',
    last_contact TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    catalog_gen  BIGINT NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE federation_nonces (
    fingerprint TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (fingerprint, nonce)
);
CREATE INDEX federation_nonces_seen ON federation_nonces (seen_at);

CREATE TABLE federation_flowbacks (
    peer_id     TEXT NOT NULL REFERENCES federation_peers (id),
    entry_id    TEXT NOT NULL REFERENCES entries (id),
    column_name TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (peer_id, entry_id)
);

CREATE TABLE federation_inflows (
    peer_id     TEXT NOT NULL REFERENCES federation_peers (id),
    entry_id    TEXT NOT NULL,
    column_name TEXT NOT NULL,
    seq         BIGINT NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (peer_id, entry_id)
);

CREATE TABLE federation_applications (
    id            TEXT PRIMARY KEY,
    peer_id       TEXT NOT NULL REFERENCES federation_peers (id),
    remote_id     TEXT NOT NULL DEFAULT '',
    entry_id      TEXT NOT NULL,
    entry_title   TEXT NOT NULL,
    applicant     TEXT NOT NULL,
    applicant_org TEXT NOT NULL,
    items         TEXT NOT NULL DEFAULT '[]',
    purpose       TEXT NOT NULL,
    basis         TEXT NOT NULL,
    until         TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    grant_id      TEXT NOT NULL DEFAULT '',
    due           TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX federation_applications_org ON federation_applications (applicant_org, created_at);

ALTER TABLE entries ADD COLUMN peer TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN catalog_gen BIGINT NOT NULL DEFAULT 0;
UPDATE entries SET catalog_gen = 1 WHERE status IN ('published', 'retired');
CREATE INDEX entries_catalog_gen ON entries (catalog_gen);
