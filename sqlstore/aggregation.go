package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pubdata/pubdata"
)

// The review of combinations (issue 15 item 8, G6; pubdata/aggregationrisk.go, migration
// 0042): an application is assessed when it is created and when it is approved, against the
// applicant's live grants and other open applications; a combination at or above the
// threshold waits for the covering authority's review before the provider may approve it.

var _ pubdata.AggregationService = (*ApplicationService)(nil)

// maxAggregationHoldings bounds the grants and the applications read for one assessment.
const maxAggregationHoldings = 200

// assessAggregation assesses app (its published entry e, the items asked or granted) with
// what its applicant holds now, at stage.
func (s *ApplicationService) assessAggregation(ctx context.Context, app *pubdata.Application, e *pubdata.Entry, items []string, stage string) (*pubdata.AggregationAssessment, error) {
	set, err := settingsOf(ctx, s.db.queryRow)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	if items == nil {
		items = []string{}
	}
	sources := []pubdata.AggregationSource{{Entry: e.ID, EntryTitle: e.Title, Items: items, Source: "application"}}
	parts := []pubdata.AggregationPart{{Entry: e, Items: items}}
	add := func(q string, args []any, prefix string) error {
		rows, err := s.db.query(ctx, q, args...)
		if err != nil {
			return err
		}
		type held struct{ id, entry, items string }
		var hs []held
		for rows.Next() {
			var h held
			if err := rows.Scan(&h.id, &h.entry, &h.items); err != nil {
				rows.Close()
				return err
			}
			hs = append(hs, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, h := range hs {
			he, err := s.entries.FindPublishedEntry(ctx, h.entry)
			if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
				continue // withdrawn since: it combines nothing any more
			} else if err != nil {
				return err
			}
			var its []string
			if err := json.Unmarshal([]byte(h.items), &its); err != nil {
				return fmt.Errorf("%s %s items: %w", prefix, h.id, err)
			}
			if its == nil {
				its = []string{}
			}
			sources = append(sources, pubdata.AggregationSource{Entry: he.ID, EntryTitle: he.Title, Items: its, Source: prefix + ":" + h.id})
			parts = append(parts, pubdata.AggregationPart{Entry: he, Items: its})
		}
		return nil
	}
	who, whoArgs := "consumer = ? AND consumer_user = ''", []any{app.ApplicantOrg}
	appWho, appArgs := "applicant_org = ?", []any{app.ApplicantOrg}
	if app.ApplicantOrg == "" {
		who, whoArgs = "consumer_user = ?", []any{app.Applicant}
		appWho, appArgs = "applicant = ? AND applicant_org = ''", []any{app.Applicant}
	}
	if err := add(fmt.Sprintf("SELECT id, entry_id, items FROM grants WHERE %s AND expires_at > ? AND revoked_at IS NULL AND application_id <> ? ORDER BY created_at DESC LIMIT %d", who, maxAggregationHoldings),
		append(whoArgs, fmtTime(now), app.ID), "grant"); err != nil {
		return nil, err
	}
	if err := add(fmt.Sprintf("SELECT id, entry_id, items FROM applications WHERE %s AND status IN ('pending', 'disputed') AND id <> ? ORDER BY created_at DESC LIMIT %d", appWho, maxAggregationHoldings),
		append(appArgs, app.ID), "application"); err != nil {
		return nil, err
	}
	return &pubdata.AggregationAssessment{Application: app.ID, Stage: stage, AggregationRisk: pubdata.AssessAggregation(parts), Parts: sources,
		Threshold: set.AggregationThreshold, AssessedAt: now.UTC(), EntryTitle: app.EntryTitle, Applicant: app.Applicant, ApplicantOrg: app.ApplicantOrg,
		Division: app.Division, Status: app.Status}, nil
}

const aggColumns = "g.application_id, g.stage, g.threshold, g.review, g.cleared_score, g.doc, g.reviewed_by, g.reviewed_at, g.review_note, g.assessed_at, " +
	"a.entry_title, a.applicant, a.applicant_org, a.division, a.status, a.grant_id"

const aggFrom = " FROM aggregation_assessments g JOIN applications a ON a.id = g.application_id"

func scanAggregation(sc interface{ Scan(...any) error }) (*pubdata.AggregationAssessment, error) {
	var g pubdata.AggregationAssessment
	var doc string
	var reviewed nullTime
	if err := sc.Scan(&g.Application, &g.Stage, &g.Threshold, &g.Review, &g.ClearedScore, &doc, &g.ReviewedBy, &reviewed, &g.ReviewNote, timeCol{&g.AssessedAt},
		&g.EntryTitle, &g.Applicant, &g.ApplicantOrg, &g.Division, &g.Status, &g.Grant); err != nil {
		return nil, err
	}
	g.ReviewedAt = reviewed.t
	var d aggregationDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, fmt.Errorf("aggregation assessment %s: %w", g.Application, err)
	}
	g.AggregationRisk, g.Parts = d.Risk, d.Parts
	return &g, nil
}

// aggregationDoc is what the doc column keeps.
type aggregationDoc struct {
	Risk  pubdata.AggregationRisk     `json:"risk"`
	Parts []pubdata.AggregationSource `json:"parts"`
}

// aggregation reads an application's assessment inside tx (nil when it has none), locking it.
func (tx *Tx) aggregation(ctx context.Context, appID string) (*pubdata.AggregationAssessment, error) {
	g, err := scanAggregation(tx.queryRow(ctx, "SELECT "+aggColumns+aggFrom+" WHERE g.application_id = ?"+tx.db.forUpdateOf("g"), appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return g, err
}

// saveAggregation writes asm as app's latest assessment, its review state following from
// the previous one (pubdata.AggregationReviewState), records it (record: as its own event,
// when it combines several entries or its review changes; else the caller's event carries
// aggregationDetails) and, when the review becomes required, notifies the covering
// authority. It returns whether the review is now required and was not before.
func (tx *Tx) saveAggregation(ctx context.Context, app *pubdata.Application, asm *pubdata.AggregationAssessment, record bool) (bool, error) {
	prev, err := tx.aggregation(ctx, app.ID)
	if err != nil {
		return false, err
	}
	before, cleared := pubdata.AggregationNotNeeded, 0
	if prev != nil {
		before, cleared = prev.Review, prev.ClearedScore
		asm.ReviewedBy, asm.ReviewedAt, asm.ReviewNote, asm.ClearedScore = prev.ReviewedBy, prev.ReviewedAt, prev.ReviewNote, prev.ClearedScore
	}
	asm.Review = pubdata.AggregationReviewState(asm.AggregationRisk, asm.Threshold, before, cleared)
	doc, _ := json.Marshal(aggregationDoc{Risk: asm.AggregationRisk, Parts: asm.Parts})
	if prev == nil {
		_, err = tx.exec(ctx, `INSERT INTO aggregation_assessments (application_id, division, stage, score, entries, threshold, review, cleared_score, doc, assessed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, app.ID, app.Division, asm.Stage, asm.Score, asm.Entries, asm.Threshold, asm.Review, asm.ClearedScore, string(doc), fmtTime(tx.now))
	} else {
		_, err = tx.exec(ctx, "UPDATE aggregation_assessments SET stage = ?, score = ?, entries = ?, threshold = ?, review = ?, doc = ?, assessed_at = ? WHERE application_id = ?",
			asm.Stage, asm.Score, asm.Entries, asm.Threshold, asm.Review, string(doc), fmtTime(tx.now), app.ID)
	}
	if err != nil {
		return false, err
	}
	asm.AssessedAt = tx.now.UTC()
	if record && (asm.Entries > 1 || asm.Review != before) {
		if err := tx.record(ctx, change{Action: "application.aggregation", Object: "application:" + app.ID, Details: aggregationDetails(asm)}); err != nil {
			return false, err
		}
	}
	newly := asm.Review == pubdata.AggregationRequired && before != pubdata.AggregationRequired
	if newly {
		auth, err := tx.coveringAuthority(ctx, app.Division)
		if err != nil {
			return false, err
		}
		n := pubdata.NewNotification(pubdata.NoticeAggregationReview, map[string]string{"applicant": applicantName(app), "entry": app.EntryTitle,
			"score": fmt.Sprint(asm.Score), "threshold": fmt.Sprint(asm.Threshold), "entries": fmt.Sprint(asm.Entries)}, appLink(app.ID), "application:"+app.ID)
		if err := tx.notify(ctx, n, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
			return false, err
		}
		if err := tx.appEvent(ctx, app.ID, "aggregation_review", app.Status, app.Status, fmt.Sprintf("%d ≥ %d", asm.Score, asm.Threshold)); err != nil {
			return false, err
		}
	}
	return newly, nil
}

// aggregationDetails are an assessment's facts in an audit event.
func aggregationDetails(asm *pubdata.AggregationAssessment) map[string]any {
	entries := make([]string, 0, len(asm.Parts))
	for _, p := range asm.Parts {
		entries = append(entries, p.Entry)
	}
	return map[string]any{"stage": asm.Stage, "score": asm.Score, "threshold": asm.Threshold, "review": asm.Review, "entries": entries,
		"identifiers": asm.Identifiers, "quasi_identifiers": asm.QuasiIdentifiers, "links": asm.Links, "max_grade": asm.MaxGrade}
}

// gateAggregation assesses the approval of app granting items (its entry e) and saves the
// assessment in a transaction of its own; when the combination needs a review that was not
// given, it returns ErrAggregationReview (the assessment and the authority's notification
// stay). An approval by the covering authority itself (a disputed application) is its review.
func (s *ApplicationService) gateAggregation(ctx context.Context, app *pubdata.Application, e *pubdata.Entry, items []string) error {
	asm, err := s.assessAggregation(ctx, app, e, items, pubdata.AggregationAtGrant)
	if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cur, err := tx.application(ctx, app.ID)
	if err != nil {
		return err
	}
	if _, err := tx.saveAggregation(ctx, cur, asm, true); err != nil {
		return err
	}
	if asm.Review == pubdata.AggregationRequired && pubdata.CanReviewAggregation(a, cur.Division) {
		if err := tx.clearAggregation(ctx, cur, asm.Score, "approved by the authority"); err != nil {
			return err
		}
		asm.Review = pubdata.AggregationCleared
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if asm.Review == pubdata.AggregationRequired {
		return pubdata.ErrAggregationReview(asm.Score, asm.Threshold)
	}
	return nil
}

// clearAggregation marks app's combination cleared by the actor at score.
func (tx *Tx) clearAggregation(ctx context.Context, app *pubdata.Application, score int, note string) error {
	a := pubdata.ActorFromContext(ctx)
	if _, err := tx.exec(ctx, "UPDATE aggregation_assessments SET review = 'cleared', cleared_score = ?, reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE application_id = ?",
		score, a.Username(), fmtTime(tx.now), note, app.ID); err != nil {
		return err
	}
	if err := tx.appEvent(ctx, app.ID, "aggregation_cleared", app.Status, app.Status, note); err != nil {
		return err
	}
	return tx.record(ctx, change{Action: "application.aggregation_review", Object: "application:" + app.ID,
		Details: map[string]any{"entry": app.Entry, "review": pubdata.AggregationCleared, "score": score, "note": note}})
}

// ReviewAggregation implements pubdata.AggregationService.
func (s *ApplicationService) ReviewAggregation(ctx context.Context, id string, clear bool, note string) (*pubdata.Application, error) {
	a := pubdata.ActorFromContext(ctx)
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return nil, pubdata.FieldErrorf("note", "The note must be at most 2000 characters.").Keyed("error.reason.too_long", "Max", 2000)
	}
	if !clear && note == "" {
		return nil, pubdata.FieldErrorf("note", "A refusal needs a reason: it is the rejection's reason the applicant reads.").Keyed("error.aggregation.note_required")
	}
	app, err := s.FindApplicationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanReviewAggregation(a, app.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and reviewers review a combination of entries.").Keyed("error.aggregation.review_forbidden")
	}
	notWaiting := pubdata.Errorf(pubdata.ECONFLICT, "This application is not waiting for a review of its combination.").Keyed("error.aggregation.not_required")
	if app.Aggregation == nil || app.Aggregation.Review != pubdata.AggregationRequired || app.Status != pubdata.AppPending {
		return nil, notWaiting
	}
	if !clear {
		return s.step(ctx, id, pubdata.AppReject, func(tx *Tx, cur *pubdata.Application, next pubdata.ApplicationStatus) (string, map[string]any, error) {
			g, err := tx.aggregation(ctx, id)
			if err != nil {
				return "", nil, err
			}
			if g == nil || g.Review != pubdata.AggregationRequired {
				return "", nil, notWaiting
			}
			basis := "aggregation risk " + fmt.Sprint(g.Score) + " ≥ " + fmt.Sprint(g.Threshold) + " (G6)"
			if _, err := tx.exec(ctx, "UPDATE aggregation_assessments SET review = 'refused', reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE application_id = ?",
				a.Username(), fmtTime(tx.now), note, id); err != nil {
				return "", nil, err
			}
			if _, err := tx.exec(ctx, "UPDATE applications SET reason = ?, decision_basis = ?, decided_by = ?, decided_at = ? WHERE id = ?",
				note, basis, a.Username(), fmtTime(tx.now), id); err != nil {
				return "", nil, err
			}
			if err := tx.record(ctx, change{Action: "application.aggregation_review", Object: "application:" + id,
				Details: map[string]any{"entry": cur.Entry, "review": pubdata.AggregationRefused, "score": g.Score, "note": note}}); err != nil {
				return "", nil, err
			}
			n := pubdata.NewNotification(pubdata.NoticeApplicationRejected, map[string]string{"entry": cur.EntryTitle, "reason": note}, appLink(id), "application:"+id)
			if err := tx.notify(ctx, n, pubdata.NoticeParties{User: cur.Applicant}); err != nil {
				return "", nil, err
			}
			return note, map[string]any{"basis": basis, "aggregation": true}, nil
		})
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cur, err := tx.application(ctx, id)
	if err != nil {
		return nil, err
	}
	g, err := tx.aggregation(ctx, id)
	if err != nil {
		return nil, err
	}
	if g == nil || g.Review != pubdata.AggregationRequired || cur.Status != pubdata.AppPending {
		return nil, notWaiting
	}
	if err := tx.clearAggregation(ctx, cur, g.Score, note); err != nil {
		return nil, err
	}
	// The provider could not approve while the authority reviewed: its answer period starts
	// again from the clearance (never shorter than it was).
	cal, err := tx.calendar(ctx)
	if err != nil {
		return nil, err
	}
	if dueAt := cal.AddWorkdays(tx.now, s.ReplyDays.Application(cur.Kind)); dueAt.After(cur.DueAt) {
		if _, err := tx.exec(ctx, "UPDATE applications SET due = ?, due_at = ?, due_covered = ?, overdue = 0, escalated = 0, updated_at = ? WHERE id = ?",
			pubdata.Today(dueAt), fmtTime(dueAt), boolInt(cal.SpanCovered(tx.now, dueAt)), fmtTime(tx.now), id); err != nil {
			return nil, err
		}
		cur.Due = pubdata.Today(dueAt)
	}
	n := pubdata.NewNotification(pubdata.NoticeAggregationCleared, map[string]string{"entry": cur.EntryTitle, "applicant": applicantName(cur), "due": cur.Due}, appLink(id), "application:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: cur.Provider, User: cur.Applicant}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, id)
}

// Aggregations implements pubdata.AggregationService.
func (s *ApplicationService) Aggregations(ctx context.Context, f pubdata.AggregationFilter) ([]*pubdata.AggregationAssessment, error) {
	var c conds
	c.inDivision("g.division", f.Division)
	c.eq("g.review", f.Review)
	if f.Combined {
		c.add("g.entries > 1")
	}
	if f.MinScore > 0 {
		c.add("g.score >= ?", f.MinScore)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.query(ctx, "SELECT "+aggColumns+aggFrom+c.sql()+" ORDER BY CASE WHEN g.review = 'required' THEN 0 ELSE 1 END, g.score DESC, g.assessed_at DESC, g.application_id LIMIT ?",
		append(c.args, limit)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanAggregation)
	if out == nil {
		out = []*pubdata.AggregationAssessment{}
	}
	return out, err
}

// fillAggregations sets the assessments of apps (one query).
func (s *ApplicationService) fillAggregations(ctx context.Context, apps ...*pubdata.Application) error {
	if len(apps) == 0 {
		return nil
	}
	ids := make([]any, len(apps))
	byID := make(map[string]*pubdata.Application, len(apps))
	for i, a := range apps {
		ids[i], byID[a.ID] = a.ID, a
	}
	rows, err := s.db.query(ctx, "SELECT "+aggColumns+aggFrom+" WHERE g.application_id IN ("+placeholders(len(ids))+")", ids...)
	if err != nil {
		return err
	}
	list, err := scanRows(rows, scanAggregation)
	if err != nil {
		return err
	}
	for _, g := range list {
		if a := byID[g.Application]; a != nil {
			a.Aggregation = g
		}
	}
	return nil
}
