-- Service interfaces (B4): the provider's HTTP endpoint behind an entry of format service.
-- The credential's value is sealed (SM4-GCM, package sealed) and never leaves the store in
-- clear except to the platform's forwarder.

CREATE TABLE service_endpoints (
    entry_id          TEXT PRIMARY KEY REFERENCES entries (id),
    base_url          TEXT NOT NULL,
    methods           TEXT NOT NULL,              -- comma-separated, e.g. GET,POST
    credential_header TEXT NOT NULL DEFAULT '',   -- '' when no credential is added
    credential        TEXT NOT NULL DEFAULT '',   -- the sealed secret, '' when none
    timeout_seconds   INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
    confirmed_by      TEXT NOT NULL DEFAULT '',
    confirmed_at      TEXT,
    updated_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
