package http

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/sqlstore"
)

// Regions as profiles (issue 17 item 5): the acceptance through the HTTP layer, wired as
// cmd/pubdata wires serve --profile NAME (the server's, the catalogue's and the
// applications' profile, the division rules).

// newProfileEnv is an env on dsn under the named profile, its clock at 2026-09-30 10:00 in
// China (the day before the National Day holiday).
func newProfileEnv(t *testing.T, dsn, name string) *env {
	t.Helper()
	p, err := pubdata.LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, dsn, func(s *Server) { s.Profile = p })
	apps := sqlstore.NewApplicationService(e.db)
	apps.Profile = p
	entries := sqlstore.NewEntryService(e.db)
	entries.Profile = p
	e.srv.Applications, e.srv.Entries = apps, entries
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	e.srv.DivisionRules = sqlstore.NewDivisionRuleService(e.db)
	e.mu.Lock()
	e.now = time.Date(2026, 9, 30, 10, 0, 0, 0, pubdata.ChinaTime)
	e.mu.Unlock()
	return e
}

// profileStores runs f on SQLite and on PostgreSQL (skipped without PUBDATA_TEST_POSTGRES,
// failed under CI).
func profileStores(t *testing.T, f func(t *testing.T, dsn func(t testing.TB) string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, testdb.SQLite) })
	t.Run("postgres", func(t *testing.T) { f(t, testdb.Postgres) })
}

func profileOf(t *testing.T, e *env, lang string) *web.ProfileView {
	t.Helper()
	w := e.do(req{path: "/api/v1/profile?lang=" + lang})
	if w.Code != http.StatusOK {
		t.Fatalf("profile: %d %s", w.Code, w.Body)
	}
	return decode[*web.ProfileView](t, w)
}

// TestProfileTianjinOpenReply: --profile tianjin gives a 2-working-day open reply (TJ23).
func TestProfileTianjinOpenReply(t *testing.T) {
	profileStores(t, func(t *testing.T, dsn func(t testing.TB) string) {
		e := newProfileEnv(t, dsn(t), "tianjin")
		entry := e.createEntry(pbEditor, entryBody("企业登记信息", pubdata.ClassConditional, pubdata.ClassConditional))
		e.publish(pbEditor, entry.ID)
		open := shareBody(entry.ID)
		open["kind"] = "open"
		app := e.apply(citizen, open)
		// Received 09-30; 10-01…10-08 are the holiday: two working days end on 10-10 (a
		// make-up working day, Saturday) — whatever the calendar says, two of them.
		if want := e.srv.Calendar.AddWorkdays(e.clock(), 2).Format(time.DateOnly); app.Due != want {
			t.Fatalf("tianjin open due %s, want %s (two working days)", app.Due, want)
		}
		if ten := e.srv.Calendar.AddWorkdays(e.clock(), 10).Format(time.DateOnly); app.Due == ten {
			t.Fatal("the default ten days")
		}
		// The record says where the days come from.
		evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "application.create", Object: "application:" + app.ID})
		if err != nil || len(evs) != 1 {
			t.Fatal(evs, err)
		}
		if rule, _ := evs[0].Details["due_rule"].(map[string]any); rule["article"] != "TJ23" {
			t.Fatalf("due_rule %v", evs[0].Details["due_rule"])
		}
		// The API and the pages say so, with the article.
		p := profileOf(t, e, "zh-CN")
		if p.Name != "tianjin" || p.OpenReply.Days != 2 || p.OpenReply.Cite.Ref != "TJ23" || p.OpenReply.Cite.Text != "《天津市促进大数据发展应用条例》第二十三条" {
			t.Fatalf("profile %+v", p.OpenReply)
		}
		if p.NegativeList.Enabled {
			t.Fatal("tianjin has no negative list")
		}
		w := e.page("GET", "/rules", nil, "", nil)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, "2 个工作日") || !strings.Contains(body, "《天津市促进大数据发展应用条例》第二十三条") {
			t.Fatalf("/rules: %d %s", w.Code, body)
		}
		checkPage(t, body, web.LangZH)
		w = e.page("GET", "/rules", nil, web.LangEN, nil)
		if body := w.Body.String(); !strings.Contains(body, "2 working days") || !strings.Contains(body, "article 23") {
			t.Fatalf("/rules in English: %s", body)
		}
		checkPage(t, w.Body.String(), web.LangEN)
		// The public apply form shows the two days.
		if w := e.page("GET", "/apply?entry="+entry.ID, e.login(citizen), "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "提供单位应在 2 个工作日内答复") {
			t.Fatalf("apply page %d %s", w.Code, w.Body)
		}
		// A not-open entry takes no open application under Tianjin's rules, major interest or not.
		closed := e.createEntry(pbEditor, entryBody("不予开放的信息", pubdata.ClassConditional, pubdata.ClassNone))
		e.publish(pbEditor, closed.ID)
		major := shareBody(closed.ID)
		major["kind"], major["major_interest"] = "open", "本企业的登记信息"
		wantError(t, e.do(req{method: "POST", path: "/api/v1/applications", as: citizen, body: major}), http.StatusBadRequest, pubdata.EINVALID)
	})
}

// TestProfileFujianDeferred: --profile fujian shows 暂不共享 as a share class in the
// catalogue editor, on entry pages and in the API, offers its two open types (and data kept
// out of the open catalogue), and has the
// authority answer open applications (FJ15).
func TestProfileFujianDeferred(t *testing.T) {
	profileStores(t, func(t *testing.T, dsn func(t testing.TB) string) {
		e := newProfileEnv(t, dsn(t), "fujian")
		editor := e.login(pbEditor)
		// The editor offers 暂不共享 and the two open types, not 不予共享 or 不予开放.
		w := e.page("GET", "/console/entries/new", editor, "", nil)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, `<option value="none"`) || !strings.Contains(body, ">暂不共享</option>") ||
			strings.Contains(body, ">不予共享</option>") || !strings.Contains(body, ">普遍开放</option>") || !strings.Contains(body, ">依申请开放</option>") ||
			strings.Contains(body, ">不予开放</option>") || !strings.Contains(body, ">不列入开放目录</option>") {
			t.Fatalf("editor: %d %s", w.Code, body)
		}
		checkPage(t, body, web.LangZH)
		if body := e.page("GET", "/console/entries/new", editor, web.LangEN, nil).Body.String(); !strings.Contains(body, ">Not shared for now</option>") {
			t.Fatalf("editor in English: %s", body)
		}
		// An entry not shared for now, published: its pages say 暂不共享.
		entry := e.createEntry(pbEditor, entryBody("暂不共享的信息", pubdata.ClassNone, pubdata.ClassNone))
		e.publish(pbEditor, entry.ID)
		w = e.page("GET", "/catalog/"+entry.ID, e.login(pbMember), "", nil)
		if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, "暂不共享") || strings.Contains(body, "不予共享</span>") || !strings.Contains(body, "不列入开放目录") {
			t.Fatalf("entry page: %d %s", w.Code, body)
		}
		w = e.page("GET", "/console/entries/"+entry.ID, editor, "", nil)
		if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, "暂不共享") {
			t.Fatalf("console entry page: %d %s", w.Code, body)
		}
		// The API lists the classes with their labels and articles.
		p := profileOf(t, e, "zh-CN")
		var labels []string
		for _, c := range p.ShareClasses {
			labels = append(labels, c.Class+"="+c.Label+"@"+c.Cite.Ref)
		}
		if got := strings.Join(labels, ","); got != "unconditional=无条件共享@FJ14,conditional=有条件共享@FJ14,none=暂不共享@FJ14" {
			t.Fatalf("share classes %s", got)
		}
		if len(p.OpenClasses) != 3 || p.OpenClasses[0].Label != "普遍开放" || p.OpenClasses[1].Label != "依申请开放" || p.OpenAnswerer.Who != pubdata.AnswererAuthority {
			t.Fatalf("open classes %+v, answerer %+v", p.OpenClasses, p.OpenAnswerer)
		}
		if en := profileOf(t, e, "en"); en.ShareClasses[2].Label != "Not shared for now" {
			t.Fatalf("English label %q", en.ShareClasses[2].Label)
		}
		// The negative list's CSV labels the class too.
		if w := e.do(req{path: "/api/v1/lists/negative?format=csv", as: pbMember}); w.Code != 200 || !strings.Contains(w.Body.String(), "暂不共享的信息") || !strings.Contains(w.Body.String(), ",暂不共享,") {
			t.Fatalf("negative list CSV %d %s", w.Code, w.Body)
		}
		// The authority answers open applications; the provider may not.
		open := e.createEntry(pbEditor, entryBody("依申请开放的信息", pubdata.ClassConditional, pubdata.ClassConditional))
		e.publish(pbEditor, open.ID)
		body2 := shareBody(open.ID)
		body2["kind"] = "open"
		app := e.apply(citizen, body2)
		approve := map[string]any{"decision": "approve", "until": "2027-03-31"}
		wantError(t, e.do(req{method: "POST", path: "/api/v1/applications/" + app.ID + "/decide", as: pbReviewer, body: approve}), http.StatusForbidden, pubdata.EFORBIDDEN)
		if w := e.do(req{method: "POST", path: "/api/v1/applications/" + app.ID + "/decide", as: authReviewer, body: approve}); w.Code != http.StatusOK {
			t.Fatalf("the authority decides: %d %s", w.Code, w.Body)
		}
	})
}

// TestProfileDivisionRules: a division's own reply days on the provincial platform
// (Fuzhou's), set by the platform authority's admin only, applied to the applications on
// Fuzhou's entries, shown in the API and on the pages.
func TestProfileDivisionRules(t *testing.T) {
	profileStores(t, func(t *testing.T, dsn func(t testing.TB) string) {
		e := newProfileEnv(t, dsn(t), "fujian")
		rule := map[string]any{"share_reply_days": 3, "open_reply_days": 5, "basis": "《福州市公共数据开放管理暂行办法》第十条"}
		path := "/api/v1/profile/divisions/350100"
		// Who may not: anonymous (401), the city's own authority, a public body, a member.
		wantError(t, e.do(req{method: "PUT", path: path, body: rule}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
		for _, as := range []string{cityAdmin, pbAdmin, authMember, authReviewer, citizen} {
			wantError(t, e.do(req{method: "PUT", path: path, as: as, body: rule}), http.StatusForbidden, pubdata.EFORBIDDEN)
			wantError(t, e.do(req{method: "DELETE", path: path, as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
		}
		wantError(t, e.do(req{method: "PUT", path: "/api/v1/profile/divisions/35", as: authAdmin, body: rule}), http.StatusBadRequest, pubdata.EINVALID)
		if w := e.do(req{method: "PUT", path: path, as: authAdmin, body: rule}); w.Code != http.StatusOK {
			t.Fatalf("set: %d %s", w.Code, w.Body)
		}
		// Fuzhou's entry: a share application is due in 3 working days; the province's in 2.
		fz := entryBody("福州市企业信息", pubdata.ClassConditional, pubdata.ClassConditional)
		fz["division"] = "350100"
		fzEntry := e.createEntry(pbEditor, fz)
		e.publish(pbEditor, fzEntry.ID)
		prov := e.createEntry(pbEditor, entryBody("全省企业信息", pubdata.ClassConditional, pubdata.ClassConditional))
		e.publish(pbEditor, prov.ID)
		const applicant = "fz-scj-member"
		if got, want := e.apply(applicant, shareBody(fzEntry.ID)).Due, e.srv.Calendar.AddWorkdays(e.clock(), 3).Format(time.DateOnly); got != want {
			t.Fatalf("Fuzhou share due %s, want %s", got, want)
		}
		if got, want := e.apply(applicant, shareBody(prov.ID)).Due, e.srv.Calendar.AddWorkdays(e.clock(), 2).Format(time.DateOnly); got != want {
			t.Fatalf("province share due %s, want %s", got, want)
		}
		open := shareBody(fzEntry.ID)
		open["kind"] = "open"
		if got, want := e.apply(citizen, open).Due, e.srv.Calendar.AddWorkdays(e.clock(), 5).Format(time.DateOnly); got != want {
			t.Fatalf("Fuzhou open due %s, want %s", got, want)
		}
		// Shown in the API and on the pages.
		p := profileOf(t, e, "zh-CN")
		if len(p.Divisions) != 1 || p.Divisions[0].Division != "350100" || p.Divisions[0].Name != "福州市" || p.Divisions[0].ShareReplyDays != 3 {
			t.Fatalf("divisions %+v", p.Divisions)
		}
		list := decode[web.ListReply[*pubdata.DivisionRule]](t, e.do(req{path: "/api/v1/profile/divisions"}))
		if list.Total != 1 || list.Items[0].Basis != "《福州市公共数据开放管理暂行办法》第十条" {
			t.Fatalf("list %+v", list)
		}
		admin := e.login(authAdmin)
		w := e.page("GET", "/console/profile", admin, "", nil)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, "福州市 (350100)") || !strings.Contains(body, `action="/console/profile/divisions"`) || !strings.Contains(body, "《福建省大数据发展条例》第十四条") {
			t.Fatalf("console profile: %d %s", w.Code, body)
		}
		checkPage(t, body, web.LangZH)
		// The city's admin sees the rules but no form, and may not post it.
		city := e.login(cityAdmin)
		w = e.page("GET", "/console/profile", city, "", nil)
		if w.Code != 200 || strings.Contains(w.Body.String(), `action="/console/profile/divisions"`) {
			t.Fatalf("city admin: %d", w.Code)
		}
		form := map[string][]string{"division": {"350200"}, "share_reply_days": {"4"}, "basis": {"厦门"}}
		if w := e.page("POST", "/console/profile/divisions", city, "", form); w.Code != http.StatusForbidden {
			t.Fatalf("city admin posts: %d", w.Code)
		}
		if w := e.page("GET", "/console/profile", nil, "", nil); w.Code == 200 {
			t.Fatal("the console page without signing in")
		}
		// The form: a bad number is named; a good rule is saved and recorded.
		form["share_reply_days"] = []string{"many"}
		if w := e.page("POST", "/console/profile/divisions", admin, "", form); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "请填写 0 至 60 的整数") {
			t.Fatalf("bad days: %d %s", w.Code, w.Body)
		}
		form["share_reply_days"] = []string{"4"}
		if w := e.page("POST", "/console/profile/divisions", admin, "", form); w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
			t.Fatalf("save: %d %s", w.Code, w.Body)
		}
		if w := e.page("POST", "/console/profile/divisions/350200/remove", admin, "", map[string][]string{}); w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
			t.Fatalf("remove: %d %s", w.Code, w.Body)
		}
		if w := e.do(req{method: "DELETE", path: path, as: authAdmin}); w.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", w.Code, w.Body)
		}
		wantError(t, e.do(req{method: "DELETE", path: path, as: authAdmin}), http.StatusNotFound, pubdata.ENOTFOUND)
		evs, _, _, _ := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "division_rule.set"})
		if len(evs) != 2 {
			t.Fatalf("division_rule.set events %d", len(evs))
		}
	})
}
