-- Early warning and incidents (issue 15 items 4 and 5): the security rules' thresholds,
-- their counters and alerts, the incident register and the units' emergency plans and drills.
-- Security alerts are not the monitoring board's alerts (monitor_alerts, migration 0029).

-- security_settings: one row, the rules' thresholds as JSON (pubdata.SecuritySettings).
CREATE TABLE security_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    settings   TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);

-- security_cursor: one row, the last event the rules have read.
CREATE TABLE security_cursor (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO security_cursor (id, last_seq) VALUES (1, 0);

-- security_counts: what the rules count, per subject and bucket: a minute (YYYY-MM-DDTHH:MM,
-- kept two hours) or a day (YYYY-MM-DD, China Standard Time, kept for the baseline).
-- kind: personal (reads of personal data), reads (all reads), refusals (failed sign-ins and
-- the web layer's 401 and 403 answers), addr:<address> (a token's uses from an address).
CREATE TABLE security_counts (
    subject TEXT NOT NULL,
    kind    TEXT NOT NULL,
    bucket  TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (subject, kind, bucket)
);
CREATE INDEX security_counts_bucket ON security_counts (bucket);

-- security_alerts: one alert per kind, subject and period.
CREATE TABLE security_alerts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    org            TEXT NOT NULL DEFAULT '',
    division       TEXT NOT NULL DEFAULT '',
    entry_id       TEXT NOT NULL DEFAULT '',
    period         TEXT NOT NULL,
    count          BIGINT NOT NULL,
    baseline       DOUBLE PRECISION NOT NULL DEFAULT 0,
    seqs           TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '',
    raised_at      TEXT NOT NULL,
    dismissed_at   TEXT,
    dismissed_by   TEXT NOT NULL DEFAULT '',
    dismiss_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, subject, period)
);
CREATE INDEX security_alerts_division ON security_alerts (division, raised_at);
CREATE INDEX security_alerts_org ON security_alerts (org, raised_at);

-- incidents: the register.
CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    org          TEXT NOT NULL,
    division     TEXT NOT NULL,
    entry_id     TEXT NOT NULL DEFAULT '',
    grant_id     TEXT NOT NULL DEFAULT '',
    token_id     TEXT NOT NULL DEFAULT '',
    alert_id     TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL,
    reported_by  TEXT NOT NULL,
    reported_at  TEXT NOT NULL,
    report_due   TEXT NOT NULL,
    assessment   TEXT NOT NULL DEFAULT '',
    assessed_at  TEXT,
    containment  TEXT NOT NULL DEFAULT '',
    contained_at TEXT,
    subjects     TEXT NOT NULL DEFAULT '[]',
    notified_at  TEXT,
    lessons      TEXT NOT NULL DEFAULT '',
    closed_at    TEXT
);
CREATE INDEX incidents_division ON incidents (division, reported_at);
CREATE INDEX incidents_org ON incidents (org, reported_at);

-- emergency_records: each unit's emergency plans and drills, with their dates.
CREATE TABLE emergency_records (
    id         TEXT PRIMARY KEY,
    org        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('plan', 'drill')),
    title      TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX emergency_records_org ON emergency_records (org, on_date);
