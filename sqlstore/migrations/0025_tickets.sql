-- Problem tickets (问题反馈 / 数据纠错, C1; issue 13 item 3): a reader reports a problem with
-- an entry or one of its rows; the provider answers (linking the batch that corrected it);
-- the reporter confirms or reopens; a ticket unanswered past due_at is escalated to the
-- covering authority once per round (status escalated; a reopening starts a new round).
CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,
    entry_id        TEXT NOT NULL,
    entry_title     TEXT NOT NULL,
    division        TEXT NOT NULL,               -- the entry's division
    provider        TEXT NOT NULL,               -- the entry's organisation code
    key_values      TEXT NOT NULL DEFAULT '',    -- JSON object of the row's key (sorted names); '' for the entry
    category        TEXT NOT NULL CHECK (category IN ('wrong_value', 'missing_data', 'outdated', 'other')),
    description     TEXT NOT NULL,
    reporter        TEXT NOT NULL,               -- username
    reporter_org    TEXT NOT NULL DEFAULT '',    -- the reporter's organisation code, '' for a public user
    status          TEXT NOT NULL CHECK (status IN ('open', 'answered', 'reopened', 'escalated', 'confirmed')),
    round           INTEGER NOT NULL DEFAULT 0,  -- reopenings so far
    due_from        TEXT NOT NULL,               -- the instant the current round's due date counts from
    due             TEXT NOT NULL,               -- YYYY-MM-DD (China Standard Time) of due_at
    due_at          TEXT NOT NULL,
    due_covered     INTEGER NOT NULL DEFAULT 1,
    answer          TEXT NOT NULL DEFAULT '',
    batch_id        TEXT NOT NULL DEFAULT '',
    answered_by     TEXT NOT NULL DEFAULT '',
    answered_at     TEXT,
    reopen_reason   TEXT NOT NULL DEFAULT '',
    escalated_at    TEXT,
    confirmed_at    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX tickets_reporter ON tickets (reporter, created_at);
CREATE INDEX tickets_provider ON tickets (provider, status, due_at);
CREATE INDEX tickets_division ON tickets (division, status, due_at);
CREATE INDEX tickets_entry ON tickets (entry_id, created_at);
CREATE INDEX tickets_due ON tickets (due_at) WHERE status IN ('open', 'reopened');
