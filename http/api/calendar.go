package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/workday"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxCalendarWorkdays bounds the workdays parameter (about four years).
const maxCalendarWorkdays = 1000

// calendarDate reads the date parameter: a date YYYY-MM-DD, midnight in China Standard Time.
func calendarDate(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("date")
	if v == "" {
		return time.Time{}, web.ParamError("date", pubdata.NewMessage("error.param.date.required"), "is required: a date as YYYY-MM-DD.")
	}
	d, err := time.ParseInLocation(time.DateOnly, v, workday.Location)
	if err != nil {
		return time.Time{}, web.ParamError("date", pubdata.NewMessage("error.param.date", "Value", v), "must be a date as YYYY-MM-DD, not %q.", v)
	}
	return d, nil
}

// calendarAddReply is the deadline of GET /api/v1/calendar/add.
type calendarAddReply struct {
	Date    string    `json:"date"`    // the due date, YYYY-MM-DD
	Due     time.Time `json:"due"`     // the close of business of that date
	Covered bool      `json:"covered"` // every year from date to the due date has a holiday file
}

// ApiCalendarAdd returns the deadline of N working days from a receipt on date (public):
// the Nth working day after date; workdays=0 is date itself if a working day, else the next.
func (s *Server) ApiCalendarAdd(w http.ResponseWriter, r *http.Request) error {
	received, err := calendarDate(r)
	if err != nil {
		return err
	}
	v := r.URL.Query().Get("workdays")
	if v == "" {
		return web.ParamError("workdays", pubdata.NewMessage("error.param.workdays.required", "Max", maxCalendarWorkdays),
			"is required: a whole number from 0 to %d.", maxCalendarWorkdays)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxCalendarWorkdays {
		return web.ParamError("workdays", pubdata.NewMessage("error.param.workdays", "Max", maxCalendarWorkdays, "Value", v),
			"must be a whole number from 0 to %d, not %q.", maxCalendarWorkdays, v)
	}
	due := s.Calendar.AddWorkdays(received, n)
	if due.Year() > workday.MaxYear {
		return web.ParamError("workdays", pubdata.NewMessage("error.param.workdays.past_year", "Year", workday.MaxYear),
			"takes the deadline past the year %d.", workday.MaxYear)
	}
	covered := s.Calendar.SpanCovered(received, due)
	web.WriteJSON(w, http.StatusOK, calendarAddReply{Date: due.Format(time.DateOnly), Due: due.UTC(), Covered: covered})
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

// ApiCalendarWorkday says whether date is a working day (public).
func (s *Server) ApiCalendarWorkday(w http.ResponseWriter, r *http.Request) error {
	d, err := calendarDate(r)
	if err != nil {
		return err
	}
	day := s.Calendar.Day(d)
	web.WriteJSON(w, http.StatusOK, calendarDayReply{Date: d.Format(time.DateOnly), Workday: day.Workday, Name: day.Name, Covered: day.Covered, Corrected: day.Corrected})
	return nil
}

// ApiCalendarYears lists the covered years (public), without their days.
func (s *Server) ApiCalendarYears(w http.ResponseWriter, r *http.Request) error {
	if s.Calendars == nil {
		return web.ErrNoCalendar
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
	through, ok := s.Calendar.CoveredThrough(s.Now())
	if ok {
		out.CoveredThrough = through.Format(time.DateOnly)
	}
	out.Ending = pubdata.CalendarEnding(through, s.Now())
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ApiCalendarYear shows one year (public): the notice's days, the corrections and the
// source; 404 naming the year when it has no notice.
func (s *Server) ApiCalendarYear(w http.ResponseWriter, r *http.Request) error {
	year, err := web.CalendarYearParam(r)
	if err != nil {
		return err
	}
	y, err := s.CalendarYear(r, year)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, y)
	return nil
}

// ApiCalendarImport stores the body, a holiday-cn file of the path's year.
func (s *Server) ApiCalendarImport(w http.ResponseWriter, r *http.Request) error {
	year, err := web.CalendarYearParam(r)
	if err != nil {
		return err
	}
	if _, err := s.CalendarEditor(r); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, web.MaxCalendarFile+1))
	if err != nil {
		return web.NormalizeError(err)
	}
	if len(body) > web.MaxCalendarFile {
		return pubdata.Errorf(pubdata.ETOOLARGE, "A holiday file is at most %d bytes.", web.MaxCalendarFile).
			Keyed("error.calendar.file_too_large", "Max", web.MaxCalendarFile)
	}
	if err := sameYear(body, year); err != nil {
		return err
	}
	ch, err := s.Calendars.ImportCalendarYear(r.Context(), body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ch)
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
		return pubdata.FieldErrorf("year", "The file is for %d, not %d: put it at /api/v1/calendar/%d.", f.Year, year, f.Year).
			Keyed("error.calendar.file_year", "File", f.Year, "Year", year)
	}
	return nil
}

// calendarDayRequest is the body of PUT /api/v1/calendar/{year}/days/{date}.
type calendarDayRequest struct {
	Workday *bool  `json:"workday"`
	Name    string `json:"name"`
	Reason  string `json:"reason"`
}

// ApiCalendarCorrect sets one day.
func (s *Server) ApiCalendarCorrect(w http.ResponseWriter, r *http.Request) error {
	date, err := web.DateInYear(r)
	if err != nil {
		return err
	}
	if _, err := s.CalendarEditor(r); err != nil {
		return err
	}
	var req calendarDayRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Workday == nil {
		return pubdata.FieldErrorf("workday", "workday is required: true for a working day, false for a day off.").
			Keyed("error.calendar.workday.required")
	}
	ch, err := s.Calendars.CorrectCalendarDay(r.Context(), &pubdata.CalendarCorrection{Date: date, Workday: *req.Workday, Name: req.Name, Reason: req.Reason})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ch)
	return nil
}

// ApiCalendarUncorrect removes a day's correction.
func (s *Server) ApiCalendarUncorrect(w http.ResponseWriter, r *http.Request) error {
	date, err := web.DateInYear(r)
	if err != nil {
		return err
	}
	if _, err := s.CalendarEditor(r); err != nil {
		return err
	}
	ch, err := s.Calendars.RemoveCalendarCorrection(r.Context(), date)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ch)
	return nil
}
