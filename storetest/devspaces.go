package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// devSpaceTests cover tiered development (devspace.go) and data products (product.go): the
// application, the providers' and the authority's decisions, uses only inside an active
// space, the reports' schedule that reminds and suspends, runs and products with their
// provenance, and the first-level operators — each change on the record.
var devSpaceTests = []namedTest{
	{"DevSpaceWorkflow", testDevSpaceWorkflow},
	{"DevSpaceUse", testDevSpaceUse},
	{"DevSpaceSchedule", testDevSpaceSchedule},
	{"DevSpaceProducts", testDevSpaceProducts},
	{"DevSpaceOperators", testDevSpaceOperators},
}

// devFixture is a province with a developer company, two published entries of fz-scj (one
// shared unconditionally, one conditionally) and the people who act on a space.
type devFixture struct {
	dev, other, person, providerRv, authority, cityAuth context.Context
	open, cond                                          *pubdata.Entry
}

func devSetup(t *testing.T, s *Store) *devFixture {
	t.Helper()
	if s.DevSpaces == nil || s.Products == nil {
		t.Fatal("the store does not keep development spaces and products")
	}
	s.SetNow(appNow)
	editor, reviewer, open := dataSetup(t, s)
	cf := fields("行政许可信息", "全市的行政许可", pubdata.ClassConditional, pubdata.ClassNone)
	cond := publish(t, s, editor, reviewer, "fz-scj", cf)
	cond, err := s.Entries.FindPublishedEntry(system, cond.ID)
	if err != nil {
		t.Fatal(err)
	}
	dev := mustOrg(t, s, "fz-dev", "福州数智科技有限公司", pubdata.KindCompany, "350100", "")
	oth := mustOrg(t, s, "xm-dev", "厦门数据科技有限公司", pubdata.KindCompany, "350200", "")
	scj, _ := s.Orgs.FindOrgByCode(system, "fz-scj")
	dsj, _ := s.Orgs.FindOrgByCode(system, "fj-dsj")
	fz, _ := s.Orgs.FindOrgByCode(system, "fz-dsj")
	f := &devFixture{open: open, cond: cond}
	f.dev = as(&pubdata.Actor{User: mustUser(t, s, "dev-editor", "fz-dev", pubdata.RoleEditor), Org: dev}, "r-dev")
	f.other = as(&pubdata.Actor{User: mustUser(t, s, "oth-editor", "xm-dev", pubdata.RoleEditor), Org: oth}, "r-oth")
	f.person = as(&pubdata.Actor{User: mustUser(t, s, "citizen", "", "")}, "r-person")
	f.providerRv = as(&pubdata.Actor{User: mustUser(t, s, "scj-reviewer", "fz-scj", pubdata.RoleReviewer), Org: scj}, "r-prv")
	f.authority = as(&pubdata.Actor{User: mustUser(t, s, "dsj-admin", "fj-dsj", pubdata.RoleAdmin), Org: dsj}, "r-auth")
	f.cityAuth = as(&pubdata.Actor{User: mustUser(t, s, "fz-reviewer", "fz-dsj", pubdata.RoleReviewer), Org: fz}, "r-city")
	return f
}

func devApplication(entries ...string) *pubdata.DevSpaceApplication {
	return &pubdata.DevSpaceApplication{Title: "企业信用画像", Scenario: "为金融机构提供企业信用评估", Purpose: "企业信用评估模型研发",
		Outputs: "匿名化企业画像表", Entries: entries, StartsOn: "2026-09-30", EndsOn: "2027-03-31", ReportEvery: pubdata.ReportMonthly}
}

// approvedSpace applies for a space on both entries and has it approved.
func approvedSpace(t *testing.T, s *Store, f *devFixture, rows bool) *pubdata.DevSpace {
	t.Helper()
	app := devApplication(f.open.ID, f.cond.ID)
	app.RowAccess = rows
	sp, err := s.DevSpaces.ApplyForSpace(f.dev, app)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DevSpaces.DecideSpaceEntry(f.providerRv, sp.ID, f.cond.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if sp, err = s.DevSpaces.DecideSpace(f.authority, sp.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	return sp
}

func events(t *testing.T, s *Store, object, action string) []*pubdata.Event {
	t.Helper()
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: object, Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func testDevSpaceWorkflow(t *testing.T, s *Store) {
	f := devSetup(t, s)
	// Authorities decide; they do not apply. Bad applications name their fields.
	if _, err := s.DevSpaces.ApplyForSpace(f.authority, devApplication(f.open.ID)); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("an authority applies: %v", err)
	}
	bad := devApplication()
	bad.StartsOn = "2026-01-01"
	if err := pubdata.ErrorFields(mustFail(s.DevSpaces.ApplyForSpace(f.dev, bad))); err["entries"] == nil || err["starts_on"] == nil {
		t.Fatalf("a bad application's fields: %v", err)
	}
	if _, err := s.DevSpaces.ApplyForSpace(f.dev, devApplication("no-such-entry")); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("an unknown entry: %v", err)
	}

	sp, err := s.DevSpaces.ApplyForSpace(f.dev, devApplication(f.open.ID, f.cond.ID))
	if err != nil {
		t.Fatal(err)
	}
	if sp.Status != pubdata.SpacePending || sp.Org != "fz-dev" || sp.Division != "350100" || sp.Applicant != "dev-editor" || len(sp.Entries) != 2 {
		t.Fatalf("the application: %+v", sp)
	}
	if e := sp.Entry(f.open.ID); e == nil || e.Approval != pubdata.ApprovalNotNeeded {
		t.Fatalf("the unconditional entry: %+v", e)
	}
	if e := sp.Entry(f.cond.ID); e == nil || e.Approval != pubdata.ApprovalPending || e.Provider != "fz-scj" {
		t.Fatalf("the conditional entry: %+v", e)
	}
	if p := sp.PendingProviders(); len(p) != 1 || p[0] != "fz-scj" {
		t.Fatalf("pending providers: %v", p)
	}
	// The provider's reviewers and the authority's are told.
	if ns, _, _, _ := s.Notifications.FindNotifications(f.providerRv, false, 0, ""); len(ns) == 0 || ns[0].Key != pubdata.NoticeSpaceNew {
		t.Fatalf("the provider's notifications: %+v", ns)
	}
	// Nobody approves while a provider has not decided; the developer never decides.
	if _, err := s.DevSpaces.DecideSpace(f.authority, sp.ID, true, ""); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("approve before the provider: %v", err)
	}
	if _, err := s.DevSpaces.DecideSpace(f.dev, sp.ID, true, ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("the developer decides: %v", err)
	}
	if _, err := s.DevSpaces.DecideSpaceEntry(f.dev, sp.ID, f.cond.ID, true, ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("the developer decides an entry: %v", err)
	}
	if _, err := s.DevSpaces.DecideSpaceEntry(f.providerRv, sp.ID, f.open.ID, true, ""); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("an entry that needs no decision: %v", err)
	}
	if _, err := s.DevSpaces.DecideSpaceEntry(f.providerRv, sp.ID, f.cond.ID, false, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("a refusal without a reason: %v", err)
	}
	if sp, err = s.DevSpaces.DecideSpaceEntry(f.providerRv, sp.ID, f.cond.ID, true, ""); err != nil || sp.Entry(f.cond.ID).Approval != pubdata.ApprovalApproved {
		t.Fatalf("the provider approves: %v %+v", err, sp)
	}
	// A city authority elsewhere cannot decide; the covering one can.
	xm := mustOrg(t, s, "xm-dsj", "厦门市大数据管理局", pubdata.KindAuthority, "350200", "fj-dsj")
	xmRv := as(&pubdata.Actor{User: mustUser(t, s, "xm-reviewer", "xm-dsj", pubdata.RoleReviewer), Org: xm}, "r-xm")
	if _, err := s.DevSpaces.DecideSpace(xmRv, sp.ID, true, ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("another city's authority decides: %v", err)
	}
	if sp, err = s.DevSpaces.DecideSpace(f.cityAuth, sp.ID, true, "符合开发利用要求"); err != nil {
		t.Fatal(err)
	}
	if sp.Status != pubdata.SpaceApproved || sp.DecidedBy != "fz-reviewer" || sp.NextDue != "2026-10-30" || sp.StateAt(appNow) != "active" {
		t.Fatalf("approved: %+v", sp)
	}
	if _, err := s.DevSpaces.DecideSpace(f.authority, sp.ID, false, "再议"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("decided twice: %v", err)
	}
	if ns, _, _, _ := s.Notifications.FindNotifications(f.dev, false, 0, ""); len(ns) < 2 || ns[0].Key != pubdata.NoticeSpaceDecided {
		t.Fatalf("the developer's notifications: %+v", ns)
	}
	for _, action := range []string{"devspace.apply", "devspace.entry_decide", "devspace.decide"} {
		if evs := events(t, s, "devspace:"+sp.ID, action); len(evs) != 1 {
			t.Fatalf("%s recorded %d times", action, len(evs))
		}
	}
	// Lists: the developer's, a provider's, an authority's reach.
	for name, flt := range map[string]pubdata.DevSpaceFilter{"org": {Org: "fz-dev"}, "provider": {Provider: "fz-scj"},
		"scope": {Scope: &pubdata.Scope{DivisionPrefix: "3501"}}, "status": {Status: pubdata.SpaceApproved}} {
		if l, err := s.DevSpaces.Spaces(system, flt); err != nil || len(l) != 1 || l[0].ID != sp.ID || len(l[0].Entries) != 2 {
			t.Fatalf("list by %s: %v %+v", name, err, l)
		}
	}
	if l, _ := s.DevSpaces.Spaces(system, pubdata.DevSpaceFilter{Scope: &pubdata.Scope{DivisionPrefix: "3502"}}); len(l) != 0 {
		t.Fatalf("another city's reach: %+v", l)
	}

	// A person applies too; the province's authority decides, a city's cannot. Refused.
	ps, err := s.DevSpaces.ApplyForSpace(f.person, devApplication(f.open.ID))
	if err != nil || ps.Org != "" || ps.Division != "" {
		t.Fatalf("a person's application: %v %+v", err, ps)
	}
	if _, err := s.DevSpaces.DecideSpace(f.cityAuth, ps.ID, false, "no"); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("a city decides a person's space: %v", err)
	}
	if ps, err = s.DevSpaces.DecideSpace(f.authority, ps.ID, false, "用途不明确"); err != nil || ps.Status != pubdata.SpaceRefused || ps.Reason != "用途不明确" {
		t.Fatalf("refused: %v %+v", err, ps)
	}
	if l, _ := s.DevSpaces.Spaces(system, pubdata.DevSpaceFilter{Applicant: "citizen"}); len(l) != 1 || l[0].ID != ps.ID {
		t.Fatalf("the person's spaces: %+v", l)
	}
}

func mustFail[T any](_ T, err error) error { return err }

func testDevSpaceUse(t *testing.T, s *Store) {
	f := devSetup(t, s)
	sp := approvedSpace(t, s, f, false)
	got, err := s.DevSpaces.RecordSpaceUse(f.dev, sp.ID, f.open.ID, pubdata.SpaceUseAggregate, map[string]any{"group_by": "name"})
	if err != nil || got.Uses != 1 {
		t.Fatalf("a use: %v %+v", err, got)
	}
	evs := events(t, s, "devspace:"+sp.ID, "devspace.use")
	if len(evs) != 1 || evs[0].Actor != "dev-editor" || evs[0].Details["entry"] != f.open.ID || evs[0].Details["use"] != "aggregate" || evs[0].Details["group_by"] != "name" {
		t.Fatalf("the use's record: %+v", evs)
	}
	// Another developer, an entry outside the space, rows the space does not allow.
	for name, c := range map[string]struct {
		ctx        context.Context
		entry, use string
		code       string
	}{
		"another developer": {f.other, f.open.ID, pubdata.SpaceUseAnonymise, pubdata.EFORBIDDEN},
		"the provider":      {f.providerRv, f.open.ID, pubdata.SpaceUseAnonymise, pubdata.EFORBIDDEN},
		"an outside entry":  {f.dev, "other-entry", pubdata.SpaceUseAnonymise, pubdata.EFORBIDDEN},
		"rows":              {f.dev, f.open.ID, pubdata.SpaceUseRows, pubdata.EFORBIDDEN},
	} {
		if _, err := s.DevSpaces.RecordSpaceUse(c.ctx, sp.ID, c.entry, c.use, nil); pubdata.ErrorCode(err) != c.code {
			t.Fatalf("%s: %v, want %s", name, err, c.code)
		}
	}
	// Suspended: refused, nothing counted; reinstated: allowed.
	if _, err := s.DevSpaces.SuspendSpace(f.dev, sp.ID, "违规"); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("the developer suspends: %v", err)
	}
	if _, err := s.DevSpaces.SuspendSpace(f.authority, sp.ID, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("a suspension without a reason: %v", err)
	}
	if sp, err = s.DevSpaces.SuspendSpace(f.authority, sp.ID, "超范围使用数据"); err != nil || sp.Status != pubdata.SpaceSuspended {
		t.Fatalf("suspend: %v %+v", err, sp)
	}
	if _, err := s.DevSpaces.RecordSpaceUse(f.dev, sp.ID, f.open.ID, pubdata.SpaceUseAnonymise, nil); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("a use while suspended: %v", err)
	}
	if _, err := s.DevSpaces.AddSpaceRun(f.dev, &pubdata.DevSpaceRun{SpaceID: sp.ID, EntryID: f.open.ID, Kind: "anonymise", Config: json.RawMessage(`{}`), Report: json.RawMessage(`{}`)}); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("a run while suspended: %v", err)
	}
	if sp, err = s.DevSpaces.ReinstateSpace(f.authority, sp.ID, "已整改"); err != nil || sp.Status != pubdata.SpaceApproved || sp.Uses != 1 {
		t.Fatalf("reinstate: %v %+v", err, sp)
	}
	if _, err := s.DevSpaces.RecordSpaceUse(f.dev, sp.ID, f.cond.ID, pubdata.SpaceUseAnonymise, nil); err != nil {
		t.Fatalf("a use once reinstated: %v", err)
	}
	// After its last day the space refuses work.
	s.SetNow(time.Date(2027, 4, 1, 2, 0, 0, 0, time.UTC))
	if _, err := s.DevSpaces.RecordSpaceUse(f.dev, sp.ID, f.open.ID, pubdata.SpaceUseAnonymise, nil); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("a use after the end: %v", err)
	}
	// A pending space refuses work too.
	s.SetNow(appNow)
	p, err := s.DevSpaces.ApplyForSpace(f.dev, devApplication(f.open.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DevSpaces.RecordSpaceUse(f.dev, p.ID, f.open.ID, pubdata.SpaceUseAnonymise, nil); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("a use of a pending space: %v", err)
	}
	if n := len(events(t, s, "devspace:"+sp.ID, "devspace.use")); n != 2 {
		t.Fatalf("%d uses recorded, want 2", n)
	}
}

func testDevSpaceSchedule(t *testing.T, s *Store) {
	f := devSetup(t, s)
	sp := approvedSpace(t, s, f, false) // first report due 2026-10-30
	if r, n, err := s.DevSpaces.RunSchedule(context.Background(), appNow); err != nil || r != 0 || n != 0 {
		t.Fatalf("nothing due yet: %d %d %v", r, n, err)
	}
	remind := time.Date(2026, 10, 24, 2, 0, 0, 0, time.UTC) // six days before
	s.SetNow(remind)
	if r, n, err := s.DevSpaces.RunSchedule(context.Background(), remind); err != nil || r != 1 || n != 0 {
		t.Fatalf("the reminder: %d %d %v", r, n, err)
	}
	if r, _, _ := s.DevSpaces.RunSchedule(context.Background(), remind); r != 0 {
		t.Fatal("reminded twice for one due date")
	}
	if ns, _, _, _ := s.Notifications.FindNotifications(f.dev, false, 0, ""); len(ns) == 0 || ns[0].Key != pubdata.NoticeSpaceReportDue {
		t.Fatalf("the developer's reminder: %+v", ns)
	}
	// Due 10-30, grace 5 days: still approved on 11-04, suspended on 11-05.
	for _, c := range []struct {
		day       time.Time
		suspended int
	}{{time.Date(2026, 11, 4, 2, 0, 0, 0, time.UTC), 0}, {time.Date(2026, 11, 5, 2, 0, 0, 0, time.UTC), 1}} {
		s.SetNow(c.day)
		if _, n, err := s.DevSpaces.RunSchedule(context.Background(), c.day); err != nil || n != c.suspended {
			t.Fatalf("%s: suspended %d, want %d (%v)", c.day, n, c.suspended, err)
		}
	}
	got, err := s.DevSpaces.Space(system, sp.ID)
	if err != nil || got.Status != pubdata.SpaceSuspended || got.StatusBy != "" {
		t.Fatalf("after the overdue report: %v %+v", err, got)
	}
	evs := events(t, s, "devspace:"+sp.ID, "devspace.suspend")
	if len(evs) != 1 || evs[0].Actor != "" || evs[0].Details["overdue"] != "2026-10-30" {
		t.Fatalf("the suspension's record: %+v", evs)
	}
	if _, err := s.DevSpaces.RecordSpaceUse(f.dev, sp.ID, f.open.ID, pubdata.SpaceUseAnonymise, nil); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("a use after the suspension: %v", err)
	}
	// The developer files the late report (others may not); the authority reinstates.
	if _, err := s.DevSpaces.FileSpaceReport(f.other, sp.ID, "x", ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("another files the report: %v", err)
	}
	rep, err := s.DevSpaces.FileSpaceReport(f.dev, sp.ID, "本月运行匿名化2次", "企业画像表1份")
	if err != nil || rep.Due != "2026-10-30" || !rep.Late {
		t.Fatalf("the late report: %v %+v", err, rep)
	}
	if sp, err = s.DevSpaces.ReinstateSpace(f.authority, sp.ID, "已补交报告"); err != nil || sp.NextDue != "2026-11-30" || sp.Status != pubdata.SpaceApproved {
		t.Fatalf("reinstated: %v %+v", err, sp)
	}
	if reps, err := s.DevSpaces.SpaceReports(system, sp.ID); err != nil || len(reps) != 1 || reps[0].Usage != "本月运行匿名化2次" {
		t.Fatalf("reports: %v %+v", err, reps)
	}
	// The schedule leaves a suspended space alone and the final report ends it.
	if pubdata.NextReportDue(sp, "2027-03-30") != "2027-04-30" || pubdata.NextReportDue(sp, "2027-03-31") != "" {
		t.Fatal("the final report's due date")
	}
}

func testDevSpaceProducts(t *testing.T, s *Store) {
	f := devSetup(t, s)
	sp := approvedSpace(t, s, f, false)
	cfg := pubdata.SpaceRunConfig{K: 5, SuppressionLimit: 0.01, QuasiIdentifiers: []pubdata.ProductHierarchy{{Column: "founded", Spec: "date"}, {Column: "staff", Spec: "number:10"}},
		Sensitive: []pubdata.ProductSensitive{{Column: "capital", L: 2, LKind: "distinct"}}}
	cj, _ := json.Marshal(cfg)
	rep := `{"rows":100,"released":99,"suppressed":1,"levels":{"founded":2,"staff":1},"heights":{"founded":4,"staff":5},"metric":"loss","loss":0.31,"loss_lower_bound":0.3,"prosecutor":{"highest":0.2,"average":0.05},"criteria":["5-anonymity"]}`
	run := &pubdata.DevSpaceRun{SpaceID: sp.ID, EntryID: f.open.ID, Kind: pubdata.SpaceUseAnonymise, Config: cj, Report: json.RawMessage(rep),
		Blob: "ab12", SHA256: "ab12", SM3: "cd34", Size: 2048, Rows: 99, EntryVersion: 1, BatchID: "batch-1", AsOf: appNow}
	if _, err := s.DevSpaces.AddSpaceRun(f.other, run); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("another's run: %v", err)
	}
	run, err := s.DevSpaces.AddSpaceRun(f.dev, run)
	if err != nil {
		t.Fatal(err)
	}
	if runs, err := s.DevSpaces.SpaceRuns(system, sp.ID); err != nil || len(runs) != 1 || runs[0].Blob != "ab12" || runs[0].BatchID != "batch-1" {
		t.Fatalf("runs: %v %+v", err, runs)
	}
	// The completed run is the space's one use (the refused one above counts none).
	if got, err := s.DevSpaces.Space(system, sp.ID); err != nil || got.Uses != 1 {
		t.Fatalf("uses after one run: %v %+v", err, got)
	}
	if evs := events(t, s, "devspace:"+sp.ID, "devspace.use"); len(evs) != 1 || evs[0].Details["run"] != run.ID || evs[0].Details["use"] != "anonymise" {
		t.Fatalf("the run's use: %+v", evs)
	}
	// A refused request is recorded as a refusal and counts no use.
	refusal := pubdata.Errorf(pubdata.EINVALID, "The anonymisation cannot run: k 0 is not between 1 and 1000.")
	if err := s.DevSpaces.RecordSpaceRefusal(f.dev, sp.ID, f.open.ID, pubdata.SpaceUseAnonymise, refusal); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DevSpaces.Space(system, sp.ID); err != nil || got.Uses != 1 {
		t.Fatalf("uses after a refusal: %v %+v", err, got)
	}
	if evs := events(t, s, "devspace:"+sp.ID, "devspace.use_refused"); len(evs) != 1 || evs[0].Actor != "dev-editor" || evs[0].Details["code"] != pubdata.EINVALID ||
		evs[0].Details["use"] != "anonymise" || evs[0].Details["entry"] != f.open.ID {
		t.Fatalf("the refusal's record: %+v", evs)
	}
	if n := len(events(t, s, "devspace:"+sp.ID, "devspace.use")); n != 1 {
		t.Fatalf("%d uses recorded after a refusal, want 1", n)
	}
	reg := &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "福州企业画像（匿名化）", Kind: pubdata.ProductTable, RunID: run.ID}
	if _, err := s.Products.CreateProduct(f.other, reg, "福建省公共数据开发平台"); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("another registers: %v", err)
	}
	p, err := s.Products.CreateProduct(f.dev, reg, "福建省公共数据开发平台")
	if err != nil {
		t.Fatal(err)
	}
	if p.OrgID != "fz-dev" || p.SpaceID != sp.ID || p.ContentRef != "ab12" || p.ContentRows != 99 || p.ContentFormat != "CSV" ||
		len(p.QuasiIdentifiers) != 2 || p.QuasiIdentifiers[0] != "founded" || len(p.Sensitive) != 1 || p.Sensitive[0] != "capital" {
		t.Fatalf("the table product: %+v", p)
	}
	if len(p.Sources) != 1 || p.Sources[0].EntryID != f.open.ID || p.Sources[0].Version != 1 || p.Sources[0].BatchID != "batch-1" || p.Sources[0].Provider != "fz-scj" {
		t.Fatalf("its sources: %+v", p.Sources)
	}
	an := p.Processing.Anonymisation
	if an == nil || an.K != 5 || len(an.Hierarchies) != 2 || an.Hierarchies[0].Level != 2 || an.Hierarchies[1].Spec != "number:10" || an.Suppressed != 1 || an.ProsecutorRisk != 0.2 {
		t.Fatalf("its processing: %+v", an)
	}
	if p.Label.AcquiredOn != "2026-09-30" || p.Label.Source == "" {
		t.Fatalf("its label: %+v", p.Label)
	}
	got, err := s.Products.Product(system, p.ID)
	if err != nil || got.Label != p.Label || len(got.Sources) != 1 || got.Sources[0].AsOf.Unix() != appNow.Unix() || got.Processing.Anonymisation.Loss != 0.31 {
		t.Fatalf("read back: %v %+v", err, got)
	}
	// A model output from both entries; a table needs a run of this space.
	m, err := s.Products.CreateProduct(f.dev, &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "信用评分模型输出", Kind: pubdata.ProductModelOutput,
		Entries: []string{f.open.ID, f.cond.ID}, Processing: pubdata.ProductProcessing{Notes: "逻辑回归", Aggregates: []pubdata.ProductAggregate{{Entry: f.open.ID, Measures: []string{"count"}, Epsilon: 0.5}}}}, "")
	if err != nil || len(m.Sources) != 2 || m.Processing.Notes != "逻辑回归" || len(m.QuasiIdentifiers) != 0 {
		t.Fatalf("a model output: %v %+v", err, m)
	}
	if _, err := s.Products.CreateProduct(f.dev, &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "x", Kind: pubdata.ProductTable, RunID: "nope"}, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("a run of nothing: %v", err)
	}
	for name, flt := range map[string]pubdata.ProductFilter{"space": {SpaceID: sp.ID}, "org": {OrgID: "fz-dev"}, "entry": {Entry: f.open.ID}} {
		if l, err := s.Products.Products(system, flt); err != nil || len(l) != 2 || l[0].ID != m.ID {
			t.Fatalf("products by %s: %v %+v", name, err, l)
		}
	}
	if l, _ := s.Products.Products(system, pubdata.ProductFilter{Entry: f.cond.ID}); len(l) != 1 || l[0].ID != m.ID {
		t.Fatalf("products of the conditional entry: %+v", l)
	}
	if evs := events(t, s, "product:"+p.ID, "product.register"); len(evs) != 1 || evs[0].Details["space"] != sp.ID {
		t.Fatalf("the registration's record: %+v", evs)
	}
	// Every kind can be registered so that the trade gate can decide it (issue 16): an API
	// serving a run's table keeps the run's table and quasi-identifiers; a file table names
	// its columns; a model output names the run of the data it was derived from and declares
	// aggregates only — and cannot claim an anonymisation the store did not see.
	api, err := s.Products.CreateProduct(f.dev, &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "企业画像查询接口", Kind: pubdata.ProductAPI, RunID: run.ID,
		AccessURL: "https://api.example.cn/portrait"}, "")
	if err != nil || api.ContentRef != "ab12" || len(api.QuasiIdentifiers) != 2 || api.Processing.Anonymisation == nil || pubdata.GateBasisOf(api) != pubdata.GateContent {
		t.Fatalf("an API serving a run's table: %v %+v", err, api)
	}
	file, err := s.Products.CreateProduct(f.dev, &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "区县企业统计表", Kind: pubdata.ProductFile, Entries: []string{f.open.ID},
		QuasiIdentifiers: []string{"district", " district"}, Sensitive: []string{"capital"}, ContentRows: 3,
		Content: &pubdata.FileBlob{Key: "ef56", SHA256: "ef56", SM3: "gh78", Size: 64, Format: "CSV", MediaType: "text/csv", FileName: "stats.csv"}}, "")
	if err != nil || file.ContentRef != "ef56" || file.ContentRows != 3 || len(file.QuasiIdentifiers) != 1 || file.QuasiIdentifiers[0] != "district" ||
		len(file.Sensitive) != 1 || pubdata.GateBasisOf(file) != pubdata.GateContent {
		t.Fatalf("a file table: %v %+v", err, file)
	}
	forged := &pubdata.ProductAnonymisation{Run: "forged", K: 100}
	model, err := s.Products.CreateProduct(f.dev, &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "信用评分（汇总）", Kind: pubdata.ProductModelOutput, Entries: []string{f.cond.ID},
		DerivedFrom: run.ID, Declaration: &pubdata.ProductDeclaration{AggregateOnly: true, MinGroupSize: 10, Statement: "只输出区县级汇总"},
		Processing: pubdata.ProductProcessing{Anonymisation: forged, DerivedFrom: forged}}, "")
	if err != nil || model.Processing.Anonymisation != nil || model.Processing.DerivedFrom == nil || model.Processing.DerivedFrom.Run != run.ID ||
		model.Processing.DerivedFrom.ProsecutorRisk != 0.2 || model.Processing.Declaration == nil || model.Processing.Declaration.MinGroupSize != 10 ||
		len(model.Sources) != 2 || pubdata.GateBasisOf(model) != pubdata.GateDeclared {
		t.Fatalf("a declared model output: %v %+v", err, model)
	}
	if got, err := s.Products.Product(system, model.ID); err != nil || got.Processing.DerivedFrom == nil || got.Processing.Declaration == nil || got.Processing.Declaration.Statement != "只输出区县级汇总" {
		t.Fatalf("the model output read back: %v %+v", err, got)
	}
	if evs := events(t, s, "product:"+model.ID, "product.register"); len(evs) != 1 || evs[0].Details["derived_from"] != run.ID || evs[0].Details["declaration"] == nil {
		t.Fatalf("the model output's record: %+v", evs)
	}
	for name, r := range map[string]*pubdata.ProductRegistration{
		"derived_from an unknown run": {SpaceID: sp.ID, Title: "x", Kind: pubdata.ProductModelOutput, Entries: []string{f.open.ID}, DerivedFrom: "nope"},
		"a table with derived_from":   {SpaceID: sp.ID, Title: "x", Kind: pubdata.ProductTable, RunID: run.ID, DerivedFrom: run.ID},
		"a group size of 0":           {SpaceID: sp.ID, Title: "x", Kind: pubdata.ProductModelOutput, Entries: []string{f.open.ID}, Declaration: &pubdata.ProductDeclaration{AggregateOnly: true}},
		"columns of a model output":   {SpaceID: sp.ID, Title: "x", Kind: pubdata.ProductModelOutput, Entries: []string{f.open.ID}, QuasiIdentifiers: []string{"age"}},
	} {
		if _, err := s.Products.CreateProduct(f.dev, r, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Not once the space is suspended.
	if _, err := s.DevSpaces.SuspendSpace(f.authority, sp.ID, "暂停"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Products.CreateProduct(f.dev, reg, ""); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("registered in a suspended space: %v", err)
	}
}

func testDevSpaceOperators(t *testing.T, s *Store) {
	f := devSetup(t, s)
	if err := s.DevSpaces.DesignateOperator(f.cityAuth, "fz-dev"); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("a city reviewer designates: %v", err)
	}
	if err := s.DevSpaces.DesignateOperator(f.authority, "fz-dsj"); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("an authority as operator: %v", err)
	}
	mustOrg(t, s, "fj-dg", "福建省大数据集团", pubdata.KindCompany, "350000", "")
	if err := s.DevSpaces.DesignateOperator(f.authority, "fj-dg"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.DevSpaces.IsOperator(system, "fj-dg"); err != nil || !ok {
		t.Fatalf("IsOperator: %v %v", ok, err)
	}
	if l, _ := s.DevSpaces.Operators(system); len(l) != 1 || l[0] != "fj-dg" {
		t.Fatalf("operators: %v", l)
	}
	if evs := events(t, s, "org:fj-dg", "devspace.operator"); len(evs) != 1 {
		t.Fatalf("the designation's record: %+v", evs)
	}
	// The operator's admin closes a space; the developer cannot; nothing works in it after.
	dg, _ := s.Orgs.FindOrgByCode(system, "fj-dg")
	op := as(&pubdata.Actor{User: mustUser(t, s, "dg-admin", "fj-dg", pubdata.RoleAdmin), Org: dg}, "r-dg")
	sp := approvedSpace(t, s, f, false)
	if _, err := s.DevSpaces.CloseSpace(f.dev, sp.ID, "结束"); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("the developer closes: %v", err)
	}
	got, err := s.DevSpaces.CloseSpace(op, sp.ID, "项目结束")
	if err != nil || got.Status != pubdata.SpaceClosed || got.NextDue != "" {
		t.Fatalf("the operator closes: %v %+v", err, got)
	}
	if _, err := s.DevSpaces.RecordSpaceUse(f.dev, sp.ID, f.open.ID, pubdata.SpaceUseAnonymise, nil); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("a use of a closed space: %v", err)
	}
	if evs := events(t, s, "devspace:"+sp.ID, "devspace.close"); len(evs) != 1 || evs[0].Actor != "dg-admin" {
		t.Fatalf("the closing's record: %+v", evs)
	}
	if err := s.DevSpaces.RemoveOperator(f.authority, "fj-dg"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.DevSpaces.IsOperator(system, "fj-dg"); ok {
		t.Fatal("still an operator")
	}
}
