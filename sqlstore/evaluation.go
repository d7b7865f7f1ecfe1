package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Evaluation (H1): the facts of every unit for a period are gathered with a few grouped
// queries over the recorded facts — one per kind of fact, GROUP BY the unit, never a query
// per unit — and scored by the domain's pure ScoreEvaluation. A computed period is stored
// (evaluation_periods, evaluation_results) as a draft; publishing freezes it: the store
// refuses to compute or publish it again, and triggers refuse any change to its rows.

// EvaluationService implements pubdata.EvaluationService.
type EvaluationService struct{ db *DB }

// NewEvaluationService returns the evaluation service on db.
func NewEvaluationService(db *DB) *EvaluationService { return &EvaluationService{db: db} }

// EvaluationWeights implements pubdata.EvaluationService.
func (s *EvaluationService) EvaluationWeights(ctx context.Context) (pubdata.EvalWeights, string, *time.Time, error) {
	return s.db.evaluationWeights(ctx, s.db.db)
}

func (d *DB) evaluationWeights(ctx context.Context, q queryer) (pubdata.EvalWeights, string, *time.Time, error) {
	var doc, actor string
	var at time.Time
	err := q.QueryRowContext(ctx, d.rebind("SELECT weights, actor, created_at FROM evaluation_weights ORDER BY revision DESC LIMIT 1")).Scan(&doc, &actor, timeCol{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return pubdata.DefaultEvalWeights.Clone(), "", nil, nil
	} else if err != nil {
		return nil, "", nil, err
	}
	w := pubdata.EvalWeights{}
	if err := json.Unmarshal([]byte(doc), &w); err != nil {
		return nil, "", nil, fmt.Errorf("evaluation weights: %w", err)
	}
	return w, actor, &at, nil
}

// SetEvaluationWeights implements pubdata.EvaluationService.
func (s *EvaluationService) SetEvaluationWeights(ctx context.Context, w pubdata.EvalWeights) (pubdata.EvalWeights, error) {
	w, err := pubdata.ValidateEvalWeights(w)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, _, _, err := s.db.evaluationWeights(ctx, tx)
	if err != nil {
		return nil, err
	}
	var rev int
	if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(revision), 0) FROM evaluation_weights").Scan(&rev); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "INSERT INTO evaluation_weights (revision, weights, actor, created_at) VALUES (?, ?, ?, ?)",
		rev+1, string(doc), pubdata.ActorFromContext(ctx).Username(), fmtTime(tx.now)); err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The weights were changed at the same time; try again.").Keyed("error.evaluation.weights_concurrent")
		}
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "evaluation.weights", Object: "evaluation:weights",
		Details: map[string]any{"revision": rev + 1, "weights": w, "before": old}}); err != nil {
		return nil, err
	}
	return w, tx.Commit()
}

// --- the facts ---

// evalFacts gathers the facts of every public body for the period, as of asOf.
func (d *DB) evalFacts(ctx context.Context, q queryer, p pubdata.EvalPeriod, asOf time.Time) (*pubdata.EvalFacts, error) {
	at := fmtTime(asOf)
	start := fmtTime(p.Start)
	lastDay := pubdata.Today(asOf.Add(-time.Nanosecond))
	if lastDay > p.LastDay() {
		lastDay = p.LastDay()
	}
	units := map[string]*pubdata.EvalUnitFacts{}
	var order []string
	each := func(query string, args []any, scan func(sc interface{ Scan(...any) error }) error) error {
		rows, err := q.QueryContext(ctx, d.rebind(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	unit := func(org string) *pubdata.EvalUnitFacts { return units[org] } // nil for an organisation not evaluated
	// The units: public bodies created by the end — not a peer platform's organisations,
	// kept here for the entries mirrored from its catalogue (and the rows that flow back)
	// or its users' applications: those are evaluated on their own platform.
	if err := each("SELECT code, name, division FROM orgs WHERE kind = 'public_body' AND created_at < ? ORDER BY code", []any{at}, func(sc interface{ Scan(...any) error }) error {
		var u pubdata.EvalUnitFacts
		if err := sc.Scan(&u.Org, &u.Name, &u.Division); err != nil {
			return err
		}
		if pubdata.IsFederatedOrgCode(u.Org) {
			return nil
		}
		u.TopEntries = []pubdata.EvalUse{}
		units[u.Org] = &u
		order = append(order, u.Org)
		return nil
	}); err != nil {
		return nil, err
	}
	// The catalogue: entries first published by the end that are still catalogued.
	if err := each(`SELECT c.org, COUNT(*),
			SUM(CASE WHEN c.share_class <> 'none' THEN 1 ELSE 0 END),
			SUM(CASE WHEN c.open_class <> 'none' THEN 1 ELSE 0 END),
			SUM(CASE WHEN c.format = 'table' THEN 1 ELSE 0 END)
		FROM catalog c JOIN entries e ON e.id = c.entry_id
		WHERE e.published_on IS NOT NULL AND e.published_on <= ? GROUP BY c.org`, []any{lastDay}, func(sc interface{ Scan(...any) error }) error {
		var org string
		var n, shared, opened, tables int
		if err := sc.Scan(&org, &n, &shared, &opened, &tables); err != nil {
			return err
		}
		if u := unit(org); u != nil {
			u.Published, u.Shared, u.Opened, u.Tables = n, shared, opened, tables
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// The tables: each published table entry's last load by the end, against its cycle.
	if err := each(`SELECT c.org, c.update_cycle,
			(SELECT MAX(b.finished_at) FROM data_batches b WHERE b.entry_id = c.entry_id AND b.status = 'done' AND b.finished_at < ?)
		FROM catalog c JOIN entries e ON e.id = c.entry_id
		WHERE c.format = 'table' AND e.published_on IS NOT NULL AND e.published_on <= ?`, []any{at, lastDay}, func(sc interface{ Scan(...any) error }) error {
		var org, cycle string
		var last nullTime
		if err := sc.Scan(&org, &cycle, &last); err != nil {
			return err
		}
		u := unit(org)
		if u == nil || last.t == nil {
			return nil
		}
		u.Loaded++
		switch pubdata.TableFreshness(cycle, last.t, asOf).Status {
		case "fresh":
			u.Fresh++
		case "due":
			u.Due++
		default:
			u.Stale++
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Quality: the latest full run of each catalogued entry finished by the end.
	if err := each(`SELECT c.org, SUM(r.score), COUNT(r.score)
		FROM catalog c JOIN entries e ON e.id = c.entry_id
		JOIN quality_runs r ON r.entry_id = c.entry_id AND r.kind = 'full' AND r.status = 'done' AND r.finished_at < ?
		WHERE e.published_on IS NOT NULL AND e.published_on <= ? AND r.score IS NOT NULL
		  AND r.finished_at = (SELECT MAX(x.finished_at) FROM quality_runs x WHERE x.entry_id = c.entry_id AND x.kind = 'full' AND x.status = 'done' AND x.finished_at < ?)
		GROUP BY c.org`, []any{at, lastDay, at}, func(sc interface{ Scan(...any) error }) error {
		var org string
		var sum int64
		var n int
		if err := sc.Scan(&org, &sum, &n); err != nil {
			return err
		}
		if u := unit(org); u != nil {
			u.QualitySum, u.QualityEntries = sum, n
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Replies due in the period (by the time the facts are taken), and answered in time.
	replies := []string{
		`SELECT provider, COUNT(*), SUM(CASE WHEN decided_at IS NOT NULL AND decided_at <= due_at THEN 1 ELSE 0 END) FROM applications
			WHERE status <> 'withdrawn' AND due_at >= ? AND due_at < ? GROUP BY provider`,
		`SELECT provider, COUNT(*), SUM(CASE WHEN resolved_at IS NOT NULL AND resolved_at <= due_at THEN 1 ELSE 0 END) FROM objections
			WHERE due_at >= ? AND due_at < ? GROUP BY provider`,
		`SELECT provider, COUNT(*), SUM(CASE WHEN answered_at IS NOT NULL AND answered_at <= due_at THEN 1 ELSE 0 END) FROM tickets
			WHERE due_at >= ? AND due_at < ? GROUP BY provider`,
	}
	for _, query := range replies {
		if err := each(query, []any{start, at}, func(sc interface{ Scan(...any) error }) error {
			var org string
			var n, onTime int
			if err := sc.Scan(&org, &n, &onTime); err != nil {
				return err
			}
			if u := unit(org); u != nil {
				u.RepliesDue += n
				u.RepliesOnTime += onTime
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	// Objections and tickets filed in the period, and handled by the end.
	handled := []string{
		`SELECT provider, COUNT(*), SUM(CASE WHEN resolved_at IS NOT NULL AND resolved_at < ? THEN 1 ELSE 0 END) FROM objections
			WHERE created_at >= ? AND created_at < ? GROUP BY provider`,
		`SELECT provider, COUNT(*), SUM(CASE WHEN answered_at IS NOT NULL AND answered_at < ? THEN 1 ELSE 0 END) FROM tickets
			WHERE created_at >= ? AND created_at < ? GROUP BY provider`,
	}
	for _, query := range handled {
		if err := each(query, []any{at, start, at}, func(sc interface{ Scan(...any) error }) error {
			var org string
			var n, done int
			if err := sc.Scan(&org, &n, &done); err != nil {
				return err
			}
			if u := unit(org); u != nil {
				u.Filed += n
				u.Handled += done
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	// Rectification orders issued by the end and not closed by then; overdue ones.
	if err := each(`SELECT r.org, COUNT(*), SUM(CASE WHEN r.overdue = 1 AND r.due_at < ? THEN 1 ELSE 0 END) FROM rectifications r
		WHERE r.created_at < ? AND NOT EXISTS (SELECT 1 FROM rectification_events v WHERE v.rectification_id = r.id AND v.step = 'close' AND v.time < ?)
		GROUP BY r.org`, []any{at, at, at}, func(sc interface{ Scan(...any) error }) error {
		var org string
		var n, overdue int
		if err := sc.Scan(&org, &n, &overdue); err != nil {
			return err
		}
		if u := unit(org); u != nil {
			u.OrdersOpen, u.OrdersOverdue = n, overdue
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Usage in the period, per entry (the units' totals, their most used entries and the
	// period's).
	facts := &pubdata.EvalFacts{}
	perUnit := map[string][]pubdata.EvalUse{}
	var all []pubdata.EvalUse
	if err := each(`SELECT u.entry_id, u.provider, COALESCE(MAX(c.title), ''),
			SUM(CASE WHEN u.kind = 'view' THEN u.n ELSE 0 END), SUM(CASE WHEN u.kind = 'download' THEN u.n ELSE 0 END), SUM(CASE WHEN u.kind = 'api' THEN u.n ELSE 0 END)
		FROM usage_daily u LEFT JOIN catalog c ON c.entry_id = u.entry_id
		WHERE u.day >= ? AND u.day <= ? GROUP BY u.entry_id, u.provider`, []any{p.FirstDay(), lastDay}, func(sc interface{ Scan(...any) error }) error {
		var use pubdata.EvalUse
		var views, downloads, calls int64
		if err := sc.Scan(&use.Entry, &use.Org, &use.Title, &views, &downloads, &calls); err != nil {
			return err
		}
		use.Uses = views + downloads + calls
		if u := unit(use.Org); u != nil {
			u.Views += views
			u.Downloads += downloads
			u.APICalls += calls
			perUnit[use.Org] = append(perUnit[use.Org], use)
		}
		if use.Title != "" && !pubdata.IsFederatedOrgCode(use.Org) { // still catalogued, and this platform's own
			all = append(all, use)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for org, list := range perUnit {
		units[org].TopEntries = pubdata.TopUses(list, pubdata.EvalTopEntries)
	}
	facts.MostUsed = pubdata.TopUses(all, pubdata.EvalTopOverall)
	// Demands routed to the units by the end, and their answers by then.
	if err := each(`SELECT provider,
			COUNT(*),
			SUM(CASE WHEN status = 'answered' AND answered_at < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'planned' AND answered_at < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'declined' AND answered_at < ? THEN 1 ELSE 0 END)
		FROM demands WHERE provider <> '' AND routed_at IS NOT NULL AND routed_at < ? GROUP BY provider`, []any{at, at, at, at}, func(sc interface{ Scan(...any) error }) error {
		var org string
		var n, answered, planned, declined int
		if err := sc.Scan(&org, &n, &answered, &planned, &declined); err != nil {
			return err
		}
		if u := unit(org); u != nil {
			u.DemandsRouted, u.DemandsAnswered, u.DemandsPlanned, u.DemandsDeclined = n, answered, planned, declined
			u.DemandsUnmet = n - answered - planned - declined
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// The most requested data not yet answered (demands with the most votes).
	facts.MostRequested = []pubdata.EvalDemand{}
	if err := each(`SELECT id, title, votes, status FROM demands WHERE created_at < ? AND status IN ('open', 'routed', 'planned')
		ORDER BY votes DESC, created_at, id LIMIT ?`, []any{at, pubdata.EvalTopOverall}, func(sc interface{ Scan(...any) error }) error {
		var dm pubdata.EvalDemand
		if err := sc.Scan(&dm.ID, &dm.Title, &dm.Votes, &dm.Status); err != nil {
			return err
		}
		facts.MostRequested = append(facts.MostRequested, dm)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, org := range order {
		facts.Units = append(facts.Units, *units[org])
	}
	return facts, nil
}

// --- periods ---

type evalFigures struct {
	MostUsed  []pubdata.EvalUse    `json:"most_used"`
	Requested []pubdata.EvalDemand `json:"most_requested"`
}

// ComputeEvaluation implements pubdata.EvaluationService.
func (s *EvaluationService) ComputeEvaluation(ctx context.Context, p pubdata.EvalPeriod) (*pubdata.Evaluation, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if tx.now.Before(p.Start) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The period %s has not started: there is nothing to evaluate yet.", p.Key).Keyed("error.evaluation.not_started", "Period", p.Key)
	}
	var status string
	err = tx.queryRow(ctx, "SELECT status FROM evaluation_periods WHERE period = ?"+s.db.forUpdate(), p.Key).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	case status == pubdata.EvaluationPublished:
		return nil, pubdata.FrozenEvaluation(p.Key)
	}
	weights, _, _, err := s.db.evaluationWeights(ctx, tx)
	if err != nil {
		return nil, err
	}
	asOf := p.AsOf(tx.now)
	facts, err := s.db.evalFacts(ctx, tx, p, asOf)
	if err != nil {
		return nil, err
	}
	results := pubdata.ScoreEvaluation(p.Key, facts.Units, weights)
	wdoc, _ := json.Marshal(weights)
	fdoc, _ := json.Marshal(evalFigures{MostUsed: facts.MostUsed, Requested: facts.MostRequested})
	actor := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "DELETE FROM evaluation_results WHERE period = ?", p.Key); err != nil {
		return nil, err
	}
	if status == "" {
		_, err = tx.exec(ctx, `INSERT INTO evaluation_periods (period, kind, starts, ends, status, weights, as_of, units, figures, computed_by, computed_at)
			VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)`, p.Key, p.Kind, fmtTime(p.Start), fmtTime(p.End), string(wdoc), fmtTime(asOf), len(results), string(fdoc), actor, fmtTime(tx.now))
	} else {
		_, err = tx.exec(ctx, `UPDATE evaluation_periods SET weights = ?, as_of = ?, units = ?, figures = ?, computed_by = ?, computed_at = ? WHERE period = ? AND status = 'draft'`,
			string(wdoc), fmtTime(asOf), len(results), string(fdoc), actor, fmtTime(tx.now), p.Key)
	}
	if err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The evaluation of %s was computed at the same time; try again.", p.Key).Keyed("error.evaluation.concurrent", "Period", p.Key)
		}
		return nil, err
	}
	for _, r := range results {
		ind, _ := json.Marshal(r.Indicators)
		fig, _ := json.Marshal(r.Facts)
		var score any
		if r.Score != nil {
			score = *r.Score
		}
		if _, err := tx.exec(ctx, "INSERT INTO evaluation_results (period, org, org_name, division, rank, score, indicators, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			p.Key, r.Org, r.OrgName, r.Division, r.Rank, score, string(ind), string(fig)); err != nil {
			return nil, err
		}
	}
	if err := tx.record(ctx, change{Action: "evaluation.compute", Object: "evaluation:" + p.Key,
		Details: map[string]any{"period": p.Key, "as_of": fmtTime(asOf), "units": len(results), "weights": weights}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindEvaluation(ctx, p.Key)
}

// PublishEvaluation implements pubdata.EvaluationService.
func (s *EvaluationService) PublishEvaluation(ctx context.Context, period string, early bool) (*pubdata.Evaluation, error) {
	p, err := pubdata.ParseEvalPeriod(period)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var status, asOf string
	err = tx.queryRow(ctx, "SELECT status, as_of FROM evaluation_periods WHERE period = ?"+s.db.forUpdate(), p.Key).Scan(&status, &asOf)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "The evaluation of %s has not been computed: compute it, check it, then publish it.", p.Key).Keyed("error.evaluation.not_computed", "Period", p.Key)
	case err != nil:
		return nil, err
	case status == pubdata.EvaluationPublished:
		return nil, pubdata.FrozenEvaluation(p.Key)
	case !p.Ended(tx.now) && !early:
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The period %s has not ended: publish it early only on purpose (its results stay those computed so far).", p.Key).Keyed("error.evaluation.not_ended", "Period", p.Key)
	}
	actor := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE evaluation_periods SET status = 'published', published_by = ?, published_at = ? WHERE period = ? AND status = 'draft'",
		actor, fmtTime(tx.now), p.Key); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "evaluation.publish", Object: "evaluation:" + p.Key,
		Details: map[string]any{"period": p.Key, "as_of": asOf, "early": !p.Ended(tx.now)}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindEvaluation(ctx, p.Key)
}

const evalPeriodColumns = "period, kind, starts, ends, status, weights, as_of, units, figures, computed_by, computed_at, published_by, published_at"

func scanEvaluation(sc interface{ Scan(...any) error }) (*pubdata.Evaluation, error) {
	var e pubdata.Evaluation
	var weights, figures string
	var pub nullTime
	if err := sc.Scan(&e.Key, &e.Kind, timeCol{&e.Start}, timeCol{&e.End}, &e.Status, &weights, timeCol{&e.AsOf}, &e.Units, &figures,
		&e.ComputedBy, timeCol{&e.ComputedAt}, &e.PublishedBy, &pub); err != nil {
		return nil, err
	}
	e.PublishedAt = pub.t
	e.Start, e.End = e.Start.In(pubdata.ChinaTime), e.End.In(pubdata.ChinaTime)
	e.Complete = !e.AsOf.Before(e.End)
	if err := json.Unmarshal([]byte(weights), &e.Weights); err != nil {
		return nil, err
	}
	var f evalFigures
	if err := json.Unmarshal([]byte(figures), &f); err != nil {
		return nil, err
	}
	e.MostUsed, e.Requested = f.MostUsed, f.Requested
	if e.MostUsed == nil {
		e.MostUsed = []pubdata.EvalUse{}
	}
	if e.Requested == nil {
		e.Requested = []pubdata.EvalDemand{}
	}
	return &e, nil
}

// FindEvaluation implements pubdata.EvaluationService.
func (s *EvaluationService) FindEvaluation(ctx context.Context, period string) (*pubdata.Evaluation, error) {
	e, err := scanEvaluation(s.db.queryRow(ctx, "SELECT "+evalPeriodColumns+" FROM evaluation_periods WHERE period = ?", period))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No evaluation of %s.", period).Keyed("error.evaluation.not_found", "Period", period)
	} else if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, "SELECT org, org_name, division, rank, score, indicators, figures FROM evaluation_results WHERE period = ? ORDER BY CASE WHEN rank = 0 THEN 1 ELSE 0 END, rank, org", period)
	if err != nil {
		return nil, err
	}
	e.Results, err = scanRows(rows, func(sc interface{ Scan(...any) error }) (pubdata.EvaluationResult, error) {
		r := pubdata.EvaluationResult{Period: period}
		var score sql.NullFloat64
		var ind, fig string
		if err := sc.Scan(&r.Org, &r.OrgName, &r.Division, &r.Rank, &score, &ind, &fig); err != nil {
			return r, err
		}
		if score.Valid {
			v := score.Float64
			r.Score = &v
		}
		if err := json.Unmarshal([]byte(ind), &r.Indicators); err != nil {
			return r, err
		}
		if err := json.Unmarshal([]byte(fig), &r.Facts); err != nil {
			return r, err
		}
		if r.Facts.TopEntries == nil {
			r.Facts.TopEntries = []pubdata.EvalUse{}
		}
		return r, nil
	})
	if e.Results == nil {
		e.Results = []pubdata.EvaluationResult{}
	}
	return e, err
}

// ListEvaluations implements pubdata.EvaluationService.
func (s *EvaluationService) ListEvaluations(ctx context.Context) ([]*pubdata.Evaluation, error) {
	rows, err := s.db.query(ctx, "SELECT "+evalPeriodColumns+" FROM evaluation_periods")
	if err != nil {
		return nil, err
	}
	list, err := scanRows(rows, scanEvaluation)
	if err != nil {
		return nil, err
	}
	// The latest period first; at one start, the shortest first (month, quarter, year).
	rank := map[string]int{pubdata.PeriodMonth: 0, pubdata.PeriodQuarter: 1, pubdata.PeriodYear: 2}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if !a.End.Equal(b.End) {
			return a.End.After(b.End)
		}
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] < rank[b.Kind]
		}
		return strings.Compare(a.Key, b.Key) > 0
	})
	if list == nil {
		list = []*pubdata.Evaluation{}
	}
	return list, nil
}

// EvaluationTrend implements pubdata.EvaluationService.
func (s *EvaluationService) EvaluationTrend(ctx context.Context, org, kind string) ([]pubdata.EvalTrendPoint, error) {
	rows, err := s.db.query(ctx, `SELECT p.period, r.rank, p.units, r.score FROM evaluation_results r JOIN evaluation_periods p ON p.period = r.period
		WHERE r.org = ? AND p.kind = ? AND p.status = 'published' ORDER BY p.starts`, org, kind)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (pubdata.EvalTrendPoint, error) {
		var t pubdata.EvalTrendPoint
		var score sql.NullFloat64
		if err := sc.Scan(&t.Period, &t.Rank, &t.Units, &score); err != nil {
			return t, err
		}
		if score.Valid {
			v := score.Float64
			t.Score = &v
		}
		return t, nil
	})
	if out == nil {
		out = []pubdata.EvalTrendPoint{}
	}
	return out, err
}
