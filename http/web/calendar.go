package web

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/workday"
	"net/http"
	"strconv"
	"time"
)

// calendarDaysLeft is the number of days from today to the last covered date (0 when
// today's year is not covered): the metric pubdata_calendar_covered_days.
func (s *Server) calendarDaysLeft() float64 {
	now := s.Now().In(workday.Location)
	through, ok := s.Calendar.CoveredThrough(now)
	if !ok {
		return 0
	}
	today := workday.Date(now.Year(), now.Month(), now.Day())
	return float64(int(through.Sub(today).Hours()/24 + 0.5))
}

// --- the calendar's years (issue 11): GET public, changes by an authority's admin ---

var ErrNoCalendar = pubdata.Errorf(pubdata.ENOTFOUND, "The calendar cannot be changed on this server.").Keyed("error.not_available.calendar")

// MaxCalendarFile bounds a holiday file: a year lists a few dozen days.
const MaxCalendarFile = 256 << 10

// CalendarYearParam reads the path's {year}.
func CalendarYearParam(r *http.Request) (int, error) {
	v := r.PathValue("year")
	y, err := strconv.Atoi(v)
	if err != nil || y < workday.MinYear || y > workday.MaxYear {
		return 0, ParamError("year", pubdata.NewMessage("error.param.year", "Min", workday.MinYear, "Max", workday.MaxYear, "Value", v),
			"must be a year from %d to %d, not %q.", workday.MinYear, workday.MaxYear, v)
	}
	return y, nil
}

// CalendarEditor returns the caller if it may change the calendar.
func (s *Server) CalendarEditor(r *http.Request) (*pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if s.Calendars == nil {
		return nil, ErrNoCalendar
	}
	if !pubdata.CanEditCalendar(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's (provincial) authority may change the working-day calendar.").Keyed("error.calendar.edit_forbidden")
	}
	return a, nil
}

// CalendarYear returns a covered year as the API shows it.
func (s *Server) CalendarYear(r *http.Request, year int) (*pubdata.CalendarYear, error) {
	if s.Calendars == nil {
		return nil, ErrNoCalendar
	}
	return s.Calendars.FindCalendarYear(r.Context(), year)
}

// DateInYear reads the path's {date}, which must be in {year}.
func DateInYear(r *http.Request) (string, error) {
	year, err := CalendarYearParam(r)
	if err != nil {
		return "", err
	}
	date := r.PathValue("date")
	d, err := time.ParseInLocation(time.DateOnly, date, workday.Location)
	if err != nil {
		return "", ParamError("date", pubdata.NewMessage("error.param.date", "Value", date), "must be a date as YYYY-MM-DD, not %q.", date)
	}
	if d.Year() != year {
		return "", ParamError("date", pubdata.NewMessage("error.param.date_year", "Date", date, "Year", year), "%s is not in %d.", date, year)
	}
	return date, nil
}
