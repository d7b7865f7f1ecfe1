-- Signing with certificates and electronic certificates (issue 14, D5, I1).
--
-- signing_keys is the platform's keyring: root CA certificates, the document-signing
-- certificates they issue (one active at a time; a rotation retires the previous one, and
-- what a retired certificate signed still verifies), and the bare public keys of
-- pubdata-extract/v1 extracts (kind legacy). Private keys are sealed with the data folder's
-- SM4 secrets key (secrets-sm4.key), so every node of a cluster signs and verifies alike.
CREATE TABLE signing_keys (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('ca', 'signing', 'legacy')),
    subject       TEXT NOT NULL,
    issuer        TEXT NOT NULL DEFAULT '',
    cert_pem      TEXT NOT NULL DEFAULT '',
    public_key    TEXT NOT NULL,
    sealed_key    TEXT NOT NULL DEFAULT '',
    not_before    TEXT NOT NULL,
    not_after     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
    revoked_at    TEXT,
    revoke_reason TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
-- At most one active key of each kind: two nodes setting up at once cannot both add one.
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (kind) WHERE status = 'active' AND kind <> 'legacy';

-- A catalogue entry that is a certificate register (licences, permits, qualifications).
CREATE TABLE certificate_registers (
    entry_id   TEXT PRIMARY KEY REFERENCES entries (id),
    org        TEXT NOT NULL REFERENCES orgs (code),
    kind       TEXT NOT NULL CHECK (kind IN ('licence', 'permit', 'qualification')),
    created_at TEXT NOT NULL
);

-- Issued electronic certificates. holder_digest is the SM3 of "<element>:<ID>"; the ID
-- itself is not stored (the signed document holds it masked). signed is the signed JSON;
-- pdf and pdf_signature are base64 (the PDF and its detached CMS signature).
CREATE TABLE certificates (
    id            TEXT PRIMARY KEY,
    entry_id      TEXT NOT NULL REFERENCES certificate_registers (entry_id),
    org           TEXT NOT NULL REFERENCES orgs (code),
    number        TEXT NOT NULL,
    title         TEXT NOT NULL,
    holder_name   TEXT NOT NULL,
    holder_digest TEXT NOT NULL,
    holder_masked TEXT NOT NULL,
    fields        TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT NOT NULL DEFAULT '',
    signed        TEXT NOT NULL,
    pdf           TEXT NOT NULL,
    pdf_signature TEXT NOT NULL,
    digest        TEXT NOT NULL,
    pdf_digest    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    issued_at     TEXT NOT NULL,
    issued_by     TEXT NOT NULL,
    revoked_at    TEXT,
    revoke_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (entry_id, number)
);
CREATE INDEX certificates_holder ON certificates (holder_digest, issued_at);
CREATE INDEX certificates_pdf ON certificates (pdf_digest);
CREATE INDEX certificates_entry ON certificates (entry_id, issued_at);
