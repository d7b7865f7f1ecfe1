package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// The review of combinations (issue 15 item 8, G6): applications are assessed against what
// the applicant holds; above the threshold the authority reviews before the provider may
// approve.

var aggregationTests = []namedTest{
	{"AggregationReview", testAggregationReview},
	{"IncidentReminder", testIncidentReminder},
	{"DiscoverySchedule", testDiscoverySchedule},
}

// aggregationEntries publishes two entries of the provider fz-scj that join on the resident
// ID: people (sex and birth date) and homes (address).
func aggregationEntries(t *testing.T, s *Store) (people, homes *pubdata.Entry) {
	t.Helper()
	editor, reviewer := catalogueSetup2(t, s)
	pf := fields("户籍人口信息", "全市户籍人口", pubdata.ClassConditional, pubdata.ClassNone)
	pf.Items = []pubdata.Item{
		{Name: "sfzh", Title: "公民身份号码", Type: "string", Key: true, Element: "resident_id", Grade: 3, Personal: true},
		{Name: "gender", Title: "性别", Type: "string", Grade: 2, Personal: true},
		{Name: "birth_date", Title: "出生日期", Type: "date", Grade: 2, Personal: true},
	}
	hf := fields("居住登记信息", "全市居住登记", pubdata.ClassConditional, pubdata.ClassNone)
	hf.Items = []pubdata.Item{
		{Name: "sfzh", Title: "公民身份号码", Type: "string", Key: true, Element: "resident_id", Grade: 3, Personal: true},
		{Name: "address", Title: "住址", Type: "string", Element: "address", Grade: 2},
	}
	var out []*pubdata.Entry
	for _, f := range []*pubdata.EntryFields{pf, hf} {
		e := publish(t, s, editor, reviewer, "fz-scj", f)
		p, err := s.Entries.FindPublishedEntry(system, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out[0], out[1]
}

func personalApp(e *pubdata.Entry) *pubdata.ApplicationCreate {
	return &pubdata.ApplicationCreate{Entry: e.ID, Kind: pubdata.KindShare, Purpose: "户籍业务办理", Basis: "《居民身份证法》", Until: "2027-03-31"}
}

func testAggregationReview(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	aggs, ok := s.Applications.(pubdata.AggregationService)
	if !ok {
		t.Fatal("the store's application service must keep aggregation assessments (pubdata.AggregationService)")
	}
	people, homes := aggregationEntries(t, s)
	approve := &pubdata.ApplicationDecision{Decision: "approve"}

	// One entry alone needs no review: assessed, nothing combined.
	first := mustApply(t, s, fx.applicant, people, personalApp(people))
	if g := first.Aggregation; g == nil || g.Stage != pubdata.AggregationAtSubmit || g.Entries != 1 || g.Review != pubdata.AggregationNotNeeded ||
		g.Threshold != pubdata.DefaultAggregationThreshold || len(g.Parts) != 1 || g.Parts[0].Source != "application" {
		t.Fatalf("single entry assessed %+v", g)
	}
	first, err := s.Applications.DecideApplication(fx.provider, first.ID, approve)
	if err != nil || first.Status != pubdata.AppApproved || first.Aggregation.Stage != pubdata.AggregationAtGrant {
		t.Fatalf("approve the single entry: %v %+v", err, first)
	}

	// The same body then asks for the addresses: with its grant on people the combination
	// joins by the resident ID and brings birth date, sex and address together.
	second := mustApply(t, s, fx.applicant, homes, personalApp(homes))
	g := second.Aggregation
	if g == nil || g.Entries != 2 || g.Review != pubdata.AggregationRequired || g.Score < g.Threshold || !slices.Equal(g.Links, []string{"resident_id"}) ||
		!slices.Equal(g.QuasiIdentifiers, []string{"address", "birth_date", "sex"}) || len(g.Parts) != 2 || g.Parts[1].Source != "grant:"+first.Grant {
		t.Fatalf("combination assessed %+v", g)
	}
	if evs := eventsOf(t, s, "application.create", "application:"+second.ID); len(evs) != 1 || evs[0].Details["aggregation"] == nil {
		t.Fatalf("the creation records the assessment: %+v", evs)
	}
	// The covering authority is asked to review (notified); the provider cannot approve yet.
	found := false
	list, _ := notices(t, s, fx.cityAuth)
	for _, n := range list {
		found = found || (n.Key == pubdata.NoticeAggregationReview && n.Link == "/console/applications/"+second.ID)
	}
	if !found {
		t.Fatalf("the authority was not asked to review: %+v", list)
	}
	_, err = s.Applications.DecideApplication(fx.provider, second.ID, approve)
	wantCode(t, err, pubdata.ECONFLICT)
	if m := pubdata.MessageOf(err); m == nil || m.Key != "error.aggregation.review_required" {
		t.Fatalf("refusal %v", err)
	}
	// Waiting for the authority does not make the provider late.
	s.SetNow(appNow.Add(30 * 24 * time.Hour))
	if _, err := s.Applications.MarkOverdue(system, appNow.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Applications.FindApplicationByID(system, second.ID); a.Overdue {
		t.Fatal("an application waiting for the authority's review went overdue")
	}
	// Forbidden: the provider, the applicant, another city's body; the list to non-authorities.
	if _, err := aggs.ReviewAggregation(fx.provider, second.ID, true, ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("provider reviewed: %v", err)
	}
	if _, err := aggs.ReviewAggregation(fx.applicant, second.ID, true, ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("applicant reviewed: %v", err)
	}
	if _, err := aggs.ReviewAggregation(fx.stranger, second.ID, true, ""); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("stranger reviewed: %v", err)
	}
	// The list, for the authority: the combination first, with its score.
	got, err := aggs.Aggregations(fx.cityAuth, pubdata.AggregationFilter{Division: "350100", Combined: true})
	if err != nil || len(got) != 1 || got[0].Application != second.ID || got[0].Score != g.Score || got[0].EntryTitle != homes.Title {
		t.Fatalf("combinations listed: %v %+v", err, got)
	}
	if got, _ := aggs.Aggregations(fx.cityAuth, pubdata.AggregationFilter{Division: "350200"}); len(got) != 0 {
		t.Fatalf("another division's list: %+v", got)
	}
	// Cleared by the city's authority: the provider is told and may approve, with a fresh
	// answer period.
	cleared, err := aggs.ReviewAggregation(fx.cityAuth, second.ID, true, "用途正当，已核实")
	if err != nil || cleared.Aggregation.Review != pubdata.AggregationCleared || cleared.Aggregation.ReviewedBy != "fzdsj-admin" ||
		cleared.Aggregation.ClearedScore != g.Score || !cleared.DueAt.After(appNow.Add(30*24*time.Hour)) {
		t.Fatalf("cleared: %v %+v", err, cleared)
	}
	if _, err := aggs.ReviewAggregation(fx.cityAuth, second.ID, true, ""); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("reviewed twice: %v", err)
	}
	found = false
	list, _ = notices(t, s, fx.provider)
	for _, n := range list {
		found = found || n.Key == pubdata.NoticeAggregationCleared
	}
	if !found {
		t.Fatal("the provider was not told of the clearance")
	}
	second, err = s.Applications.DecideApplication(fx.provider, second.ID, approve)
	if err != nil || second.Status != pubdata.AppApproved || second.Aggregation.Review != pubdata.AggregationCleared || second.Aggregation.Stage != pubdata.AggregationAtGrant {
		t.Fatalf("approve after clearance: %v %+v", err, second)
	}
	if len(eventsOf(t, s, "application.aggregation_review", "application:"+second.ID)) != 1 {
		t.Fatal("the review is not recorded")
	}

	// A refusal rejects the application with the authority's reason.
	third := mustApply(t, s, fx.gatAdmin, homes, &pubdata.ApplicationCreate{Entry: homes.ID, Kind: pubdata.KindShare, Items: []string{"sfzh", "address"},
		Purpose: "核查住址", Basis: "《居民身份证法》", Until: "2027-03-31"})
	if third.Aggregation.Review != pubdata.AggregationRequired || third.Aggregation.Entries < 2 {
		t.Fatalf("third assessed %+v", third.Aggregation)
	}
	if _, err := aggs.ReviewAggregation(fx.provAuth, third.ID, false, " "); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("a refusal without a reason: %v", err)
	}
	refused, err := aggs.ReviewAggregation(fx.provAuth, third.ID, false, "组合后可识别个人，超出履职所需")
	if err != nil || refused.Status != pubdata.AppRejected || refused.Reason != "组合后可识别个人，超出履职所需" || refused.Aggregation.Review != pubdata.AggregationRefused ||
		!strings.Contains(refused.DecBasis, "G6") {
		t.Fatalf("refused: %v %+v", err, refused)
	}

	// The threshold is the authority's setting: at 100 the same combination passes.
	if s.Security != nil {
		admin := actorCtx(t, s, "dsj-admin", "fj-dsj", pubdata.RoleAdmin)
		set, err := s.Security.Settings(admin)
		if err != nil {
			t.Fatal(err)
		}
		set.AggregationThreshold = 0
		if _, err := s.Security.SetSettings(admin, set); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Fatalf("threshold 0 accepted: %v", err)
		}
		set.AggregationThreshold = 100
		if _, err := s.Security.SetSettings(admin, set); err != nil {
			t.Fatal(err)
		}
		fourth := mustApply(t, s, fx.gatAdmin, homes, &pubdata.ApplicationCreate{Entry: homes.ID, Kind: pubdata.KindShare, Items: []string{"address"},
			Purpose: "核查住址", Basis: "《居民身份证法》", Until: "2027-03-31"})
		if fourth.Aggregation.Threshold != 100 || fourth.Aggregation.Review != pubdata.AggregationNotNeeded {
			t.Fatalf("at threshold 100: %+v", fourth.Aggregation)
		}
	}
}

// testIncidentReminder: an incident not assessed by its report deadline reminds the unit and
// the authority once; an assessed one does not.
func testIncidentReminder(t *testing.T, s *Store) {
	fx := secSetup(t, s)
	rem, ok := s.Security.(pubdata.IncidentReminder)
	if !ok {
		t.Fatal("the store's security service must remind of overdue incidents (pubdata.IncidentReminder)")
	}
	late, err := s.Security.ReportIncident(fx.unitAdmin, &pubdata.IncidentReport{Org: "fz-scj", Grant: fx.grant, Kind: "leak", Severity: "serious", Description: "疑似泄露"})
	if err != nil {
		t.Fatal(err)
	}
	done, err := s.Security.ReportIncident(fx.unitAdmin, &pubdata.IncidentReport{Org: "fz-scj", Kind: "loss", Severity: "general", Description: "介质丢失"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Security.AssessIncident(fx.cityAuth, done.ID, "general", "影响有限"); err != nil {
		t.Fatal(err)
	}
	if n, err := rem.RemindOverdueIncidents(system, appNow.Add(23*time.Hour)); err != nil || n != 0 {
		t.Fatalf("before the deadline: %d %v", n, err)
	}
	s.SetNow(appNow.Add(25 * time.Hour))
	if n, err := rem.RemindOverdueIncidents(system, appNow.Add(25*time.Hour)); err != nil || n != 1 {
		t.Fatalf("after the deadline: %d %v", n, err)
	}
	if n, err := rem.RemindOverdueIncidents(system, appNow.Add(26*time.Hour)); err != nil || n != 0 {
		t.Fatalf("reminded twice: %d %v", n, err)
	}
	if evs := eventsOf(t, s, "incident.overdue", "incident:"+late.ID); len(evs) != 1 {
		t.Fatalf("reminder recorded %d times", len(evs))
	}
	for _, ctx := range []context.Context{fx.unitAdmin, fx.cityAuth} {
		list, _ := notices(t, s, ctx)
		if !slices.ContainsFunc(list, func(n *pubdata.Notification) bool {
			return n.Key == pubdata.NoticeIncidentOverdue && n.Link == "/console/incidents/"+late.ID
		}) {
			t.Fatalf("not reminded: %+v", list)
		}
	}
}

// testDiscoverySchedule: the scheduled discovery's due list and claims, and the run it makes
// finds an unmarked ID column (issue 15 item 3).
func testDiscoverySchedule(t *testing.T, s *Store) {
	sch, ok := s.Discoveries.(pubdata.DiscoverySchedule)
	if !ok {
		t.Fatal("the store's discovery service must keep the schedule (pubdata.DiscoverySchedule)")
	}
	editor, reviewer := catalogueSetup(t, s)
	f := fields("来访登记", "来访人员登记", pubdata.ClassConditional, pubdata.ClassNone)
	f.Items = []pubdata.Item{
		{Name: "visit_no", Title: "登记号", Type: "string", Key: true},
		{Name: "remark", Title: "备注", Type: "string"}, // holds ID numbers nobody marked
	}
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	e, _ = s.Entries.FindPublishedEntry(system, e.ID)
	now := time.Date(2026, 10, 20, 2, 0, 0, 0, time.UTC)
	s.SetNow(now)
	load(t, s, editor, e, pubdata.LoadOptions{}, row(2, "V001", idA), row(3, "V002", idB), row(4, "V003", idC))
	ids, err := sch.DueDiscoveries(system, now, 10)
	if err != nil || !slices.Equal(ids, []string{e.ID}) {
		t.Fatalf("due after a load: %v %v", ids, err)
	}
	if mine, err := sch.ClaimDiscovery(system, e.ID, now, now); err != nil || !mine {
		t.Fatalf("claim: %v %v", mine, err)
	}
	if mine, err := sch.ClaimDiscovery(system, e.ID, now, now); err != nil || mine {
		t.Fatalf("claimed twice: %v %v", mine, err)
	}
	if ids, _ := sch.DueDiscoveries(system, now, 10); len(ids) != 0 {
		t.Fatalf("due right after its sample: %v", ids)
	}
	// A week's interval: an hour short of it (before = its sample − 1h), not due; an hour
	// past it, due.
	if ids, _ := sch.DueDiscoveries(system, now.Add(-time.Hour), 10); len(ids) != 0 {
		t.Fatalf("due within the interval: %v", ids)
	}
	if ids, _ := sch.DueDiscoveries(system, now.Add(time.Hour), 10); !slices.Equal(ids, []string{e.ID}) {
		t.Fatalf("not due after the interval: %v", ids)
	}
	// The run the schedule makes (DiscoverEntry) finds the unmarked ID numbers.
	list, err := s.Discoveries.DiscoverEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list, func(d *pubdata.Discovery) bool { return d.Item == "remark" && d.Kind == "resident_id" }) {
		all, _ := s.Discoveries.FindDiscoveries(system, pubdata.DiscoveryFilter{Entry: e.ID})
		if !slices.ContainsFunc(all, func(d *pubdata.Discovery) bool { return d.Item == "remark" && d.Kind == "resident_id" }) {
			t.Fatalf("the ID column is not discovered: %+v %+v", list, all)
		}
	}
}
