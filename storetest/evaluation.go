package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var evaluationTests = []namedTest{
	{"EvaluationComputePublish", testEvaluationComputePublish},
	{"EvaluationWeights", testEvaluationWeights},
	{"EvaluationReplies", testEvaluationReplies},
}

func evalPeriod(t *testing.T, s string) pubdata.EvalPeriod {
	t.Helper()
	p, err := pubdata.ParseEvalPeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func resultOf(t *testing.T, ev *pubdata.Evaluation, org string) pubdata.EvaluationResult {
	t.Helper()
	for _, r := range ev.Results {
		if r.Org == org {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", org, ev.Results)
	return pubdata.EvaluationResult{}
}

func ind(r pubdata.EvaluationResult, k string) float64 {
	if v := r.Indicators[k]; v != nil {
		return *v
	}
	return -1
}

func wantKey(t *testing.T, err error, code, key string) {
	t.Helper()
	var e *pubdata.Error
	if !errors.As(err, &e) || e.Code != code || e.Msg == nil || e.Msg.Key != key {
		t.Fatalf("error %v, want %s %s", err, code, key)
	}
}

// testEvaluationComputePublish: the authority computes a month from the recorded facts (a
// draft, computed again after new facts), publishes it once the month is over, and the
// published period is frozen: computing or publishing it again is refused, its rows refuse
// raw changes, and later facts leave it as it was. Every step is recorded.
func testEvaluationComputePublish(t *testing.T, s *Store) {
	if s.Evaluations == nil || s.Usage == nil {
		t.Fatal("the store under test must provide its evaluation and usage services (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	load(t, s, editor, p, pubdata.LoadOptions{}, row(2, uA, "甲公司", 1.0, int64(1), true, "2001-02-03"))
	if err := s.Usage.AddUsage(system, []pubdata.UsageCount{{Day: "2026-09-30", Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseView, N: 10},
		{Day: "2026-08-31", Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseView, N: 99}}); err != nil { // another month
		t.Fatal(err)
	}
	admin := as(authorityAdmin(t, s, "fj-dsj"), "r-eval")
	s.SetNow(appNow.Add(time.Hour))
	sep := evalPeriod(t, "2026-09")
	ev, err := s.Evaluations.ComputeEvaluation(admin, sep)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Status != pubdata.EvaluationDraft || ev.Key != "2026-09" || ev.Kind != pubdata.PeriodMonth || ev.Complete || ev.Units != 3 || len(ev.Results) != 3 ||
		ev.ComputedBy != "fj-dsj-admin" || ev.Weights[pubdata.IndQuality] != pubdata.DefaultEvalWeights[pubdata.IndQuality] {
		t.Fatalf("computed %+v", ev)
	}
	top := ev.Results[0]
	f := top.Facts
	if top.Org != "fz-scj" || top.Rank != 1 || f.Published != 1 || f.Tables != 1 || f.Loaded != 1 || f.Fresh != 1 || f.Shared != 1 || f.Opened != 1 || f.Views != 10 ||
		ind(top, pubdata.IndCatalogue) != 100 || ind(top, pubdata.IndAggregation) != 100 || ind(top, pubdata.IndUsage) != 100 || ind(top, pubdata.IndTimeliness) != -1 {
		t.Fatalf("fz-scj %+v", top)
	}
	if len(f.TopEntries) != 1 || f.TopEntries[0].Entry != e.ID || f.TopEntries[0].Uses != 10 || len(ev.MostUsed) != 1 || ev.MostUsed[0].Title != "企业登记信息" {
		t.Fatalf("most used %+v %+v", f.TopEntries, ev.MostUsed)
	}
	gat := resultOf(t, ev, "fj-gat")
	if gat.Rank != 2 || ind(gat, pubdata.IndCatalogue) != 0 || gat.Score == nil || *gat.Score >= *top.Score {
		t.Fatalf("fj-gat %+v", gat)
	}
	if evs := eventsOf(t, s, "evaluation.compute", "evaluation:2026-09"); len(evs) != 1 || evs[0].Actor != "fj-dsj-admin" {
		t.Fatalf("compute events %+v", evs)
	}
	// Publishing before the month ends is refused unless on purpose.
	_, err = s.Evaluations.PublishEvaluation(admin, "2026-09", false)
	wantKey(t, err, pubdata.ECONFLICT, "error.evaluation.not_ended")
	// A draft is computed again with new facts: Xiamen's regulator publishes an entry.
	xmEd := actorCtx(t, s, "xm-editor", "xm-scj", pubdata.RoleEditor)
	publish(t, s, xmEd, reviewer, "xm-scj", fields("企业年报", "年报信息", pubdata.ClassConditional, pubdata.ClassNone))
	s.SetNow(appNow.Add(2 * time.Hour))
	ev, err = s.Evaluations.ComputeEvaluation(admin, sep)
	if err != nil {
		t.Fatal(err)
	}
	xm := resultOf(t, ev, "xm-scj")
	if xm.Facts.Published != 1 || xm.Facts.Loaded != 0 || ind(xm, pubdata.IndAggregation) != 0 || ind(xm, pubdata.IndOpening) != 0 || ind(xm, pubdata.IndSharing) != 100 || xm.Rank != 2 {
		t.Fatalf("recomputed xm-scj %+v", xm)
	}
	// Once the month is over it is published: closed and frozen.
	s.SetNow(time.Date(2026, 10, 2, 2, 0, 0, 0, time.UTC))
	_, err = s.Evaluations.PublishEvaluation(admin, "2026-08", false)
	wantKey(t, err, pubdata.ENOTFOUND, "error.evaluation.not_computed")
	pub, err := s.Evaluations.PublishEvaluation(admin, "2026-09", false)
	if err != nil {
		t.Fatal(err)
	}
	if pub.Status != pubdata.EvaluationPublished || pub.PublishedBy != "fj-dsj-admin" || pub.PublishedAt == nil || len(pub.Results) != 3 {
		t.Fatalf("published %+v", pub)
	}
	if evs := eventsOf(t, s, "evaluation.publish", "evaluation:2026-09"); len(evs) != 1 {
		t.Fatalf("publish events %+v", evs)
	}
	_, err = s.Evaluations.ComputeEvaluation(admin, sep)
	wantKey(t, err, pubdata.ECONFLICT, "error.evaluation.frozen")
	_, err = s.Evaluations.PublishEvaluation(admin, "2026-09", true)
	wantKey(t, err, pubdata.ECONFLICT, "error.evaluation.frozen")
	for _, q := range []string{
		"UPDATE evaluation_results SET rank = 9 WHERE period = '2026-09'",
		"DELETE FROM evaluation_results WHERE period = '2026-09'",
		"INSERT INTO evaluation_results (period, org, org_name, division, rank, score, indicators, figures) VALUES ('2026-09', 'x', 'x', '350000', 1, 100, '{}', '{}')",
		"UPDATE evaluation_periods SET status = 'draft' WHERE period = '2026-09'",
		"DELETE FROM evaluation_periods WHERE period = '2026-09'",
	} {
		if err := s.Exec(system, q); err == nil {
			t.Errorf("a published period took %q", q)
		}
	}
	// Later facts leave the published results as they were.
	if err := s.Usage.AddUsage(system, []pubdata.UsageCount{{Day: "2026-09-30", Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseDownload, N: 5}}); err != nil {
		t.Fatal(err)
	}
	again, err := s.Evaluations.FindEvaluation(system, "2026-09")
	if err != nil || again.Results[0].Facts.Downloads != 0 || *again.Results[0].Score != *pub.Results[0].Score {
		t.Fatalf("frozen results changed: %+v %v", again, err)
	}
	// The next month is a draft; the list has both, the latest first; the trend has the
	// published month only.
	if _, err := s.Evaluations.ComputeEvaluation(admin, evalPeriod(t, "2026-10")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Evaluations.ComputeEvaluation(admin, evalPeriod(t, "2026-12"))
	wantKey(t, err, pubdata.ECONFLICT, "error.evaluation.not_started")
	list, err := s.Evaluations.ListEvaluations(system)
	if err != nil || len(list) != 2 || list[0].Key != "2026-10" || list[0].Status != pubdata.EvaluationDraft || list[1].Key != "2026-09" || list[1].Results != nil {
		t.Fatalf("list %+v %v", list, err)
	}
	trend, err := s.Evaluations.EvaluationTrend(system, "fz-scj", pubdata.PeriodMonth)
	if err != nil || len(trend) != 1 || trend[0].Period != "2026-09" || trend[0].Rank != 1 || trend[0].Units != 3 || trend[0].Score == nil {
		t.Fatalf("trend %+v %v", trend, err)
	}
	if _, err := s.Evaluations.FindEvaluation(system, "2025-01"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown period: %v", err)
	}
}

// testEvaluationWeights: the defaults until set; a change is validated, recorded and used
// by the next computation (the period keeps the weights it was computed with).
func testEvaluationWeights(t *testing.T, s *Store) {
	if s.Evaluations == nil {
		t.Fatal("the store under test must provide its evaluation service (storetest.Store)")
	}
	s.SetNow(appNow)
	province(t, s)
	admin := as(authorityAdmin(t, s, "fj-dsj"), "r-w")
	w, by, at, err := s.Evaluations.EvaluationWeights(system)
	if err != nil || by != "" || at != nil || w.Total() != 100 {
		t.Fatalf("defaults %v %q %v %v", w, by, at, err)
	}
	_, err = s.Evaluations.SetEvaluationWeights(admin, pubdata.EvalWeights{"beauty": 5})
	wantCode(t, err, pubdata.EINVALID)
	if _, err := s.Evaluations.SetEvaluationWeights(admin, pubdata.EvalWeights{pubdata.IndRectification: 60, pubdata.IndCatalogue: 40}); err != nil {
		t.Fatal(err)
	}
	w, by, at, err = s.Evaluations.EvaluationWeights(system)
	if err != nil || by != "fj-dsj-admin" || at == nil || w[pubdata.IndRectification] != 60 || w[pubdata.IndQuality] != 0 {
		t.Fatalf("set %v %q %v %v", w, by, at, err)
	}
	evs := eventsOf(t, s, "evaluation.weights", "evaluation:weights")
	if len(evs) != 1 || evs[0].Actor != "fj-dsj-admin" {
		t.Fatalf("weights events %+v", evs)
	}
	s.SetNow(appNow.Add(time.Hour))
	ev, err := s.Evaluations.ComputeEvaluation(admin, evalPeriod(t, "2026-Q3"))
	if err != nil {
		t.Fatal(err)
	}
	// No unit has a catalogue or orders: catalogue 0 × 40, rectification 100 × 60 → 60.
	if ev.Weights[pubdata.IndRectification] != 60 || ev.Kind != pubdata.PeriodQuarter || len(ev.Results) != 3 || ev.Results[0].Score == nil || *ev.Results[0].Score != 60 || ev.Results[2].Rank != 1 {
		t.Fatalf("computed with the weights %+v", ev)
	}
}

// testEvaluationReplies: replies due in the period count answered by their due time; an
// open rectification order lowers the unit's rectification indicator; demands routed to it
// count by their answers.
func testEvaluationReplies(t *testing.T, s *Store) {
	if s.Evaluations == nil || s.Applications == nil || s.Compliance == nil {
		t.Fatal("the store under test must provide its evaluation, application and compliance services (storetest.Store)")
	}
	fx := appSetup(t, s)
	onTime := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	late := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	if _, err := s.Applications.DecideApplication(fx.provider, onTime.ID, &pubdata.ApplicationDecision{Decision: "reject", Reason: "不符合共享条件", Basis: "《福建省大数据发展条例》"}); err != nil {
		t.Fatal(err)
	}
	// An order to the unit, not answered.
	f, err := s.Compliance.Facts(system, "350100", appNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Compliance.Issue(fx.provAuth, &pubdata.RectificationCreate{Org: "fz-scj", Request: "请整改", Workdays: 1}, pubdata.ComplianceFindings(f, appNow)); err != nil {
		t.Fatal(err)
	}
	// After both due times the late one is still pending.
	s.SetNow(late.DueAt.Add(time.Hour))
	p := pubdata.MonthPeriod(late.DueAt)
	admin := as(authorityAdmin(t, s, "fj-dsj"), "r-rep")
	ev, err := s.Evaluations.ComputeEvaluation(admin, p)
	if err != nil {
		t.Fatal(err)
	}
	r := resultOf(t, ev, "fz-scj")
	if r.Facts.RepliesDue != 2 || r.Facts.RepliesOnTime != 1 || ind(r, pubdata.IndTimeliness) != 50 || r.Facts.OrdersOpen != 1 || ind(r, pubdata.IndRectification) >= 100 {
		t.Fatalf("replies %+v", r)
	}
	if g := resultOf(t, ev, "fj-gat"); g.Facts.RepliesDue != 0 || g.Indicators[pubdata.IndTimeliness] != nil {
		t.Fatalf("the applicant is not evaluated on the provider's replies: %+v", g)
	}
}
