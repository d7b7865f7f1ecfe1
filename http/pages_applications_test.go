package http

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// paEnv is an env with applications and notifications.
func paEnv(t *testing.T) *env {
	var e *env
	e = newEnvWith(t, func(s *Server) {
		s.BatchDir = t.TempDir()
	})
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	return e
}

// paFixture holds the sharing pages' fixture: a conditionally shared entry of fj-gat
// (350000) and an unconditionally shared one, and applications in each state.
type paFixture struct {
	cond, uncond                          string // entry ids
	pending, rejected, disputed, approved string // application ids
	grant                                 string
}

// paUntil is a date a month ahead, a valid end of use.
func paUntil() string { return pubdata.Today(time.Now().AddDate(0, 1, 0)) }

func newPAFixture(e *env) *paFixture {
	e.t.Helper()
	f := &paFixture{}
	f.cond = pdPublish(e, "人口基础信息（有条件共享）", func(x *pubdata.EntryFields) {
		x.ShareClass, x.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
		x.OpenClass, x.OpenBasis = pubdata.ClassNone, "涉及个人信息"
	})
	f.uncond = pdPublish(e, "无条件共享的条目", nil)
	entry, err := e.srv.Entries.FindPublishedEntry(system, f.cond)
	if err != nil {
		e.t.Fatal(err)
	}
	apps := e.srv.Applications
	create := func(as string) string {
		e.t.Helper()
		c := &pubdata.ApplicationCreate{Entry: f.cond, Kind: pubdata.KindShare, Items: []string{"id_number", "full_name"},
			Purpose: "办理企业开办审批", Basis: "《优化营商环境条例》", Until: paUntil(), AcceptTerms: true}
		app, err := apps.CreateApplication(e.as(as), entry, c)
		if err != nil {
			e.t.Fatalf("apply as %s: %v", as, err)
		}
		return app.ID
	}
	decide := func(id string, d *pubdata.ApplicationDecision) {
		e.t.Helper()
		if _, err := apps.DecideApplication(e.as(pbReviewer), id, d); err != nil {
			e.t.Fatalf("decide %s: %v", id, err)
		}
	}
	f.pending = create("fz-scj-member")
	f.rejected = create("xm-scj-member")
	decide(f.rejected, &pubdata.ApplicationDecision{Decision: "reject", Reason: "用途与职责无关", Basis: "《公共数据管理办法》第二十条"})
	f.disputed = create("xm-scj-member")
	decide(f.disputed, &pubdata.ApplicationDecision{Decision: "reject", Reason: "材料不全", Basis: "《公共数据管理办法》第二十条"})
	if _, err := apps.DisputeApplication(e.as("xm-scj-member"), f.disputed, "已履行法定职责，确需使用"); err != nil {
		e.t.Fatal(err)
	}
	f.approved = create("fz-scj-member")
	decide(f.approved, &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"full_name"}})
	app, err := apps.FindApplicationByID(system, f.approved)
	if err != nil || app.Grant == "" {
		e.t.Fatalf("approved application %+v: %v", app, err)
	}
	f.grant = app.Grant
	return f
}

// TestApplicationPagesTranslated renders every sharing page, in each state that shows
// different text, in both languages, and checks it (checkPage).
func TestApplicationPagesTranslated(t *testing.T) {
	e := paEnv(t)
	f := newPAFixture(e)
	fzMember, xmMember := e.login("fz-scj-member"), e.login("xm-scj-member")
	provider, authority, public := e.login(pbReviewer), e.login(authReviewer), e.login(citizen)
	scenarios := []struct {
		name, method, path string
		as                 *http.Cookie
		form               url.Values
		status             int
	}{
		{"catalog", "GET", "/console/applications/catalog", fzMember, nil, 200},
		{"catalog search", "GET", "/console/applications/catalog?q=%E4%BA%BA%E5%8F%A3&class=conditional", fzMember, nil, 200},
		{"catalog provider", "GET", "/console/applications/catalog", provider, nil, 200},
		{"catalog public", "GET", "/console/applications/catalog", public, nil, 200},
		{"catalog bad class", "GET", "/console/applications/catalog?class=none", fzMember, nil, 400},
		{"apply form", "GET", "/console/applications/new?entry=" + f.cond, fzMember, nil, 200},
		{"apply form errors", "POST", "/console/applications/new", fzMember, url.Values{"entry": {f.cond}, "until": {"2000-01-01"}}, 400},
		{"apply form own entry", "POST", "/console/applications/new", provider, url.Values{"entry": {f.cond}, "items": {"full_name"}, "purpose": {"x"}, "basis": {"y"}, "until": {paUntil()}, "accept_terms": {"1"}}, 400},
		{"apply form no entry", "GET", "/console/applications/new", fzMember, nil, 400},
		{"apply form unknown entry", "GET", "/console/applications/new?entry=nothing", fzMember, nil, 404},
		{"mine", "GET", "/console/applications", fzMember, nil, 200},
		{"mine rejected", "GET", "/console/applications?role=mine&status=rejected", xmMember, nil, 200},
		{"mine public", "GET", "/account/applications", public, nil, 200},
		{"incoming", "GET", "/console/applications?role=incoming", provider, nil, 200},
		{"incoming all", "GET", "/console/applications?role=incoming&status=all", provider, nil, 200},
		{"incoming empty", "GET", "/console/applications?role=incoming", fzMember, nil, 200},
		{"board", "GET", "/console/applications?role=authority", authority, nil, 200},
		{"board city", "GET", "/console/applications?role=authority", e.login(cityAdmin), nil, 200},
		{"bad role", "GET", "/console/applications?role=boss", fzMember, nil, 400},
		{"bad status", "GET", "/console/applications?status=lost", fzMember, nil, 400},
		{"pending applicant", "GET", "/console/applications/" + f.pending + "?created=1", fzMember, nil, 200},
		{"pending provider", "GET", "/console/applications/" + f.pending, provider, nil, 200},
		{"rejected applicant", "GET", "/console/applications/" + f.rejected, xmMember, nil, 200},
		{"disputed authority", "GET", "/console/applications/" + f.disputed + "?disputed=1", authority, nil, 200},
		{"approved applicant", "GET", "/console/applications/" + f.approved + "?decided=1", fzMember, nil, 200},
		{"decide errors", "POST", "/console/applications/" + f.pending + "/decide", provider, url.Values{"decision": {"reject"}}, 400},
		{"decide no items", "POST", "/console/applications/" + f.pending + "/decide", provider, url.Values{"decision": {"approve"}}, 400},
		{"decide bad scope", "POST", "/console/applications/" + f.pending + "/decide", provider, url.Values{"decision": {"approve"}, "items": {"full_name"}, "clear_items": {"id_number"}, "row_filter": {"nope__x=1"}}, 400},
		{"dispute errors", "POST", "/console/applications/" + f.rejected + "/dispute", xmMember, url.Values{"reason": {" "}}, 400},
		{"grants mine", "GET", "/console/grants", fzMember, nil, 200},
		{"grants provided", "GET", "/console/grants?role=provided", provider, nil, 200},
		{"grants authority", "GET", "/console/grants?role=authority", authority, nil, 200},
		{"grants public", "GET", "/account/grants", public, nil, 200},
		{"grant holder", "GET", "/console/grants/" + f.grant, fzMember, nil, 200},
		{"grant provider", "GET", "/console/grants/" + f.grant, provider, nil, 200},
		{"revoke errors", "POST", "/console/grants/" + f.grant + "/revoke", provider, url.Values{"reason": {""}}, 400},
		{"notifications", "GET", "/console/notifications", provider, nil, 200},
		{"notifications unread", "GET", "/console/notifications?unread=1", fzMember, nil, 200},
		{"account notifications", "GET", "/account/notifications", public, nil, 200},
		{"account notifications unread", "GET", "/account/notifications?unread=1", public, nil, 200},
	}
	for _, lang := range web.Languages {
		for _, sc := range scenarios {
			t.Run(lang+"/"+sc.name, func(t *testing.T) {
				w := e.page(sc.method, sc.path, sc.as, lang, sc.form)
				if w.Code != sc.status {
					t.Fatalf("status %d, want %d: %.800s", w.Code, sc.status, w.Body)
				}
				checkPage(t, w.Body.String(), lang)
			})
		}
	}
	// A citizen's notifications are on the account pages, linked from the account page.
	w := e.page("GET", "/console/notifications?unread=1", public, web.LangZH, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/notifications?unread=1" {
		t.Fatalf("a citizen's console notifications: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = e.page("GET", "/account", public, web.LangZH, nil)
	wantBody(t, "account page", w, `href="/account/notifications"`)
	// What the pages show.
	w = e.page("GET", "/console/applications/catalog", fzMember, web.LangZH, nil)
	wantBody(t, "catalog", w, `href="/console/applications/new?entry=`+url.QueryEscape(f.cond)+`"`, "注明用途即可直接使用", `/api/v1/entries/`+f.uncond+`/rows`)
	w = e.page("GET", "/console/applications/catalog", provider, web.LangZH, nil)
	wantNotBody(t, "catalog of the provider", w, `href="/console/applications/new?entry=`+url.QueryEscape(f.cond)+`"`)
	w = e.page("GET", "/console/applications/new?entry="+f.cond, fzMember, web.LangZH, nil)
	wantBody(t, "apply form", w, `name="items" type="checkbox" value="id_number" checked`, `name="items" type="checkbox" value="full_name" checked`, `id="apply-purpose"`, `id="apply-basis"`, `id="apply-until"`, `id="apply-terms"`)
	w = e.page("POST", "/console/applications/new", fzMember, web.LangEN, url.Values{"entry": {f.cond}, "until": {"2000-01-01"}})
	wantBody(t, "apply errors", w, `id="apply-purpose-error"`, `id="apply-basis-error"`, `id="apply-until-error"`, `id="apply-terms-error"`, `id="apply-items-error"`, "Purpose is required.")
	w = e.page("POST", "/console/applications/new", fzMember, web.LangZH, url.Values{"entry": {f.cond}, "until": {"2000-01-01"}})
	wantBody(t, "apply errors in Chinese", w, "请填写用途。", "使用期限（2000-01-01）须在今天（")
	wantNotBody(t, "apply errors in Chinese", w, "Purpose is required.")
	w = e.page("GET", "/console/applications?role=incoming", provider, web.LangZH, nil)
	wantBody(t, "incoming", w, "/console/applications/"+f.pending, "待答复")
	wantNotBody(t, "incoming (pending only)", w, "/console/applications/"+f.rejected)
	w = e.page("GET", "/console/applications?role=authority", authority, web.LangZH, nil)
	wantBody(t, "board", w, "/console/applications/"+f.disputed, "待处理的申诉", "各提供单位逾期次数")
	w = e.page("GET", "/console/applications/"+f.disputed, authority, web.LangZH, nil)
	wantBody(t, "dispute decision", w, `action="/console/applications/`+f.disputed+`/decide"`, "处理申诉", "已履行法定职责，确需使用", "提出申诉")
	w = e.page("GET", "/console/applications/"+f.rejected, xmMember, web.LangZH, nil)
	wantBody(t, "rejected", w, `action="/console/applications/`+f.rejected+`/dispute"`, "用途与职责无关", "《公共数据管理办法》第二十条")
	w = e.page("GET", "/console/grants/"+f.grant, provider, web.LangZH, nil)
	wantBody(t, "grant of the provider", w, `action="/console/grants/`+f.grant+`/revoke"`, "full_name")
	wantNotBody(t, "grant of the provider", w, "id_number")
}

// TestApplicationPagesForbidden: strangers, applicants, members and non-covering
// authorities cannot see or do what is not theirs; anonymous visitors are sent to sign in.
func TestApplicationPagesForbidden(t *testing.T) {
	e := paEnv(t)
	f := newPAFixture(e)
	fzMember, xmMember := e.login("fz-scj-member"), e.login("xm-scj-member")
	provider, pbMem, public := e.login(pbReviewer), e.login(pbMember), e.login(citizen)
	city, authMem, authority := e.login(cityAdmin), e.login(authMember), e.login(authReviewer)
	decide := url.Values{"decision": {"approve"}, "items": {"full_name"}}
	for _, c := range []struct {
		name, method, path string
		as                 *http.Cookie
		form               url.Values
		status             int
	}{
		{"stranger opens an application", "GET", "/console/applications/" + f.pending, xmMember, nil, 404},
		{"public user opens an application", "GET", "/account/applications/" + f.pending, public, nil, 404},
		{"public user opens a grant", "GET", "/account/grants/" + f.grant, public, nil, 404},
		{"public user withdraws another's application", "POST", "/account/applications/" + f.pending + "/withdraw", public, nil, 404},
		{"public user disputes another's rejection", "POST", "/account/applications/" + f.rejected + "/dispute", public, url.Values{"reason": {"x"}}, 404},
		{"stranger opens a grant", "GET", "/console/grants/" + f.grant, xmMember, nil, 404},
		{"applicant decides", "POST", "/console/applications/" + f.pending + "/decide", fzMember, decide, 403},
		{"provider's member decides", "POST", "/console/applications/" + f.pending + "/decide", pbMem, decide, 403},
		{"non-covering authority opens a dispute", "GET", "/console/applications/" + f.disputed, city, nil, 404},
		{"non-covering authority decides a dispute", "POST", "/console/applications/" + f.disputed + "/decide", city, decide, 404},
		{"authority's member decides a dispute", "POST", "/console/applications/" + f.disputed + "/decide", authMem, decide, 403},
		{"provider decides a dispute", "POST", "/console/applications/" + f.disputed + "/decide", provider, decide, 403},
		{"provider disputes", "POST", "/console/applications/" + f.rejected + "/dispute", provider, url.Values{"reason": {"x"}}, 403},
		{"provider withdraws", "POST", "/console/applications/" + f.pending + "/withdraw", provider, nil, 403},
		{"dispute twice", "POST", "/console/applications/" + f.disputed + "/dispute", xmMember, url.Values{"reason": {"x"}}, 409},
		{"holder revokes", "POST", "/console/grants/" + f.grant + "/revoke", fzMember, url.Values{"reason": {"x"}}, 403},
		{"public user's incoming", "GET", "/console/applications?role=incoming", public, nil, 303},
		{"member's board", "GET", "/console/applications?role=authority", pbMem, nil, 403},
		{"provider's grants for the public", "GET", "/console/grants?role=provided", public, nil, 303},
		{"mark another's notification", "POST", "/console/notifications/nothing/read", fzMember, url.Values{}, 404},
		{"mark another's notification (account)", "POST", "/account/notifications/nothing/read", pbMem, url.Values{}, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := e.page(c.method, c.path, c.as, web.LangZH, c.form)
			wantStatus(t, c.name, w, c.status)
		})
	}
	// The applicant and the provider's member see no decision form; the covering
	// authority's member no dispute decision.
	for _, c := range []struct {
		as *http.Cookie
		id string
	}{{fzMember, f.pending}, {pbMem, f.pending}, {authMem, f.disputed}, {provider, f.disputed}} {
		w := e.page("GET", "/console/applications/"+c.id, c.as, web.LangZH, nil)
		wantStatus(t, "application page", w, 200)
		wantNotBody(t, "application page", w, "/decide\"")
	}
	w := e.page("GET", "/console/applications/"+f.disputed, authority, web.LangZH, nil)
	wantBody(t, "covering authority", w, "/decide\"")
	// The public and anonymous visitors.
	for _, p := range []string{"/console/applications", "/console/applications/catalog", "/console/applications/new?entry=" + f.cond,
		"/console/applications/" + f.pending, "/console/grants", "/console/grants/" + f.grant, "/console/notifications",
		"/account/applications", "/account/applications/" + f.pending, "/account/grants", "/account/grants/" + f.grant} {
		w := e.page("GET", p, nil, web.LangZH, nil)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
			t.Errorf("anonymous GET %s: %d %v", p, w.Code, w.Header())
		}
	}
	w = e.page("POST", "/console/applications/"+f.pending+"/decide", nil, web.LangZH, decide)
	if w.Code < 300 || w.Code == 200 {
		t.Errorf("anonymous decide: %d", w.Code)
	}
	// Nothing changed.
	for id, want := range map[string]pubdata.ApplicationStatus{f.pending: pubdata.AppPending, f.disputed: pubdata.AppDisputed} {
		app, err := e.srv.Applications.FindApplicationByID(system, id)
		if err != nil || app.Status != want {
			t.Errorf("application %s: %v %v, want %s", id, app.Status, err, want)
		}
	}
	g, err := e.srv.Applications.FindGrantByID(system, f.grant)
	if err != nil || g.RevokedAt != nil {
		t.Errorf("grant revoked by a forbidden request: %+v %v", g, err)
	}
}

var appLocation = regexp.MustCompile(`^/console/applications/([^/?]+)\?created=1$`)

// TestApplyApproveGrantFlow: through the forms, a public body applies for a conditionally
// shared entry, the provider's reviewer approves part of it, the applicant sees the grant
// and the notification, and the provider revokes the grant.
func TestApplyApproveGrantFlow(t *testing.T) {
	e := paEnv(t)
	f := newPAFixture(e)
	applicant, provider := e.login("fz-scj-member"), e.login(pbReviewer)

	w := e.page("POST", "/console/applications/new", applicant, web.LangZH, url.Values{"entry": {f.cond}, "items": {"id_number", "full_name"},
		"purpose": {"核验企业法定代表人身份"}, "basis": {"《市场主体登记管理条例》第十条"}, "until": {paUntil()}, "accept_terms": {"1"}})
	wantStatus(t, "apply", w, http.StatusSeeOther)
	m := appLocation.FindStringSubmatch(w.Header().Get("Location"))
	if m == nil {
		t.Fatalf("apply redirects to %q", w.Header().Get("Location"))
	}
	id := m[1]
	app, err := e.srv.Applications.FindApplicationByID(system, id)
	if err != nil {
		t.Fatal(err)
	}
	if app.Status != pubdata.AppPending || app.Applicant != "fz-scj-member" || app.Kind != pubdata.KindShare || len(app.Items) != 2 || app.Due == "" {
		t.Fatalf("application %+v", app)
	}
	wantDue := pubdata.Today(e.srv.WorkCalendar().AddWorkdays(time.Now(), e.srv.ReplyDays(pubdata.KindShare)))
	if app.Due != wantDue {
		t.Errorf("due %s, want %s", app.Due, wantDue)
	}
	w = e.page("GET", w.Header().Get("Location"), applicant, web.LangZH, nil)
	wantBody(t, "application page", w, "申请已提交，提供单位应在 "+app.Due+" 前答复。", `id="app-due"`, "待答复", `action="/console/applications/`+id+`/withdraw"`)

	w = e.page("GET", "/console/applications?role=incoming", provider, web.LangZH, nil)
	wantBody(t, "incoming", w, "/console/applications/"+id)
	w = e.page("POST", "/console/applications/"+id+"/decide", provider, web.LangZH, url.Values{"decision": {"approve"}, "items": {"full_name"},
		"until": {app.Until}, "purpose": {app.Purpose}, "reason": {"符合共享条件"}})
	wantStatus(t, "approve", w, http.StatusSeeOther)
	app, err = e.srv.Applications.FindApplicationByID(system, id)
	if err != nil || app.Status != pubdata.AppApproved || app.Grant == "" {
		t.Fatalf("after approval: %+v %v", app, err)
	}
	g, err := e.srv.Applications.FindGrantByID(system, app.Grant)
	if err != nil || g.Consumer != "fz-scj" || len(g.Items) != 1 || g.Items[0] != "full_name" || len(g.ClearItems) != 0 {
		t.Fatalf("grant %+v %v", g, err)
	}
	w = e.page("GET", "/console/applications/"+id, applicant, web.LangZH, nil)
	wantBody(t, "approved", w, "已批准", "/console/grants/"+g.ID, "符合共享条件", "批准")
	w = e.page("GET", "/console/grants", applicant, web.LangZH, nil)
	wantBody(t, "my grants", w, "/console/grants/"+g.ID, "有效")
	w = e.page("GET", "/console/grants/"+g.ID, applicant, web.LangZH, nil)
	wantBody(t, "grant", w, "full_name", `href="/catalog/`+f.cond+`"`, `/api/v1/entries/`+f.cond+`/rows`)
	wantNotBody(t, "grant", w, "id_number", "/revoke\"")

	// The applicant's notification of the approval, marked read.
	w = e.page("GET", "/console/notifications?unread=1", applicant, web.LangEN, nil)
	wantBody(t, "notifications in English", w, "was approved, for use until")
	wantNotBody(t, "notifications in English", w, "已获批准")
	w = e.page("GET", "/console/notifications?unread=1", applicant, web.LangZH, nil)
	wantBody(t, "notifications", w, "已获批准")
	nid := regexp.MustCompile(`action="/console/notifications/([^/"]+)/read"`).FindStringSubmatch(w.Body.String())
	if nid == nil {
		t.Fatalf("no mark-read form: %s", w.Body)
	}
	_, before, _, _ := e.srv.Notifications.FindNotifications(e.as("fz-scj-member"), true, 10, "")
	w = e.page("POST", "/console/notifications/"+nid[1]+"/read", applicant, web.LangZH, url.Values{})
	wantStatus(t, "mark read", w, http.StatusSeeOther)
	_, after, _, _ := e.srv.Notifications.FindNotifications(e.as("fz-scj-member"), true, 10, "")
	if after != before-1 {
		t.Errorf("unread %d → %d", before, after)
	}
	w = e.page("GET", "/console", applicant, web.LangZH, nil)
	wantBody(t, "nav", w, `href="/console/notifications"`, `href="/console/applications"`, `href="/console/grants"`)

	// The provider revokes it with a reason.
	w = e.page("POST", "/console/grants/"+g.ID+"/revoke", provider, web.LangZH, url.Values{"reason": {"使用单位超范围使用"}})
	wantStatus(t, "revoke", w, http.StatusSeeOther)
	w = e.page("GET", "/console/grants/"+g.ID, applicant, web.LangZH, nil)
	wantBody(t, "revoked grant", w, "已撤销", "使用单位超范围使用")
	w = e.page("GET", "/console/applications/"+id, applicant, web.LangZH, nil)
	wantBody(t, "history", w, "提交申请", "撤销授权")
}
