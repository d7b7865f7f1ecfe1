package datafile

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

func TestJSON(t *testing.T) {
	data := `[
 {"uscc": "` + uscc1 + `", "名称": "甲", "legal_id": "` + id1 + `", "capital": 100.5, "staff": 12, "founded": "2001-02-03", "active": true, "updated": "2024-01-02 08:00:00"},
 {"USCC": "` + uscc2 + `", "staff": "1,000", "capital": null, "active": "否"},
 42,
 {"uscc": "` + uscc3 + `", "phone": "1", "staff": 1.5, "name": {"a": 1}, "active": 1, "legal_id": "11010519491231002x"},
 {"uscc": "` + uscc3 + `", "统一社会信用代码": "` + uscc3 + `", "staff": 12345678901234567890}
]`
	rows := readAll(t, open(t, JSON, []byte(data)))
	want := []*pubdata.SourceRow{
		{Num: 1, Values: []any{uscc1, "甲", id1, 100.5, int64(12), "2001-02-03", true, "2024-01-02T00:00:00Z"}},
		{Num: 2, Values: []any{uscc2, nil, nil, nil, int64(1000), nil, false, nil}},
	}
	rowsEqual(t, rows[:2], want)
	codes := func(r *pubdata.SourceRow) string {
		var s []string
		for _, e := range r.Errors {
			s = append(s, e.Column+":"+e.Code)
		}
		return strings.Join(s, " ")
	}
	for i, w := range []string{
		":malformed",
		"legal_id:element name:type phone:malformed staff:type", // "active": 1 is true
		"staff:type uscc:malformed",
	} {
		r := rows[2+i]
		if r.Num != int64(3+i) || r.Values != nil || codes(r) != w {
			t.Errorf("element %d: %d %v, want %s", 3+i, r.Num, r.Errors, w)
		}
	}
	if !strings.Contains(rows[2].Errors[0].Message, "Element 3 of the array is a number, not an object") {
		t.Errorf("message %q", rows[2].Errors[0].Message)
	}

	for _, c := range []struct{ data, want string }{
		{"", "empty"},
		{`{"uscc": "x"}`, "does not start with [. For one object a line, load it as ndjson"},
		{`[{"uscc": "` + uscc1 + `"}, {"uscc": `, "element 2"},
		{`[{"uscc": "` + uscc1 + `"} {}]`, "element 2 of the array (byte 32): expected comma"},
		{`[{"uscc": "` + uscc1 + `"}] []`, "goes on after its array ends"},
	} {
		s, err := openErr(JSON, c.data)
		if err == nil {
			for err == nil {
				_, err = s.Next()
			}
		}
		var pe *pubdata.Error
		if !errors.As(err, &pe) || pe.Code != pubdata.EINVALID || !strings.Contains(pe.Message, c.want) {
			t.Errorf("%q: %v, want EINVALID with %q", c.data, err, c.want)
		}
	}
	if rows := readAll(t, open(t, JSON, []byte(" [ ] "))); len(rows) != 0 {
		t.Errorf("empty array: %d rows", len(rows))
	}
}

func openErr(format Format, data string) (*Source, error) {
	return Open(strings.NewReader(data), format, items, Options{Now: testNow})
}

func TestNDJSON(t *testing.T) {
	data := "\xEF\xBB\xBF{\"uscc\": \"" + uscc1 + "\", \"staff\": 3}\n" +
		"\n" +
		"{\"uscc\": \"" + uscc2 + "\"\n" + // line 3: broken
		"[1]\r\n" + // line 4
		"{} {}\n" + // line 5
		"{\"name\": \"x\"}\n" + // line 6: key missing
		"{\"uscc\": \"" + uscc3 + "\"}" // line 7, no newline at the end
	rows := readAll(t, open(t, NDJSON, []byte(data)))
	var got []string
	for _, r := range rows {
		s := pubdata.FormatItemValue(r.Num)
		for _, e := range r.Errors {
			s += " " + e.Code
		}
		got = append(got, s)
	}
	want := "1|3 malformed|4 malformed|5 malformed|6 required|7"
	if strings.Join(got, "|") != want {
		t.Errorf("rows %s, want %s", strings.Join(got, "|"), want)
	}
	if rows[0].Values[4] != int64(3) || rows[5].Values[0] != uscc3 {
		t.Errorf("values %v %v", rows[0].Values, rows[5].Values)
	}
	if _, err := openErr(NDJSON, " \n\n"); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("empty: %v", err)
	}
}

// vectors is the shared validator test vectors file (see ident/vectors_test.go).
type vectors struct {
	ResidentID struct {
		Valid   []string          `json:"valid"`
		Invalid map[string]string `json:"invalid"`
	} `json:"resident_id"`
	USCC struct {
		Valid   []string          `json:"valid"`
		Invalid map[string]string `json:"invalid"`
	} `json:"uscc"`
	OrgCode struct {
		Valid []string `json:"valid"`
	} `json:"org_code"`
}

// loadVectors reads shared/data/validators/validator-test-vectors.json; it skips when the
// shared data is absent, except in CI, where it fails.
func loadVectors(t *testing.T) vectors {
	t.Helper()
	b, err := os.ReadFile("../../../shared/data/validators/validator-test-vectors.json")
	if errors.Is(err, os.ErrNotExist) {
		if testdb.InCI() {
			t.Fatalf("the shared test vectors are required in CI: %v", err)
		}
		t.Skip("shared test vectors not present")
	} else if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.ResidentID.Valid) == 0 || len(v.ResidentID.Invalid) == 0 || len(v.USCC.Valid) == 0 ||
		len(v.USCC.Invalid) == 0 || len(v.OrgCode.Valid) == 0 {
		t.Fatal("test vectors: a section is empty; has the file's structure changed?")
	}
	return v
}

// TestVectors runs the shared test vectors through Record (the push API) and a CSV file:
// valid values load unchanged, invalid ones are element errors with masked values.
func TestVectors(t *testing.T) {
	v := loadVectors(t)
	its := []pubdata.Item{
		{Name: "n", Type: "integer", Key: true},
		{Name: "resident_id", Title: "公民身份号码", Type: "string", Element: "resident_id", Personal: true},
		{Name: "uscc", Type: "string", Element: "uscc"},
		{Name: "org_code", Type: "string", Element: "org_code"},
	}
	type vec struct {
		col, value string
		valid      bool
	}
	var all []vec
	for _, s := range v.ResidentID.Valid {
		all = append(all, vec{"resident_id", s, true})
	}
	for s := range v.ResidentID.Invalid {
		all = append(all, vec{"resident_id", s, false})
	}
	for _, s := range v.USCC.Valid {
		all = append(all, vec{"uscc", s, true}, vec{"org_code", s[8:17], true})
	}
	for s := range v.USCC.Invalid {
		all = append(all, vec{"uscc", s, false})
	}
	for _, s := range v.OrgCode.Valid {
		all = append(all, vec{"org_code", s, true})
	}
	colIndex := map[string]int{"resident_id": 1, "uscc": 2, "org_code": 3}
	var csv strings.Builder
	csv.WriteString("n,公民身份号码,uscc,org_code\n")
	for i, x := range all {
		row := []string{pubdata.FormatItemValue(int64(i)), "", "", ""}
		row[colIndex[x.col]] = x.value
		csv.WriteString(strings.Join(row, ",") + "\n")
	}
	fromCSV := readAll(t, openWith(t, CSV, []byte(csv.String()), its))
	if len(fromCSV) != len(all) {
		t.Fatalf("%d rows from %d vectors", len(fromCSV), len(all))
	}
	for i, x := range all {
		obj := map[string]any{"n": json.Number(pubdata.FormatItemValue(int64(i))), x.col: x.value}
		if x.col == "resident_id" {
			obj = map[string]any{"n": json.Number(pubdata.FormatItemValue(int64(i))), "公民身份号码": x.value}
		}
		for how, r := range map[string]*pubdata.SourceRow{
			"Record": Record(its, obj, int64(i+1), Options{Now: testNow}),
			"CSV":    fromCSV[i],
		} {
			if x.valid {
				if r.Errors != nil || r.Values[colIndex[x.col]] != x.value {
					t.Errorf("%s: valid %s %s: %v %v", how, x.col, x.value, r.Values, r.Errors)
				}
				continue
			}
			if len(r.Errors) != 1 || r.Errors[0].Code != pubdata.RuleElement || r.Errors[0].Column != x.col {
				t.Errorf("%s: invalid %s %s: %v", how, x.col, x.value, r.Errors)
				continue
			}
			e := r.Errors[0]
			if e.Value != maskOf(x.value) || (len(x.value) >= 10 && strings.Contains(e.Message, x.value[:10])) {
				t.Errorf("%s: %s: value %q message %q", how, x.value, e.Value, e.Message)
			}
		}
	}
}

func maskOf(s string) string {
	return (&column{mask: true}).shown(s)
}

func TestRecord(t *testing.T) {
	r := Record(items, map[string]any{"uscc": " " + uscc1 + " ", "staff": json.Number("12"), "capital": 2.5,
		"active": false, "founded": nil, "name": "  spaced  "}, 7, Options{})
	want := []any{uscc1, "  spaced  ", nil, 2.5, int64(12), nil, false, nil}
	if r.Num != 7 || r.Errors != nil || !equalValues(r.Values, want) {
		t.Fatalf("%d %v %v", r.Num, r.Values, r.Errors)
	}
	// All of a row's problems are reported.
	r = Record(items, map[string]any{"staff": true, "name": []any{"a"}, "updated": "yesterday", "legal_id": id1,
		"extra": 1}, 8, Options{Now: testNow})
	var got []string
	for _, e := range r.Errors {
		if e.Row != 8 {
			t.Errorf("error at row %d", e.Row)
		}
		got = append(got, e.Column+":"+e.Code)
	}
	if r.Values != nil || strings.Join(got, " ") != "extra:malformed name:type staff:type updated:type uscc:required" {
		t.Errorf("errors %v", r.Errors)
	}
	// The resident ID's birth date rule uses Options.Now: born after "now" is an error.
	born := "110105202601010015"
	if r := Record(items[:3], map[string]any{"uscc": uscc1, "legal_id": born}, 1, Options{Now: testNow}); len(r.Errors) != 1 ||
		!strings.Contains(r.Errors[0].Message, "future") && !strings.Contains(r.Errors[0].Message, "birth") {
		t.Errorf("born 2026 in 2025: %v", r.Errors)
	}
}

func equalValues(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
