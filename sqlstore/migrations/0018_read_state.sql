-- One row: gen grows in the transaction of every change that a read of an entry's data
-- depends on (publication and retirement, organisations, mask policies, objections, tables;
-- Tx.record bumps it with the event), and every server compares it with its read cache
-- (sqlstore/readcache.go), as catalog_state.generation with the catalogue index.
CREATE TABLE read_state (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    gen BIGINT NOT NULL
);
INSERT INTO read_state (id, gen) VALUES (1, 0);
