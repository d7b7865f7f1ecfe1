-- Non-compliance and rectification (H3) and opened data kept checked (E7).

-- Rectification orders (整改通知): an authority orders a unit to correct findings (their
-- snapshot in findings, JSON of []pubdata.ComplianceFinding) by a deadline in working days.
CREATE TABLE rectifications (
    id          TEXT PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (code),
    division    TEXT NOT NULL,               -- the unit's division
    authority   TEXT NOT NULL,               -- the issuing authority's code
    issued_by   TEXT NOT NULL,
    findings    TEXT NOT NULL,
    request     TEXT NOT NULL,
    workdays    INTEGER NOT NULL,
    due         TEXT NOT NULL,               -- YYYY-MM-DD (China Standard Time) of due_at
    due_at      TEXT NOT NULL,
    due_covered INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('issued', 'answered', 'returned', 'closed')),
    answer      TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    answered_at TEXT,
    note        TEXT NOT NULL DEFAULT '',
    overdue     INTEGER NOT NULL DEFAULT 0,  -- not answered by due_at (marked once)
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX rectifications_org ON rectifications (org, created_at);
CREATE INDEX rectifications_division ON rectifications (division, created_at);
CREATE INDEX rectifications_due ON rectifications (due_at) WHERE status IN ('issued', 'returned') AND overdue = 0;

CREATE TABLE rectification_events (
    id               TEXT PRIMARY KEY,
    rectification_id TEXT NOT NULL REFERENCES rectifications (id),
    step             TEXT NOT NULL,
    from_status      TEXT NOT NULL,
    to_status        TEXT NOT NULL,
    actor            TEXT NOT NULL,
    text             TEXT NOT NULL,
    time             TEXT NOT NULL
);
CREATE INDEX rectification_events_order ON rectification_events (rectification_id, time);

-- Service interfaces' recent calls: how many in a row failed (a finding from
-- pubdata.EndpointFailingCalls) and when the last failure was.
ALTER TABLE service_endpoints ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE service_endpoints ADD COLUMN last_failed_at TEXT;

-- Opened data (E7): the columns open findings withhold from the public, kept on the
-- table's row (read with it, through the read cache), and the findings themselves.
ALTER TABLE data_tables ADD COLUMN withheld TEXT NOT NULL DEFAULT '[]';
ALTER TABLE data_tables ADD COLUMN watched_at TEXT;  -- the last scheduled check
CREATE TABLE open_findings (
    id          TEXT PRIMARY KEY,
    entry_id    TEXT NOT NULL REFERENCES entries (id),
    org         TEXT NOT NULL,
    division    TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('load', 'schedule', 'version')),
    batch       TEXT NOT NULL DEFAULT '',
    items       TEXT NOT NULL,               -- JSON of []pubdata.OpenRiskFinding
    status      TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    found_at    TEXT NOT NULL,
    resolved_by TEXT NOT NULL DEFAULT '',
    resolved_at TEXT,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX open_findings_entry ON open_findings (entry_id, status, found_at);
