-- Overdue objections (C4): an open objection past its due time is reported to the covering
-- authority once (MarkObjectionsOverdue); overdue_notified says it was.
ALTER TABLE objections ADD COLUMN overdue_notified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX objections_due ON objections (due_at) WHERE status = 'open' AND overdue_notified = 0;
