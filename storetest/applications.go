package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var applicationTests = []namedTest{
	{"ApplicationApproveRevoke", testApplicationApproveRevoke},
	{"ApplicationRejectDispute", testApplicationRejectDispute},
	{"ApplicationValidation", testApplicationValidation},
	{"ApplicationOverdue", testApplicationOverdue},
	{"GrantExpiry", testGrantExpiry},
	{"ApplicationListsAndOpen", testApplicationListsAndOpen},
}

// appNow is the fixed clock of these tests: 2026-09-30 10:00 in China.
var appNow = time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC)

// appFixture: the market regulator fz-scj (350100) publishes a conditional company table;
// fj-gat applies. Contexts by role.
type appFixture struct {
	entry                                   *pubdata.Entry
	applicant, gatAdmin, provider, provEd   context.Context
	cityAuth, provAuth, stranger, citizenCx context.Context
}

func actorCtx(t *testing.T, s *Store, username, org string, role pubdata.Role) context.Context {
	t.Helper()
	u := mustUser(t, s, username, org, role)
	a := &pubdata.Actor{User: u}
	if org != "" {
		o, err := s.Orgs.FindOrgByCode(system, org)
		if err != nil {
			t.Fatal(err)
		}
		a.Org = o
	}
	return as(a, "r-"+username)
}

func appSetup(t *testing.T, s *Store) *appFixture {
	t.Helper()
	if s.Applications == nil || s.Notifications == nil {
		t.Fatal("the store under test must provide its application service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer := catalogueSetup(t, s)
	f := companyFields()
	f.ShareClass, f.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
	f.OpenClass, f.OpenConditions = pubdata.ClassConditional, "须签署数据使用协议"
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &appFixture{
		entry:     p,
		applicant: actorCtx(t, s, "gat-member", "fj-gat", pubdata.RoleMember),
		gatAdmin:  actorCtx(t, s, "gat-admin", "fj-gat", pubdata.RoleAdmin),
		provider:  actorCtx(t, s, "scj-reviewer", "fz-scj", pubdata.RoleReviewer),
		provEd:    editor,
		cityAuth:  actorCtx(t, s, "fzdsj-admin", "fz-dsj", pubdata.RoleAdmin),
		provAuth:  reviewer,
		stranger:  actorCtx(t, s, "xm-member", "xm-scj", pubdata.RoleMember),
		citizenCx: actorCtx(t, s, "citizen", "", ""),
	}
}

func shareApp(e *pubdata.Entry) *pubdata.ApplicationCreate {
	return &pubdata.ApplicationCreate{Entry: e.ID, Kind: pubdata.KindShare, Items: []string{"uscc", "name", "staff"}, Purpose: "企业开办审批", Basis: "《优化营商环境条例》", Until: "2027-03-31"}
}

// mustApply files an application now (the store's clock); it is due by the reply days.
func mustApply(t *testing.T, s *Store, ctx context.Context, e *pubdata.Entry, c *pubdata.ApplicationCreate) *pubdata.Application {
	t.Helper()
	app, err := s.Applications.CreateApplication(ctx, e, c)
	if err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	return app
}

// applyAt files an application received at the time, then sets the clock back to appNow.
func applyAt(t *testing.T, s *Store, at time.Time, ctx context.Context, e *pubdata.Entry, c *pubdata.ApplicationCreate) *pubdata.Application {
	t.Helper()
	s.SetNow(at)
	defer s.SetNow(appNow)
	return mustApply(t, s, ctx, e, c)
}

func notices(t *testing.T, s *Store, ctx context.Context) ([]*pubdata.Notification, int) {
	t.Helper()
	list, unread, _, err := s.Notifications.FindNotifications(ctx, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return list, unread
}

func wantEvents(t *testing.T, s *Store, id string, actions ...string) {
	t.Helper()
	evs, err := s.Applications.FindApplicationEvents(system, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Action+":"+string(e.From)+">"+string(e.To))
	}
	if !slices.Equal(got, actions) {
		t.Fatalf("events %v, want %v", got, actions)
	}
}

func testApplicationApproveRevoke(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	due := time.Date(2026, 10, 9, 9, 30, 0, 0, time.UTC) // 2 working days after 09-30: 17:30 on 10-09 (National Day)
	app := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	if app.Status != pubdata.AppPending || app.Applicant != "gat-member" || app.ApplicantOrg != "fj-gat" || app.ApplicantOrgName != "福建省公安厅" ||
		app.Provider != "fz-scj" || app.ProviderName != "福州市市场监督管理局" || app.Division != "350100" || app.Due != "2026-10-09" || !app.DueAt.Equal(due) || !app.DueCovered || len(app.Items) != 3 {
		t.Fatalf("created %+v", app)
	}
	if len(eventsOf(t, s, "application.create", "application:"+app.ID)) != 1 {
		t.Fatal("no application.create event")
	}
	// The provider's reviewers are told; its editors and the applicant are not.
	if list, unread := notices(t, s, fx.provider); len(list) != 1 || unread != 1 || list[0].Key != pubdata.NoticeApplicationNew || list[0].Link != "/console/applications/"+app.ID {
		t.Fatalf("reviewer's notifications: %d unread %d %+v", len(list), unread, list)
	}
	if list, _ := notices(t, s, fx.provEd); len(list) != 0 {
		t.Fatalf("editor's notifications: %+v", list)
	}
	if list, _ := notices(t, s, fx.applicant); len(list) != 0 {
		t.Fatalf("applicant's notifications: %+v", list)
	}
	// No grant yet.
	if gs, err := s.Applications.LiveGrants(system, pubdata.ActorFromContext(fx.applicant), fx.entry.ID, appNow); err != nil || len(gs) != 0 {
		t.Fatalf("grants before approval: %v %v", gs, err)
	}
	// A bad scope writes nothing.
	if _, err := s.Applications.DecideApplication(fx.provider, app.ID, &pubdata.ApplicationDecision{Decision: "approve", ClearItems: []string{"capital"}}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("clear item outside the grant: %v", err)
	}
	d := &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"uscc", "name"}, ClearItems: []string{"uscc"}, RowFilter: "staff__gte=10", Until: "2027-01-31", Reason: "符合条件"}
	got, err := s.Applications.DecideApplication(fx.provider, app.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != pubdata.AppApproved || got.Grant == "" || got.DecidedBy != "scj-reviewer" || got.DecidedAt == nil {
		t.Fatalf("approved %+v", got)
	}
	g, err := s.Applications.FindGrantByID(system, got.Grant)
	if err != nil {
		t.Fatal(err)
	}
	wantExp := time.Date(2027, 2, 1, 0, 0, 0, 0, pubdata.ChinaTime)
	if g.Consumer != "fj-gat" || g.ConsumerUser != "" || !slices.Equal(g.Items, []string{"uscc", "name"}) || !slices.Equal(g.ClearItems, []string{"uscc"}) ||
		g.RowFilter != "staff__gte=10" || g.Purpose != "企业开办审批" || !g.Expires.Equal(wantExp) || g.Application != app.ID || g.Provider != "fz-scj" || g.Kind != pubdata.KindShare {
		t.Fatalf("grant %+v", g)
	}
	if len(eventsOf(t, s, "grant.create", "grant:"+g.ID)) != 1 || len(eventsOf(t, s, "application.approve", "application:"+app.ID)) != 1 {
		t.Fatal("approval not recorded")
	}
	// Approving twice is a conflict.
	if _, err := s.Applications.DecideApplication(fx.provider, app.ID, &pubdata.ApplicationDecision{Decision: "approve"}); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("second approval: %v", err)
	}
	// The grant is the applicant organisation's: any of its users, nobody else's.
	for ctx, want := range map[context.Context]int{fx.applicant: 1, fx.gatAdmin: 1, fx.stranger: 0, fx.citizenCx: 0, system: 0} {
		gs, err := s.Applications.LiveGrants(system, pubdata.ActorFromContext(ctx), fx.entry.ID, appNow)
		if err != nil || len(gs) != want {
			t.Fatalf("%s: %d live grants (%v), want %d", pubdata.ActorFromContext(ctx).Username(), len(gs), err, want)
		}
	}
	if list, _ := notices(t, s, fx.applicant); len(list) != 1 || list[0].Key != pubdata.NoticeApplicationApproved || list[0].Params["until"] != "2027-01-31" {
		t.Fatalf("applicant's notifications: %+v", list)
	}
	// Revocation needs a reason, ends the grant at once, and happens once.
	if _, err := s.Applications.RevokeGrant(fx.provider, g.ID, " "); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("revoke without reason: %v", err)
	}
	r, err := s.Applications.RevokeGrant(fx.provider, g.ID, "超范围使用")
	if err != nil {
		t.Fatal(err)
	}
	if r.RevokedAt == nil || r.RevokedBy != "scj-reviewer" || r.RevokeReason != "超范围使用" || r.Live(appNow) {
		t.Fatalf("revoked %+v", r)
	}
	if gs, _ := s.Applications.LiveGrants(system, pubdata.ActorFromContext(fx.applicant), fx.entry.ID, appNow); len(gs) != 0 {
		t.Fatalf("live after revocation: %+v", gs)
	}
	if _, err := s.Applications.RevokeGrant(fx.provider, g.ID, "again"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("second revocation: %v", err)
	}
	if len(eventsOf(t, s, "grant.revoke", "grant:"+g.ID)) != 1 {
		t.Fatal("revocation not recorded")
	}
	wantEvents(t, s, app.ID, "create:>pending", "approve:pending>approved", "revoke:approved>approved")
	if _, err := s.Applications.FindGrantByID(system, "nope"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown grant: %v", err)
	}
	if _, err := s.Applications.FindApplicationByID(system, "nope"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown application: %v", err)
	}
	// Notifications are marked read per user.
	list, _ := notices(t, s, fx.provider)
	if err := s.Notifications.MarkNotificationRead(fx.provider, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Notifications.MarkNotificationRead(fx.provider, list[0].ID); err != nil {
		t.Fatalf("twice: %v", err)
	}
	if _, unread := notices(t, s, fx.provider); unread != 0 {
		t.Fatalf("unread after reading: %d", unread)
	}
	if err := s.Notifications.MarkNotificationRead(fx.stranger, list[0].ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("a stranger marks another's notification: %v", err)
	}
}

func testApplicationRejectDispute(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	app := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	for _, d := range []pubdata.ApplicationDecision{{Decision: "reject", Reason: "理由"}, {Decision: "reject", Basis: "依据"}} {
		if _, err := s.Applications.DecideApplication(fx.provider, app.ID, &d); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Fatalf("rejection without reason or basis: %v", err)
		}
	}
	got, err := s.Applications.DecideApplication(fx.provider, app.ID, &pubdata.ApplicationDecision{Decision: "reject", Reason: "用途与职责无关", Basis: "《公共数据条例》第二十条"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != pubdata.AppRejected || got.Reason != "用途与职责无关" || got.DecBasis != "《公共数据条例》第二十条" || got.Grant != "" {
		t.Fatalf("rejected %+v", got)
	}
	if list, _ := notices(t, s, fx.applicant); len(list) != 1 || list[0].Key != pubdata.NoticeApplicationRejected {
		t.Fatalf("applicant's notifications: %+v", list)
	}
	if _, err := s.Applications.WithdrawApplication(fx.applicant, app.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("withdraw a rejected one: %v", err)
	}
	if _, err := s.Applications.DisputeApplication(fx.applicant, app.ID, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("dispute without reason: %v", err)
	}
	got, err = s.Applications.DisputeApplication(fx.applicant, app.ID, "审批职责有明文规定")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != pubdata.AppDisputed || got.DisputeReason != "审批职责有明文规定" || got.DisputedAt == nil {
		t.Fatalf("disputed %+v", got)
	}
	// The nearest covering authority (the city's, 350100) is told, not the province's.
	if list, _ := notices(t, s, fx.cityAuth); len(list) != 1 || list[0].Key != pubdata.NoticeApplicationDisputed {
		t.Fatalf("city authority's notifications: %+v", list)
	}
	if list, _ := notices(t, s, fx.provAuth); len(list) != 0 {
		t.Fatalf("province authority's notifications: %+v", list)
	}
	// The authority upholds the rejection: final.
	got, err = s.Applications.DecideApplication(fx.cityAuth, app.ID, &pubdata.ApplicationDecision{Decision: "reject", Reason: "维持原决定", Basis: "条例第二十条"})
	if err != nil || got.Status != pubdata.AppRejected || got.DecidedBy != "fzdsj-admin" {
		t.Fatalf("upheld: %+v %v", got, err)
	}
	if _, err := s.Applications.DisputeApplication(fx.applicant, app.ID, "again"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("second dispute: %v", err)
	}
	wantEvents(t, s, app.ID, "create:>pending", "reject:pending>rejected", "dispute:rejected>disputed", "reject:disputed>rejected")
	for _, a := range []string{"application.reject", "application.dispute"} {
		if len(eventsOf(t, s, a, "application:"+app.ID)) == 0 {
			t.Fatalf("no %s event", a)
		}
	}

	// Another: rejected, disputed, approved by the authority (a grant).
	app2 := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	s.Applications.DecideApplication(fx.provider, app2.ID, &pubdata.ApplicationDecision{Decision: "reject", Reason: "r", Basis: "b"})
	s.Applications.DisputeApplication(fx.applicant, app2.ID, "d")
	got, err = s.Applications.DecideApplication(fx.cityAuth, app2.ID, &pubdata.ApplicationDecision{Decision: "approve", Reason: "异议成立"})
	if err != nil || got.Status != pubdata.AppApproved || got.Grant == "" {
		t.Fatalf("approved on dispute: %+v %v", got, err)
	}
	// A pending one is withdrawn once.
	app3 := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	if got, err := s.Applications.WithdrawApplication(fx.applicant, app3.ID); err != nil || got.Status != pubdata.AppWithdrawn {
		t.Fatalf("withdraw: %+v %v", got, err)
	}
	if _, err := s.Applications.WithdrawApplication(fx.applicant, app3.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("withdraw twice: %v", err)
	}
	if _, err := s.Applications.DecideApplication(fx.provider, app3.ID, &pubdata.ApplicationDecision{Decision: "approve"}); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("approve a withdrawn one: %v", err)
	}
}

func testApplicationValidation(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	bad := func(ctx context.Context, e *pubdata.Entry, edit func(*pubdata.ApplicationCreate), field string) {
		t.Helper()
		c := shareApp(fx.entry)
		edit(c)
		_, err := s.Applications.CreateApplication(ctx, e, c)
		if pubdata.ErrorFields(err)[field] == nil {
			t.Fatalf("want a problem with %s, got %v", field, err)
		}
	}
	bad(fx.citizenCx, fx.entry, func(c *pubdata.ApplicationCreate) {}, "kind")
	bad(fx.applicant, fx.entry, func(c *pubdata.ApplicationCreate) { c.Items = []string{"password"} }, "items")
	bad(fx.applicant, fx.entry, func(c *pubdata.ApplicationCreate) { c.Purpose = "" }, "purpose")
	bad(fx.applicant, fx.entry, func(c *pubdata.ApplicationCreate) { c.Until = "2026-09-30" }, "until")
	bad(fx.provider, fx.entry, func(c *pubdata.ApplicationCreate) {}, "entry")
	bad(fx.applicant, nil, func(c *pubdata.ApplicationCreate) {}, "entry")
	if list, _, _, err := s.Applications.FindApplications(system, pubdata.ApplicationFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("something was written: %v %v", list, err)
	}
}

func testApplicationOverdue(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	late := applyAt(t, s, appNow.AddDate(0, 0, -10), fx.applicant, fx.entry, shareApp(fx.entry)) // due 09-22
	onTime := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	n, err := s.Applications.MarkOverdue(system, appNow)
	if err != nil || n != 1 {
		t.Fatalf("MarkOverdue: %d %v", n, err)
	}
	if n, err := s.Applications.MarkOverdue(system, appNow); err != nil || n != 0 {
		t.Fatalf("MarkOverdue again: %d %v", n, err)
	}
	got, _ := s.Applications.FindApplicationByID(system, late.ID)
	if !got.Overdue || !got.Escalated || got.Status != pubdata.AppPending {
		t.Fatalf("late %+v", got)
	}
	if got, _ := s.Applications.FindApplicationByID(system, onTime.ID); got.Overdue {
		t.Fatal("the one on time is flagged")
	}
	wantEvents(t, s, late.ID, "create:>pending", "overdue:pending>pending")
	if len(eventsOf(t, s, "application.overdue", "application:"+late.ID)) != 1 {
		t.Fatal("overdue not recorded once")
	}
	list, _, _, err := s.Applications.FindApplications(system, pubdata.ApplicationFilter{Overdue: true})
	if err != nil || len(list) != 1 || list[0].ID != late.ID {
		t.Fatalf("overdue list: %v %v", list, err)
	}
	// Counted against the provider, within the authority's division.
	for div, want := range map[string]int{"": 1, "350000": 1, "350100": 1, "350200": 0} {
		counts, err := s.Applications.OverdueCounts(system, div)
		if err != nil || counts["fz-scj"] != want {
			t.Fatalf("OverdueCounts(%q) = %v %v, want fz-scj %d", div, counts, err, want)
		}
	}
	// The authority and the provider are told.
	for _, ctx := range []context.Context{fx.cityAuth, fx.provider} {
		found := false
		list, _ := notices(t, s, ctx)
		for _, n := range list {
			found = found || n.Key == pubdata.NoticeApplicationOverdue
		}
		if !found {
			t.Fatalf("%s not told of the overdue application: %+v", pubdata.ActorFromContext(ctx).Username(), list)
		}
	}
	// Answering late still works, and it stays counted.
	if _, err := s.Applications.DecideApplication(fx.provider, late.ID, &pubdata.ApplicationDecision{Decision: "approve"}); err != nil {
		t.Fatal(err)
	}
	if counts, _ := s.Applications.OverdueCounts(system, ""); counts["fz-scj"] != 1 {
		t.Fatalf("after a late answer: %v", counts)
	}
}

func testGrantExpiry(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	app := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	got, err := s.Applications.DecideApplication(fx.provider, app.ID, &pubdata.ApplicationDecision{Decision: "approve", Until: "2026-10-31"})
	if err != nil {
		t.Fatal(err)
	}
	a := pubdata.ActorFromContext(fx.applicant)
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, pubdata.ChinaTime)
	if gs, _ := s.Applications.LiveGrants(system, a, fx.entry.ID, end.Add(-time.Second)); len(gs) != 1 {
		t.Fatal("not live on its last day")
	}
	if gs, _ := s.Applications.LiveGrants(system, a, fx.entry.ID, end); len(gs) != 0 {
		t.Fatal("live after its period")
	}
	if n, err := s.Applications.ExpireGrants(system, end.Add(-time.Second)); err != nil || n != 0 {
		t.Fatalf("expired early: %d %v", n, err)
	}
	s.SetNow(end.Add(time.Minute))
	if n, err := s.Applications.ExpireGrants(system, end.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("ExpireGrants: %d %v", n, err)
	}
	if n, _ := s.Applications.ExpireGrants(system, end.Add(time.Minute)); n != 0 {
		t.Fatalf("expired twice: %d", n)
	}
	if app, _ := s.Applications.FindApplicationByID(system, app.ID); app.Status != pubdata.AppExpired {
		t.Fatalf("application after expiry: %s", app.Status)
	}
	wantEvents(t, s, app.ID, "create:>pending", "approve:pending>approved", "expire:approved>expired")
	if len(eventsOf(t, s, "grant.expire", "grant:"+got.Grant)) != 1 || len(eventsOf(t, s, "application.expire", "application:"+app.ID)) != 1 {
		t.Fatal("expiry not recorded")
	}
	if _, err := s.Applications.RevokeGrant(fx.provider, got.Grant, "late"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("revoke an expired grant: %v", err)
	}
}

func testApplicationListsAndOpen(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	a1 := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	received := appNow.AddDate(0, 0, -29) // 2026-09-01: a2 is due 09-03, the open a3 09-15, a1 10-09
	a2 := applyAt(t, s, received, fx.gatAdmin, fx.entry, shareApp(fx.entry))
	open := shareApp(fx.entry)
	open.Kind = pubdata.KindOpen
	a3 := applyAt(t, s, received, fx.citizenCx, fx.entry, open)
	ids := func(f pubdata.ApplicationFilter) []string {
		t.Helper()
		list, total, _, err := s.Applications.FindApplications(system, f)
		if err != nil || total != len(list) {
			t.Fatalf("%+v: %d of %d, %v", f, len(list), total, err)
		}
		var out []string
		for _, a := range list {
			out = append(out, a.ID)
		}
		return out
	}
	// The provider's pending queue: soonest due first.
	if got := ids(pubdata.ApplicationFilter{Provider: "fz-scj", Status: pubdata.AppPending}); !slices.Equal(got, []string{a2.ID, a3.ID, a1.ID}) {
		t.Fatalf("queue %v", got)
	}
	if got := ids(pubdata.ApplicationFilter{Applicant: "gat-member"}); !slices.Equal(got, []string{a1.ID}) {
		t.Fatalf("mine %v", got)
	}
	if got := ids(pubdata.ApplicationFilter{ApplicantOrg: "fj-gat"}); len(got) != 2 {
		t.Fatalf("the organisation's %v", got)
	}
	if got := ids(pubdata.ApplicationFilter{Kind: pubdata.KindOpen}); !slices.Equal(got, []string{a3.ID}) {
		t.Fatalf("open ones %v", got)
	}
	if got := ids(pubdata.ApplicationFilter{Division: "350200"}); len(got) != 0 {
		t.Fatalf("another city's %v", got)
	}
	if list, total, next, err := s.Applications.FindApplications(system, pubdata.ApplicationFilter{Limit: 2}); err != nil || len(list) != 2 || total != 3 || next == "" {
		t.Fatalf("page: %d of %d next %q %v", len(list), total, next, err)
	}
	// An open grant belongs to the public user.
	got, err := s.Applications.DecideApplication(fx.provider, a3.ID, &pubdata.ApplicationDecision{Decision: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := s.Applications.FindGrantByID(system, got.Grant)
	if g.ConsumerUser != "citizen" || g.Consumer != "" || g.Kind != pubdata.KindOpen {
		t.Fatalf("open grant %+v", g)
	}
	if gs, _ := s.Applications.LiveGrants(system, pubdata.ActorFromContext(fx.citizenCx), fx.entry.ID, appNow); len(gs) != 1 {
		t.Fatal("the citizen's grant is not live")
	}
	if gs, _ := s.Applications.LiveGrants(system, pubdata.ActorFromContext(fx.applicant), fx.entry.ID, appNow); len(gs) != 0 {
		t.Fatal("another's open grant applies")
	}
	live := appNow
	for f, want := range map[*pubdata.GrantFilter]int{
		{ConsumerUser: "citizen"}:           1,
		{Provider: "fz-scj"}:                1,
		{Consumer: "fj-gat"}:                0,
		{Entry: fx.entry.ID, LiveAt: &live}: 1,
		{Division: "350000"}:                1, // the entry is Fuzhou's (350100), inside Fujian
		{Division: "350100"}:                1,
		{Division: "350200"}:                0, // Xiamen's authority does not see it
	} {
		list, _, err := s.Applications.FindGrants(system, *f)
		if err != nil || len(list) != want {
			t.Fatalf("FindGrants(%+v) = %d %v, want %d", *f, len(list), err, want)
		}
	}
}
