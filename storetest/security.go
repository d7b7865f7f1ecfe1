package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// securityTests cover the early-warning rules and the incident register (issue 15 items 4
// and 5).
var securityTests = []namedTest{
	{"SecurityAlerts", testSecurityAlerts},
	{"Incidents", testIncidents},
}

// secFixture: fz-scj publishes a conditional company table whose name item is personal and
// of grade 3; fj-gat holds a grant on it.
type secFixture struct {
	entry                              *pubdata.Entry
	grant                              string
	reader, unitAdmin, cityAuth, platf context.Context
	stranger                           context.Context
}

func secSetup(t *testing.T, s *Store) *secFixture {
	t.Helper()
	if s.Security == nil {
		t.Fatal("the store under test must provide its security service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer := catalogueSetup(t, s)
	f := companyFields()
	f.ShareClass, f.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
	f.Items[1].Personal, f.Items[1].Grade = true, 3
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	fx := &secFixture{
		entry:     p,
		reader:    actorCtx(t, s, "gat-member", "fj-gat", pubdata.RoleMember),
		unitAdmin: actorCtx(t, s, "scj-admin", "fz-scj", pubdata.RoleAdmin),
		cityAuth:  actorCtx(t, s, "fzdsj-admin", "fz-dsj", pubdata.RoleAdmin),
		platf:     actorCtx(t, s, "fjdsj-admin", "fj-dsj", pubdata.RoleAdmin),
		stranger:  actorCtx(t, s, "xm-admin", "xm-scj", pubdata.RoleAdmin),
	}
	provider := actorCtx(t, s, "scj-reviewer", "fz-scj", pubdata.RoleReviewer)
	app := mustApply(t, s, fx.reader, p, shareApp(p))
	got, err := s.Applications.DecideApplication(provider, app.ID, &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"uscc", "name"}, Until: "2027-01-31", Reason: "符合条件"})
	if err != nil {
		t.Fatal(err)
	}
	fx.grant = got.Grant
	return fx
}

// readAt records n grant reads of the entry by the reader at t.
func (fx *secFixture) readAt(t *testing.T, s *Store, at time.Time, n int, details map[string]any) {
	t.Helper()
	s.SetNow(at)
	defer s.SetNow(appNow)
	d := map[string]any{"path": "rows", "format": "json", "grant": fx.grant}
	for k, v := range details {
		d[k] = v
	}
	for range n {
		if err := s.Data.RecordRead(fx.reader, fx.entry, d); err != nil {
			t.Fatal(err)
		}
	}
}

func alertsOf(t *testing.T, s *Store, kind string) []*pubdata.SecurityAlert {
	t.Helper()
	list, err := s.Security.Alerts(system, pubdata.SecurityAlertFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func testSecurityAlerts(t *testing.T, s *Store) {
	fx := secSetup(t, s)
	ss := s.Security
	set, err := ss.Settings(system)
	if err != nil || *set != pubdata.DefaultSecuritySettings {
		t.Fatalf("default settings = %+v, %v", set, err)
	}
	// Only the platform authority's admins set thresholds; they are recorded.
	set.OffHours, set.ScrapePerMinute = false, 30
	_, err = ss.SetSettings(fx.cityAuth, set)
	wantCode(t, err, pubdata.EFORBIDDEN)
	bad := *set
	bad.BulkFactor = 1
	_, err = ss.SetSettings(fx.platf, &bad)
	wantCode(t, err, pubdata.EINVALID)
	if got, err := ss.SetSettings(fx.platf, set); err != nil || got.ScrapePerMinute != 30 || got.OffHours || got.UpdatedBy != "fjdsj-admin" {
		t.Fatalf("SetSettings = %+v, %v", got, err)
	}
	if len(eventsOf(t, s, "security.settings", "security:settings")) != 1 {
		t.Fatal("settings not recorded")
	}
	isWorkday := func(time.Time) bool { return true }

	// The usual volume: 2 reads a day for 30 days.
	for d := 30; d >= 1; d-- {
		fx.readAt(t, s, appNow.AddDate(0, 0, -d), 2, nil)
	}
	res, err := ss.Scan(system, appNow, 0, isWorkday)
	if err != nil || res.Events != 60 || res.Raised != 0 {
		t.Fatalf("baseline scan = %+v, %v", res, err)
	}
	// 19 reads in the last hour: under the least that counts as bulk.
	fx.readAt(t, s, appNow.Add(-30*time.Minute), 19, nil)
	if res, err = ss.Scan(system, appNow, 0, isWorkday); err != nil || res.Events != 19 || res.Raised != 0 {
		t.Fatalf("scan of 19 = %+v, %v", res, err)
	}
	// One more: 20 = 10 × the daily mean of 2.
	fx.readAt(t, s, appNow.Add(-time.Minute), 1, nil)
	if res, err = ss.Scan(system, appNow, 0, isWorkday); err != nil || res.Events != 1 || res.Raised != 1 {
		t.Fatalf("scan of the 20th = %+v, %v", res, err)
	}
	bulk := alertsOf(t, s, pubdata.SecurityBulkRead)
	if len(bulk) != 1 || bulk[0].Count != 20 || bulk[0].Baseline != 2 || bulk[0].Subject != "grant:"+fx.grant || bulk[0].Org != "fz-scj" ||
		bulk[0].Division != "350100" || bulk[0].Entry != fx.entry.ID || len(bulk[0].Seqs) != 1 {
		t.Fatalf("bulk alert = %+v", bulk)
	}
	// Nothing new: nothing read, nothing raised again in the same hour.
	fx.readAt(t, s, appNow, 1, nil)
	if res, err = ss.Scan(system, appNow, 0, isWorkday); err != nil || res.Events != 1 || res.Raised != 0 {
		t.Fatalf("rescan = %+v, %v", res, err)
	}
	if res, err = ss.Scan(system, appNow, 0, isWorkday); err != nil || res.Events != 0 || res.From != res.To {
		t.Fatalf("empty scan = %+v, %v", res, err)
	}
	// The unit's admins and the covering authority are told.
	for _, ctx := range []context.Context{fx.unitAdmin, fx.cityAuth} {
		found := false
		list, _ := notices(t, s, ctx)
		for _, n := range list {
			found = found || (n.Key == pubdata.NoticeSecurityAlert && n.Link == "/console/alerts/"+bulk[0].ID)
		}
		if !found {
			t.Fatalf("no alert notification: %+v", list)
		}
	}
	if len(eventsOf(t, s, "security.alert", "security_alert:"+bulk[0].ID)) != 1 {
		t.Fatal("alert not recorded")
	}
	// Scope: the other city sees nothing; the unit filter finds it.
	if list, _ := ss.Alerts(system, pubdata.SecurityAlertFilter{Scope: &pubdata.Scope{DivisionPrefix: "3502"}}); len(list) != 0 {
		t.Fatalf("other city's alerts = %+v", list)
	}
	if list, _ := ss.Alerts(system, pubdata.SecurityAlertFilter{Org: "fz-scj"}); len(list) != 1 {
		t.Fatalf("unit's alerts = %+v", list)
	}

	// Scraping: 30 reads in one minute (without the grant: counted against the user, whose
	// usual volume is nothing, so also bulk); a whole-table download of a grade-3 table.
	fx.readAt(t, s, appNow.Add(5*time.Minute), 30, map[string]any{"grant": nil})
	fx.readAt(t, s, appNow.Add(6*time.Minute), 1, map[string]any{"path": "datastore/dump", "format": "csv"})
	if res, err = ss.Scan(system, appNow.Add(7*time.Minute), 0, isWorkday); err != nil || res.Raised != 3 || len(alertsOf(t, s, pubdata.SecurityBulkRead)) != 2 {
		t.Fatalf("scrape scan = %+v, %v", res, err)
	}
	if a := alertsOf(t, s, pubdata.SecurityScraping); len(a) != 1 || a[0].Count != 30 || a[0].Subject != "user:gat-member" {
		t.Fatalf("scraping = %+v", a)
	}
	if a := alertsOf(t, s, pubdata.SecurityWholeTable); len(a) != 1 || len(a[0].Seqs) != 1 {
		t.Fatalf("whole table = %+v", a)
	}

	// Off hours (the rule on): a read at 23:00 China time.
	set.OffHours = true
	if _, err := ss.SetSettings(fx.platf, set); err != nil {
		t.Fatal(err)
	}
	night := time.Date(2026, 9, 30, 15, 0, 0, 0, time.UTC)
	fx.readAt(t, s, night, 1, nil)
	if res, err = ss.Scan(system, night, 0, isWorkday); err != nil || res.Raised != 1 {
		t.Fatalf("night scan = %+v, %v", res, err)
	}
	if a := alertsOf(t, s, pubdata.SecurityOffHours); len(a) != 1 || a[0].Detail != "2026-09-30 23:00" {
		t.Fatalf("off hours = %+v", a)
	}

	// Failed sign-ins and 401/403 from one address; a token used from many addresses.
	if n, err := ss.CountRequests(system, night, map[string]int64{"198.51.100.9": 19}, nil); err != nil || n != 0 {
		t.Fatalf("19 refusals: %d %v", n, err)
	}
	if n, err := ss.CountRequests(system, night, map[string]int64{"198.51.100.9": 1}, map[string][]string{"tok1": {"a", "b", "c", "d"}}); err != nil || n != 1 {
		t.Fatalf("20 refusals: %d %v", n, err)
	}
	if n, err := ss.CountRequests(system, night, nil, map[string][]string{"tok1": {"e"}}); err != nil || n != 1 {
		t.Fatalf("5 addresses: %d %v", n, err)
	}
	if a := alertsOf(t, s, pubdata.SecurityRefusals); len(a) != 1 || a[0].Count != 20 || a[0].Subject != "addr:198.51.100.9" || a[0].Org != "" {
		t.Fatalf("refusals = %+v", a)
	}
	if a := alertsOf(t, s, pubdata.SecurityTokenAddrs); len(a) != 1 || a[0].Count != 5 {
		t.Fatalf("token addresses = %+v", a)
	}

	// Dismiss with a reason, once, recorded.
	_, err = ss.Dismiss(fx.unitAdmin, bulk[0].ID, " ")
	wantCode(t, err, pubdata.EINVALID)
	d, err := ss.Dismiss(fx.unitAdmin, bulk[0].ID, "年度核查，属正常批量比对")
	if err != nil || d.DismissedAt == nil || d.DismissedBy != "scj-admin" || d.DismissReason != "年度核查，属正常批量比对" {
		t.Fatalf("Dismiss = %+v, %v", d, err)
	}
	_, err = ss.Dismiss(fx.unitAdmin, bulk[0].ID, "again")
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = ss.Dismiss(fx.unitAdmin, "nope", "x")
	wantCode(t, err, pubdata.ENOTFOUND)
	if len(eventsOf(t, s, "security.alert_dismiss", "security_alert:"+bulk[0].ID)) != 1 {
		t.Fatal("dismissal not recorded")
	}
	open := false
	if list, _ := ss.Alerts(system, pubdata.SecurityAlertFilter{Org: "fz-scj", Dismissed: &open}); len(list) != 4 {
		t.Fatalf("open alerts of the unit = %d", len(list))
	}
}

func testIncidents(t *testing.T, s *Store) {
	fx := secSetup(t, s)
	ss := s.Security
	rep := &pubdata.IncidentReport{Org: "fz-scj", Grant: fx.grant, Kind: "misuse", Severity: "major", Description: "公安厅账号一小时内批量读取企业人员信息"}
	_, err := ss.ReportIncident(fx.stranger, rep)
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = ss.ReportIncident(fx.unitAdmin, &pubdata.IncidentReport{Org: "fz-scj", Kind: "nope", Severity: "major", Description: "x"})
	wantCode(t, err, pubdata.EINVALID)
	inc, err := ss.ReportIncident(fx.unitAdmin, rep)
	if err != nil || inc.Status != pubdata.IncidentReported || inc.Entry != fx.entry.ID || inc.Division != "350100" || inc.ReportedBy != "scj-admin" ||
		!inc.ReportDue.Equal(appNow.Add(24*time.Hour)) || len(inc.Subjects) != 0 {
		t.Fatalf("ReportIncident = %+v, %v", inc, err)
	}
	if inc.Overdue(appNow) || !inc.Overdue(appNow.Add(25*time.Hour)) {
		t.Fatal("Overdue")
	}
	found := false
	list, _ := notices(t, s, fx.cityAuth)
	for _, n := range list {
		found = found || n.Key == pubdata.NoticeIncidentReport
	}
	if !found {
		t.Fatalf("authority not told: %+v", list)
	}
	// Only the covering authority's admins act; the unit's admin may not.
	_, err = ss.ContainIncident(fx.unitAdmin, inc.ID, pubdata.ContainGrant, "", "停止授权")
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = ss.ContainIncident(fx.cityAuth, inc.ID, "nope", "", "x")
	wantCode(t, err, pubdata.EINVALID)
	if _, err := ss.AssessIncident(fx.cityAuth, inc.ID, "serious", "涉及企业人员个人信息"); err != nil {
		t.Fatal(err)
	}
	// Contained in one step: the grant is revoked, the incident says so, both recorded.
	inc, err = ss.ContainIncident(fx.cityAuth, inc.ID, pubdata.ContainGrant, "", "停止授权")
	if err != nil || inc.Status != pubdata.IncidentContained || inc.Containment != "grant:"+fx.grant || inc.ContainedAt == nil || inc.Severity != "serious" {
		t.Fatalf("ContainIncident = %+v, %v", inc, err)
	}
	if gs, _ := s.Applications.LiveGrants(system, pubdata.ActorFromContext(fx.reader), fx.entry.ID, appNow); len(gs) != 0 {
		t.Fatalf("grant still live: %+v", gs)
	}
	if len(eventsOf(t, s, "grant.revoke", "grant:"+fx.grant)) != 1 || len(eventsOf(t, s, "incident.contain", "incident:"+inc.ID)) != 1 {
		t.Fatal("containment not recorded")
	}
	_, err = ss.ContainIncident(fx.cityAuth, inc.ID, pubdata.ContainGrant, "", "again")
	wantCode(t, err, pubdata.ECONFLICT)
	// Notify: the subjects stored, the count recorded (not the keys).
	inc, err = ss.NotifyIncident(fx.cityAuth, inc.ID, []string{"91350100MA0000001X", "91350100MA0000002Y"})
	if err != nil || inc.Status != pubdata.IncidentNotified || len(inc.Subjects) != 2 || inc.NotifiedAt == nil {
		t.Fatalf("NotifyIncident = %+v, %v", inc, err)
	}
	if ev := eventsOf(t, s, "incident.notify", "incident:"+inc.ID); len(ev) != 1 || ev[0].Details["subjects"] != float64(2) {
		t.Fatalf("notify event = %+v", ev)
	}
	_, err = ss.CloseIncident(fx.cityAuth, inc.ID, "")
	wantCode(t, err, pubdata.EINVALID)
	if inc, err = ss.CloseIncident(fx.cityAuth, inc.ID, "授权审核须核对用途"); err != nil || inc.Status != pubdata.IncidentClosed || inc.Lessons == "" {
		t.Fatalf("CloseIncident = %+v, %v", inc, err)
	}
	_, err = ss.CloseIncident(fx.cityAuth, inc.ID, "again")
	wantCode(t, err, pubdata.ECONFLICT)

	// A unit's data service suspended in one step; another city's authority may not.
	inc2, err := ss.ReportIncident(fx.cityAuth, &pubdata.IncidentReport{Org: "fz-scj", Kind: "leak", Severity: "general", Description: "疑似泄露"})
	if err != nil {
		t.Fatal(err)
	}
	xmAuthOrg := mustOrg(t, s, "xm-dsj", "厦门市大数据管理局", pubdata.KindAuthority, "350200", "fj-dsj")
	xm := actorCtx(t, s, "xmdsj-admin", xmAuthOrg.Code, pubdata.RoleAdmin)
	_, err = ss.ContainIncident(xm, inc2.ID, pubdata.ContainUnit, "", "停止服务")
	wantCode(t, err, pubdata.EFORBIDDEN)
	if inc2, err = ss.ContainIncident(fx.platf, inc2.ID, pubdata.ContainUnit, "", "停止服务"); err != nil || inc2.Containment != "unit:fz-scj" {
		t.Fatalf("contain unit = %+v, %v", inc2, err)
	}
	if o, _ := s.Orgs.FindOrgByCode(system, "fz-scj"); o.Status != pubdata.OrgSuspended {
		t.Fatalf("unit not suspended: %+v", o)
	}
	// The register by scope.
	if l, _ := ss.Incidents(system, &pubdata.Scope{DivisionPrefix: "3501"}, "", 0); len(l) != 2 {
		t.Fatalf("city's incidents = %d", len(l))
	}
	if l, _ := ss.Incidents(system, &pubdata.Scope{DivisionPrefix: "3502"}, "", 0); len(l) != 0 {
		t.Fatalf("other city's incidents = %d", len(l))
	}

	// Emergency plans and drills, with dates.
	_, err = ss.AddEmergencyRecord(fx.stranger, &pubdata.EmergencyRecord{Org: "fz-scj", Kind: "plan", Title: "数据安全应急预案", Date: "2026-03-01"})
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = ss.AddEmergencyRecord(fx.unitAdmin, &pubdata.EmergencyRecord{Org: "fz-scj", Kind: "drill", Title: "演练", Date: "2026-13-01"})
	wantCode(t, err, pubdata.EINVALID)
	for _, r := range []*pubdata.EmergencyRecord{{Org: "fz-scj", Kind: "plan", Title: "数据安全应急预案", Date: "2026-03-01"}, {Org: "fz-scj", Kind: "drill", Title: "数据泄露处置演练", Date: "2026-06-15"}} {
		if _, err := ss.AddEmergencyRecord(fx.unitAdmin, r); err != nil {
			t.Fatal(err)
		}
	}
	if l, err := ss.EmergencyRecords(system, "fz-scj"); err != nil || len(l) != 2 || l[0].Kind != "drill" || l[1].Date != "2026-03-01" {
		t.Fatalf("EmergencyRecords = %+v, %v", l, err)
	}
}
