-- Sanctions (F4): an organisation's data service is active, suspended or terminated (final),
-- with the authority's reason, when and by whom it last changed. Every change is recorded
-- (org.suspend, org.resume, org.terminate).
ALTER TABLE orgs ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'terminated'));
ALTER TABLE orgs ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN status_at TEXT;
ALTER TABLE orgs ADD COLUMN status_by TEXT NOT NULL DEFAULT '';
