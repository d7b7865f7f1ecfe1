package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// privacyTests cover usable-but-invisible entries' store parts: the clamped sums and
// histograms of noisy aggregates, and the privacy budget that each use spends, recorded in
// the same transaction, refused past its total.
var privacyTests = []namedTest{
	{"AggregateClampBins", testAggregateClampBins},
	{"PrivacyBudget", testPrivacyBudget},
	{"AggregateSummary", testAggregateSummary},
	{"AggregateSummaryEncrypted", testAggregateSummaryEncrypted},
}

// testAggregateClampBins: staff 0…29 clamped into [5, 20]: sum 5·5 + (5+…+19) + 10·20 = 405,
// and 3 bins of width 5: [5,10) 10 values, [10,15) 5, [15,20] 15 (20 is the last bin's).
func testAggregateClampBins(t *testing.T, s *Store) {
	s.SetNow(appNow)
	editor, _, e := dataSetup(t, s)
	var list []*pubdata.SourceRow
	for i := range 30 {
		list = append(list, row(int64(i+2), fmt.Sprintf("91350100MA2XX%05d", i), []string{"甲", "乙"}[i%2], float64(i), int64(i), true, "2020-01-01"))
	}
	load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	gs, err := s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, pubdata.RowGrouping{Sum: "staff", Clamp: &[2]float64{5, 20}, Bins: 3, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].Key != "" || gs[0].Rows != 30 || gs[0].N != 30 || gs[0].Sum != 405 || fmt.Sprint(gs[0].Hist) != "[10 5 15]" {
		t.Fatalf("everything, clamped: %+v", gs)
	}
	gs, err = s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, pubdata.RowGrouping{Column: "name", Sum: "staff", Clamp: &[2]float64{0, 10}, Bins: 2, ByRows: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// 甲: 0,2,…,28 → clamped 0,2,4,6,8,10×10 = 20+100; bins [0,5): 0,2,4; [5,10]: the rest.
	got := ""
	for _, g := range gs {
		got += fmt.Sprintf("%s:%d/%g/%v ", g.Key, g.Rows, g.Sum, g.Hist)
	}
	if got != "乙:15/125/[2 13] 甲:15/120/[3 12] " {
		t.Fatalf("by name, clamped: %s", got)
	}
	// More sums in the same statement (the aggregates of several measures in one scan): the
	// same figures as each alone, in More's order, beside the histogram of Sum.
	g := pubdata.RowGrouping{Column: "name", Sum: "staff", Clamp: &[2]float64{0, 10}, Bins: 2, ByRows: true, Limit: 10,
		More: []pubdata.RowSum{{Column: "capital", Clamp: &[2]float64{5, 20}}, {Column: "staff"}}}
	gs, err = s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, g)
	if err != nil {
		t.Fatal(err)
	}
	got = ""
	for _, g := range gs {
		got += fmt.Sprintf("%s:%d/%g/%v/%v ", g.Key, g.Rows, g.Sum, g.Hist, g.More)
	}
	for i, m := range g.More {
		alone, err := s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, pubdata.RowGrouping{Column: "name", Sum: m.Column, Clamp: m.Clamp, ByRows: true, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for j := range alone {
			if gs[j].Key != alone[j].Key || gs[j].More[i].N != alone[j].N || gs[j].More[i].Sum != alone[j].Sum {
				t.Fatalf("More[%d] (%s): %s; alone %+v", i, m.Column, got, alone)
			}
		}
	}
	if len(gs) != 2 || !strings.HasPrefix(got, "乙:15/125/[2 13]/[{15 ") || !strings.Contains(got, "{15 225}] ") {
		t.Fatalf("with More: %s", got)
	}
}

func testPrivacyBudget(t *testing.T, s *Store) {
	if s.Privacy == nil {
		t.Fatal("the store does not keep privacy budgets")
	}
	s.SetNow(appNow)
	editor, _, e := dataSetup(t, s)
	ctx := pubdata.NewContextWithRequest(editor, pubdata.RequestInfo{Purpose: "统计分析"})
	left, err := s.Privacy.Spend(ctx, e, "org:xm-scj", 600, 1000, "data.aggregate", map[string]any{"group_by": "name"})
	if err != nil || left != 400 {
		t.Fatalf("spend 0.6 of 1: %d %v", left, err)
	}
	if _, err := s.Privacy.Spend(ctx, e, "org:xm-scj", 500, 1000, "data.aggregate", nil); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("spend past the budget: %v", err)
	}
	if spent, err := s.Privacy.Spent(system, e.ID, "org:xm-scj"); err != nil || spent != 600 {
		t.Fatalf("spent after a refusal: %d %v", spent, err)
	}
	// Another holder has its own budget.
	if left, err := s.Privacy.Spend(ctx, e, "grant:g1", 1000, 1000, "data.verify", nil); err != nil || left != 0 {
		t.Fatalf("another holder: %d %v", left, err)
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + e.ID, Action: "data.aggregate", Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].Purpose != "统计分析" || evs[0].Details["holder"] != "org:xm-scj" || evs[0].Details["spent"] != 0.6 {
		t.Fatalf("the record of spends: %v %+v", err, evs)
	}
}
