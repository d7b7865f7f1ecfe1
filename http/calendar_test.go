package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/workday"
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
		if msg := decode[web.ErrorBody](t, w).Error.Message; !strings.Contains(msg, tc.want) {
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

// calendar2027 is a made-up holiday file for 2027 (a test fixture: the notice is not out).
const calendar2027 = `{"year": 2027, "papers": ["https://www.gov.cn/test-fixture"], "days": [
  {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
  {"name": "国庆节", "date": "2027-10-01", "isOffDay": true}]}`

// TestCalendarImportMovesDeadline: before 2027 is imported an application received on
// 2026-12-30 is due on New Year's Day, unconfirmed (API and page); the authority's admin
// imports 2027 through PUT /api/v1/calendar/2027; the same application is then due
// 2027-01-04, confirmed, and calendar/add agrees. Others may not import; a year is shown
// with its source.
func TestCalendarImportMovesDeadline(t *testing.T) {
	e := paEnv(t)
	e.mu.Lock()
	e.now = time.Date(2026, 12, 30, 2, 0, 0, 0, time.UTC) // 10:00 in China
	e.mu.Unlock()
	cond := pdPublish(e, "人口基础信息（有条件共享）", func(x *pubdata.EntryFields) {
		x.ShareClass, x.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
		x.OpenClass, x.OpenBasis = pubdata.ClassNone, "涉及个人信息"
	})
	w := e.do(req{method: http.MethodPost, path: "/api/v1/applications", as: "fz-scj-member", body: map[string]any{
		"entry": cond, "kind": "share", "purpose": "办理企业开办审批", "basis": "《优化营商环境条例》", "until": "2027-03-31", "accept_terms": true}})
	if w.Code != http.StatusCreated {
		t.Fatalf("apply: %d %s", w.Code, w.Body)
	}
	type appReply struct {
		ID         string `json:"id"`
		Due        string `json:"due"`
		DueCovered *bool  `json:"due_covered"`
	}
	app := decode[appReply](t, w)
	if app.Due != "2027-01-01" || app.DueCovered == nil || *app.DueCovered {
		t.Fatalf("before the 2027 notice: %s", w.Body)
	}
	page := e.do(req{path: "/console/applications/" + app.ID, cookies: []*http.Cookie{e.login("fz-scj-member")}})
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "未确认") {
		t.Fatalf("the application page does not mark the due date unconfirmed: %d", page.Code)
	}
	add := func() string {
		t.Helper()
		return e.do(req{path: "/api/v1/calendar/add?date=2026-12-30&workdays=2"}).Body.String()
	}
	if got := add(); !strings.Contains(got, `"date":"2027-01-01"`) || !strings.Contains(got, `"covered":false`) {
		t.Fatalf("calendar/add before: %s", got)
	}
	w = e.do(req{path: "/api/v1/calendar/2027"})
	wantError(t, w, http.StatusNotFound, pubdata.ENOTFOUND)
	if !strings.Contains(w.Body.String(), "2027") {
		t.Errorf("the 404 does not name the year: %s", w.Body)
	}

	for _, tc := range []struct {
		as     string
		status int
	}{{anonymous, http.StatusUnauthorized}, {citizen, http.StatusForbidden}, {pbAdmin, http.StatusForbidden}, {authReviewer, http.StatusForbidden}, {authEditor, http.StatusForbidden}} {
		w := e.do(req{method: http.MethodPut, path: "/api/v1/calendar/2027", as: tc.as, body: calendar2027})
		if w.Code != tc.status {
			t.Errorf("import as %q: %d, want %d", tc.as, w.Code, tc.status)
		}
	}
	w = e.do(req{method: http.MethodPut, path: "/api/v1/calendar/2028", as: authAdmin, body: calendar2027})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), `"year"`) {
		t.Errorf("a file of another year: %s", w.Body)
	}
	w = e.do(req{method: http.MethodPut, path: "/api/v1/calendar/2027", as: authAdmin, body: `{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": "yes"}]}`})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), "days[0].isOffDay") {
		t.Errorf("the error does not name the field: %s", w.Body)
	}
	if got := add(); !strings.Contains(got, `"covered":false`) {
		t.Fatalf("a refused file changed the calendar: %s", got)
	}

	w = e.do(req{method: http.MethodPut, path: "/api/v1/calendar/2027", as: authAdmin, body: calendar2027})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "application:"+app.ID) {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	if got := add(); !strings.Contains(got, `"date":"2027-01-04"`) || !strings.Contains(got, `"covered":true`) {
		t.Fatalf("calendar/add after: %s", got)
	}
	app = decode[appReply](t, e.do(req{path: "/api/v1/applications/" + app.ID, as: "fz-scj-member"}))
	if app.Due != "2027-01-04" || !*app.DueCovered {
		t.Fatalf("the application after the import: %+v", app)
	}
	var year pubdata.CalendarYear
	year = decode[pubdata.CalendarYear](t, e.do(req{path: "/api/v1/calendar/2027"}))
	if year.Source != pubdata.CalendarImport || year.UpdatedBy != authAdmin || len(year.Days) != 2 || year.Papers[0] != "https://www.gov.cn/test-fixture" {
		t.Errorf("GET 2027: %+v", year)
	}
	year = decode[pubdata.CalendarYear](t, e.do(req{path: "/api/v1/calendar/2026"}))
	if year.Source != pubdata.CalendarBuiltIn || len(year.Days) < 20 || len(year.Papers) == 0 {
		t.Errorf("GET 2026: %+v", year)
	}
	w = e.do(req{path: "/api/v1/audit?action=calendar.import", as: authAdmin})
	if !strings.Contains(w.Body.String(), `"calendar:2027"`) {
		t.Errorf("the import is not in the record: %s", w.Body)
	}

	// Single days: a reason is required; the date must be in the path's year.
	day := func(as, path string, body any) *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodPut, path: path, as: as, body: body})
	}
	wantError(t, day(pbAdmin, "/api/v1/calendar/2027/days/2027-01-04", map[string]any{"workday": false, "reason": "x"}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, day(authAdmin, "/api/v1/calendar/2027/days/2027-01-04", map[string]any{"workday": false}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, day(authAdmin, "/api/v1/calendar/2027/days/2027-01-04", map[string]any{"reason": "补充通知"}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, day(authAdmin, "/api/v1/calendar/2027/days/2028-01-04", map[string]any{"workday": false, "reason": "补充通知"}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, day(authAdmin, "/api/v1/calendar/2028/days/2028-01-04", map[string]any{"workday": false, "reason": "补充通知"}), http.StatusBadRequest, pubdata.EINVALID)
	if w := day(authAdmin, "/api/v1/calendar/2027/days/2027-01-04", map[string]any{"workday": false, "name": "元旦", "reason": "补充通知"}); w.Code != http.StatusOK {
		t.Fatalf("correct: %d %s", w.Code, w.Body)
	}
	if got := add(); !strings.Contains(got, `"date":"2027-01-05"`) {
		t.Fatalf("calendar/add after the correction: %s", got)
	}
	if w := e.do(req{method: http.MethodDelete, path: "/api/v1/calendar/2027/days/2027-01-04", as: authAdmin}); w.Code != http.StatusOK {
		t.Fatalf("remove: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: http.MethodDelete, path: "/api/v1/calendar/2027/days/2027-01-04", as: authAdmin}), http.StatusNotFound, pubdata.ENOTFOUND)
	if got := add(); !strings.Contains(got, `"date":"2027-01-04"`) {
		t.Fatalf("calendar/add after removing the correction: %s", got)
	}
}

// TestCalendarPages: the authority's admin sees the warning banner on console pages from 60
// days before the covered range ends, imports a year on /console/calendar (a bad file gets
// its problems listed), sees and corrects its days, in Chinese and English; others see the
// years without the forms and get 403 when they post.
func TestCalendarPages(t *testing.T) {
	e := newEnv(t)
	e.mu.Lock()
	e.now = time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	e.mu.Unlock()
	admin := []*http.Cookie{e.login(authAdmin)}
	member := []*http.Cookie{e.login(pbAdmin)}
	for lang, words := range map[string][]string{"zh-CN": {"工作日历只覆盖到 2026-12-31", "导入"}, "en": {"The working-day calendar covers only up to 2026-12-31", "Import"}} {
		w := e.do(req{path: "/console?lang=" + lang, cookies: admin})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="calendar-banner"`) || !strings.Contains(w.Body.String(), strings.SplitN(words[0], " 2026", 2)[0]) {
			t.Errorf("%s: no banner on the dashboard: %d", lang, w.Code)
		}
		w = e.do(req{path: "/console/calendar?lang=" + lang, cookies: admin})
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, words[0]) || !strings.Contains(body, words[1]) || !strings.Contains(body, `name="document"`) || !strings.Contains(body, `href="/console/calendar/2026"`) {
			t.Errorf("%s: calendar page: %d", lang, w.Code)
		}
		if strings.Contains(body, web.MissingMarker) {
			t.Errorf("%s: a message is missing", lang)
		}
	}
	if m := e.do(req{path: "/metrics", remote: "127.0.0.1"}).Body.String(); !strings.Contains(m, "pubdata_calendar_covered_days 25\n") {
		t.Error("the metric does not count 25 days from 2026-12-06 to 2026-12-31")
	}
	w := e.do(req{path: "/console", cookies: member})
	if strings.Contains(w.Body.String(), `id="calendar-banner"`) {
		t.Error("a public body's admin is warned")
	}
	w = e.do(req{path: "/console/calendar", cookies: member})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `name="document"`) {
		t.Errorf("a public body's admin sees the import form: %d", w.Code)
	}
	w = e.do(req{method: http.MethodPost, path: "/console/calendar", cookies: member, body: url.Values{"document": {calendar2027}}})
	if w.Code != http.StatusForbidden {
		t.Errorf("a public body's admin imports: %d", w.Code)
	}

	// A bad file: the page lists the problems and keeps the text.
	w = e.do(req{method: http.MethodPost, path: "/console/calendar", cookies: admin, body: url.Values{"document": {`{"year": 2027, "days": [{"name": "元旦", "date": "2027-02-30", "isOffDay": true}]}`}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "文件未导入") || !strings.Contains(w.Body.String(), "days[0] 的日期“2027-02-30”不是 YYYY-MM-DD 格式") {
		t.Fatalf("bad file: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: http.MethodPost, path: "/console/calendar", cookies: admin, body: url.Values{"document": {calendar2027}}})
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "imported=2027") {
		t.Fatalf("import: %d %s", w.Code, w.Header())
	}
	w = e.do(req{path: "/console", cookies: admin})
	if strings.Contains(w.Body.String(), `id="calendar-banner"`) {
		t.Error("the banner stays after 2027 is imported")
	}
	for lang, word := range map[string]string{"zh-CN": "2027 年节假日安排", "en": "Holidays of 2027"} {
		w = e.do(req{path: "/console/calendar/2027?lang=" + lang, cookies: admin})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), word) || !strings.Contains(w.Body.String(), "2027-01-01") || strings.Contains(w.Body.String(), web.MissingMarker) {
			t.Errorf("%s: year page %d", lang, w.Code)
		}
	}
	w = e.do(req{method: http.MethodPost, path: "/console/calendar/2027/days", cookies: admin, body: url.Values{"date": {"2027-01-04"}, "kind": {"off"}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "请填写更正理由") {
		t.Fatalf("a correction without a reason: %d", w.Code)
	}
	w = e.do(req{method: http.MethodPost, path: "/console/calendar/2027/days?lang=en", cookies: admin, body: url.Values{"date": {"2028-01-04"}, "kind": {"off"}, "reason": {"x"}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "The date must be in 2027") {
		t.Fatalf("a correction in another year: %d", w.Code)
	}
	w = e.do(req{method: http.MethodPost, path: "/console/calendar/2027/days", cookies: admin, body: url.Values{"date": {"2027-01-04"}, "kind": {"off"}, "name": {"元旦"}, "reason": {"补充通知"}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("a correction: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: "/console/calendar/2027", cookies: admin})
	if !strings.Contains(w.Body.String(), "已更正") || !strings.Contains(w.Body.String(), "补充通知") {
		t.Error("the year page does not show the correction")
	}
	w = e.do(req{method: http.MethodPost, path: "/console/calendar/2027/days/2027-01-04/remove", cookies: admin})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d", w.Code)
	}
	if !strings.Contains(e.do(req{path: "/api/v1/calendar/add?date=2026-12-30&workdays=2"}).Body.String(), `"date":"2027-01-04"`) {
		t.Error("the calendar does not count the import and the removed correction")
	}
}
