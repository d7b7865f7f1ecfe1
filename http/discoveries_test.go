package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/sqlstore"
)

func newDiscoveryEnv(t *testing.T) *env {
	e := newComplianceEnv(t)
	e.srv.Discoveries = sqlstore.NewDiscoveryService(e.db)
	e.srv.Officers = sqlstore.NewOrgService(e.db, division.Default())
	e.srv.Systems = sqlstore.NewSystemService(e.db)
	return e
}

type discoveryList struct {
	Items []*pubdata.Discovery `json:"items"`
}

func (e *env) discoveries(path, as string, want int) []*pubdata.Discovery {
	e.t.Helper()
	w := e.do(req{path: path, as: as})
	if w.Code != want {
		e.t.Fatalf("%s as %q: %d %s", path, as, w.Code, w.Body)
	}
	var out discoveryList
	if want == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			e.t.Fatal(err)
		}
	}
	return out.Items
}

// TestDiscoveryHTTP (issue 15 item 3, acceptance "discovery flags ID numbers in an unmarked
// column"): resident ID numbers loaded into an open entry's unmarked column are a
// discovery on the entry and in the authority's list, and the column is withheld from
// anonymous reads when the load's request returns; who may list, accept and dismiss.
func TestDiscoveryHTTP(t *testing.T) {
	e := newDiscoveryEnv(t)
	b := entryBody("特种设备使用登记", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "uscc", "title": "统一社会信用代码", "type": "string", "key": true, "element": "uscc"},
		{"name": "operator", "title": "作业人员证号", "type": "string"},
		{"name": "contact", "title": "联系方式", "type": "string"},
	}
	b["data_category"] = "政务/市场监管/特种设备"
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	if en.DataLevel != pubdata.LevelGeneral || en.DataCategory != "政务/市场监管/特种设备" {
		t.Fatalf("grading %q %q", en.DataLevel, en.DataCategory)
	}
	csv := "uscc,operator,contact\n"
	for i, u := range []string{usccN(2), usccN(3), usccN(4)} {
		csv += u + "," + residentID("19800101", 10+i) + ",ops@example.com\n"
	}
	e.loadCSV(pbEditor, en, csv)
	list := e.discoveries("/api/v1/entries/"+en.ID+"/discoveries", pbEditor, http.StatusOK)
	byItem := map[string]*pubdata.Discovery{}
	for _, d := range list {
		byItem[d.Item] = d
	}
	d := byItem["operator"]
	if len(list) != 2 || d == nil || d.Kind != pubdata.PersonalResidentID || d.Grade != 4 || d.Matched != 3 || d.Status != pubdata.DiscoveryOpen {
		t.Fatalf("discoveries %+v", list)
	}
	if c := byItem["contact"]; c == nil || c.Kind != pubdata.PersonalEmail || !c.Withheld {
		t.Fatalf("contact %+v", c)
	}
	rows, _ := e.rowsOf("/api/v1/entries/"+en.ID+"/rows", anonymous)
	for _, r := range rows {
		for _, col := range []string{"operator", "contact"} {
			if _, ok := r[col]; ok {
				t.Fatalf("anonymous read holds the withheld column %s: %v", col, r)
			}
		}
	}
	// Who lists.
	if got := e.discoveries("/api/v1/discoveries", authReviewer, http.StatusOK); len(got) != 2 {
		t.Fatalf("the authority's list: %d", len(got))
	}
	if got := e.discoveries("/api/v1/discoveries?status=dismissed", authReviewer, http.StatusOK); len(got) != 0 {
		t.Fatalf("dismissed: %d", len(got))
	}
	if got := e.discoveries("/api/v1/discoveries", pbMember, http.StatusOK); len(got) != 2 {
		t.Fatalf("the unit's list: %d", len(got))
	}
	if got := e.discoveries("/api/v1/discoveries", "xm-scj-member", http.StatusOK); len(got) != 0 {
		t.Fatalf("another unit's list: %d", len(got))
	}
	e.discoveries("/api/v1/discoveries", citizen, http.StatusForbidden)
	// The console's list across units, in both languages; the filter; not for the public.
	for _, lang := range []string{"zh-CN", "en"} {
		p := e.page("GET", "/console/discoveries", e.login(authReviewer), lang, nil)
		if p.Code != 200 || strings.Count(p.Body.String(), `<tr id="disc-`) != 2 || !strings.Contains(p.Body.String(), "/console/entries/"+en.ID+"#discoveries") {
			t.Fatalf("%s discoveries page: %d", lang, p.Code)
		}
		checkPage(t, p.Body.String(), lang)
	}
	if p := e.page("GET", "/console/discoveries?status=dismissed", e.login(authReviewer), "", nil); p.Code != 200 || strings.Contains(p.Body.String(), `<tr id="disc-`) {
		t.Fatalf("dismissed filter: %d", p.Code)
	}
	if p := e.page("GET", "/console/discoveries", e.login(citizen), "", nil); p.Code == 200 {
		t.Fatal("a citizen opened the discoveries page")
	}
	e.discoveries("/api/v1/discoveries", anonymous, http.StatusUnauthorized)
	e.discoveries("/api/v1/discoveries?status=maybe", authReviewer, http.StatusBadRequest)
	e.discoveries("/api/v1/discoveries?limit=501", authReviewer, http.StatusBadRequest)
	for _, as := range []string{citizen, "xm-scj-member"} {
		e.discoveries("/api/v1/entries/"+en.ID+"/discoveries", as, http.StatusNotFound)
	}
	// Who decides.
	decide := func(step, as string, body any) int {
		return e.do(req{method: "POST", path: "/api/v1/discoveries/" + d.ID + "/" + step, as: as, body: body}).Code
	}
	reason := map[string]string{"reason": "作业人员证号即身份证号"}
	for _, c := range []struct {
		step, as string
		body     any
		want     int
	}{
		{"accept", authReviewer, nil, http.StatusForbidden},
		{"accept", pbMember, nil, http.StatusForbidden},
		{"accept", "xm-scj-member", nil, http.StatusNotFound},
		{"accept", citizen, nil, http.StatusNotFound},
		{"accept", anonymous, nil, http.StatusUnauthorized},
		{"dismiss", pbMember, reason, http.StatusForbidden},
		{"dismiss", citizen, reason, http.StatusNotFound},
		{"dismiss", authReviewer, map[string]string{"reason": ""}, http.StatusBadRequest},
	} {
		if got := decide(c.step, c.as, c.body); got != c.want {
			t.Fatalf("%s as %q: %d, want %d", c.step, c.as, got, c.want)
		}
	}
	if got := decide("accept", pbEditor, nil); got != http.StatusOK {
		t.Fatalf("accept: %d", got)
	}
	if got := decide("dismiss", authReviewer, reason); got != http.StatusConflict {
		t.Fatalf("dismiss an accepted one: %d", got)
	}
	w := e.do(req{path: "/api/v1/entries/" + en.ID, as: pbEditor})
	var working pubdata.Entry
	if json.Unmarshal(w.Body.Bytes(), &working); !slices.ContainsFunc(working.Items, func(it pubdata.Item) bool { return it.Name == "operator" && it.Personal && it.Grade == 4 }) ||
		working.Status != pubdata.StatusDraft || !strings.Contains(w.Body.String(), `"data_level":"general"`) {
		t.Fatalf("working copy %s", w.Body)
	}
	// Grading: an open entry may not be important data; a new category goes through review,
	// shown in the diff.
	if w := e.do(req{method: "PATCH", path: "/api/v1/entries/" + en.ID, as: pbEditor, body: map[string]any{"data_level": "important"}}); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "open_class") {
		t.Fatalf("important data opened: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "PATCH", path: "/api/v1/entries/" + en.ID, as: pbEditor, body: map[string]any{"data_category": "政务/市场监管/作业人员"}}); w.Code != http.StatusOK {
		t.Fatalf("category: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/submit", as: pbEditor}); w.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	review := e.page("GET", "/console/entries/"+en.ID, e.login(authReviewer), "en", nil).Body.String()
	if i := strings.Index(review, `id="entry-changes"`); i < 0 || !strings.Contains(review[i:], "Data category") || !strings.Contains(review[i:], "政务/市场监管/作业人员") {
		t.Fatal("the review's diff does not show the category")
	}
	if w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/review", as: authReviewer, body: map[string]any{"decision": "approve"}}); w.Code != http.StatusOK {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		edit := e.page("GET", "/console/entries/"+en.ID+"/edit", e.login(pbEditor), lang, nil)
		if edit.Code != 200 || !strings.Contains(edit.Body.String(), `id="entry-data-level"`) || !strings.Contains(edit.Body.String(), "政务/市场监管/作业人员") {
			t.Fatalf("editor %s: %d", lang, edit.Code)
		}
		checkPage(t, edit.Body.String(), lang)
	}
	// Running discovery again is the provider's or the authority's.
	if w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/discover", as: pbMember}); w.Code != http.StatusForbidden {
		t.Fatalf("discover as a member: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/discover", as: authReviewer}); w.Code != http.StatusOK {
		t.Fatalf("discover as the authority: %d %s", w.Code, w.Body)
	}
	// The console's entry page lists them, in both languages.
	for _, lang := range []string{"zh-CN", "en"} {
		page := e.page("GET", "/console/entries/"+en.ID, e.login(authReviewer), lang, nil)
		body := page.Body.String()
		if page.Code != 200 || !strings.Contains(body, `id="discovery-list"`) || !strings.Contains(body, "/discoveries/"+byItem["contact"].ID+"/dismiss") ||
			strings.Contains(body, "/discoveries/"+byItem["contact"].ID+"/accept") {
			t.Fatalf("entry page %s: %d", lang, page.Code)
		}
		checkPage(t, body, lang)
	}
	ed := e.login(pbEditor)
	if w := e.page("POST", "/console/entries/"+en.ID+"/discoveries/"+byItem["contact"].ID+"/dismiss", ed, "en", url.Values{"reason": {""}}); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "A dismissal needs its reason") {
		t.Fatalf("dismiss without a reason on the page: %d", w.Code)
	}
	if w := e.page("POST", "/console/entries/"+en.ID+"/discoveries/"+byItem["contact"].ID+"/dismiss", ed, "zh-CN", url.Values{"reason": {"单位公开邮箱"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("dismiss on the page: %d %s", w.Code, w.Body)
	}
	if evs := e.srvEvents("entry:" + en.ID); !slices.ContainsFunc(evs, func(ev *pubdata.Event) bool { return ev.Action == "discovery.dismiss" }) ||
		!slices.ContainsFunc(evs, func(ev *pubdata.Event) bool { return ev.Action == "data.discover" }) {
		t.Fatal("not recorded")
	}
}

// TestSecurityOfficerHTTP (G8): the unit's admin names its security officer, a user of the
// unit; the editor may not; systems keep their protection level; supervision finds what is
// missing.
func TestSecurityOfficerHTTP(t *testing.T) {
	e := newDiscoveryEnv(t)
	put := func(as, org, username string) int {
		return e.do(req{method: "PUT", path: "/api/v1/orgs/" + org + "/security-officer", as: as, body: map[string]string{"username": username}}).Code
	}
	hasFinding := func(kind, object string) bool {
		for _, f := range e.compliance(authAdmin, "", http.StatusOK).Findings {
			if f.Kind == kind && f.Object == object {
				return true
			}
		}
		return false
	}
	if !hasFinding(pubdata.FindingNoSecurityOfficer, "org:fj-gat") {
		t.Fatal("no finding")
	}
	for _, c := range []struct {
		as, org, user string
		want          int
	}{
		{pbEditor, "fj-gat", pbEditor, http.StatusForbidden},
		{"xm-scj-member", "fj-gat", pbEditor, http.StatusNotFound},
		{citizen, "fj-gat", pbEditor, http.StatusNotFound},
		{anonymous, "fj-gat", pbEditor, http.StatusUnauthorized},
		{pbAdmin, "fj-gat", authReviewer, http.StatusBadRequest},
		{pbAdmin, "fj-gat", pbEditor, http.StatusOK},
		{authAdmin, "fj-gat", pbAdmin, http.StatusOK},
	} {
		if got := put(c.as, c.org, c.user); got != c.want {
			t.Fatalf("%s names %s at %s: %d, want %d", c.as, c.user, c.org, got, c.want)
		}
	}
	if hasFinding(pubdata.FindingNoSecurityOfficer, "org:fj-gat") {
		t.Fatal("finding with an officer")
	}
	w := e.do(req{method: "POST", path: "/api/v1/systems", as: pbEditor, body: map[string]any{"name": "户籍管理系统", "owner": "陈工", "protection_level": 3}})
	var sys pubdata.InformationSystem
	if json.Unmarshal(w.Body.Bytes(), &sys); w.Code != http.StatusCreated && w.Code != http.StatusOK || sys.ProtectionLevel != 3 {
		t.Fatalf("system: %d %s", w.Code, w.Body)
	}
	if !hasFinding(pubdata.FindingSystemUnfiled, "system:"+sys.ID) {
		t.Fatal("no finding for an unfiled level-3 system")
	}
	if w := e.do(req{method: "PUT", path: "/api/v1/systems/" + sys.ID, as: pbEditor, body: map[string]any{"name": "户籍管理系统", "owner": "陈工", "protection_level": 3, "filing_number": "35000099001-30001", "filed_on": "2025-13-01"}}); w.Code != http.StatusBadRequest {
		t.Fatalf("bad date: %d", w.Code)
	}
	if w := e.do(req{method: "PUT", path: "/api/v1/systems/" + sys.ID, as: pbEditor, body: map[string]any{"name": "户籍管理系统", "owner": "陈工", "protection_level": 3, "filing_number": "35000099001-30001", "filed_on": "2025-03-01"}}); w.Code != http.StatusOK {
		t.Fatalf("filed: %d %s", w.Code, w.Body)
	}
	if hasFinding(pubdata.FindingSystemUnfiled, "system:"+sys.ID) {
		t.Fatal("finding for a filed system")
	}
	// The systems page shows the officer and the level, with the officer form for the admin.
	for _, lang := range []string{"zh-CN", "en"} {
		page := e.page("GET", "/console/systems", e.login(pbAdmin), lang, nil)
		body := page.Body.String()
		if page.Code != 200 || !strings.Contains(body, `id="officer-username"`) || !strings.Contains(body, "35000099001-30001") {
			t.Fatalf("systems page %s: %d", lang, page.Code)
		}
		checkPage(t, body, lang)
	}
	if page := e.page("GET", "/console/systems", e.login(pbEditor), "en", nil); strings.Contains(page.Body.String(), `id="officer-username"`) {
		t.Fatal("the editor gets the officer form")
	}
	if w := e.page("POST", "/console/systems/security-officer", e.login(pbAdmin), "en", url.Values{"org": {"fj-gat"}, "username": {pbMember}}); w.Code != http.StatusSeeOther {
		t.Fatalf("name on the page: %d %s", w.Code, w.Body)
	}
	if w := e.page("POST", "/console/systems/security-officer", e.login(pbEditor), "en", url.Values{"org": {"fj-gat"}, "username": {pbMember}}); w.Code != http.StatusForbidden {
		t.Fatalf("the editor names on the page: %d", w.Code)
	}
}
