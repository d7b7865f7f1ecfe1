package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/pubdata/pubdata"
)

// Issue 15: discovery of personal data (item 3), security officers and protection levels
// (item 6).
var gradingTests = []namedTest{
	{"DiscoveryLoad", testDiscoveryLoad},
	{"DiscoveryOpenEntry", testDiscoveryOpenEntry},
	{"DiscoverEntry", testDiscoverEntry},
	{"SecurityOfficer", testSecurityOfficer},
	{"ProtectionLevels", testProtectionLevels},
}

func gradingSetup(t *testing.T, s *Store) (editor, reviewer context.Context) {
	t.Helper()
	if s.Discoveries == nil || s.Officers == nil {
		t.Fatal("the store under test must provide its discoveries and security officers (storetest.Store)")
	}
	return complianceSetup(t, s)
}

// personalFields is a table entry with two free-text columns no definition marks personal.
func personalFields(open string) *pubdata.EntryFields {
	f := fields("行政许可信息", "许可决定", pubdata.ClassUnconditional, open)
	f.Items = append(f.Items, pubdata.Item{Name: "remark", Title: "备注", Type: "string", Grade: 1},
		pubdata.Item{Name: "account", Title: "结算账户", Type: "string", Grade: 1})
	return f
}

func discoveries(t *testing.T, s *Store, f pubdata.DiscoveryFilter) []*pubdata.Discovery {
	t.Helper()
	list, err := s.Discoveries.FindDiscoveries(system, f)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// testDiscoveryLoad: a load of resident ID numbers into an unmarked column is a discovery
// (kind, counts, suggested grade, the batch), notified to the provider and the authority
// and recorded; a later load raises it once; accepting marks the item personal at the
// suggested grade in the working copy, recorded as an edit.
func testDiscoveryLoad(t *testing.T, s *Store) {
	editor, reviewer := gradingSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personalFields(pubdata.ClassNone))
	p, _ := s.Entries.FindPublishedEntry(system, e.ID)
	load(t, s, editor, p, pubdata.LoadOptions{}, row(2, uA, "无", ""))
	if list := discoveries(t, s, pubdata.DiscoveryFilter{Entry: e.ID}); len(list) != 0 {
		t.Fatalf("discoveries in plain text: %+v", list[0])
	}
	var rs []*pubdata.SourceRow
	for i, r := range ids(3) {
		rs = append(rs, row(r.Num, r.Values[0], r.Values[1], []string{"4111111111111111", "6222021234567890128", "5500005555555559"}[i]))
	}
	b := load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, rs...)
	list := discoveries(t, s, pubdata.DiscoveryFilter{Entry: e.ID})
	if len(list) != 2 {
		t.Fatalf("discoveries %d", len(list))
	}
	byItem := map[string]*pubdata.Discovery{}
	for _, d := range list {
		byItem[d.Item] = d
	}
	d := byItem["remark"]
	if d == nil || d.Kind != pubdata.PersonalResidentID || d.Matched != 3 || d.Sampled != 3 || d.Grade != 4 || d.Source != pubdata.DiscoveredByLoad ||
		d.Batch != b.ID || d.Status != pubdata.DiscoveryOpen || d.Withheld || d.Org != "fz-scj" || d.Division != "350100" || d.Title != e.Title {
		t.Fatalf("remark %+v", d)
	}
	if c := byItem["account"]; c == nil || c.Kind != pubdata.PersonalBankCard || c.Matched != 3 {
		t.Fatalf("account %+v", c)
	}
	if got, _ := s.Data.Withheld(system, e.ID); len(got) != 0 {
		t.Fatalf("an entry not open withheld %q", got)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.discover", Object: "entry:" + e.ID})
	if len(evs) != 1 || evs[0].Org != "fz-scj" {
		t.Fatalf("record %+v", evs)
	}
	cityReviewer := actorCtx(t, s, "fzdsj-reviewer", "fz-dsj", pubdata.RoleReviewer)
	for _, ctx := range []context.Context{editor, cityReviewer} {
		got, _ := notices(t, s, ctx)
		if !slices.ContainsFunc(got, func(n *pubdata.Notification) bool {
			return n.Key == pubdata.NoticeDiscoveryFound && n.Params["items"] == "remark, account"
		}) {
			t.Fatal("no notice")
		}
	}
	if got := discoveries(t, s, pubdata.DiscoveryFilter{DivisionPrefix: "3501"}); len(got) != 2 {
		t.Fatalf("the division's %d", len(got))
	}
	if got := discoveries(t, s, pubdata.DiscoveryFilter{DivisionPrefix: "3502"}); len(got) != 0 {
		t.Fatalf("another city's %d", len(got))
	}
	// A second load finds the same: no second discovery.
	load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, rs...)
	if list := discoveries(t, s, pubdata.DiscoveryFilter{Entry: e.ID}); len(list) != 2 {
		t.Fatalf("after a second load %d", len(list))
	}
	// Accepting marks the item in the working copy, a revision for review.
	a, err := s.Discoveries.AcceptDiscovery(editor, d.ID)
	if err != nil || a.Status != pubdata.DiscoveryAccepted || a.DecidedBy != "scj-editor" || a.DecidedAt == nil {
		t.Fatalf("accepted %+v %v", a, err)
	}
	w, _ := s.Entries.FindEntryByID(system, e.ID)
	i := slices.IndexFunc(w.Items, func(it pubdata.Item) bool { return it.Name == "remark" })
	if w.Status != pubdata.StatusDraft || !w.Items[i].Personal || w.Items[i].Grade != 4 || w.Version != 1 {
		t.Fatalf("working copy %+v", w)
	}
	if pub, _ := s.Entries.FindPublishedEntry(system, e.ID); pub.Items[1].Personal {
		t.Fatal("the published version changed before review")
	}
	evs, _, _, _ = s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "entry.edit", Object: "entry:" + e.ID})
	if len(evs) != 1 || evs[0].Details["discovery"] != d.ID {
		t.Fatalf("edit record %+v", evs)
	}
	if _, err := s.Discoveries.AcceptDiscovery(editor, d.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("accept twice: %v", err)
	}
	// The revision goes through review; its diff carries the marks.
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if pub, _ := s.Entries.FindPublishedEntry(system, e.ID); !pub.Items[1].Personal || pub.Items[1].Grade != 4 || pub.Version != 2 {
		t.Fatalf("published %+v", pub.Items)
	}
	if _, err := s.Discoveries.FindDiscovery(system, "nope"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown: %v", err)
	}
}

// testDiscoveryOpenEntry: a discovery in an entry open to the public withholds its column
// from the public in the load's transaction (an opened-data finding); a dismissal needs a
// reason and keeps the same item and kind from being raised again.
func testDiscoveryOpenEntry(t *testing.T, s *Store) {
	editor, reviewer := gradingSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personalFields(pubdata.ClassUnconditional))
	p, _ := s.Entries.FindPublishedEntry(system, e.ID)
	emails := []*pubdata.SourceRow{row(2, uA, "zhang.san@example.com", ""), row(3, uB, "li.si@example.com.cn", ""), row(4, uC, "wang@mail.fz.gov.cn", "")}
	load(t, s, editor, p, pubdata.LoadOptions{}, emails...)
	if got, _ := s.Data.Withheld(system, e.ID); !slices.Equal(got, []string{"remark"}) {
		t.Fatalf("withheld %q", got)
	}
	if got := anonymousColumns(t, s, p); !slices.Equal(got, []string{"uscc", "account"}) {
		t.Fatalf("open read %q", got)
	}
	list := discoveries(t, s, pubdata.DiscoveryFilter{Entry: e.ID})
	if len(list) != 1 || list[0].Kind != pubdata.PersonalEmail || !list[0].Withheld || list[0].Grade != 2 {
		t.Fatalf("discoveries %+v", list)
	}
	fs, _ := s.OpenWatch.FindOpenFindings(system, e.ID)
	if len(fs) != 1 || fs[0].Source != pubdata.WatchByLoad || fs[0].Items[0].Item != "remark" || fs[0].Items[0].Kind != pubdata.PersonalEmail {
		t.Fatalf("opened-data findings %+v", fs)
	}
	d := list[0]
	if _, err := s.Discoveries.DismissDiscovery(reviewer, d.ID, "  "); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("dismiss without a reason: %v", err)
	}
	x, err := s.Discoveries.DismissDiscovery(reviewer, d.ID, "公开的机构联系邮箱")
	if err != nil || x.Status != pubdata.DiscoveryDismissed || x.Reason != "公开的机构联系邮箱" || x.DecidedBy != "dsj-reviewer" {
		t.Fatalf("dismissed %+v %v", x, err)
	}
	if _, err := s.Discoveries.DismissDiscovery(reviewer, d.ID, "again"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("dismiss twice: %v", err)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "discovery.dismiss", Object: "entry:" + e.ID})
	if len(evs) != 1 {
		t.Fatalf("record %+v", evs)
	}
	got, _ := notices(t, s, editor)
	if !slices.ContainsFunc(got, func(n *pubdata.Notification) bool { return n.Key == pubdata.NoticeDiscoveryDismissed }) {
		t.Fatal("no dismissal notice")
	}
	// The column stays withheld until the authority resolves the opened-data finding.
	if got, _ := s.Data.Withheld(system, e.ID); !slices.Equal(got, []string{"remark"}) {
		t.Fatalf("withheld after the dismissal %q", got)
	}
	if _, err := s.OpenWatch.ResolveOpenFinding(reviewer, fs[0].ID, "机构公开邮箱，可以开放"); err != nil {
		t.Fatal(err)
	}
	load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, emails...)
	if list := discoveries(t, s, pubdata.DiscoveryFilter{Entry: e.ID}); len(list) != 1 {
		t.Fatalf("a dismissed discovery raised again: %d", len(list))
	}
	if got, _ := s.Data.Withheld(system, e.ID); len(got) != 0 {
		t.Fatalf("withheld again %q", got)
	}
}

// testDiscoverEntry: the command samples the current rows of an entry (by id or code).
func testDiscoverEntry(t *testing.T, s *Store) {
	editor, reviewer := gradingSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", personalFields(pubdata.ClassNone))
	p, _ := s.Entries.FindPublishedEntry(system, e.ID)
	load(t, s, editor, p, pubdata.LoadOptions{}, row(2, uA, "13800138000", ""), row(3, uB, "13912345678", ""), row(4, uC, "无", ""))
	if err := s.Exec(context.Background(), "DELETE FROM discoveries"); err != nil { // as if loaded before discovery existed
		t.Fatal(err)
	}
	list, err := s.Discoveries.DiscoverEntry(system, e.Code)
	if err != nil || len(list) != 1 || list[0].Kind != pubdata.PersonalMobile || list[0].Source != pubdata.DiscoveredByCommand || list[0].Matched != 2 || list[0].Sampled != 3 {
		t.Fatalf("discover %+v %v", list, err)
	}
	if list, err := s.Discoveries.DiscoverEntry(system, e.ID); err != nil || len(list) != 0 {
		t.Fatalf("again %+v %v", list, err)
	}
	if _, err := s.Discoveries.DiscoverEntry(system, "000000/00000"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown entry: %v", err)
	}
}

func hasFinding(t *testing.T, s *Store, want string) bool {
	t.Helper()
	return slices.Contains(findings(t, s, "350000", appNow), want)
}

// testSecurityOfficer: a unit names one of its users; another unit's user is refused; the
// supervision's finding goes once one is named.
func testSecurityOfficer(t *testing.T, s *Store) {
	editor, _ := gradingSetup(t, s)
	if !hasFinding(t, s, "fz-scj no_security_officer:org:fz-scj") {
		t.Fatal("no finding without an officer")
	}
	_, err := s.Officers.SetSecurityOfficer(editor, "fz-scj", "dsj-reviewer")
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Officers.SetSecurityOfficer(editor, "fz-scj", "nobody")
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Officers.SetSecurityOfficer(editor, "no-such-unit", "scj-editor")
	wantCode(t, err, pubdata.ENOTFOUND)
	o, err := s.Officers.SetSecurityOfficer(editor, "fz-scj", "scj-editor")
	if err != nil || o.SecurityOfficer != "scj-editor" {
		t.Fatalf("set %+v %v", o, err)
	}
	if o, _ := s.Orgs.FindOrgByCode(system, "fz-scj"); o.SecurityOfficer != "scj-editor" {
		t.Fatalf("read back %+v", o)
	}
	if hasFinding(t, s, "fz-scj no_security_officer:org:fz-scj") {
		t.Fatal("finding with an officer")
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "org.security_officer", Object: "org:fz-scj"})
	if len(evs) != 1 || evs[0].Details["to"] != "scj-editor" {
		t.Fatalf("record %+v", evs)
	}
	if o, err := s.Officers.SetSecurityOfficer(editor, "fz-scj", ""); err != nil || o.SecurityOfficer != "" {
		t.Fatalf("cleared %+v %v", o, err)
	}
}

// testProtectionLevels: a system's protection level, filing number and date are kept and
// checked; what is missing is a finding in supervision.
func testProtectionLevels(t *testing.T, s *Store) {
	editor, _ := gradingSetup(t, s)
	sys, err := s.Systems.CreateSystem(editor, &pubdata.InformationSystem{Org: "fz-scj", Name: "市场主体登记系统", Owner: "陈工", Kind: pubdata.SystemFeeds})
	if err != nil {
		t.Fatal(err)
	}
	ref := "fz-scj system_unfiled:system:" + sys.ID
	if !hasFinding(t, s, ref) {
		t.Fatal("no finding for a system without its level")
	}
	for _, bad := range []pubdata.InformationSystem{
		{ProtectionLevel: 6},
		{ProtectionLevel: 1, FilingNumber: "35010099001-20001"},
		{ProtectionLevel: 3, FilingNumber: "35010099001-20001", FiledOn: "2026-02-30"},
		{ProtectionLevel: 3, FilingNumber: "35010099001;20001"},
	} {
		in := *sys
		in.ProtectionLevel, in.FilingNumber, in.FiledOn = bad.ProtectionLevel, bad.FilingNumber, bad.FiledOn
		_, err := s.Systems.UpdateSystem(editor, &in)
		wantCode(t, err, pubdata.EINVALID)
	}
	in := *sys
	in.ProtectionLevel = 3
	if _, err := s.Systems.UpdateSystem(editor, &in); err != nil {
		t.Fatal(err)
	}
	if !hasFinding(t, s, ref) {
		t.Fatal("no finding for a level-3 system not filed")
	}
	in.FilingNumber, in.FiledOn = "35010099001-20001", "2025-06-18"
	if _, err := s.Systems.UpdateSystem(editor, &in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Systems.FindSystemByID(system, sys.ID)
	if err != nil || got.ProtectionLevel != 3 || got.FilingNumber != "35010099001-20001" || got.FiledOn != "2025-06-18" {
		t.Fatalf("read back %+v %v", got, err)
	}
	if hasFinding(t, s, ref) {
		t.Fatal("finding for a filed system")
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "system.update", Object: "system:" + sys.ID})
	if len(evs) != 2 {
		t.Fatalf("records %d", len(evs))
	}
}
