package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

func init() {
	encryptionTests = append(encryptionTests, namedTest{"EncryptedKeyRulesLargeBatch", testEncryptedKeyRulesLargeBatch})
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
