package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var monitorTests = []namedTest{
	{"MonitorFigures", testMonitorFigures},
	{"MonitorAlerts", testMonitorAlerts},
	{"MonitorReplies", testMonitorReplies},
}

func refresh(t *testing.T, s *Store, at time.Time) *pubdata.RefreshResult {
	t.Helper()
	s.SetNow(at)
	res, err := s.Monitor.Refresh(system, at, 3)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return res
}

func unitOf(t *testing.T, s *Store, org string) pubdata.UnitFigures {
	t.Helper()
	us, err := s.Monitor.Units(system, pubdata.MonitorScope{Org: org})
	if err != nil || len(us) != 1 {
		t.Fatalf("Units(%s) = %+v, %v", org, us, err)
	}
	return us[0]
}

// testMonitorFigures: a published table never loaded, then loaded and used; the figures per
// entry and unit, coverage, topics, history, scopes, the most used and the entries with a
// problem; only what changed is written again.
func testMonitorFigures(t *testing.T, s *Store) {
	if s.Monitor == nil {
		t.Fatal("the store under test must provide its monitoring service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, _, e := dataSetup(t, s)
	res := refresh(t, s, appNow)
	if res.Entries != 1 || res.Units != 3 || res.Changed != 1 {
		t.Fatalf("first refresh %+v", res)
	}
	u := unitOf(t, s, "fz-scj")
	if u.OrgName != "福州市市场监督管理局" || u.Entries != 1 || u.Tables != 1 || u.WithData != 0 || u.Never != 1 || u.Coverage == nil || *u.Coverage != 0 {
		t.Fatalf("before a load %+v", u)
	}
	probs, err := s.Monitor.ProblemEntries(system, pubdata.MonitorScope{Division: "350000"}, 10)
	if err != nil || len(probs) != 1 || probs[0].Entry != e.ID || probs[0].Problem != pubdata.ProblemNever || probs[0].Freshness != pubdata.MonitorNever {
		t.Fatalf("problems %+v, %v", probs, err)
	}
	if res := refresh(t, s, appNow.Add(time.Minute)); res.Changed != 0 {
		t.Fatalf("nothing changed but %d rows written", res.Changed)
	}

	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", 1.0, int64(1), true, "2001-02-03"), row(3, uB, "乙公司", 2.0, int64(2), false, "2002-02-03"))
	if err := s.Usage.AddUsage(system, []pubdata.UsageCount{
		{Day: pubdata.Today(appNow), Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseView, N: 5},
		{Day: pubdata.Today(appNow), Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseDownload, N: 2},
		{Day: "2026-01-01", Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseAPICall, N: 100}, // outside the window
	}); err != nil {
		t.Fatal(err)
	}
	refresh(t, s, appNow.Add(time.Hour))
	u = unitOf(t, s, "fz-scj")
	if u.Rows != 2 || u.RowsAdded != 2 || u.WithData != 1 || u.OnTime != 1 || u.Never != 0 || *u.Coverage != 100 || u.Views != 5 || u.Downloads != 2 || u.APICalls != 0 {
		t.Fatalf("after a load %+v", u)
	}
	top, err := s.Monitor.TopEntries(system, pubdata.MonitorScope{Division: "350000"}, 10)
	if err != nil || len(top) != 1 || top[0].Entry != e.ID || top[0].Uses() != 7 || top[0].Rows != 2 || top[0].LastLoadedAt == nil {
		t.Fatalf("most used %+v, %v", top, err)
	}
	if probs, _ := s.Monitor.ProblemEntries(system, pubdata.MonitorScope{Division: "350000"}, 10); len(probs) != 0 {
		t.Fatalf("problems after the load %+v", probs)
	}
	// Scopes: the city sees its unit; another city's unit sees nothing of it.
	city, err := s.Monitor.Units(system, pubdata.MonitorScope{Division: "350100"})
	if err != nil || len(city) != 1 || city[0].Org != "fz-scj" {
		t.Fatalf("city units %+v, %v", city, err)
	}
	if top, _ := s.Monitor.TopEntries(system, pubdata.MonitorScope{Org: "xm-scj"}, 10); len(top) != 0 {
		t.Fatalf("another unit's most used %+v", top)
	}
	prov, _ := s.Monitor.Units(system, pubdata.MonitorScope{Division: "350000"})
	var orgs []string
	for _, u := range prov {
		orgs = append(orgs, u.Org)
	}
	if !slices.Equal(orgs, []string{"fj-gat", "fz-scj", "xm-scj"}) {
		t.Fatalf("province units %v", orgs)
	}
	if tot := pubdata.SumUnits(prov); tot.Entries != 1 || tot.Rows != 2 || tot.Tables != 1 {
		t.Fatalf("total %+v", tot)
	}
	topics, err := s.Monitor.Topics(system, pubdata.MonitorScope{Division: "350000"})
	if err != nil || len(topics) != 1 || topics[0].Entries != 1 || topics[0].Uses != 7 || topics[0].Category == "" {
		t.Fatalf("topics %+v, %v", topics, err)
	}
	// History: one row per unit and day, the day's last refresh.
	refresh(t, s, appNow.Add(24*time.Hour))
	days, err := s.Monitor.History(system, pubdata.MonitorScope{Org: "fz-scj"}, "2026-09-01")
	if err != nil || len(days) != 2 || days[0].Day != "2026-09-30" || days[1].Day != "2026-10-01" || days[0].Rows != 2 || days[0].Uses != 7 {
		t.Fatalf("history %+v, %v", days, err)
	}
	page, next, err := s.Monitor.Entries(system, pubdata.MonitorEntryFilter{Org: "fz-scj", Limit: 1})
	if err != nil || len(page) != 1 || next != "" {
		t.Fatalf("entries %+v %q %v", page, next, err)
	}
}

// testMonitorAlerts: a table gone stale raises one alert (recorded, notified to the unit and
// the authority), not one per refresh; a load ends the episode; a pull failing three times in
// a row raises its own.
func testMonitorAlerts(t *testing.T, s *Store) {
	if s.Monitor == nil {
		t.Fatal("the store under test must provide its monitoring service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, _, e := dataSetup(t, s) // a daily table
	unitAdmin := actorCtx(t, s, "scj-admin", "fz-scj", pubdata.RoleAdmin)
	authAdmin := actorCtx(t, s, "fzdsj-admin", "fz-dsj", pubdata.RoleAdmin) // the nearest covering authority
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", 1.0, int64(1), true, "2001-02-03"))
	if res := refresh(t, s, appNow); res.Opened != 0 {
		t.Fatalf("fresh table: %+v", res)
	}
	later := appNow.Add(72 * time.Hour)
	if res := refresh(t, s, later); res.Opened != 1 {
		t.Fatalf("stale table: %+v", res)
	}
	if res := refresh(t, s, later.Add(time.Hour)); res.Opened != 0 || res.Closed != 0 {
		t.Fatalf("the same episode again: %+v", res)
	}
	alerts, err := s.Monitor.Alerts(system, pubdata.MonitorScope{Org: "fz-scj"}, 10)
	if err != nil || len(alerts) != 1 || alerts[0].Kind != pubdata.AlertStale || alerts[0].Entry != e.ID || alerts[0].Detail != "daily" {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}
	for name, ctx := range map[string]context.Context{"unit admin": unitAdmin, "authority admin": authAdmin} {
		list, _, _, err := s.Notifications.FindNotifications(ctx, false, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range list {
			if x.Key == pubdata.NoticeMonitorStale {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s got %d stale notifications", name, n)
		}
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "monitor.alert"})
	if err != nil || len(evs) != 1 || evs[0].Object != "entry:"+e.ID {
		t.Fatalf("alert events %+v, %v", evs, err)
	}
	// A load ends the episode.
	s.SetNow(later.Add(2 * time.Hour))
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, uB, "乙公司", 3.0, int64(1), true, "2001-02-03"))
	if res := refresh(t, s, later.Add(2*time.Hour)); res.Closed != 1 || res.Opened != 0 {
		t.Fatalf("after the load: %+v %+v", res, unitOf(t, s, "fz-scj"))
	}
	if a, _ := s.Monitor.Alerts(system, pubdata.MonitorScope{Division: "350000"}, 10); len(a) != 0 {
		t.Fatalf("open alerts after the load %+v", a)
	}
	// A pull failing three times in a row.
	src, err := s.PullSources.CreatePullSource(editor, e, pullSource(), pullDSN)
	if err != nil {
		t.Fatal(err)
	}
	at := later.Add(3 * time.Hour)
	for i := 0; i < 3; i++ {
		s.SetNow(at)
		if _, _, err := s.PullSources.ClaimPullSource(system, src.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PullSources.RecordPullRun(system, src.ID, pubdata.PullRun{At: at, Error: "refused"}); err != nil {
			t.Fatal(err)
		}
		res := refresh(t, s, at)
		if want := map[bool]int{true: 1, false: 0}[i == 2]; res.Opened != want {
			t.Fatalf("after %d failures: %+v", i+1, res)
		}
		at = at.Add(10 * time.Minute)
	}
	u := unitOf(t, s, "fz-scj")
	if u.FailingPulls != 1 {
		t.Fatalf("failing pulls %+v", u)
	}
	probs, _ := s.Monitor.ProblemEntries(system, pubdata.MonitorScope{Org: "fz-scj"}, 10)
	if len(probs) != 1 || probs[0].Problem != pubdata.ProblemPullFailing || probs[0].PullFailures != 3 {
		t.Fatalf("problems %+v", probs)
	}
}

// testMonitorReplies: the reply times of answered applications (median, 90th percentile)
// and the overdue count of those unanswered past due.
func testMonitorReplies(t *testing.T, s *Store) {
	if s.Monitor == nil {
		t.Fatal("the store under test must provide its monitoring service (storetest.Store)")
	}
	fx := appSetup(t, s)
	a1 := applyAt(t, s, appNow.Add(-48*time.Hour), fx.applicant, fx.entry, shareApp(fx.entry))
	if _, err := s.Applications.DecideApplication(fx.provider, a1.ID, &pubdata.ApplicationDecision{Decision: "approve"}); err != nil {
		t.Fatal(err)
	}
	applyAt(t, s, appNow.Add(-30*24*time.Hour), fx.applicant, fx.entry, shareApp(fx.entry)) // unanswered, past due
	refresh(t, s, appNow)
	u := unitOf(t, s, "fz-scj")
	if r := u.Applications; r.Answered != 1 || r.Median == nil || *r.Median != 48 || *r.P90 != 48 || r.Overdue != 1 {
		t.Fatalf("application replies %+v", r)
	}
	if u.Objections.Answered != 0 || u.Objections.Median != nil {
		t.Fatalf("objection replies %+v", u.Objections)
	}
}
