-- Certificate holders (issue 14 item 4, I1 and D6).
--
-- person_identities: a person account's real name and resident ID number, stated by the
-- person and verified at a counter by a public body's or authority's admin. The number is
-- kept only as the holder digest of certificates (SM3 of "resident_id:<number>") and masked.
-- One number is verified for at most one account.
CREATE TABLE person_identities (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    real_name    TEXT NOT NULL,
    id_digest    TEXT NOT NULL,
    id_masked    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('claimed', 'verified')),
    claimed_at   TEXT NOT NULL,
    verified_at  TEXT,
    verified_by  TEXT NOT NULL DEFAULT '',
    verified_org TEXT NOT NULL DEFAULT '',
    method       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX person_identities_verified ON person_identities (id_digest) WHERE status = 'verified';

-- A holder's consent that a public body obtain their certificates through the platform
-- (entry_id '' for every register).
CREATE TABLE certificate_consents (
    id            TEXT PRIMARY KEY,
    holder_digest TEXT NOT NULL,
    holder_masked TEXT NOT NULL,
    granted_by    TEXT NOT NULL,
    org           TEXT NOT NULL REFERENCES orgs (code),
    entry_id      TEXT NOT NULL DEFAULT '',
    purpose       TEXT NOT NULL,
    granted_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    withdrawn_at  TEXT
);
CREATE INDEX certificate_consents_holder ON certificate_consents (holder_digest, granted_at);

-- Each certificate a public body obtained, with its basis: the consent, or a legal basis.
CREATE TABLE certificate_uses (
    id             TEXT PRIMARY KEY,
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    holder_digest  TEXT NOT NULL,
    org            TEXT NOT NULL,
    username       TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    basis          TEXT NOT NULL CHECK (basis IN ('consent', 'law')),
    consent_id     TEXT NOT NULL DEFAULT '',
    legal_basis    TEXT NOT NULL DEFAULT '',
    used_at        TEXT NOT NULL
);
CREATE INDEX certificate_uses_holder ON certificate_uses (holder_digest, used_at);
CREATE INDEX certificate_uses_cert ON certificate_uses (certificate_id, org, used_at);
