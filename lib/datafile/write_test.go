package datafile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// TestWritersRoundTrip writes rows in each format and reads them back.
func TestWritersRoundTrip(t *testing.T) {
	columns := make([]string, len(items))
	titles := make([]string, len(items))
	for i, it := range items {
		columns[i], titles[i] = it.Name, it.Title
	}
	rows := [][]any{
		{uscc1, "甲 \"公司\"", id1, 100.5, int64(12), "2001-02-03", true, "2024-01-02T00:00:00Z"},
		{uscc2, "2\nlines,\t", nil, 1e-7, int64(-1 << 60), nil, false, nil},
		{uscc3, "=1+1", id2, 0.0, int64(0), "2001-02-03", nil, "2024-01-02T00:00:00Z"},
		{"91350100M000100Y43", "\u2028<&>\x01", nil, 12345678.125, int64(9007199254740993), nil, nil, nil},
	}
	for _, c := range []struct {
		format Format
		opt    WriterOptions
	}{
		{CSV, WriterOptions{BOM: true}}, {CSV, WriterOptions{Titles: titles}}, {XLSX, WriterOptions{}},
		{XLSX, WriterOptions{Titles: titles}}, {JSON, WriterOptions{}}, {NDJSON, WriterOptions{}},
	} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, c.format, columns, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write([]any{"short"}); err == nil {
			t.Errorf("%s: a short row written", c.format)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		switch {
		case c.format == CSV && c.opt.BOM && !bytes.HasPrefix(data, utf8BOM):
			t.Errorf("CSV without BOM")
		case c.format == CSV && c.opt.Titles != nil && !strings.HasPrefix(string(data), "统一社会信用代码,"):
			t.Errorf("CSV header %q", strings.SplitN(string(data), "\n", 2)[0])
		case c.format == JSON && !json.Valid(data):
			t.Errorf("invalid JSON: %s", data)
		}
		got := readAll(t, open(t, c.format, data))
		if len(got) != len(rows) {
			t.Fatalf("%s: %d rows back: %s", c.format, len(got), dump(got))
		}
		for i, r := range got {
			want := rows[i]
			if c.format == XLSX && i == 3 {
				// XML cannot hold control characters: excelize writes U+FFFD.
				want = append([]any(nil), want...)
				want[1] = "\u2028<&>\ufffd"
			}
			if r.Errors != nil || !equalValues(r.Values, want) {
				t.Errorf("%s %v row %d: %#v %v, want %#v", c.format, c.opt.Titles != nil, i, r.Values, r.Errors, want)
			}
		}
	}
	if _, err := NewWriter(&bytes.Buffer{}, CSV, columns, WriterOptions{Titles: titles[:2]}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("titles of the wrong count: %v", err)
	}
	if _, err := NewWriter(&bytes.Buffer{}, "xml", columns, WriterOptions{}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("format xml: %v", err)
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, JSON, columns, WriterOptions{})
	w.Close()
	if strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("empty JSON %q", buf.String())
	}
}

// TestFastValue: the fast paths agree with pubdata.ParseItemValue, which decides whatever
// they do not take.
func TestFastValue(t *testing.T) {
	cases := map[string][]string{
		"integer": {"0", "-0", "-", "12", "-12", "007", "123456789012345678", "1234567890123456789", "+1", "1.0", "1,000", " 1"},
		"date":    {"2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "0000-01-01", "9999-12-31", "2024-1-2", "2024-01-32", "2024/01/02"},
		"datetime": {"2024-01-02 08:00:00", "2024-01-02T08:00:00", "2024-01-02T08:00:00Z", "2024-01-02 08:00:00Z",
			"2024-01-01 07:59:59", "2024-02-29 24:00:00", "2024-02-29 23:60:00", "2024-02-29 23:00:60", "2023-02-29 00:00:00",
			"0001-01-01 00:00:00", "9999-12-31T23:59:59Z", "2024-01-02 8:00:00"},
	}
	for typ, values := range cases {
		for _, s := range values {
			fast, ok := fastValue(typ, s)
			slow, err := pubdata.ParseItemValue(typ, s)
			if ok && (err != nil || fast != slow) {
				t.Errorf("%s %q: fast %v, ParseItemValue %v %v", typ, s, fast, slow, err)
			}
		}
	}
}
