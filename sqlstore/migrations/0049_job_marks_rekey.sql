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

-- A peer platform's key rotation (issue 17 item 1): the fingerprint this platform's own
-- signing certificate has at the peer (the next sync announces a newer one), and a new key
-- a peer announced without its old one, held for this platform's admin to approve.
ALTER TABLE federation_peers ADD COLUMN own_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE federation_peers ADD COLUMN pending_cert TEXT NOT NULL DEFAULT '';
ALTER TABLE federation_peers ADD COLUMN pending_fingerprint TEXT NOT NULL DEFAULT '';
