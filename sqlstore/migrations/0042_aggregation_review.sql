-- Issue 15's remaining gaps: the review of combinations (G6), incident deadline reminders and
-- discovery on a schedule.

-- aggregation_assessments: each application's latest assessment of what it combines with the
-- applicant's grants and open applications (pubdata.AggregationAssessment), and the
-- authority's review: '' not needed, required, cleared, refused. doc holds the risk and the
-- parts as JSON.
CREATE TABLE aggregation_assessments (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    division       TEXT NOT NULL,
    stage          TEXT NOT NULL CHECK (stage IN ('submit', 'grant')),
    score          INTEGER NOT NULL,
    entries        INTEGER NOT NULL,
    threshold      INTEGER NOT NULL,
    review         TEXT NOT NULL DEFAULT '' CHECK (review IN ('', 'required', 'cleared', 'refused')),
    cleared_score  INTEGER NOT NULL DEFAULT 0,
    doc            TEXT NOT NULL,
    reviewed_by    TEXT NOT NULL DEFAULT '',
    reviewed_at    TEXT,
    review_note    TEXT NOT NULL DEFAULT '',
    assessed_at    TEXT NOT NULL
);
CREATE INDEX aggregation_assessments_review ON aggregation_assessments (review, score);
CREATE INDEX aggregation_assessments_division ON aggregation_assessments (division, score);

-- An incident not assessed by its report deadline reminds the unit and the authority once.
ALTER TABLE incidents ADD COLUMN reminded_at TEXT;

-- discovery_samples: when the scheduled discovery last sampled each entry's current rows.
CREATE TABLE discovery_samples (
    entry_id   TEXT PRIMARY KEY REFERENCES entries (id),
    sampled_at TEXT NOT NULL
);
