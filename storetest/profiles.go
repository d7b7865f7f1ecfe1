package storetest

import (
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/workday"
)

// Regions as profiles (issue 17 item 5, profile.go): division rules are stored, recorded
// and applied to the applications on the entries of the divisions they cover; a profile's
// reply days and negative-list regime apply to applications.
var profileTests = []namedTest{
	{"DivisionRules", testDivisionRules},
	{"ProfileApplications", testProfileApplications},
}

// dueIn is the due date of an application received at appNow in n working days.
func dueIn(n int) string {
	return pubdata.Today(workday.Default().AddWorkdays(appNow, n))
}

func needProfiles(t *testing.T, s *Store) {
	t.Helper()
	if s.DivisionRules == nil || s.ApplicationsUnder == nil {
		t.Fatal("the store under test must provide DivisionRules and ApplicationsUnder (storetest.Store)")
	}
}

func testDivisionRules(t *testing.T, s *Store) {
	needProfiles(t, s)
	fx := appSetup(t, s) // the entry is Fuzhou's (350100)
	admin := fx.provAuth
	rules, err := s.DivisionRules.FindDivisionRules(system)
	if err != nil || len(rules) != 0 {
		t.Fatalf("rules at start %v %v", rules, err)
	}
	_, err = s.DivisionRules.SetDivisionRule(admin, &pubdata.DivisionRule{Division: "3501", ShareReplyDays: 3, Basis: "x"})
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.DivisionRules.SetDivisionRule(admin, &pubdata.DivisionRule{Division: "350100", Basis: "x"})
	wantCode(t, err, pubdata.EINVALID)

	r, err := s.DivisionRules.SetDivisionRule(admin, &pubdata.DivisionRule{Division: "350100", ShareReplyDays: 5, OpenReplyDays: 7, Basis: "福州市公共数据管理办法 第十条"})
	if err != nil || r.UpdatedBy == "" || r.UpdatedAt.IsZero() {
		t.Fatalf("set %+v %v", r, err)
	}
	if evs := eventsOf(t, s, "division_rule.set", "division:350100"); len(evs) != 1 {
		t.Fatalf("division_rule.set events %d", len(evs))
	}
	// Fuzhou's entry: the share application is due in Fuzhou's 5 days, not the default 2.
	app := mustApply(t, s, fx.applicant, fx.entry, shareApp(fx.entry))
	if app.Due != dueIn(5) {
		t.Fatalf("share due %s, want %s (Fuzhou's five days)", app.Due, dueIn(5))
	}
	evs := eventsOf(t, s, "application.create", "application:"+app.ID)
	if len(evs) != 1 {
		t.Fatal("no application.create event")
	}
	if rule, _ := evs[0].Details["due_rule"].(map[string]any); rule == nil || rule["source"] != pubdata.ReplyFromDivision || rule["division"] != "350100" {
		t.Fatalf("due_rule recorded %v", evs[0].Details["due_rule"])
	}
	// Replacing keeps one rule and records what it was.
	if _, err := s.DivisionRules.SetDivisionRule(admin, &pubdata.DivisionRule{Division: "350100", ShareReplyDays: 4, Basis: "修订"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DivisionRules.SetDivisionRule(admin, &pubdata.DivisionRule{Division: "350000", ShareReplyDays: 9, Basis: "省"}); err != nil {
		t.Fatal(err)
	}
	rules, _ = s.DivisionRules.FindDivisionRules(system)
	if len(rules) != 2 || rules[0].Division != "350000" || rules[1].Division != "350100" || rules[1].ShareReplyDays != 4 || rules[1].OpenReplyDays != 0 {
		t.Fatalf("rules %+v", rules)
	}
	evs = eventsOf(t, s, "division_rule.set", "division:350100")
	if len(evs) != 2 {
		t.Fatalf("events %d", len(evs))
	}
	// The most specific covering rule applies: Fuzhou's 4 over the province's 9.
	c := shareApp(fx.entry)
	c.Purpose = "第二次"
	if app := mustApply(t, s, fx.gatAdmin, fx.entry, c); app.Due != dueIn(4) {
		t.Fatalf("due %s, want %s", app.Due, dueIn(4))
	}
	if err := s.DivisionRules.RemoveDivisionRule(admin, "350100"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DivisionRules.RemoveDivisionRule(admin, "350100"), pubdata.ENOTFOUND)
	if evs := eventsOf(t, s, "division_rule.remove", "division:350100"); len(evs) != 1 {
		t.Fatal("no division_rule.remove event")
	}
	// Now the province's rule covers Fuzhou.
	c.Purpose = "第三次"
	strangerCtx := actorCtx(t, s, "gat-other", "fj-gat", pubdata.RoleMember)
	if app := mustApply(t, s, strangerCtx, fx.entry, c); app.Due != dueIn(9) {
		t.Fatalf("due %s, want %s (the province's rule)", app.Due, dueIn(9))
	}
}

func testProfileApplications(t *testing.T, s *Store) {
	needProfiles(t, s)
	fx := appSetup(t, s)
	tj, err := pubdata.LookupProfile("tianjin")
	if err != nil {
		t.Fatal(err)
	}
	apps := s.ApplicationsUnder(tj)
	open := &pubdata.ApplicationCreate{Entry: fx.entry.ID, Kind: pubdata.KindOpen, Items: []string{"uscc", "name"}, Purpose: "研究", Basis: "学术研究需要", Until: "2027-03-31", AcceptTerms: true}
	app, err := apps.CreateApplication(fx.citizenCx, fx.entry, open)
	if err != nil {
		t.Fatal(err)
	}
	if app.Due != dueIn(2) {
		t.Fatalf("tianjin open due %s, want %s (TJ23: two working days)", app.Due, dueIn(2))
	}
	evs := eventsOf(t, s, "application.create", "application:"+app.ID)
	if rule, _ := evs[0].Details["due_rule"].(map[string]any); rule == nil || rule["article"] != "TJ23" {
		t.Fatalf("due_rule %v", evs[0].Details["due_rule"])
	}
	// Under Fujian's rules the authority answers open applications (FJ15): the covering
	// authority is told of a new one.
	fj, _ := pubdata.LookupProfile("fujian")
	open.Purpose = "福建"
	before, _ := notices(t, s, fx.cityAuth)
	if _, err := s.ApplicationsUnder(fj).CreateApplication(fx.citizenCx, fx.entry, open); err != nil {
		t.Fatal(err)
	}
	if after, _ := notices(t, s, fx.cityAuth); len(after) != len(before)+1 {
		t.Fatalf("the authority has %d notices, had %d", len(after), len(before))
	}
	jl, _ := pubdata.LookupProfile("jilin")
	open.Purpose = "再次"
	if app, err := s.ApplicationsUnder(jl).CreateApplication(fx.citizenCx, fx.entry, open); err != nil || app.Due != dueIn(10) {
		t.Fatalf("jilin open due %v %v, want %s (JL23: ten working days)", app, err, dueIn(10))
	}
	// The negative list: a not-open entry takes a major-interest application under Shanxi's
	// rules, none under Tianjin's.
	f := companyFields()
	f.Title = "不予开放的登记信息"
	f.ShareClass, f.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
	f.OpenClass, f.OpenBasis = pubdata.ClassNone, "涉及商业秘密"
	closed := publish(t, s, fx.provEd, fx.provAuth, "fz-scj", f)
	pub, err := s.Entries.FindPublishedEntry(system, closed.ID)
	if err != nil {
		t.Fatal(err)
	}
	major := &pubdata.ApplicationCreate{Entry: pub.ID, Kind: pubdata.KindOpen, Items: []string{"uscc"}, Purpose: "查询本企业登记信息", Basis: "本企业信息",
		Until: "2027-03-31", MajorInterest: "本企业的登记信息", AcceptTerms: true}
	_, err = apps.CreateApplication(fx.citizenCx, pub, major)
	wantCode(t, err, pubdata.EINVALID)
	sx, _ := pubdata.LookupProfile("shanxi")
	if _, err := s.ApplicationsUnder(sx).CreateApplication(fx.citizenCx, pub, major); err != nil {
		t.Fatalf("shanxi refuses a major-interest application: %v", err)
	}
}
