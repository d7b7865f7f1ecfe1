-- Division rules (issue 17 item 5, profile.go): a division's own reply days on a platform
-- shared by several (a city's deadlines on the provincial platform). The applications on
-- the entries of a division are due in the days of the most specific rule covering it; 0
-- leaves the profile's. Set by the platform authority's admins, each change recorded.
CREATE TABLE division_rules (
    division         TEXT PRIMARY KEY,
    share_reply_days INTEGER NOT NULL DEFAULT 0 CHECK (share_reply_days BETWEEN 0 AND 60),
    open_reply_days  INTEGER NOT NULL DEFAULT 0 CHECK (open_reply_days BETWEEN 0 AND 60),
    basis            TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
