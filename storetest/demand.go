package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// Issue 6 (P3): the demand workflow, usage counts, ratings and moderated comments.
var demandTests = []namedTest{
	{"DemandWorkflow", testDemandWorkflow},
	{"DemandForbidden", testDemandForbidden},
	{"UsageCounts", testUsageCounts},
	{"RatingsComments", testRatingsComments},
}

func testDemandWorkflow(t *testing.T, s *Store) {
	f := appSetup(t, s)
	// The citizen asks for data in Fuzhou; the city authority is notified.
	d, err := s.Demands.CreateDemand(f.citizenCx, &pubdata.DemandCreate{Title: " 公交实时到站 ", Description: "各线路车辆实时位置", Items: []string{"线路", " ", "到站时间"},
		Purpose: "出行应用", Division: "350100"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "公交实时到站" || d.Status != pubdata.DemandOpen || len(d.Items) != 2 || d.Org != "" || d.Username != "citizen" || d.Votes != 0 {
		t.Fatalf("created %+v", d)
	}
	ns, _, _, err := s.Notifications.FindNotifications(f.cityAuth, false, 0, "")
	if err != nil || len(ns) != 1 || ns[0].Key != pubdata.NoticeDemandNew {
		t.Fatalf("authority notifications %+v %v", ns, err)
	}
	// A public body asks too.
	d2, err := s.Demands.CreateDemand(f.applicant, &pubdata.DemandCreate{Title: "企业信用", Description: "d", Purpose: "p", Division: "350000"})
	if err != nil || d2.Org != "fj-gat" || d2.OrgName == "" {
		t.Fatalf("%+v %v", d2, err)
	}
	// Votes: once each.
	if d, err = s.Demands.VoteDemand(f.applicant, d.ID); err != nil || d.Votes != 1 || !d.Voted {
		t.Fatalf("vote %+v %v", d, err)
	}
	_, err = s.Demands.VoteDemand(f.applicant, d.ID)
	wantCode(t, err, pubdata.ECONFLICT)
	if _, err = s.Demands.VoteDemand(f.stranger, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Demands.VoteDemand(system, d.ID)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	list, total, _, err := s.Demands.FindDemandList(f.applicant, pubdata.DemandFilter{Sort: pubdata.DemandSortVotes})
	if err != nil || total != 2 || list[0].ID != d.ID || list[0].Votes != 2 || !list[0].Voted || list[1].Voted {
		t.Fatalf("by votes %d %+v %v", total, list, err)
	}
	list, _, _, err = s.Demands.FindDemands(system, 0, "")
	if err != nil || len(list) != 2 || list[0].ID != d2.ID || list[0].Voted {
		t.Fatalf("newest %+v %v", list, err)
	}
	// The city authority routes it to the market regulator; provider and requester told.
	d, err = s.Demands.RouteDemand(f.cityAuth, d.ID, &pubdata.DemandRoute{Provider: "fz-scj", Note: "请研究"})
	if err != nil || d.Status != pubdata.DemandRouted || d.Provider != "fz-scj" || d.ProviderName == "" || d.RoutedBy != "fzdsj-admin" || d.RoutedAt == nil {
		t.Fatalf("routed %+v %v", d, err)
	}
	if ns, _, _, _ = s.Notifications.FindNotifications(f.provider, false, 0, ""); len(ns) != 1 || ns[0].Key != pubdata.NoticeDemandRouted {
		t.Fatalf("provider notifications %+v", ns)
	}
	if list, total, _, err = s.Demands.FindDemandList(system, pubdata.DemandFilter{Provider: "fz-scj", Status: pubdata.DemandRouted}); err != nil || total != 1 {
		t.Fatalf("routed list %d %v", total, err)
	}
	// Planned, then published with the provider's entry.
	d, err = s.Demands.AnswerDemand(f.provider, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomePlanned, Expected: "2026-12-31"})
	if err != nil || d.Status != pubdata.DemandPlanned || d.Expected != "2026-12-31" {
		t.Fatalf("planned %+v %v", d, err)
	}
	d, err = s.Demands.AnswerDemand(f.provEd, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomePublished, Entry: f.entry.ID})
	if err != nil || d.Status != pubdata.DemandAnswered || d.Entry != f.entry.ID || d.Expected != "" {
		t.Fatalf("published %+v %v", d, err)
	}
	ns, _, _, _ = s.Notifications.FindNotifications(f.citizenCx, false, 0, "")
	keys := map[string]bool{}
	for _, n := range ns {
		keys[n.Key] = true
	}
	if len(ns) != 3 || !keys[pubdata.NoticeDemandForward] || !keys[pubdata.NoticeDemandPlanned] || !keys[pubdata.NoticeDemandAnswered] {
		t.Fatalf("requester notifications %+v", ns)
	}
	// An answered demand is final.
	_, err = s.Demands.AnswerDemand(f.provider, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomeDeclined, Reason: "x"})
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Demands.RouteDemand(f.cityAuth, d.ID, &pubdata.DemandRoute{Provider: "fz-scj"})
	wantCode(t, err, pubdata.ECONFLICT)
	// Declined with reasons, then routed again elsewhere by the province.
	d2, err = s.Demands.RouteDemand(f.provAuth, d2.ID, &pubdata.DemandRoute{Provider: "fz-scj"})
	if err != nil {
		t.Fatal(err)
	}
	d2, err = s.Demands.AnswerDemand(f.provider, d2.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomeDeclined, Reason: "不属于本单位职责"})
	if err != nil || d2.Status != pubdata.DemandDeclined || d2.Answer != "不属于本单位职责" {
		t.Fatalf("declined %+v %v", d2, err)
	}
	if d2, err = s.Demands.RouteDemand(f.provAuth, d2.ID, &pubdata.DemandRoute{Provider: "xm-scj"}); err != nil || d2.Status != pubdata.DemandRouted || d2.Answer != "" {
		t.Fatalf("rerouted %+v %v", d2, err)
	}
	// Recorded.
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "demand:" + d.ID})
	if err != nil || len(evs) != 6 { // create, 2 votes, route, 2 answers
		t.Fatalf("events %d %v", len(evs), err)
	}
}

func testDemandForbidden(t *testing.T, s *Store) {
	f := appSetup(t, s)
	_, err := s.Demands.CreateDemand(system, &pubdata.DemandCreate{Title: "x", Description: "x", Purpose: "x", Division: "350100"})
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	_, err = s.Demands.CreateDemand(f.citizenCx, &pubdata.DemandCreate{Title: "", Description: "x", Purpose: "", Division: "35"})
	wantCode(t, err, pubdata.EINVALID)
	if fs := pubdata.ErrorFields(err); fs["title"] == nil || fs["purpose"] == nil || fs["division"] == nil {
		t.Fatalf("fields %v", err)
	}
	d, err := s.Demands.CreateDemand(f.citizenCx, &pubdata.DemandCreate{Title: "x", Description: "x", Purpose: "x", Division: "350100"})
	if err != nil {
		t.Fatal(err)
	}
	// Nobody but a covering authority's admin or reviewer routes.
	for _, ctx := range []context.Context{f.citizenCx, f.provider, f.gatAdmin} {
		_, err = s.Demands.RouteDemand(ctx, d.ID, &pubdata.DemandRoute{Provider: "fz-scj"})
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	// Not a public body; outside the city authority's division.
	_, err = s.Demands.RouteDemand(f.cityAuth, d.ID, &pubdata.DemandRoute{Provider: "fj-dsj"})
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Demands.RouteDemand(f.cityAuth, d.ID, &pubdata.DemandRoute{Provider: "xm-scj"})
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Demands.RouteDemand(f.cityAuth, d.ID, &pubdata.DemandRoute{Provider: "nobody"})
	wantCode(t, err, pubdata.EINVALID)
	// Unrouted: nobody answers.
	_, err = s.Demands.AnswerDemand(f.provider, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomeDeclined, Reason: "x"})
	wantCode(t, err, pubdata.EFORBIDDEN)
	if _, err = s.Demands.RouteDemand(f.cityAuth, d.ID, &pubdata.DemandRoute{Provider: "fz-scj"}); err != nil {
		t.Fatal(err)
	}
	// Another organisation, and the provider's member, may not answer.
	for _, ctx := range []context.Context{f.gatAdmin, f.stranger, f.citizenCx, f.cityAuth} {
		_, err = s.Demands.AnswerDemand(ctx, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomeDeclined, Reason: "x"})
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	member := actorCtx(t, s, "scj-member", "fz-scj", pubdata.RoleMember)
	_, err = s.Demands.AnswerDemand(member, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomeDeclined, Reason: "x"})
	wantCode(t, err, pubdata.EFORBIDDEN)
	// Bad answers.
	for _, ans := range []*pubdata.DemandAnswer{{Outcome: "maybe"}, {Outcome: pubdata.OutcomePlanned}, {Outcome: pubdata.OutcomePlanned, Expected: "2020-01-01"},
		{Outcome: pubdata.OutcomeDeclined}, {Outcome: pubdata.OutcomePublished}, {Outcome: pubdata.OutcomePublished, Entry: "nope"}} {
		_, err = s.Demands.AnswerDemand(f.provider, d.ID, ans)
		wantCode(t, err, pubdata.EINVALID)
	}
	// An entry of another provider does not answer it.
	xmEd := actorCtx(t, s, "xm-editor", "xm-scj", pubdata.RoleEditor)
	other := publish(t, s, xmEd, f.provAuth, "xm-scj", fields("厦门企业", "s", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	_, err = s.Demands.AnswerDemand(f.provider, d.ID, &pubdata.DemandAnswer{Outcome: pubdata.OutcomePublished, Entry: other.ID})
	wantCode(t, err, pubdata.EINVALID)
	got, err := s.Demands.FindDemandByID(system, d.ID)
	if err != nil || got.Status != pubdata.DemandRouted {
		t.Fatalf("after refusals %+v %v", got, err)
	}
	_, err = s.Demands.FindDemandByID(system, "nope")
	wantCode(t, err, pubdata.ENOTFOUND)
	_, _, _, err = s.Demands.FindDemandList(system, pubdata.DemandFilter{Status: "lost"})
	wantCode(t, err, pubdata.EINVALID)
	_, _, _, err = s.Demands.FindDemandList(system, pubdata.DemandFilter{Sort: "random"})
	wantCode(t, err, pubdata.EINVALID)
}

func testUsageCounts(t *testing.T, s *Store) {
	if s.Usage == nil {
		t.Fatal("the store under test must provide its usage service (storetest.Store)")
	}
	day := func(d int) string { return time.Date(2026, 9, d, 0, 0, 0, 0, time.UTC).Format(pubdata.DateFormat) }
	counts := []pubdata.UsageCount{
		{Day: day(1), Entry: "e1", Provider: "p1", Kind: pubdata.UseView, N: 5},
		{Day: day(1), Entry: "e1", Provider: "p1", Kind: pubdata.UseDownload, N: 2},
		{Day: day(2), Entry: "e1", Provider: "p1", Kind: pubdata.UseAPICall, N: 7},
		{Day: day(2), Entry: "e2", Provider: "p1", Kind: pubdata.UseView, N: 1},
		{Day: day(2), Entry: "e3", Provider: "p2", Kind: pubdata.UseView, N: 100},
	}
	if err := s.Usage.AddUsage(system, counts); err != nil {
		t.Fatal(err)
	}
	// A second flush adds to the same rows.
	if err := s.Usage.AddUsage(system, counts[:1]); err != nil {
		t.Fatal(err)
	}
	got, err := s.Usage.EntryUsage(system, "e1", "", "")
	if err != nil || got != (pubdata.UsageTotals{Views: 10, Downloads: 2, APICalls: 7}) {
		t.Fatalf("e1 %+v %v", got, err)
	}
	if got, _ = s.Usage.EntryUsage(system, "e1", day(2), day(2)); got != (pubdata.UsageTotals{APICalls: 7}) {
		t.Fatalf("e1 on day 2 %+v", got)
	}
	if got, _ = s.Usage.ProviderUsage(system, "p1", "", day(1)); got != (pubdata.UsageTotals{Views: 10, Downloads: 2}) {
		t.Fatalf("p1 to day 1 %+v", got)
	}
	if got, _ = s.Usage.ProviderUsage(system, "p1", "", ""); got != (pubdata.UsageTotals{Views: 11, Downloads: 2, APICalls: 7}) {
		t.Fatalf("p1 %+v", got)
	}
	rows, err := s.Usage.FindUsage(system, "", "p1", "", "")
	if err != nil || len(rows) != 4 || rows[0].Day != day(1) || rows[3].Entry != "e2" {
		t.Fatalf("rows %+v %v", rows, err)
	}
	// Bad counts write nothing.
	err = s.Usage.AddUsage(system, []pubdata.UsageCount{{Day: day(3), Entry: "e1", Provider: "p1", Kind: pubdata.UseView, N: 1}, {Day: day(3), Entry: "e1", Kind: "like", N: 1}})
	wantCode(t, err, pubdata.EINVALID)
	if got, _ = s.Usage.EntryUsage(system, "e1", day(3), ""); got != (pubdata.UsageTotals{}) {
		t.Fatalf("half-written %+v", got)
	}
}

func testRatingsComments(t *testing.T, s *Store) {
	if s.Feedback == nil {
		t.Fatal("the store under test must provide its feedback service (storetest.Store)")
	}
	f := appSetup(t, s)
	e := f.entry
	// Ratings: one each, changeable.
	if _, err := s.Feedback.RateEntry(f.citizenCx, e, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Feedback.RateEntry(f.applicant, e, 2); err != nil {
		t.Fatal(err)
	}
	r, err := s.Feedback.RateEntry(f.citizenCx, e, 4)
	if err != nil || r.Count != 2 || r.Average != 3 || r.Mine != 4 {
		t.Fatalf("rating %+v %v", r, err)
	}
	_, err = s.Feedback.RateEntry(f.citizenCx, e, 6)
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Feedback.RateEntry(system, e, 3)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	if r, _ = s.Feedback.EntryRating(system, e.ID); r.Count != 2 || r.Mine != 0 {
		t.Fatalf("anonymous rating %+v", r)
	}
	// A comment is pending and not public; the city authority is told.
	c, err := s.Feedback.AddComment(f.citizenCx, e, &pubdata.CommentCreate{Body: " 数据很有用 "})
	if err != nil || c.Status != pubdata.CommentPending || c.Body != "数据很有用" || c.ByProvider {
		t.Fatalf("comment %+v %v", c, err)
	}
	pub, total, _, _ := s.Feedback.FindComments(system, pubdata.CommentFilter{Entry: e.ID, Status: pubdata.CommentApproved})
	if total != 0 || len(pub) != 0 {
		t.Fatalf("pending shown %+v", pub)
	}
	if ns, _, _, _ := s.Notifications.FindNotifications(f.cityAuth, false, 0, ""); len(ns) != 1 || ns[0].Key != pubdata.NoticeCommentPending {
		t.Fatalf("authority notifications %+v", ns)
	}
	_, err = s.Feedback.AddComment(f.citizenCx, e, &pubdata.CommentCreate{Body: "  "})
	wantCode(t, err, pubdata.EINVALID)
	// Only a covering authority's admin or reviewer moderates.
	for _, ctx := range []context.Context{f.citizenCx, f.provider, f.gatAdmin} {
		_, err = s.Feedback.ModerateComment(ctx, c.ID, true, "")
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	_, err = s.Feedback.ModerateComment(f.cityAuth, c.ID, false, "")
	wantCode(t, err, pubdata.EINVALID)
	queue, total, _, _ := s.Feedback.FindComments(system, pubdata.CommentFilter{Queue: true, Division: "350100"})
	if total != 1 || queue[0].ID != c.ID {
		t.Fatalf("queue %+v", queue)
	}
	if c, err = s.Feedback.ModerateComment(f.cityAuth, c.ID, true, ""); err != nil || c.Status != pubdata.CommentApproved || c.ModeratedBy != "fzdsj-admin" {
		t.Fatalf("approved %+v %v", c, err)
	}
	// The provider replies: public at once.
	reply, err := s.Feedback.AddComment(f.provider, e, &pubdata.CommentCreate{Body: "谢谢", ReplyTo: c.ID})
	if err != nil || reply.Status != pubdata.CommentApproved || !reply.ByProvider || reply.ReplyTo != c.ID {
		t.Fatalf("reply %+v %v", reply, err)
	}
	_, err = s.Feedback.AddComment(f.provider, e, &pubdata.CommentCreate{Body: "x", ReplyTo: "nope"})
	wantCode(t, err, pubdata.EINVALID)
	pub, total, _, _ = s.Feedback.FindComments(system, pubdata.CommentFilter{Entry: e.ID, Status: pubdata.CommentApproved})
	if total != 2 || pub[0].ID != c.ID || pub[1].ID != reply.ID {
		t.Fatalf("public %+v", pub)
	}
	// A report puts it back in the queue, once per user; a rejection hides it and tells the author.
	if c, err = s.Feedback.ReportComment(f.stranger, c.ID, "广告"); err != nil || c.Reports != 1 {
		t.Fatalf("report %+v %v", c, err)
	}
	_, err = s.Feedback.ReportComment(f.stranger, c.ID, "again")
	wantCode(t, err, pubdata.ECONFLICT)
	if _, total, _, _ = s.Feedback.FindComments(system, pubdata.CommentFilter{Queue: true}); total != 1 {
		t.Fatalf("reported not queued: %d", total)
	}
	if c, err = s.Feedback.ModerateComment(f.provAuth, c.ID, false, "广告内容"); err != nil || c.Status != pubdata.CommentRejected || c.Reports != 0 {
		t.Fatalf("rejected %+v %v", c, err)
	}
	ns, _, _, _ := s.Notifications.FindNotifications(f.citizenCx, false, 0, "")
	if len(ns) != 1 || ns[0].Key != pubdata.NoticeCommentRejected {
		t.Fatalf("author notifications %+v", ns)
	}
	_, err = s.Feedback.ReportComment(f.stranger, c.ID, "")
	wantCode(t, err, pubdata.ENOTFOUND)
	if pub, _, _, _ = s.Feedback.FindComments(system, pubdata.CommentFilter{Entry: e.ID, Status: pubdata.CommentApproved}); len(pub) != 1 {
		t.Fatalf("after rejection %+v", pub)
	}
}
