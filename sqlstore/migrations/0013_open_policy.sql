-- Open policy (issue 6): an open application's demand type (JL23) and, for an entry that is
-- not open, the applicant's major interest (SX27). The usage agreement an applicant accepts
-- is recorded with the application's creation (application.create: terms, terms_text).
ALTER TABLE applications ADD COLUMN demand_type TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN major_interest TEXT NOT NULL DEFAULT '';
