-- The catalogue: entries (working copies), their published versions, the published
-- catalogue with its search index, data elements and the demand list.

CREATE TABLE entries (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE, -- resource code 分类码/顺序码
    org            TEXT NOT NULL REFERENCES orgs (code),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'published', 'rejected', 'retired')),
    version        INTEGER NOT NULL DEFAULT 0, -- latest published version
    title          TEXT NOT NULL,
    division       TEXT NOT NULL,
    doc            TEXT NOT NULL,               -- JSON of pubdata.EntryFields: the working copy
    flags          TEXT NOT NULL DEFAULT '[]',  -- JSON of []pubdata.SourceFlag, set at submission
    review_comment TEXT NOT NULL DEFAULT '',
    published_on   TEXT,                        -- YYYY-MM-DD of the first publication
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    submitted_at   TEXT
);
CREATE INDEX entries_org ON entries (org, updated_at);
CREATE INDEX entries_status ON entries (status, division);

CREATE TABLE entry_versions (
    entry_id     TEXT NOT NULL REFERENCES entries (id),
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    published_at TEXT NOT NULL,
    reviewer     TEXT NOT NULL,
    comment      TEXT NOT NULL,
    PRIMARY KEY (entry_id, version)
);

-- Sequence numbers of generated resource codes, per 分类码.
CREATE TABLE code_sequences (
    prefix TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
);

-- The published catalogue: one row per entry with a live published version.
CREATE TABLE catalog (
    entry_id      TEXT PRIMARY KEY REFERENCES entries (id),
    code          TEXT NOT NULL UNIQUE,
    org           TEXT NOT NULL,
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    category      TEXT NOT NULL,
    format        TEXT NOT NULL,
    update_cycle  TEXT NOT NULL,
    share_class   TEXT NOT NULL,
    open_class    TEXT NOT NULL,
    division      TEXT NOT NULL,
    supplementary INTEGER NOT NULL,
    issued        TEXT NOT NULL,
    modified      TEXT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX catalog_modified ON catalog (modified);
CREATE INDEX catalog_org ON catalog (org);
CREATE INDEX catalog_division ON catalog (division);

CREATE TABLE catalog_keywords (
    entry_id TEXT NOT NULL REFERENCES catalog (entry_id),
    keyword  TEXT NOT NULL,
    PRIMARY KEY (entry_id, keyword)
);
CREATE INDEX catalog_keywords_keyword ON catalog_keywords (keyword);

-- The full-text index of the published catalogue: each term of an entry with its weight
-- (title > keywords > data items > provider > summary).
CREATE TABLE catalog_terms (
    term     TEXT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES catalog (entry_id),
    weight   INTEGER NOT NULL,
    PRIMARY KEY (term, entry_id)
);
CREATE INDEX catalog_terms_entry ON catalog_terms (entry_id);

CREATE TABLE data_elements (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    type         TEXT NOT NULL,
    source       TEXT REFERENCES orgs (code),
    source_entry TEXT REFERENCES entries (id)
);
INSERT INTO data_elements (code, name, name_en, type) VALUES ('resident_id', '公民身份号码', 'Resident ID number', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('name', '姓名', 'Name', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('uscc', '统一社会信用代码', 'Unified social credit code', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('org_code', '组织机构代码', 'Organisation code', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('division', '行政区划代码', 'Division code', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('mobile', '手机号码', 'Mobile number', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('address', '地址', 'Address', 'string');
INSERT INTO data_elements (code, name, name_en, type) VALUES ('birth_date', '出生日期', 'Date of birth', 'date');

CREATE TABLE demands (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    org         TEXT REFERENCES orgs (code),
    username    TEXT NOT NULL,
    entry       TEXT REFERENCES entries (id),
    status      TEXT NOT NULL CHECK (status IN ('open', 'answered', 'declined')),
    created_at  TEXT NOT NULL
);
