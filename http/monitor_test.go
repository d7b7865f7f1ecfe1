package http

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// newMonitorEnv is an env with the monitoring aggregates refreshed once, and an admin of
// the city unit fz-scj.
func newMonitorEnv(t *testing.T) *env {
	e := newEnv(t)
	m := sqlstore.NewMonitorService(e.db)
	e.srv.Monitor = m
	e.addUser("fz-scj-admin", "fz-scj", pubdata.RoleAdmin)
	if _, err := m.Refresh(context.Background(), e.clock(), 3); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) monitoring(path, as string, want int) *web.MonitorUnit {
	e.t.Helper()
	w := e.do(req{path: path, as: as})
	if w.Code != want {
		e.t.Fatalf("%s as %q: %d, want %d: %s", path, as, w.Code, want, w.Body)
	}
	if want != http.StatusOK {
		return nil
	}
	return decode[*web.MonitorUnit](e.t, w)
}

func orgsOf(units []pubdata.UnitFigures) string {
	var out []string
	for _, u := range units {
		out = append(out, u.Org)
	}
	return strings.Join(out, ",")
}

// TestMonitoringWho: the authority sees the units of its division (and of a division inside
// it, not outside); a unit's admin its own unit only; a unit's other users, citizens and
// anonymous callers nothing.
func TestMonitoringWho(t *testing.T) {
	e := newMonitorEnv(t)
	if b := e.monitoring("/api/v1/monitoring", authAdmin, 200); orgsOf(b.Units) != "fj-gat,fz-scj,xm-scj" || b.Division != "350000" {
		t.Fatalf("province board: %s %+v", orgsOf(b.Units), b.MonitorBoard.Division)
	}
	if b := e.monitoring("/api/v1/monitoring", authMember, 200); orgsOf(b.Units) != "fj-gat,fz-scj,xm-scj" {
		t.Fatalf("province board for a member: %s", orgsOf(b.Units))
	}
	if b := e.monitoring("/api/v1/monitoring?division=350100", authAdmin, 200); orgsOf(b.Units) != "fz-scj" {
		t.Fatalf("city board by the province: %s", orgsOf(b.Units))
	}
	if b := e.monitoring("/api/v1/monitoring", cityAdmin, 200); orgsOf(b.Units) != "fz-scj" {
		t.Fatalf("city board: %s", orgsOf(b.Units))
	}
	e.monitoring("/api/v1/monitoring?division=350000", cityAdmin, 403)
	e.monitoring("/api/v1/monitoring?division=35", authAdmin, 400)
	e.monitoring("/api/v1/monitoring?days=0", authAdmin, 400)
	// A unit's admin: its own unit, whatever it asks.
	if b := e.monitoring("/api/v1/monitoring", "fz-scj-admin", 200); orgsOf(b.Units) != "fz-scj" || b.Org != "fz-scj" {
		t.Fatalf("unit board: %s", orgsOf(b.Units))
	}
	e.monitoring("/api/v1/monitoring?division=350100", "fz-scj-admin", 403)
	if u := e.monitoring("/api/v1/monitoring/units/fz-scj", "fz-scj-admin", 200); u.Unit.Org != "fz-scj" || u.Unit.OrgName != "福州市市场监督管理局" {
		t.Fatalf("own unit %+v", u.Unit)
	}
	e.monitoring("/api/v1/monitoring/units/fj-gat", "fz-scj-admin", 403)
	e.monitoring("/api/v1/monitoring/units/xm-scj", cityAdmin, 403)
	e.monitoring("/api/v1/monitoring/units/xm-scj", authAdmin, 200)
	e.monitoring("/api/v1/monitoring/units/nobody", authAdmin, 403)
	for _, who := range []string{pbMember, pbEditor, pbReviewer, "fz-scj-member", citizen} {
		e.monitoring("/api/v1/monitoring", who, 403)
		e.monitoring("/api/v1/monitoring/units/fj-gat", who, 403)
	}
	e.monitoring("/api/v1/monitoring", "", 401)
	e.monitoring("/api/v1/monitoring/units/fj-gat", "", 401)
}

// TestMonitoringPages: the board in both languages with its charts and their tables; a
// unit's admin is sent to the unit's page and refused another's; citizens are refused and
// anonymous visitors sent to sign in.
func TestMonitoringPages(t *testing.T) {
	e := newMonitorEnv(t)
	auth := e.login(authAdmin)
	for _, lang := range []string{web.LangZH, web.LangEN} {
		w := e.page("GET", "/console/monitoring", auth, lang, nil)
		if w.Code != 200 {
			t.Fatalf("board %s: %d %s", lang, w.Code, w.Body)
		}
		body := w.Body.String()
		checkPage(t, body, lang)
		for _, want := range []string{`id="unit-fz-scj"`, `href="/console/monitoring/units/fz-scj"`, `福州市市场监督管理局`, `<svg class="chart-svg" id="chart-rows"`,
			`aria-labelledby="chart-rows-title chart-rows-desc"`, `href="/console/monitoring"`} {
			if !strings.Contains(body, want) {
				t.Errorf("board %s lacks %s", lang, want)
			}
		}
	}
	if body := e.page("GET", "/console/monitoring", auth, web.LangEN, nil).Body.String(); !strings.Contains(body, "Monitoring board") || !strings.Contains(body, "Show as a table") {
		t.Errorf("English board")
	}
	w := e.page("GET", "/console/monitoring/units/xm-scj", auth, web.LangZH, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "厦门市市场监督管理局") {
		t.Fatalf("unit page: %d", w.Code)
	}
	checkPage(t, w.Body.String(), web.LangZH)

	unit := e.login("fz-scj-admin")
	if w := e.page("GET", "/console/monitoring", unit, web.LangZH, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/monitoring/units/fz-scj" {
		t.Fatalf("unit admin's board: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := e.page("GET", "/console/monitoring/units/fz-scj", unit, web.LangEN, nil); w.Code != 200 {
		t.Fatalf("unit admin's page: %d", w.Code)
	} else {
		checkPage(t, w.Body.String(), web.LangEN)
	}
	if w := e.page("GET", "/console/monitoring/units/xm-scj", unit, web.LangZH, nil); w.Code != http.StatusForbidden {
		t.Fatalf("another unit's page: %d", w.Code)
	}
	if w := e.page("GET", "/console/monitoring", e.login(citizen), web.LangZH, nil); w.Code != http.StatusForbidden {
		t.Fatalf("citizen: %d", w.Code)
	}
	if w := e.page("GET", "/console/monitoring", e.login(pbMember), web.LangZH, nil); w.Code != http.StatusForbidden {
		t.Fatalf("a unit's member: %d", w.Code)
	}
	if w := e.page("GET", "/console/monitoring", nil, web.LangZH, nil); w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "login") {
		t.Fatalf("anonymous: %d %s", w.Code, w.Header().Get("Location"))
	}
}

// TestMetricsProtected: /metrics answers loopback clients only, unless forwarded by a
// proxy; with a token, the token and nothing else; it carries the units' figures.
func TestMetricsProtected(t *testing.T) {
	e := newMonitorEnv(t)
	if w := e.do(req{path: "/metrics"}); w.Code != http.StatusForbidden {
		t.Fatalf("from elsewhere: %d", w.Code)
	}
	if w := e.do(req{path: "/metrics", remote: "127.0.0.1", header: http.Header{"X-Forwarded-For": {"203.0.113.9"}}}); w.Code != http.StatusForbidden {
		t.Fatalf("forwarded: %d", w.Code)
	}
	w := e.do(req{path: "/metrics", remote: "127.0.0.1"})
	if w.Code != 200 {
		t.Fatalf("loopback: %d %s", w.Code, w.Body)
	}
	for _, want := range []string{`pubdata_unit_entries{division="350100",org="fz-scj"} 0`, `pubdata_unit_tables_by_freshness{division="350000",freshness="never",org="fj-gat"} 0`,
		`pubdata_unit_overdue{division="350200",kind="ticket",org="xm-scj"} 0`, "pubdata_monitor_refreshed_timestamp_seconds"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.srv.MetricsToken = "a-metrics-token-of-32-characters"
	if w := e.do(req{path: "/metrics", remote: "127.0.0.1"}); w.Code != http.StatusUnauthorized {
		t.Fatalf("loopback without the token: %d", w.Code)
	}
	if w := e.do(req{path: "/metrics", header: http.Header{"Authorization": {"Bearer wrong"}}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d", w.Code)
	}
	if w := e.do(req{path: "/metrics", header: http.Header{"Authorization": {"Bearer " + e.tokens[authAdmin]}}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("a user's API token: %d", w.Code)
	}
	if w := e.do(req{path: "/metrics", header: http.Header{"Authorization": {"Bearer a-metrics-token-of-32-characters"}}}); w.Code != 200 {
		t.Fatalf("the token: %d", w.Code)
	}
}
