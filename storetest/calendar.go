package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

var calendarTests = []namedTest{
	{"CalendarImportRecounts", testCalendarImportRecounts},
	{"CalendarCorrections", testCalendarCorrections},
	{"CalendarWarning", testCalendarWarning},
}

// file2027 is a made-up holiday file for 2027 (a test fixture: the 2027 notice is not out).
const file2027 = `{"year": 2027, "papers": ["https://www.gov.cn/test-fixture"], "days": [
  {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
  {"name": "国庆节", "date": "2027-10-01", "isOffDay": true}]}`

// newYearNow is 2026-12-30 10:00 in China: two working days later is New Year's Day.
var newYearNow = time.Date(2026, 12, 30, 2, 0, 0, 0, time.UTC)

func needCalendar(t *testing.T, s *Store) {
	t.Helper()
	if s.Calendar == nil {
		t.Fatal("the store under test must provide its calendar service (storetest.Store)")
	}
}

// applyOverNewYear files a share application on 2026-12-30, due in 2 working days counted
// with the built-in calendar (no 2027 notice): 2027-01-01.
func applyOverNewYear(t *testing.T, s *Store) (*appFixture, *pubdata.Application) {
	fx := appSetup(t, s)
	s.SetNow(newYearNow)
	app := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	if app.Due != "2027-01-01" || app.DueCovered {
		t.Fatalf("before the 2027 notice: due %s covered %v, want 2027-01-01 unconfirmed", app.Due, app.DueCovered)
	}
	return fx, app
}

func wantDue(t *testing.T, s *Store, id, due string, covered bool) {
	t.Helper()
	app, err := s.Applications.FindApplicationByID(system, id)
	if err != nil {
		t.Fatal(err)
	}
	if app.Due != due || app.DueCovered != covered || !app.DueAt.Equal(time.Date(app.DueAt.Year(), app.DueAt.Month(), app.DueAt.Day(), 9, 30, 0, 0, time.UTC)) {
		t.Fatalf("due %s (%s) covered %v, want %s 17:30 covered %v", app.Due, app.DueAt, app.DueCovered, due, covered)
	}
}

// testCalendarImportRecounts: the built-in years are listed; a bad file is refused naming
// the field and changes nothing; importing 2027 recounts the pending deadline that crossed
// New Year, records the change, and replaces a built-in year when one is imported.
func testCalendarImportRecounts(t *testing.T, s *Store) {
	needCalendar(t, s)
	fx, app := applyOverNewYear(t, s)

	years, err := s.Calendar.FindCalendarYears(system)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, y := range years {
		got = append(got, y.Year)
		if y.Source != pubdata.CalendarBuiltIn || !y.Covered || len(y.Days) == 0 || len(y.Papers) == 0 {
			t.Errorf("year %d: %+v", y.Year, y)
		}
	}
	if len(got) != 3 || got[0] != 2024 || got[2] != 2026 {
		t.Fatalf("years %v, want 2024–2026", got)
	}
	_, err = s.Calendar.FindCalendarYear(system, 2027)
	wantCode(t, err, pubdata.ENOTFOUND)

	before := countEvents(t, s, "calendar.import")
	_, err = s.Calendar.ImportCalendarYear(fx.provAuth, []byte(`{"year": 2027, "days": [{"name": "元旦", "date": "2027-13-01", "isOffDay": true}]}`))
	wantCode(t, err, pubdata.EINVALID)
	if fe := pubdata.ErrorFields(err); fe["days[0].date"] == nil {
		t.Errorf("the error names no field days[0].date: %v", err)
	}
	if _, err := s.Calendar.FindCalendarYear(system, 2027); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("a refused file was stored: %v", err)
	}
	wantDue(t, s, app.ID, "2027-01-01", false)

	ch, err := s.Calendar.ImportCalendarYear(fx.provAuth, []byte(file2027))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Year.Year != 2027 || ch.Year.Source != pubdata.CalendarImport || ch.Year.UpdatedBy != "dsj-reviewer" || len(ch.Year.Days) != 2 {
		t.Errorf("imported year %+v", ch.Year)
	}
	if len(ch.Moved) != 1 || ch.Moved[0] != "application:"+app.ID {
		t.Errorf("moved %v, want the application", ch.Moved)
	}
	wantDue(t, s, app.ID, "2027-01-04", true)
	if n := countEvents(t, s, "calendar.import"); n != before+1 {
		t.Errorf("%d calendar.import events, want %d", n, before+1)
	}

	// Importing the same file again moves nothing.
	if ch, err = s.Calendar.ImportCalendarYear(fx.provAuth, []byte(file2027)); err != nil || len(ch.Moved) != 0 {
		t.Fatalf("re-import: %v, moved %v", err, ch)
	}
	wantDue(t, s, app.ID, "2027-01-04", true)

	// An imported 2026 replaces the built-in one.
	y2026 := `{"year": 2026, "days": [{"name": "元旦", "date": "2026-01-01", "isOffDay": true}, {"name": "补班", "date": "2026-12-31", "isOffDay": true}]}`
	ch, err = s.Calendar.ImportCalendarYear(fx.provAuth, []byte(y2026))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Year.Source != pubdata.CalendarImport || len(ch.Year.Days) != 2 {
		t.Errorf("2026 after import: %+v", ch.Year)
	}
	wantDue(t, s, app.ID, "2027-01-05", true) // 12-31 is now off
}

// testCalendarCorrections: a day of a covered year is corrected with a reason (recorded,
// recounting deadlines) and the correction removed; uncovered years and missing reasons are
// refused naming the field.
func testCalendarCorrections(t *testing.T, s *Store) {
	needCalendar(t, s)
	fx, app := applyOverNewYear(t, s)
	if _, err := s.Calendar.ImportCalendarYear(fx.provAuth, []byte(file2027)); err != nil {
		t.Fatal(err)
	}
	wantDue(t, s, app.ID, "2027-01-04", true)

	_, err := s.Calendar.CorrectCalendarDay(fx.provAuth, &pubdata.CalendarCorrection{Date: "2027-01-04", Workday: false, Name: "元旦"})
	wantCode(t, err, pubdata.EINVALID)
	if pubdata.ErrorFields(err)["reason"] == nil {
		t.Errorf("no field reason: %v", err)
	}
	_, err = s.Calendar.CorrectCalendarDay(fx.provAuth, &pubdata.CalendarCorrection{Date: "2028-01-03", Reason: "地方调整"})
	wantCode(t, err, pubdata.EINVALID)
	if fe := pubdata.ErrorFields(err)["date"]; fe == nil || !strings.Contains(fe.Message, "2028") {
		t.Errorf("uncovered year: %v", err)
	}
	_, err = s.Calendar.CorrectCalendarDay(fx.provAuth, &pubdata.CalendarCorrection{Date: "2027-02-30", Reason: "x"})
	wantCode(t, err, pubdata.EINVALID)

	ch, err := s.Calendar.CorrectCalendarDay(fx.provAuth, &pubdata.CalendarCorrection{Date: " 2027-01-04 ", Workday: false, Name: "元旦", Reason: "国务院补充通知"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Year.Corrections) != 1 || ch.Year.Corrections[0].Date != "2027-01-04" || ch.Year.Corrections[0].Workday || ch.Year.Corrections[0].UpdatedBy != "dsj-reviewer" {
		t.Errorf("corrections %+v", ch.Year.Corrections)
	}
	if len(ch.Moved) != 1 {
		t.Errorf("moved %v", ch.Moved)
	}
	wantDue(t, s, app.ID, "2027-01-05", true)
	if n := countEvents(t, s, "calendar.correct"); n != 1 {
		t.Errorf("%d calendar.correct events", n)
	}

	if _, err := s.Calendar.RemoveCalendarCorrection(fx.provAuth, "2027-01-04"); err != nil {
		t.Fatal(err)
	}
	wantDue(t, s, app.ID, "2027-01-04", true)
	_, err = s.Calendar.RemoveCalendarCorrection(fx.provAuth, "2027-01-04")
	wantCode(t, err, pubdata.ENOTFOUND)
	if n := countEvents(t, s, "calendar.correction.remove"); n != 1 {
		t.Errorf("%d calendar.correction.remove events", n)
	}
	// A built-in year can be corrected too.
	if _, err := s.Calendar.CorrectCalendarDay(fx.provAuth, &pubdata.CalendarCorrection{Date: "2026-12-31", Workday: false, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	wantDue(t, s, app.ID, "2027-01-05", true)
}

// testCalendarWarning: the authorities' admins are notified once, from 60 days before the
// covered range ends, and again for the next end after an import.
func testCalendarWarning(t *testing.T, s *Store) {
	needCalendar(t, s)
	fx := appSetup(t, s)
	warn := func(now time.Time) bool {
		t.Helper()
		ok, err := s.Calendar.WarnCalendarEnding(system, now)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if warn(time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)) {
		t.Fatal("warned 61 days before the end")
	}
	if !warn(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatal("not warned 60 days before the end")
	}
	if warn(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)) {
		t.Fatal("warned twice for one end")
	}
	list, _ := notices(t, s, fx.cityAuth) // an authority's admin
	found := 0
	for _, n := range list {
		if n.Key == pubdata.NoticeCalendarEnding {
			found++
			if !strings.Contains(locale.Notice(locale.ZH, n.Key, n.Params), "2026-12-31") || !strings.Contains(locale.Notice(locale.EN, n.Key, n.Params), "2027") || n.Link != "/console/calendar" {
				t.Errorf("notification %+v", n)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d calendar notifications for the city authority's admin, want 1", found)
	}
	if list, _ := notices(t, s, fx.provAuth); len(list) > 0 { // a reviewer
		for _, n := range list {
			if n.Key == pubdata.NoticeCalendarEnding {
				t.Error("a reviewer was warned")
			}
		}
	}
	if n := countEvents(t, s, "calendar.ending"); n != 1 {
		t.Errorf("%d calendar.ending events", n)
	}
	if _, err := s.Calendar.ImportCalendarYear(fx.provAuth, []byte(file2027)); err != nil {
		t.Fatal(err)
	}
	if warn(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)) {
		t.Fatal("warned with 2027 covered")
	}
	if !warn(time.Date(2027, 11, 2, 12, 0, 0, 0, time.UTC)) {
		t.Fatal("not warned before the end of 2027")
	}
}

func countEvents(t *testing.T, s *Store, action string) int {
	t.Helper()
	_, total, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: action, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return total
}
