package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestEarlyWarningAndIncident is issue 15's acceptance of items 4 and 5: a consumer reading
// 10× its usual volume of personal data raises an alert at the rules' next run (every minute
// in serve); an incident contains the grant in one step (its reads are then refused) and
// lists the data subjects to notify; who may see and act.
func TestEarlyWarningAndIncident(t *testing.T) {
	e := newAccessEnv(t)
	sec := sqlstore.NewSecurityService(e.db)
	e.srv.Security, e.srv.SecurityCounts = sec, &web.SecurityCounts{}
	e.mu.Lock()
	e.now = time.Now().Add(-31 * 24 * time.Hour)
	e.mu.Unlock()
	en := e.accessTable("流动人口信息", pubdata.ClassConditional, pubdata.ClassNone)
	consumer := "xm-scj-member"
	entry, err := e.srv.Entries.FindPublishedEntry(system, en.ID)
	if err != nil {
		t.Fatal(err)
	}
	until := e.clock().In(pubdata.ChinaTime).AddDate(0, 0, 60).Format(pubdata.DateFormat)
	app, err := e.srv.Applications.CreateApplication(e.actorCtx(consumer), entry, &pubdata.ApplicationCreate{Entry: en.ID, Kind: pubdata.KindShare,
		Items: []string{"id_no", "name", "city"}, Purpose: "流动人口服务管理", Basis: "《居住证暂行条例》", Until: until})
	if err != nil {
		t.Fatal(err)
	}
	if app, err = e.srv.Applications.DecideApplication(e.actorCtx(pbAdmin), app.ID, &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"id_no", "name", "city"}, RowFilter: "city=福州"}); err != nil || app.Grant == "" {
		t.Fatalf("approval: %+v %v", app, err)
	}
	rows := "/api/v1/entries/" + en.ID + "/rows"
	read := func(n int) {
		t.Helper()
		for range n {
			if w := e.do(req{path: rows, as: consumer}); w.Code != 200 {
				t.Fatalf("granted read: %d %s", w.Code, w.Body)
			}
		}
	}
	// The thresholds: the platform authority's admin turns the off-hours rule off (the test
	// runs at any hour); others may not.
	off := map[string]any{"off_hours": false}
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/alerts/settings", as: cityAdmin, body: off}), 403, pubdata.EFORBIDDEN)
	if w := e.do(req{method: "PUT", path: "/api/v1/alerts/settings", as: authAdmin, body: off}); w.Code != 200 || !strings.Contains(w.Body.String(), `"off_hours":false`) {
		t.Fatalf("settings: %d %s", w.Code, w.Body)
	}
	// The usual volume: 2 reads a day for the 30 days before today.
	for range 30 {
		e.advance(24 * time.Hour)
		read(2)
	}
	ctx := context.Background()
	if res, err := sec.Scan(ctx, e.clock(), 0, nil); err != nil || res.Raised != 0 {
		t.Fatalf("baseline run: %+v %v", res, err)
	}
	// A day later, 10× the daily mean within the hour, then one run of the rules.
	e.advance(24 * time.Hour)
	read(20)
	if res, err := sec.Scan(ctx, e.clock(), 0, nil); err != nil || res.Events != 20 || res.Raised != 1 {
		t.Fatalf("run after the bulk reads: %+v %v", res, err)
	}
	type alerts struct {
		Alerts []*pubdata.SecurityAlert `json:"alerts"`
	}
	list := func(as string) []*pubdata.SecurityAlert {
		t.Helper()
		w := e.do(req{path: "/api/v1/alerts", as: as})
		if w.Code != 200 {
			t.Fatalf("alerts as %s: %d %s", as, w.Code, w.Body)
		}
		return decode[alerts](t, w).Alerts
	}
	got := list(authAdmin)
	if len(got) != 1 || got[0].Kind != pubdata.SecurityBulkRead || got[0].Subject != "grant:"+app.Grant || got[0].Count != 20 || got[0].Baseline != 2 || got[0].Org != "fj-gat" || len(got[0].Seqs) == 0 {
		t.Fatalf("the authority's alerts: %+v", *got[0])
	}
	alert := got[0]
	if l := list(pbAdmin); len(l) != 1 { // the provider's admins
		t.Fatalf("the unit's alerts: %+v", l)
	}
	if l := list(cityAdmin); len(l) != 0 { // another division's authority
		t.Fatalf("the city's alerts: %+v", l)
	}
	wantError(t, e.do(req{path: "/api/v1/alerts", as: consumer}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/alerts", as: pbMember}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/alerts"}), 401, pubdata.EUNAUTHORIZED)
	wantError(t, e.do(req{path: "/api/v1/alerts/" + alert.ID, as: cityAdmin}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{method: "POST", path: "/api/v1/alerts/" + alert.ID + "/dismiss", as: authReviewer, body: map[string]any{"reason": "x"}}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "POST", path: "/api/v1/alerts/" + alert.ID + "/dismiss", as: pbAdmin, body: map[string]any{"reason": " "}}), 400, pubdata.EINVALID)

	// The incident: reported by the provider's admin, contained by the authority in one step.
	w := e.do(req{method: "POST", path: "/api/v1/incidents", as: pbAdmin, body: map[string]any{"org": "fj-gat", "grant": app.Grant, "alert": alert.ID,
		"kind": "misuse", "severity": "major", "description": "厦门市场监管局账号一小时内读取流动人口信息二十次"}})
	if w.Code != 201 {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	inc := decode[*pubdata.Incident](t, w)
	if inc.Entry != en.ID || inc.Status != pubdata.IncidentReported {
		t.Fatalf("reported: %+v", inc)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/incidents", as: consumer, body: map[string]any{"org": "fj-gat", "kind": "leak", "severity": "major", "description": "x"}}), 403, pubdata.EFORBIDDEN)
	step := func(name, as string, body map[string]any) stepReply {
		return stepReply{e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/" + name, as: as, body: body})}
	}
	contain := map[string]any{"step": "grant", "reason": "超出常规量批量读取个人信息"}
	wantError(t, step("contain", pbAdmin, contain).w, 403, pubdata.EFORBIDDEN)
	wantError(t, step("contain", cityAdmin, contain).w, 404, pubdata.ENOTFOUND) // outside its division: not seen
	if r := step("contain", authAdmin, contain); r.w.Code != 200 || decode[*pubdata.Incident](t, r.w).Containment != "grant:"+app.Grant {
		t.Fatalf("contain: %d %s", r.w.Code, r.w.Body)
	}
	// The grant's reads are refused from now on.
	wantError(t, e.do(req{path: rows, as: consumer, header: purposeHeader("流动人口服务管理")}), 403, pubdata.EFORBIDDEN)
	// The subjects to notify: the rows the grant exposed (city=福州), keys in clear.
	r := step("notify", authAdmin, nil)
	if r.w.Code != 200 {
		t.Fatalf("notify: %d %s", r.w.Code, r.w.Body)
	}
	inc = decode[*pubdata.Incident](t, r.w)
	subjects := slices.Clone(inc.Subjects)
	slices.Sort(subjects)
	want := []string{idA, idB, idD}
	slices.Sort(want)
	if !slices.Equal(subjects, want) || inc.Status != pubdata.IncidentNotified {
		t.Fatalf("subjects %v, want %v (%+v)", subjects, want, inc)
	}
	if r := step("close", authAdmin, map[string]any{"lessons": "授权须限定读取频次"}); r.w.Code != 200 || decode[*pubdata.Incident](t, r.w).Status != pubdata.IncidentClosed {
		t.Fatalf("close: %d %s", r.w.Code, r.w.Body)
	}
	wantError(t, step("close", authAdmin, map[string]any{"lessons": "again"}).w, 409, pubdata.ECONFLICT)
	// The register: the unit's admins and the authority; not the consumer.
	if w := e.do(req{path: "/api/v1/incidents", as: pbAdmin}); w.Code != 200 || !strings.Contains(w.Body.String(), inc.ID) {
		t.Fatalf("register for the unit: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/incidents/" + inc.ID, as: consumer}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: "/api/v1/incidents", as: consumer}), 403, pubdata.EFORBIDDEN)

	// The refused requests were counted per address for the rules.
	refusals, _ := e.srv.SecurityCounts.Drain()
	if refusals["192.0.2.1"] == 0 {
		t.Fatalf("refusals counted: %v", refusals)
	}
	// Dismissal by the unit's admin, with a reason.
	if w := e.do(req{method: "POST", path: "/api/v1/alerts/" + alert.ID + "/dismiss", as: pbAdmin, body: map[string]any{"reason": "已立案处置"}}); w.Code != 200 {
		t.Fatalf("dismiss: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/alerts?open=1", as: authAdmin}); w.Code != 200 || len(decode[alerts](t, w).Alerts) != 0 {
		t.Fatalf("open alerts after dismissal: %d %s", w.Code, w.Body)
	}

	// The console's pages in both languages; not for the unit's members.
	admin := []*http.Cookie{e.login(pbAdmin)}
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.do(req{path: "/console/alerts?lang=" + lang, cookies: admin})
		if want := map[string]string{"zh-CN": "个人信息批量读取", "en": "Bulk reads of personal data"}[lang]; w.Code != 200 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Body.String(), "已立案处置") {
			t.Fatalf("%s alerts page: %d %s", lang, w.Code, w.Body)
		}
		w = e.do(req{path: "/console/incidents/" + inc.ID + "?lang=" + lang, cookies: admin})
		if want := map[string]string{"zh-CN": "已关闭", "en": "Closed"}[lang]; w.Code != 200 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Body.String(), idA) || strings.Contains(w.Body.String(), idC) {
			t.Fatalf("%s incident page: %d %s", lang, w.Code, w.Body)
		}
	}
	member := []*http.Cookie{e.login(pbMember)}
	for _, path := range []string{"/console/alerts", "/console/incidents", "/console/incidents/" + inc.ID} {
		if w := e.do(req{path: path, cookies: member}); w.Code != 403 && w.Code != 404 {
			t.Fatalf("%s as a member: %d", path, w.Code)
		}
	}
}

type stepReply struct{ w *httptest.ResponseRecorder }
