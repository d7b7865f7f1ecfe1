-- Faster catalogue search (measured in docs/BENCHMARKS.md):
-- * the search index is clustered by term, with the weight in the index, so that a term's
--   postings are read without touching the table (SQLite WITHOUT ROWID; PostgreSQL INCLUDE);
-- * the catalogue row no longer carries the entry's JSON (it is in entry_versions), so that
--   scans and counts read small rows;
-- * catalog_facets keeps the facet counts of the published catalogue per open and share
--   class, updated with every publication, so that browsing with facets reads a few rows.

CREATE TABLE catalog_terms_new (
    term     TEXT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES catalog (entry_id),
    weight   INTEGER NOT NULL,
    PRIMARY KEY (term, entry_id) /*pg: INCLUDE (weight)*/
) /*sqlite: WITHOUT ROWID*/;
INSERT INTO catalog_terms_new (term, entry_id, weight) SELECT term, entry_id, weight FROM catalog_terms;
DROP TABLE catalog_terms;
ALTER TABLE catalog_terms_new RENAME TO catalog_terms;
CREATE INDEX catalog_terms_entry ON catalog_terms (entry_id);

ALTER TABLE catalog DROP COLUMN doc;
CREATE INDEX catalog_classes ON catalog (open_class, share_class);

CREATE TABLE catalog_facets (
    open_class  TEXT NOT NULL,
    share_class TEXT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (open_class, share_class, field, value)
);
INSERT INTO catalog_facets SELECT open_class, share_class, 'org', org, COUNT(*) FROM catalog GROUP BY open_class, share_class, org;
INSERT INTO catalog_facets SELECT open_class, share_class, 'category', category, COUNT(*) FROM catalog GROUP BY open_class, share_class, category;
INSERT INTO catalog_facets SELECT open_class, share_class, 'share_class', share_class, COUNT(*) FROM catalog GROUP BY open_class, share_class;
INSERT INTO catalog_facets SELECT open_class, share_class, 'open_class', open_class, COUNT(*) FROM catalog GROUP BY open_class, share_class;
INSERT INTO catalog_facets SELECT open_class, share_class, 'format', format, COUNT(*) FROM catalog GROUP BY open_class, share_class, format;
INSERT INTO catalog_facets SELECT open_class, share_class, 'update_cycle', update_cycle, COUNT(*) FROM catalog GROUP BY open_class, share_class, update_cycle;
INSERT INTO catalog_facets SELECT open_class, share_class, 'division', division, COUNT(*) FROM catalog GROUP BY open_class, share_class, division;
INSERT INTO catalog_facets SELECT open_class, share_class, 'supplementary', CASE WHEN supplementary = 1 THEN 'true' ELSE 'false' END, COUNT(*) FROM catalog GROUP BY open_class, share_class, supplementary;
INSERT INTO catalog_facets SELECT c.open_class, c.share_class, 'keyword', k.keyword, COUNT(*) FROM catalog c JOIN catalog_keywords k ON k.entry_id = c.entry_id GROUP BY c.open_class, c.share_class, k.keyword;
