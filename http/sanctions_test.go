package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

func TestSanctionsAPI(t *testing.T) {
	e := newEnv(t)
	sanction := func(as, code, action string, body any) *httpResult {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/orgs/" + code + "/" + action, as: as, body: body})
		return &httpResult{w.Code, w.Body.String()}
	}
	reason := map[string]string{"reason": "超范围使用共享数据"}
	// Who may not: anonymous, a public body's admin, the authority's reviewer, a city
	// authority outside the organisation's division, an authority on itself.
	for _, tc := range []struct {
		as, code string
		status   int
	}{
		{anonymous, "fz-scj", 401}, {pbAdmin, "fz-scj", 403}, {authReviewer, "fz-scj", 403},
		{cityAdmin, "xm-scj", 403}, {cityAdmin, "fj-gat", 403}, {authAdmin, "fj-dsj", 403}, {cityAdmin, "fz-dsj", 403},
		{authAdmin, "nope", 404},
	} {
		if r := sanction(tc.as, tc.code, "suspend", reason); r.status != tc.status {
			t.Errorf("suspend %s as %q: %d, want %d: %s", tc.code, tc.as, r.status, tc.status, r.body)
		}
	}
	// The reason is required.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/orgs/fz-scj/suspend", as: cityAdmin, body: map[string]string{"reason": " "}}), 400, "invalid")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/orgs/fz-scj/suspend", as: cityAdmin, body: map[string]string{}}), 400, "invalid")
	// The covering city authority suspends; resume; the province terminates; final.
	r := sanction(cityAdmin, "fz-scj", "suspend", reason)
	o := decodeString[pubdata.Org](t, r)
	if r.status != 200 || o.Status != pubdata.OrgSuspended || o.StatusReason != "超范围使用共享数据" || o.StatusBy != cityAdmin {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/orgs/fz-scj/suspend", as: cityAdmin, body: reason}), 409, "conflict")
	if r := sanction(authAdmin, "fz-scj", "resume", map[string]string{"reason": "已整改"}); r.status != 200 {
		t.Fatalf("resume: %d %s", r.status, r.body)
	}
	if r := sanction(authAdmin, "fz-scj", "terminate", map[string]string{"reason": "多次违规"}); r.status != 200 || !strings.Contains(r.body, `"terminated"`) {
		t.Fatalf("terminate: %d %s", r.status, r.body)
	}
	for _, action := range []string{"resume", "suspend", "terminate"} {
		w := e.do(req{method: "POST", path: "/api/v1/orgs/fz-scj/" + action, as: authAdmin, body: reason})
		wantError(t, w, 409, "conflict")
		if action == "resume" && !strings.Contains(w.Body.String(), "final") {
			t.Errorf("resume after termination: %s", w.Body)
		}
	}
	evs, _, _, _ := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Object: "org:fz-scj"})
	if len(evs) != 4 || evs[0].Action != "org.terminate" || evs[2].Action != "org.suspend" || evs[2].Actor != cityAdmin {
		t.Fatalf("events %+v", evs)
	}
}

type httpResult struct {
	status int
	body   string
}

func decodeString[T any](t *testing.T, r *httpResult) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("not JSON: %s", r.body)
	}
	return v
}

// TestSanctionsStopDataRoutes: a suspended organisation's tokens get 403 with the reason on
// every data endpoint, keep the rest of the API, and work again after resume.
func TestSanctionsStopDataRoutes(t *testing.T) {
	e := newEvidenceEnv(t)
	person := residentID("19800101", 11)
	open := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	e.loadCSV(pbEditor, open, "id_no,name\n"+person+",张三\n")
	const consumer = "fz-scj-member"
	e.addUser("fz-scj-editor", "fz-scj", pubdata.RoleEditor)
	rows := "/api/v1/entries/" + open.ID + "/rows"
	purpose := http.Header{"X-Purpose": {"核验身份"}}
	if w := e.do(req{path: rows, as: consumer, header: purpose}); w.Code != 200 {
		t.Fatalf("before: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/orgs/fz-scj/suspend", as: authAdmin, body: map[string]string{"reason": "超范围使用共享数据"}}); w.Code != 200 {
		t.Fatalf("suspend: %d %s", w.Code, w.Body)
	}
	routes := []req{
		{path: rows},
		{path: rows + "?_format=csv"},
		{path: rows + "?_format=xlsx"},
		{method: "PUT", path: rows + "/" + person, body: map[string]any{"name": "李四"}},
		{method: "DELETE", path: rows + "/" + person},
		{method: "POST", path: "/api/v1/entries/" + open.ID + "/data", body: "[]"},
		{path: "/datastore/dump/" + open.ID},
		{path: "/api/v1/entries/" + open.ID + "/call/lookup"},
		{method: "POST", path: "/api/v1/entries/" + open.ID + "/call/lookup", body: "{}"},
		{path: "/api/v1/applications"},
		{method: "POST", path: "/api/v1/applications", body: map[string]any{"entry": open.ID}},
		{path: "/api/v1/grants"},
		{path: "/api/v1/subjects?key=" + person},
		{method: "POST", path: "/api/v1/extracts", body: map[string]any{"entry": open.ID, "key": person, "purpose": "x"}},
	}
	for _, as := range []string{consumer, "fz-scj-editor"} {
		for _, rq := range routes {
			rq.as, rq.header = as, purpose
			w := e.do(rq)
			if w.Code != http.StatusForbidden || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("%s %s as %s: %d %s", rq.method, rq.path, as, w.Code, w.Body)
				continue
			}
			if !strings.Contains(w.Body.String(), "超范围使用共享数据") || !strings.Contains(w.Body.String(), "suspended") {
				t.Errorf("%s %s as %s: %s", rq.method, rq.path, as, w.Body)
			}
		}
	}
	// CKAN's datastore_search answers in CKAN's envelope.
	for _, p := range []string{"/api/3/action/datastore_search?resource_id=" + open.ID, "/api/action/datastore_search?resource_id=" + open.ID} {
		w := e.do(req{path: p, as: consumer})
		if w.Code != 403 || !strings.Contains(w.Body.String(), `"success":false`) || !strings.Contains(w.Body.String(), "超范围使用共享数据") {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	// Not data: the rest of the API and CKAN's catalogue still answer.
	for _, p := range []string{"/api/v1/me", "/api/v1/entries/" + open.ID, "/api/3/action/package_show?id=" + open.ID} {
		if w := e.do(req{path: p, as: consumer}); w.Code != 200 {
			t.Errorf("%s while suspended: %d %s", p, w.Code, w.Body)
		}
	}
	// Another organisation is not affected.
	if w := e.do(req{path: rows, as: "xm-scj-member", header: purpose}); w.Code != 200 {
		t.Errorf("another organisation: %d %s", w.Code, w.Body)
	}
	// The console: the dashboard shows the reason; the data pages are refused with it.
	c := e.login(consumer)
	w := e.do(req{path: "/console", cookies: []*http.Cookie{c}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "超范围使用共享数据") || !strings.Contains(w.Body.String(), `id="dash-stopped"`) {
		t.Fatalf("dashboard: %d", w.Code)
	}
	if w := e.do(req{path: "/console/subjects", cookies: []*http.Cookie{c}}); w.Code != 403 || !strings.Contains(w.Body.String(), "超范围使用共享数据") {
		t.Errorf("console subjects while suspended: %d", w.Code)
	}
	// Resumed: every data route works again.
	if w := e.do(req{method: "POST", path: "/api/v1/orgs/fz-scj/resume", as: authAdmin, body: map[string]string{"reason": "已整改"}}); w.Code != 200 {
		t.Fatalf("resume: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{rows, rows + "?_format=csv", "/datastore/dump/" + open.ID, "/api/3/action/datastore_search?resource_id=" + open.ID, "/api/v1/subjects?key=" + person} {
		if w := e.do(req{path: p, as: consumer, header: purpose}); w.Code != 200 {
			t.Errorf("%s after resume: %d %s", p, w.Code, w.Body)
		}
	}
	if w := e.do(req{method: "POST", path: "/api/v1/extracts", as: consumer, body: map[string]any{"entry": open.ID, "filter": "name=张三", "purpose": "核验身份"}}); w.Code != 201 {
		t.Errorf("extract after resume: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/console", cookies: []*http.Cookie{c}}); strings.Contains(w.Body.String(), `id="dash-stopped"`) {
		t.Error("dashboard still shows the suspension")
	}
}

func TestSanctionsPage(t *testing.T) {
	e := newEnv(t)
	c := e.login(cityAdmin)
	w := e.do(req{path: "/console/sanctions", cookies: []*http.Cookie{c}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "fz-scj") || strings.Contains(w.Body.String(), "xm-scj") || !strings.Contains(w.Body.String(), `<label for="reason-fz-scj">`) {
		t.Fatalf("sanctions page: %d %s", w.Code, w.Body)
	}
	// Its own organisation has no form.
	if strings.Contains(w.Body.String(), `id="reason-fz-dsj"`) {
		t.Error("a form to sanction the authority itself")
	}
	// Without a reason: the form says so and nothing changes.
	w = e.do(req{method: "POST", path: "/console/sanctions", cookies: []*http.Cookie{c}, body: url.Values{"org": {"fz-scj"}, "action": {"suspend"}}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
		t.Fatalf("no reason: %d", w.Code)
	}
	// Suspend and terminate ask for a confirmation: unticked, the server refuses (400, the
	// field named) and nothing changes; terminate is a danger button, not a primary one.
	page := e.do(req{path: "/console/sanctions", cookies: []*http.Cookie{c}}).Body.String()
	for _, want := range []string{`id="confirm-fz-scj" name="confirm"`, `name="action" value="terminate" class="button danger"`, `name="action" value="suspend" class="button secondary"`} {
		if !strings.Contains(page, want) {
			t.Errorf("sanctions page lacks %s", want)
		}
	}
	for _, act := range []string{"suspend", "terminate"} {
		w = e.do(req{method: "POST", path: "/console/sanctions", cookies: []*http.Cookie{c}, body: url.Values{"org": {"fz-scj"}, "action": {act}, "reason": {"超范围使用共享数据"}}})
		if w.Code != 400 || !strings.Contains(w.Body.String(), `id="confirm-fz-scj-error"`) || !strings.Contains(w.Body.String(), "请勾选确认后再执行此操作") {
			t.Fatalf("%s unconfirmed: %d %s", act, w.Code, w.Body)
		}
		w = e.do(req{method: "POST", path: "/console/sanctions?lang=en", cookies: []*http.Cookie{c}, body: url.Values{"org": {"fz-scj"}, "action": {act}, "reason": {"x"}, "confirm": {""}}})
		if w.Code != 400 || !strings.Contains(w.Body.String(), "Tick the confirmation to go ahead.") {
			t.Fatalf("%s unconfirmed (en): %d", act, w.Code)
		}
	}
	if o, err := e.srv.Orgs.FindOrgByCode(system, "fz-scj"); err != nil || !(o.Status == "" || o.Status == pubdata.OrgActive) {
		t.Fatalf("after unconfirmed steps: %v %v", o, err)
	}
	w = e.do(req{method: "POST", path: "/console/sanctions", cookies: []*http.Cookie{c}, body: url.Values{"org": {"fz-scj"}, "action": {"suspend"}, "reason": {"超范围使用共享数据"}, "confirm": {"1"}}})
	if w.Code != 303 {
		t.Fatalf("suspend: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: "/console/sanctions?lang=en", cookies: []*http.Cookie{c}})
	if !strings.Contains(w.Body.String(), "Suspended") || !strings.Contains(w.Body.String(), "超范围使用共享数据") || !strings.Contains(w.Body.String(), "Resume the data service") {
		t.Fatalf("after suspend: %s", w.Body)
	}
	// Outside the division: refused in the form, in the page's language.
	w = e.do(req{method: "POST", path: "/console/sanctions", cookies: []*http.Cookie{c}, body: url.Values{"org": {"xm-scj"}, "action": {"suspend"}, "reason": {"x"}, "confirm": {"1"}}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "不在本主管部门的辖区") {
		t.Fatalf("outside: %d", w.Code)
	}
	// Not an authority's admin: no page.
	if w := e.do(req{path: "/console/sanctions", cookies: []*http.Cookie{e.login(pbAdmin)}}); w.Code != 403 {
		t.Fatalf("public body admin: %d", w.Code)
	}
}
