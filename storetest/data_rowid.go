package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pubdata/pubdata"
)

func init() {
	dataTests = append(dataTests, namedTest{"DataRowIDDistinct", testDataRowIDDistinct})
}

// testDataRowIDDistinct: a row's number (pubdata.RowID, CKAN's _id) is positive, the same in
// every read and after loads that do not touch the row, new for a row a load writes; rows are
// filtered and sorted by it (with cursors); distinct rows come once each.
func testDataRowIDDistinct(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲", nil, int64(1), nil, nil), row(3, uB, "乙", nil, int64(2), nil, nil), row(4, uC, "甲", nil, int64(3), nil, nil))
	// ids reads uscc → row number.
	ids := func(q *pubdata.RowQuery) ([]string, map[string]int64) {
		t.Helper()
		q.WithRowID, q.Fields = true, []string{"uscc"}
		var order []string
		out := map[string]int64{}
		_, _, err := s.Rows.QueryRows(system, e, q, func(v []any) error {
			id, ok := v[0].(int64)
			if !ok || id <= 0 || len(v) != 2 {
				return fmt.Errorf("row %v: the number is not a positive int64 first", v)
			}
			out[v[1].(string)] = id
			order = append(order, v[1].(string))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return order, out
	}
	_, first := ids(&pubdata.RowQuery{})
	_, again := ids(&pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "name"}}})
	if len(first) != 3 || fmt.Sprint(first) != fmt.Sprint(again) || first[uA] == first[uB] || first[uB] == first[uC] {
		t.Fatalf("row numbers %v, then %v", first, again)
	}
	// An upsert of uB: uA and uC keep their numbers, uB's new row has a new, greater one.
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uB, "乙改", nil, int64(20), nil, nil))
	_, after := ids(&pubdata.RowQuery{})
	if after[uA] != first[uA] || after[uC] != first[uC] || after[uB] <= max(first[uA], first[uB], first[uC]) {
		t.Fatalf("after an upsert of %s: %v, before %v", uB, after, first)
	}
	// Filters and sort by the number.
	if order, _ := ids(&pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: pubdata.RowID, Op: pubdata.OpEq, Values: []any{first[uC]}}}}); !slices.Equal(order, []string{uC}) {
		t.Errorf("_id = uC's: %v", order)
	}
	if order, _ := ids(&pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: pubdata.RowID, Op: pubdata.OpIn, Values: []any{first[uA], first[uB], after[uB]}}}}); !slices.Equal(order, []string{uA, uB}) {
		t.Errorf("_id in (uA's, uB's old and new): %v", order)
	}
	desc := []pubdata.SortKey{{Column: pubdata.RowID, Desc: true}}
	if order, _ := ids(&pubdata.RowQuery{Sort: desc}); !slices.Equal(order, []string{uB, uC, uA}) {
		t.Errorf("sort _id desc: %v", order)
	}
	// Pages of one row by cursor in that order.
	var paged []string
	q := &pubdata.RowQuery{Sort: desc, Limit: 1}
	for range 4 {
		order, _ := ids(q)
		paged = append(paged, order...)
		_, next, err := s.Rows.QueryRows(system, e, q, func([]any) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if next == "" {
			break
		}
		q = &pubdata.RowQuery{Sort: desc, Limit: 1, Cursor: next}
	}
	if !slices.Equal(paged, []string{uB, uC, uA}) {
		t.Errorf("pages by _id desc: %v", paged)
	}
	if n, err := s.Rows.CountRows(system, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: pubdata.RowID, Op: pubdata.OpGt, Values: []any{first[uA]}}}}); err != nil || n != 2 {
		t.Errorf("count _id > uA's: %d %v", n, err)
	}

	// Distinct names: 甲 twice, 乙改 once.
	distinct := func(q *pubdata.RowQuery) ([]string, error) {
		var out []string
		_, next, err := s.Rows.QueryRows(system, e, q, func(v []any) error { out = append(out, fmt.Sprint(v...)); return nil })
		if next != "" {
			t.Errorf("distinct rows with a cursor")
		}
		return out, err
	}
	got, err := distinct(&pubdata.RowQuery{Fields: []string{"name"}, Distinct: true})
	if err != nil || len(got) != 2 || got[0] == got[1] || !slices.Contains(got, "甲") || !slices.Contains(got, "乙改") {
		t.Errorf("distinct names: %v %v", got, err)
	}
	desc1, err := distinct(&pubdata.RowQuery{Fields: []string{"name"}, Distinct: true, Sort: []pubdata.SortKey{{Column: "name", Desc: true}}, Limit: 1, Offset: 1})
	if err != nil || len(desc1) != 1 || desc1[0] != min(got[0], got[1]) {
		t.Errorf("distinct names desc, second: %v %v (of %v)", desc1, err, got)
	}
	_, err = distinct(&pubdata.RowQuery{Fields: []string{"name"}, Distinct: true, Sort: []pubdata.SortKey{{Column: "staff"}}})
	wantCode(t, err, pubdata.EINVALID)
	_, err = distinct(&pubdata.RowQuery{Fields: []string{"name"}, Distinct: true, WithRowID: true})
	wantCode(t, err, pubdata.EINVALID)
}
