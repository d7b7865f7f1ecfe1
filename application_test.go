package pubdata

import (
	"testing"
	"time"
)

func appEntry() *Entry {
	return &Entry{ID: "e1", Org: "prov", Version: 1, Status: StatusPublished, EntryFields: EntryFields{
		Title: "企业登记", Division: "350100", ShareClass: ClassConditional, OpenClass: ClassConditional, Format: FormatTable,
		Items: []Item{{Name: "uscc", Type: "string", Key: true}, {Name: "name", Type: "string"}, {Name: "year", Type: "integer"}},
	}}
}

func actorOf(username, org string, kind OrgKind, role Role) *Actor {
	a := &Actor{User: &User{Username: username, OrgCode: org, Role: role}}
	if org != "" {
		a.Org = &Org{Code: org, Kind: kind, Division: "350100"}
	}
	return a
}

func TestValidateApplicationCreate(t *testing.T) {
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, ChinaTime)
	body := actorOf("u", "other", KindPublicBody, RoleMember)
	citizen := actorOf("c", "", "", "")
	company := actorOf("co", "acme", KindCompany, RoleAdmin)
	ok := func() *ApplicationCreate {
		return &ApplicationCreate{Entry: "e1", Kind: KindShare, Items: []string{" uscc", "uscc", "name"}, Purpose: " 审批 ", Basis: "条例", Until: "2027-03-31"}
	}
	c := ok()
	if err := ValidateApplicationCreate(body, appEntry(), c, now); err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 2 || c.Purpose != "审批" {
		t.Fatalf("not normalised: %+v", c)
	}
	open := ok()
	open.Kind = KindOpen
	for _, a := range []*Actor{citizen, company} {
		if err := ValidateApplicationCreate(a, appEntry(), open, now); err != nil {
			t.Fatalf("%s open: %v", a.Username(), err)
		}
	}
	notPublished := appEntry()
	notPublished.Version = 0
	noShare := appEntry()
	noShare.ShareClass = ClassNone
	cases := []struct {
		name  string
		a     *Actor
		e     *Entry
		edit  func(*ApplicationCreate)
		field string
	}{
		{"no entry", body, nil, func(c *ApplicationCreate) {}, "entry"},
		{"unpublished", body, notPublished, func(c *ApplicationCreate) {}, "entry"},
		{"own entry", actorOf("p", "prov", KindPublicBody, RoleAdmin), appEntry(), func(c *ApplicationCreate) {}, "entry"},
		{"citizen shares", citizen, appEntry(), func(c *ApplicationCreate) {}, "kind"},
		{"company shares", company, appEntry(), func(c *ApplicationCreate) {}, "kind"},
		{"body opens", body, appEntry(), func(c *ApplicationCreate) { c.Kind = KindOpen }, "kind"},
		{"not shared", body, noShare, func(c *ApplicationCreate) {}, "kind"},
		{"bad kind", body, appEntry(), func(c *ApplicationCreate) { c.Kind = "x" }, "kind"},
		{"unknown item", body, appEntry(), func(c *ApplicationCreate) { c.Items = []string{"nope"} }, "items"},
		{"no purpose", body, appEntry(), func(c *ApplicationCreate) { c.Purpose = " " }, "purpose"},
		{"no basis", body, appEntry(), func(c *ApplicationCreate) { c.Basis = "" }, "basis"},
		{"no until", body, appEntry(), func(c *ApplicationCreate) { c.Until = "" }, "until"},
		{"until today", body, appEntry(), func(c *ApplicationCreate) { c.Until = "2026-09-30" }, "until"},
		{"until too far", body, appEntry(), func(c *ApplicationCreate) { c.Until = "2027-10-01" }, "until"},
		{"until not a date", body, appEntry(), func(c *ApplicationCreate) { c.Until = "2027-02-30" }, "until"},
	}
	for _, tc := range cases {
		c := ok()
		tc.edit(c)
		err := ValidateApplicationCreate(tc.a, tc.e, c, now)
		if ErrorCode(err) != EINVALID || ErrorFields(err)[tc.field] == nil {
			t.Errorf("%s: got %v, want a problem with field %s", tc.name, err, tc.field)
		}
	}
	if err := ValidateApplicationCreate(&Actor{}, appEntry(), ok(), now); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("anonymous: %v", err)
	}
}

func TestValidateApplicationDecision(t *testing.T) {
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, ChinaTime)
	app := &Application{ID: "a1", Kind: KindShare, Entry: "e1", Items: []string{"uscc", "name"}, Purpose: "审批", Until: "2027-03-31", Applicant: "u", ApplicantOrg: "other"}
	good := []*ApplicationDecision{
		{Decision: "approve"},
		{Decision: "approve", Items: []string{"uscc"}, ClearItems: []string{"uscc"}, RowFilter: "year__gte=2020", Until: "2027-01-01"},
		{Decision: "reject", Reason: "不符合", Basis: "条例第十条"},
	}
	for _, d := range good {
		if err := ValidateApplicationDecision(appEntry(), app, d, now); err != nil {
			t.Errorf("%+v: %v", d, err)
		}
	}
	bad := []struct {
		d     ApplicationDecision
		field string
	}{
		{ApplicationDecision{}, "decision"},
		{ApplicationDecision{Decision: "maybe"}, "decision"},
		{ApplicationDecision{Decision: "reject", Basis: "x"}, "reason"},
		{ApplicationDecision{Decision: "reject", Reason: "x"}, "basis"},
		{ApplicationDecision{Decision: "approve", Items: []string{"nope"}}, "items"},
		{ApplicationDecision{Decision: "approve", ClearItems: []string{"year"}}, "clear_items"},
		{ApplicationDecision{Decision: "approve", Items: []string{"uscc"}, ClearItems: []string{"name"}}, "clear_items"},
		{ApplicationDecision{Decision: "approve", RowFilter: "nope=1"}, "row_filter"},
		{ApplicationDecision{Decision: "approve", RowFilter: "_limit=1"}, "row_filter"},
		{ApplicationDecision{Decision: "approve", RowFilter: "year=abc"}, "row_filter"},
		{ApplicationDecision{Decision: "approve", Until: "2027-04-01"}, "until"},
		{ApplicationDecision{Decision: "approve", Until: "2026-09-29"}, "until"},
	}
	for _, tc := range bad {
		d := tc.d
		err := ValidateApplicationDecision(appEntry(), app, &d, now)
		if ErrorFields(err)[tc.field] == nil {
			t.Errorf("%+v: got %v, want a problem with field %s", tc.d, err, tc.field)
		}
	}
}

func TestGrantOfApproval(t *testing.T) {
	app := &Application{ID: "a1", Kind: KindShare, Entry: "e1", Items: []string{"uscc"}, Purpose: "审批", Until: "2027-03-31", Applicant: "u", ApplicantOrg: "other"}
	g, err := GrantOfApproval(app, &ApplicationDecision{Decision: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2027, 4, 1, 0, 0, 0, 0, ChinaTime)
	if g.Consumer != "other" || g.ConsumerUser != "" || !g.Expires.Equal(want) || g.Purpose != "审批" || len(g.Items) != 1 {
		t.Fatalf("share grant: %+v", g)
	}
	app.Kind, app.ApplicantOrg = KindOpen, ""
	g, _ = GrantOfApproval(app, &ApplicationDecision{Decision: "approve", Until: "2027-01-01", Purpose: "研究"})
	if g.ConsumerUser != "u" || g.Consumer != "" || g.Purpose != "研究" || !g.Expires.Equal(time.Date(2027, 1, 2, 0, 0, 0, 0, ChinaTime)) {
		t.Fatalf("open grant: %+v", g)
	}
	if !g.Holds(actorOf("u", "", "", "")) || g.Holds(actorOf("v", "", "", "")) {
		t.Fatal("holder")
	}
}

func TestNewNotification(t *testing.T) {
	n := NewNotification(NoticeApplicationNew, map[string]string{"applicant": "福州市公安局", "entry": "企业登记", "due": "2026-10-09"}, "/console/applications/a1", "application:a1")
	if n.Key != NoticeApplicationNew || n.Params["due"] != "2026-10-09" || n.Link != "/console/applications/a1" || n.Object != "application:a1" {
		t.Fatalf("%+v", n)
	}
}
