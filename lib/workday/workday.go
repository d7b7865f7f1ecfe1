// Package workday is the working-day calendar of the People's Republic of China: weekends,
// the statutory holidays and the make-up working days (调休) of each year's State Council
// notice, and deadlines counted in working days.
//
// A year's holidays come from a file in the format of NateScarlet/holiday-cn (ParseFile). The
// files for 2024, 2025 and 2026 are embedded (data/; source in docs/DATA.md; Embedded) and
// Default loads them; Add adds another year's file, and Load replaces every year and the
// corrected days at once (the server loads what the database holds). A year without a file
// is not covered: it has weekends only, so a date in it may be wrong, and Covered, Day and
// SpanCovered say so.
//
// Every date is a calendar date in China Standard Time (Location, UTC+8): a time.Time
// passed in stands for its date in Location.
package workday

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"time"
)

// Location is China Standard Time (Asia/Shanghai), UTC+8. China has kept no daylight
// saving time since 1991, so a fixed zone is exact and needs no time-zone database.
var Location = time.FixedZone("CST", 8*3600)

// DefaultCloseOfBusiness is the close of business of a working day, as time after midnight,
// unless SetCloseOfBusiness changes it: 17:30.
const DefaultCloseOfBusiness = 17*time.Hour + 30*time.Minute

// Date returns midnight at the start of the date in Location.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, Location)
}

// Calendar holds the holiday files of some years. It is safe for concurrent use; Add and
// SetCloseOfBusiness may be called while others read it.
type Calendar struct {
	mu    sync.RWMutex
	close time.Duration
	years map[int]*yearData // by year; never modified once stored, only replaced
	// fixed are the single days an administrator corrected, over the years' files; only
	// dates of covered years count.
	fixed map[dateKey]listed
}

// yearData is one parsed holiday file.
type yearData struct {
	year   int
	papers []string
	days   map[dateKey]listed
}

// listed is a day that a holiday file lists: a holiday (off) or a make-up working day.
type listed struct {
	name string
	off  bool
}

// dateKey is a date as yyyymmdd.
type dateKey int

func keyOf(t time.Time) dateKey {
	y, m, d := t.Date()
	return dateKey(y*10000 + int(m)*100 + d)
}

func (k dateKey) date() time.Time {
	return Date(int(k)/10000, time.Month(int(k)/100%100), int(k)%100)
}

// New returns a calendar without holiday files: every year has weekends only and is not
// covered.
func New() *Calendar {
	return &Calendar{close: DefaultCloseOfBusiness, years: map[int]*yearData{}, fixed: map[dateKey]listed{}}
}

//go:embed data/[0-9][0-9][0-9][0-9].json
var embedded embed.FS

// embeddedYears parses the embedded files once; a bad one is a build error.
var embeddedYears = sync.OnceValue(func() []*yearData {
	names, err := fs.Glob(embedded, "data/*.json")
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("workday: no embedded holiday files: %v", err))
	}
	var out []*yearData
	for _, name := range names {
		b, err := embedded.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("workday: %s: %v", name, err))
		}
		y, err := parseYear(b)
		if err != nil {
			panic(fmt.Sprintf("workday: embedded %s: %v", name, err))
		}
		out = append(out, y)
	}
	return out
})

// Embedded returns the embedded holiday files (2024–2026), by year.
func Embedded() []*File {
	var out []*File
	for _, y := range embeddedYears() {
		out = append(out, y.file())
	}
	slices.SortFunc(out, func(a, b *File) int { return a.Year - b.Year })
	return out
}

// Default returns a new calendar with the embedded holiday files (2024–2026) and the
// default close of business. Each call returns a calendar of its own, so Add on one does not
// change another.
func Default() *Calendar {
	c := New()
	for _, y := range embeddedYears() {
		c.years[y.year] = y
	}
	return c
}

// Add loads one year's holiday file, replacing the file of that year if the calendar has
// one, and returns the year. The file is checked strictly (see parseYear); on any problem
// the calendar is unchanged and the error, a *pubdata.Error with code EINVALID, names every
// problem found (up to ten) and the field of each (year, papers[0], days[3].date …).
func (c *Calendar) Add(data []byte) (year int, err error) {
	y, err := parseYear(data)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.years[y.year] = y
	return y.year, nil
}

// Covered reports whether the calendar has the holiday file of the year. Outside the
// covered years only weekends are days off.
func (c *Calendar) Covered(year int) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.years[year]
	return ok
}

// Years returns the covered years in ascending order.
func (c *Calendar) Years() []int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Papers returns the addresses of the State Council notices that the year's file was built
// from, or nil when the year is not covered.
func (c *Calendar) Papers(year int) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if y, ok := c.years[year]; ok {
		return slices.Clone(y.papers)
	}
	return nil
}

// SetCloseOfBusiness sets the close of business of every working day, as time after
// midnight (17*time.Hour+30*time.Minute for 17:30). It must be more than 0 and less than
// 24 hours.
func (c *Calendar) SetCloseOfBusiness(d time.Duration) error {
	if d <= 0 || d >= 24*time.Hour {
		return fmt.Errorf("workday: close of business %v must be after 00:00 and before 24:00", d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.close = d
	return nil
}

// CloseOfBusiness returns the close of business as time after midnight.
func (c *Calendar) CloseOfBusiness() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.close
}

// Day describes one date.
type Day struct {
	// Workday: a weekday that is no holiday, or a make-up working day.
	Workday bool
	// Name is the holiday whose arrangement lists the date ("国庆节"), for a holiday and for
	// a make-up working day alike; "" for any other date.
	Name string
	// Covered reports whether the date's year has a holiday file; if not, Workday knows
	// only weekends.
	Covered bool
	// Corrected: an administrator set this date by hand (Correction), over the file.
	Corrected bool
}

// Day returns what the calendar knows of t's date in Location.
func (c *Calendar) Day(t time.Time) Day {
	t = t.In(Location)
	c.mu.RLock()
	defer c.mu.RUnlock()
	y, covered := c.years[t.Year()]
	d := Day{Covered: covered}
	if covered {
		if l, ok := c.fixed[keyOf(t)]; ok {
			d.Workday, d.Name, d.Corrected = !l.off, l.name, true
			return d
		}
		if l, ok := y.days[keyOf(t)]; ok {
			d.Workday, d.Name = !l.off, l.name
			return d
		}
	}
	d.Workday = !weekend(t)
	return d
}

// IsWorkday reports whether t's date in Location is a working day: a weekday that is no
// statutory holiday, or a make-up working day. In a year that is not covered it is any
// weekday.
func (c *Calendar) IsWorkday(t time.Time) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.isWorkday(t.In(Location))
}

// isWorkday is IsWorkday for t in Location, with the read lock held.
func (c *Calendar) isWorkday(t time.Time) bool {
	if y, ok := c.years[t.Year()]; ok {
		if l, ok := c.fixed[keyOf(t)]; ok {
			return !l.off
		}
		if l, ok := y.days[keyOf(t)]; ok {
			return !l.off
		}
	}
	return !weekend(t)
}

func weekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// AddWorkdays returns the deadline of n working days from the receipt at received: the
// close of business of the nth working day after the date of receipt, in Location. Received
// 2026-09-30 with n = 2 gives 2026-10-09 17:30 (10-01 to 10-07 are the National Day
// holiday).
//
// The date of receipt itself never counts, whatever the hour: counting starts on the next
// day (the Civil Code, art. 201), so a receipt after the close of business or on a day off
// gives the same deadline as a receipt during that date's business hours.
//
// n = 0 means the same working day: the close of business of the date of receipt if that
// is a working day and received is before its close, else the close of the next working
// day. AddWorkdays panics if n is negative.
func (c *Calendar) AddWorkdays(received time.Time, n int) (due time.Time) {
	if n < 0 {
		panic(fmt.Sprintf("workday: AddWorkdays with negative count %d", n))
	}
	received = received.In(Location)
	c.mu.RLock()
	defer c.mu.RUnlock()
	day := Date(received.Year(), received.Month(), received.Day())
	if n == 0 {
		if c.isWorkday(day) && received.Before(day.Add(c.close)) {
			return day.Add(c.close)
		}
		n = 1
	}
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.isWorkday(day) {
			n--
		}
	}
	return day.Add(c.close)
}

// Correction is one date an administrator sets by hand, over the year's file: a working day
// or a day off, with the name of its arrangement ("" for none).
type Correction struct {
	Date    time.Time // its date in Location counts
	Workday bool
	Name    string
}

// Load replaces every year and correction of the calendar at once with files (one a year;
// a later file of the same year wins) and corrections (counted only in a year that has a
// file). Readers see the old state or the new one, never a mix.
func (c *Calendar) Load(files []*File, corrections []Correction) {
	years := make(map[int]*yearData, len(files))
	for _, f := range files {
		y := &yearData{year: f.Year, papers: slices.Clone(f.Papers), days: make(map[dateKey]listed, len(f.Days))}
		for _, d := range f.Days {
			y.days[keyOf(d.Date.In(Location))] = listed{name: d.Name, off: d.Off}
		}
		years[f.Year] = y
	}
	fixed := make(map[dateKey]listed, len(corrections))
	for _, k := range corrections {
		fixed[keyOf(k.Date.In(Location))] = listed{name: k.Name, off: !k.Workday}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.years, c.fixed = years, fixed
}

// CoveredThrough returns the last date (midnight in Location) of the unbroken run of
// covered years that starts with t's year, and false when t's year is not covered.
func (c *Calendar) CoveredThrough(t time.Time) (time.Time, bool) {
	year := t.In(Location).Year()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, ok := c.years[year]; !ok {
		return time.Time{}, false
	}
	for {
		if _, ok := c.years[year+1]; !ok {
			return Date(year, time.December, 31), true
		}
		year++
	}
}

// SpanCovered reports whether every year from from's to to's (in Location) has a holiday
// file: a deadline counted from from to to is then confirmed; otherwise it counted only
// weekends in the years without one.
func (c *Calendar) SpanCovered(from, to time.Time) bool {
	a, b := from.In(Location).Year(), to.In(Location).Year()
	c.mu.RLock()
	defer c.mu.RUnlock()
	for y := a; y <= b; y++ {
		if _, ok := c.years[y]; !ok {
			return false
		}
	}
	return true
}

// WorkdaysBetween returns n, the working days after the date of received up to and
// including the date of due, and whether AddWorkdays(received, n) is exactly due: whether
// due is a deadline this calendar counts from received, so that another calendar can count
// the same n again.
func (c *Calendar) WorkdaysBetween(received, due time.Time) (n int, exact bool) {
	r, d := received.In(Location), due.In(Location)
	c.mu.RLock()
	day := Date(r.Year(), r.Month(), r.Day())
	last := Date(d.Year(), d.Month(), d.Day())
	for day = day.AddDate(0, 0, 1); !day.After(last); day = day.AddDate(0, 0, 1) {
		if c.isWorkday(day) {
			n++
		}
	}
	c.mu.RUnlock()
	return n, n > 0 && c.AddWorkdays(received, n).Equal(due)
}
