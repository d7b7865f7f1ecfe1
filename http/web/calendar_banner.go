package web

import (
	"github.com/pubdata/pubdata"
	"time"
)

// calendarEnding is the end of the covered range to warn the viewer about on console pages
// ("" when there is nothing to warn of, or the viewer cannot import a year).
func (s *Server) calendarEnding(a *pubdata.Actor) string {
	if s.Calendars == nil || !pubdata.CanEditCalendar(a) {
		return ""
	}
	through, ok := s.Calendar.CoveredThrough(s.Now())
	if !pubdata.CalendarEnding(through, s.Now()) {
		return ""
	}
	if !ok {
		return "—"
	}
	return through.Format(time.DateOnly)
}
