package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/dp"
)

// summaryStore is what a store with aggregate summaries does (sqlstore: DataService builds,
// RowReader answers).
type summaryStore interface {
	BuildAggregateSummary(ctx context.Context, e *pubdata.Entry) (*pubdata.AggregateSummary, error)
	StaleAggregateSummaries(ctx context.Context) ([]string, error)
}

type summaryReader interface {
	SummaryGroups(ctx context.Context, e *pubdata.Entry, g pubdata.RowGrouping) ([]pubdata.RowGroup, pubdata.SummaryState, error)
}

// testAggregateSummary: the aggregate summary of an entry (issue 16, Performance) answers
// every grouping of the noisy aggregates — counts, sums and means clamped into bounds that
// hold every value or not, histograms of quantiles — with exactly the figures of the scan
// (GroupRows, before any noise), for every group column; after an upsert, a delete and a
// frozen row it is stale (never read) until built again, and then equal again.
func testAggregateSummary(t *testing.T, s *Store) {
	build, ok1 := s.Data.(summaryStore)
	sums, ok2 := s.Rows.(summaryReader)
	if !ok1 || !ok2 {
		t.Fatal("the store keeps no aggregate summaries")
	}
	s.SetNow(appNow)
	editor, _, e := dataSetup(t, s)
	e.InvisibleTerms.GroupColumns = []string{"name", "founded"}
	var list []*pubdata.SourceRow
	days := []string{"2019-12-31", "2020-01-01", "2020-01-02"}
	for i := range 40 {
		var capital any = float64(i*7%23) + 0.5
		if i%9 == 0 {
			capital = nil
		}
		var founded any = days[i%3]
		if i == 28 {
			founded = nil
		}
		list = append(list, row(int64(i+2), fmt.Sprintf("91350100MA2XX%05d", i), []string{"甲", "乙", "乙", "丙", "丙", "丙", "丁", "丁", "丁", "丁"}[i%10], capital, int64(i*13%50), true, founded))
	}
	load(t, s, editor, e, pubdata.LoadOptions{}, list...)

	wide, narrow, neg := &[2]float64{-100, 1000}, &[2]float64{3, 17}, &[2]float64{-5, 2}
	var groupings []pubdata.RowGrouping
	for _, col := range []string{"", "name", "founded"} {
		base := pubdata.RowGrouping{Column: col, ByRows: true, Limit: pubdata.MaxGroups}
		counts := base
		more := base
		more.More = []pubdata.RowSum{{Column: "staff", Clamp: wide}, {Column: "capital", Clamp: narrow}, {Column: "capital", Clamp: wide}, {Column: "staff", Clamp: neg}}
		quant := more
		quant.Sum, quant.Clamp, quant.Bins = "staff", &[2]float64{0, 40}, dp.Bins
		quant2 := base
		quant2.Sum, quant2.Clamp, quant2.Bins = "capital", &[2]float64{2, 9}, 5
		limited := base
		limited.Limit = 2
		groupings = append(groupings, counts, more, quant, quant2, limited)
	}
	show := func(gs []pubdata.RowGroup) string {
		out := ""
		for _, g := range gs {
			out += fmt.Sprintf("%s:%d/%d/%g/%v/%v ", g.Key, g.Rows, g.N, g.Sum, g.Hist, g.More)
		}
		return out
	}
	same := func(when string) {
		t.Helper()
		for _, g := range groupings {
			scan, err := s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, g)
			if err != nil {
				t.Fatalf("%s: GroupRows(%+v): %v", when, g, err)
			}
			got, st, err := sums.SummaryGroups(system, e, g)
			if err != nil || st != pubdata.SummaryServed {
				t.Fatalf("%s: SummaryGroups(%+v) = %v, %v", when, g, st, err)
			}
			if show(got) != show(scan) {
				t.Fatalf("%s: grouping %+v\nsummary %s\nscan    %s", when, g, show(got), show(scan))
			}
		}
	}
	state := func(when string, want pubdata.SummaryState) {
		t.Helper()
		if _, st, err := sums.SummaryGroups(system, e, groupings[0]); err != nil || st != want {
			t.Fatalf("%s: state %v, %v; want %v", when, st, err, want)
		}
	}
	rebuild := func(when string) {
		t.Helper()
		sum, err := build.BuildAggregateSummary(system, e)
		if err != nil || !sum.Built {
			t.Fatalf("%s: BuildAggregateSummary = %+v, %v", when, sum, err)
		}
	}

	state("before any build", pubdata.SummaryMissing)
	rebuild("first")
	if sum, err := build.BuildAggregateSummary(system, e); err != nil || sum.Built {
		t.Fatalf("built again without a change: %+v, %v", sum, err)
	}
	same("after the first load")
	// Groupings the summary does not hold: a date's prefix, a column it was not asked to
	// group by, a column it does not summarise.
	for _, g := range []pubdata.RowGrouping{
		{Column: "founded", Prefix: pubdata.PrefixMonth, Limit: 10},
		{Column: "uscc", Limit: 10},
		{Column: "name", Sum: "uscc", Limit: 10},
	} {
		if _, st, err := sums.SummaryGroups(system, e, g); err != nil || st != pubdata.SummaryUncovered {
			t.Fatalf("SummaryGroups(%+v) = %v, %v; want uncovered", g, st, err)
		}
	}

	// An upsert: a changed row, a new one.
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert},
		row(2, "91350100MA2XX00001", "戊", 99.5, int64(1000), true, "2020-01-02"),
		row(3, "91350100MA2XX09999", "甲", -3.0, int64(-7), true, "2019-12-31"))
	state("after an upsert", pubdata.SummaryStale)
	// The scheduled job finds it by its batch.
	if ids, err := build.StaleAggregateSummaries(system); err != nil || fmt.Sprint(ids) != "["+e.ID+"]" {
		t.Fatalf("StaleAggregateSummaries after an upsert = %v, %v", ids, err)
	}
	rebuild("after an upsert")
	if ids, err := build.StaleAggregateSummaries(system); err != nil || len(ids) != 0 {
		t.Fatalf("StaleAggregateSummaries after the build = %v, %v", ids, err)
	}
	same("after an upsert")

	// A delete.
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert},
		&pubdata.SourceRow{Num: 1, Delete: true, Values: []any{"91350100MA2XX00002"}},
		&pubdata.SourceRow{Num: 2, Delete: true, Values: []any{"91350100MA2XX00003"}})
	state("after a delete", pubdata.SummaryStale)
	rebuild("after a delete")
	same("after a delete")

	// The entry's group columns changed: the summary holds other groups.
	e.InvisibleTerms.GroupColumns = []string{"name"}
	state("after the group columns changed", pubdata.SummaryStale)
	rebuild("after the group columns changed")
	e.InvisibleTerms.GroupColumns = []string{"name", "founded"}
	rebuild("with the group columns back")

	// A frozen row (an objection) leaves the rows the summary was built of.
	if s.Objections == nil {
		return
	}
	citizen := actorCtx(t, s, "citizen", "", "")
	if _, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": "91350100MA2XX00004"}, Reason: pubdata.ObjectionError, Detail: "名称有误"}, true); err != nil {
		t.Fatal(err)
	}
	state("after a row was frozen", pubdata.SummaryStale)
	rebuild("after a row was frozen")
	same("with a frozen row")
}

// testAggregateSummaryEncrypted: columns stored encrypted (grade 3, personal) are summarised
// from their decrypted values, with the figures of the scan that reads and groups them in Go.
func testAggregateSummaryEncrypted(t *testing.T, s *Store) {
	build, ok1 := s.Data.(summaryStore)
	sums, ok2 := s.Rows.(summaryReader)
	if !ok1 || !ok2 {
		t.Fatal("the store keeps no aggregate summaries")
	}
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personFields())
	e, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.InvisibleTerms.GroupColumns = []string{"xm", "district"}
	var list []*pubdata.SourceRow
	for i := range 30 {
		var income any = int64(i * 137 % 2000)
		if i == 7 {
			income = nil
		}
		list = append(list, row(int64(i+2), ResidentIDFor("11010519491231"+fmt.Sprintf("%03d", i)), []string{"张三", "李四", "王五"}[i%3], income, []string{"鼓楼区", "台江区"}[i%2], "2020-01-02"))
	}
	load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	if _, err := s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, pubdata.RowGrouping{Column: "xm", Limit: 10}); err == nil {
		t.Fatal("xm is not stored encrypted: the test tests nothing")
	}
	if sum, err := build.BuildAggregateSummary(system, e); err != nil || !sum.Built {
		t.Fatalf("BuildAggregateSummary = %+v, %v", sum, err)
	}
	for _, col := range []string{"", "xm", "district"} {
		for _, g := range []pubdata.RowGrouping{
			{Column: col, ByRows: true, Limit: pubdata.MaxGroups},
			{Column: col, ByRows: true, Limit: pubdata.MaxGroups, Sum: "income", Clamp: &[2]float64{100, 1500}, Bins: dp.Bins,
				More: []pubdata.RowSum{{Column: "income", Clamp: &[2]float64{0, 5000}}, {Column: "income", Clamp: &[2]float64{300, 900}}}},
		} {
			scan, err := access.GroupInGo(system, s.Rows, e, &pubdata.RowQuery{}, g)
			if err != nil {
				t.Fatal(err)
			}
			got, st, err := sums.SummaryGroups(system, e, g)
			if err != nil || st != pubdata.SummaryServed {
				t.Fatalf("SummaryGroups(%+v) = %v, %v", g, st, err)
			}
			show := func(gs []pubdata.RowGroup) string {
				out := ""
				for _, g := range gs {
					out += fmt.Sprintf("%s:%d/%d/%g/%v/%v ", g.Key, g.Rows, g.N, g.Sum, g.Hist, g.More)
				}
				return out
			}
			if show(got) != show(scan) {
				t.Fatalf("grouping %+v\nsummary %s\nscan    %s", g, show(got), show(scan))
			}
		}
	}
}
