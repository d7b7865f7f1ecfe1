-- Faster catalogue search (measured in docs/BENCHMARKS.md):
-- * the search index is clustered by term, with the weight in the index, so that a term's
--   postings are read without touching the table (SQLite WITHOUT ROWID; PostgreSQL INCLUDE);
-- * the catalogue row no longer carries the entry's JSON (it is in entry_versions), so that
--   scans and counts read small rows;
-- * filters, facets and ordering run over an in-memory copy of the catalogue's short fields,
--   reloaded when catalog_state.generation moves (see sqlstore/catalogindex.go).

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

-- The catalogue's generation: bumped by every publication and retirement, so that each
-- server knows when its in-memory copy of the catalogue's facet fields is stale.
CREATE TABLE catalog_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO catalog_state (id, generation) VALUES (1, 1);
