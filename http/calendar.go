package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pubdata/pubdata/workday"
)

// maxCalendarWorkdays bounds the workdays parameter (about four years).
const maxCalendarWorkdays = 1000

func (s *Server) registerCalendar() {
	if s.Calendar == nil {
		s.Calendar = workday.Default()
	}
	s.handle("GET /api/v1/calendar/add", s.apiCalendarAdd)
	s.handle("GET /api/v1/calendar/workday", s.apiCalendarWorkday)
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
	covered := true
	for y := received.Year(); y <= due.Year(); y++ {
		covered = covered && s.Calendar.Covered(y)
	}
	writeJSON(w, http.StatusOK, calendarAddReply{Date: due.Format(time.DateOnly), Due: due.UTC(), Covered: covered})
	return nil
}

// calendarDayReply is one date of GET /api/v1/calendar/workday.
type calendarDayReply struct {
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	Name    string `json:"name"`    // the holiday whose arrangement lists the date, or ""
	Covered bool   `json:"covered"` // the date's year has a holiday file
}

// apiCalendarWorkday says whether date is a working day (public).
func (s *Server) apiCalendarWorkday(w http.ResponseWriter, r *http.Request) error {
	d, err := calendarDate(r)
	if err != nil {
		return err
	}
	day := s.Calendar.Day(d)
	writeJSON(w, http.StatusOK, calendarDayReply{Date: d.Format(time.DateOnly), Workday: day.Workday, Name: day.Name, Covered: day.Covered})
	return nil
}
