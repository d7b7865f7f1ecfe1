package datafile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/locale"
)

// rowError is a problem of row num in column (an item's name; "" for the whole row) with
// its message m, kept as m for readers of any language and in English in Message.
func rowError(num int64, column, code string, m *pubdata.Message, value string) pubdata.RowError {
	return pubdata.RowError{Row: num, Column: column, Code: code, Message: locale.Render(locale.EN, m), Value: value, Msg: m}
}

// title names the column in messages as the provider wrote it: the header the file used
// for it (身份证号, id_no), else its title (统一社会信用代码), else its name.
func (col *column) title() string {
	if col.header != "" {
		return col.header
	}
	if col.item.Title != "" {
		return col.item.Title
	}
	return col.item.Name
}

// identMessage is the message of a validator's error.
func identMessage(err error) *pubdata.Message {
	var ie *ident.Error
	if errors.As(err, &ie) && ie.Key != "" {
		return &pubdata.Message{Key: ie.Key, Args: ie.Args}
	}
	return pubdata.NewMessage("row.problem", "Problem", err.Error())
}

// column is an item compiled for checking values.
type column struct {
	item  pubdata.Item
	check func(string) error // the element's validator; nil: none
	mask  bool               // errors show the value masked
	trim  bool               // the text is trimmed before use (every type but plain strings)
	// header is the file's name of the column as written (its header cell, its JSON key);
	// "" before the file named it.
	header string
}

// useHeader records the file's header cells: cells[j] names item cols[j] (-1: none).
func (c *checker) useHeader(cells []string, cols []int) {
	for j, i := range cols {
		if i >= 0 && j < len(cells) {
			c.cols[i].header = trimSpace(cells[j])
		}
	}
}

// Headers returns the file's names of the columns it named, by item name (for messages
// about the columns that the store writes, such as the key rules').
func (c *checker) headers() map[string]string {
	out := map[string]string{}
	for _, col := range c.cols {
		if col.header != "" {
			out[col.item.Name] = col.header
		}
	}
	return out
}

// checker validates text cells into the items' Go values.
type checker struct {
	cols []column
	keys []int
	// serialDates reads a number in a date or datetime column as an Excel serial date.
	serialDates bool
}

func newChecker(items []pubdata.Item, now time.Time) *checker {
	if now.IsZero() {
		now = time.Now()
	}
	c := &checker{cols: make([]column, len(items)), keys: pubdata.KeyItems(items)}
	for i, it := range items {
		col := column{item: it, mask: it.Personal || it.Element != "", trim: it.Type != "string" || it.Element != ""}
		if it.Element == ident.ElementResidentID {
			col.check = func(s string) error { return ident.ResidentID(s, now) }
		} else if f, ok := ident.ByElement(it.Element); ok {
			col.check = f
		}
		c.cols[i] = col
	}
	return c
}

// shown is a bad value as a row error keeps it: as given, cut when long. A personal
// value (or one of a standard element) is marked Sensitive: readers other than the
// provider's admins and editors see it masked (pubdata.SeesRejectedValues).
func (col *column) shown(raw string) string {
	// A value that is not text is shown as text: both databases refuse NUL in text.
	raw = strings.ToValidUTF8(strings.ReplaceAll(raw, "\x00", "\uFFFD"), "\uFFFD")
	return pubdata.CutRowErrorValue(raw)
}

// bad is the row error of a bad value raw of the column: the value kept as shown, marked
// Sensitive when the column is personal or of a standard element.
func (col *column) bad(num int64, code string, m *pubdata.Message, raw string) pubdata.RowError {
	e := rowError(num, col.item.Name, code, m, col.shown(raw))
	e.Sensitive = col.mask
	return e
}

// cell converts the text of item i; problems are appended to errs.
func (c *checker) cell(i int, raw string, num int64, errs []pubdata.RowError) (any, []pubdata.RowError) {
	col := &c.cols[i]
	s := raw
	if col.trim {
		s = trimSpace(s)
	}
	if s == "" {
		return nil, errs
	}
	// NUL is refused alike on both databases (PostgreSQL would fail the batch, SQLite would
	// store it). Bytes that are not UTF-8 do not get here: the CSV reader checks each field
	// of UTF-8 text and decodes the others, JSON and XLSX decode to UTF-8.
	if strings.IndexByte(s, 0) >= 0 {
		return nil, append(errs, col.bad(num, pubdata.RuleType,
			pubdata.NewMessage("row.not_text", "Column", col.title()), raw))
	}
	var v any
	switch col.item.Type {
	case "string":
		v = s
	default:
		var ok bool
		if v, ok = fastValue(col.item.Type, s); !ok {
			var err error
			v, err = pubdata.ParseItemValue(col.item.Type, s)
			if err != nil && c.serialDates {
				if sv, serr := serialDate(col.item.Type, s); serr == nil {
					v, err = sv, nil
				}
			}
			if err != nil {
				problem := pubdata.NewMessage("row.type." + col.item.Type)
				if !slices.Contains(pubdata.ItemTypes, col.item.Type) {
					problem = pubdata.NewMessage("row.type.unknown", "Type", col.item.Type)
				}
				return nil, append(errs, col.bad(num, pubdata.RuleType,
					pubdata.NewMessage("row.type", "Column", col.title(), "Problem", problem), raw))
			}
		}
	}
	if !pubdata.CheckItemLength(col.item, v) {
		errs = append(errs, col.bad(num, pubdata.RuleLength, pubdata.NewMessage("row.length",
			"Column", col.title(), "Count", utf8.RuneCountInString(s), "Max", col.item.Length), raw))
	}
	if col.check != nil {
		if err := col.check(s); err != nil {
			errs = append(errs, col.bad(num, pubdata.RuleElement, pubdata.NewMessage("row.element",
				"Column", col.title(), "Element", pubdata.NewMessage("element."+col.item.Element), "Problem", identMessage(err)),
				raw))
		}
	}
	return v, errs
}

// finish checks the key items of a row's values and returns the SourceRow.
func (c *checker) finish(num int64, values []any, errs []pubdata.RowError) *pubdata.SourceRow {
	for _, k := range c.keys {
		if values[k] == nil && !hasError(errs, c.cols[k].item.Name) {
			errs = append(errs, rowError(num, c.cols[k].item.Name, pubdata.RuleRequired,
				pubdata.NewMessage("row.required", "Column", c.cols[k].title()), ""))
		}
	}
	if len(errs) > 0 {
		return &pubdata.SourceRow{Num: num, Errors: errs}
	}
	return &pubdata.SourceRow{Num: num, Values: values}
}

func hasError(errs []pubdata.RowError, col string) bool {
	for _, e := range errs {
		if e.Column == col {
			return true
		}
	}
	return false
}

// malformed is a row that could not be read at all: the message key with args (see
// pubdata.NewMessage).
func malformed(num int64, key string, args ...any) *pubdata.SourceRow {
	return &pubdata.SourceRow{Num: num, Errors: []pubdata.RowError{rowError(num, "", pubdata.RuleMalformed, pubdata.NewMessage(key, args...), "")}}
}

// trimSpace trims ASCII and Unicode space, the no-break and full-width spaces and a BOM.
func trimSpace(s string) string {
	if len(s) > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s // the common case
	}
	return strings.TrimFunc(s, isSpace)
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', '\u00a0', '\u3000', '\ufeff', '\u2028', '\u2029':
		return true
	}
	return false
}

// fastValue parses the most common forms without allocating more than the value: a plain
// decimal integer, and a date already in DateFormat. ok is false for anything else, which
// pubdata.ParseItemValue then decides.
func fastValue(typ, s string) (any, bool) {
	switch typ {
	case "integer":
		if len(s) == 0 || len(s) > 18 {
			return nil, false
		}
		i, neg := 0, false
		if s[0] == '-' {
			i, neg = 1, true
			if len(s) == 1 {
				return nil, false
			}
		}
		var n int64
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return nil, false
			}
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		return n, true
	case "date":
		if len(s) != 10 || s[4] != '-' || s[7] != '-' {
			return nil, false
		}
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
			return nil, false
		}
		return s, true
	case "datetime":
		// YYYY-MM-DD hh:mm:ss (or with T) in China time, or the same with Z in UTC.
		if (len(s) != 19 && (len(s) != 20 || s[19] != 'Z')) || s[4] != '-' || s[7] != '-' ||
			(s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' || (len(s) == 20 && s[10] != 'T') {
			return nil, false
		}
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		sec, ok6 := digits(s[17:19])
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) ||
			h > 23 || mi > 59 || sec > 59 {
			return nil, false
		}
		loc := pubdata.ChinaTime
		if len(s) == 20 {
			loc = time.UTC
		}
		t := time.Date(y, time.Month(m), d, h, mi, sec, 0, loc).UTC()
		if t.Year() < 0 || t.Year() > 9999 {
			return nil, false
		}
		return string(appendDateTime(make([]byte, 0, 20), t)), true
	}
	return nil, false
}

// appendDateTime appends t (UTC) in pubdata.DateTimeFormat.
func appendDateTime(b []byte, t time.Time) []byte {
	two := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	y := t.Year()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(two(b, int(t.Month())), '-')
	b = append(two(b, t.Day()), 'T')
	b = append(two(b, t.Hour()), ':')
	b = append(two(b, t.Minute()), ':')
	return append(two(b, t.Second()), 'Z')
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Record validates one JSON object (the push API's single row: keys are item names or
// titles; values as encoding/json decodes them with UseNumber, or strings) into a SourceRow
// numbered num. Unknown keys, keys naming one item twice and values that are objects or
// arrays are row errors.
func Record(items []pubdata.Item, obj map[string]any, num int64, opt Options) *pubdata.SourceRow {
	return newRecorder(items, opt).record(obj, num)
}

// recorder validates many objects against the same items.
type recorder struct {
	c     *checker
	match *matcher
}

func newRecorder(items []pubdata.Item, opt Options) *recorder {
	return &recorder{c: opt.checker(items), match: newMatcher(items)}
}

func (r *recorder) record(obj map[string]any, num int64) *pubdata.SourceRow {
	values := make([]any, len(r.c.cols))
	var errs []pubdata.RowError
	seen := make([]string, len(r.c.cols))
	for _, key := range sortedKeys(obj) {
		i, ok := r.match.find(key)
		if !ok {
			errs = append(errs, rowError(num, key, pubdata.RuleMalformed,
				pubdata.NewMessage("row.json.unknown_key", "Key", strconv.Quote(key), "Columns", r.match.names()), ""))
			continue
		}
		r.c.cols[i].header = strings.TrimSpace(key)
		name, title := r.c.cols[i].item.Name, r.c.cols[i].title()
		if seen[i] != "" {
			errs = append(errs, rowError(num, name, pubdata.RuleMalformed,
				pubdata.NewMessage("row.json.twice", "Column", title, "First", strconv.Quote(seen[i]), "Second", strconv.Quote(key)), ""))
			continue
		}
		seen[i] = key
		var text string
		switch x := obj[key].(type) {
		case nil:
			continue
		case string:
			text = x
		case json.Number:
			text = x.String()
		case float64:
			text = pubdata.FormatItemValue(x)
		case int64:
			text = pubdata.FormatItemValue(x)
		case int:
			text = fmt.Sprint(x)
		case bool:
			if r.c.cols[i].item.Type != "boolean" {
				errs = append(errs, rowError(num, name, pubdata.RuleType,
					pubdata.NewMessage("row.json.boolean", "Column", title, "Type", pubdata.NewMessage("row.json.type."+r.c.cols[i].item.Type)), ""))
				continue
			}
			values[i] = x
			continue
		default:
			errs = append(errs, rowError(num, name, pubdata.RuleType, pubdata.NewMessage("row.json.compound", "Column", title), ""))
			continue
		}
		values[i], errs = r.c.cell(i, text, num, errs)
	}
	return r.c.finish(num, values, errs)
}

// Rows returns a RowSource over ready rows (for the push API and tests).
func Rows(rows ...*pubdata.SourceRow) pubdata.RowSource { return &rowList{rows: rows} }

type rowList struct {
	rows []*pubdata.SourceRow
	next int
}

func (l *rowList) Next() (*pubdata.SourceRow, error) {
	if l.next >= len(l.rows) {
		return nil, io.EOF
	}
	l.next++
	return l.rows[l.next-1], nil
}

func (l *rowList) Read() int64 { return int64(l.next) }
func (l *rowList) Size() int64 { return int64(len(l.rows)) }
