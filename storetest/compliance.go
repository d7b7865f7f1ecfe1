package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
)

var complianceTests = []namedTest{
	{"ComplianceFindings", testComplianceFindings},
	{"RectificationFlow", testRectificationFlow},
	{"RectificationOverdue", testRectificationOverdue},
	{"OpenWatchLoad", testOpenWatchLoad},
	{"OpenWatchSchedule", testOpenWatchSchedule},
	{"OpenWatchVersion", testOpenWatchVersion},
}

// ResidentIDFor completes a 17-digit resident ID body with its GB 11643 check character.
func ResidentIDFor(body string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

func complianceSetup(t *testing.T, s *Store) (editor, reviewer context.Context) {
	t.Helper()
	if s.Compliance == nil || s.OpenWatch == nil || s.Notifications == nil {
		t.Fatal("the store under test must provide its compliance and open watch services (storetest.Store)")
	}
	s.SetNow(appNow)
	return catalogueSetup(t, s)
}

func findings(t *testing.T, s *Store, division string, now time.Time) []string {
	t.Helper()
	f, err := s.Compliance.Facts(system, division, now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range pubdata.ComplianceFindings(f, now) {
		out = append(out, x.Org+" "+x.Ref())
	}
	return out
}

// testComplianceFindings: units without a catalogue, a published table never loaded, then
// stale; a failing service interface; a city's facts hold its city only.
func testComplianceFindings(t *testing.T, s *Store) {
	editor, reviewer := complianceSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields()) // daily
	want := []string{"fj-gat no_catalogue:org:fj-gat", "fz-scj never_loaded:entry:" + e.ID, "xm-scj no_catalogue:org:xm-scj"}
	got := findings(t, s, "350000", appNow)
	for _, unit := range []string{"fj-gat", "fz-scj", "xm-scj"} { // G8: none has named its security officer
		if !slices.Contains(got, unit+" no_security_officer:org:"+unit) {
			t.Fatalf("province findings %q: %s has no officer", got, unit)
		}
	}
	got = slices.DeleteFunc(got, func(f string) bool { return strings.Contains(f, " no_security_officer:") })
	if !slices.Equal(got, want) {
		t.Fatalf("province findings %q, want %q", got, want)
	}
	// The unit names its officer (the G8 finding goes), so what follows is about its table.
	if _, err := s.Officers.SetSecurityOfficer(editor, "fz-scj", "scj-editor"); err != nil {
		t.Fatal(err)
	}
	if got := findings(t, s, "350100", appNow); !slices.Equal(got, []string{"fz-scj never_loaded:entry:" + e.ID}) {
		t.Fatalf("city findings %q", got)
	}
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	load(t, s, editor, p, pubdata.LoadOptions{}, row(2, uA, "甲公司", 1.0, int64(1), true, "2001-02-03"))
	if got := findings(t, s, "350100", appNow); len(got) != 0 {
		t.Fatalf("after a load: %q", got)
	}
	later := appNow.Add(72 * time.Hour) // a daily table three days later
	got = findings(t, s, "350100", later)
	if !slices.Equal(got, []string{"fz-scj stale_table:entry:" + e.ID}) {
		t.Fatalf("three days later: %q", got)
	}
	f, _ := s.Compliance.Facts(system, "350100", later)
	if fs := pubdata.ComplianceFindings(f, later); fs[0].Detail != "daily" || fs[0].Since == nil || fs[0].Title != "企业登记信息" || fs[0].OrgName != "福州市市场监督管理局" {
		t.Fatalf("stale finding %+v", fs[0])
	}
}

// testRectificationFlow: the authority orders the unit; the unit answers; the authority
// returns it, the unit answers again, the authority closes it. Every step is recorded,
// notified and in the order's history; steps out of turn are refused.
func testRectificationFlow(t *testing.T, s *Store) {
	editor, reviewer := complianceSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	unitAdmin := actorCtx(t, s, "scj-admin", "fz-scj", pubdata.RoleAdmin)
	f, _ := s.Compliance.Facts(system, "350100", appNow)
	current := pubdata.ComplianceFindings(f, appNow)
	sel, err := pubdata.SelectFindings(current, []string{"never_loaded:entry:" + e.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Compliance.Issue(reviewer, &pubdata.RectificationCreate{Org: "fz-scj", Request: " "}, sel); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("no request: %v", err)
	}
	if _, err := s.Compliance.Issue(reviewer, &pubdata.RectificationCreate{Org: "nobody", Request: "x"}, sel); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown unit: %v", err)
	}
	r, err := s.Compliance.Issue(reviewer, &pubdata.RectificationCreate{Org: "fz-scj", Request: "请于期限内归集数据", Workdays: 5}, sel)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != pubdata.RectificationIssued || r.Org != "fz-scj" || r.OrgName != "福州市市场监督管理局" || r.Authority != "fj-dsj" || r.IssuedBy != "dsj-reviewer" ||
		r.Due != "2026-10-13" || !r.DueCovered || len(r.Findings) != 1 || r.Findings[0].Entry != e.ID || len(r.Events) != 1 {
		t.Fatalf("issued %+v", r)
	}
	// Past the calendar's covered years the deadline is not confirmed.
	s.SetNow(time.Date(2026, 12, 28, 2, 0, 0, 0, time.UTC))
	far, err := s.Compliance.Issue(reviewer, &pubdata.RectificationCreate{Org: "fz-scj", Request: "年末整改", Workdays: 10}, sel)
	if err != nil || far.DueCovered {
		t.Fatalf("order into 2027: %+v, %v", far, err)
	}
	s.SetNow(appNow)
	if _, err := s.Compliance.Step(reviewer, r.ID, pubdata.RectificationClose, "好"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("close before an answer: %v", err)
	}
	if _, err := s.Compliance.Step(unitAdmin, r.ID, pubdata.RectificationAnswer, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("empty answer: %v", err)
	}
	steps := []struct {
		ctx  context.Context
		step pubdata.RectificationStep
		text string
		want pubdata.RectificationStatus
	}{
		{unitAdmin, pubdata.RectificationAnswer, "已安排归集", pubdata.RectificationAnswered},
		{reviewer, pubdata.RectificationReturn, "尚未归集，请补充", pubdata.RectificationReturned},
		{unitAdmin, pubdata.RectificationAnswer, "已完成首批归集", pubdata.RectificationAnswered},
		{reviewer, pubdata.RectificationClose, "", pubdata.RectificationClosed},
	}
	for _, st := range steps {
		if r, err = s.Compliance.Step(st.ctx, r.ID, st.step, st.text); err != nil || r.Status != st.want {
			t.Fatalf("%s: %+v, %v", st.step, r, err)
		}
	}
	if r.Answer != "已完成首批归集" || r.AnsweredBy != "scj-admin" || r.AnsweredAt == nil || len(r.Events) != 5 || r.Events[2].Step != "return" || r.Events[2].Text != "尚未归集，请补充" {
		t.Fatalf("closed %+v", r)
	}
	if _, err := s.Compliance.Step(unitAdmin, r.ID, pubdata.RectificationAnswer, "再答"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("answer a closed order: %v", err)
	}
	var actions []string
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "rectification:" + r.ID, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if !slices.Equal(actions, []string{"rectification.close", "rectification.answer", "rectification.return", "rectification.answer", "rectification.issue"}) {
		t.Fatalf("record %q", actions)
	}
	keys := func(ctx context.Context) []string {
		list, _ := notices(t, s, ctx)
		var out []string
		for _, n := range list {
			if strings.HasPrefix(n.Key, "rectification.") && n.Object == "rectification:"+r.ID {
				out = append(out, n.Key)
			}
		}
		slices.Sort(out)
		return out
	}
	if got := keys(unitAdmin); !slices.Equal(got, []string{"rectification.closed", "rectification.issued", "rectification.returned"}) {
		t.Fatalf("the unit's notices %q", got)
	}
	if got := keys(reviewer); !slices.Equal(got, []string{"rectification.answered", "rectification.answered"}) {
		t.Fatalf("the authority's notices %q", got)
	}
	// Lists: the unit's, the authority's division; another city sees none.
	list, _, err := s.Compliance.List(system, pubdata.RectificationFilter{Org: "fz-scj"})
	if err != nil || len(list) != 2 {
		t.Fatalf("unit list %d, %v", len(list), err)
	}
	if list, _, _ := s.Compliance.List(system, pubdata.RectificationFilter{DivisionPrefix: "3502"}); len(list) != 0 {
		t.Fatalf("Xiamen's list %d", len(list))
	}
	page, next, err := s.Compliance.List(system, pubdata.RectificationFilter{DivisionPrefix: "35", Limit: 1})
	if err != nil || len(page) != 1 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page), next, err)
	}
	page2, _, err := s.Compliance.List(system, pubdata.RectificationFilter{DivisionPrefix: "35", Limit: 1, Cursor: next})
	if err != nil || len(page2) != 1 || page2[0].ID == page[0].ID {
		t.Fatalf("page 2: %+v %v", page2, err)
	}
}

// testRectificationOverdue: an order unanswered past its due time is marked once, recorded
// and notified to both; an answered one is not.
func testRectificationOverdue(t *testing.T, s *Store) {
	_, reviewer := complianceSetup(t, s)
	unitAdmin := actorCtx(t, s, "gat-admin", "fj-gat", pubdata.RoleAdmin)
	f, _ := s.Compliance.Facts(system, "350000", appNow)
	sel, err := pubdata.SelectFindings(pubdata.ComplianceFindings(f, appNow), []string{"no_catalogue:org:fj-gat"})
	if err != nil {
		t.Fatal(err)
	}
	late, err := s.Compliance.Issue(reviewer, &pubdata.RectificationCreate{Org: "fj-gat", Request: "编制目录", Workdays: 1}, sel)
	if err != nil {
		t.Fatal(err)
	}
	answered, err := s.Compliance.Issue(reviewer, &pubdata.RectificationCreate{Org: "fj-gat", Request: "编制目录", Workdays: 1}, sel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Compliance.Step(unitAdmin, answered.ID, pubdata.RectificationAnswer, "已编制"); err != nil {
		t.Fatal(err)
	}
	week := appNow.AddDate(0, 0, 14)
	if n, err := s.Compliance.MarkOverdue(system, week); err != nil || n != 1 {
		t.Fatalf("MarkOverdue = %d, %v", n, err)
	}
	if n, err := s.Compliance.MarkOverdue(system, week); err != nil || n != 0 {
		t.Fatalf("MarkOverdue again = %d, %v", n, err)
	}
	r, _ := s.Compliance.Find(system, late.ID)
	if !r.Overdue || r.Events[len(r.Events)-1].Step != "overdue" {
		t.Fatalf("late order %+v", r)
	}
	for _, ctx := range []context.Context{unitAdmin, reviewer} {
		list, _ := notices(t, s, ctx)
		if !slices.ContainsFunc(list, func(n *pubdata.Notification) bool {
			return n.Key == pubdata.NoticeRectificationOverdue && n.Object == "rectification:"+late.ID
		}) {
			t.Fatalf("no overdue notice")
		}
	}
	// Answering late keeps the mark, and the record says so.
	if r, err = s.Compliance.Step(unitAdmin, late.ID, pubdata.RectificationAnswer, "已编制"); err != nil || !r.Overdue {
		t.Fatalf("late answer %+v %v", r, err)
	}
}

// watchFields is an unconditionally open table entry with a free-text column.
func watchFields(open string) *pubdata.EntryFields {
	f := fields("行政许可信息", "许可决定", pubdata.ClassUnconditional, open)
	f.Items = append(f.Items, pubdata.Item{Name: "remark", Title: "备注", Type: "string", Grade: 1})
	return f
}

// anonymousColumns are the columns an anonymous open read of e gets.
func anonymousColumns(t *testing.T, s *Store, e *pubdata.Entry) []string {
	t.Helper()
	rd, err := access.New(s.Rows).With(access.Services{Data: s.Data, MaskPolicies: s.MaskPolicies}).Open(pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{}), e, access.Purpose{})
	if err != nil {
		t.Fatal(err)
	}
	return rd.Decision().Columns
}

func ids(n int) []*pubdata.SourceRow {
	var out []*pubdata.SourceRow
	for i := 0; i < n; i++ {
		out = append(out, row(int64(i+2), []string{uA, uB, uC, uD}[i], ResidentIDFor("35010219800101"+string(rune('0'+i))+"23")))
	}
	return out
}

// testOpenWatchLoad: resident ID numbers loaded into an open entry's free-text column
// withhold it from the public in the load's own transaction, notify the provider and the
// authority and are recorded; the authority's resolution returns the column, and the same
// kind of content in it is not raised again.
func testOpenWatchLoad(t *testing.T, s *Store) {
	editor, reviewer := complianceSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", watchFields(pubdata.ClassUnconditional))
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	load(t, s, editor, p, pubdata.LoadOptions{}, row(2, uA, "无"))
	if got := anonymousColumns(t, s, p); !slices.Equal(got, []string{"uscc", "remark"}) {
		t.Fatalf("before: %q", got)
	}
	load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, ids(3)...)
	if got, _ := s.Data.Withheld(system, e.ID); !slices.Equal(got, []string{"remark"}) {
		t.Fatalf("withheld %q", got)
	}
	if got := anonymousColumns(t, s, p); !slices.Equal(got, []string{"uscc"}) {
		t.Fatalf("after: %q", got)
	}
	list, err := s.OpenWatch.FindOpenFindings(system, e.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("findings %d %v", len(list), err)
	}
	f := list[0]
	if f.Status != pubdata.OpenFindingOpen || f.Source != pubdata.WatchByLoad || f.Batch == "" || len(f.Items) != 1 || f.Items[0].Item != "remark" ||
		f.Items[0].Kind != pubdata.PersonalResidentID || f.Items[0].Matched != 3 {
		t.Fatalf("finding %+v", f)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.withhold", Object: "entry:" + e.ID})
	if len(evs) != 1 || evs[0].Org != "fz-scj" {
		t.Fatalf("record %+v", evs)
	}
	cityReviewer := actorCtx(t, s, "fzdsj-reviewer", "fz-dsj", pubdata.RoleReviewer) // the nearest covering authority
	for _, ctx := range []context.Context{editor, cityReviewer} {
		got, _ := notices(t, s, ctx)
		if !slices.ContainsFunc(got, func(n *pubdata.Notification) bool {
			return n.Key == pubdata.NoticeOpenRiskFound && n.Params["items"] == "remark"
		}) {
			t.Fatalf("no notice")
		}
	}
	// Another load of the same kind adds no second finding while the column is withheld.
	load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, ids(2)...)
	if list, _ := s.OpenWatch.FindOpenFindings(system, e.ID); len(list) != 1 {
		t.Fatalf("findings after a second load: %d", len(list))
	}
	if _, err := s.OpenWatch.ResolveOpenFinding(reviewer, f.ID, ""); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("resolve without a note: %v", err)
	}
	r, err := s.OpenWatch.ResolveOpenFinding(reviewer, f.ID, "已核实为许可证号，非身份证号")
	if err != nil || r.Status != pubdata.OpenFindingResolved || r.ResolvedBy != "dsj-reviewer" || r.ResolvedAt == nil {
		t.Fatalf("resolved %+v %v", r, err)
	}
	if _, err := s.OpenWatch.ResolveOpenFinding(reviewer, f.ID, "again"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("resolve twice: %v", err)
	}
	if got := anonymousColumns(t, s, p); !slices.Equal(got, []string{"uscc", "remark"}) {
		t.Fatalf("after the resolution: %q", got)
	}
	load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, ids(3)...)
	if got, _ := s.Data.Withheld(system, e.ID); len(got) != 0 {
		t.Fatalf("accepted content withheld again: %q", got)
	}
}

// testOpenWatchSchedule: data loaded before the entry was opened is found by the daily
// check, once a day; a table not open is not checked.
func testOpenWatchSchedule(t *testing.T, s *Store) {
	editor, reviewer := complianceSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", watchFields(pubdata.ClassNone))
	p, _ := s.Entries.FindPublishedEntry(system, e.ID)
	load(t, s, editor, p, pubdata.LoadOptions{}, ids(4)...)
	if got, _ := s.Data.Withheld(system, e.ID); len(got) != 0 {
		t.Fatalf("a closed entry's load withheld %q", got)
	}
	if n, err := s.OpenWatch.RecheckOpened(system, appNow, 10); err != nil || n != 0 {
		t.Fatalf("recheck of a closed entry = %d, %v", n, err)
	}
	// Open it with a new version.
	if _, err := s.Entries.UpdateEntry(editor, e.ID, watchFields(pubdata.ClassUnconditional)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := s.OpenWatch.RecheckOpened(system, appNow, 10); err != nil || n != 1 {
		t.Fatalf("recheck = %d, %v", n, err)
	}
	if got, _ := s.Data.Withheld(system, e.ID); !slices.Equal(got, []string{"remark"}) {
		t.Fatalf("withheld %q", got)
	}
	list, _ := s.OpenWatch.FindOpenFindings(system, e.ID)
	if len(list) != 1 || list[0].Source != pubdata.WatchBySchedule {
		t.Fatalf("findings %+v", list)
	}
	if n, _ := s.OpenWatch.RecheckOpened(system, appNow.Add(time.Hour), 10); n != 0 {
		t.Fatalf("checked again within a day: %d", n)
	}
	if n, _ := s.OpenWatch.RecheckOpened(system, appNow.Add(25*time.Hour), 10); n != 1 {
		t.Fatalf("not checked the next day: %d", n)
	}
}

// testOpenWatchVersion: a new version of an open entry that adds a grade-3 item withholds
// it until the authority resolves the finding.
func testOpenWatchVersion(t *testing.T, s *Store) {
	editor, reviewer := complianceSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", watchFields(pubdata.ClassUnconditional))
	f := watchFields(pubdata.ClassUnconditional)
	f.Items = append(f.Items, pubdata.Item{Name: "penalty", Title: "处罚金额", Type: "number", Grade: 3})
	if _, err := s.Entries.UpdateEntry(editor, e.ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Data.Withheld(system, e.ID); !slices.Equal(got, []string{"penalty"}) {
		t.Fatalf("withheld %q", got)
	}
	p, _ := s.Entries.FindPublishedEntry(system, e.ID)
	if got := anonymousColumns(t, s, p); slices.Contains(got, "penalty") {
		t.Fatalf("anonymous columns %q", got)
	}
	list, _ := s.OpenWatch.FindOpenFindings(system, e.ID)
	if len(list) != 1 || list[0].Source != pubdata.WatchByVersion || list[0].Items[0].Kind != pubdata.PersonalGraded {
		t.Fatalf("findings %+v", list)
	}
}
