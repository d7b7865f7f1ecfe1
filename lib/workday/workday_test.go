package workday

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// at returns the time in Location; "2026-09-30 10:00".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	layout := time.DateOnly
	if len(s) > len(layout) {
		layout = "2006-01-02 15:04"
	}
	v, err := time.ParseInLocation(layout, s, Location)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddWorkdays(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name     string
		received string // in Location
		n        int
		due      string // the date; the time is 17:30
	}{
		// The examples.
		{"issue: National Day 2026", "2026-09-30 10:00", 2, "2026-10-09"},
		{"issue: Friday before Spring Festival 2026 counts the make-up Saturday", "2026-02-13 10:00", 1, "2026-02-14"},
		{"Spring Festival 2026, second day", "2026-02-13 10:00", 2, "2026-02-24"},
		{"Spring Festival 2026, n=10 with make-up Saturday 02-28", "2026-02-13 10:00", 10, "2026-03-05"},

		// Spring Festival.
		{"Spring Festival 2024: make-up Sunday after the holiday", "2024-02-09 10:00", 1, "2024-02-18"},
		{"Spring Festival 2024: the Monday after", "2024-02-09 10:00", 2, "2024-02-19"},
		{"Spring Festival 2024: make-up Sunday before it", "2024-02-02 10:00", 1, "2024-02-04"},
		{"Spring Festival 2025: make-up Sunday before it", "2025-01-25 10:00", 1, "2025-01-26"},
		{"Spring Festival 2025: over the holiday", "2025-01-27 10:00", 1, "2025-02-05"},
		{"Spring Festival 2025: make-up Saturday after it", "2025-01-27 10:00", 4, "2025-02-08"},

		// National Day.
		{"National Day 2024: make-up Sunday before", "2024-09-27 10:00", 1, "2024-09-29"},
		{"National Day 2024: over the holiday", "2024-09-27 10:00", 3, "2024-10-08"},
		{"National Day 2024: make-up Saturday after", "2024-09-30 10:00", 5, "2024-10-12"},
		{"National Day 2025 (with Mid-Autumn): make-up Sunday before", "2025-09-26 10:00", 1, "2025-09-28"},
		{"National Day 2025: eight days off", "2025-09-30 10:00", 1, "2025-10-09"},
		{"National Day 2025: make-up Saturday after", "2025-09-30 10:00", 3, "2025-10-11"},
		{"National Day 2026: make-up Saturday after", "2026-09-30 10:00", 3, "2026-10-10"},
		{"National Day 2026: n=10", "2026-09-30 10:00", 10, "2026-10-20"},

		// Other holidays.
		{"Qingming 2024: make-up Sunday after", "2024-04-03 10:00", 1, "2024-04-07"},
		{"Labour Day 2024: make-up Sunday before", "2024-04-26 10:00", 1, "2024-04-28"},
		{"Labour Day 2024: over the holiday", "2024-04-30 10:00", 1, "2024-05-06"},
		{"Labour Day 2024: make-up Saturday after", "2024-04-30 10:00", 6, "2024-05-11"},
		{"Mid-Autumn 2024: make-up Saturday before", "2024-09-13 10:00", 1, "2024-09-14"},
		{"Mid-Autumn 2024: over the holiday", "2024-09-13 10:00", 2, "2024-09-18"},
		{"Dragon Boat 2025", "2025-05-30 10:00", 1, "2025-06-03"},
		{"Mid-Autumn 2026", "2026-09-24 10:00", 1, "2026-09-28"},
		{"make-up Sunday 2026-09-20", "2026-09-18 10:00", 1, "2026-09-20"},
		{"Labour Day 2026: make-up Saturday after", "2026-04-30 10:00", 2, "2026-05-07"},
		{"Labour Day 2026: make-up Saturday 05-09", "2026-04-30 10:00", 4, "2026-05-09"},
		{"ordinary week", "2026-03-09 10:00", 5, "2026-03-16"},

		// Year boundaries.
		{"2024 → 2025", "2024-12-31 10:00", 1, "2025-01-02"},
		{"2025 → 2026: New Year holiday then make-up Sunday", "2025-12-31 10:00", 1, "2026-01-04"},
		{"2025 → 2026: the Monday after", "2025-12-31 10:00", 2, "2026-01-05"},
		{"2023 (not covered) → 2024", "2023-12-29 10:00", 1, "2024-01-02"},
		{"2026 → 2027 (not covered: weekends only)", "2026-12-31 10:00", 1, "2027-01-01"},

		// Receipt after the close of business or on a day off: the date of receipt never counts.
		{"after close of business", "2026-09-30 18:00", 2, "2026-10-09"},
		{"just before midnight", "2026-09-30 23:59", 2, "2026-10-09"},
		{"on a holiday", "2026-10-03 10:00", 1, "2026-10-08"},
		{"on a holiday, n=3 reaches the make-up Saturday", "2026-10-03 10:00", 3, "2026-10-10"},
		{"on a weekend", "2026-03-07 10:00", 1, "2026-03-09"},
		{"on a make-up Saturday", "2026-02-14 10:00", 1, "2026-02-24"},

		// n = 0: the same working day, or the next one after the close or on a day off.
		{"n=0 during business hours", "2026-09-30 10:00", 0, "2026-09-30"},
		{"n=0 at midnight", "2026-09-30 00:00", 0, "2026-09-30"},
		{"n=0 at the close", "2026-09-30 17:30", 0, "2026-10-08"},
		{"n=0 after the close", "2026-09-30 18:00", 0, "2026-10-08"},
		{"n=0 on a holiday", "2026-10-03 10:00", 0, "2026-10-08"},
		{"n=0 on a make-up Saturday", "2026-10-10 09:00", 0, "2026-10-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddWorkdays(at(t, tc.received), tc.n)
			want := at(t, tc.due+" 17:30")
			if !got.Equal(want) || got.Location() != Location {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.received, tc.n, got.Format(time.RFC3339), want.Format(time.RFC3339))
			}
			if !c.IsWorkday(got) {
				t.Errorf("due %s is not a working day", got.Format(time.DateOnly))
			}
		})
	}
}

// TestAddWorkdaysTimeZone: the date of receipt is its date in China Standard Time.
func TestAddWorkdaysTimeZone(t *testing.T) {
	c := Default()
	// 16:30 UTC on Friday 02-13 is 00:30 on the make-up Saturday 02-14 in Beijing.
	got := c.AddWorkdays(time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC), 1)
	if want := at(t, "2026-02-24 17:30"); !got.Equal(want) {
		t.Errorf("due %s, want %s", got, want)
	}
	// 15:59 UTC is still Friday 23:59 in Beijing.
	got = c.AddWorkdays(time.Date(2026, 2, 13, 15, 59, 0, 0, time.UTC), 1)
	if want := at(t, "2026-02-14 17:30"); !got.Equal(want) {
		t.Errorf("due %s, want %s", got, want)
	}
	if got := c.AddWorkdays(time.Date(2026, 9, 30, 9, 0, 0, 0, time.UTC), 2).Format(time.RFC3339); got != "2026-10-09T17:30:00+08:00" {
		t.Errorf("due %s", got)
	}
}

// TestAgainstFiles checks every date of 2024–2026 and counts up to 12 against the holiday
// files read here independently.
func TestAgainstFiles(t *testing.T) {
	off := map[string]bool{} // date → isOffDay
	for _, y := range []string{"2024", "2025", "2026"} {
		b, err := os.ReadFile("data/" + y + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Days []struct {
				Date     string `json:"date"`
				IsOffDay bool   `json:"isOffDay"`
			} `json:"days"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Days {
			off[d.Date] = d.IsOffDay
		}
	}
	work := func(d time.Time) bool {
		if o, ok := off[d.Format(time.DateOnly)]; ok {
			return !o
		}
		return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
	}
	c := Default()
	for d := Date(2024, 1, 1); d.Year() <= 2026; d = d.AddDate(0, 0, 1) {
		if got, want := c.IsWorkday(d), work(d); got != want {
			t.Fatalf("IsWorkday(%s) = %v, want %v", d.Format(time.DateOnly), got, want)
		}
		for n := 1; n <= 12; n++ {
			due := c.AddWorkdays(d.Add(11*time.Hour), n)
			count := 0
			for x := d.AddDate(0, 0, 1); !x.After(due); x = x.AddDate(0, 0, 1) {
				if work(x) {
					count++
				}
			}
			if count != n || !work(due) || due.Hour() != 17 || due.Minute() != 30 {
				t.Fatalf("AddWorkdays(%s, %d) = %s: %d working days", d.Format(time.DateOnly), n, due, count)
			}
		}
	}
}

func TestDay(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		date string
		want Day
	}{
		{"2026-10-01", Day{Workday: false, Name: "国庆节", Covered: true}},
		{"2026-10-10", Day{Workday: true, Name: "国庆节", Covered: true}},
		{"2026-10-11", Day{Workday: false, Name: "", Covered: true}},
		{"2026-10-12", Day{Workday: true, Name: "", Covered: true}},
		{"2026-02-14", Day{Workday: true, Name: "春节", Covered: true}},
		{"2026-02-17", Day{Workday: false, Name: "春节", Covered: true}},
		{"2025-10-06", Day{Workday: false, Name: "国庆节、中秋节", Covered: true}},
		{"2025-06-02", Day{Workday: false, Name: "端午节", Covered: true}},
		{"2024-01-01", Day{Workday: false, Name: "元旦", Covered: true}},
		{"2024-05-11", Day{Workday: true, Name: "劳动节", Covered: true}},
		{"2027-10-01", Day{Workday: true, Name: "", Covered: false}},
		{"2023-10-01", Day{Workday: false, Name: "", Covered: false}},
	} {
		d := at(t, tc.date)
		if got := c.Day(d); got != tc.want {
			t.Errorf("Day(%s) = %+v, want %+v", tc.date, got, tc.want)
		}
		if got := c.IsWorkday(d); got != tc.want.Workday {
			t.Errorf("IsWorkday(%s) = %v", tc.date, got)
		}
	}
	for y, want := range map[int]bool{2023: false, 2024: true, 2025: true, 2026: true, 2027: false} {
		if c.Covered(y) != want {
			t.Errorf("Covered(%d) = %v", y, !want)
		}
	}
	if got := c.Years(); len(got) != 3 || got[0] != 2024 || got[2] != 2026 {
		t.Errorf("Years() = %v", got)
	}
	if p := c.Papers(2026); len(p) != 1 || !strings.Contains(p[0], "gov.cn") {
		t.Errorf("Papers(2026) = %v", p)
	}
	if New().Covered(2026) || !New().IsWorkday(at(t, "2026-10-01")) {
		t.Error("New() is not empty")
	}
}

func TestCloseOfBusiness(t *testing.T) {
	c := Default()
	if c.CloseOfBusiness() != DefaultCloseOfBusiness {
		t.Fatal(c.CloseOfBusiness())
	}
	if err := c.SetCloseOfBusiness(18 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, want := c.AddWorkdays(at(t, "2026-09-30 10:00"), 2), at(t, "2026-10-09 18:00"); !got.Equal(want) {
		t.Errorf("due %s, want %s", got, want)
	}
	// n = 0 uses the new close: 17:45 is before 18:00.
	if got, want := c.AddWorkdays(at(t, "2026-09-30 17:45"), 0), at(t, "2026-09-30 18:00"); !got.Equal(want) {
		t.Errorf("due %s, want %s", got, want)
	}
	for _, d := range []time.Duration{0, -time.Hour, 24 * time.Hour, 25 * time.Hour} {
		if err := c.SetCloseOfBusiness(d); err == nil {
			t.Errorf("SetCloseOfBusiness(%v) accepted", d)
		}
	}
	if c.CloseOfBusiness() != 18*time.Hour {
		t.Error("a refused close changed the calendar")
	}
	if Default().CloseOfBusiness() != DefaultCloseOfBusiness {
		t.Error("calendars share their close of business")
	}
}

func TestAddWorkdaysNegative(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Default().AddWorkdays(time.Now(), -1)
}

// file2027 is a made-up file for a year not embedded (a test fixture, not the notice).
const file2027 = `{
  "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
  "year": 2027,
  "papers": ["https://www.gov.cn/example"],
  "days": [
    {"name": "国庆节", "date": "2027-10-01", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-04", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-05", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-06", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-07", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-09", "isOffDay": false}
  ]
}`

func TestAdd(t *testing.T) {
	c := Default()
	other := Default()
	if c.AddWorkdays(at(t, "2027-09-30 10:00"), 1).Format(time.DateOnly) != "2027-10-01" {
		t.Fatal("2027 should have weekends only before its file")
	}
	year, err := c.Add([]byte("\xef\xbb\xbf" + file2027))
	if err != nil || year != 2027 {
		t.Fatalf("Add = %d, %v", year, err)
	}
	if !c.Covered(2027) || other.Covered(2027) {
		t.Fatal("Covered(2027) wrong, or calendars share their files")
	}
	if got := c.AddWorkdays(at(t, "2027-09-30 10:00"), 1).Format(time.DateOnly); got != "2027-10-08" {
		t.Errorf("due %s, want 2027-10-08", got)
	}
	if got := c.AddWorkdays(at(t, "2027-09-30 10:00"), 2).Format(time.DateOnly); got != "2027-10-09" {
		t.Errorf("due %s, want the make-up Saturday 2027-10-09", got)
	}

	// A corrected file replaces the year's file whole.
	corrected := strings.Replace(file2027, `"2027-10-09", "isOffDay": false`, `"2027-10-08", "isOffDay": true`, 1)
	if _, err := c.Add([]byte(corrected)); err != nil {
		t.Fatal(err)
	}
	if c.IsWorkday(at(t, "2027-10-09")) || c.IsWorkday(at(t, "2027-10-08")) {
		t.Error("the replaced file still counts")
	}

	// The embedded files load through Add too.
	b, err := os.ReadFile("data/2026.json")
	if err != nil {
		t.Fatal(err)
	}
	if year, err := New().Add(b); err != nil || year != 2026 {
		t.Errorf("Add(2026.json) = %d, %v", year, err)
	}
}

func TestAddInvalid(t *testing.T) {
	day := func(s string) string {
		return `{"year": 2027, "papers": ["https://www.gov.cn/x"], "days": [` + s + `]}`
	}
	ok := `{"name": "元旦", "date": "2027-01-01", "isOffDay": true}`
	for _, tc := range []struct {
		name, file string
		want       string // in the message
		field      string // among the fields; "" for none
	}{
		{"empty", ``, "it is empty", ""},
		{"not JSON", `{"year": 2027,`, "ends too early", ""},
		{"syntax", `{"year": 2027 "days": []}`, "not valid JSON at byte", ""},
		{"array", `[]`, "must be a JSON object", ""},
		{"null", `null`, "must be a JSON object", ""},
		{"trailing", day(ok) + ` {}`, "one JSON object and nothing after it", ""},
		{"unknown field", `{"year": 2027, "papers": ["x"], "days": [` + ok + `], "holidays": []}`, `unknown field "holidays"`, "holidays"},
		{"bad $schema", `{"$schema": 1, "year": 2027, "papers": ["x"], "days": [` + ok + `]}`, "$schema must be a string", "$schema"},
		{"year missing", `{"papers": ["x"], "days": [` + ok + `]}`, "year is missing", "year"},
		{"year null", `{"year": null, "papers": ["x"], "days": [` + ok + `]}`, "year is missing", "year"},
		{"year string", `{"year": "2027", "papers": ["x"], "days": [` + ok + `]}`, `year must be a whole number, not "2027"`, "year"},
		{"year fraction", `{"year": 2027.5, "papers": ["x"], "days": [` + ok + `]}`, "year must be a whole number", "year"},
		{"year range", `{"year": 1900, "papers": ["x"], "days": [{"name": "元旦", "date": "1900-01-01", "isOffDay": true}]}`, "year 1900 is not between 1949 and 9999", "year"},
		{"papers empty", `{"year": 2027, "papers": [], "days": [` + ok + `]}`, "papers is empty", "papers"},
		{"papers not strings", `{"year": 2027, "papers": [1], "days": [` + ok + `]}`, "papers must be a list of strings", "papers"},
		{"paper blank", `{"year": 2027, "papers": ["x", " "], "days": [` + ok + `]}`, "papers[1] is empty", "papers[1]"},
		{"days missing", `{"year": 2027, "papers": ["x"]}`, "days is missing", "days"},
		{"days empty (a placeholder before the notice)", `{"year": 2027, "papers": ["x"], "days": []}`, "days is empty", "days"},
		{"days not a list", `{"year": 2027, "papers": ["x"], "days": {}}`, "days must be a list", "days"},
		{"day not an object", day(ok + `, "2027-01-02"`), "days[1] must be an object", "days[1]"},
		{"day unknown field", day(`{"name": "元旦", "date": "2027-01-01", "isOffDay": true, "note": "x"}`), `days[0] has an unknown field "note"`, "days[0].note"},
		{"name missing", day(`{"date": "2027-01-01", "isOffDay": true}`), "days[0].name is missing", "days[0].name"},
		{"name blank", day(`{"name": " ", "date": "2027-01-01", "isOffDay": true}`), "days[0].name is empty", "days[0].name"},
		{"name not a string", day(`{"name": 1, "date": "2027-01-01", "isOffDay": true}`), "days[0].name must be a string", "days[0].name"},
		{"date missing", day(`{"name": "元旦", "isOffDay": true}`), "days[0].date is missing", "days[0].date"},
		{"date impossible", day(`{"name": "春节", "date": "2027-02-30", "isOffDay": true}`), `days[0].date "2027-02-30" is not a date`, "days[0].date"},
		{"date format", day(`{"name": "元旦", "date": "2027/01/01", "isOffDay": true}`), `days[0].date "2027/01/01" is not a date of the form YYYY-MM-DD`, "days[0].date"},
		{"date with time", day(`{"name": "元旦", "date": "2027-01-01T00:00:00Z", "isOffDay": true}`), "is not a date", "days[0].date"},
		{"date a number", day(`{"name": "元旦", "date": 20270101, "isOffDay": true}`), "days[0].date must be a string YYYY-MM-DD, not 20270101", "days[0].date"},
		{"date other year", day(`{"name": "元旦", "date": "2026-12-31", "isOffDay": true}`), "days[0].date 2026-12-31 is not in the file's year 2027", "days[0].date"},
		{"date twice", day(ok + `, ` + ok), "days[1].date 2027-01-01 is listed twice", "days[1].date"},
		{"isOffDay missing", day(`{"name": "元旦", "date": "2027-01-01"}`), "days[0].isOffDay is missing", "days[0].isOffDay"},
		{"isOffDay null", day(`{"name": "元旦", "date": "2027-01-01", "isOffDay": null}`), "days[0].isOffDay is missing", "days[0].isOffDay"},
		{"isOffDay string", day(`{"name": "元旦", "date": "2027-01-01", "isOffDay": "true"}`), `days[0].isOffDay must be true or false, not "true"`, "days[0].isOffDay"},
		{"make-up on a weekday", day(`{"name": "国庆节", "date": "2027-10-11", "isOffDay": false}`), "2027-10-11 is a Monday, so it cannot be a make-up working day", "days[0].isOffDay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			year, err := c.Add([]byte(tc.file))
			if err == nil {
				t.Fatalf("Add accepted the file (year %d)", year)
			}
			if pubdata.ErrorCode(err) != pubdata.EINVALID {
				t.Errorf("code %q, want invalid", pubdata.ErrorCode(err))
			}
			msg := pubdata.ErrorMessage(err)
			if !strings.HasPrefix(msg, "The holiday file is not valid: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want one containing %q", msg, tc.want)
			}
			fields := pubdata.ErrorFields(err)
			if tc.field != "" && fields[tc.field] == nil {
				t.Errorf("fields %v lack %q", fields, tc.field)
			}
			if c.Covered(2027) || len(c.Years()) != 3 {
				t.Errorf("a refused file changed the calendar: %v", c.Years())
			}
		})
	}

	// Every problem is named, up to ten.
	var days []string
	for i := 0; i < 15; i++ {
		days = append(days, `{"name": "", "date": "2027-01-01", "isOffDay": true}`)
	}
	_, err := New().Add([]byte(`{"year": 2027, "papers": [], "days": [` + strings.Join(days, ",") + `]}`))
	msg := pubdata.ErrorMessage(err)
	if !strings.Contains(msg, "papers is empty") || !strings.Contains(msg, "days[4].name is empty") || !strings.Contains(msg, "and 20 more problems") {
		t.Errorf("message %q", msg)
	}
}

// TestConcurrent runs Add beside readers; go test -race checks it.
func TestConcurrent(t *testing.T) {
	c := Default()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Go(func() {
			for j := 0; j < 100; j++ {
				c.AddWorkdays(at(t, "2027-09-30 10:00"), 3)
				c.Day(at(t, "2027-10-09"))
			}
		})
	}
	wg.Go(func() {
		for j := 0; j < 20; j++ {
			if _, err := c.Add([]byte(file2027)); err != nil {
				t.Error(err)
			}
			_ = c.SetCloseOfBusiness(17 * time.Hour)
		}
	})
	wg.Wait()
}

// A file without papers is accepted (the contract's minimal form); ParseFile and JSON
// round-trip it.
func TestParseFileWithoutPapers(t *testing.T) {
	f, err := ParseFile([]byte(`{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Year != 2027 || len(f.Papers) != 0 || len(f.Days) != 1 || !f.Days[0].Off || f.Days[0].Date.Format(time.DateOnly) != "2027-01-01" {
		t.Fatalf("file %+v", f)
	}
	g, err := ParseFile(f.JSON())
	if err != nil || g.Year != f.Year || len(g.Days) != 1 || g.Days[0].Name != "元旦" {
		t.Fatalf("round trip %+v, %v", g, err)
	}
	full, err := ParseFile([]byte(file2027))
	if err != nil || len(full.Papers) != 1 || len(full.Days) != 6 || full.Days[0].Date.After(full.Days[5].Date) {
		t.Fatalf("file2027: %+v, %v", full, err)
	}
}

// Load replaces the years and the corrections; corrections count in covered years only.
func TestLoadCorrectionsAndCoverage(t *testing.T) {
	c := New()
	f2027, err := ParseFile([]byte(file2027))
	if err != nil {
		t.Fatal(err)
	}
	files := append(Embedded(), f2027)
	c.Load(files, []Correction{
		{Date: at(t, "2027-10-08"), Workday: false, Name: "地方调整"},
		{Date: at(t, "2028-01-03"), Workday: false, Name: "not covered"},
	})
	if d := c.Day(at(t, "2027-10-08")); d.Workday || !d.Corrected || d.Name != "地方调整" || !d.Covered {
		t.Errorf("corrected day %+v", d)
	}
	if got := c.AddWorkdays(at(t, "2027-09-30 10:00"), 1).Format(time.DateOnly); got != "2027-10-09" {
		t.Errorf("due %s, want the make-up Saturday 2027-10-09 (10-08 corrected to a day off)", got)
	}
	if d := c.Day(at(t, "2028-01-03")); !d.Workday || d.Corrected || d.Covered {
		t.Errorf("a correction in an uncovered year counted: %+v", d)
	}
	if end, ok := c.CoveredThrough(at(t, "2025-06-01")); !ok || end.Format(time.DateOnly) != "2027-12-31" {
		t.Errorf("CoveredThrough = %v, %v", end, ok)
	}
	if _, ok := c.CoveredThrough(at(t, "2028-06-01")); ok {
		t.Error("2028 is not covered")
	}
	if !c.SpanCovered(at(t, "2026-12-20"), at(t, "2027-01-05")) || c.SpanCovered(at(t, "2027-12-20"), at(t, "2028-01-05")) {
		t.Error("SpanCovered wrong")
	}
	// Load replaces all: without 2027 the run ends in 2026.
	c.Load(Embedded(), nil)
	if end, ok := c.CoveredThrough(at(t, "2026-12-06")); !ok || end.Format(time.DateOnly) != "2026-12-31" {
		t.Errorf("CoveredThrough after reload = %v, %v", end, ok)
	}
	if d := c.Day(at(t, "2027-10-08")); !d.Workday || d.Corrected {
		t.Errorf("the old correction survived Load: %+v", d)
	}
}

// The deadline that crosses New Year: uncovered 2027 counts 1 January as a working day;
// with a 2027 file that lists it as a holiday, the deadline moves.
func TestNewYearDeadline(t *testing.T) {
	c := Default()
	if got := c.AddWorkdays(at(t, "2026-12-30 10:00"), 2).Format(time.DateOnly); got != "2027-01-01" {
		t.Fatalf("without 2027: %s", got)
	}
	c.Load(append(Embedded(), &File{Year: 2027, Days: []FileDay{{Date: at(t, "2027-01-01"), Name: "元旦", Off: true}}}), nil)
	if got := c.AddWorkdays(at(t, "2026-12-30 10:00"), 2).Format(time.DateOnly); got != "2027-01-04" {
		t.Fatalf("with 2027: %s", got)
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := Default()
	received := at(t, "2026-09-30 10:00")
	due := c.AddWorkdays(received, 3)
	if n, exact := c.WorkdaysBetween(received, due); n != 3 || !exact {
		t.Errorf("WorkdaysBetween = %d, %v; want 3, true", n, exact)
	}
	if _, exact := c.WorkdaysBetween(received, due.Add(time.Hour)); exact {
		t.Error("a due time off the close of business is not a counted deadline")
	}
	if n, exact := c.WorkdaysBetween(received, received.Add(-time.Hour)); n != 0 || exact {
		t.Errorf("a due before the receipt: %d, %v", n, exact)
	}
}
