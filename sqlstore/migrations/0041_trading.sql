-- Trading of data products and their registration (F2, F3, B7; issue 16 item 5, trading.go):
-- the authority's model contracts, listings with their disclosure, gate and registration,
-- contracts, the deliveries (grants of kind trade) and the contribution terms of
-- non-public data. Products themselves are another migration's (development spaces).

-- model_contracts: every version of every model contract (示范合同). code names the template,
-- (code, version) one version.
CREATE TABLE model_contracts (
    id                  TEXT PRIMARY KEY,
    code                TEXT NOT NULL,
    version             INTEGER NOT NULL,
    title               TEXT NOT NULL,
    parties             TEXT NOT NULL,
    scope               TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    max_months          INTEGER NOT NULL,
    no_reidentification INTEGER NOT NULL CHECK (no_reidentification = 1),
    onward_transfer     TEXT NOT NULL,
    clauses             TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    UNIQUE (code, version)
);

-- trade_listings: a product offered for trade. sources is the disclosed provenance (JSON of
-- []pubdata.TradeSource), gate the gate's result (JSON of pubdata.GateResult). At most one
-- listing of a product is pending or listed at a time (trade_listings_live).
CREATE TABLE trade_listings (
    id               TEXT PRIMARY KEY,
    product_id       TEXT NOT NULL,
    product_title    TEXT NOT NULL,
    product_kind     TEXT NOT NULL DEFAULT '',
    seller           TEXT NOT NULL,
    division         TEXT NOT NULL,
    sources          TEXT NOT NULL DEFAULT '[]',
    method           TEXT NOT NULL DEFAULT '',
    label            TEXT NOT NULL DEFAULT '',
    licence          TEXT NOT NULL,
    price_model      TEXT NOT NULL,
    price            TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    model_contract   TEXT NOT NULL REFERENCES model_contracts (id),
    gate             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'listed', 'rejected', 'withdrawn')),
    reg_number       TEXT,
    registrar        TEXT NOT NULL DEFAULT '',
    registrar_org    TEXT NOT NULL DEFAULT '',
    registered_at    TEXT,
    reg_signed       TEXT NOT NULL DEFAULT '',
    reg_digest       TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX trade_listings_number ON trade_listings (reg_number);
CREATE UNIQUE INDEX trade_listings_live ON trade_listings (product_id) WHERE status IN ('pending', 'listed');
CREATE INDEX trade_listings_status ON trade_listings (status, created_at);
CREATE INDEX trade_listings_seller ON trade_listings (seller, created_at);

-- trade_listing_sources: the entries each listed product was made from (traceability from an
-- entry to the products and buyers that used it).
CREATE TABLE trade_listing_sources (
    listing_id TEXT NOT NULL REFERENCES trade_listings (id),
    entry_id   TEXT NOT NULL,
    PRIMARY KEY (listing_id, entry_id)
);
CREATE INDEX trade_listing_sources_entry ON trade_listing_sources (entry_id);

-- trade_registration_seq: the last registration number issued per division and year.
CREATE TABLE trade_registration_seq (
    division TEXT NOT NULL,
    year     INTEGER NOT NULL,
    last     INTEGER NOT NULL,
    PRIMARY KEY (division, year)
);

-- trade_contracts: a contract made from a model contract version, with the clauses as they
-- were agreed (copied from the model, so a later version changes nothing agreed).
CREATE TABLE trade_contracts (
    id                  TEXT PRIMARY KEY,
    listing_id          TEXT NOT NULL REFERENCES trade_listings (id),
    product_id          TEXT NOT NULL,
    product_title       TEXT NOT NULL,
    reg_number          TEXT NOT NULL,
    model_contract      TEXT NOT NULL REFERENCES model_contracts (id),
    seller              TEXT NOT NULL,
    division            TEXT NOT NULL,
    buyer               TEXT NOT NULL DEFAULT '',
    buyer_user          TEXT NOT NULL DEFAULT '',
    purpose             TEXT NOT NULL,
    scope               TEXT NOT NULL DEFAULT '',
    until               TEXT NOT NULL,
    parties             TEXT NOT NULL,
    onward_transfer     TEXT NOT NULL,
    no_reidentification INTEGER NOT NULL CHECK (no_reidentification = 1),
    clauses             TEXT NOT NULL DEFAULT '',
    price_model         TEXT NOT NULL,
    price               TEXT NOT NULL DEFAULT '',
    licence             TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'declined', 'terminated')),
    buyer_signed_by     TEXT NOT NULL,
    buyer_signed_at     TEXT NOT NULL,
    seller_signed_by    TEXT NOT NULL DEFAULT '',
    seller_signed_at    TEXT,
    reason              TEXT NOT NULL DEFAULT '',
    delivery_id         TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL
);
CREATE INDEX trade_contracts_listing ON trade_contracts (listing_id, created_at);
CREATE INDEX trade_contracts_product ON trade_contracts (product_id, created_at);
CREATE INDEX trade_contracts_seller ON trade_contracts (seller, created_at);
CREATE INDEX trade_contracts_buyer ON trade_contracts (buyer, created_at);
CREATE INDEX trade_contracts_buyer_user ON trade_contracts (buyer_user, created_at);

-- trade_deliveries: the grants that deliver products (pubdata.Grant of kind trade): the
-- columns of grants, with product_id for entry_id and contract_id for application_id.
CREATE TABLE trade_deliveries (
    id             TEXT PRIMARY KEY,
    contract_id    TEXT NOT NULL REFERENCES trade_contracts (id),
    product_id     TEXT NOT NULL,
    product_title  TEXT NOT NULL,
    division       TEXT NOT NULL,
    provider       TEXT NOT NULL,
    consumer       TEXT NOT NULL DEFAULT '',
    consumer_user  TEXT NOT NULL DEFAULT '',
    purpose        TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoke_reason  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
);
CREATE INDEX trade_deliveries_product_consumer ON trade_deliveries (product_id, consumer, expires_at);
CREATE INDEX trade_deliveries_product_user ON trade_deliveries (product_id, consumer_user, expires_at);
CREATE INDEX trade_deliveries_consumer ON trade_deliveries (consumer, created_at);
CREATE INDEX trade_deliveries_consumer_user ON trade_deliveries (consumer_user, created_at);

-- contributions: the terms of a non-public body's entry (B7): who may use it (users: JSON
-- list of organisation codes, empty: any developer), for what, the period, and whether it
-- may be combined into traded products.
CREATE TABLE contributions (
    entry_id   TEXT PRIMARY KEY,
    org        TEXT NOT NULL,
    users      TEXT NOT NULL DEFAULT '[]',
    purposes   TEXT NOT NULL,
    products   INTEGER NOT NULL DEFAULT 0,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
