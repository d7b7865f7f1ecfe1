package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/workday"
)

var _ pubdata.CalendarService = (*CalendarService)(nil)

// calendarCache is the DB's working-day calendar: one *workday.Calendar that the server
// counts deadlines with, reloaded from calendar_years and calendar_days whenever the stored
// generation (calendar_state.gen) differs from the one loaded — on this server or another.
type calendarCache struct {
	mu  sync.Mutex
	gen int64 // -1 until loaded
	cal *workday.Calendar
}

// Calendar returns the calendar this DB counts deadlines with. Changes through the
// CalendarService reload it at once; SyncCalendar picks up another server's changes.
func (d *DB) Calendar() *workday.Calendar {
	d.calendar.mu.Lock()
	defer d.calendar.mu.Unlock()
	if d.calendar.cal == nil {
		d.calendar.cal, d.calendar.gen = workday.New(), -1
	}
	return d.calendar.cal
}

// SyncCalendar reloads the calendar when the stored generation changed (one query when not).
func (d *DB) SyncCalendar(ctx context.Context) error {
	tx, err := d.snapshot(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.calendar(ctx)
	return err
}

// calendar returns the DB's calendar as of tx, reloading it when the generation changed.
// It must not be called after tx changed the calendar (see loadCalendar).
func (tx *Tx) calendar(ctx context.Context) (*workday.Calendar, error) {
	cal := tx.db.Calendar()
	var gen int64
	if err := tx.queryRow(ctx, "SELECT gen FROM calendar_state WHERE id = 1").Scan(&gen); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	c := &tx.db.calendar
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		return cal, nil
	}
	files, fixes, err := tx.loadCalendar(ctx)
	if err != nil {
		return nil, err
	}
	cal.Load(files, fixes)
	c.gen = gen
	return cal, nil
}

// loadCalendar reads every year's file and every correction as tx sees them: the built-in
// files (workday.Embedded) and, after them so that they win, the imported ones.
func (tx *Tx) loadCalendar(ctx context.Context) ([]*workday.File, []workday.Correction, error) {
	rows, err := tx.query(ctx, "SELECT year, file FROM calendar_years ORDER BY year")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	files := workday.Embedded()
	for rows.Next() {
		var year int
		var file string
		if err := rows.Scan(&year, &file); err != nil {
			return nil, nil, err
		}
		f, err := workday.ParseFile([]byte(file))
		if err != nil {
			return nil, nil, fmt.Errorf("calendar year %d: %w", year, err)
		}
		files = append(files, f)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	drows, err := tx.query(ctx, "SELECT day, workday, name FROM calendar_days ORDER BY day")
	if err != nil {
		return nil, nil, err
	}
	defer drows.Close()
	var fixes []workday.Correction
	for drows.Next() {
		var day, name string
		var wd int
		if err := drows.Scan(&day, &wd, &name); err != nil {
			return nil, nil, err
		}
		t, err := time.ParseInLocation(time.DateOnly, day, workday.Location)
		if err != nil {
			return nil, nil, fmt.Errorf("calendar day %q: %w", day, err)
		}
		fixes = append(fixes, workday.Correction{Date: t, Workday: wd != 0, Name: name})
	}
	return files, fixes, drows.Err()
}

// newCalendar is a calendar of what tx sees (its own uncommitted changes included).
func (tx *Tx) newCalendar(ctx context.Context) (*workday.Calendar, error) {
	files, fixes, err := tx.loadCalendar(ctx)
	if err != nil {
		return nil, err
	}
	cal := workday.New()
	cal.SetCloseOfBusiness(tx.db.Calendar().CloseOfBusiness())
	cal.Load(files, fixes)
	return cal, nil
}

// lockCalendar locks calendar_state (PostgreSQL; SQLite's write lock is held) and returns
// the end of the range last warned about.
func (tx *Tx) lockCalendar(ctx context.Context) (string, error) {
	var warned string
	err := tx.queryRow(ctx, "SELECT warned_through FROM calendar_state WHERE id = 1"+tx.db.forUpdate()).Scan(&warned)
	return warned, err
}

// bumpCalendar marks the calendar changed for every server.
func (tx *Tx) bumpCalendar(ctx context.Context) error {
	_, err := tx.exec(ctx, "UPDATE calendar_state SET gen = gen + 1 WHERE id = 1")
	return err
}

// CalendarService implements pubdata.CalendarService on calendar_years and calendar_days.
type CalendarService struct {
	db *DB
}

// NewCalendarService returns the calendar service on db.
func NewCalendarService(db *DB) *CalendarService { return &CalendarService{db: db} }

const calYearColumns = "year, file, source, updated_by, updated_at"

// findYears reads the stored years (all, or the one year) with their corrections.
func findYears(ctx context.Context, q interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, year int) ([]*pubdata.CalendarYear, error) {
	where, args := "", []any{}
	if year != 0 {
		where, args = " WHERE year = ?", []any{year}
	}
	rows, err := q.query(ctx, "SELECT "+calYearColumns+" FROM calendar_years"+where+" ORDER BY year", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*pubdata.CalendarYear
	byYear := map[int]*pubdata.CalendarYear{}
	for rows.Next() {
		var y pubdata.CalendarYear
		var file string
		var at time.Time
		if err := rows.Scan(&y.Year, &file, &y.Source, &y.UpdatedBy, timeCol{&at}); err != nil {
			return nil, err
		}
		y.UpdatedAt = &at
		f, err := workday.ParseFile([]byte(file))
		if err != nil {
			return nil, fmt.Errorf("calendar year %d: %w", y.Year, err)
		}
		y.Covered = true
		fillYear(&y, f)
		out = append(out, &y)
		byYear[y.Year] = &y
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, f := range workday.Embedded() {
		if byYear[f.Year] != nil || (year != 0 && f.Year != year) {
			continue
		}
		y := &pubdata.CalendarYear{Year: f.Year, Source: pubdata.CalendarBuiltIn, Covered: true}
		fillYear(y, f)
		out = append(out, y)
		byYear[y.Year] = y
	}
	slices.SortFunc(out, func(a, b *pubdata.CalendarYear) int { return a.Year - b.Year })
	drows, err := q.query(ctx, "SELECT day, year, workday, name, reason, updated_by, updated_at FROM calendar_days"+where+" ORDER BY day", args...)
	if err != nil {
		return nil, err
	}
	defer drows.Close()
	for drows.Next() {
		var c pubdata.CalendarCorrection
		var y, wd int
		if err := drows.Scan(&c.Date, &y, &wd, &c.Name, &c.Reason, &c.UpdatedBy, timeCol{&c.UpdatedAt}); err != nil {
			return nil, err
		}
		c.Workday = wd != 0
		if cy := byYear[y]; cy != nil {
			cy.Corrections = append(cy.Corrections, c)
		}
	}
	return out, drows.Err()
}

// fillYear sets y's papers and days from f (and empty corrections).
func fillYear(y *pubdata.CalendarYear, f *workday.File) {
	y.Papers, y.Days, y.Corrections = f.Papers, []pubdata.CalendarDay{}, []pubdata.CalendarCorrection{}
	if y.Papers == nil {
		y.Papers = []string{}
	}
	for _, d := range f.Days {
		y.Days = append(y.Days, pubdata.CalendarDay{Name: d.Name, Date: d.Date.Format(time.DateOnly), IsOffDay: d.Off})
	}
}

// FindCalendarYears implements pubdata.CalendarService.
func (s *CalendarService) FindCalendarYears(ctx context.Context) ([]*pubdata.CalendarYear, error) {
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findYears(ctx, tx, 0)
}

// FindCalendarYear implements pubdata.CalendarService.
func (s *CalendarService) FindCalendarYear(ctx context.Context, year int) (*pubdata.CalendarYear, error) {
	if year < workday.MinYear || year > workday.MaxYear {
		return nil, pubdata.FieldErrorf("year", "Year %d is not between %d and %d.", year, workday.MinYear, workday.MaxYear).Keyed("error.calendar.year", "Year", year, "Min", workday.MinYear, "Max", workday.MaxYear)
	}
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ys, err := findYears(ctx, tx, year)
	if err != nil {
		return nil, err
	}
	if len(ys) == 0 {
		return nil, notCovered(year)
	}
	return ys[0], nil
}

func notCovered(year int) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "The calendar has no holiday notice for %d: deadlines counted in %d know only weekends until an authority's admin imports the State Council notice of that year.", year, year).Keyed("error.calendar.not_covered", "Year", year)
}

// ImportCalendarYear implements pubdata.CalendarService.
func (s *CalendarService) ImportCalendarYear(ctx context.Context, file []byte) (*pubdata.CalendarChange, error) {
	f, err := workday.ParseFile(file)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, f.Year, func(tx *Tx) (change, error) {
		var before struct {
			source, by string
			days       int
		}
		var old string
		err := tx.queryRow(ctx, "SELECT file, source, updated_by FROM calendar_years WHERE year = ?", f.Year).Scan(&old, &before.source, &before.by)
		details := map[string]any{"year": f.Year, "papers": f.Papers, "days": len(f.Days)}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			for _, b := range workday.Embedded() {
				if b.Year == f.Year {
					details["before"] = map[string]any{"source": pubdata.CalendarBuiltIn, "days": len(b.Days), "papers": b.Papers}
				}
			}
			_, err = tx.exec(ctx, "INSERT INTO calendar_years (year, file, source, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
				f.Year, string(f.JSON()), pubdata.CalendarImport, pubdata.ActorFromContext(ctx).Username(), fmtTime(tx.now))
		case err == nil:
			if of, perr := workday.ParseFile([]byte(old)); perr == nil {
				details["before"] = map[string]any{"source": before.source, "updated_by": before.by, "days": len(of.Days), "papers": of.Papers}
			}
			_, err = tx.exec(ctx, "UPDATE calendar_years SET file = ?, source = ?, updated_by = ?, updated_at = ? WHERE year = ?",
				string(f.JSON()), pubdata.CalendarImport, pubdata.ActorFromContext(ctx).Username(), fmtTime(tx.now), f.Year)
		}
		return change{Action: "calendar.import", Object: "calendar:" + strconv.Itoa(f.Year), Details: details}, err
	})
}

// CorrectCalendarDay implements pubdata.CalendarService.
func (s *CalendarService) CorrectCalendarDay(ctx context.Context, c *pubdata.CalendarCorrection) (*pubdata.CalendarChange, error) {
	if err := pubdata.ValidateCalendarCorrection(c); err != nil {
		return nil, err
	}
	day, _ := time.ParseInLocation(time.DateOnly, c.Date, workday.Location)
	year := day.Year()
	return s.change(ctx, year, func(tx *Tx) (change, error) {
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM calendar_years WHERE year = ?", year).Scan(&n); err != nil {
			return change{}, err
		}
		for _, f := range workday.Embedded() {
			if f.Year == year {
				n++
			}
		}
		if n == 0 {
			return change{}, pubdata.FieldErrorf("date", "%d has no holiday notice in the calendar: import the State Council notice of %d before correcting its days.", year, year).Keyed("error.calendar.correct_uncovered", "Year", year)
		}
		details := map[string]any{"date": c.Date, "workday": c.Workday, "name": c.Name, "reason": c.Reason}
		var wd int
		var name, reason string
		err := tx.queryRow(ctx, "SELECT workday, name, reason FROM calendar_days WHERE day = ?", c.Date).Scan(&wd, &name, &reason)
		by := pubdata.ActorFromContext(ctx).Username()
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.exec(ctx, "INSERT INTO calendar_days (day, year, workday, name, reason, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				c.Date, year, boolInt(c.Workday), c.Name, c.Reason, by, fmtTime(tx.now))
		case err == nil:
			details["before"] = map[string]any{"workday": wd != 0, "name": name, "reason": reason}
			_, err = tx.exec(ctx, "UPDATE calendar_days SET workday = ?, name = ?, reason = ?, updated_by = ?, updated_at = ? WHERE day = ?",
				boolInt(c.Workday), c.Name, c.Reason, by, fmtTime(tx.now), c.Date)
		}
		return change{Action: "calendar.correct", Object: "calendar:" + c.Date, Details: details}, err
	})
}

// RemoveCalendarCorrection implements pubdata.CalendarService.
func (s *CalendarService) RemoveCalendarCorrection(ctx context.Context, date string) (*pubdata.CalendarChange, error) {
	day, err := time.ParseInLocation(time.DateOnly, date, workday.Location)
	if err != nil {
		return nil, pubdata.FieldErrorf("date", "Date %q is not a date as YYYY-MM-DD.", date).Keyed("error.calendar.date", "Date", date)
	}
	return s.change(ctx, day.Year(), func(tx *Tx) (change, error) {
		var wd int
		var name, reason string
		err := tx.queryRow(ctx, "SELECT workday, name, reason FROM calendar_days WHERE day = ?", date).Scan(&wd, &name, &reason)
		if errors.Is(err, sql.ErrNoRows) {
			return change{}, pubdata.Errorf(pubdata.ENOTFOUND, "%s has no correction.", date).Keyed("error.calendar.no_correction", "Date", date)
		} else if err != nil {
			return change{}, err
		}
		if _, err := tx.exec(ctx, "DELETE FROM calendar_days WHERE day = ?", date); err != nil {
			return change{}, err
		}
		return change{Action: "calendar.correction.remove", Object: "calendar:" + date,
			Details: map[string]any{"date": date, "before": map[string]any{"workday": wd != 0, "name": name, "reason": reason}}}, nil
	})
}

// maxMovedDetails bounds the recounted deadlines the record names one by one.
const maxMovedDetails = 100

// change runs one calendar change in a transaction: f writes it and returns its event; the
// deadlines counted with the old calendar are recounted with the new one, the event is
// recorded with what moved, and the DB's calendar is reloaded after the commit.
func (s *CalendarService) change(ctx context.Context, year int, f func(tx *Tx) (change, error)) (*pubdata.CalendarChange, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.lockCalendar(ctx); err != nil {
		return nil, err
	}
	old, err := tx.newCalendar(ctx)
	if err != nil {
		return nil, err
	}
	ev, err := f(tx)
	if err != nil {
		return nil, err
	}
	if err := tx.bumpCalendar(ctx); err != nil {
		return nil, err
	}
	cur, err := tx.newCalendar(ctx)
	if err != nil {
		return nil, err
	}
	moved, err := tx.recountDeadlines(ctx, old, cur)
	if err != nil {
		return nil, err
	}
	ev.Details["moved"] = len(moved)
	if len(moved) > 0 {
		ev.Details["moved_objects"] = moved[:min(len(moved), maxMovedDetails)]
	}
	if err := tx.record(ctx, ev); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if err := s.db.SyncCalendar(ctx); err != nil {
		return nil, err
	}
	y, err := s.FindCalendarYear(ctx, year)
	if err != nil {
		return nil, err
	}
	return &pubdata.CalendarChange{Year: y, Moved: moved}, nil
}

// recountDeadlines recounts the due dates of the pending applications, the open objections
// and the problem tickets waiting for an answer, not yet overdue, with cur instead of old:
// each due date old counted from the receipt (a ticket's round: from its report or
// reopening; n working days, WorkdaysBetween) is counted again with cur, and its due_covered
// set. Due dates set otherwise (not a count of old's) are left as they are.
func (tx *Tx) recountDeadlines(ctx context.Context, old, cur *workday.Calendar) ([]string, error) {
	var moved []string
	for _, t := range []struct{ table, object, where, from string }{
		{"applications", "application:", "status = 'pending' AND overdue = 0", "created_at"},
		{"objections", "objection:", "status = 'open' AND overdue_notified = 0", "created_at"},
		{"tickets", "ticket:", "status IN ('open', 'reopened')", "due_from"}, // a round counts from its report or reopening
	} {
		type row struct {
			id           string
			created, due time.Time
			covered      bool
		}
		rows, err := tx.query(ctx, "SELECT id, "+t.from+", due_at, due_covered FROM "+t.table+" WHERE "+t.where+" ORDER BY id")
		if err != nil {
			return nil, err
		}
		list, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (row, error) {
			var r row
			var c int
			err := sc.Scan(&r.id, timeCol{&r.created}, timeCol{&r.due}, &c)
			r.covered = c != 0
			return r, err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			n, exact := old.WorkdaysBetween(r.created, r.due)
			due := r.due
			if exact {
				due = cur.AddWorkdays(r.created, n)
			}
			covered := cur.SpanCovered(r.created, due)
			if due.Equal(r.due) && covered == r.covered {
				continue
			}
			if _, err := tx.exec(ctx, "UPDATE "+t.table+" SET due = ?, due_at = ?, due_covered = ?, updated_at = ? WHERE id = ?",
				pubdata.Today(due), fmtTime(due), boolInt(covered), fmtTime(tx.now), r.id); err != nil {
				return nil, err
			}
			if !due.Equal(r.due) {
				moved = append(moved, t.object+r.id)
			}
		}
	}
	slices.Sort(moved)
	return moved, nil
}

// WarnCalendarEnding implements pubdata.CalendarService: the admins of every authority are
// notified once per end of the covered range, from CalendarWarnDays before it.
func (s *CalendarService) WarnCalendarEnding(ctx context.Context, now time.Time) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	warned, err := tx.lockCalendar(ctx)
	if err != nil {
		return false, err
	}
	cal, err := tx.newCalendar(ctx)
	if err != nil {
		return false, err
	}
	through, ok := cal.CoveredThrough(now)
	if ok && !pubdata.CalendarEnding(through, now) {
		return false, nil
	}
	key, next := "", now.In(workday.Location).Year()
	if ok {
		key, next = through.Format(time.DateOnly), through.Year()+1
	} else {
		key = "uncovered:" + strconv.Itoa(next)
	}
	if warned == key {
		return false, nil
	}
	rows, err := tx.query(ctx, "SELECT code FROM orgs WHERE kind = 'authority' ORDER BY code")
	if err != nil {
		return false, err
	}
	codes, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var c string
		return c, sc.Scan(&c)
	})
	if err != nil || len(codes) == 0 {
		return false, err // no authority to warn yet: warn when there is one
	}
	if _, err := tx.exec(ctx, "UPDATE calendar_state SET warned_through = ? WHERE id = 1", key); err != nil {
		return false, err
	}
	shown := key // the last covered date, or that of the last covered year before now
	if !ok {
		shown = "—"
		for _, y := range cal.Years() {
			if y < next {
				shown = strconv.Itoa(y) + "-12-31"
			}
		}
	}
	sys := pubdata.NewContextWithActor(ctx, &pubdata.Actor{})
	if err := tx.record(sys, change{Action: "calendar.ending", Object: "calendar", Details: map[string]any{"through": shown, "next": next, "authorities": codes}}); err != nil {
		return false, err
	}
	note := pubdata.NewNotification(pubdata.NoticeCalendarEnding, map[string]string{"through": shown, "next": strconv.Itoa(next)}, "/console/calendar", "calendar")
	if err := tx.notify(ctx, note, pubdata.NoticeParties{Authorities: codes}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
