package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// Encryption at rest (issue 15 item 2): the values of grade-3 and personal items are stored
// encrypted with blind indexes beside them; every read, key rule, lookup and freeze works
// as on clear columns, and what cannot run on an encrypted column is refused.

const (
	idA = "11010519491231002X"
	idB = "350102199003071234"
	idC = "350102198512250017"
)

var encryptionTests = []namedTest{
	{"EncryptedData", testEncryptedData},
	{"EncryptExisting", testEncryptExisting},
	{"EncryptedAtRest", testEncryptedAtRest},
}

func personFields() *pubdata.EntryFields {
	f := fields("低保对象名册", "全市低保对象", pubdata.ClassConditional, pubdata.ClassNone)
	f.Items = []pubdata.Item{
		{Name: "sfzh", Title: "公民身份号码", Type: "string", Key: true, Element: "resident_id", Grade: 3, Personal: true},
		{Name: "xm", Title: "姓名", Type: "string", Personal: true},
		{Name: "income", Title: "月收入", Type: "integer", Grade: 3},
		{Name: "district", Title: "所在区", Type: "string", Grade: 1},
		{Name: "since", Title: "纳入日期", Type: "date", Grade: 2},
	}
	return f
}

// personRows returns the current rows by _id, every column, as text.
func personRows(t *testing.T, s *Store, e *pubdata.Entry, q *pubdata.RowQuery) []string {
	t.Helper()
	if q == nil {
		q = &pubdata.RowQuery{}
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
		t.Fatalf("QueryRows(%+v): %v", q, err)
	}
	return out
}

func testEncryptedData(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personFields())
	e, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	b1 := load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, idA, "张三", int64(1200), "鼓楼区", "2020-01-02"),
		row(3, idB, "李四", int64(800), "台江区", nil),
		row(4, idC, nil, nil, "鼓楼区", "2021-05-06"))
	if b1.Status != pubdata.BatchDone || b1.RowsLoaded != 3 {
		t.Fatalf("load: %+v", b1)
	}
	wantRows(t, personRows(t, s, e, nil),
		idA+"|张三|1200|鼓楼区|2020-01-02",
		idB+"|李四|800|台江区|<nil>",
		idC+"|<nil>|<nil>|鼓楼区|2021-05-06")

	// Key lookups and equality filters on encrypted columns, typed values included.
	eq := func(col string, op string, vals ...any) *pubdata.RowQuery {
		return &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: col, Op: op, Values: vals}}}
	}
	wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpEq, idB)), idB+"|李四|800|台江区|<nil>")
	wantRows(t, personRows(t, s, e, eq("income", pubdata.OpEq, int64(1200))), idA+"|张三|1200|鼓楼区|2020-01-02")
	wantRows(t, personRows(t, s, e, eq("xm", pubdata.OpIn, "张三", "李四", "王五")),
		idA+"|张三|1200|鼓楼区|2020-01-02", idB+"|李四|800|台江区|<nil>")
	wantRows(t, personRows(t, s, e, eq("xm", pubdata.OpNe, "张三")), idB+"|李四|800|台江区|<nil>")
	wantRows(t, personRows(t, s, e, eq("xm", pubdata.OpNull, true)), idC+"|<nil>|<nil>|鼓楼区|2021-05-06")
	if n, err := s.Rows.CountRows(system, e, eq("sfzh", pubdata.OpEq, idC)); err != nil || n != 1 {
		t.Fatalf("count by key = %d, %v", n, err)
	}
	wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpEq, "110105194912310021")))
	// Clear columns keep every operator; full text searches them only.
	wantRows(t, personRows(t, s, e, eq("since", pubdata.OpGt, "2020-06-01")), idC+"|<nil>|<nil>|鼓楼区|2021-05-06")
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Q: "台江"}), idB+"|李四|800|台江区|<nil>")
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Q: "张三"}))
	// Orders, ranges and patterns need the values: the selected rows are decrypted (a
	// bounded number) and filtered and sorted in Go, NULLs last, paged by cursor.
	wantRows(t, personRows(t, s, e, eq("income", pubdata.OpGt, int64(1000))), idA+"|张三|1200|鼓楼区|2020-01-02")
	wantRows(t, personRows(t, s, e, eq("income", pubdata.OpLte, int64(800))), idB+"|李四|800|台江区|<nil>")
	wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpPrefix, "1101")), idA+"|张三|1200|鼓楼区|2020-01-02")
	wantRows(t, personRows(t, s, e, eq("xm", pubdata.OpContains, "四")), idB+"|李四|800|台江区|<nil>")
	if n, err := s.Rows.CountRows(system, e, eq("income", pubdata.OpGte, int64(800))); err != nil || n != 2 {
		t.Fatalf("count of a range on an encrypted column = %d, %v", n, err)
	}
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "sfzh"}}}),
		idA+"|张三|1200|鼓楼区|2020-01-02", idC+"|<nil>|<nil>|鼓楼区|2021-05-06", idB+"|李四|800|台江区|<nil>")
	var paged []string
	q := &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "xm", Desc: true}}, Limit: 2, Fields: []string{"xm", "district"}}
	for range 3 {
		_, next, err := s.Rows.QueryRows(system, e, q, func(v []any) error { paged = append(paged, fmt.Sprintf("%v %v", v[0], v[1])); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if got := strings.Join(paged, ","); got != "李四 台江区,张三 鼓楼区,<nil> 鼓楼区" { // 李 U+674E after 张 U+5F20; NULL last
		t.Fatalf("sorted pages by an encrypted column: %q", got)
	}
	// What needs the database to group the values is refused, by name.
	for _, q := range []*pubdata.RowQuery{
		{Fields: []string{"xm"}, Distinct: true, Sort: []pubdata.SortKey{{Column: "xm"}}},
		{Fields: []string{"xm"}, Distinct: true, Filters: []pubdata.RowFilter{{Column: "xm", Op: pubdata.OpContains, Values: []any{"张"}}}},
	} {
		_, _, err := s.Rows.QueryRows(system, e, q, func([]any) error { return nil })
		wantCode(t, err, pubdata.EINVALID)
		if m := pubdata.MessageOf(err); m == nil || m.Key != "error.rows.encrypted" {
			t.Errorf("refusal of %+v: %v", q, err)
		}
	}
	// Distinct values of an encrypted column come back in clear.
	var districts []string
	_, _, err = s.Rows.QueryRows(system, e, &pubdata.RowQuery{Fields: []string{"xm"}, Distinct: true}, func(v []any) error {
		districts = append(districts, fmt.Sprint(v[0]))
		return nil
	})
	if err != nil || len(districts) != 3 || !strings.Contains(strings.Join(districts, ","), "张三") {
		t.Fatalf("distinct = %v, %v", districts, err)
	}

	// Key rules on the blind index: a key twice, an existing key, a delete of an unknown
	// key; the reports name the keys in clear.
	b2, _, err := s.Data.CreateBatch(editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip})
	if err != nil {
		t.Fatal(err)
	}
	b2, err = s.Data.RunBatch(editor, e, b2.ID, &rows{list: []*pubdata.SourceRow{
		row(2, idA, "张三", int64(1), "鼓楼区", nil),
		row(3, "350102200001010011", "赵六", int64(2), "晋安区", nil),
		row(4, "350102200001010011", "赵六", int64(3), "晋安区", nil),
	}}, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip})
	if err != nil || b2.Status != pubdata.BatchDone || b2.RowsLoaded != 1 || b2.RowsRejected != 2 {
		t.Fatalf("key rules: %+v %v", b2, err)
	}
	b2, _ = s.Data.FindBatchByID(system, b2.ID)
	var reported []string
	for _, re := range b2.Errors {
		reported = append(reported, fmt.Sprintf("%d:%s:%s", re.Row, re.Code, re.Value))
	}
	if got := strings.Join(reported, " "); got != "2:"+pubdata.RuleExists+":"+idA+" 4:"+pubdata.RuleUnique+":350102200001010011" {
		t.Fatalf("reports %q", got)
	}

	// Upsert and delete by an encrypted key; as-of reads and rollback decrypt history.
	b3 := load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert},
		row(2, idB, "李四", int64(900), "台江区", nil),
		&pubdata.SourceRow{Num: 3, Delete: true, Values: []any{idC}})
	if b3.Status != pubdata.BatchDone || b3.RowsSuperseded != 2 || b3.RowsLoaded != 1 {
		t.Fatalf("upsert: %+v", b3)
	}
	wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpEq, idB)), idB+"|李四|900|台江区|<nil>")
	wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpEq, idC)))
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{AsOf: b1.ID, Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{idC}}}}),
		idC+"|<nil>|<nil>|鼓楼区|2021-05-06")
	if _, err := s.Data.RollbackBatch(editor, e, b3.ID, "错误更新"); err != nil {
		t.Fatal(err)
	}
	wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpIn, idB, idC)),
		idB+"|李四|800|台江区|<nil>", idC+"|<nil>|<nil>|鼓楼区|2021-05-06")

	// An objection freezes the rows of its encrypted key.
	if s.Objections != nil {
		citizen := actorCtx(t, s, "citizen", "", "")
		o, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"sfzh": idA}, Reason: pubdata.ObjectionPrivacy, Detail: "涉及个人信息"}, false)
		if err != nil || o.Rows != 1 {
			t.Fatalf("objection: %+v %v", o, err)
		}
		wantRows(t, personRows(t, s, e, eq("sfzh", pubdata.OpEq, idA)))
		if st, err := s.Data.TableStats(system, e.ID); err != nil || st.Frozen != 1 {
			t.Fatalf("stats %+v %v", st, err)
		}
	}
}

// testEncryptExisting: an item whose grade rises to 3 in a new version is encrypted in
// place, history included; its values read, filter and key as before.
func testEncryptExisting(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	f := personFields()
	f.Items[0].Grade, f.Items[0].Personal = 1, false // the key, in clear at first
	f.Items[1].Personal = false
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	e, _ = s.Entries.FindPublishedEntry(system, e.ID)
	b1 := load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, idA, "张三", int64(1200), "鼓楼区", "2020-01-02"),
		row(3, idB, "李四", int64(800), "台江区", nil))
	load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, idB, "李四", int64(850), "台江区", nil))
	// Sorting by the key works while it is clear.
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "sfzh", Desc: true}}}),
		idB+"|李四|850|台江区|<nil>", idA+"|张三|1200|鼓楼区|2020-01-02")

	f2 := personFields() // the key is now grade 3 and personal, the name personal
	if _, err := s.Entries.UpdateEntry(editor, e.ID, f2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	e, _ = s.Entries.FindPublishedEntry(system, e.ID)
	wantRows(t, personRows(t, s, e, nil), idA+"|张三|1200|鼓楼区|2020-01-02", idB+"|李四|850|台江区|<nil>")
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{idB}}}}), idB+"|李四|850|台江区|<nil>")
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{AsOf: b1.ID, Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{idB}}}}), idB+"|李四|800|台江区|<nil>")
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "sfzh", Desc: true}}}),
		idB+"|李四|850|台江区|<nil>", idA+"|张三|1200|鼓楼区|2020-01-02")
	// The key index still holds on the blind index: an existing key is refused in append.
	b, _, _ := s.Data.CreateBatch(editor, e, pubdata.LoadOptions{})
	b, err := s.Data.RunBatch(editor, e, b.ID, &rows{list: []*pubdata.SourceRow{row(2, idA, "张三", int64(1), "鼓楼区", nil)}}, pubdata.LoadOptions{})
	if err != nil || b.Status != pubdata.BatchFailed || len(b.Errors) != 1 || b.Errors[0].Value != idA {
		t.Fatalf("existing key after encryption: %+v %v", b, err)
	}
}

// testEncryptedAtRest (the acceptance): after loads, a rejected row, a quality run
// and an objection, the database's bytes at rest hold no ID number or name of an encrypted
// item — not in the table, the WAL, the batch report, the quality samples or the objection —
// while a grade-1 value is there in clear (the reading works), and lookups by the ID, the
// report, the samples and the objection show the values in clear.
func testEncryptedAtRest(t *testing.T, s *Store) {
	if s.Raw == nil {
		t.Fatal("the store gives no raw bytes (Store.Raw)")
	}
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personFields())
	e, _ = s.Entries.FindPublishedEntry(system, e.ID)
	const (
		rejected = "350102197001010099" // only in a rejected row: the batch report keeps it
		invalid  = "350102199913320000" // not a valid ID: the quality run's sample keeps it
	)
	secrets := []string{idA, idB, idC, rejected, invalid, "张三", "李四"}
	load(t, s, editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip},
		row(2, idA, "张三", int64(1200), "鼓楼区", "2020-01-02"),
		row(3, idB, "李四", int64(800), "台江区", nil),
		row(4, idC, nil, nil, "鼓楼区", "2021-05-06"),
		&pubdata.SourceRow{Num: 5, Errors: []pubdata.RowError{{Row: 5, Column: "sfzh", Code: pubdata.RuleMalformed, Message: "bad", Value: rejected, Sensitive: true}}},
		row(6, invalid, "王五", int64(10), "晋安区", nil))
	b := load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, idA, "张三", int64(1300), "鼓楼区", "2020-01-02"))
	if b.Status != pubdata.BatchDone {
		t.Fatalf("upsert %+v", b)
	}
	if s.Quality != nil {
		if _, err := s.Quality.SetQualityRules(editor, e, []pubdata.QualityRule{{Kind: pubdata.RuleStdElem, Column: "sfzh"}}); err != nil {
			t.Fatal(err)
		}
		run, err := s.Quality.RunQuality(system, e)
		if err != nil || len(run.Results) != 1 || run.Results[0].FailedRows != 1 || run.Results[0].Sample[0].Key["sfzh"] != invalid {
			t.Fatalf("quality run %+v %v", run, err)
		}
	}
	if s.Objections != nil {
		citizen := actorCtx(t, s, "citizen", "", "")
		if _, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"sfzh": idB}, Reason: pubdata.ObjectionPrivacy, Detail: "涉及个人信息"}, true); err != nil {
			t.Fatal(err)
		}
		list, _, _, err := s.Objections.FindObjections(system, pubdata.ObjectionFilter{Entry: e.ID})
		if err != nil || len(list) != 1 || list[0].Key["sfzh"] != idB {
			t.Fatalf("objections %+v %v", list, err)
		}
		// The same filer's same key again is a duplicate (compared in clear).
		_, err = s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"sfzh": idB}, Reason: pubdata.ObjectionPrivacy, Detail: "再次"}, true)
		wantCode(t, err, pubdata.ECONFLICT)
	}

	raw := s.Raw(t)
	for _, v := range secrets {
		if n := strings.Count(string(raw), v); n > 0 {
			t.Errorf("%s is in the database's bytes at rest %d times", v, n)
		}
	}
	if !strings.Contains(string(raw), "台江区") {
		t.Fatal("a grade-1 value is not in the raw bytes: the check reads nothing")
	}

	// Lookups by the ID work; the report shows the rejected value in clear.
	wantRows(t, personRows(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{idA}}}}), idA+"|张三|1300|鼓楼区|2020-01-02")
	batches, _, err := s.Data.FindBatches(system, e.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range batches {
		full, err := s.Data.FindBatchByID(system, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range full.Errors {
			found = found || re.Value == rejected
		}
	}
	if !found {
		t.Fatal("the rejected value is not in its batch's report")
	}
}

// PersonEntry publishes an entry with encrypted items (a grade-3 key of ID numbers, a
// personal name, a grade-3 amount) and loads three rows; for stores' own tests (schemas).
func PersonEntry(t *testing.T, s *Store) *pubdata.Entry {
	t.Helper()
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personFields())
	e, _ = s.Entries.FindPublishedEntry(system, e.ID)
	load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, idA, "张三", int64(1200), "鼓楼区", "2020-01-02"),
		row(3, idB, "李四", int64(800), "台江区", nil),
		row(4, idC, nil, nil, "鼓楼区", "2021-05-06"))
	return e
}

// PersonRows is the entry's current rows as text (PersonEntry's columns).
func PersonRows(t *testing.T, s *Store, e *pubdata.Entry, q *pubdata.RowQuery) []string {
	return personRows(t, s, e, q)
}
