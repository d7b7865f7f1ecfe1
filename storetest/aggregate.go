package storetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/pubdata/pubdata"
)

// aggregateTests cover the raw reader's aggregates (the entry page's chart and map): groups
// and grids computed over every current row, with filters, frozen rows left out, bounded
// counts, and the refusal of columns that cannot be aggregated.
var aggregateTests = []namedTest{
	{"AggregateGroups", testAggregateGroups},
	{"AggregateGrid", testAggregateGrid},
	{"AggregateCountLimit", testAggregateCountLimit},
}

// testAggregateGroups: rows grouped by a date's day, month and year with a number summed,
// and by a text column's values ordered by rows; NULLs left out; a filter and as_of apply;
// a superseded row is not counted; a frozen row is not counted either.
func testAggregateGroups(t *testing.T, s *Store) {
	s.SetNow(appNow)
	editor, _, e := dataSetup(t, s)
	// 30 companies founded over 3 days in two months of two years; capital i, names in 3 kinds.
	var list []*pubdata.SourceRow
	days := []string{"2019-12-31", "2020-01-01", "2020-01-02"}
	for i := range 30 {
		var capital any = float64(i)
		if i == 29 {
			capital = nil // counted in its day's rows, not in its sum
		}
		var founded any = days[i%3]
		if i == 28 {
			founded = nil // in no time group
		}
		list = append(list, row(int64(i+2), fmt.Sprintf("91350100MA2XX%05d", i), []string{"甲", "乙", "丙"}[min(i%5, 2)], capital, int64(i), true, founded))
	}
	first := load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	groups := func(q *pubdata.RowQuery, g pubdata.RowGrouping) []pubdata.RowGroup {
		t.Helper()
		if q == nil {
			q = &pubdata.RowQuery{}
		}
		out, err := s.Rows.GroupRows(system, e, q, g)
		if err != nil {
			t.Fatalf("GroupRows(%+v): %v", g, err)
		}
		return out
	}
	show := func(gs []pubdata.RowGroup) string {
		out := ""
		for _, g := range gs {
			out += fmt.Sprintf("%s:%d/%d/%g ", g.Key, g.Rows, g.N, g.Sum)
		}
		return out
	}
	want := func(what string, gs []pubdata.RowGroup, w string) {
		t.Helper()
		if got := show(gs); got != w {
			t.Errorf("%s:\n got %s\nwant %s", what, got, w)
		}
	}
	// Day i%3: i = 0,3,…,27 (sum 135, 10 rows); 1,4,…,25 without 28 (9 rows, 117);
	// 2,5,…,29 (10 rows, 9 values: 155-29 = 126).
	byDay := pubdata.RowGrouping{Column: "founded", Prefix: pubdata.PrefixDay, Sum: "capital", Limit: 10}
	want("by day", groups(nil, byDay), "2020-01-02:10/9/126 2020-01-01:9/9/117 2019-12-31:10/10/135 ")
	byDay.Limit = 2
	want("the newest 2 days", groups(nil, byDay), "2020-01-02:10/9/126 2020-01-01:9/9/117 ")
	want("by month", groups(nil, pubdata.RowGrouping{Column: "founded", Prefix: pubdata.PrefixMonth, Sum: "staff", Limit: 10}),
		"2020-01:19/19/272 2019-12:10/10/135 ")
	want("by year, no sum", groups(nil, pubdata.RowGrouping{Column: "founded", Prefix: pubdata.PrefixYear, Limit: 10}),
		"2020:19/0/0 2019:10/0/0 ")
	// Names: i%5 = 0 甲 (6), 1 乙 (6), 2,3,4 丙 (18).
	byName := pubdata.RowGrouping{Column: "name", ByRows: true, Limit: 10}
	want("by name", groups(nil, byName), "丙:18/0/0 乙:6/0/0 甲:6/0/0 ")
	filtered := &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "staff", Op: pubdata.OpLt, Values: []any{int64(10)}}}}
	want("by name, staff < 10", groups(filtered, byName), "丙:6/0/0 乙:2/0/0 甲:2/0/0 ")

	// An upsert supersedes company 0 (甲 → 乙): the current rows count it once, as 乙;
	// as of the first batch it is still 甲.
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, "91350100MA2XX00000", "乙", 0.0, int64(0), true, "2019-12-31"))
	want("by name after the upsert", groups(nil, byName), "丙:18/0/0 乙:7/0/0 甲:5/0/0 ")
	want("by name as of the first batch", groups(&pubdata.RowQuery{AsOf: first.ID}, byName), "丙:18/0/0 乙:6/0/0 甲:6/0/0 ")

	// Columns that cannot be grouped or summed, and bounds.
	for _, g := range []pubdata.RowGrouping{
		{Column: "nothing", Limit: 5},
		{Column: "capital", Limit: 5},                                 // a number is not grouped
		{Column: "name", Prefix: pubdata.PrefixDay, Limit: 5},         // a prefix of text
		{Column: "founded", Prefix: 8, Limit: 5},                      // not a prefix of a date's parts
		{Column: "founded", Sum: "name", Limit: 5},                    // text is not summed
		{Column: "founded", Limit: 0},                                 // no bound
		{Column: "founded", Limit: pubdata.MaxGroups + 1},             // beyond the bound
		{Column: `name" FROM x; --`, Limit: 5},                        // not a column
		{Column: "founded", Sum: `capital") FROM x; --`, Limit: 5},    // not a column
		{Column: "founded", Prefix: pubdata.PrefixDay, Sum: "active"}, // a boolean, and no bound
	} {
		if _, err := s.Rows.GroupRows(system, e, &pubdata.RowQuery{}, g); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Errorf("GroupRows(%+v) = %v, want EINVALID", g, err)
		}
	}

	// A frozen row is not counted (an objection to company 1, 乙).
	if s.Objections == nil {
		return
	}
	citizen := actorCtx(t, s, "citizen", "", "")
	if _, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": "91350100MA2XX00001"}, Reason: pubdata.ObjectionError, Detail: "名称有误"}, true); err != nil {
		t.Fatal(err)
	}
	want("by name with a frozen row", groups(nil, byName), "丙:18/0/0 乙:6/0/0 甲:5/0/0 ")
}

// testAggregateGrid: rows with coordinates counted in a grid over their extent; rows without
// coordinates or outside the earth's ranges left out; a filter applies; one point is one cell.
func testAggregateGrid(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	f := fields("公交站点信息", "公交站点的位置", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.Items = []pubdata.Item{
		{Name: "stop_id", Title: "站点编号", Type: "string", Length: 20, Key: true},
		{Name: "name", Title: "站点名称", Type: "string"},
		{Name: "longitude", Title: "经度", Type: "number"},
		{Name: "latitude", Title: "纬度", Type: "number"},
	}
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	e, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Four corners of the box 119…120 E, 26…27 N (two stops near the south-west one), the
	// centre, one without a latitude and one beyond the earth's ranges.
	load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, "s1", "西南", 119.0, 26.0),
		row(3, "s2", "西南二", 119.1, 26.1),
		row(4, "s3", "东北", 120.0, 27.0),
		row(5, "s4", "东南", 120.0, 26.0),
		row(6, "s5", "西北", 119.0, 27.0),
		row(7, "s6", "中心", 119.55, 26.55),
		row(8, "s7", "无纬度", 119.5, nil),
		row(9, "s8", "越界", 200.0, 26.5))
	g, err := s.Rows.GridRows(system, e, &pubdata.RowQuery{}, pubdata.RowGrid{X: "longitude", Y: "latitude", Cols: 2, Rows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if g.Points != 6 || g.West != 119 || g.South != 26 || g.East != 120 || g.North != 27 || g.Cols != 2 || g.Rows != 2 || g.CellW != 0.5 || g.CellH != 0.5 {
		t.Fatalf("grid %+v", g)
	}
	got := ""
	for _, c := range g.Cells {
		got += fmt.Sprintf("%d,%d:%d@%.2f,%.2f ", c.Col, c.Row, c.Points, c.X, c.Y)
	}
	// Cells from the south-west, row by row; the edges go to the last cell.
	if w := "0,0:2@119.05,26.05 1,0:1@120.00,26.00 0,1:1@119.00,27.00 1,1:2@119.78,26.77 "; got != w {
		t.Errorf("cells\n got %s\nwant %s", got, w)
	}
	sum := int64(0)
	for _, c := range g.Cells {
		sum += c.Points
		if col, rw := g.Cell(c.X, c.Y); col != c.Col || rw != c.Row {
			t.Errorf("cell %+v: its mean position is in cell %d,%d", c, col, rw)
		}
	}
	if sum != g.Points {
		t.Errorf("cells hold %d points of %d", sum, g.Points)
	}
	// A filter: the stops whose name starts with 西南 are one cell around their mean.
	q := &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "name", Op: pubdata.OpPrefix, Values: []any{"西南"}}}}
	g, err = s.Rows.GridRows(system, e, q, pubdata.RowGrid{X: "longitude", Y: "latitude", Cols: 8, Rows: 8})
	if err != nil || g.Points != 2 || len(g.Cells) != 2 || math.Abs(g.East-119.1) > 1e-9 {
		t.Fatalf("filtered grid %+v, %v", g, err)
	}
	q.Filters[0].Values = []any{"中心"}
	g, err = s.Rows.GridRows(system, e, q, pubdata.RowGrid{X: "longitude", Y: "latitude", Cols: 8, Rows: 8})
	if err != nil || g.Points != 1 || len(g.Cells) != 1 || g.Cells[0].Col != 0 || g.Cells[0].Row != 0 || g.Cells[0].X != 119.55 {
		t.Fatalf("one point %+v, %v", g, err)
	}
	q.Filters[0].Values = []any{"无"}
	if g, err = s.Rows.GridRows(system, e, q, pubdata.RowGrid{X: "longitude", Y: "latitude", Cols: 8, Rows: 8}); err != nil || g.Points != 0 || len(g.Cells) != 0 {
		t.Fatalf("no point %+v, %v", g, err)
	}
	for _, rg := range []pubdata.RowGrid{
		{X: "name", Y: "latitude", Cols: 4, Rows: 4},
		{X: "longitude", Y: "nothing", Cols: 4, Rows: 4},
		{X: "longitude", Y: "latitude", Cols: 0, Rows: 4},
		{X: "longitude", Y: "latitude", Cols: 100, Rows: 100},
	} {
		if _, err := s.Rows.GridRows(system, e, &pubdata.RowQuery{}, rg); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Errorf("GridRows(%+v) = %v, want EINVALID", rg, err)
		}
	}
}

// testAggregateCountLimit: a bounded count stops past its limit, filtered or not.
func testAggregateCountLimit(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	var list []*pubdata.SourceRow
	for i := range 12 {
		list = append(list, row(int64(i+2), fmt.Sprintf("91350100MA2XX%05d", i), "公司", float64(i), int64(i%2), true, "2020-01-01"))
	}
	load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	odd := []pubdata.RowFilter{{Column: "staff", Op: pubdata.OpEq, Values: []any{int64(1)}}}
	for _, c := range []struct {
		q    pubdata.RowQuery
		want int64
	}{
		{pubdata.RowQuery{}, 12},
		{pubdata.RowQuery{CountLimit: 100}, 12},
		{pubdata.RowQuery{CountLimit: 12}, 12},
		{pubdata.RowQuery{CountLimit: 5}, 6},
		{pubdata.RowQuery{Filters: odd}, 6},
		{pubdata.RowQuery{Filters: odd, CountLimit: 6}, 6},
		{pubdata.RowQuery{Filters: odd, CountLimit: 3}, 4},
		{pubdata.RowQuery{Q: "公司", CountLimit: 10}, 11},
	} {
		if n, err := s.Rows.CountRows(system, e, &c.q); err != nil || n != c.want {
			t.Errorf("CountRows(%+v) = %d, %v; want %d", c.q, n, err, c.want)
		}
	}
}
