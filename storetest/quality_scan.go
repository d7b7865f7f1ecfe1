package storetest

import (
	"fmt"
	"testing"

	"github.com/pubdata/pubdata"
)

func init() {
	qualityTests = append(qualityTests, namedTest{"QualityOneScan", testQualityOneScan})
}

// testQualityOneScan: every row rule is checked in one scan of the table (issue 13's
// performance). Each kind counts its failing rows and samples the first
// pubdata.QualitySampleRows of them in row order, however many fail: unique over a text
// column (hashed in Go, counted exactly when values repeat) and over a number, pattern,
// allowed values, not null and range side by side.
func testQualityOneScan(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	const n = 250
	var list []*pubdata.SourceRow
	for i := range n {
		name := any(fmt.Sprintf("公司%03d", i))
		switch {
		case i%50 == 7:
			name = "重名公司" // 5 rows share a name
		case i%50 == 9:
			name = nil
		}
		list = append(list, row(int64(i+2), qualityUSCC(i), name, float64(i%3), int64(i), true, "2020-01-01"))
	}
	load(t, s, editor, e, pubdata.LoadOptions{}, list...)
	rules := []pubdata.QualityRule{
		{Kind: pubdata.RuleUniqueCol, Column: "name"},
		{Kind: pubdata.RuleUniqueCol, Column: "capital"},            // 0, 1, 2: every row repeats
		{Kind: pubdata.RulePattern, Column: "name", Pattern: `^公司`}, // the 5 重名公司 fail
		{Kind: pubdata.RuleAllowed, Column: "capital", Values: []string{"0", "1"}},
		{Kind: pubdata.RuleNotNull, Column: "name"},
		{Kind: pubdata.RuleRange, Column: "staff", Max: "99"}, // 150 rows fail: 100 sampled
		{Kind: pubdata.RuleUniqueCol, Column: "uscc"},         // passes
	}
	if _, err := s.Quality.SetQualityRules(editor, e, rules); err != nil {
		t.Fatal(err)
	}
	run, err := s.Quality.RunQuality(system, e)
	if err != nil {
		t.Fatal(err)
	}
	if run.Rows != n || len(run.Results) != len(rules) {
		t.Fatalf("run over %d rows with %d results", run.Rows, len(run.Results))
	}
	want := []struct {
		failed int64
		sample int
		first  string // the first sampled row's uscc
	}{
		{5, 5, qualityUSCC(7)},
		{n, pubdata.QualitySampleRows, qualityUSCC(0)},
		{5, 5, qualityUSCC(7)},
		{83, 83, qualityUSCC(2)}, // capital 2: rows 2, 5, 8, …
		{5, 5, qualityUSCC(9)},
		{150, pubdata.QualitySampleRows, qualityUSCC(100)},
		{0, 0, ""},
	}
	for i, r := range run.Results {
		w := want[i]
		if r.Kind != rules[i].Kind || r.Column != rules[i].Column || r.Checked != n || r.FailedRows != w.failed || len(r.Sample) != w.sample {
			t.Fatalf("rule %d (%s %s): %d failed, %d sampled, %d checked; want %d failed, %d sampled", i, r.Kind, r.Column, r.FailedRows, len(r.Sample), r.Checked, w.failed, w.sample)
		}
		if w.failed == 0 {
			if r.Status != pubdata.QualityPass {
				t.Fatalf("rule %d: %s, want pass", i, r.Status)
			}
			continue
		}
		if r.Status != pubdata.QualityFail || r.Sample[0].Key["uscc"] != w.first {
			t.Fatalf("rule %d (%s %s): %s, first sample %v; want fail at %s", i, r.Kind, r.Column, r.Status, r.Sample[0].Key, w.first)
		}
		// The sample is the first failing rows in row order.
		for j := 1; j < len(r.Sample); j++ {
			if r.Sample[j-1].Key["uscc"] >= r.Sample[j].Key["uscc"] {
				t.Fatalf("rule %d: sample out of order at %d: %v, %v", i, j, r.Sample[j-1].Key, r.Sample[j].Key)
			}
		}
	}
	if v := run.Results[5].Sample[pubdata.QualitySampleRows-1].Value; v == nil || *v != "199" {
		t.Fatalf("range's last sample value %v, want 199", v)
	}
	if v := run.Results[0].Sample[0].Value; v == nil || *v != "重名公司" {
		t.Fatalf("unique's sample value %v", v)
	}
}
