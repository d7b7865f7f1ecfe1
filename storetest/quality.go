package storetest

import (
	"fmt"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

var qualityTests = []namedTest{
	{"QualityRulesAndRuns", testQualityRulesAndRuns},
	{"QualityOnBatches", testQualityOnBatches},
}

// qualityUSCC returns a valid USCC numbered n.
func qualityUSCC(n int) string { return ident.CompleteUSCC(fmt.Sprintf("91350100%08d", 20000000+n)) }

// testQualityRulesAndRuns: rules are validated and kept by revision; a full run reports a
// not_null rule's failing rows by key and lowers the score; a reference to another entry's
// key finds the values it lacks; every change and run is recorded.
func testQualityRulesAndRuns(t *testing.T, s *Store) {
	if s.Quality == nil {
		t.Fatal("the store under test has no quality service: wire it in its Store")
	}
	editor, reviewer, e := dataSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, qualityUSCC(0), "甲公司", 100.0, int64(10), true, "2020-01-01"),
		row(3, qualityUSCC(1), nil, 200.0, int64(20), true, "2020-01-02"),
		row(4, qualityUSCC(2), "丙公司", 300.0, int64(-5), true, "2020-01-03"))

	// Validation names the bad field.
	_, err := s.Quality.SetQualityRules(editor, e, []pubdata.QualityRule{{Kind: pubdata.RuleNotNull, Column: "nope"}, {Kind: "bogus"}})
	wantCode(t, err, pubdata.EINVALID)
	fields := pubdata.ErrorFields(err)
	if fields["rules[0].column"] == nil || fields["rules[1].kind"] == nil {
		t.Fatalf("fields %v", fields)
	}

	// A registry of companies to refer to: two of the three USCCs.
	f := companyFields()
	f.Title = "企业名录"
	reg := publish(t, s, editor, reviewer, "fz-scj", f)
	reg, _ = s.Entries.FindPublishedEntry(system, reg.ID)
	load(t, s, editor, reg, pubdata.LoadOptions{}, row(2, qualityUSCC(0), "甲公司", 1.0, int64(1), true, "2020-01-01"), row(3, qualityUSCC(2), "丙公司", 1.0, int64(1), true, "2020-01-01"))

	rules := []pubdata.QualityRule{
		{Kind: pubdata.RuleNotNull, Column: "name"},
		{Kind: pubdata.RuleRange, Column: "staff", Min: "0"},
		{Kind: pubdata.RuleReference, Column: "uscc", RefEntry: reg.ID, RefColumn: "uscc"},
		{Kind: pubdata.RuleStdElem, Column: "uscc"},
		{Kind: pubdata.RuleFreshness},
	}
	set, err := s.Quality.SetQualityRules(editor, e, rules)
	if err != nil {
		t.Fatal(err)
	}
	if set.Revision != 1 || len(set.Rules) != 5 || set.Rules[0].ID == "" || set.EntryVersion != e.Version {
		t.Fatalf("set %+v", set)
	}
	run, err := s.Quality.RunQuality(system, e)
	if err != nil {
		t.Fatal(err)
	}
	if run.Rows != 3 || len(run.Results) != 5 {
		t.Fatalf("run %+v", run)
	}
	byKind := map[string]pubdata.QualityResult{}
	for _, r := range run.Results {
		byKind[r.Kind] = r
	}
	nn := byKind[pubdata.RuleNotNull]
	if nn.Status != pubdata.QualityFail || nn.FailedRows != 1 || len(nn.Sample) != 1 || nn.Sample[0].Key["uscc"] != qualityUSCC(1) || nn.Sample[0].Value != nil {
		t.Fatalf("not_null %+v", nn)
	}
	if r := byKind[pubdata.RuleRange]; r.Status != pubdata.QualityFail || r.FailedRows != 1 || *r.Sample[0].Value != "-5" {
		t.Fatalf("range %+v", r)
	}
	if r := byKind[pubdata.RuleReference]; r.Status != pubdata.QualityFail || r.FailedRows != 1 || r.Sample[0].Key["uscc"] != qualityUSCC(1) {
		t.Fatalf("reference %+v", r)
	}
	if r := byKind[pubdata.RuleStdElem]; r.Status != pubdata.QualityPass {
		t.Fatalf("element %+v", r)
	}
	if r := byKind[pubdata.RuleFreshness]; r.Status != pubdata.QualityPass {
		t.Fatalf("freshness %+v", r)
	}
	// The not_null failure lowers the score's completeness.
	sc := pubdata.ScoreQuality(pubdata.QualityInputs{Results: run.Results, Freshness: "fresh", Published: true, Rows: 3, ShareClass: e.ShareClass, OpenClass: e.OpenClass}, nil)
	if *sc.Dimensions[pubdata.DimCompleteness] != 67 || *sc.Score >= 100 {
		t.Fatalf("score %v %v", *sc.Score, *sc.Dimensions[pubdata.DimCompleteness])
	}
	latest, err := s.Quality.LatestQualityRun(system, e.ID, pubdata.QualityRunFull)
	if err != nil || latest.ID != run.ID || len(latest.Results) != 5 || latest.Results[0].Kind != pubdata.RuleNotNull {
		t.Fatalf("latest %+v %v", latest, err)
	}
	units, err := s.Quality.UnitQuality(system)
	if err != nil || len(units) != 1 || units[0].Org != "fz-scj" || units[0].Score == nil {
		t.Fatalf("units %+v %v", units, err)
	}
	// A second revision; the rules' ids stay with their definitions.
	set2, err := s.Quality.SetQualityRules(reviewer, e, rules[:2])
	if err != nil || set2.Revision != 2 || set2.Rules[0].ID != set.Rules[0].ID || set2.UpdatedBy != "dsj-reviewer" {
		t.Fatalf("set2 %+v %v", set2, err)
	}
	// Recorded: both writes and the run.
	for action, want := range map[string]int{"quality.rules": 2, "quality.run": 1} {
		_, total, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: action})
		if err != nil || total != want {
			t.Errorf("%s events: %d, %v; want %d", action, total, err, want)
		}
	}
	// Due: it ran just now, so not due before now; due after.
	due, err := s.Quality.DueQualityRuns(system, run.StartedAt.Add(-1), 10)
	if err != nil || len(due) != 1 || due[0] != reg.ID && due[0] != e.ID {
		// the registry has no rules: only e can be listed, and it is not due
		if err != nil || len(due) != 0 {
			t.Fatalf("due %v %v", due, err)
		}
	}
	due, err = s.Quality.DueQualityRuns(system, run.StartedAt.Add(1e9), 10)
	if err != nil || len(due) != 1 || due[0] != e.ID {
		t.Fatalf("due later %v %v", due, err)
	}
}

// testQualityOnBatches: the rules run on each batch's rows in its transaction; a rule marked
// reject fails a batch that breaks it, listing the failing rows, and nothing is loaded.
func testQualityOnBatches(t *testing.T, s *Store) {
	if s.Quality == nil {
		t.Fatal("the store under test has no quality service: wire it in its Store")
	}
	editor, _, e := dataSetup(t, s)
	if _, err := s.Quality.SetQualityRules(editor, e, []pubdata.QualityRule{
		{Kind: pubdata.RuleNotNull, Column: "name", Reject: true},
		{Kind: pubdata.RuleAllowed, Column: "staff", Values: []string{"1", "2"}},
	}); err != nil {
		t.Fatal(err)
	}
	b := load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, qualityUSCC(0), "甲公司", 1.0, int64(1), true, "2020-01-01"),
		row(3, qualityUSCC(1), nil, 1.0, int64(2), true, "2020-01-01"))
	if b.Status != pubdata.BatchFailed || b.RowsRejected != 1 || len(b.Errors) != 1 || b.Errors[0].Code != "quality" || b.Errors[0].Column != "企业名称" {
		t.Fatalf("batch %+v", b)
	}
	if st, _ := s.Data.TableStats(system, e.ID); st.Rows != 0 {
		t.Fatalf("rows %d after a rejected batch", st.Rows)
	}
	b = load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, qualityUSCC(0), "甲公司", 1.0, int64(1), true, "2020-01-01"),
		row(3, qualityUSCC(1), "乙公司", 1.0, int64(7), true, "2020-01-01"))
	if b.Status != pubdata.BatchDone {
		t.Fatalf("batch %+v", b)
	}
	run, err := s.Quality.LatestQualityRun(system, e.ID, pubdata.QualityRunBatch)
	if err != nil || run.Rows != 2 || len(run.Results) != 2 || run.Results[1].Status != pubdata.QualityFail || run.Results[1].FailedRows != 1 {
		t.Fatalf("batch run %+v %v", run, err)
	}
	// A later batch checks only its own rows.
	b = load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeAppend}, row(2, qualityUSCC(2), "丙公司", 1.0, int64(2), true, "2020-01-01"))
	run, err = s.Quality.LatestQualityRun(system, e.ID, pubdata.QualityRunBatch)
	if b.Status != pubdata.BatchDone || err != nil || run.Rows != 1 || run.Results[1].Status != pubdata.QualityPass {
		t.Fatalf("second batch %+v run %+v %v", b, run, err)
	}
}
