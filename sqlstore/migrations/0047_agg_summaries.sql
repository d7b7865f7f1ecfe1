-- Aggregate summaries of usable-but-invisible entries (issue 16, Performance;
-- sqlstore/aggsummary.go): the exact per-group figures of an entry's current rows, computed in
-- one scan after the table changes and read by POST /api/v1/entries/{id}/aggregate instead of
-- scanning the table when the query has no row filter and the summary covers it.
--
-- agg_summaries: one row per entry, the generation its figures belong to. stamp is the table's
-- batch_seq and a hash of its columns, of the freeze condition of open objections and of the
-- entry's group columns: a summary whose stamp is not the table's current one is never read.
CREATE TABLE agg_summaries (
    entry_id   TEXT PRIMARY KEY,
    stamp      TEXT NOT NULL,
    batch_seq  BIGINT NOT NULL,
    covers     TEXT NOT NULL,            -- JSON {"groups": [...], "measures": [...]} ("" groups everything)
    row_count  BIGINT NOT NULL,          -- the rows scanned
    built_at   TEXT NOT NULL,
    took_ms    BIGINT NOT NULL
);

-- agg_summary_groups: per group column and group value, the group's rows (measure_col '')
-- and, per number or integer column, the values' count, sum, least and greatest; listed is 1
-- when agg_summary_values holds every distinct value of the column in the group column's
-- groups (at most sqlstore.MaxSummaryValues of them), so that sums clamped into any bounds
-- and histograms are exact.
CREATE TABLE agg_summary_groups (
    entry_id    TEXT NOT NULL,
    stamp       TEXT NOT NULL,
    group_col   TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    measure_col TEXT NOT NULL,
    n           BIGINT NOT NULL,
    total       DOUBLE PRECISION NOT NULL,
    lo          DOUBLE PRECISION NOT NULL,
    hi          DOUBLE PRECISION NOT NULL,
    listed      INTEGER NOT NULL,
    PRIMARY KEY (entry_id, group_col, group_key, measure_col)
);

-- agg_summary_values: the distinct values of a column in one group with their counts, as
-- text: "value count;" pairs, each value in Go's shortest form that reads back exactly
-- (strconv 'g', -1), in increasing order.
CREATE TABLE agg_summary_values (
    entry_id    TEXT NOT NULL,
    stamp       TEXT NOT NULL,
    group_col   TEXT NOT NULL,
    measure_col TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    vals        TEXT NOT NULL,
    PRIMARY KEY (entry_id, group_col, measure_col, group_key)
);
