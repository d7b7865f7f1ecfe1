package pubdata

import (
	"encoding/json"
	"testing"
)

func TestValidateQualityRules(t *testing.T) {
	items := []Item{{Name: "uscc", Type: "string", Key: true, Element: "uscc"}, {Name: "age", Type: "integer"}, {Name: "ok", Type: "boolean"}}
	env := QualityRuleEnv{ElementKnown: func(c string) bool { return c == "uscc" }, RefItems: func(id string) ([]Item, error) {
		if id == "reg" {
			return []Item{{Name: "uscc", Type: "string"}}, nil
		}
		return nil, Errorf(ENOTFOUND, "no")
	}}
	good := []QualityRule{
		{Kind: RuleNotNull, Column: "age"}, {Kind: RuleStdElem, Column: "uscc"}, {Kind: RuleRange, Column: "age", Min: "0", Max: "150"},
		{Kind: RuleAllowed, Column: "age", Values: []string{"1", "2"}}, {Kind: RuleReference, Column: "uscc", RefEntry: "reg", RefColumn: "uscc"},
		{Kind: RulePattern, Column: "uscc", Pattern: "^9"}, {Kind: RuleFreshness}, {Kind: RuleRowCount, MaxChangePct: 10, Reject: true},
	}
	NormalizeQualityRules(good)
	if err := ValidateQualityRules(items, good, env); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		r     QualityRule
		field string
	}{
		"unknown kind":      {QualityRule{Kind: "x"}, "rules[0].kind"},
		"unknown column":    {QualityRule{Kind: RuleNotNull, Column: "nope"}, "rules[0].column"},
		"range on boolean":  {QualityRule{Kind: RuleRange, Column: "ok", Min: "1"}, "rules[0].column"},
		"bad bound":         {QualityRule{Kind: RuleRange, Column: "age", Min: "x"}, "rules[0].min"},
		"max below min":     {QualityRule{Kind: RuleRange, Column: "age", Min: "5", Max: "1"}, "rules[0].max"},
		"bad pattern":       {QualityRule{Kind: RulePattern, Column: "uscc", Pattern: "("}, "rules[0].pattern"},
		"no element":        {QualityRule{Kind: RuleStdElem, Column: "age"}, "rules[0].element"},
		"missing reference": {QualityRule{Kind: RuleReference, Column: "uscc", RefEntry: "gone", RefColumn: "uscc"}, "rules[0].ref_entry"},
		"reference type":    {QualityRule{Kind: RuleReference, Column: "age", RefEntry: "reg", RefColumn: "uscc"}, "rules[0].ref_column"},
		"band":              {QualityRule{Kind: RuleRowCount}, "rules[0].max_change_pct"},
		"fresh reject":      {QualityRule{Kind: RuleFreshness, Reject: true}, "rules[0].reject"},
		"table with column": {QualityRule{Kind: RuleFreshness, Column: "age"}, "rules[0].column"},
	} {
		rules := []QualityRule{c.r}
		NormalizeQualityRules(rules)
		err := ValidateQualityRules(items, rules, env)
		if f := ErrorFields(err)[c.field]; f == nil || f.Msg == nil {
			t.Errorf("%s: %v, want a keyed problem of %s", name, err, c.field)
		}
	}
	dup := []QualityRule{{Kind: RuleNotNull, Column: "age"}, {Kind: RuleNotNull, Column: "age"}}
	NormalizeQualityRules(dup)
	if ErrorFields(ValidateQualityRules(items, dup, env))["rules[1]"] == nil {
		t.Error("a repeated rule is accepted")
	}
}

func TestQualityRuleJSON(t *testing.T) {
	var r QualityRule
	if err := json.Unmarshal([]byte(`{"kind":"range","column":"age","min":0,"max":"150"}`), &r); err != nil || r.Min != "0" || r.Max != "150" {
		t.Fatalf("%+v %v", r, err)
	}
	b, _ := json.Marshal(r)
	if string(b) != `{"kind":"range","column":"age","min":0,"max":150}` {
		t.Fatalf("%s", b)
	}
	a, c := r, r
	c.Max = "151"
	if QualityRuleID(a) != QualityRuleID(r) || QualityRuleID(c) == QualityRuleID(r) {
		t.Error("ids do not follow the definition")
	}
}

func TestScoreQuality(t *testing.T) {
	in := QualityInputs{
		Results: []QualityResult{
			{Kind: RuleNotNull, Status: QualityFail, Checked: 4, FailedRows: 1},
			{Kind: RuleStdElem, Status: QualityPass, Checked: 4},
			{Kind: RuleRowCount, Status: QualitySkipped},
		},
		Freshness: "due", Published: true, Rows: 4, ShareClass: ClassUnconditional, OpenClass: ClassNone,
	}
	s := ScoreQuality(in, nil)
	d := s.Dimensions
	if *d[DimCompleteness] != 75 || *d[DimConformity] != 100 || d[DimAccuracy] != nil || d[DimConsistency] != nil || *d[DimTimeliness] != 50 || *d[DimAccessibility] != 100 {
		t.Fatalf("dimensions %v", d)
	}
	// (75·20 + 100·20 + 50·10 + 100·10) / 60 = 83.3
	if *s.Score != 83 {
		t.Fatalf("score %d", *s.Score)
	}
	// Without the null, completeness and the score rise.
	in.Results[0] = QualityResult{Kind: RuleNotNull, Status: QualityPass, Checked: 4}
	if s2 := ScoreQuality(in, nil); *s2.Score <= *s.Score {
		t.Fatalf("score %d not above %d", *s2.Score, *s.Score)
	}
	w, err := ParseQualityWeights("timeliness=0, accessibility=0")
	if err != nil || w[DimTimeliness] != 0 || w[DimConformity] != 20 {
		t.Fatalf("%v %v", w, err)
	}
	if *ScoreQuality(in, w).Score != 100 {
		t.Fatal("weights ignored")
	}
	for _, bad := range []string{"speed=1", "conformity=101", "conformity", "conformity=1,conformity=2", "conformity=0,completeness=0,accuracy=0,consistency=0,timeliness=0,accessibility=0"} {
		if _, err := ParseQualityWeights(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	units := UnitScores(map[string][]QualityScore{"a": {s, ScoreQuality(in, nil)}}, map[string]string{"a": "甲"})
	if len(units) != 1 || units[0].Entries != 2 || units[0].OrgName != "甲" {
		t.Fatalf("%+v", units)
	}
}
