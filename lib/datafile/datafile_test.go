package datafile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/locale"
)

var testNow = time.Date(2025, 6, 15, 4, 0, 0, 0, time.UTC)

// items is an enterprise register: a USCC key, a personal resident ID and every type.
var items = []pubdata.Item{
	{Name: "uscc", Title: "统一社会信用代码", Type: "string", Key: true, Element: "uscc", Length: 18},
	{Name: "name", Title: "名称", Type: "string", Length: 10},
	{Name: "legal_id", Title: "法定代表人身份证号", Type: "string", Element: "resident_id", Personal: true},
	{Name: "capital", Title: "注册资本", Type: "number"},
	{Name: "staff", Title: "人数", Type: "integer"},
	{Name: "founded", Title: "成立日期", Type: "date"},
	{Name: "active", Title: "存续", Type: "boolean"},
	{Name: "updated", Title: "更新时间", Type: "datetime"},
}

const (
	uscc1 = "91350100M000100Y43"
	uscc2 = "91330106MA2B00019Q"
	uscc3 = "11330000MB0000123J"
	id1   = "11010519491231002X"
	id2   = "330106199003071236"
)

// sample is a CSV with Chinese headers (titles), a blank line and a quoted comma.
const sample = "统一社会信用代码,名称,法定代表人身份证号,注册资本,人数,成立日期,存续,更新时间\n" +
	uscc1 + ",甲公司," + id1 + ",100.5,12,2001-02-03,是,2024-01-02 08:00:00\n" +
	"\n" +
	uscc2 + ",\"乙,公司\",,\"1,000\",,2001/2/3,false,\n" +
	"   \n" +
	uscc3 + ",丙," + id2 + ",0,0,20010203,1,2024-01-02T00:00:00Z\n"

var sampleRows = []*pubdata.SourceRow{
	{Num: 2, Values: []any{uscc1, "甲公司", id1, 100.5, int64(12), "2001-02-03", true, "2024-01-02T00:00:00Z"}},
	{Num: 4, Values: []any{uscc2, "乙,公司", nil, 1000.0, nil, "2001-02-03", false, nil}},
	{Num: 6, Values: []any{uscc3, "丙", id2, 0.0, int64(0), "2001-02-03", true, "2024-01-02T00:00:00Z"}},
}

func open(t testing.TB, format Format, data []byte) *Source {
	t.Helper()
	return openWith(t, format, data, items)
}

func openWith(t testing.TB, format Format, data []byte, items []pubdata.Item) *Source {
	t.Helper()
	s, err := Open(bytes.NewReader(data), format, items, Options{Now: testNow, Size: int64(len(data)), TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readAll(t testing.TB, s pubdata.RowSource) []*pubdata.SourceRow {
	t.Helper()
	var out []*pubdata.SourceRow
	for {
		r, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(out), err)
		}
		out = append(out, r)
	}
}

func rowsEqual(t *testing.T, got, want []*pubdata.SourceRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %s", len(got), len(want), dump(got))
	}
	for i := range got {
		// The messages' keys are checked where they matter (TestCSVRowErrors); here the
		// English text stands for them.
		g := *got[i]
		g.Errors = nil
		for _, e := range got[i].Errors {
			e.Msg = nil
			g.Errors = append(g.Errors, e)
		}
		if !reflect.DeepEqual(&g, want[i]) {
			t.Errorf("row %d:\n got %#v %v\nwant %#v", i, got[i].Values, got[i].Errors, want[i].Values)
		}
	}
}

func dump(rows []*pubdata.SourceRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n%d %v %v", r.Num, r.Values, r.Errors)
	}
	return b.String()
}

func encode(t testing.TB, e transform.Transformer, s string) []byte {
	t.Helper()
	b, _, err := transform.Bytes(e, []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSVEncodings(t *testing.T) {
	gb := encode(t, simplifiedchinese.GB18030.NewEncoder(), sample)
	cases := map[string][]byte{
		"UTF-8":              []byte(sample),
		"UTF-8 BOM":          append([]byte("\xEF\xBB\xBF"), sample...),
		"UTF-8 CRLF":         []byte(strings.ReplaceAll(sample, "\n", "\r\n")),
		"GB18030":            gb,
		"GB18030 BOM":        append([]byte{0x84, 0x31, 0x95, 0x33}, gb...),
		"GBK":                encode(t, simplifiedchinese.GBK.NewEncoder(), sample),
		"UTF-16LE BOM":       encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), sample),
		"UTF-16BE BOM":       encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), sample),
		"tab separated":      []byte(strings.ReplaceAll(strings.ReplaceAll(sample, ",", "\t"), "\"乙\t公司\"\t\t\"1\t000\"", "乙,公司\t\t1000")),
		"semicolon":          []byte(strings.ReplaceAll(strings.ReplaceAll(sample, ",", ";"), "\"乙;公司\";;\"1;000\"", "乙,公司;;1000")),
		"names, not titles":  []byte(strings.Replace(sample, "统一社会信用代码,名称,法定代表人身份证号,注册资本,人数", "USCC,Name, legal_id ,capital,staff", 1)),
		"leading blank line": []byte("\n,,,\n" + strings.Replace(sample, "\n", "\n", -1)),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			s := open(t, CSV, data)
			got := readAll(t, s)
			want := sampleRows
			if name == "leading blank line" {
				want = shift(sampleRows, 2)
			}
			rowsEqual(t, got, want)
			if s.Read() != int64(len(data)) || s.Size() != int64(len(data)) {
				t.Errorf("Read %d, Size %d, want %d", s.Read(), s.Size(), len(data))
			}
		})
	}
}

func shift(rows []*pubdata.SourceRow, n int64) []*pubdata.SourceRow {
	out := make([]*pubdata.SourceRow, len(rows))
	for i, r := range rows {
		c := *r
		c.Num += n
		out[i] = &c
	}
	return out
}

// TestCSVWindowCut puts a multi-byte character across the end of the 64 KiB window in
// which the encoding is decided.
func TestCSVWindowCut(t *testing.T) {
	for _, c := range []struct {
		name string
		enc  transform.Transformer
		cut  int // bytes of the character inside the window
	}{
		{"UTF-8", nil, 1}, {"UTF-8", nil, 2}, {"GB18030", simplifiedchinese.GB18030.NewEncoder(), 1},
	} {
		enc := func(s string) []byte {
			if c.enc == nil {
				return []byte(s)
			}
			return encode(t, c.enc, s)
		}
		data := enc("统一社会信用代码,名称\n")
		for len(data)+60 < sniffSize {
			data = append(data, uscc1+",a\n"...)
		}
		data = append(data, uscc1+","...)
		data = append(data, strings.Repeat("x", sniffSize-c.cut-len(data))...)
		data = append(data, enc("名名名\n")...)
		if len(data) < sniffSize || data[sniffSize-c.cut] < 0x80 || data[sniffSize-c.cut-1] != 'x' {
			t.Fatalf("%s: the window does not cut a character", c.name)
		}
		rows := readAll(t, openWith(t, CSV, data, []pubdata.Item{items[0], {Name: "name", Title: "名称", Type: "string"}}))
		last := rows[len(rows)-1]
		if last.Errors != nil || !strings.HasSuffix(last.Values[1].(string), "x名名名") {
			t.Errorf("%s cut %d: last row %v %v", c.name, c.cut, last.Values, last.Errors)
		}
	}
}

func TestCSVRowErrors(t *testing.T) {
	data := "uscc,name,legal_id,staff\n" +
		uscc1 + ",ok," + id1 + ",1\n" +
		uscc2 + ",bad id,110105194912310021,2\n" + // line 3: check digit
		"\n" +
		uscc3 + ",\"two\nlines\",11010519491331002X,3\n" + // row 5 (lines 5–6, one row in a spreadsheet): month 13
		"91350100M000100Y44,too long a name here, 11010519491231002x ,x\n" + // row 6 (line 7): four problems
		",,,\n" + // blank: skipped
		",no key,,4\n" + // row 8: key missing
		uscc1 + ",short\n" + // row 9: field count
		uscc2 + ",ok," + id2 + ",1\n" // row 10
	rows := readAll(t, open(t, CSV, []byte(data)))
	type e struct {
		row          int64
		column, code string
		value        string
		msg          string
		m            *pubdata.Message
	}
	var sens []bool
	var got []e
	for _, r := range rows {
		if (r.Values == nil) == (r.Errors == nil) {
			t.Errorf("row %d: values %v and errors %v", r.Num, r.Values, r.Errors)
		}
		for _, x := range r.Errors {
			if x.Row != r.Num {
				t.Errorf("row %d: error at row %d", r.Num, x.Row)
			}
			got = append(got, e{x.Row, x.Column, x.Code, x.Value, x.Message, x.Msg})
			sens = append(sens, x.Sensitive)
		}
	}
	want := []e{
		{3, "legal_id", pubdata.RuleElement, "110105********0021", "check digit is X, not 1", nil},
		{5, "legal_id", pubdata.RuleElement, "110105********002X", "birth date 19491331 is not a real date", nil},
		{6, "uscc", pubdata.RuleElement, "91350100M000100Y44", "check character is 3, not 4", nil},
		{6, "name", pubdata.RuleLength, "too long a name here", "has 20 characters; at most 10", nil},
		{6, "legal_id", pubdata.RuleElement, "110105********002x", "upper-case X", nil},
		{6, "staff", pubdata.RuleType, "x", "is not a whole number", nil},
		{8, "uscc", pubdata.RuleRequired, "", "part of the key", nil},
		{9, "", pubdata.RuleMalformed, "", "has 2 fields; the header has 4", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("errors:\n%v\nwant\n%v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.row != w.row || g.column != w.column || g.code != w.code || !strings.Contains(g.msg, w.msg) {
			t.Errorf("error %d: %+v, want %+v", i, g, w)
		}
		// A personal value (or one of a standard element) is kept as given and marked
		// Sensitive, masked when shown to others than the provider's admins and editors;
		// others are kept as given, unmarked.
		if sensitive := g.column == "legal_id" || g.column == "uscc"; sens[i] != (sensitive && g.value != "") {
			t.Errorf("error %d: value %q sensitive %v", i, g.value, sens[i])
		}
		if g.value != "" && ident.Mask(strings.TrimSpace(g.value)) != strings.TrimSpace(w.value) && g.value != w.value {
			t.Errorf("error %d: value %q, masked %q, want %q", i, g.value, ident.Mask(g.value), w.value)
		}
		if w.column == "legal_id" && strings.Contains(g.msg, "19491231") {
			t.Errorf("message %q repeats the birth date", g.msg)
		}
	}
	// Messages name the column as the file's header did (here the item's name), and reach
	// each reader in their language.
	if !strings.Contains(got[0].msg, "Column legal_id is not a valid resident ID number") {
		t.Errorf("message %q", got[0].msg)
	}
	if zh := locale.Render(locale.ZH, got[0].m); zh != "legal_id不是有效的居民身份证号码：校验码应为 X，而不是 1。" {
		t.Errorf("zh-CN message %q", zh)
	}
	// A file headed by the titles (with a space the match trims) is answered in its words.
	titled := readAll(t, open(t, CSV, []byte("uscc,name, 法定代表人身份证号 ,staff\n"+uscc2+",bad id,110105194912310021,2\n")))
	if len(titled) != 1 || len(titled[0].Errors) != 1 || locale.Render(locale.ZH, titled[0].Errors[0].Msg) != "法定代表人身份证号不是有效的居民身份证号码：校验码应为 X，而不是 1。" {
		t.Errorf("a file headed by titles: %+v", titled)
	}
	// JSON: the key as written.
	objs := readAll(t, open(t, JSON, []byte(`[{"uscc":"`+uscc2+`","LEGAL_ID":"110105194912310021"}]`)))
	if len(objs) != 1 || len(objs[0].Errors) != 1 || !strings.HasPrefix(locale.Render(locale.ZH, objs[0].Errors[0].Msg), "LEGAL_ID不是") {
		t.Errorf("a JSON key as written: %+v", objs)
	}
	if got[0].value != "110105194912310021" || !sens[0] {
		t.Errorf("kept value %q (sensitive %v), want the value as given", got[0].value, sens[0])
	}
	if last := rows[len(rows)-1]; last.Num != 10 || last.Values[0] != uscc2 {
		t.Errorf("last row %d %v", last.Num, last.Values)
	}
	if rows[2].Num != 5 {
		t.Errorf("a record spanning lines 5–6 is row %d, want 5", rows[2].Num)
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"empty", "", "empty"},
		{"BOM only", "\xEF\xBB\xBF", "empty"},
		{"blank lines", "\n\r\n  \n,,\n", "no header"},
		{"unknown column", "uscc,name,phone,fax\n", `"phone", "fax"`},
		{"missing key", "name,staff\nx,1\n", "lacks the key column uscc"},
		{"twice by name and title", "uscc,名称,NAME\n", "names a column twice: name"},
		{"not text", "\x00\x01\xff\xfe\xfd\x80\x80\x80", "neither UTF-8"},
		{"an xlsx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x80", "Excel workbook"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(strings.NewReader(c.data), CSV, items, Options{})
			var pe *pubdata.Error
			if !errors.As(err, &pe) || pe.Code != pubdata.EINVALID || !strings.Contains(pe.Message, c.want) {
				t.Fatalf("error %v, want EINVALID with %q", err, c.want)
			}
		})
	}
	if _, err := Open(strings.NewReader("uscc\n"), "xls", items, Options{}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("format xls: %v", err)
	}
}

// TestCSVEncodingChange: a file that starts as UTF-8 but has GBK bytes further on fails
// at that line instead of storing broken text.
func TestCSVEncodingChange(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("uscc,name\n")
	for b.Len() < 2*sniffSize {
		b.WriteString(uscc1 + ",a\n")
	}
	b.WriteString(uscc1 + ",")
	b.Write(encode(t, simplifiedchinese.GBK.NewEncoder(), "名称"))
	b.WriteString("\n")
	s := open(t, CSV, b.Bytes())
	for {
		_, err := s.Next()
		if err == io.EOF {
			t.Fatal("no error")
		}
		if err != nil {
			if pubdata.ErrorCode(err) != pubdata.EINVALID || !strings.Contains(err.(*pubdata.Error).Message, "is not UTF-8") {
				t.Fatal(err)
			}
			if _, again := s.Next(); again != err {
				t.Errorf("Next after the error: %v", again)
			}
			return
		}
	}
}

// TestCSVUnclosedQuote: an open quote does not read the rest of a large file into one
// record.
func TestCSVUnclosedQuote(t *testing.T) {
	r := io.MultiReader(strings.NewReader("uscc,name\n"+uscc1+",\"open\n"), &repeatReader{line: []byte(uscc1 + ",b\n"), n: 2 * maxRecord})
	s, err := Open(r, CSV, items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Next()
	if pubdata.ErrorCode(err) != pubdata.EINVALID || !strings.Contains(err.Error(), "line 2 is longer than") {
		t.Fatalf("error %v", err)
	}
}

// repeatReader yields line until n bytes have been read.
type repeatReader struct {
	line []byte
	n    int
	off  int
	read int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.read < r.n {
		c := copy(p[k:], r.line[r.off:])
		k += c
		r.read += c
		r.off = (r.off + c) % len(r.line)
	}
	return k, nil
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		ct, name, head string
		want           Format
	}{
		{"text/csv; charset=utf-8", "", "a,b", CSV},
		{"application/vnd.ms-excel", "data.csv", "a,b", CSV}, // what Windows browsers send for .csv
		{"", "", "PK\x03\x04rest", XLSX},
		{"text/csv", "x.csv", "PK\x03\x04rest", XLSX},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "", "", XLSX},
		{"application/json", "", " [ {}", JSON},
		{"application/json", "", "{\"a\":1}\n{\"a\":2}", NDJSON},
		{"application/x-ndjson", "", "", NDJSON},
		{"", "rows.JSONL", "", NDJSON},
		{"", "rows.json", "[]", JSON},
		{"application/octet-stream", "rows.xlsx", "", XLSX},
		{"", "", "\xEF\xBB\xBF[{}]", JSON},
		{"", "", "{}", NDJSON},
		{"", "", "统一社会信用代码,名称", CSV},
		{"text/plain", "", "a;b", CSV},
		{"", "", "\xFF\xFEa\x00,\x00", CSV},
	}
	for _, c := range cases {
		got, err := DetectFormat(c.ct, c.name, []byte(c.head))
		if err != nil || got != c.want {
			t.Errorf("DetectFormat(%q, %q, %q) = %q, %v; want %q", c.ct, c.name, c.head, got, err, c.want)
		}
	}
	for _, c := range []struct{ ct, name, head, msg string }{
		{"", "", "", "without a name or Content-Type"},
		{"application/octet-stream", "data.bin", "\x00\x01\x02", `"data.bin" (Content-Type "application/octet-stream")`},
		{"", "old.xls", "", ".xls"},
		{"", "", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", ".xls"},
	} {
		_, err := DetectFormat(c.ct, c.name, []byte(c.head))
		var pe *pubdata.Error
		if !errors.As(err, &pe) || pe.Code != pubdata.EINVALID || !strings.Contains(pe.Message, c.msg) {
			t.Errorf("DetectFormat(%q, %q, %q): %v, want EINVALID naming %s", c.ct, c.name, c.head, err, c.msg)
		}
	}
	for in, want := range map[string]Format{"csv": CSV, "XLSX": XLSX, "json": JSON, "ndjson": NDJSON, "jsonl": NDJSON} {
		if f, ok := ParseFormat(in); !ok || f != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, f, ok)
		}
	}
	if _, ok := ParseFormat("xls"); ok {
		t.Error("ParseFormat(xls) ok")
	}
	for _, f := range Formats {
		if ContentType(f) == "application/octet-stream" || Ext(f) != "."+string(f) {
			t.Errorf("%s: %s %s", f, ContentType(f), Ext(f))
		}
	}
}

func TestRowsAndTempFiles(t *testing.T) {
	r1 := &pubdata.SourceRow{Num: 1, Values: []any{"a"}}
	src := Rows(r1)
	if got, err := src.Next(); err != nil || got != r1 {
		t.Fatal(got, err)
	}
	if _, err := src.Next(); err != io.EOF {
		t.Fatal(err)
	}
	// No spooled file is left behind, whether the workbook opens or not.
	dir := t.TempDir()
	if _, err := Open(strings.NewReader("PK\x03\x04 not really"), XLSX, items, Options{TempDir: dir}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("bad workbook: %v", err)
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, XLSX, []string{"uscc"}, WriterOptions{})
	w.Write([]any{uscc1})
	w.Close()
	s, err := Open(&buf, XLSX, items, Options{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}
