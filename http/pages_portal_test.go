package http

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/portal"
	"github.com/pubdata/pubdata/http/web"
)

// The portal's pages (portal_home.go, portal_entry.go, portal_org.go, portal_account.go).

func TestPortalPages(t *testing.T) {
	e := newEnv(t)
	cf := newCatalogFixture(e)
	// A conditionally open entry of the same provider.
	c := testEntryFields("企业年报信息")
	c.OpenClass, c.OpenConditions = pubdata.ClassConditional, "经申请同意后开放"
	ed, rev := e.as(pbEditor), e.as(authReviewer)
	ce, err := e.srv.Entries.CreateEntry(ed, "fj-gat", "", c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Entries.SubmitEntry(ed, ce.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Entries.ReviewEntry(rev, ce.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	public, member := e.login(citizen), e.login(pbMember)

	for _, lang := range []string{web.LangZH, web.LangEN} {
		for _, tc := range []struct {
			name, path string
			as         *http.Cookie
			status     int
			want       []string
			not        []string
		}{
			{"home anonymous", "/", nil, 200, []string{`id="home-topics"`, `href="/catalog?in=title&amp;q=%E4%BF%A1%E7%94%A8"`, `class="stats"`, `href="/catalog/` + cf.published + `"`}, []string{cf.negative}},
			{"home public body", "/", member, 200, []string{`id="home-topics"`, `href="/account"`}, nil},
			{"entry open", "/catalog/" + cf.published, nil, 200, []string{`id="entry-downloads"`, `href="/downloads/` + cf.published + `/csv"`, `id="entry-api"`, "curl "}, []string{`id="entry-apply"`, "Bearer"}},
			{"entry conditional", "/catalog/" + ce.ID, nil, 200, []string{`id="entry-apply"`, `href="/apply?entry=` + ce.ID + `"`, "Bearer $PUBDATA_KEY"}, nil},
			{"entry conditional signed in", "/catalog/" + ce.ID, public, 200, []string{`id="entry-apply"`}, nil},
			{"provider", "/orgs/fj-gat", nil, 200, []string{`href="/catalog/` + cf.published + `"`, `href="/catalog/` + ce.ID + `"`}, []string{cf.negative, cf.draft}},
			{"provider public body", "/orgs/fj-gat", member, 200, []string{`href="/catalog/` + cf.negative + `"`}, []string{cf.draft}},
			{"account", "/account", public, 200, []string{`href="/account/settings#account-tokens"`, `id="account-apps"`, `id="account-grants"`}, nil},
			{"download refused", "/downloads/" + ce.ID + "/csv", nil, 403, []string{`id="refused-apply"`, `href="/apply?entry=` + ce.ID + `"`}, nil},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				w := e.page("GET", tc.path, tc.as, lang, nil)
				if w.Code != tc.status {
					t.Fatalf("GET %s: %d, want %d\n%.500s", tc.path, w.Code, tc.status, w.Body.String())
				}
				body := w.Body.String()
				checkPage(t, body, lang)
				for _, s := range tc.want {
					if !strings.Contains(body, s) {
						t.Errorf("GET %s lacks %s", tc.path, s)
					}
				}
				for _, s := range tc.not {
					if strings.Contains(body, s) {
						t.Errorf("GET %s shows %s", tc.path, s)
					}
				}
			})
		}
	}

	// Forbidden and missing cases.
	if w := e.page("GET", "/account", nil, "", nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=%2Faccount") {
		t.Errorf("anonymous /account: %d to %q, want 303 to the login", w.Code, w.Header().Get("Location"))
	}
	if w := e.page("GET", "/orgs/no-such-org", nil, "", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown provider: %d, want 404", w.Code)
	}
	for _, path := range []string{
		"/downloads/" + cf.negative + "/csv", // not open: not in the public's catalogue
		"/downloads/" + cf.draft + "/csv",    // never published
		"/downloads/" + cf.published + "/pdf",
		"/downloads/no-such-entry/csv",
	} {
		if w := e.page("GET", path, nil, "", nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	// A permitted download streams the whole table (issue 11 item 3).
	for _, f := range []string{"csv", "xlsx", "json", "ndjson"} {
		w := e.page("GET", "/downloads/"+cf.published+"/"+f, nil, "", nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("open download %s: %d %v", f, w.Code, w.Header())
		}
	}
	// The public body reads the conditional entry's metadata but is not offered to apply
	// as the public does (it applies for sharing in the console).
	if w := e.page("GET", "/catalog/"+ce.ID, member, "", nil); strings.Contains(w.Body.String(), `id="entry-apply"`) {
		t.Errorf("a public body is offered the public application form")
	}
}

func TestPlanChart(t *testing.T) {
	items := []pubdata.Item{
		{Name: "station", Title: "站点", Type: "string", Length: 10, Key: true},
		{Name: "at", Title: "时间", Type: "datetime", Key: true},
		{Name: "lng", Title: "经度", Type: "number"},
		{Name: "aqi", Title: "指数", Type: "integer"},
		{Name: "level", Title: "等级", Type: "string", Length: 5},
		{Name: "owner", Title: "姓名", Type: "string", Length: 20, Personal: true},
	}
	all := []string{"station", "at", "lng", "aqi", "level", "owner"}
	p, ok := portal.PlanChart(items, pubdata.AccessDecision{Allow: true, Columns: all})
	if !ok || !p.Time || p.At != "at" || p.Value != "aqi" {
		t.Errorf("plan %+v %v, want a time chart of aqi over at (not the longitude)", p, ok)
	}
	if len(p.Categories) != 1 || p.Categories[0] != "level" {
		t.Errorf("categories %v, want [level] (not a key, not personal)", p.Categories)
	}
	// A masked or unreadable column is never drawn.
	p, ok = portal.PlanChart(items, pubdata.AccessDecision{Allow: true, Columns: all, Masks: map[string]string{"aqi": "hide"}})
	if !ok || p.Time {
		t.Errorf("masked aqi: plan %+v, want no time chart", p)
	}
	p, ok = portal.PlanChart(items, pubdata.AccessDecision{Allow: true, Columns: []string{"station", "owner"}})
	if ok {
		t.Errorf("only a key and a personal column readable: plan %+v, want none", p)
	}
}

func TestChartSVG(t *testing.T) {
	pts := []portal.ChartPoint{{Label: "<b>甲</b>", Value: 3, Shown: "3"}, {Label: "乙", Value: 1, Shown: "1"}}
	for name, svg := range map[string]string{
		"bar":  string(portal.BarChartSVG("按<等级>统计", "说明 & 范围", pts)),
		"line": string(portal.LineChartSVG("平均", "说明", pts)),
	} {
		if strings.Contains(svg, "<b>") || strings.Contains(svg, "<等级>") || strings.Contains(svg, "说明 & ") {
			t.Errorf("%s: text not escaped: %s", name, svg)
		}
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `aria-labelledby="chart-svg-title chart-svg-desc"`) || strings.Contains(svg, "style=") {
			t.Errorf("%s: the SVG lacks its accessible name or has inline style: %.300s", name, svg)
		}
	}
	if got := portal.NiceMax(43); got != 50 {
		t.Errorf("niceMax(43) = %v", got)
	}
}

// TestPortalPagesAccount: my account lists the user's objections and demands, each with its
// status and a link, in both languages; another user's page does not show them.
func TestPortalPagesAccount(t *testing.T) {
	f := newObjectionFixture(t) // the citizen has objected to the row C002
	e := f.e
	w := e.do(req{method: "POST", path: "/api/v1/demands", as: citizen, body: map[string]any{"title": "公交线路实时到站", "description": "各线路实时到站",
		"purpose": "出行", "division": "350100"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("create the demand: %d %s", w.Code, w.Body)
	}
	d := decode[*pubdata.Demand](t, w)
	public, other := e.login(citizen), e.login("xm-scj-member") // other: neither filer nor provider
	for _, lang := range []string{web.LangZH, web.LangEN} {
		t.Run(lang, func(t *testing.T) {
			w := e.page("GET", "/account", public, lang, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("GET /account: %d\n%.500s", w.Code, w.Body.String())
			}
			body := w.Body.String()
			checkPage(t, body, lang)
			open := web.Translate(lang, "objection.status.open")
			status := web.Translate(lang, web.OptionKey(web.DemandStatusKeys, d.Status))
			for _, s := range []string{
				`id="account-objections"`, `href="/account/objections/` + f.obj.ID + `"`, `href="/account/objections"`, "code=C002", ">" + open + "<",
				`id="account-demands"`, `href="/demands?role=mine#d-` + d.ID + `"`, "公交线路实时到站", ">" + status + "<",
			} {
				if !strings.Contains(body, s) {
					t.Errorf("my account lacks %s", s)
				}
			}
		})
	}
	// Another user's account has neither.
	w = e.page("GET", "/account", other, "", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /account as another user: %d", w.Code)
	}
	body := w.Body.String()
	for _, s := range []string{f.obj.ID, d.ID, "公交线路实时到站"} {
		if strings.Contains(body, s) {
			t.Errorf("another user's account shows %s", s)
		}
	}
	if !strings.Contains(body, `id="account-objections"`) || !strings.Contains(body, `id="account-demands"`) {
		t.Error("another user's account lacks the (empty) objections and demands sections")
	}
	// The filer's link opens the objection in the portal, in both languages; another
	// user's does not; the console's version sends a public user to the account's.
	for _, lang := range []string{web.LangZH, web.LangEN} {
		w := e.page("GET", "/account/objections/"+f.obj.ID, public, lang, nil)
		wantStatus(t, "the filer opens the objection's link", w, http.StatusOK)
		checkPage(t, w.Body.String(), lang)
		wantBody(t, "the objection in the account", w, `id="objection-status"`, `id="objection-due"`, "code=C002", `class="console-nav portal-nav"`,
			">"+web.Translate(lang, "objection.status.open")+"<", `href="/account/objections"`)
		wantNotBody(t, "the objection in the account", w, `id="console-menu"`, `action="/console/objections/`)
	}
	if w := e.page("GET", "/account/objections", public, "", nil); !strings.Contains(w.Body.String(), `href="/account/objections/`+f.obj.ID+`"`) {
		t.Errorf("the filer's list does not link to the objection's page: %d", w.Code)
	}
	e.addUser("citizen2", "", "")
	citizen2 := e.login("citizen2") // another public user
	for _, who := range []*http.Cookie{citizen2, nil} {
		if w := e.page("GET", "/account/objections/"+f.obj.ID, who, "", nil); w.Code != http.StatusNotFound && who != nil {
			t.Errorf("another user opens the objection's link: %d, want 404", w.Code)
		} else if who == nil && (w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Faccount%2Fobjections%2F"+f.obj.ID) {
			t.Errorf("anonymous opens the objection's link: %d to %q", w.Code, w.Header().Get("Location"))
		}
	}
	if w := e.page("GET", "/console/objections/"+f.obj.ID, citizen2, "", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/objections/"+f.obj.ID {
		t.Errorf("another public user opens the console's objection: %d to %q, want the account's", w.Code, w.Header().Get("Location"))
	}
	if w := e.page("GET", "/console/objections/"+f.obj.ID, public, "", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/objections/"+f.obj.ID {
		t.Errorf("the filer opens the console's objection: %d to %q, want the account's", w.Code, w.Header().Get("Location"))
	}
	if w := e.page("GET", "/console/objections/"+f.obj.ID, other, "", nil); w.Code != http.StatusNotFound {
		t.Errorf("a government user who is no party opens the console's objection: %d, want 404", w.Code)
	}
	// The provider's staff keep the console's page and are sent there from the account's.
	if w := e.page("GET", "/console/objections/"+f.obj.ID, e.login(pbEditor), "", nil); w.Code != http.StatusOK {
		t.Errorf("the provider opens the console's objection: %d", w.Code)
	}
	if w := e.page("GET", "/account/objections/"+f.obj.ID, e.login(pbEditor), "", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/objections/"+f.obj.ID {
		t.Errorf("the provider opens the account's objection: %d to %q", w.Code, w.Header().Get("Location"))
	}
}

// TestPortalConsoleLinkGovernmentOnly: the portal links the console for government users
// only; a citizen's links go to the account (issue 11 item 2).
func TestPortalConsoleLinkGovernmentOnly(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		as      string
		console bool
	}{{citizen, false}, {pbMember, true}, {authAdmin, true}} {
		for _, path := range []string{"/", "/catalog", "/no-such-page"} {
			body := e.page("GET", path, e.login(c.as), "zh-CN", nil).Body.String()
			if got := strings.Contains(body, `href="/console"`); got != c.console {
				t.Errorf("%s on %s: a console link %v, want %v", c.as, path, got, c.console)
			}
			if !strings.Contains(body, `href="/account"`) {
				t.Errorf("%s on %s: no account link", c.as, path)
			}
		}
	}
}
