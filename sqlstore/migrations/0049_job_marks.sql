-- Periodic work on the job queue (issue 17 item 6): each periodic job kind that must not run
-- twice at once across the servers holds a lease here while it runs (a run that outlives its
-- period, or an operator's "sync now", finds the lease and does not run beside it), and
-- marks when it last did its work and at which read generation (the monitoring refresh: every
-- monitor_interval, or within a minute of a change). Times are UTC RFC 3339 with
-- microseconds, as elsewhere; '' is "never" / "not held".
CREATE TABLE job_marks (
    name        TEXT PRIMARY KEY,
    lease_until TEXT NOT NULL DEFAULT '',
    done_at     TEXT NOT NULL DEFAULT '',
    generation  BIGINT NOT NULL DEFAULT 0
);
