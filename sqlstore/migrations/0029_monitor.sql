-- Live monitoring (issue 13 items 4 and 8): cached aggregates refreshed by serve's monitor
-- job (sqlstore/monitor.go). The board and the API read these rows only.

-- monitor_entries: one row per published entry, its figures at the last refresh.
CREATE TABLE monitor_entries (
    entry_id       TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    org            TEXT NOT NULL,
    division       TEXT NOT NULL,
    category       TEXT NOT NULL DEFAULT '',
    format         TEXT NOT NULL DEFAULT '',
    update_cycle   TEXT NOT NULL DEFAULT '',
    row_count      BIGINT NOT NULL DEFAULT 0,
    rows_added     BIGINT NOT NULL DEFAULT 0,
    last_loaded_at TEXT,
    freshness      TEXT NOT NULL DEFAULT '',
    quality        INTEGER,
    failed_loads   INTEGER NOT NULL DEFAULT 0,
    pull_failures  INTEGER NOT NULL DEFAULT 0,
    views          BIGINT NOT NULL DEFAULT 0,
    downloads      BIGINT NOT NULL DEFAULT 0,
    api_calls      BIGINT NOT NULL DEFAULT 0,
    uses           BIGINT NOT NULL DEFAULT 0,
    problem        INTEGER NOT NULL DEFAULT 0,
    refreshed_at   TEXT NOT NULL
);
CREATE INDEX monitor_entries_org ON monitor_entries (org, problem, title);
CREATE INDEX monitor_entries_uses ON monitor_entries (uses, entry_id);
CREATE INDEX monitor_entries_org_uses ON monitor_entries (org, uses);
CREATE INDEX monitor_entries_problem ON monitor_entries (problem, entry_id);

-- monitor_units: one row per public body, its figures at the last refresh (JSON of
-- pubdata.UnitFigures beside the columns the board filters and sorts on).
CREATE TABLE monitor_units (
    org          TEXT PRIMARY KEY,
    division     TEXT NOT NULL,
    figures      TEXT NOT NULL,
    refreshed_at TEXT NOT NULL
);
CREATE INDEX monitor_units_division ON monitor_units (division);

-- monitor_topics: a unit's entries by topic (category).
CREATE TABLE monitor_topics (
    org      TEXT NOT NULL,
    division TEXT NOT NULL,
    category TEXT NOT NULL,
    entries  INTEGER NOT NULL,
    row_count BIGINT NOT NULL,
    uses     BIGINT NOT NULL,
    PRIMARY KEY (org, category)
);
CREATE INDEX monitor_topics_division ON monitor_topics (division);

-- monitor_daily: a unit's figures per day (China Standard Time): the charts' history. The
-- day's row holds its last refresh's figures.
CREATE TABLE monitor_daily (
    day        TEXT NOT NULL,
    org        TEXT NOT NULL,
    division   TEXT NOT NULL,
    row_count  BIGINT NOT NULL,
    tables     INTEGER NOT NULL,
    with_data  INTEGER NOT NULL,
    stale      INTEGER NOT NULL,
    never      INTEGER NOT NULL,
    quality    INTEGER,
    uses       BIGINT NOT NULL,
    failed     INTEGER NOT NULL,
    requested  INTEGER NOT NULL,
    PRIMARY KEY (org, day)
);
CREATE INDEX monitor_daily_day ON monitor_daily (day, division);

-- monitor_alerts: each episode of an alert (a table gone stale, a pull failing repeatedly):
-- raised once when the condition starts, closed when it ends. One open episode per entry and
-- kind.
CREATE TABLE monitor_alerts (
    id        TEXT PRIMARY KEY,
    entry_id  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('stale', 'pull_failing')),
    org       TEXT NOT NULL,
    division  TEXT NOT NULL,
    title     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    opened_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE UNIQUE INDEX monitor_alerts_open ON monitor_alerts (entry_id, kind) WHERE closed_at IS NULL;
CREATE INDEX monitor_alerts_org ON monitor_alerts (org, opened_at);

-- monitor_area_daily: monitor_daily summed per area (the division prefixes of a province, a
-- city, a county: pubdata.DivisionPrefix) and day, written with it, so that a board's history
-- reads one row a day whatever the number of units.
CREATE TABLE monitor_area_daily (
    area       TEXT NOT NULL,
    day        TEXT NOT NULL,
    row_count  BIGINT NOT NULL,
    tables     INTEGER NOT NULL,
    with_data  INTEGER NOT NULL,
    stale      INTEGER NOT NULL,
    never      INTEGER NOT NULL,
    quality_sum INTEGER NOT NULL,
    quality_n  INTEGER NOT NULL,
    uses       BIGINT NOT NULL,
    failed     INTEGER NOT NULL,
    requested  INTEGER NOT NULL,
    PRIMARY KEY (area, day)
);
