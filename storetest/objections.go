package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

var objectionTests = []namedTest{
	{"ObjectionFreeze", testObjectionFreeze},
	{"ObjectionCompositeKey", testObjectionCompositeKey},
	{"ObjectionRules", testObjectionRules},
}

func objectionSetup(t *testing.T, s *Store) (editor, reviewer context.Context, e *pubdata.Entry) {
	t.Helper()
	if s.Objections == nil || s.Notifications == nil {
		t.Fatal("the store under test must provide its objection service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer, e = dataSetup(t, s)
	return
}

func countRows(t *testing.T, s *Store, e *pubdata.Entry, q *pubdata.RowQuery) int64 {
	t.Helper()
	n, err := s.Rows.CountRows(system, e, q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testObjectionFreeze: an objection freezes its key's rows at once on QueryRows and
// CountRows (current and as of a batch, filtered or not), other rows stay; TableStats counts
// them as frozen; the provider is notified with the due date; resolving as corrected after
// an upsert shows the corrected row and tells the filer; a rejection unfreezes too.
func testObjectionFreeze(t *testing.T, s *Store) {
	editor, _, e := objectionSetup(t, s)
	first := load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, uA, "甲公司", 100.5, int64(10), true, "2001-02-03"),
		row(3, uB, "乙公司", 20.0, int64(3), false, "2010-01-01"),
		row(4, uC, "丙公司", nil, nil, nil, nil))
	citizen := actorCtx(t, s, "citizen", "", "")
	due := time.Date(2026, 10, 13, 9, 30, 0, 0, time.UTC) // 5 working days after 09-30 (10-10 is a make-up Saturday)
	o, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": uB}, Reason: pubdata.ObjectionError, Detail: "注册资本有误"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != pubdata.ObjectionOpen || o.Rows != 1 || o.Filer != "citizen" || o.Provider != "fz-scj" || o.Key["uscc"] != uB || o.Due != "2026-10-13" || !o.DueAt.Equal(due) || !o.DueCovered || o.Overdue {
		t.Fatalf("filed %+v", o)
	}
	wantRows(t, current(t, s, e, nil),
		uA+"|甲公司|100.5|10|true|2001-02-03",
		uC+"|丙公司|<nil>|<nil>|<nil>|<nil>")
	if n := countRows(t, s, e, &pubdata.RowQuery{}); n != 2 {
		t.Fatalf("CountRows = %d, want 2", n)
	}
	if n := countRows(t, s, e, &pubdata.RowQuery{Q: "公司"}); n != 2 {
		t.Fatalf("CountRows(q) = %d, want 2", n)
	}
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "uscc", Op: pubdata.OpEq, Values: []any{uB}}}}))
	wantRows(t, current(t, s, e, &pubdata.RowQuery{AsOf: first.ID}),
		uA+"|甲公司|100.5|10|true|2001-02-03",
		uC+"|丙公司|<nil>|<nil>|<nil>|<nil>")
	if n := countRows(t, s, e, &pubdata.RowQuery{AsOf: first.ID}); n != 2 {
		t.Fatalf("CountRows(as of) = %d, want 2", n)
	}
	st, err := s.Data.TableStats(system, e.ID)
	if err != nil || st.Rows != 3 || st.Frozen != 1 {
		t.Fatalf("TableStats = %+v, %v; want 3 rows, 1 frozen", st, err)
	}
	// The provider's users are told, with the deadline.
	list, _ := notices(t, s, editor)
	if len(list) != 1 || list[0].Key != pubdata.NoticeObjectionNew || !strings.Contains(locale.Notice(locale.ZH, list[0].Key, list[0].Params), "2026-10-13") || strings.Contains(locale.Notice(locale.ZH, list[0].Key, list[0].Params), uB) {
		t.Fatalf("provider's notifications: %+v", list)
	}
	// Corrected needs a batch since the filing.
	_, err = s.Objections.ResolveObjection(editor, o.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionCorrected})
	wantCode(t, err, pubdata.ECONFLICT)
	// The corrected row is loaded: still frozen while the objection is open.
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uB, "乙公司", 200.0, int64(3), false, "2010-01-01"))
	if n := countRows(t, s, e, &pubdata.RowQuery{}); n != 2 {
		t.Fatalf("CountRows after the correction = %d, want 2", n)
	}
	got, err := s.Objections.ResolveObjection(editor, o.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionCorrected, Note: "已更正注册资本"})
	if err != nil || got.Status != pubdata.ObjectionCorrected || got.ResolvedBy != "scj-editor" || got.Batch == "" || got.ResolvedAt == nil {
		t.Fatalf("resolve = %+v, %v", got, err)
	}
	wantRows(t, current(t, s, e, nil),
		uA+"|甲公司|100.5|10|true|2001-02-03",
		uB+"|乙公司|200|3|false|2010-01-01",
		uC+"|丙公司|<nil>|<nil>|<nil>|<nil>")
	if n := countRows(t, s, e, &pubdata.RowQuery{}); n != 3 {
		t.Fatalf("CountRows after resolving = %d, want 3", n)
	}
	if st, _ := s.Data.TableStats(system, e.ID); st.Frozen != 0 {
		t.Fatalf("frozen after resolving = %d", st.Frozen)
	}
	mine, _ := notices(t, s, citizen)
	if len(mine) != 1 || mine[0].Key != pubdata.NoticeObjectionResolved || !strings.Contains(locale.Notice(locale.ZH, mine[0].Key, mine[0].Params), "已更正") || !strings.Contains(locale.Notice(locale.EN, mine[0].Key, mine[0].Params), "corrected") {
		t.Fatalf("filer's notifications: %+v", mine)
	}
	_, err = s.Objections.ResolveObjection(editor, o.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionRejected, Note: "x"})
	wantCode(t, err, pubdata.ECONFLICT)

	// A rejection needs reasons and unfreezes as well.
	o2, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": uA}, Reason: pubdata.ObjectionPrivacy, Detail: "涉及个人信息"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, e, &pubdata.RowQuery{}); n != 2 {
		t.Fatalf("CountRows = %d, want 2", n)
	}
	_, err = s.Objections.ResolveObjection(editor, o2.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionRejected})
	wantCode(t, err, pubdata.EINVALID)
	if _, err := s.Objections.ResolveObjection(editor, o2.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionRejected, Note: "企业登记信息依法公示"}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, e, &pubdata.RowQuery{}); n != 3 {
		t.Fatalf("CountRows after rejecting = %d, want 3", n)
	}
	// Lists: the filer's, the provider's, the authority's overdue ones.
	mineList, total, _, err := s.Objections.FindObjections(system, pubdata.ObjectionFilter{Filer: "citizen"})
	if err != nil || total != 2 || len(mineList) != 2 {
		t.Fatalf("filer's list = %d, %v", total, err)
	}
	o3, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": uC}, Reason: pubdata.ObjectionOmission, Detail: "缺少注册资本"}, true)
	if err != nil {
		t.Fatal(err)
	}
	over, _, _, _ := s.Objections.FindObjections(system, pubdata.ObjectionFilter{Division: "350000", Overdue: true, Now: due.Add(time.Hour)})
	if len(over) != 1 || over[0].ID != o3.ID {
		t.Fatalf("overdue = %+v", over)
	}
	over, _, _, _ = s.Objections.FindObjections(system, pubdata.ObjectionFilter{Division: "350000", Overdue: true, Now: due.Add(-time.Hour)})
	if len(over) != 0 {
		t.Fatalf("overdue before due = %+v", over)
	}
	s.SetNow(due.Add(time.Hour))
	if got, _ := s.Objections.FindObjectionByID(system, o3.ID); !got.Overdue {
		t.Fatalf("not overdue after due: %+v", got)
	}
}

// testObjectionCompositeKey: a key of several typed columns (integer, date, boolean)
// freezes only the row with all of them.
func testObjectionCompositeKey(t *testing.T, s *Store) {
	if s.Objections == nil {
		t.Fatal("the store under test must provide its objection service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer := catalogueSetup(t, s)
	f := fields("企业年报", "年报", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.Items = []pubdata.Item{
		{Name: "year", Title: "年度", Type: "integer", Key: true},
		{Name: "day", Title: "报送日", Type: "date", Key: true},
		{Name: "listed", Title: "上市", Type: "boolean", Key: true},
		{Name: "amount", Title: "金额", Type: "number"},
	}
	p := publish(t, s, editor, reviewer, "fz-scj", f)
	e, err := s.Entries.FindPublishedEntry(system, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, int64(2024), "2025-01-02", true, 1.5),
		row(3, int64(2024), "2025-01-02", false, 2.5),
		row(4, int64(2025), "2025-01-02", true, 3.5))
	citizen := actorCtx(t, s, "citizen", "", "")
	_, err = s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"year": "2024", "day": "2025/1/2", "listed": "是"}, Reason: pubdata.ObjectionError, Detail: "金额有误"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	_, _, err = s.Rows.QueryRows(system, e, &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "amount"}}}, func(v []any) error {
		got = append(got, pubdata.FormatItemValue(v[3]))
		return nil
	})
	if err != nil || strings.Join(got, ",") != "2.5,3.5" {
		t.Fatalf("rows = %v, %v", got, err)
	}
	if n := countRows(t, s, e, &pubdata.RowQuery{}); n != 2 {
		t.Fatalf("CountRows = %d", n)
	}
}

// testObjectionRules: who and what may be filed.
func testObjectionRules(t *testing.T, s *Store) {
	editor, _, e := objectionSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", 100.5, int64(10), true, "2001-02-03"))
	citizen := actorCtx(t, s, "citizen", "", "")
	c := func(key map[string]string) *pubdata.ObjectionCreate {
		return &pubdata.ObjectionCreate{Entry: e.ID, Key: key, Reason: pubdata.ObjectionError, Detail: "有误"}
	}
	// Anonymous: refused.
	_, err := s.Objections.FileObjection(system, e, c(map[string]string{"uscc": uA}), true)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	// Not exactly the key items.
	_, err = s.Objections.FileObjection(citizen, e, c(map[string]string{"uscc": uA, "name": "甲公司"}), true)
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Objections.FileObjection(citizen, e, c(map[string]string{}), true)
	wantCode(t, err, pubdata.EINVALID)
	// Bad reason, empty detail.
	bad := c(map[string]string{"uscc": uA})
	bad.Reason, bad.Detail = "dislike", " "
	_, err = s.Objections.FileObjection(citizen, e, bad, true)
	if f := pubdata.ErrorFields(err); f["reason"] == nil || f["detail"] == nil {
		t.Fatalf("fields = %v", err)
	}
	// A key no row has: refused when the filer may read the rows, accepted otherwise.
	_, err = s.Objections.FileObjection(citizen, e, c(map[string]string{"uscc": uD}), true)
	wantCode(t, err, pubdata.EINVALID)
	o, err := s.Objections.FileObjection(citizen, e, c(map[string]string{"uscc": uD}), false)
	if err != nil || o.Rows != 0 {
		t.Fatalf("blind filing = %+v, %v", o, err)
	}
	// The same filer, the same key, still open: conflict.
	_, err = s.Objections.FileObjection(citizen, e, c(map[string]string{"uscc": uD}), false)
	wantCode(t, err, pubdata.ECONFLICT)
	// A later load of a frozen key is frozen at once.
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uD, "丁公司", 1.0, int64(1), true, "2020-01-01"))
	wantRows(t, current(t, s, e, nil), uA+"|甲公司|100.5|10|true|2001-02-03")
	// An unknown outcome.
	_, err = s.Objections.ResolveObjection(editor, o.ID, &pubdata.ObjectionResolution{Outcome: "ignored"})
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Objections.FindObjectionByID(system, "nope")
	wantCode(t, err, pubdata.ENOTFOUND)
}
