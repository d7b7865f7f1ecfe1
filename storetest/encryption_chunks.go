package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

func init() {
	encryptionTests = append(encryptionTests,
		namedTest{"EncryptedKeyRulesLargeBatch", testEncryptedKeyRulesLargeBatch},
		namedTest{"EncryptedKeyFirstLoadRepeats", func(t *testing.T, s *Store) { encryptedKeyFirstLoad(t, s, false) }},
		namedTest{"EncryptedKeyFirstLoadFromFile", func(t *testing.T, s *Store) { encryptedKeyFirstLoad(t, s, true) }})
}

// testEncryptedKeyRulesLargeBatch: the key rules on an encrypted key in batches of hundreds
// of rows, where a store writes in chunks (SQLite: 64-row statements that stop at the row at
// fault): conflicts in the middle of a chunk, at its first row and between two chunks are
// reported row by row, the rows around them load, all or nothing writes nothing, and an
// upsert supersedes every key once.
func testEncryptedKeyRulesLargeBatch(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personFields())
	e, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := func(i int) string { return fmt.Sprintf("3501021990%08d", i) }
	person := func(num int64, key string, income int64) *pubdata.SourceRow {
		return row(num, key, "姓名"+key[10:], income, "鼓楼区", nil)
	}
	count := func() int64 {
		t.Helper()
		n, err := s.Rows.CountRows(system, e, &pubdata.RowQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	byKey := func(key string) []string {
		return personRows(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{key}}}, Fields: []string{"sfzh", "income"}})
	}

	var list []*pubdata.SourceRow
	for i := 1; i <= 150; i++ {
		list = append(list, person(int64(i+1), id(i), int64(i)))
	}
	if b := load(t, s, editor, e, pubdata.LoadOptions{}, list...); b.Status != pubdata.BatchDone || b.RowsLoaded != 150 {
		t.Fatalf("first batch %+v", b)
	}

	// 300 rows (file rows 2–301): row 12 has a key of the first batch, row 66 (the first of
	// the second chunk of 64) repeats row 5, row 132 repeats row 131 (the same chunk), row
	// 202 has a key of the first batch.
	list = list[:0]
	for j := range 300 {
		key := id(1000 + j)
		switch j {
		case 10:
			key = id(5)
		case 64:
			key = id(1003)
		case 130:
			key = id(1129)
		case 200:
			key = id(150)
		}
		list = append(list, person(int64(j+2), key, int64(j)))
	}
	b := load(t, s, editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, list...)
	if b.Status != pubdata.BatchDone || b.RowsIn != 300 || b.RowsLoaded != 296 || b.RowsRejected != 4 {
		t.Fatalf("batch with conflicts %+v", b)
	}
	b, err = s.Data.FindBatchByID(system, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, re := range b.Errors {
		got = append(got, fmt.Sprintf("%d:%s:%s", re.Row, re.Code, re.Value))
	}
	want := fmt.Sprintf("12:%s:%s 66:%s:%s 132:%s:%s 202:%s:%s", pubdata.RuleExists, id(5), pubdata.RuleUnique, id(1003),
		pubdata.RuleUnique, id(1129), pubdata.RuleExists, id(150))
	if strings.Join(got, " ") != want {
		t.Fatalf("reports\n got %q\nwant %q", strings.Join(got, " "), want)
	}
	if !strings.Contains(b.Errors[1].Message, "row 5") || !strings.Contains(b.Errors[2].Message, "row 131") {
		t.Fatalf("the repeats do not name their first rows: %+v", b.Errors)
	}
	if n := count(); n != 446 {
		t.Fatalf("%d current rows, want 446", n)
	}
	wantRows(t, byKey(id(5)), id(5)+"|5")
	wantRows(t, byKey(id(1003)), id(1003)+"|3")
	wantRows(t, byKey(id(1129)), id(1129)+"|129")
	wantRows(t, byKey(id(1131)), id(1131)+"|131")
	wantRows(t, byKey(id(1299)), id(1299)+"|299")

	// All or nothing: a conflict at the 151st of 200 rows writes nothing.
	list = list[:0]
	for j := range 200 {
		key := id(5000 + j)
		if j == 150 {
			key = id(7)
		}
		list = append(list, person(int64(j+2), key, 1))
	}
	b = load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	if b.Status != pubdata.BatchFailed || b.RowsRejected != 1 || b.RowsLoaded != 0 {
		t.Fatalf("all or nothing %+v", b)
	}
	if n := count(); n != 446 {
		t.Fatalf("%d current rows after a failed batch, want 446", n)
	}
	wantRows(t, byKey(id(5000)))

	// Upsert of keys 1–100 whose 81st row repeats the 3rd: 99 keys superseded once each.
	list = list[:0]
	for j := range 100 {
		key := id(1 + j)
		if j == 80 {
			key = id(3)
		}
		list = append(list, person(int64(j+2), key, int64(10000+j)))
	}
	b = load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert, OnError: pubdata.OnErrorSkip}, list...)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 99 || b.RowsSuperseded != 99 || b.RowsRejected != 1 {
		t.Fatalf("upsert %+v", b)
	}
	if n := count(); n != 446 {
		t.Fatalf("%d current rows after the upsert, want 446", n)
	}
	wantRows(t, byKey(id(3)), id(3)+"|10002")
	wantRows(t, byKey(id(81)), id(81)+"|81")
	wantRows(t, byKey(id(100)), id(100)+"|10099")
}

// encryptedKeyFirstLoad: the first load into an empty table and a replace (where the store
// builds the key index after the rows: SQLite, and PostgreSQL's COPY of a source that can be
// read again, file) report a key twice in the batch as any load does, keep the first row,
// write nothing in all-or-nothing mode, and look up a delete's key; after a clean first load
// or replace the index is there and checks the next batch.
func encryptedKeyFirstLoad(t *testing.T, s *Store, file bool) {
	editor, reviewer := catalogueSetup(t, s)
	load := func(t *testing.T, s *Store, ctx context.Context, e *pubdata.Entry, opt pubdata.LoadOptions, list ...*pubdata.SourceRow) *pubdata.Batch {
		t.Helper()
		b, _, err := s.Data.CreateBatch(ctx, e, opt)
		if err != nil {
			t.Fatal(err)
		}
		if b, err = s.Data.RunBatch(ctx, e, b.ID, &rows{list: list, rewind: file}, opt); err != nil {
			t.Fatalf("RunBatch: %v", err)
		}
		return b
	}
	id := func(i int) string { return fmt.Sprintf("3501021985%08d", i) }
	person := func(num int64, key string, income int64) *pubdata.SourceRow {
		return row(num, key, "姓名"+key[10:], income, "台江区", nil)
	}
	entry := func(title string) *pubdata.Entry {
		f := personFields()
		f.Title = title
		if file {
			f.Title += "（文件）"
		}
		e := publish(t, s, editor, reviewer, "fz-scj", f)
		e, err := s.Entries.FindPublishedEntry(system, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	reports := func(b *pubdata.Batch) string {
		t.Helper()
		b, err := s.Data.FindBatchByID(system, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, re := range b.Errors {
			first := ""
			if i := strings.Index(re.Message, "at row "); i >= 0 { // row.key.again names the first row
				first = "(" + strings.Trim(strings.Fields(re.Message[i+len("at row "):])[0], ".,;") + ")"
			}
			got = append(got, fmt.Sprintf("%d:%s:%s%s", re.Row, re.Code, re.Value, first))
		}
		return strings.Join(got, " ")
	}
	count := func(e *pubdata.Entry) int64 {
		t.Helper()
		n, err := s.Rows.CountRows(system, e, &pubdata.RowQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	byKey := func(e *pubdata.Entry, key string) []string {
		return personRows(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{key}}}, Fields: []string{"sfzh", "income"}})
	}

	// 200 rows into an empty table: row 72 repeats row 7, rows 152 and 160 repeat row 151.
	e := entry("低保对象名册（首次载入）")
	var list []*pubdata.SourceRow
	for j := range 200 {
		key := id(j)
		switch j {
		case 70:
			key = id(5)
		case 150, 158:
			key = id(149)
		}
		list = append(list, person(int64(j+2), key, int64(j)))
	}
	b := load(t, s, editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, list...)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 197 || b.RowsRejected != 3 {
		t.Fatalf("first load with repeats %+v", b)
	}
	want := fmt.Sprintf("72:%[1]s:%[2]s(7) 152:%[1]s:%[3]s(151) 160:%[1]s:%[3]s(151)", pubdata.RuleUnique, id(5), id(149))
	if got := reports(b); got != want {
		t.Fatalf("reports\n got %q\nwant %q", got, want)
	}
	if n := count(e); n != 197 {
		t.Fatalf("%d rows, want 197", n)
	}
	wantRows(t, byKey(e, id(5)), id(5)+"|5")
	wantRows(t, byKey(e, id(149)), id(149)+"|149")
	// The key index is there again: the same keys in the next batch exist.
	b = load(t, s, editor, e, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, person(2, id(5), 1), person(3, id(1000), 2))
	if b.RowsLoaded != 1 || reports(b) != "2:"+pubdata.RuleExists+":"+id(5) {
		t.Fatalf("append after the first load %+v: %s", b, reports(b))
	}

	// A replace with a repeat: every current row superseded, the first of the repeat kept.
	list = list[:0]
	for j := range 100 {
		key := id(j)
		if j == 90 {
			key = id(20)
		}
		list = append(list, person(int64(j+2), key, int64(100+j)))
	}
	b = load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeReplace, OnError: pubdata.OnErrorSkip}, list...)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 99 || b.RowsSuperseded != 198 || b.RowsRejected != 1 {
		t.Fatalf("replace with a repeat %+v", b)
	}
	if n := count(e); n != 99 {
		t.Fatalf("%d rows after the replace, want 99", n)
	}
	wantRows(t, byKey(e, id(20)), id(20)+"|120")
	wantRows(t, byKey(e, id(1000)))

	// All or nothing: a repeat in the first load writes nothing, and the table keeps its key.
	e2 := entry("低保对象名册（全部或无）")
	list = list[:0]
	for j := range 150 {
		key := id(j)
		if j == 100 {
			key = id(3)
		}
		list = append(list, person(int64(j+2), key, 1))
	}
	b = load(t, s, editor, e2, pubdata.LoadOptions{}, list...)
	if b.Status != pubdata.BatchFailed || b.RowsRejected != 1 || count(e2) != 0 {
		t.Fatalf("all or nothing %+v, %d rows", b, count(e2))
	}
	b = load(t, s, editor, e2, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, person(2, id(1), 1), person(3, id(1), 2))
	if b.RowsLoaded != 1 || reports(b) != fmt.Sprintf("3:%s:%s(2)", pubdata.RuleUnique, id(1)) {
		t.Fatalf("load after the failed one %+v: %s", b, reports(b))
	}

	// A delete in a first load: of a key the batch wrote before (a repeat), of a key
	// nobody has (not found); the rows after it load.
	e3 := entry("低保对象名册（删除）")
	list = list[:0]
	for j := range 100 {
		list = append(list, person(int64(j+2), id(j), 1))
	}
	list = append(list,
		&pubdata.SourceRow{Num: 102, Delete: true, Values: []any{id(50)}},
		&pubdata.SourceRow{Num: 103, Delete: true, Values: []any{id(5000)}},
		person(104, id(100), 1), person(105, id(60), 1))
	b = load(t, s, editor, e3, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, list...)
	want = fmt.Sprintf("102:%s:%s(52) 103:%s:%s 105:%s:%s(62)", pubdata.RuleUnique, id(50), pubdata.RuleNotFound, id(5000), pubdata.RuleUnique, id(60))
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 101 || reports(b) != want {
		t.Fatalf("first load with deletes %+v:\n got %s\nwant %s", b, reports(b), want)
	}
	if n := count(e3); n != 101 {
		t.Fatalf("%d rows, want 101", n)
	}

	// A clean first load and a clean replace: the index built after the rows checks the
	// next batch (a key that exists is refused, not stored twice).
	e4 := entry("低保对象名册（无重复）")
	list = list[:0]
	for j := range 100 {
		list = append(list, person(int64(j+2), id(j), int64(j)))
	}
	if b = load(t, s, editor, e4, pubdata.LoadOptions{}, list...); b.Status != pubdata.BatchDone || b.RowsLoaded != 100 {
		t.Fatalf("clean first load %+v", b)
	}
	b = load(t, s, editor, e4, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, person(2, id(5), 1), person(3, id(500), 2))
	if b.RowsLoaded != 1 || reports(b) != "2:"+pubdata.RuleExists+":"+id(5) || count(e4) != 101 {
		t.Fatalf("append after a clean first load %+v: %s, %d rows", b, reports(b), count(e4))
	}
	b = load(t, s, editor, e4, pubdata.LoadOptions{Mode: pubdata.ModeReplace}, list[:50]...)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 50 || b.RowsSuperseded != 101 || count(e4) != 50 {
		t.Fatalf("clean replace %+v, %d rows", b, count(e4))
	}
	b = load(t, s, editor, e4, pubdata.LoadOptions{OnError: pubdata.OnErrorSkip}, person(2, id(10), 1), person(3, id(60), 2))
	if b.RowsLoaded != 1 || reports(b) != "2:"+pubdata.RuleExists+":"+id(10) || count(e4) != 51 {
		t.Fatalf("append after a clean replace %+v: %s, %d rows", b, reports(b), count(e4))
	}
	wantRows(t, byKey(e4, id(10)), id(10)+"|10")
	wantRows(t, byKey(e4, id(60)), id(60)+"|2")
}
