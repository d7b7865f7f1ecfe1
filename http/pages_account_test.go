package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// accountFixture: a citizen's open applications for an entry with a usage agreement, made on
// 2026-12-24 (their answers are due in 2027, whose holidays are not known: unconfirmed):
// one pending, one rejected, one approved with its grant.
type accountFixture struct {
	entry                       *pubdata.Entry
	pending, rejected, approved *pubdata.Application
	grant                       *pubdata.Grant
}

func newAccountFixture(e *env) *accountFixture {
	e.t.Helper()
	e.mu.Lock()
	e.now = time.Date(2026, 12, 24, 2, 0, 0, 0, time.UTC)
	e.mu.Unlock()
	f := &accountFixture{}
	b := entryBody("企业年报", pubdata.ClassConditional, pubdata.ClassConditional)
	b["terms"], b["terms_text"] = []string{"no_onward_transfer", "attribution"}, "仅限本次用途"
	f.entry = e.createEntry(pbEditor, b)
	e.publish(pbEditor, f.entry.ID)
	body := map[string]any{"entry": f.entry.ID, "kind": "open", "purpose": "产业研究", "basis": "全市企业年报汇总", "until": "2027-03-31",
		"accept_terms": true, "demand_type": "research"}
	f.pending, f.rejected, f.approved = e.apply(citizen, body), e.apply(citizen, body), e.apply(citizen, body)
	apps := e.srv.Applications
	var err error
	if f.rejected, err = apps.DecideApplication(e.as(pbReviewer), f.rejected.ID, &pubdata.ApplicationDecision{Decision: "reject", Reason: "材料不全", Basis: "《公共数据管理办法》第二十条"}); err != nil {
		e.t.Fatal(err)
	}
	if f.approved, err = apps.DecideApplication(e.as(pbReviewer), f.approved.ID, &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"name"}, Reason: "用途明确"}); err != nil {
		e.t.Fatal(err)
	}
	if f.grant, err = apps.FindGrantByID(system, f.approved.Grant); err != nil {
		e.t.Fatal(err)
	}
	if f.pending.DueCovered {
		e.t.Fatalf("the fixture's due date %s is covered", f.pending.Due)
	}
	return f
}

// TestAccountApplicationPages: a citizen's applications and grants in the portal's account,
// in both languages: status, the answer and its reasons, the due date marked unconfirmed,
// the usage agreement, the grant's scope and period, the applicant's forms posting to the
// account; no console navigation. The console's versions send a public user here.
func TestAccountApplicationPages(t *testing.T) {
	e := opEnv(t)
	f := newAccountFixture(e)
	public := e.login(citizen)
	for _, lang := range web.Languages {
		t.Run(lang, func(t *testing.T) {
			portal := func(what string, w *httptest.ResponseRecorder, in ...string) {
				t.Helper()
				wantStatus(t, what, w, http.StatusOK)
				checkPage(t, w.Body.String(), lang)
				wantBody(t, what, w, append(in, `class="console-nav portal-nav"`, `href="/account"`)...)
				wantNotBody(t, what, w, `id="console-menu"`, `href="/console/applications/`, `href="/console/grants/`, `action="/console/`)
			}
			w := e.page("GET", "/account", public, lang, nil)
			portal("account", w, `href="/account/applications/`+f.pending.ID+`"`, `href="/account/grants/`+f.grant.ID+`"`,
				`href="/account/grants"`, `href="/account/applications"`)
			w = e.page("GET", "/account/applications", public, lang, nil)
			portal("applications", w, `href="/account/applications/`+f.pending.ID+`"`, `href="/account/applications/`+f.rejected.ID+`"`,
				`href="/account/applications/`+f.approved.ID+`"`)
			w = e.page("GET", "/account/applications/"+f.pending.ID+"?created=1", public, lang, nil)
			portal("pending", w, `id="app-status"`, `id="app-due"`, f.pending.Due, web.Translate(lang, "calendar.unconfirmed"),
				web.Translate(lang, "app.status.pending"), web.Translate(lang, "papply.term.attribution"), "仅限本次用途",
				web.Translate(lang, "papply.demand.research"), `action="/account/applications/`+f.pending.ID+`/withdraw"`,
				web.Translate(lang, "app.flash.created", "Due", f.pending.Due))
			wantNotBody(t, "pending", w, `/dispute"`)
			w = e.page("GET", "/account/applications/"+f.rejected.ID, public, lang, nil)
			portal("rejected", w, `id="app-reason"`, "材料不全", "《公共数据管理办法》第二十条", web.Translate(lang, "app.status.rejected"),
				`action="/account/applications/`+f.rejected.ID+`/dispute"`)
			wantNotBody(t, "rejected", w, `/withdraw"`)
			w = e.page("GET", "/account/applications/"+f.approved.ID, public, lang, nil)
			portal("approved", w, `id="app-grant"`, `href="/account/grants/`+f.grant.ID+`"`, "用途明确")
			w = e.page("GET", "/account/grants", public, lang, nil)
			portal("grants", w, `href="/account/grants/`+f.grant.ID+`"`, f.grant.LastDay())
			w = e.page("GET", "/account/grants/"+f.grant.ID, public, lang, nil)
			portal("grant", w, `id="grant-items"`, "企业名称 (name)", `id="grant-until"`, f.grant.LastDay(), `id="grant-rows"`,
				web.Translate(lang, "grant.status.live"), `href="/account/applications/`+f.approved.ID+`"`)
			wantNotBody(t, "grant", w, "统一社会信用代码 (uscc)", `/revoke"`)
		})
	}

	// The applicant's forms: a dispute needs a reason; then the rejection is disputed and
	// the pending application withdrawn.
	w := e.page("POST", "/account/applications/"+f.rejected.ID+"/dispute", public, web.LangEN, url.Values{"reason": {" "}})
	wantStatus(t, "dispute without a reason", w, http.StatusBadRequest)
	checkPage(t, w.Body.String(), web.LangEN)
	wantBody(t, "dispute without a reason", w, `id="dispute-reason-error"`, `class="console-nav portal-nav"`)
	w = e.page("POST", "/account/applications/"+f.rejected.ID+"/dispute", public, web.LangZH, url.Values{"reason": {"已补齐材料"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/applications/"+f.rejected.ID+"?disputed=1" {
		t.Fatalf("dispute: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = e.page("POST", "/account/applications/"+f.pending.ID+"/withdraw", public, web.LangZH, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/applications/"+f.pending.ID+"?withdrawn=1" {
		t.Fatalf("withdraw: %d to %q", w.Code, w.Header().Get("Location"))
	}
	for id, want := range map[string]pubdata.ApplicationStatus{f.rejected.ID: pubdata.AppDisputed, f.pending.ID: pubdata.AppWithdrawn} {
		app, err := e.srv.Applications.FindApplicationByID(system, id)
		if err != nil || app.Status != want {
			t.Errorf("application %s: %v %v, want %s", id, app.Status, err, want)
		}
		w := e.page("GET", "/account/applications/"+id, public, web.LangZH, nil)
		wantStatus(t, "after the form", w, http.StatusOK)
		wantNotBody(t, "after the form", w, `/withdraw"`, `/dispute"`)
	}
	if evs := e.events("application.withdraw"); len(evs) != 1 {
		t.Errorf("withdraw events: %d, want 1", len(evs))
	}

	// The console's pages send a public user to the account's, with the query.
	for from, to := range map[string]string{
		"/console/applications/" + f.approved.ID + "?created=1": "/account/applications/" + f.approved.ID + "?created=1",
		"/console/applications":                                 "/account/applications",
		"/console/grants":                                       "/account/grants",
		"/console/grants/" + f.grant.ID:                         "/account/grants/" + f.grant.ID,
	} {
		w := e.page("GET", from, public, web.LangZH, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
			t.Errorf("public user on %s: %d to %q, want %s", from, w.Code, w.Header().Get("Location"), to)
		}
	}
	// Government users keep the console's pages, and are sent there from the account's.
	provider := e.login(pbReviewer)
	for from, to := range map[string]string{
		"/account/applications/" + f.approved.ID: "/console/applications/" + f.approved.ID,
		"/account/grants/" + f.grant.ID:          "/console/grants/" + f.grant.ID,
		"/account/grants":                        "/console/grants",
		"/account/applications":                  "/console/applications",
	} {
		w := e.page("GET", from, provider, web.LangZH, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
			t.Errorf("provider on %s: %d to %q, want %s", from, w.Code, w.Header().Get("Location"), to)
		}
		wantStatus(t, "provider on "+to, e.page("GET", to, provider, web.LangZH, nil), http.StatusOK)
	}
}

// TestAccountApplicationPagesForbidden: another citizen finds nothing (404) and changes
// nothing; the provider may not act as the applicant; anonymous visitors are sent to sign
// in and come back.
func TestAccountApplicationPagesForbidden(t *testing.T) {
	e := opEnv(t)
	f := newAccountFixture(e)
	e.addUser("citizen2", "", "")
	other, provider := e.login("citizen2"), e.login(pbReviewer)
	for _, c := range []struct {
		name, method, path string
		as                 *http.Cookie
		form               url.Values
		status             int
	}{
		{"another citizen opens an application", "GET", "/account/applications/" + f.pending.ID, other, nil, 404},
		{"another citizen opens a grant", "GET", "/account/grants/" + f.grant.ID, other, nil, 404},
		{"another citizen withdraws", "POST", "/account/applications/" + f.pending.ID + "/withdraw", other, url.Values{}, 404},
		{"another citizen disputes", "POST", "/account/applications/" + f.rejected.ID + "/dispute", other, url.Values{"reason": {"x"}}, 404},
		{"another citizen via the console", "GET", "/console/applications/" + f.pending.ID, other, nil, 303},
		{"the provider withdraws", "POST", "/account/applications/" + f.pending.ID + "/withdraw", provider, url.Values{}, 403},
		{"the provider disputes", "POST", "/account/applications/" + f.rejected.ID + "/dispute", provider, url.Values{"reason": {"x"}}, 403},
		{"unknown application", "GET", "/account/applications/nothing", e.login(citizen), nil, 404},
		{"unknown grant", "GET", "/account/grants/nothing", e.login(citizen), nil, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := e.page(c.method, c.path, c.as, web.LangZH, c.form)
			wantStatus(t, c.name, w, c.status)
		})
	}
	for _, p := range []string{"/account/applications", "/account/applications/" + f.pending.ID, "/account/grants", "/account/grants/" + f.grant.ID} {
		w := e.page("GET", p, nil, web.LangZH, nil)
		if want := "/login?next=" + url.QueryEscape(p); w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("anonymous GET %s: %d to %q, want %s", p, w.Code, w.Header().Get("Location"), want)
		}
	}
	if w := e.page("POST", "/account/applications/"+f.pending.ID+"/withdraw", nil, web.LangZH, url.Values{}); w.Code < 300 {
		t.Errorf("anonymous withdraw: %d", w.Code)
	}
	w := e.page("GET", "/account/grants", other, web.LangZH, nil)
	wantStatus(t, "another citizen's grants", w, http.StatusOK)
	wantNotBody(t, "another citizen's grants", w, f.grant.ID)
	w = e.page("GET", "/account/applications", other, web.LangZH, nil)
	wantNotBody(t, "another citizen's applications", w, f.pending.ID)
	for id, want := range map[string]pubdata.ApplicationStatus{f.pending.ID: pubdata.AppPending, f.rejected.ID: pubdata.AppRejected} {
		app, err := e.srv.Applications.FindApplicationByID(system, id)
		if err != nil || app.Status != want {
			t.Errorf("application %s: %v %v, want %s", id, app.Status, err, want)
		}
	}
}
