package workday

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// The years a holiday file may be for.
const (
	MinYear = 1949
	MaxYear = 9999
)

// maxProblems is how many problems of one file an error names.
const maxProblems = 10

// parseYear reads one holiday file in the format of NateScarlet/holiday-cn:
//
//	{"$schema": "…", "$id": "…", "year": 2026, "papers": ["https://www.gov.cn/…"],
//	 "days": [{"name": "国庆节", "date": "2026-10-01", "isOffDay": true}, …]}
//
// Each listed day is a statutory holiday (isOffDay true) or a make-up working day (isOffDay
// false); days not listed are working days from Monday to Friday. The check is strict:
// one JSON object with no fields but these ($schema and $id are optional strings); year a
// whole number from MinYear to MaxYear; papers, when given, at least one non-empty string
// (the notices' addresses); days at least one, each with exactly a non-empty name, a date YYYY-MM-DD in
// the file's year, listed once, and a boolean isOffDay; a make-up working day must fall on
// a Saturday or Sunday. A UTF-8 byte-order mark is ignored.
func parseYear(data []byte) (*yearData, error) {
	var p problems
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&top); err != nil {
		p.add("", "%s", jsonProblem(err))
		return nil, p.err()
	}
	if _, err := dec.Token(); err != io.EOF {
		p.add("", "it must hold one JSON object and nothing after it").Keyed("error.holidays.one_object")
		return nil, p.err()
	}
	if top == nil {
		p.add("", "it must be a JSON object").Keyed("error.holidays.object")
		return nil, p.err()
	}
	var unknown []string
	for k := range top {
		switch k {
		case "year", "papers", "days":
		case "$schema", "$id":
			var s string
			if isNull(top[k]) || json.Unmarshal(top[k], &s) != nil {
				p.add(k, "%s must be a string", k).Keyed("error.holidays.string", "Field", k)
			}
		default:
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		p.add(k, "unknown field %q (expected year and days, and optionally papers, $schema and $id)", k).Keyed("error.holidays.unknown_field", "Field", k)
	}

	y := &yearData{days: map[dateKey]listed{}}
	yearOK := false
	switch raw, ok := top["year"]; {
	case !ok || isNull(raw):
		p.add("year", "year is missing").Keyed("error.holidays.year.missing")
	case json.Unmarshal(raw, &y.year) != nil:
		p.add("year", "year must be a whole number, not %s", clip(raw)).Keyed("error.holidays.year.number", "Value", clip(raw))
	case y.year < MinYear || y.year > MaxYear:
		p.add("year", "year %d is not between %d and %d", y.year, MinYear, MaxYear).Keyed("error.holidays.year.range", "Year", y.year, "Min", MinYear, "Max", MaxYear)
	default:
		yearOK = true
	}

	switch raw, ok := top["papers"]; {
	case !ok || isNull(raw):
		// Optional: the notices' addresses, shown as the year's source when given.
	case json.Unmarshal(raw, &y.papers) != nil:
		p.add("papers", "papers must be a list of strings").Keyed("error.holidays.papers.list")
	case len(y.papers) == 0:
		p.add("papers", "papers is empty: list the addresses of the State Council notices the file is built from").Keyed("error.holidays.papers.empty")
	default:
		for i, s := range y.papers {
			if strings.TrimSpace(s) == "" {
				p.add(fmt.Sprintf("papers[%d]", i), "papers[%d] is empty", i).Keyed("error.holidays.paper.empty", "Index", i)
			}
		}
	}

	var days []json.RawMessage
	switch raw, ok := top["days"]; {
	case !ok || isNull(raw):
		p.add("days", "days is missing").Keyed("error.holidays.days.missing")
	case json.Unmarshal(raw, &days) != nil:
		p.add("days", "days must be a list of objects").Keyed("error.holidays.days.list")
	case len(days) == 0:
		p.add("days", "days is empty: a year's notice always lists some holidays").Keyed("error.holidays.days.empty")
	}
	for i, raw := range days {
		p.day(y, i, raw, yearOK)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return y, nil
}

// day checks days[i] and adds it to y.
func (p *problems) day(y *yearData, i int, raw json.RawMessage, yearOK bool) {
	at := fmt.Sprintf("days[%d]", i)
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		p.add(at, "%s must be an object with name, date and isOffDay", at).Keyed("error.holidays.day.object", "At", at)
		return
	}
	var unknown []string
	for k := range obj {
		if k != "name" && k != "date" && k != "isOffDay" {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		p.add(at+"."+k, "%s has an unknown field %q (expected name, date, isOffDay)", at, k).Keyed("error.holidays.day.unknown_field", "At", at, "Field", k)
	}
	var (
		l    listed
		date string
		ok   = true
	)
	switch raw, has := obj["name"]; {
	case !has || isNull(raw):
		p.add(at+".name", "%s.name is missing", at).Keyed("error.holidays.name.missing", "At", at)
		ok = false
	case json.Unmarshal(raw, &l.name) != nil:
		p.add(at+".name", "%s.name must be a string", at).Keyed("error.holidays.name.string", "At", at)
		ok = false
	case strings.TrimSpace(l.name) == "":
		p.add(at+".name", "%s.name is empty", at).Keyed("error.holidays.name.empty", "At", at)
		ok = false
	}
	switch raw, has := obj["isOffDay"]; {
	case !has || isNull(raw):
		p.add(at+".isOffDay", "%s.isOffDay is missing (true for a holiday, false for a make-up working day)", at).Keyed("error.holidays.off.missing", "At", at)
		ok = false
	case json.Unmarshal(raw, &l.off) != nil:
		p.add(at+".isOffDay", "%s.isOffDay must be true or false, not %s", at, clip(raw)).Keyed("error.holidays.off.bool", "At", at, "Value", clip(raw))
		ok = false
	}
	switch raw, has := obj["date"]; {
	case !has || isNull(raw):
		p.add(at+".date", "%s.date is missing", at).Keyed("error.holidays.date.missing", "At", at)
		return
	case json.Unmarshal(raw, &date) != nil:
		p.add(at+".date", "%s.date must be a string YYYY-MM-DD, not %s", at, clip(raw)).Keyed("error.holidays.date.string", "At", at, "Value", clip(raw))
		return
	}
	t, err := time.ParseInLocation(time.DateOnly, date, Location)
	if err != nil {
		p.add(at+".date", "%s.date %q is not a date of the form YYYY-MM-DD", at, date).Keyed("error.holidays.date.syntax", "At", at, "Date", date)
		return
	}
	if !yearOK {
		return
	}
	if t.Year() != y.year {
		p.add(at+".date", "%s.date %s is not in the file's year %d", at, date, y.year).Keyed("error.holidays.date.year", "At", at, "Date", date, "Year", y.year)
		return
	}
	k := keyOf(t)
	if _, dup := y.days[k]; dup {
		p.add(at+".date", "%s.date %s is listed twice", at, date).Keyed("error.holidays.date.twice", "At", at, "Date", date)
		return
	}
	y.days[k] = l // on any problem y is dropped, so a bad day may be stored
	if ok && !l.off && !weekend(t) {
		p.add(at+".isOffDay", "%s: %s is a %s, so it cannot be a make-up working day (isOffDay false); only a Saturday or Sunday can", at, date, t.Weekday()).
			Keyed("error.holidays.makeup_weekday", "At", at, "Date", date, "Weekday", pubdata.NewMessage("calendar.wd."+strings.ToLower(t.Weekday().String()[:3])))
	}
}

// problems collects what is wrong with a file.
type problems struct {
	list []*pubdata.Error
	more int
}

// add records a problem and returns it, for its message key (Keyed); past maxProblems it is
// only counted.
func (p *problems) add(field, format string, args ...any) *pubdata.Error {
	e := pubdata.FieldErrorf(field, format, args...)
	if len(p.list) == maxProblems {
		p.more++
		return e
	}
	p.list = append(p.list, e)
	return e
}

// err returns nil or one EINVALID error naming every problem.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	msgs := make([]string, len(p.list))
	for i, e := range p.list {
		msgs[i] = e.Message
	}
	msg := "The holiday file is not valid: " + strings.Join(msgs, "; ")
	if p.more > 0 {
		msg += fmt.Sprintf("; and %d more problems", p.more)
	}
	var fields []*pubdata.Error
	for _, e := range p.list {
		if e.Field != "" {
			fields = append(fields, e)
		}
	}
	return &pubdata.Error{Code: pubdata.EINVALID, Message: msg + ".", Fields: fields}
}

// jsonProblem describes a decoding error of the whole file.
func jsonProblem(err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return "it is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it is not valid JSON: it ends too early"
	case errors.As(err, &syn):
		return fmt.Sprintf("it is not valid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return "it must be a JSON object"
	}
	return "it is not valid JSON"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// clip returns raw JSON shortened for a message.
func clip(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}

// File is one year's holiday file: the days its State Council notice lists.
type File struct {
	Year   int
	Papers []string  // the notices' addresses; may be empty
	Days   []FileDay // by date
}

// FileDay is a day a file lists: a statutory holiday (Off) or a make-up working day.
type FileDay struct {
	Date time.Time // midnight in Location
	Name string
	Off  bool
}

// ParseFile reads and checks one holiday file (the format and the checks of Add). The error
// is a *pubdata.Error with code EINVALID naming every problem and its field.
func ParseFile(data []byte) (*File, error) {
	y, err := parseYear(data)
	if err != nil {
		return nil, err
	}
	return y.file(), nil
}

func (y *yearData) file() *File {
	f := &File{Year: y.year, Papers: slices.Clone(y.papers)}
	for k, l := range y.days {
		f.Days = append(f.Days, FileDay{Date: k.date(), Name: l.name, Off: l.off})
	}
	slices.SortFunc(f.Days, func(a, b FileDay) int { return a.Date.Compare(b.Date) })
	return f
}

// JSON returns the file in the holiday-cn format, days by date: what ParseFile reads back.
func (f *File) JSON() []byte {
	type day struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	}
	out := struct {
		Year   int      `json:"year"`
		Papers []string `json:"papers,omitempty"`
		Days   []day    `json:"days"`
	}{Year: f.Year, Papers: f.Papers, Days: []day{}}
	for _, d := range f.Days {
		out.Days = append(out.Days, day{Name: d.Name, Date: d.Date.Format(time.DateOnly), IsOffDay: d.Off})
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err) // strings, ints and bools always marshal
	}
	return b
}
