package http

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/workday"
)

func TestCalendarAdd(t *testing.T) {
	e := newEnv(t)
	type reply struct {
		Date    string `json:"date"`
		Due     string `json:"due"`
		Covered *bool  `json:"covered"`
	}
	for _, tc := range []struct {
		query   string
		date    string
		due     string
		covered bool
	}{
		{"date=2026-09-30&workdays=2", "2026-10-09", "2026-10-09T09:30:00Z", true},
		{"date=2026-02-13&workdays=1", "2026-02-14", "2026-02-14T09:30:00Z", true}, // a make-up Saturday
		{"date=2026-02-13&workdays=2", "2026-02-24", "2026-02-24T09:30:00Z", true},
		{"date=2024-09-27&workdays=3", "2024-10-08", "2024-10-08T09:30:00Z", true},
		{"date=2025-12-31&workdays=1", "2026-01-04", "2026-01-04T09:30:00Z", true}, // make-up Sunday
		{"date=2026-09-30&workdays=0", "2026-09-30", "2026-09-30T09:30:00Z", true},
		{"date=2026-10-03&workdays=0", "2026-10-08", "2026-10-08T09:30:00Z", true}, // on a holiday
		{"date=2026-09-30&workdays=10", "2026-10-20", "2026-10-20T09:30:00Z", true},
		{"date=2026-12-31&workdays=1", "2027-01-01", "2027-01-01T09:30:00Z", false}, // 2027 has no file
		{"date=2023-12-29&workdays=1", "2024-01-02", "2024-01-02T09:30:00Z", false},
		{"workdays=2&date=2026-09-30", "2026-10-09", "2026-10-09T09:30:00Z", true},
	} {
		for _, as := range []string{anonymous, pbMember} {
			w := e.do(req{path: "/api/v1/calendar/add?" + tc.query, as: as})
			if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%s as %q: %d %s", tc.query, as, w.Code, w.Body)
			}
			got := decode[reply](t, w)
			if got.Date != tc.date || got.Due != tc.due || got.Covered == nil || *got.Covered != tc.covered {
				t.Errorf("%s: %s, want date %s due %s covered %v", tc.query, w.Body, tc.date, tc.due, tc.covered)
			}
		}
	}
}

func TestCalendarWorkday(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		date, want string
	}{
		{"2026-10-01", `{"date":"2026-10-01","workday":false,"name":"国庆节","covered":true}`},
		{"2026-10-10", `{"date":"2026-10-10","workday":true,"name":"国庆节","covered":true}`}, // make-up Saturday
		{"2026-10-11", `{"date":"2026-10-11","workday":false,"name":"","covered":true}`},
		{"2026-10-12", `{"date":"2026-10-12","workday":true,"name":"","covered":true}`},
		{"2025-10-06", `{"date":"2025-10-06","workday":false,"name":"国庆节、中秋节","covered":true}`},
		{"2027-10-01", `{"date":"2027-10-01","workday":true,"name":"","covered":false}`},
	} {
		w := e.do(req{path: "/api/v1/calendar/workday?date=" + tc.date})
		if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != tc.want {
			t.Errorf("%s: %d %s, want %s", tc.date, w.Code, w.Body, tc.want)
		}
	}
}

func TestCalendarBadParameters(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path, want string
	}{
		{"/api/v1/calendar/add?workdays=2", "Parameter date is required"},
		{"/api/v1/calendar/add?date=&workdays=2", "Parameter date is required"},
		{"/api/v1/calendar/add?date=2026-02-30&workdays=2", `Parameter date must be a date as YYYY-MM-DD, not "2026-02-30"`},
		{"/api/v1/calendar/add?date=2026/10/01&workdays=2", "Parameter date must be a date"},
		{"/api/v1/calendar/add?date=2026-9-30&workdays=2", "Parameter date must be a date"},
		{"/api/v1/calendar/add?date=2026-09-30T10:00:00Z&workdays=2", "Parameter date must be a date"},
		{"/api/v1/calendar/add?date=2026-09-30", "Parameter workdays is required"},
		{"/api/v1/calendar/add?date=2026-09-30&workdays=-1", `Parameter workdays must be a whole number from 0 to 1000, not "-1"`},
		{"/api/v1/calendar/add?date=2026-09-30&workdays=1001", "Parameter workdays must be a whole number from 0 to 1000"},
		{"/api/v1/calendar/add?date=2026-09-30&workdays=1.5", "Parameter workdays must be a whole number"},
		{"/api/v1/calendar/add?date=2026-09-30&workdays=two", "Parameter workdays must be a whole number"},
		{"/api/v1/calendar/add?date=9999-12-31&workdays=1000", "Parameter workdays takes the deadline past the year 9999"},
		{"/api/v1/calendar/workday", "Parameter date is required"},
		{"/api/v1/calendar/workday?date=tomorrow", `Parameter date must be a date as YYYY-MM-DD, not "tomorrow"`},
	} {
		w := e.do(req{path: tc.path})
		wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
		if msg := decode[errorBody](t, w).Error.Message; !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %s, want %q", tc.path, w.Body, tc.want)
		}
	}
	w := e.do(req{method: "POST", path: "/api/v1/calendar/add?date=2026-09-30&workdays=2", as: pbMember})
	wantError(t, w, http.StatusMethodNotAllowed, pubdata.EINVALID)
}

// TestCalendarConfigured: the server uses the calendar it is given, with its close of
// business and its files.
func TestCalendarConfigured(t *testing.T) {
	e := newEnvWith(t, func(s *Server) {
		c := workday.New() // no holiday files: weekends only
		if err := c.SetCloseOfBusiness(18 * time.Hour); err != nil {
			t.Fatal(err)
		}
		s.Calendar = c
	})
	w := e.do(req{path: "/api/v1/calendar/add?date=2026-09-30&workdays=2"})
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"date":"2026-10-02","due":"2026-10-02T10:00:00Z","covered":false}` {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	year, err := e.srv.Calendar.Add([]byte(`{"year": 2026, "papers": ["https://www.gov.cn/x"], "days": [{"name": "国庆节", "date": "2026-10-01", "isOffDay": true}]}`))
	if err != nil || year != 2026 {
		t.Fatal(year, err)
	}
	w = e.do(req{path: "/api/v1/calendar/add?date=2026-09-30&workdays=2"})
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"date":"2026-10-05","due":"2026-10-05T10:00:00Z","covered":true}` {
		t.Errorf("after Add: %d %s", w.Code, w.Body)
	}
}
