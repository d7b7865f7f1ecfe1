-- Evaluation (H1; issue 13 item 5): the indicators' weights (a row per change: the latest is
-- in force), the periods computed (draft) and published (closed and frozen), and each
-- unit's stored result per period.
CREATE TABLE evaluation_weights (
    revision   INTEGER PRIMARY KEY,
    weights    TEXT NOT NULL,               -- JSON of pubdata.EvalWeights
    actor      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE evaluation_periods (
    period       TEXT PRIMARY KEY,          -- 2026-11, 2026-Q4, 2026
    kind         TEXT NOT NULL CHECK (kind IN ('month', 'quarter', 'year')),
    starts       TEXT NOT NULL,
    ends         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    weights      TEXT NOT NULL,             -- the weights the results were computed with
    as_of        TEXT NOT NULL,             -- the instant the facts were taken at
    units        INTEGER NOT NULL,
    figures      TEXT NOT NULL DEFAULT '{}', -- JSON: the period's most used entries and most requested demands
    computed_by  TEXT NOT NULL,
    computed_at  TEXT NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    published_at TEXT
);
CREATE INDEX evaluation_periods_kind ON evaluation_periods (kind, status, starts);

CREATE TABLE evaluation_results (
    period     TEXT NOT NULL REFERENCES evaluation_periods (period),
    org        TEXT NOT NULL,
    org_name   TEXT NOT NULL,
    division   TEXT NOT NULL,
    rank       INTEGER NOT NULL,
    score      DOUBLE PRECISION,
    indicators TEXT NOT NULL,               -- JSON: indicator → 0..100 or null (not measured)
    figures    TEXT NOT NULL,               -- JSON of pubdata.EvalUnitFacts
    PRIMARY KEY (period, org)
);
CREATE INDEX evaluation_results_org ON evaluation_results (org, period);

-- A published period is frozen in the database too: its row and its results refuse every
-- change (the store refuses first, with a message; these stop anyone else).
/*sqlite: CREATE TRIGGER evaluation_periods_frozen BEFORE UPDATE ON evaluation_periods WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, 'evaluation period is published and frozen'); END;*/
/*sqlite: CREATE TRIGGER evaluation_periods_frozen_delete BEFORE DELETE ON evaluation_periods WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, 'evaluation period is published and frozen'); END;*/
/*sqlite: CREATE TRIGGER evaluation_results_frozen_insert BEFORE INSERT ON evaluation_results WHEN (SELECT status FROM evaluation_periods WHERE period = NEW.period) = 'published' BEGIN SELECT RAISE(ABORT, 'evaluation period is published and frozen'); END;*/
/*sqlite: CREATE TRIGGER evaluation_results_frozen_update BEFORE UPDATE ON evaluation_results WHEN (SELECT status FROM evaluation_periods WHERE period = OLD.period) = 'published' BEGIN SELECT RAISE(ABORT, 'evaluation period is published and frozen'); END;*/
/*sqlite: CREATE TRIGGER evaluation_results_frozen_delete BEFORE DELETE ON evaluation_results WHEN (SELECT status FROM evaluation_periods WHERE period = OLD.period) = 'published' BEGIN SELECT RAISE(ABORT, 'evaluation period is published and frozen'); END;*/
/*pg: CREATE FUNCTION evaluation_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_TABLE_NAME = 'evaluation_periods' THEN IF OLD.status = 'published' THEN RAISE EXCEPTION 'evaluation period % is published and frozen', OLD.period; END IF; ELSIF EXISTS (SELECT 1 FROM evaluation_periods p WHERE p.status = 'published' AND p.period IN (CASE WHEN TG_OP = 'DELETE' THEN OLD.period ELSE NEW.period END, CASE WHEN TG_OP = 'INSERT' THEN NEW.period ELSE OLD.period END)) THEN RAISE EXCEPTION 'evaluation period is published and frozen'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$;*/
/*pg: CREATE TRIGGER evaluation_periods_frozen BEFORE UPDATE OR DELETE ON evaluation_periods FOR EACH ROW EXECUTE FUNCTION evaluation_frozen();*/
/*pg: CREATE TRIGGER evaluation_results_frozen BEFORE INSERT OR UPDATE OR DELETE ON evaluation_results FOR EACH ROW EXECUTE FUNCTION evaluation_frozen();*/
