-- Tiered development (issue 16 item 3, F1 and F4, devspace.go) and data products with
-- provenance (item 4, product.go).

-- devspace_operators: the first-level operators (一级开发主体), organisations the authority
-- names to run the development spaces: they see every space and run them day to day.
CREATE TABLE devspace_operators (
    org           TEXT PRIMARY KEY,
    designated_by TEXT NOT NULL,
    designated_at TEXT NOT NULL
);

-- devspaces: a second-level developer's application per scenario, then its space. org is the
-- developer organisation ('' for a person, who is then the applicant); division is the
-- developer's ('' for a person: the province authority decides). Dates are YYYY-MM-DD,
-- starts_on and ends_on inclusive. status: pending, approved, refused, suspended, closed.
CREATE TABLE devspaces (
    id              TEXT PRIMARY KEY,
    org             TEXT NOT NULL DEFAULT '',
    applicant       TEXT NOT NULL,
    division        TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL,
    scenario        TEXT NOT NULL DEFAULT '',
    purpose         TEXT NOT NULL,
    outputs         TEXT NOT NULL,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    row_access      INTEGER NOT NULL DEFAULT 0,
    report_every    TEXT NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TEXT,
    status_by       TEXT NOT NULL DEFAULT '',
    status_at       TEXT,
    next_report_due TEXT NOT NULL DEFAULT '',
    reminded_due    TEXT NOT NULL DEFAULT '',
    uses            BIGINT NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX devspaces_org ON devspaces (org, created_at);
CREATE INDEX devspaces_applicant ON devspaces (applicant, created_at);
CREATE INDEX devspaces_status ON devspaces (status, next_report_due);
CREATE INDEX devspaces_division ON devspaces (division, created_at);

-- devspace_entries: the data of a space and each provider's decision where the entry's share
-- class is conditional. approval: not_needed, pending, approved, refused.
CREATE TABLE devspace_entries (
    space_id    TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    entry_title TEXT NOT NULL DEFAULT '',
    provider    TEXT NOT NULL,
    share_class TEXT NOT NULL,
    approval    TEXT NOT NULL,
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  TEXT,
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (space_id, entry_id)
);
CREATE INDEX devspace_entries_provider ON devspace_entries (provider, approval);

-- devspace_reports: the usage reports a space files on its schedule; due is the due date the
-- report answers.
CREATE TABLE devspace_reports (
    id        TEXT PRIMARY KEY,
    space_id  TEXT NOT NULL,
    due       TEXT NOT NULL,
    usage_text TEXT NOT NULL,
    outputs   TEXT NOT NULL DEFAULT '',
    late      INTEGER NOT NULL DEFAULT 0,
    filed_by  TEXT NOT NULL,
    filed_at  TEXT NOT NULL,
    UNIQUE (space_id, due)
);

-- devspace_runs: each run of the anonymiser (and each aggregate) inside a space, with its
-- configuration and report as JSON; an anonymiser's table is a blob (package blob) named by
-- its SHA-256, as files' bytes are.
CREATE TABLE devspace_runs (
    id             TEXT PRIMARY KEY,
    space_id       TEXT NOT NULL,
    entry_id       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    config         TEXT NOT NULL,
    report         TEXT NOT NULL,
    blob           TEXT NOT NULL DEFAULT '',
    sha256         TEXT NOT NULL DEFAULT '',
    sm3            TEXT NOT NULL DEFAULT '',
    size           BIGINT NOT NULL DEFAULT 0,
    row_count      BIGINT NOT NULL DEFAULT 0,
    entry_version  INTEGER NOT NULL DEFAULT 0,
    batch_id       TEXT NOT NULL DEFAULT '',
    as_of          TEXT NOT NULL,
    actor          TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX devspace_runs_space ON devspace_runs (space_id, created_at);

-- products: data products registered from a space (product.go). kind: table, file, api,
-- model_output. processing, label, quasi_identifiers and sensitive are JSON; content_ref
-- names the content's blob ('' when the product has none kept here).
CREATE TABLE products (
    id                TEXT PRIMARY KEY,
    space_id          TEXT NOT NULL,
    org               TEXT NOT NULL DEFAULT '',
    developer         TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    kind              TEXT NOT NULL,
    run_id            TEXT NOT NULL DEFAULT '',
    processing        TEXT NOT NULL,
    label             TEXT NOT NULL,
    content_ref       TEXT NOT NULL DEFAULT '',
    content_sha256    TEXT NOT NULL DEFAULT '',
    content_sm3       TEXT NOT NULL DEFAULT '',
    content_size      BIGINT NOT NULL DEFAULT 0,
    content_rows      BIGINT NOT NULL DEFAULT 0,
    content_format    TEXT NOT NULL DEFAULT '',
    access_url        TEXT NOT NULL DEFAULT '',
    quasi_identifiers TEXT NOT NULL DEFAULT '[]',
    sensitive         TEXT NOT NULL DEFAULT '[]',
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX products_space ON products (space_id, created_at);
CREATE INDEX products_org ON products (org, created_at);

-- product_sources: a product's sources in order, each entry with the catalogue version, the
-- batch and the time its data was read (traceable from an entry to its products).
CREATE TABLE product_sources (
    product_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    entry_id    TEXT NOT NULL,
    entry_title TEXT NOT NULL DEFAULT '',
    provider    TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 0,
    batch_id    TEXT NOT NULL DEFAULT '',
    as_of       TEXT NOT NULL,
    PRIMARY KEY (product_id, seq)
);
CREATE INDEX product_sources_entry ON product_sources (entry_id);
