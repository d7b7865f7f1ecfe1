-- Mask policies (G2): the mask of each data-item grade on shared and open reads. org '' is
-- the platform's policy (set by the authority); a provider's rows make its own entries
-- stricter, never looser (checked by the store, pubdata.CheckMaskPolicyNotLooser).

CREATE TABLE mask_policies (
    org        TEXT NOT NULL,
    grade      INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 4),
    mask       TEXT NOT NULL CHECK (mask IN ('none', 'partial', 'full', 'hide')),
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org, grade)
);
