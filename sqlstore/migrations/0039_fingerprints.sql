-- Leak tracing (issue 15 item 7, fingerprint.go): who received fingerprinted copies of each
-- entry, per recipient (org:CODE or user:USERNAME) and grant ('' for a shared read without
-- one), written with the read's record ("data.read" with "fingerprint") in the same
-- transaction; and the number items a provider keeps unmarked.
CREATE TABLE fingerprint_recipients (
    entry_id  TEXT NOT NULL,
    recipient TEXT NOT NULL,
    grant_id  TEXT NOT NULL DEFAULT '',
    org       TEXT NOT NULL DEFAULT '',
    username  TEXT NOT NULL DEFAULT '',
    reads     BIGINT NOT NULL,
    first_at  TEXT NOT NULL,
    last_at   TEXT NOT NULL,
    PRIMARY KEY (entry_id, recipient, grant_id)
);

CREATE TABLE fingerprint_exclusions (
    entry_id TEXT NOT NULL,
    item     TEXT NOT NULL,
    PRIMARY KEY (entry_id, item)
);
