package http

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/workday"
)

// maxCalendarWorkdays bounds the workdays parameter (about four years).
const maxCalendarWorkdays = 1000

// calendarDaysLeft is the number of days from today to the last covered date (0 when
// today's year is not covered): the metric pubdata_calendar_covered_days.
func (s *Server) calendarDaysLeft() float64 {
	now := s.now().In(workday.Location)
	through, ok := s.Calendar.CoveredThrough(now)
	if !ok {
		return 0
	}
	today := workday.Date(now.Year(), now.Month(), now.Day())
	return float64(int(through.Sub(today).Hours()/24 + 0.5))
}

// calendarDate reads the date parameter: a date YYYY-MM-DD, midnight in China Standard Time.
func calendarDate(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("date")
	if v == "" {
		return time.Time{}, paramError("date", "is required: a date as YYYY-MM-DD.")
	}
	d, err := time.ParseInLocation(time.DateOnly, v, workday.Location)
	if err != nil {
		return time.Time{}, paramError("date", "must be a date as YYYY-MM-DD, not %q.", v)
	}
	return d, nil
}

// calendarAddReply is the deadline of GET /api/v1/calendar/add.
type calendarAddReply struct {
	Date    string    `json:"date"`    // the due date, YYYY-MM-DD
	Due     time.Time `json:"due"`     // the close of business of that date
	Covered bool      `json:"covered"` // every year from date to the due date has a holiday file
}

// apiCalendarAdd returns the deadline of N working days from a receipt on date (public):
// the Nth working day after date; workdays=0 is date itself if a working day, else the next.
func (s *Server) apiCalendarAdd(w http.ResponseWriter, r *http.Request) error {
	received, err := calendarDate(r)
	if err != nil {
		return err
	}
	v := r.URL.Query().Get("workdays")
	if v == "" {
		return paramError("workdays", "is required: a whole number from 0 to %d.", maxCalendarWorkdays)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxCalendarWorkdays {
		return paramError("workdays", "must be a whole number from 0 to %d, not %q.", maxCalendarWorkdays, v)
	}
	due := s.Calendar.AddWorkdays(received, n)
	if due.Year() > workday.MaxYear {
		return paramError("workdays", "takes the deadline past the year %d.", workday.MaxYear)
	}
	covered := s.Calendar.SpanCovered(received, due)
	writeJSON(w, http.StatusOK, calendarAddReply{Date: due.Format(time.DateOnly), Due: due.UTC(), Covered: covered})
	return nil
}

// calendarDayReply is one date of GET /api/v1/calendar/workday.
type calendarDayReply struct {
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	Name    string `json:"name"`    // the holiday whose arrangement lists the date, or ""
	Covered bool   `json:"covered"` // the date's year has a holiday file
	// Corrected: an authority's admin set the date by hand (over the notice).
	Corrected bool `json:"corrected,omitempty"`
}

// apiCalendarWorkday says whether date is a working day (public).
func (s *Server) apiCalendarWorkday(w http.ResponseWriter, r *http.Request) error {
	d, err := calendarDate(r)
	if err != nil {
		return err
	}
	day := s.Calendar.Day(d)
	writeJSON(w, http.StatusOK, calendarDayReply{Date: d.Format(time.DateOnly), Workday: day.Workday, Name: day.Name, Covered: day.Covered, Corrected: day.Corrected})
	return nil
}

// --- the calendar's years (issue 11): GET public, changes by an authority's admin ---

var errNoCalendar = pubdata.Errorf(pubdata.ENOTFOUND, "The calendar cannot be changed on this server.").Keyed("error.not_available.calendar")

// maxCalendarFile bounds a holiday file: a year lists a few dozen days.
const maxCalendarFile = 256 << 10

// calendarYearParam reads the path's {year}.
func calendarYearParam(r *http.Request) (int, error) {
	v := r.PathValue("year")
	y, err := strconv.Atoi(v)
	if err != nil || y < workday.MinYear || y > workday.MaxYear {
		return 0, paramError("year", "must be a year from %d to %d, not %q.", workday.MinYear, workday.MaxYear, v)
	}
	return y, nil
}

// calendarEditor returns the caller if it may change the calendar.
func (s *Server) calendarEditor(r *http.Request) (*pubdata.Actor, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if s.Calendars == nil {
		return nil, errNoCalendar
	}
	if !pubdata.CanEditCalendar(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of an authority may change the working-day calendar.")
	}
	return a, nil
}

// calendarYear returns a covered year as the API shows it.
func (s *Server) calendarYear(r *http.Request, year int) (*pubdata.CalendarYear, error) {
	if s.Calendars == nil {
		return nil, errNoCalendar
	}
	return s.Calendars.FindCalendarYear(r.Context(), year)
}

// apiCalendarYears lists the covered years (public), without their days.
func (s *Server) apiCalendarYears(w http.ResponseWriter, r *http.Request) error {
	if s.Calendars == nil {
		return errNoCalendar
	}
	ys, err := s.Calendars.FindCalendarYears(r.Context())
	if err != nil {
		return err
	}
	type yearSummary struct {
		Year        int        `json:"year"`
		Source      string     `json:"source"`
		Papers      []string   `json:"papers"`
		Days        int        `json:"days"`
		Corrections int        `json:"corrections"`
		UpdatedBy   string     `json:"updated_by,omitempty"`
		UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	}
	out := struct {
		Years          []yearSummary `json:"years"`
		CoveredThrough string        `json:"covered_through"` // the last covered date from today's year, "" when none
		Ending         bool          `json:"ending"`          // the authority is warned to import the next year
	}{Years: []yearSummary{}}
	for _, y := range ys {
		out.Years = append(out.Years, yearSummary{Year: y.Year, Source: y.Source, Papers: y.Papers, Days: len(y.Days), Corrections: len(y.Corrections), UpdatedBy: y.UpdatedBy, UpdatedAt: y.UpdatedAt})
	}
	through, ok := s.Calendar.CoveredThrough(s.now())
	if ok {
		out.CoveredThrough = through.Format(time.DateOnly)
	}
	out.Ending = pubdata.CalendarEnding(through, s.now())
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiCalendarYear shows one year (public): the notice's days, the corrections and the
// source; 404 naming the year when it has no notice.
func (s *Server) apiCalendarYear(w http.ResponseWriter, r *http.Request) error {
	year, err := calendarYearParam(r)
	if err != nil {
		return err
	}
	y, err := s.calendarYear(r, year)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, y)
	return nil
}

// apiCalendarImport stores the body, a holiday-cn file of the path's year.
func (s *Server) apiCalendarImport(w http.ResponseWriter, r *http.Request) error {
	year, err := calendarYearParam(r)
	if err != nil {
		return err
	}
	if _, err := s.calendarEditor(r); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCalendarFile+1))
	if err != nil {
		return normalizeError(err)
	}
	if len(body) > maxCalendarFile {
		return pubdata.Errorf(pubdata.ETOOLARGE, "A holiday file is at most %d bytes.", maxCalendarFile)
	}
	if err := sameYear(body, year); err != nil {
		return err
	}
	ch, err := s.Calendars.ImportCalendarYear(r.Context(), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}

// sameYear refuses a file whose year is not the path's (the file's own problems are the
// import's to name).
func sameYear(body []byte, year int) error {
	f, err := workday.ParseFile(body)
	if err != nil {
		return err
	}
	if f.Year != year {
		return pubdata.FieldErrorf("year", "The file is for %d, not %d: put it at /api/v1/calendar/%d.", f.Year, year, f.Year)
	}
	return nil
}

// calendarDayRequest is the body of PUT /api/v1/calendar/{year}/days/{date}.
type calendarDayRequest struct {
	Workday *bool  `json:"workday"`
	Name    string `json:"name"`
	Reason  string `json:"reason"`
}

// dateInYear reads the path's {date}, which must be in {year}.
func dateInYear(r *http.Request) (string, error) {
	year, err := calendarYearParam(r)
	if err != nil {
		return "", err
	}
	date := r.PathValue("date")
	d, err := time.ParseInLocation(time.DateOnly, date, workday.Location)
	if err != nil {
		return "", paramError("date", "must be a date as YYYY-MM-DD, not %q.", date)
	}
	if d.Year() != year {
		return "", paramError("date", "%s is not in %d.", date, year)
	}
	return date, nil
}

// apiCalendarCorrect sets one day.
func (s *Server) apiCalendarCorrect(w http.ResponseWriter, r *http.Request) error {
	date, err := dateInYear(r)
	if err != nil {
		return err
	}
	if _, err := s.calendarEditor(r); err != nil {
		return err
	}
	var req calendarDayRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Workday == nil {
		return pubdata.FieldErrorf("workday", "workday is required: true for a working day, false for a day off.")
	}
	ch, err := s.Calendars.CorrectCalendarDay(r.Context(), &pubdata.CalendarCorrection{Date: date, Workday: *req.Workday, Name: req.Name, Reason: req.Reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}

// apiCalendarUncorrect removes a day's correction.
func (s *Server) apiCalendarUncorrect(w http.ResponseWriter, r *http.Request) error {
	date, err := dateInYear(r)
	if err != nil {
		return err
	}
	if _, err := s.calendarEditor(r); err != nil {
		return err
	}
	ch, err := s.Calendars.RemoveCalendarCorrection(r.Context(), date)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}
