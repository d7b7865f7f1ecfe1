package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var dataTests = []namedTest{
	{"DataTable", testDataTable},
	{"DataAppend", testDataAppend},
	{"DataAllOrNothing", testDataAllOrNothing},
	{"DataKeyRules", testDataKeyRules},
	{"DataUpsertAsOfRollback", testDataUpsertAsOfRollback},
	{"DataReplaceDelete", testDataReplaceDelete},
	{"DataIdempotencyRetry", testDataIdempotencyRetry},
	{"DataQuery", testDataQuery},
	{"DataPurge", testDataPurge},
	{"DataStaleBatches", testDataStaleBatches},
	{"DataRewindableSource", testDataRewindableSource},
}

// rows is a RowSource over ready rows; failAt > 0 makes Next fail (as a broken upload
// would) before row failAt.
type rows struct {
	list   []*pubdata.SourceRow
	i      int
	failAt int
	rewind bool // implements pubdata.RowRewinder (a file on disk)
	passes int
}

func (r *rows) Rewindable() bool { return r.rewind }
func (r *rows) Rewind() error {
	if !r.rewind {
		return errors.New("not rewindable")
	}
	r.i = 0
	r.passes++
	return nil
}

func (r *rows) Next() (*pubdata.SourceRow, error) {
	if r.failAt > 0 && r.i+1 == r.failAt {
		return nil, errors.New("connection reset by peer")
	}
	if r.i >= len(r.list) {
		return nil, io.EOF
	}
	r.i++
	return r.list[r.i-1], nil
}
func (r *rows) Read() int64 { return int64(r.i) }
func (r *rows) Size() int64 { return int64(len(r.list)) }

// row makes a source row numbered n (the header is row 1) from values.
func row(n int64, vals ...any) *pubdata.SourceRow { return &pubdata.SourceRow{Num: n, Values: vals} }

func companyFields() *pubdata.EntryFields {
	f := fields("企业登记信息", "全市企业的登记信息", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.Items = []pubdata.Item{
		{Name: "uscc", Title: "统一社会信用代码", Type: "string", Length: 18, Key: true, Element: "uscc"},
		{Name: "name", Title: "企业名称", Type: "string"},
		{Name: "capital", Title: "注册资本", Type: "number"},
		{Name: "staff", Title: "从业人数", Type: "integer"},
		{Name: "active", Title: "存续", Type: "boolean"},
		{Name: "founded", Title: "成立日期", Type: "date"},
	}
	return f
}

// dataSetup publishes the company table entry; returns the editor's context and the entry.
func dataSetup(t *testing.T, s *Store) (context.Context, context.Context, *pubdata.Entry) {
	t.Helper()
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return editor, reviewer, p
}

// load creates and runs a batch.
func load(t *testing.T, s *Store, ctx context.Context, e *pubdata.Entry, opt pubdata.LoadOptions, list ...*pubdata.SourceRow) *pubdata.Batch {
	t.Helper()
	b, created, err := s.Data.CreateBatch(ctx, e, opt)
	if err != nil || !created {
		t.Fatalf("CreateBatch = %v, %v, %v", b, created, err)
	}
	b, err = s.Data.RunBatch(ctx, e, b.ID, &rows{list: list}, opt)
	if err != nil {
		t.Fatalf("RunBatch: %v", err)
	}
	return b
}

// current returns the table's rows (all columns, sorted by key) as text.
func current(t *testing.T, s *Store, e *pubdata.Entry, q *pubdata.RowQuery) []string {
	t.Helper()
	if q == nil {
		q = &pubdata.RowQuery{}
	}
	if len(q.Sort) == 0 {
		q.Sort = []pubdata.SortKey{{Column: "uscc"}}
	}
	var out []string
	_, _, err := s.Rows.QueryRows(system, e, q, func(v []any) error {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		out = append(out, strings.Join(parts, "|"))
		return nil
	})
	if err != nil {
		t.Fatalf("QueryRows: %v", err)
	}
	return out
}

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows\n got %q\nwant %q", got, want)
	}
}

const (
	uA = "91350100MA2XXXXA01"
	uB = "91350100MA2XXXXB02"
	uC = "91350100MA2XXXXC03"
	uD = "91350100MA2XXXXD04"
)

func testDataTable(t *testing.T, s *Store) {
	editor, reviewer, e := dataSetup(t, s)
	st, err := s.Data.TableStats(system, e.ID)
	if err != nil || st.Rows != 0 || st.LastLoadedAt != nil || strings.Join(st.Columns, ",") != "uscc,name,capital,staff,active,founded" {
		t.Fatalf("TableStats = %+v, %v", st, err)
	}
	// A file entry has no table.
	f := companyFields()
	f.Format = pubdata.FormatFile
	fe := publish(t, s, editor, reviewer, "fz-scj", f)
	_, err = s.Data.TableStats(system, fe.ID)
	wantCode(t, err, pubdata.ENOTFOUND)
	_, _, err = s.Data.CreateBatch(editor, fe, pubdata.LoadOptions{})
	wantCode(t, err, pubdata.EINVALID)

	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", 100.5, int64(10), true, "2001-02-03"))
	// A new version adds an item: the table gains the column; old rows have NULL in it.
	f = companyFields()
	f.Items = append(f.Items, pubdata.Item{Name: "phone", Title: "联系电话", Type: "string"})
	if _, err := s.Entries.UpdateEntry(editor, e.ID, f); err != nil {
		t.Fatal(err)
	}
	s.Entries.SubmitEntry(editor, e.ID)
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	e2, _ := s.Entries.FindPublishedEntry(system, e.ID)
	st, _ = s.Data.TableStats(system, e.ID)
	if len(st.Columns) != 7 || st.Columns[6] != "phone" || st.Rows != 1 {
		t.Fatalf("after the new version: %+v", st)
	}
	wantRows(t, current(t, s, e2, nil), uA+"|甲公司|100.5|10|true|2001-02-03|<nil>")
	// A type change of an item the table holds rows of is refused at approval.
	f.Items[3].Type = "string"
	s.Entries.UpdateEntry(editor, e.ID, f)
	s.Entries.SubmitEntry(editor, e.ID)
	_, err = s.Entries.ReviewEntry(reviewer, e.ID, true, "")
	wantCode(t, err, pubdata.ECONFLICT)
}

func testDataAppend(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	var progress int
	b := load(t, s, editor, e, pubdata.LoadOptions{Format: "csv", FileName: "企业.csv", Progress: func(pubdata.Progress) { progress++ }},
		row(2, uA, "甲公司", 100.5, int64(10), true, "2001-02-03"),
		row(3, uB, "乙公司", nil, int64(0), false, nil),
	)
	if b.Status != pubdata.BatchDone || b.Seq != 1 || b.RowsIn != 2 || b.RowsLoaded != 2 || b.RowsRejected != 0 || b.Actor != "scj-editor" || b.Org != "fz-scj" || b.Attempts != 1 || b.FinishedAt == nil || b.FileName != "企业.csv" {
		t.Fatalf("batch %+v", b)
	}
	if progress == 0 {
		t.Fatal("no progress reported")
	}
	wantRows(t, current(t, s, e, nil), uA+"|甲公司|100.5|10|true|2001-02-03", uB+"|乙公司|<nil>|0|false|<nil>")
	st, _ := s.Data.TableStats(system, e.ID)
	if st.Rows != 2 || st.Batches != 1 || st.LastBatch != b.ID || st.LastLoadedAt == nil {
		t.Fatalf("stats %+v", st)
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.load"})
	if err != nil || len(evs) != 1 || evs[0].Object != "batch:"+b.ID || evs[0].Actor != "scj-editor" {
		t.Fatalf("audit %v %v", evs, err)
	}
	list, next, err := s.Data.FindBatches(system, e.ID, 10, "")
	if err != nil || len(list) != 1 || next != "" || list[0].ID != b.ID {
		t.Fatalf("FindBatches = %v %q %v", list, next, err)
	}
}

func testDataAllOrNothing(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", nil, nil, nil, nil))
	bad := &pubdata.SourceRow{Num: 4, Errors: []pubdata.RowError{{Row: 4, Column: "uscc", Code: pubdata.RuleElement, Message: "uscc: check character", Value: "9135**********X"}}}
	// Abort (the default): one bad row fails the batch; nothing is written; every bad row is reported.
	b := load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uB, "乙", nil, nil, nil, nil), row(3, uC, "丙", nil, nil, nil, nil), bad)
	if b.Status != pubdata.BatchFailed || b.RowsIn != 3 || b.RowsLoaded != 0 || b.RowsRejected != 1 || len(b.Errors) != 1 || b.Errors[0].Row != 4 || b.Message == "" || b.Seq != 0 {
		t.Fatalf("failed batch %+v", b)
	}
	wantRows(t, current(t, s, e, nil), uA+"|甲公司|<nil>|<nil>|<nil>|<nil>")
	// A source that breaks in the middle (an upload cut off, a killed client) leaves the table as it was.
	b0, _, _ := s.Data.CreateBatch(editor, e, pubdata.LoadOptions{})
	b, err := s.Data.RunBatch(editor, e, b0.ID, &rows{list: []*pubdata.SourceRow{row(2, uB, "乙", nil, nil, nil, nil), row(3, uC, "丙", nil, nil, nil, nil)}, failAt: 2}, pubdata.LoadOptions{})
	if err != nil || b.Status != pubdata.BatchFailed {
		t.Fatalf("broken source: %+v %v", b, err)
	}
	wantRows(t, current(t, s, e, nil), uA+"|甲公司|<nil>|<nil>|<nil>|<nil>")
	// Skip: the good rows load, the bad one is reported.
	b = load(t, s, editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, row(2, uB, "乙", nil, nil, nil, nil), bad)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 1 || b.RowsRejected != 1 || b.Errors[0].Value != "9135**********X" || b.Seq != 2 {
		t.Fatalf("skip batch %+v", b)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.load_failed"})
	if len(evs) != 2 {
		t.Fatalf("load_failed events: %d", len(evs))
	}
	st, _ := s.Data.TableStats(system, e.ID)
	if st.Rows != 2 || st.Batches != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func testDataKeyRules(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲", nil, nil, nil, nil))
	b := load(t, s, editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip},
		row(2, uB, "乙", nil, nil, nil, nil),
		row(3, uA, "甲again", nil, nil, nil, nil), // exists
		row(4, uB, "乙again", nil, nil, nil, nil), // twice in the batch
		row(5, uC, "丙", nil, nil, nil, nil),
	)
	if b.RowsLoaded != 2 || b.RowsRejected != 2 || len(b.Errors) != 2 {
		t.Fatalf("batch %+v", b)
	}
	// The key is kept as given, marked sensitive (a standard element): masked on display
	// for anyone but the provider's admins and editors.
	if e0 := b.Errors[0]; e0.Row != 3 || e0.Code != pubdata.RuleExists || e0.Column != "uscc" || e0.Value != uA || !e0.Sensitive {
		t.Fatalf("exists error %+v (the value kept as given, sensitive)", e0)
	}
	if e1 := b.Errors[1]; e1.Row != 4 || e1.Code != pubdata.RuleUnique || !strings.Contains(e1.Message, "row 2") {
		t.Fatalf("unique error %+v", e1)
	}
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: []string{"uscc", "name"}}), uA+"|甲", uB+"|乙", uC+"|丙")
	// Past the retention the value given is cleared, once, with an event; the row, the
	// column and the message stay.
	if n, err := s.Data.ClearRejectedValues(system, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("ClearRejectedValues before the batch = %d, %v", n, err)
	}
	if n, err := s.Data.ClearRejectedValues(system, time.Now().Add(time.Hour)); err != nil || n < 1 {
		t.Fatalf("ClearRejectedValues = %d, %v", n, err)
	}
	cleared, err := s.Data.FindBatchByID(system, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e0 := cleared.Errors[0]; e0.Value != "" || e0.Sensitive || e0.Row != 3 || e0.Column != "uscc" || e0.Code != pubdata.RuleExists {
		t.Fatalf("cleared error %+v", e0)
	}
	if n, err := s.Data.ClearRejectedValues(system, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("ClearRejectedValues again = %d, %v", n, err)
	}
	// In abort mode the same batch loads nothing.
	b = load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uD, "丁", nil, nil, nil, nil), row(3, uA, "x", nil, nil, nil, nil))
	if b.Status != pubdata.BatchFailed || b.RowsRejected != 1 {
		t.Fatalf("abort batch %+v", b)
	}
	if n, _ := s.Rows.CountRows(system, e, &pubdata.RowQuery{}); n != 3 {
		t.Fatalf("rows %d", n)
	}
	// Upsert needs a key: an entry without one refuses it.
	f := companyFields()
	f.Title = "无主键表"
	for i := range f.Items {
		f.Items[i].Key = false
	}
	editor2, reviewer := catalogueSetup2(t, s)
	nk := publish(t, s, editor2, reviewer, "fz-scj", f)
	_, _, err = s.Data.CreateBatch(editor, nk, pubdata.LoadOptions{Mode: pubdata.ModeUpsert})
	wantCode(t, err, pubdata.EINVALID)
	_, _, err = s.Data.CreateBatch(editor, e, pubdata.LoadOptions{Mode: "merge"})
	wantCode(t, err, pubdata.EINVALID)
}

// catalogueSetup2 returns an editor and reviewer of the province catalogueSetup made.
func catalogueSetup2(t *testing.T, s *Store) (context.Context, context.Context) {
	ed, _ := s.Users.FindUserByUsername(system, "scj-editor")
	rv, _ := s.Users.FindUserByUsername(system, "dsj-reviewer")
	scj, _ := s.Orgs.FindOrgByCode(system, "fz-scj")
	dsj, _ := s.Orgs.FindOrgByCode(system, "fj-dsj")
	return as(&pubdata.Actor{User: ed, Org: scj}, "r-ed2"), as(&pubdata.Actor{User: rv, Org: dsj}, "r-rv2")
}

func testDataUpsertAsOfRollback(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	b1 := load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲", nil, int64(1), nil, nil), row(3, uB, "乙", nil, int64(2), nil, nil))
	b2 := load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uB, "乙改", nil, int64(20), nil, nil), row(3, uC, "丙", nil, int64(3), nil, nil))
	if b2.Status != pubdata.BatchDone || b2.RowsLoaded != 2 || b2.RowsSuperseded != 1 || b2.Seq != 2 {
		t.Fatalf("upsert %+v", b2)
	}
	q := &pubdata.RowQuery{Fields: []string{"uscc", "name", "staff"}}
	after := []string{uA + "|甲|1", uB + "|乙改|20", uC + "|丙|3"}
	before := []string{uA + "|甲|1", uB + "|乙|2"}
	wantRows(t, current(t, s, e, q), after...)
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: q.Fields, AsOf: b1.ID}), before...)
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: q.Fields, AsOf: b2.ID}), after...)
	_, _, err := s.Rows.QueryRows(system, e, &pubdata.RowQuery{AsOf: "nope"}, func([]any) error { return nil })
	wantCode(t, err, pubdata.EINVALID)

	// Only the latest batch can be rolled back, with a reason.
	_, err = s.Data.RollbackBatch(editor, e, b1.ID, "wrong file")
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Data.RollbackBatch(editor, e, b2.ID, " ")
	wantCode(t, err, pubdata.EINVALID)
	rb, err := s.Data.RollbackBatch(editor, e, b2.ID, "乙的数据有误")
	if err != nil || rb.Source != pubdata.SourceRollback || rb.RollbackOf != b2.ID || rb.Seq != 3 || rb.Status != pubdata.BatchDone {
		t.Fatalf("rollback %+v %v", rb, err)
	}
	wantRows(t, current(t, s, e, q), before...)
	// History stays: as of b2 still shows what b2 wrote.
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: q.Fields, AsOf: b2.ID}), after...)
	got, _ := s.Data.FindBatchByID(system, b2.ID)
	if got.Status != pubdata.BatchRolledBack || got.RolledBackBy != rb.ID {
		t.Fatalf("rolled back batch %+v", got)
	}
	_, err = s.Data.RollbackBatch(editor, e, b2.ID, "again")
	wantCode(t, err, pubdata.ECONFLICT)
	if n, _ := s.Rows.CountRows(system, e, &pubdata.RowQuery{}); n != 2 {
		t.Fatalf("cached count %d", n)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.rollback"})
	if len(evs) != 1 || evs[0].Details["reason"] != "乙的数据有误" {
		t.Fatalf("rollback events %v", evs)
	}
}

func testDataReplaceDelete(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	b1 := load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲", nil, nil, nil, nil), row(3, uB, "乙", nil, nil, nil, nil))
	b := load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeReplace}, row(2, uC, "丙", nil, nil, nil, nil))
	if b.RowsLoaded != 1 || b.RowsSuperseded != 2 {
		t.Fatalf("replace %+v", b)
	}
	q := &pubdata.RowQuery{Fields: []string{"uscc", "name"}}
	wantRows(t, current(t, s, e, q), uC+"|丙")
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: q.Fields, AsOf: b1.ID}), uA+"|甲", uB+"|乙")
	// Delete by key (the push API's DELETE) supersedes the row; a missing key is a row error.
	del := &pubdata.SourceRow{Num: 1, Delete: true, Values: []any{uC}}
	b = load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert, Source: pubdata.SourcePush}, del)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 0 || b.RowsSuperseded != 1 || b.Source != pubdata.SourcePush {
		t.Fatalf("delete %+v", b)
	}
	wantRows(t, current(t, s, e, q))
	b = load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, &pubdata.SourceRow{Num: 1, Delete: true, Values: []any{uD}})
	if b.Status != pubdata.BatchFailed || b.Errors[0].Code != pubdata.RuleNotFound {
		t.Fatalf("delete of a missing key %+v", b)
	}
	if n, _ := s.Rows.CountRows(system, e, &pubdata.RowQuery{}); n != 0 {
		t.Fatalf("count %d", n)
	}
}

func testDataIdempotencyRetry(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	opt := pubdata.LoadOptions{IdempotencyKey: "push-0001", Mode: pubdata.ModeUpsert}
	b := load(t, s, editor, e, opt, row(1, uA, "甲", nil, nil, nil, nil))
	again, created, err := s.Data.CreateBatch(editor, e, opt)
	if err != nil || created || again.ID != b.ID || again.Status != pubdata.BatchDone {
		t.Fatalf("repeat = %+v %v %v", again, created, err)
	}
	_, err = s.Data.RunBatch(editor, e, b.ID, &rows{list: []*pubdata.SourceRow{row(1, uA, "甲", nil, nil, nil, nil)}}, opt)
	wantCode(t, err, pubdata.ECONFLICT)

	// A failed batch retried loads once.
	b0, _, _ := s.Data.CreateBatch(editor, e, pubdata.LoadOptions{})
	src := []*pubdata.SourceRow{row(2, uB, "乙", nil, nil, nil, nil), row(3, uC, "丙", nil, nil, nil, nil)}
	b, _ = s.Data.RunBatch(editor, e, b0.ID, &rows{list: src, failAt: 2}, pubdata.LoadOptions{})
	if b.Status != pubdata.BatchFailed {
		t.Fatalf("first attempt %+v", b)
	}
	b, err = s.Data.RunBatch(editor, e, b0.ID, &rows{list: src}, pubdata.LoadOptions{})
	if err != nil || b.Status != pubdata.BatchDone || b.Attempts != 2 || b.RowsLoaded != 2 || b.Message != "" {
		t.Fatalf("retry %+v %v", b, err)
	}
	if n, _ := s.Rows.CountRows(system, e, &pubdata.RowQuery{}); n != 3 {
		t.Fatalf("count %d", n)
	}
}

func testDataQuery(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	var list []*pubdata.SourceRow
	for i := range 25 {
		var capital any = float64(i) * 1.5
		if i%5 == 0 {
			capital = nil
		}
		name := fmt.Sprintf("公司%02d", i)
		if i == 7 {
			name = "闽数100%_科技"
		}
		list = append(list, row(int64(i+2), fmt.Sprintf("91350100MA2XX%05d", i), name, capital, int64(i%4), i%2 == 0, fmt.Sprintf("2020-01-%02d", i+1)))
	}
	load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	count := func(q *pubdata.RowQuery) int {
		t.Helper()
		n := 0
		_, _, err := s.Rows.QueryRows(system, e, q, func([]any) error { n++; return nil })
		if err != nil {
			t.Fatalf("QueryRows(%+v): %v", q, err)
		}
		c, err := s.Rows.CountRows(system, e, q)
		if err != nil || int(c) != n {
			t.Fatalf("CountRows(%+v) = %d, %v; QueryRows gave %d", q, c, err, n)
		}
		return n
	}
	f := func(col, op string, vals ...any) *pubdata.RowQuery {
		return &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: col, Op: op, Values: vals}}}
	}
	for _, c := range []struct {
		q    *pubdata.RowQuery
		want int
	}{
		{&pubdata.RowQuery{}, 25},
		{f("staff", pubdata.OpEq, int64(1)), 6},
		{f("staff", pubdata.OpNe, int64(1)), 19},
		{f("capital", pubdata.OpGt, 30.0), 4}, // 21, 22, 23, 24 × 1.5 > 30 (20 is NULL)
		{f("capital", pubdata.OpLte, 3.0), 2}, // 1.5, 3 (0 is NULL)
		{f("active", pubdata.OpEq, true), 13}, // even i
		{f("founded", pubdata.OpGte, "2020-01-20"), 6},
		{f("staff", pubdata.OpIn, int64(0), int64(3)), 13},
		{f("name", pubdata.OpContains, "100%_"), 1}, // wildcards are literal
		{f("name", pubdata.OpContains, "100%x"), 0},
		{f("name", pubdata.OpPrefix, "公司1"), 10},
		{f("capital", pubdata.OpNull, true), 5},
		{f("capital", pubdata.OpNull, false), 20},
		{&pubdata.RowQuery{Q: "闽数"}, 1},
		{&pubdata.RowQuery{Q: "MA2XX0001"}, 10},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%+v: %d rows, want %d", c.q.Filters, got, c.want)
		}
	}
	// Keyset pages in every sort give the same rows as one read, NULLs last.
	for _, sortKeys := range [][]pubdata.SortKey{nil, {{Column: "capital"}}, {{Column: "capital", Desc: true}}, {{Column: "staff"}, {Column: "name", Desc: true}}, {{Column: "active", Desc: true}, {Column: "capital"}}} {
		all := current(t, s, e, &pubdata.RowQuery{Sort: sortKeys, Fields: []string{"uscc", "capital"}})
		if len(sortKeys) == 1 && sortKeys[0].Column == "capital" && !strings.HasSuffix(all[24], "<nil>") {
			t.Fatalf("NULLs not last in %v: %v", sortKeys, all)
		}
		var paged []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			q := &pubdata.RowQuery{Sort: sortKeys, Fields: []string{"uscc", "capital"}, Limit: 4, Cursor: cursor}
			if len(q.Sort) == 0 {
				q.Sort = []pubdata.SortKey{{Column: "uscc"}}
			}
			_, next, err := s.Rows.QueryRows(system, e, q, func(v []any) error {
				paged = append(paged, fmt.Sprint(v[0])+"|"+fmt.Sprint(v[1]))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if !reflect.DeepEqual(all, paged) {
			t.Fatalf("sort %v: pages\n%v\nall\n%v", sortKeys, paged, all)
		}
	}
	// A cursor from another sort is refused.
	_, next, _ := s.Rows.QueryRows(system, e, &pubdata.RowQuery{Limit: 2}, func([]any) error { return nil })
	_, _, err := s.Rows.QueryRows(system, e, &pubdata.RowQuery{Limit: 2, Cursor: next, Sort: []pubdata.SortKey{{Column: "name"}}}, func([]any) error { return nil })
	wantCode(t, err, pubdata.EINVALID)
	_, _, err = s.Rows.QueryRows(system, e, &pubdata.RowQuery{Cursor: "!!"}, func([]any) error { return nil })
	wantCode(t, err, pubdata.EINVALID)
	// Offset (CKAN) and types.
	var got []any
	cols, _, err := s.Rows.QueryRows(system, e, &pubdata.RowQuery{Offset: 24, Limit: 5}, func(v []any) error { got = append([]any{}, v...); return nil })
	if err != nil || strings.Join(cols, ",") != "uscc,name,capital,staff,active,founded" {
		t.Fatalf("cols %v %v", cols, err)
	}
	if !reflect.DeepEqual(got, []any{"91350100MA2XX00024", "公司24", 36.0, int64(0), true, "2020-01-25"}) {
		t.Fatalf("typed values %#v", got)
	}
}

func testDataPurge(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	b1 := load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲", nil, nil, nil, nil))
	b2 := load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uA, "甲2", nil, nil, nil, nil))
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uA, "甲3", nil, nil, nil, nil))
	_, err := s.Data.PurgeHistory(system, e, b2.ID, "")
	wantCode(t, err, pubdata.EINVALID)
	n, err := s.Data.PurgeHistory(system, e, b2.ID, "依据《档案法》到期销毁")
	if err != nil || n != 1 { // the row b2 superseded (甲, written by b1); 甲2 was superseded by b3
		t.Fatalf("purge = %d, %v", n, err)
	}
	_, _, err = s.Rows.QueryRows(system, e, &pubdata.RowQuery{AsOf: b1.ID}, func([]any) error { return nil })
	wantCode(t, err, pubdata.ECONFLICT)
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: []string{"name"}, AsOf: b2.ID}), "甲2")
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: []string{"name"}}), "甲3")
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.purge"})
	if len(evs) != 1 {
		t.Fatalf("purge events %v", evs)
	}
}

func testDataStaleBatches(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	b, _, err := s.Data.CreateBatch(editor, e, pubdata.LoadOptions{})
	if err != nil || b.Status != pubdata.BatchRunning {
		t.Fatalf("created %+v %v", b, err)
	}
	// A batch another server runs (started: attempts > 0) is not run twice.
	if err := s.Exec(system, "UPDATE data_batches SET attempts = 1 WHERE id = ?", b.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Data.RunBatch(editor, e, b.ID, &rows{list: []*pubdata.SourceRow{row(2, uA, "甲", nil, nil, nil, nil)}}, pubdata.LoadOptions{})
	wantCode(t, err, pubdata.ECONFLICT)
	n, err := s.Data.FailStaleBatches(system, time.Now().Add(-time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("recent batch failed: %d %v", n, err)
	}
	n, err = s.Data.FailStaleBatches(system, time.Now().Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("FailStaleBatches = %d, %v", n, err)
	}
	b, _ = s.Data.FindBatchByID(system, b.ID)
	if b.Status != pubdata.BatchFailed || !strings.Contains(b.Message, "interrupted") {
		t.Fatalf("stale batch %+v", b)
	}
	// …and it can be retried.
	b, err = s.Data.RunBatch(editor, e, b.ID, &rows{list: []*pubdata.SourceRow{row(2, uA, "甲", nil, nil, nil, nil)}}, pubdata.LoadOptions{})
	if err != nil || b.Status != pubdata.BatchDone || b.Attempts != 2 {
		t.Fatalf("retry %+v %v", b, err)
	}
	if n, _ := s.Rows.CountRows(system, e, &pubdata.RowQuery{}); n != 1 {
		t.Fatalf("rows %d", n)
	}
}

// testDataRewindableSource: a source that can be read again (a file) may take a store's
// fast path; the outcome is the same as on the exact path, whether or not the batch has key
// conflicts, and in every mode.
func testDataRewindableSource(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	run := func(opt pubdata.LoadOptions, list ...*pubdata.SourceRow) *pubdata.Batch {
		t.Helper()
		b, _, err := s.Data.CreateBatch(editor, e, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, err = s.Data.RunBatch(editor, e, b.ID, &rows{list: list, rewind: true}, opt)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := run(pubdata.LoadOptions{}, row(2, uA, "甲", 1.5, int64(1), true, "2020-01-02"), row(3, uB, "乙", nil, nil, nil, nil))
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 2 {
		t.Fatalf("clean append %+v", b)
	}
	b = run(pubdata.LoadOptions{OnError: pubdata.OnErrorSkip},
		row(2, uC, "丙", nil, nil, nil, nil),
		row(3, uA, "甲again", nil, nil, nil, nil), // exists
		row(4, uC, "丙again", nil, nil, nil, nil), // twice in the batch
		&pubdata.SourceRow{Num: 5, Errors: []pubdata.RowError{{Row: 5, Column: "uscc", Code: pubdata.RuleElement, Message: "bad"}}},
		row(6, uD, "丁", nil, nil, nil, nil),
	)
	if b.Status != pubdata.BatchDone || b.RowsIn != 5 || b.RowsLoaded != 2 || b.RowsRejected != 3 || len(b.Errors) != 3 {
		t.Fatalf("append with conflicts %+v", b)
	}
	for i, want := range []struct {
		row  int64
		code string
	}{{3, pubdata.RuleExists}, {4, pubdata.RuleUnique}, {5, pubdata.RuleElement}} {
		if b.Errors[i].Row != want.row || b.Errors[i].Code != want.code {
			t.Fatalf("error %d: %+v, want %+v", i, b.Errors[i], want)
		}
	}
	if !strings.Contains(b.Errors[1].Message, "row 2") {
		t.Fatalf("the repeat does not name the first row: %+v", b.Errors[1])
	}
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: []string{"uscc", "name"}}), uA+"|甲", uB+"|乙", uC+"|丙", uD+"|丁")
	// All or nothing with a conflict: nothing is written.
	b = run(pubdata.LoadOptions{}, row(2, "91350100MA2XXXXE05", "戊", nil, nil, nil, nil), row(3, uB, "乙again", nil, nil, nil, nil))
	if b.Status != pubdata.BatchFailed || b.RowsRejected != 1 || b.Errors[0].Code != pubdata.RuleExists {
		t.Fatalf("abort with a conflict %+v", b)
	}
	// Replace.
	b = run(pubdata.LoadOptions{Mode: pubdata.ModeReplace}, row(2, uA, "甲新", nil, nil, nil, nil))
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 1 || b.RowsSuperseded != 4 {
		t.Fatalf("replace %+v", b)
	}
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Fields: []string{"uscc", "name"}}), uA+"|甲新")
	if n, _ := s.Rows.CountRows(system, e, &pubdata.RowQuery{}); n != 1 {
		t.Fatalf("count %d", n)
	}
}
