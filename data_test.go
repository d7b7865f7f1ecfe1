package pubdata

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseItemValue(t *testing.T) {
	cases := []struct {
		typ, in string
		want    any // nil: an error
	}{
		{"string", "  as is ", "  as is "},
		{"string", "", ""},
		{"integer", "12", int64(12)},
		{"integer", " -12 ", int64(-12)},
		{"integer", "1,234", int64(1234)},
		{"integer", "1,234.00", int64(1234)}, // a spreadsheet's #,##0.00
		{"integer", "12.0", int64(12)},
		{"integer", "1e3", int64(1000)},
		{"integer", "9223372036854775807", int64(9223372036854775807)},
		{"integer", "9223372036854775808", nil},
		{"integer", "1e20", nil},
		{"integer", "12.5", nil},
		{"integer", "0x1A", nil},
		{"integer", "Inf", nil},
		{"integer", "abc", nil},
		{"integer", "", nil},
		{"number", "12.5", 12.5},
		{"number", "1,234.5", 1234.5},
		{"number", "-1e-3", -0.001},
		{"number", "NaN", nil},
		{"number", "inf", nil},
		{"number", "-Infinity", nil},
		{"number", "0x1p-2", nil},
		{"number", "1.2.3", nil},
		{"boolean", "是", true},
		{"boolean", "TRUE", true},
		{"boolean", "0", false},
		{"boolean", "N", false},
		{"boolean", "maybe", nil},
		{"date", "2024-02-29", "2024-02-29"},
		{"date", "2024/2/9", "2024-02-09"},
		{"date", "20240209", "2024-02-09"},
		{"date", "2024年2月9日", "2024-02-09"},
		{"date", "2024.02.09", "2024-02-09"},
		{"date", "2024-02-09T23:00:00+08:00", "2024-02-09"},
		{"date", "2023-02-29", nil},
		{"date", "09/02/2024", nil},
		{"datetime", "2024-01-02 08:00:00", "2024-01-02T00:00:00Z"}, // China time
		{"datetime", "2024-01-02T08:00", "2024-01-02T00:00:00Z"},
		{"datetime", "2024-01-02T08:00:00Z", "2024-01-02T08:00:00Z"},
		{"datetime", "2024-01-02T08:00:00.5+01:00", "2024-01-02T07:00:00Z"},
		{"datetime", "2024/1/2 08:00:00", "2024-01-02T00:00:00Z"},
		{"datetime", "2024-01-02", "2024-01-01T16:00:00Z"}, // midnight in China
		{"datetime", "2024-01-02 25:00:00", nil},
		{"datetime", "yesterday", nil},
		{"uuid", "x", nil},
	}
	for _, c := range cases {
		got, err := ParseItemValue(c.typ, c.in)
		if c.want == nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Message == "" || strings.Contains(e.Message, c.in) && c.in != "" && c.typ != "uuid" {
				t.Errorf("ParseItemValue(%s, %q) = %#v, %v; want an EINVALID error without the value", c.typ, c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseItemValue(%s, %q) = %#v, %v; want %#v", c.typ, c.in, got, err, c.want)
		}
		// FormatItemValue writes what ParseItemValue reads back.
		if back, err := ParseItemValue(c.typ, FormatItemValue(got)); err != nil || back != got {
			t.Errorf("%s %#v: formatted %q reads back as %#v, %v", c.typ, got, FormatItemValue(got), back, err)
		}
	}
}

func TestCheckItemLength(t *testing.T) {
	it := Item{Name: "n", Type: "string", Length: 3}
	for v, want := range map[any]bool{"abc": true, "统一码": true, "abcd": false, int64(12345): true, nil: true} {
		if CheckItemLength(it, v) != want {
			t.Errorf("CheckItemLength(%v) = %v", v, !want)
		}
	}
	if !CheckItemLength(Item{Type: "string"}, strings.Repeat("x", 10000)) {
		t.Error("length 0 is unlimited")
	}
}

func TestTableFreshness(t *testing.T) {
	loaded := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cases := []struct {
		cycle  string
		last   *time.Time
		now    time.Time
		status string
		due    time.Time // zero: none
	}{
		{"daily", nil, loaded, "never", time.Time{}},
		{"irregular", &loaded, loaded.Add(1000 * day), "fresh", time.Time{}},
		{"", &loaded, loaded.Add(1000 * day), "fresh", time.Time{}},
		{"daily", &loaded, loaded.Add(23 * time.Hour), "fresh", loaded.Add(day)},
		{"daily", &loaded, loaded.Add(day), "due", loaded.Add(day)},
		{"daily", &loaded, loaded.Add(2*day - time.Second), "due", loaded.Add(day)},
		{"daily", &loaded, loaded.Add(2 * day), "stale", loaded.Add(day)},
		{"realtime", &loaded, loaded.Add(36 * time.Hour), "due", loaded.Add(day)},
		{"weekly", &loaded, loaded.Add(6 * day), "fresh", loaded.Add(7 * day)},
		{"monthly", &loaded, loaded.Add(40 * day), "due", loaded.Add(31 * day)},
		{"quarterly", &loaded, loaded.Add(200 * day), "stale", loaded.Add(92 * day)},
		{"semiannual", &loaded, loaded.Add(100 * day), "fresh", loaded.Add(183 * day)},
		{"yearly", &loaded, loaded.Add(400 * day), "due", loaded.Add(366 * day)},
		{"yearly", &loaded, loaded.Add(-day), "fresh", loaded.Add(366 * day)}, // clock skew: loaded "in the future"
	}
	for _, c := range cases {
		f := TableFreshness(c.cycle, c.last, c.now)
		var due time.Time
		if f.Due != nil {
			due = *f.Due
		}
		if f.Status != c.status || !due.Equal(c.due) {
			t.Errorf("%s at %v: %s due %v; want %s due %v", c.cycle, c.now.Sub(loaded), f.Status, due, c.status, c.due)
		}
	}
}

// rowItems is a table with a key of two columns and every type.
var rowItems = []Item{
	{Name: "code", Title: "代码", Type: "string", Key: true},
	{Name: "year", Type: "integer", Key: true},
	{Name: "amount", Type: "number"},
	{Name: "open", Type: "boolean"},
	{Name: "day", Type: "date"},
	{Name: "at", Type: "datetime"},
}

func query(s string) map[string][]string {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestParseRowQuery(t *testing.T) {
	q, err := ParseRowQuery(rowItems, query("year__gte=2020&year__lt=2025&code__prefix=33&amount__in=1,2.5&open=是&day__null=false"+
		"&_fields=code, amount,code&_sort=-year,code&_limit=50&_cursor=abc&_q=+税+&_as_of=b1&_format=csv"), []string{"_format"}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := &RowQuery{
		Fields: []string{"code", "amount"},
		Filters: []RowFilter{ // by parameter name
			{Column: "amount", Op: OpIn, Values: []any{1.0, 2.5}},
			{Column: "code", Op: OpPrefix, Values: []any{"33"}},
			{Column: "day", Op: OpNull, Values: []any{false}},
			{Column: "open", Op: OpEq, Values: []any{true}},
			{Column: "year", Op: OpGte, Values: []any{int64(2020)}},
			{Column: "year", Op: OpLt, Values: []any{int64(2025)}},
		},
		Q:      "税",
		Sort:   []SortKey{{Column: "year", Desc: true}, {Column: "code"}},
		Limit:  50,
		Cursor: "abc",
		AsOf:   "b1",
	}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("got  %+v\nwant %+v", q, want)
	}
	// A repeated filter parameter gives one filter a value.
	q, err = ParseRowQuery(rowItems, query("year__ne=1&year__ne=2"), nil, true)
	if err != nil || len(q.Filters) != 2 || q.Filters[1].Values[0] != int64(2) {
		t.Errorf("repeated: %+v %v", q, err)
	}
	// Limits: a page by default, every row for a download.
	if q, _ := ParseRowQuery(rowItems, nil, nil, true); q.Limit != DefaultRowLimit {
		t.Errorf("page default limit %d", q.Limit)
	}
	if q, _ := ParseRowQuery(rowItems, nil, nil, false); q.Limit != 0 {
		t.Errorf("download default limit %d", q.Limit)
	}
	for _, l := range []string{"1", "32000"} {
		if _, err := ParseRowQuery(rowItems, query("_limit="+l), nil, true); err != nil {
			t.Errorf("_limit=%s: %v", l, err)
		}
	}
}

func TestParseRowQueryErrors(t *testing.T) {
	cases := []struct {
		params, field, msg string
	}{
		{"phone=1", "phone", `no column "phone"`},
		{"phone__gt=1", "phone__gt", `no column "phone"`},
		{"year__like=1", "year__like", `operator "like" is not one of`},
		{"year__eq=1", "year__eq", `operator "eq"`},
		{"year=abc", "year", "is not a whole number"},
		{"year__in=1,x", "year__in", "a value is not a whole number"},
		{"day__gt=yesterday", "day__gt", "is not a date"},
		{"at=noon", "at", "is not a date and time"},
		{"open=maybe", "open", "is not a boolean"},
		{"amount__null=perhaps", "amount__null", "true or false"},
		{"year__contains=1", "year__contains", "text columns only"},
		{"code__prefix=", "code__prefix", "empty"},
		{"code__in=" + strings.Repeat("a,", 1000) + "a", "code__in", "at most 1000"},
		{"_limit=0", "_limit", "from 1 to 32000"},
		{"_limit=32001", "_limit", "from 1 to 32000"},
		{"_limit=ten", "_limit", "from 1 to 32000"},
		{"_fields=code,phone", "_fields", `no column "phone"`},
		{"_sort=-phone", "_sort", `no column "phone"`},
		{"_format=csv", "_format", "not known"},
		{"_key=1", "_key", "not known"},
	}
	for _, c := range cases {
		_, err := ParseRowQuery(rowItems, query(c.params), nil, true)
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != c.field || !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: %#v, want EINVALID on %s with %q", c.params, err, c.field, c.msg)
		}
	}
	// Every problem is reported, each naming its parameter.
	_, err := ParseRowQuery(rowItems, query("phone=1&year=x&_limit=0"), nil, true)
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) != 3 {
		t.Fatalf("%#v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if strings.Join(fields, " ") != "phone year _limit" {
		t.Errorf("fields %v", fields)
	}
}

func TestKeyFilters(t *testing.T) {
	f, err := KeyFilters(rowItems, "330100,2024")
	want := []RowFilter{{Column: "code", Op: OpEq, Values: []any{"330100"}}, {Column: "year", Op: OpEq, Values: []any{int64(2024)}}}
	if err != nil || !reflect.DeepEqual(f, want) {
		t.Errorf("%v %v", f, err)
	}
	// One key column: the whole value is the key, commas included.
	one := []Item{{Name: "name", Type: "string", Key: true}, {Name: "x", Type: "integer"}}
	if f, err := KeyFilters(one, "a,b"); err != nil || f[0].Values[0] != "a,b" {
		t.Errorf("one key: %v %v", f, err)
	}
	for _, c := range []struct {
		items []Item
		raw   string
		msg   string
	}{
		{rowItems, "330100", "give 2 comma-separated values"},
		{rowItems, "330100,2024,x", "give 2"},
		{rowItems, "330100,this year", "Key column year: the value is not a whole number"},
		{[]Item{{Name: "x", Type: "string"}}, "a", "no key columns"},
	} {
		_, err := KeyFilters(c.items, c.raw)
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != "_key" || !strings.Contains(e.Message, c.msg) {
			t.Errorf("KeyFilters(%q): %v, want %q", c.raw, err, c.msg)
		}
	}
}

// FuzzParseRowQuery: any parameters give a query or an EINVALID error, never a panic, and
// a query's filters only name the table's columns with typed values.
func FuzzParseRowQuery(f *testing.F) {
	for _, s := range []string{"year__gte=2020&_sort=-year", "_fields=code,,amount", "amount__in=1,,2", "__=1",
		"year____gt=1", "_limit=-1", "at=2024-01-02T08:00:00Z", "code__null=1&_q=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		params, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, page := range []bool{true, false} {
			q, err := ParseRowQuery(rowItems, params, []string{"_format"}, page)
			if err != nil {
				if ErrorCode(err) != EINVALID {
					t.Fatalf("%q: %v", raw, err)
				}
				continue
			}
			if q.Limit < 0 || q.Limit > MaxRowLimit {
				t.Fatalf("%q: limit %d", raw, q.Limit)
			}
			for _, f := range q.Filters {
				if !strings.Contains("code year amount open day at", f.Column) || len(f.Values) == 0 {
					t.Fatalf("%q: filter %+v", raw, f)
				}
			}
		}
		if _, err := KeyFilters(rowItems, raw); err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("KeyFilters(%q): %v", raw, err)
		}
	})
}

// TestParseFullWidth: numbers and dates written in full-width characters, as departments'
// exports write them, load as their ASCII forms (issue 12 item 9).
func TestParseFullWidth(t *testing.T) {
	for _, c := range []struct {
		typ, in string
		want    any
	}{
		{"integer", "１２０", int64(120)},
		{"integer", "－５", int64(-5)},
		{"number", "１，２００．５", 1200.5},
		{"date", "２０１９-０３-０８", "2019-03-08"},
		{"date", "２０１９－０３－０８", "2019-03-08"},
		{"boolean", "ｔｒｕｅ", true},
	} {
		got, err := ParseItemValue(c.typ, c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseItemValue(%s, %q) = %v, %v; want %v", c.typ, c.in, got, err, c.want)
		}
	}
	if got, _ := ParseItemValue("string", "１２０"); got != "１２０" {
		t.Errorf("a text value was changed: %v", got)
	}
}
