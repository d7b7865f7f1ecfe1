package pubdata

import (
	"errors"
	"testing"
	"time"
)

func TestParseEvalPeriod(t *testing.T) {
	cst := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, ChinaTime) }
	for _, c := range []struct {
		in, key, kind string
		start, end    time.Time
		first, last   string
	}{
		{"2026-11", "2026-11", PeriodMonth, cst(2026, 11), cst(2026, 12), "2026-11-01", "2026-11-30"},
		{"2026-12", "2026-12", PeriodMonth, cst(2026, 12), cst(2027, 1), "2026-12-01", "2026-12-31"},
		{" 2026-q4 ", "2026-Q4", PeriodQuarter, cst(2026, 10), cst(2027, 1), "2026-10-01", "2026-12-31"},
		{"2026-Q1", "2026-Q1", PeriodQuarter, cst(2026, 1), cst(2026, 4), "2026-01-01", "2026-03-31"},
		{"2026", "2026", PeriodYear, cst(2026, 1), cst(2027, 1), "2026-01-01", "2026-12-31"},
	} {
		p, err := ParseEvalPeriod(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if p.Key != c.key || p.Kind != c.kind || !p.Start.Equal(c.start) || !p.End.Equal(c.end) || p.FirstDay() != c.first || p.LastDay() != c.last {
			t.Errorf("%q = %+v (%s..%s)", c.in, p, p.FirstDay(), p.LastDay())
		}
	}
	for in, key := range map[string]string{
		"":         "error.evaluation.period.required",
		"2026-13":  "error.evaluation.period.month",
		"2026-00":  "error.evaluation.period.month",
		"2026-Q5":  "error.evaluation.period.quarter",
		"2026-Q0":  "error.evaluation.period.quarter",
		"1999":     "error.evaluation.period.year",
		"2026-1":   "error.evaluation.period.format",
		"26-11":    "error.evaluation.period.format",
		"2026/11":  "error.evaluation.period.format",
		"2026-11x": "error.evaluation.period.format",
		"Q4-2026":  "error.evaluation.period.format",
	} {
		_, err := ParseEvalPeriod(in)
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != "period" || e.Msg == nil || e.Msg.Key != key {
			t.Errorf("%q: %v, want %s", in, err, key)
		}
	}
	p, _ := ParseEvalPeriod("2026-11")
	if !p.Ended(p.End) || p.Ended(p.End.Add(-time.Second)) {
		t.Error("Ended: the period ends at its End")
	}
	mid := p.Start.Add(48 * time.Hour)
	if !p.AsOf(mid).Equal(mid) || !p.AsOf(p.End.Add(time.Hour)).Equal(p.End) {
		t.Error("AsOf: now while running, the end after")
	}
	if MonthPeriod(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)).Key != "2026-12" { // 01:00 on 1 December in Beijing
		t.Error("MonthPeriod counts in China Standard Time")
	}
}

func TestValidateEvalWeights(t *testing.T) {
	w, err := ValidateEvalWeights(EvalWeights{IndQuality: 50, IndUsage: 50})
	if err != nil || w[IndQuality] != 50 || w[IndCatalogue] != 0 || len(w) != len(EvalIndicators) {
		t.Fatalf("%v %v", w, err)
	}
	if DefaultEvalWeights.Total() != 100 || len(DefaultEvalWeights) != len(EvalIndicators) {
		t.Errorf("defaults: %v", DefaultEvalWeights)
	}
	for name, in := range map[string]EvalWeights{
		"error.evaluation.weight.indicator": {"beauty": 10, IndQuality: 10},
		"error.evaluation.weight.range":     {IndQuality: 101},
		"error.evaluation.weight.zero":      {IndQuality: 0},
	} {
		_, err := ValidateEvalWeights(in)
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Msg == nil || e.Msg.Key != name {
			t.Errorf("%v: %v, want %s", in, err, name)
		}
	}
	if _, err := ValidateEvalWeights(EvalWeights{IndQuality: -1}); err == nil {
		t.Error("a negative weight passed")
	}
}

func val(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func TestEvalIndicatorValues(t *testing.T) {
	f := EvalUnitFacts{Org: "A", Published: 10, Shared: 5, Opened: 2, Tables: 4, Loaded: 3, Fresh: 2, Due: 1, Stale: 0,
		QualitySum: 170, QualityEntries: 2, RepliesDue: 4, RepliesOnTime: 3, Filed: 5, Handled: 4,
		OrdersOpen: 2, OrdersOverdue: 1, Views: 90, Downloads: 5, APICalls: 4,
		DemandsRouted: 4, DemandsAnswered: 2, DemandsPlanned: 1, DemandsDeclined: 1}
	ind := EvalIndicatorValues(f, 10, 99)
	want := map[string]float64{
		IndCatalogue: 100, IndAggregation: 75, IndFreshness: 62.5, IndQuality: 85, IndSharing: 50, IndOpening: 20,
		IndTimeliness: 75, IndHandling: 80, IndRectification: 40, IndUsage: 100, IndDemand: 75,
	}
	for k, v := range want {
		if val(ind[k]) != v {
			t.Errorf("%s = %v, want %v", k, val(ind[k]), v)
		}
	}
	// Log scales: half the largest catalogue is more than half the score.
	half := EvalIndicatorValues(EvalUnitFacts{Published: 5}, 10, 0)
	if c := val(half[IndCatalogue]); c <= 50 || c >= 100 {
		t.Errorf("catalogue of 5 against 10 = %v", c)
	}
	if val(half[IndUsage]) != 0 {
		t.Error("no use anywhere: usage 0")
	}
	// No catalogue: the catalogue's indicators are 0; nothing due, filed or routed: not measured.
	none := EvalIndicatorValues(EvalUnitFacts{Org: "B"}, 10, 99)
	for _, k := range []string{IndCatalogue, IndAggregation, IndFreshness, IndQuality, IndSharing, IndOpening, IndUsage} {
		if val(none[k]) != 0 {
			t.Errorf("no catalogue: %s = %v, want 0", k, val(none[k]))
		}
	}
	for _, k := range []string{IndTimeliness, IndHandling, IndDemand} {
		if none[k] != nil {
			t.Errorf("nothing to answer: %s = %v, want not measured", k, val(none[k]))
		}
	}
	if val(none[IndRectification]) != 100 {
		t.Error("no orders: rectification 100")
	}
	// Files only: aggregation, freshness and quality are not measured.
	files := EvalIndicatorValues(EvalUnitFacts{Published: 3}, 3, 0)
	if files[IndAggregation] != nil || files[IndFreshness] != nil || files[IndQuality] != nil {
		t.Error("no table entries: aggregation, freshness, quality not measured")
	}
	// Many overdue orders: the indicator stops at 0.
	bad := EvalIndicatorValues(EvalUnitFacts{OrdersOpen: 5, OrdersOverdue: 3}, 0, 0)
	if val(bad[IndRectification]) != 0 {
		t.Errorf("rectification = %v", val(bad[IndRectification]))
	}
	for _, k := range EvalIndicators {
		if _, ok := ind[k]; !ok {
			t.Errorf("indicator %s missing", k)
		}
	}
}

func TestScoreEvaluation(t *testing.T) {
	w := EvalWeights{IndSharing: 1, IndTimeliness: 1}
	units := []EvalUnitFacts{
		{Org: "C", Published: 2, Shared: 1},                                  // sharing 50, timeliness not measured → 50
		{Org: "A", Published: 2, Shared: 2, RepliesDue: 2, RepliesOnTime: 0}, // (100 + 0) / 2 = 50
		{Org: "B", Published: 1, Shared: 1, RepliesDue: 1, RepliesOnTime: 1}, // 100
		{Org: "D"}, // sharing 0 → 0
	}
	res := ScoreEvaluation("2026-11", units, w)
	var order []string
	for _, r := range res {
		order = append(order, r.Org)
	}
	if got := order; len(got) != 4 || got[0] != "B" || got[1] != "A" || got[2] != "C" || got[3] != "D" {
		t.Fatalf("order %v", got)
	}
	if res[0].Rank != 1 || res[1].Rank != 2 || res[2].Rank != 2 || res[3].Rank != 4 {
		t.Errorf("ranks %d %d %d %d: equal scores share a rank", res[0].Rank, res[1].Rank, res[2].Rank, res[3].Rank)
	}
	if val(res[0].Score) != 100 || val(res[1].Score) != 50 || val(res[3].Score) != 0 || res[0].Period != "2026-11" {
		t.Errorf("scores %v %v %v", val(res[0].Score), val(res[1].Score), val(res[3].Score))
	}
	// A weight change changes the ranking: timeliness alone.
	res = ScoreEvaluation("2026-11", units, EvalWeights{IndTimeliness: 1})
	if res[0].Org != "B" || val(res[1].Score) != 0 || res[2].Score != nil || res[2].Rank != 0 || res[3].Rank != 0 {
		t.Errorf("timeliness only: %+v", res)
	}
	if EvalScore(map[string]*float64{}, DefaultEvalWeights) != nil {
		t.Error("nothing measured: no score")
	}
	top := TopUses([]EvalUse{{Entry: "b", Uses: 3}, {Entry: "a", Uses: 3}, {Entry: "c", Uses: 9}}, 2)
	if len(top) != 2 || top[0].Entry != "c" || top[1].Entry != "a" {
		t.Errorf("top %v", top)
	}
}

func TestEvaluationRoles(t *testing.T) {
	prov := &Actor{User: &User{Username: "p", Role: RoleAdmin}, Org: &Org{Code: "P", Kind: KindAuthority, Division: "350000"}}
	provRev := &Actor{User: &User{Username: "r", Role: RoleReviewer}, Org: prov.Org}
	city := &Actor{User: &User{Username: "c", Role: RoleAdmin}, Org: &Org{Code: "C", Kind: KindAuthority, Division: "350100"}}
	unit := &Actor{User: &User{Username: "u", Role: RoleAdmin}, Org: &Org{Code: "U", Kind: KindPublicBody, Division: "350100"}}
	if !CanComputeEvaluation(prov) || CanComputeEvaluation(provRev) || CanComputeEvaluation(city) || CanComputeEvaluation(unit) || CanComputeEvaluation(nil) {
		t.Error("only the platform authority's admin computes and publishes")
	}
	if !CanSeeEvaluationDrafts(provRev) || !CanSeeEvaluationDrafts(city) || CanSeeEvaluationDrafts(unit) || CanSeeEvaluationDrafts(&Actor{}) {
		t.Error("drafts: authorities' admins and reviewers")
	}
}
