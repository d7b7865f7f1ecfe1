-- Privacy budgets of usable-but-invisible entries (issue 16 item 2, invisible.go): what each
-- holder (grant:ID, org:CODE or user:ID) has spent on an entry, in thousandths of ε. A row
-- is created by the first spend; each spend is one event on the record (data.verify,
-- data.aggregate) in the same transaction.
CREATE TABLE privacy_budgets (
    entry_id    TEXT NOT NULL,
    holder      TEXT NOT NULL,
    spent_milli BIGINT NOT NULL CHECK (spent_milli >= 0),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (entry_id, holder)
);
