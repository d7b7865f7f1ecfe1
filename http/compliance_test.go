package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/sqlstore"
)

// newComplianceEnv is an env with the compliance, opened-data and notification services.
func newComplianceEnv(t *testing.T) *env {
	e := newEnv(t)
	e.srv.Compliance = sqlstore.NewComplianceService(e.db)
	e.srv.OpenWatch = sqlstore.NewOpenWatchService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	return e
}

func (e *env) compliance(as, query string, want int) *struct {
	Division string                      `json:"division"`
	Findings []pubdata.ComplianceFinding `json:"findings"`
	Units    []pubdata.UnitFindings      `json:"units"`
} {
	e.t.Helper()
	w := e.do(req{path: "/api/v1/compliance" + query, as: as})
	if w.Code != want {
		e.t.Fatalf("compliance%s as %q: %d %s", query, as, w.Code, w.Body)
	}
	var out struct {
		Division string                      `json:"division"`
		Findings []pubdata.ComplianceFinding `json:"findings"`
		Units    []pubdata.UnitFindings      `json:"units"`
	}
	if want == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			e.t.Fatal(err)
		}
	}
	return &out
}

func refs(fs []pubdata.ComplianceFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Org+" "+f.Ref())
	}
	return out
}

// TestComplianceFindings: /api/v1/compliance lists the never-loaded entry, then the stale
// table, and the units without a catalogue; a city authority sees its city only; everyone
// but an authority's admins and reviewers is refused.
func TestComplianceFindings(t *testing.T) {
	e := newComplianceEnv(t)
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	all := refs(e.compliance(authAdmin, "", 200).Findings)
	if !slices.Contains(all, "fj-gat no_security_officer:org:fj-gat") { // G8: no unit has named one
		t.Fatalf("findings %q", all)
	}
	got := refs(e.compliance(authAdmin, "?kind=no_catalogue,never_loaded", 200).Findings)
	want := []string{"fj-gat never_loaded:entry:" + en.ID, "fz-scj no_catalogue:org:fz-scj", "xm-scj no_catalogue:org:xm-scj"}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
	if rep := e.compliance(authReviewer, "?org=fj-gat", 200); len(rep.Units) != 1 || rep.Units[0].Org != "fj-gat" || rep.Units[0].Findings[0].Title != "企业名录" {
		t.Fatalf("one unit: %+v", rep.Units)
	}
	if got := refs(e.compliance(cityAdmin, "?kind=no_catalogue,never_loaded", 200).Findings); !slices.Equal(got, []string{"fz-scj no_catalogue:org:fz-scj"}) {
		t.Fatalf("the city's findings %q", got)
	}
	e.loadCSV(pbEditor, en, "uscc,name\n"+usccA+",甲公司\n")
	if got := refs(e.compliance(authAdmin, "?kind=never_loaded,stale_table", 200).Findings); len(got) != 0 {
		t.Fatalf("after a load: %q", got)
	}
	e.advance(72 * time.Hour) // a daily table three days later
	if got := refs(e.compliance(authAdmin, "?kind=stale_table", 200).Findings); !slices.Equal(got, []string{"fj-gat stale_table:entry:" + en.ID}) {
		t.Fatalf("stale: %q", got)
	}
	// Forbidden and bad requests.
	e.compliance(anonymous, "", http.StatusUnauthorized)
	for _, as := range []string{pbAdmin, pbMember, authMember, authEditor, citizen} {
		e.compliance(as, "", http.StatusForbidden)
	}
	e.compliance(cityAdmin, "?division=350000", http.StatusForbidden)
	e.compliance(authAdmin, "?kind=late", http.StatusBadRequest)
}

// usccN is a valid USCC numbered n.
func usccN(n int) string { return ident.CompleteUSCC(fmt.Sprintf("91350100000000%02d", n)) }

var usccA = usccN(1)

func (e *env) rect(method, path, as string, body any, want int) *pubdata.Rectification {
	e.t.Helper()
	w := e.do(req{method: method, path: path, as: as, body: body})
	if w.Code != want {
		e.t.Fatalf("%s %s as %q: %d %s", method, path, as, w.Code, w.Body)
	}
	var r pubdata.Rectification
	if want < 300 {
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			e.t.Fatal(err)
		}
	}
	return &r
}

// TestRectificationAPI: the authority orders the unit, the unit answers, the authority
// returns and then closes it; every step recorded; the forbidden steps refused.
func TestRectificationAPI(t *testing.T) {
	e := newComplianceEnv(t)
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	ref := "never_loaded:entry:" + en.ID
	order := map[string]any{"org": "fj-gat", "findings": []string{ref}, "request": "请归集企业名录数据", "workdays": 5}
	e.rect("POST", "/api/v1/rectifications", anonymous, order, http.StatusUnauthorized)
	e.rect("POST", "/api/v1/rectifications", pbAdmin, order, http.StatusForbidden)
	e.rect("POST", "/api/v1/rectifications", authMember, order, http.StatusForbidden)
	e.rect("POST", "/api/v1/rectifications", cityAdmin, order, http.StatusForbidden) // fj-gat is provincial
	e.rect("POST", "/api/v1/rectifications", authAdmin, map[string]any{"org": "fz-dsj", "request": "x"}, http.StatusBadRequest)
	e.rect("POST", "/api/v1/rectifications", authAdmin, map[string]any{"org": "fj-gat", "findings": []string{"stale_table:entry:x"}, "request": "x"}, http.StatusBadRequest)
	e.rect("POST", "/api/v1/rectifications", authAdmin, map[string]any{"org": "fj-gat", "findings": []string{ref}}, http.StatusBadRequest)
	r := e.rect("POST", "/api/v1/rectifications", authReviewer, order, http.StatusCreated)
	if r.Status != pubdata.RectificationIssued || r.Org != "fj-gat" || len(r.Findings) != 1 || r.Findings[0].Ref() != ref || r.Due == "" || r.Workdays != 5 {
		t.Fatalf("issued %+v", r)
	}
	path := "/api/v1/rectifications/" + r.ID
	for _, as := range []string{cityAdmin, "xm-scj-member", citizen} {
		e.rect("GET", path, as, nil, http.StatusNotFound)
		e.rect("POST", path+"/answer", as, map[string]string{"answer": "x"}, http.StatusNotFound)
	}
	e.rect("GET", path, pbMember, nil, http.StatusOK)
	e.rect("POST", path+"/answer", pbEditor, map[string]string{"answer": "已归集"}, http.StatusForbidden)
	e.rect("POST", path+"/answer", authAdmin, map[string]string{"answer": "已归集"}, http.StatusForbidden)
	e.rect("POST", path+"/close", authAdmin, map[string]string{}, http.StatusConflict)
	e.rect("POST", path+"/answer", pbAdmin, map[string]string{"answer": ""}, http.StatusBadRequest)
	if r = e.rect("POST", path+"/answer", pbAdmin, map[string]string{"answer": "已安排归集"}, http.StatusOK); r.Status != pubdata.RectificationAnswered {
		t.Fatalf("answered %+v", r)
	}
	e.rect("POST", path+"/close", pbAdmin, map[string]string{}, http.StatusForbidden)
	e.rect("POST", path+"/return", authReviewer, map[string]string{"note": ""}, http.StatusBadRequest)
	e.rect("POST", path+"/return", authReviewer, map[string]string{"note": "尚未归集"}, http.StatusOK)
	e.rect("POST", path+"/answer", pbAdmin, map[string]string{"answer": "已完成归集"}, http.StatusOK)
	if r = e.rect("POST", path+"/close", authAdmin, map[string]string{"note": "整改到位"}, http.StatusOK); r.Status != pubdata.RectificationClosed || len(r.Events) != 5 {
		t.Fatalf("closed %+v", r)
	}
	e.rect("POST", path+"/answer", pbAdmin, map[string]string{"answer": "again"}, http.StatusConflict)
	var actions []string
	for _, ev := range e.srvEvents("rectification:" + r.ID) {
		actions = append(actions, ev.Action)
	}
	if !slices.Equal(actions, []string{"rectification.close", "rectification.answer", "rectification.return", "rectification.answer", "rectification.issue"}) {
		t.Fatalf("record %q", actions)
	}
	// Lists: the unit's; the authority's; a citizen has none.
	var list struct {
		Items []*pubdata.Rectification `json:"items"`
	}
	w := e.do(req{path: "/api/v1/rectifications?status=closed", as: pbMember})
	if json.Unmarshal(w.Body.Bytes(), &list); w.Code != 200 || len(list.Items) != 1 {
		t.Fatalf("unit list: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/rectifications", as: "xm-scj-member"}); w.Code != 200 || strings.Contains(w.Body.String(), r.ID) {
		t.Fatalf("another unit's list: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/rectifications", as: citizen}); w.Code != http.StatusForbidden {
		t.Fatalf("citizen's list: %d", w.Code)
	}
	if w := e.do(req{path: "/api/v1/rectifications?status=late", as: authAdmin}); w.Code != http.StatusBadRequest {
		t.Fatalf("bad status: %d", w.Code)
	}
}

func (e *env) srvEvents(object string) []*pubdata.Event {
	e.t.Helper()
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Object: object, Limit: 50})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// TestComplianceOpenWatch (E7): loading resident ID numbers into an opened entry's
// free-text column withholds the column from anonymous reads within the request that loaded
// it; the provider and the authority see the finding; only the covering authority resolves
// it, and the column returns.
func TestComplianceOpenWatch(t *testing.T) {
	e := newComplianceEnv(t)
	b := entryBody("行政处罚信息", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "uscc", "title": "统一社会信用代码", "type": "string", "key": true, "element": "uscc"},
		{"name": "remark", "title": "备注", "type": "string"},
	}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	e.loadCSV(pbEditor, en, "uscc,remark\n"+usccA+",无\n")
	rows, _ := e.rowsOf("/api/v1/entries/"+en.ID+"/rows", anonymous)
	if _, ok := rows[0]["remark"]; !ok {
		t.Fatalf("before: %v", rows)
	}
	csv := "uscc,remark\n"
	for i, u := range []string{usccN(2), usccN(3), usccN(4)} {
		csv += u + "," + residentID("19800101", 10+i) + "\n"
	}
	e.loadCSV(pbEditor, en, csv) // the request that loads returns with the column withheld
	rows, _ = e.rowsOf("/api/v1/entries/"+en.ID+"/rows", anonymous)
	for _, r := range rows {
		if _, ok := r["remark"]; ok {
			t.Fatalf("anonymous read holds the withheld column: %v", r)
		}
	}
	if w := e.do(req{path: "/api/v1/entries/" + en.ID + "/rows?_fields=remark"}); w.Code != http.StatusForbidden {
		t.Fatalf("naming the withheld column: %d", w.Code)
	}
	if rows, _ := e.rowsOf("/api/v1/entries/"+en.ID+"/rows", pbMember); len(rows) == 0 || rows[0]["remark"] == nil {
		t.Fatalf("the provider reads the column: %v", rows)
	}
	var got struct {
		Withheld []string               `json:"withheld"`
		Items    []*pubdata.OpenFinding `json:"items"`
	}
	w := e.do(req{path: "/api/v1/entries/" + en.ID + "/open-findings", as: pbEditor})
	if json.Unmarshal(w.Body.Bytes(), &got); w.Code != 200 || !slices.Equal(got.Withheld, []string{"remark"}) || len(got.Items) != 1 || got.Items[0].Source != "load" {
		t.Fatalf("findings: %d %s", w.Code, w.Body)
	}
	for _, as := range []string{citizen, "xm-scj-member", anonymous} {
		if w := e.do(req{path: "/api/v1/entries/" + en.ID + "/open-findings", as: as}); w.Code != http.StatusNotFound && w.Code != http.StatusUnauthorized {
			t.Fatalf("findings as %q: %d", as, w.Code)
		}
	}
	id := got.Items[0].ID
	resolve := func(as, note string) int {
		return e.do(req{method: "POST", path: "/api/v1/open-findings/" + id + "/resolve", as: as, body: map[string]string{"note": note}}).Code
	}
	if c := resolve(pbAdmin, "ok"); c != http.StatusForbidden {
		t.Fatalf("the provider resolves: %d", c)
	}
	if c := resolve("xm-scj-member", "ok"); c != http.StatusNotFound {
		t.Fatalf("a stranger resolves: %d", c)
	}
	if c := resolve(authReviewer, ""); c != http.StatusBadRequest {
		t.Fatalf("no note: %d", c)
	}
	// The console's entry page shows the finding to the provider, with no resolve form.
	page := e.page("GET", "/console/entries/"+en.ID, e.login(pbEditor), "en", nil)
	if page.Code != 200 || !strings.Contains(page.Body.String(), `id="openwatch-withheld"`) || strings.Contains(page.Body.String(), "/open-findings/"+id+"/resolve") {
		t.Fatalf("provider's entry page: %d", page.Code)
	}
	checkPage(t, page.Body.String(), "en")
	// The authority resolves it on the page.
	auth := e.login(authReviewer)
	page = e.page("GET", "/console/entries/"+en.ID, auth, "zh-CN", nil)
	if !strings.Contains(page.Body.String(), "/open-findings/"+id+"/resolve") {
		t.Fatalf("no resolve form for the authority")
	}
	checkPage(t, page.Body.String(), "zh-CN")
	if w := e.page("POST", "/console/entries/"+en.ID+"/open-findings/"+id+"/resolve", auth, "zh-CN", url.Values{"note": {"已核实，为当事人编号"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("resolve on the page: %d %s", w.Code, w.Body)
	}
	rows, _ = e.rowsOf("/api/v1/entries/"+en.ID+"/rows", anonymous)
	if _, ok := rows[0]["remark"]; !ok {
		t.Fatalf("after the resolution: %v", rows)
	}
	if evs := e.srvEvents("entry:" + en.ID); !slices.ContainsFunc(evs, func(ev *pubdata.Event) bool { return ev.Action == "data.withhold.resolve" }) {
		t.Fatalf("resolution not recorded")
	}
}

// TestCompliancePages: the authority's compliance page and the order pages in both
// languages, the issue form's problems, and the refusals.
func TestCompliancePages(t *testing.T) {
	e := newComplianceEnv(t)
	e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	auth, unit := e.login(authAdmin), e.login(pbAdmin)
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.page("GET", "/console/compliance", auth, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `id="unit-fj-gat"`) {
			t.Fatalf("compliance page %s: %d", lang, w.Code)
		}
		checkPage(t, w.Body.String(), lang)
	}
	if w := e.page("GET", "/console/compliance", unit, "en", nil); w.Code != http.StatusForbidden {
		t.Fatalf("the unit's admin on the compliance page: %d", w.Code)
	}
	if w := e.page("POST", "/console/compliance", auth, "en", url.Values{"org": {"fj-gat"}, "request": {""}, "workdays": {"5"}}); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "Tick at least one finding") {
		t.Fatalf("issue without findings: %d", w.Code)
	}
	list := e.compliance(authAdmin, "?org=fj-gat", 200).Findings
	w := e.page("POST", "/console/compliance", auth, "en", url.Values{"org": {"fj-gat"}, "findings": {list[0].Ref()}, "request": {""}, "workdays": {"5"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "This text is required") {
		t.Fatalf("issue without a request: %d", w.Code)
	}
	w = e.page("POST", "/console/compliance", auth, "en", url.Values{"org": {"fj-gat"}, "findings": {list[0].Ref()}, "request": {"请归集"}, "workdays": {"5"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("issue: %d %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	for _, lang := range []string{"zh-CN", "en"} {
		for _, as := range []*http.Cookie{auth, unit} {
			p := e.page("GET", strings.Split(loc, "?")[0], as, lang, nil)
			if p.Code != 200 {
				t.Fatalf("order page %s: %d", lang, p.Code)
			}
			checkPage(t, p.Body.String(), lang)
			p = e.page("GET", "/console/rectifications", as, lang, nil)
			if p.Code != 200 {
				t.Fatalf("orders page %s: %d", lang, p.Code)
			}
			checkPage(t, p.Body.String(), lang)
		}
	}
	if p := e.page("GET", strings.Split(loc, "?")[0], e.login("xm-scj-member"), "en", nil); p.Code != http.StatusNotFound {
		t.Fatalf("another unit's order page: %d", p.Code)
	}
	if p := e.page("POST", strings.Split(loc, "?")[0]+"/answer", unit, "en", url.Values{"text": {""}}); p.Code != http.StatusBadRequest {
		t.Fatalf("empty answer on the page: %d", p.Code)
	}
}
