-- The licence list (issue 11 item 5): the licences open data is published under, managed by
-- the platform authority, and the default licence of each open class. An entry names its
-- licence in its fields (EntryFields.License, "" = the default of its open class); the
-- column beside the working copy and the live catalogue row lets a licence in use be found
-- (it may not be deleted) and the catalogue index count the license facet.
CREATE TABLE licenses (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL, -- Chinese
    title_en   TEXT NOT NULL,
    url        TEXT NOT NULL, -- the licence's text; '' = the platform's page /licenses#<id>
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO licenses (id, title, title_en, url, created_at, updated_at) VALUES
    ('platform-terms', '公共数据开放平台开放数据使用协议', 'Open data terms of use of the public data platform', '', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
    ('CC-BY-4.0', '知识共享署名 4.0 国际许可协议', 'Creative Commons Attribution 4.0 International', 'https://creativecommons.org/licenses/by/4.0/', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
    ('CC0-1.0', '知识共享 CC0 1.0 通用公有领域贡献', 'Creative Commons CC0 1.0 Universal Public Domain Dedication', 'https://creativecommons.org/publicdomain/zero/1.0/', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
    ('ODC-By-1.0', '开放数据共享署名许可协议 1.0', 'Open Data Commons Attribution License v1.0', 'https://opendatacommons.org/licenses/by/1-0/', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z');

-- The default licence of an open class (unconditional, conditional).
CREATE TABLE license_defaults (
    open_class TEXT PRIMARY KEY CHECK (open_class IN ('unconditional', 'conditional')),
    license_id TEXT NOT NULL REFERENCES licenses (id)
);
INSERT INTO license_defaults (open_class, license_id) VALUES ('unconditional', 'platform-terms'), ('conditional', 'platform-terms');

ALTER TABLE entries ADD COLUMN license TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog ADD COLUMN license TEXT NOT NULL DEFAULT '';
CREATE INDEX entries_license ON entries (license);
CREATE INDEX catalog_license ON catalog (license);
