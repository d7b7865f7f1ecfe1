package access

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// fakeTables is a raw reader over fixed rows: every query yields them all (no filtering),
// and counts the queries.
type fakeTables struct {
	rows    [][]any
	queries int
}

func (f *fakeTables) QueryRows(_ context.Context, _ *pubdata.Entry, q *pubdata.RowQuery, fn func([]any) error) ([]string, string, error) {
	f.queries++
	for _, r := range f.rows {
		if err := fn(slices.Clone(r)); err != nil {
			return nil, "", err
		}
	}
	return q.Fields, "", nil
}

func (f *fakeTables) CountRows(context.Context, *pubdata.Entry, *pubdata.RowQuery) (int64, error) {
	return int64(len(f.rows)), nil
}

func (f *fakeTables) GroupRows(context.Context, *pubdata.Entry, *pubdata.RowQuery, pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
	f.queries++
	return []pubdata.RowGroup{{Key: "甲", Rows: int64(len(f.rows))}}, nil
}

func (f *fakeTables) GridRows(context.Context, *pubdata.Entry, *pubdata.RowQuery, pubdata.RowGrid) (*pubdata.Grid, error) {
	f.queries++
	return &pubdata.Grid{}, nil
}

// fakeData records the reads and refusals; its other methods are not used by access.
type fakeData struct {
	pubdata.DataService
	reads, refusals []map[string]any
	purposes        []string
}

func (f *fakeData) TableStats(_ context.Context, id string) (*pubdata.TableStats, error) {
	return &pubdata.TableStats{Entry: id, Columns: []string{"id_no", "name", "grade4"}}, nil
}

func (f *fakeData) RecordRead(ctx context.Context, _ *pubdata.Entry, d map[string]any) error {
	f.reads = append(f.reads, d)
	f.purposes = append(f.purposes, pubdata.RequestFromContext(ctx).Purpose)
	return nil
}

func (f *fakeData) RecordRefusal(ctx context.Context, _ *pubdata.Entry, d map[string]any) error {
	f.refusals = append(f.refusals, d)
	f.purposes = append(f.purposes, pubdata.RequestFromContext(ctx).Purpose)
	return nil
}

type fakeGrants []*pubdata.Grant

func (g fakeGrants) LiveGrants(context.Context, *pubdata.Actor, string, time.Time) ([]*pubdata.Grant, error) {
	return g, nil
}

var testNow = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func testEntry() *pubdata.Entry {
	e := &pubdata.Entry{ID: "e1", Org: "fz-gaj"}
	e.Division, e.Format, e.ShareClass, e.OpenClass = "350100", pubdata.FormatTable, pubdata.ClassConditional, pubdata.ClassNone
	e.Items = []pubdata.Item{
		{Name: "id_no", Type: "string", Key: true, Element: "resident_id", Personal: true},
		{Name: "name", Type: "string"},
		{Name: "grade4", Type: "string", Grade: 4},
	}
	return e
}

func consumerCtx() context.Context {
	a := &pubdata.Actor{User: &pubdata.User{Username: "u"}, Org: &pubdata.Org{Code: "xm-scj", Kind: pubdata.KindPublicBody, Division: "350200"}}
	return pubdata.NewContextWithActor(context.Background(), a)
}

// TestReadRecordsAndCountsOnce: a read is recorded and counted once however many times its
// selection is run; values are masked; withheld columns are refused.
func TestReadRecordsAndCountsOnce(t *testing.T) {
	tables := &fakeTables{rows: [][]any{{"11010519491231002X", "甲", "秘"}}}
	data := &fakeData{}
	uses := 0
	g := &pubdata.Grant{ID: "g1", Kind: pubdata.KindShare, Entry: "e1", Consumer: "xm-scj", Purpose: "户籍核验", Expires: testNow.Add(time.Hour)}
	r := New(tables).With(Services{Data: data, Grants: fakeGrants{g}, CountUse: func(*pubdata.Entry, pubdata.UseKind) { uses++ }, Now: func() time.Time { return testNow }})
	ctx := consumerCtx()
	rd, err := r.Open(ctx, testEntry(), Purpose{})
	if err != nil || !rd.Allowed() {
		t.Fatalf("open: %+v, %v", rd.Decision(), err)
	}
	if _, err := rd.Select(ctx, &pubdata.RowQuery{Fields: []string{"grade4"}}, KindRows("json")); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Errorf("a withheld column: %v", err)
	}
	if _, err := rd.Select(ctx, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "id_no", Op: pubdata.OpEq, Values: []any{"x"}}}}, KindRows("json")); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Errorf("a filter on a masked column: %v", err)
	}
	sel, err := rd.Select(ctx, &pubdata.RowQuery{}, KindRows("csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sel.Columns, []string{"id_no", "name"}) {
		t.Errorf("columns %v", sel.Columns)
	}
	for range 3 {
		if _, err := sel.Each(ctx, func(v []any) error {
			if v[0] == "11010519491231002X" {
				t.Errorf("id_no in clear: %v", v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sel.Count(ctx); err != nil {
		t.Fatal(err)
	}
	if len(data.reads) != 1 || uses != 1 || data.purposes[0] != "户籍核验" || data.reads[0]["grant"] != "g1" {
		t.Errorf("records %v (purposes %v), uses %d", data.reads, data.purposes, uses)
	}
	// Another purpose: refused, and the refusal recorded with the purpose refused.
	rd, err = r.Open(ctx, testEntry(), Purpose{Text: "转交第三方"})
	if err != nil || rd.Allowed() || rd.Decision().Reason != pubdata.AccessWrongPurpose {
		t.Fatalf("third party: %+v, %v", rd.Decision(), err)
	}
	for range 2 {
		if _, err := rd.Select(ctx, &pubdata.RowQuery{}, KindRows("json")); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
			t.Errorf("third party select: %v", err)
		}
	}
	if len(data.refusals) != 1 || data.refusals[0]["reason"] != pubdata.AccessWrongPurpose || data.purposes[1] != "转交第三方" || tables.queries != 3 {
		t.Errorf("refusals %v purposes %v queries %d", data.refusals, data.purposes, tables.queries)
	}
}

func TestKeyFiltersNormalised(t *testing.T) {
	items := []pubdata.Item{{Name: "id_no", Type: "string", Key: true, Element: "resident_id"}, {Name: "seq", Type: "integer", Key: true}}
	fs, err := KeyFilters(items, " １１０１０５１９４９１２３１００２x ,7")
	if err != nil || len(fs) != 2 || fs[0].Values[0] != "11010519491231002X" || fs[1].Values[0] != int64(7) {
		t.Fatalf("KeyFilters = %+v, %v", fs, err)
	}
	key := NormalizeKey(items, map[string]string{"id_no": "11010519491231002x", "other": " x "})
	if key["id_no"] != "11010519491231002X" || key["other"] != " x " {
		t.Errorf("NormalizeKey = %v", key)
	}
}

// TestAggregatesOnlyInClear: a chart's groups and a map's grid are refused over a masked or
// withheld column, before the store is asked; over a clear column they are recorded once
// with the read.
func TestAggregatesOnlyInClear(t *testing.T) {
	tables := &fakeTables{rows: [][]any{{"11010519491231002X", "甲", "秘"}}}
	data := &fakeData{}
	g := &pubdata.Grant{ID: "g1", Kind: pubdata.KindShare, Entry: "e1", Consumer: "xm-scj", Purpose: "户籍核验", Expires: testNow.Add(time.Hour)}
	r := New(tables).With(Services{Data: data, Grants: fakeGrants{g}, Now: func() time.Time { return testNow }})
	ctx := consumerCtx()
	rd, err := r.Open(ctx, testEntry(), Purpose{})
	if err != nil || !rd.Allowed() {
		t.Fatalf("open: %+v, %v", rd.Decision(), err)
	}
	sel, err := rd.Select(ctx, &pubdata.RowQuery{}, KindChart)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"id_no", "grade4", "nothing"} {
		if _, err := sel.Groups(ctx, pubdata.RowGrouping{Column: col, ByRows: true, Limit: 5}); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
			t.Errorf("groups by %s: %v", col, err)
		}
		if _, err := sel.Groups(ctx, pubdata.RowGrouping{Column: "name", Sum: col, Limit: 5}); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
			t.Errorf("sum of %s: %v", col, err)
		}
		if _, err := sel.Grid(ctx, pubdata.RowGrid{X: col, Y: "name", Cols: 2, Rows: 2}); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
			t.Errorf("grid of %s: %v", col, err)
		}
	}
	if tables.queries != 0 || len(data.reads) != 0 {
		t.Fatalf("refused aggregates reached the store (%d) or were recorded (%v)", tables.queries, data.reads)
	}
	for range 2 {
		if gs, err := sel.Groups(ctx, pubdata.RowGrouping{Column: "name", ByRows: true, Limit: 5}); err != nil || len(gs) != 1 {
			t.Fatalf("groups by name: %v, %v", gs, err)
		}
	}
	if len(data.reads) != 1 || data.reads[0]["path"] != "chart" {
		t.Errorf("records %v", data.reads)
	}
}
