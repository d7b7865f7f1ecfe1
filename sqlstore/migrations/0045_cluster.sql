-- The cluster (issue 17 item 6): the rate limits' counts, shared by every server, one row per
-- key (a:ADDRESS, t:TOKEN, u:USER) and one-minute window (its start, UTC RFC 3339). Rows of
-- ended windows are deleted by the clean-up job. The job queue's own tables (river_job,
-- river_leader, river_queue …) are made by the queue's migrations, run after these
-- (cmd/pubdata/jobs.go).
CREATE TABLE rate_counts (
    rkey         TEXT NOT NULL,
    window_start TEXT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (rkey, window_start)
);
CREATE INDEX rate_counts_window ON rate_counts (window_start);
