package pubdata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Data quality (数据质量, C1 and C2): quality rules per entry, declared by its provider or the
// covering authority, run on every batch and on a schedule over the whole table, and scores
// per entry and per unit on GB/T 36344's dimensions. The rules and the scoring are pure
// functions here; the store runs the rules as SQL (sqlstore/quality.go).

// Quality rule kinds.
const (
	RuleNotNull   = "not_null"  // the column has a value in every row (completeness)
	RuleUniqueCol = "unique"    // no value of the column appears in two current rows (consistency)
	RulePattern   = "pattern"   // every value matches a regular expression (conformity)
	RuleStdElem   = "element"   // every value passes its standard element's validator (conformity)
	RuleRange     = "range"     // every value lies within [min, max] (accuracy)
	RuleAllowed   = "allowed"   // every value is one of the allowed values (accuracy)
	RuleReference = "reference" // every value is a current key of another entry (consistency, 一数一源)
	RuleFreshness = "freshness" // the table was loaded within its update cycle (timeliness)
	RuleRowCount  = "row_count" // the row count changed by at most max_change_pct % (completeness)
)

// QualityRuleKinds lists the rule kinds.
var QualityRuleKinds = []string{RuleNotNull, RuleUniqueCol, RulePattern, RuleStdElem, RuleRange, RuleAllowed, RuleReference, RuleFreshness, RuleRowCount}

// Quality dimensions of GB/T 36344-2018.
const (
	DimConformity    = "conformity"    // 规范性
	DimCompleteness  = "completeness"  // 完整性
	DimAccuracy      = "accuracy"      // 准确性
	DimConsistency   = "consistency"   // 一致性
	DimTimeliness    = "timeliness"    // 时效性
	DimAccessibility = "accessibility" // 可访问性
)

// QualityDimensions lists the dimensions in GB/T 36344's order.
var QualityDimensions = []string{DimConformity, DimCompleteness, DimAccuracy, DimConsistency, DimTimeliness, DimAccessibility}

// ruleDimension is the dimension each rule kind measures.
var ruleDimension = map[string]string{
	RuleNotNull: DimCompleteness, RuleRowCount: DimCompleteness,
	RulePattern: DimConformity, RuleStdElem: DimConformity,
	RuleRange: DimAccuracy, RuleAllowed: DimAccuracy,
	RuleUniqueCol: DimConsistency, RuleReference: DimConsistency,
	RuleFreshness: DimTimeliness,
}

// RuleDimension returns the dimension a rule kind measures.
func RuleDimension(kind string) string { return ruleDimension[kind] }

// Limits of rules.
const (
	MaxQualityRules     = 50   // rules per entry
	MaxAllowedValues    = 200  // values of an allowed rule
	MaxRuleText         = 200  // characters of a pattern or an allowed value
	QualitySampleRows   = 100  // failing rows kept per rule and run
	MaxRowChangePercent = 1000 // the widest band of a row_count rule
)

// QualityRule is one rule of an entry. Which fields apply depends on Kind: Column for every
// kind but freshness and row_count; Pattern for pattern; Element for element ("" is the
// item's own element); Min and Max (either may be "") for range; Values for allowed;
// RefEntry and RefColumn for reference; MaxChangePct for row_count. Reject makes a batch
// whose rows break the rule fail.
type QualityRule struct {
	ID           string   `json:"id,omitempty"` // QualityRuleID, set by NormalizeQualityRules
	Kind         string   `json:"kind"`
	Column       string   `json:"column,omitempty"`
	Pattern      string   `json:"pattern,omitempty"`
	Element      string   `json:"element,omitempty"`
	Min          Bound    `json:"min,omitempty"`
	Max          Bound    `json:"max,omitempty"`
	Values       []string `json:"values,omitempty"`
	RefEntry     string   `json:"ref_entry,omitempty"`
	RefColumn    string   `json:"ref_column,omitempty"`
	MaxChangePct float64  `json:"max_change_pct,omitempty"`
	Reject       bool     `json:"reject,omitempty"`
}

// Bound is a range rule's bound: a number or a date, written in JSON as a number or a string.
type Bound string

// UnmarshalJSON accepts a JSON string or number.
func (b *Bound) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = Bound(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("a bound is a number or a string")
	}
	*b = Bound(n.String())
	return nil
}

// MarshalJSON writes a number as a JSON number, anything else as a string.
func (b Bound) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseFloat(string(b), 64); err == nil && isASCII(string(b)) && !strings.ContainsAny(string(b), "xXnN") {
		return []byte(b), nil
	}
	return json.Marshal(string(b))
}

// RowCounted reports whether the rule is checked row by row (it has a column and failing
// rows); freshness and row_count are checks of the table.
func (r QualityRule) RowCounted() bool { return r.Kind != RuleFreshness && r.Kind != RuleRowCount }

// QualityRuleID is a rule's id: a short hash of its definition, so that an unchanged rule
// keeps its id (and its results) when the rules are written again.
func QualityRuleID(r QualityRule) string {
	r.ID = ""
	b, _ := json.Marshal(r)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:5])
}

// NormalizeQualityRules trims the rules' text and sets their ids.
func NormalizeQualityRules(rules []QualityRule) {
	for i := range rules {
		r := &rules[i]
		r.Kind = strings.TrimSpace(r.Kind)
		r.Column = strings.TrimSpace(r.Column)
		r.Element = strings.TrimSpace(r.Element)
		r.Min, r.Max = Bound(strings.TrimSpace(string(r.Min))), Bound(strings.TrimSpace(string(r.Max)))
		r.RefEntry, r.RefColumn = strings.TrimSpace(r.RefEntry), strings.TrimSpace(r.RefColumn)
		for j, v := range r.Values {
			r.Values[j] = strings.TrimSpace(v)
		}
		r.ID = QualityRuleID(*r)
	}
}

// QualityRuleEnv is what validating rules needs beyond the entry's items: whether a data
// element has a validator, and the items of the entry a reference names (ENOTFOUND when it
// is not a published table entry).
type QualityRuleEnv struct {
	ElementKnown func(code string) bool
	RefItems     func(entryID string) ([]Item, error)
}

// ValidateQualityRules checks the rules of an entry with the items: every problem is a field
// error named rules[i].field with a keyed message. Call NormalizeQualityRules first.
func ValidateQualityRules(items []Item, rules []QualityRule, env QualityRuleEnv) error {
	var problems []*Error
	add := func(field, format string, args ...any) *Error {
		p := FieldErrorf(field, format, args...)
		problems = append(problems, p)
		return p
	}
	if len(rules) > MaxQualityRules {
		add("rules", "An entry has at most %d quality rules.", MaxQualityRules).Keyed("error.quality.too_many", "Max", MaxQualityRules)
		return invalid(problems)
	}
	seen := map[string]bool{}
	for i, r := range rules {
		at := fmt.Sprintf("rules[%d]", i)
		n := i + 1
		if !slices.Contains(QualityRuleKinds, r.Kind) {
			add(at+".kind", "Rule %d: kind %q is not one of %s.", n, r.Kind, strings.Join(QualityRuleKinds, ", ")).
				Keyed("error.quality.kind", "N", n, "Kind", r.Kind, "Kinds", strings.Join(QualityRuleKinds, ", "))
			continue
		}
		if seen[r.ID] {
			add(at, "Rule %d repeats an earlier rule.", n).Keyed("error.quality.duplicate", "N", n)
			continue
		}
		seen[r.ID] = true
		var item *Item
		if r.RowCounted() {
			for j := range items {
				if items[j].Name == r.Column {
					item = &items[j]
				}
			}
			if item == nil {
				add(at+".column", "Rule %d: column %q is not a data item of the entry.", n, r.Column).Keyed("error.quality.column", "N", n, "Column", r.Column)
				continue
			}
		} else if r.Column != "" {
			add(at+".column", "Rule %d: a %s rule applies to the whole table and names no column.", n, r.Kind).Keyed("error.quality.no_column", "N", n, "Kind", r.Kind)
		}
		if r.Reject && r.Kind == RuleFreshness {
			add(at+".reject", "Rule %d: a freshness rule cannot reject a batch (a batch makes the table fresh).", n).Keyed("error.quality.reject_freshness", "N", n)
		}
		switch r.Kind {
		case RulePattern:
			if r.Pattern == "" || utf8.RuneCountInString(r.Pattern) > MaxRuleText {
				add(at+".pattern", "Rule %d: a pattern of 1 to %d characters is required.", n, MaxRuleText).Keyed("error.quality.pattern_required", "N", n, "Max", MaxRuleText)
			} else if _, err := regexp.Compile(r.Pattern); err != nil {
				add(at+".pattern", "Rule %d: the pattern is not a valid regular expression.", n).Keyed("error.quality.pattern", "N", n)
			}
		case RuleStdElem:
			el := r.Element
			if el == "" {
				el = item.Element
			}
			if el == "" || env.ElementKnown == nil || !env.ElementKnown(el) {
				add(at+".element", "Rule %d: %q is not a standard data element with a validator (resident_id, uscc, org_code, mobile, division).", n, el).Keyed("error.quality.element", "N", n, "Element", el)
			}
		case RuleRange:
			if !slices.Contains([]string{"integer", "number", "date", "datetime"}, item.Type) {
				add(at+".column", "Rule %d: a range applies to numbers, dates and times; column %s is %s.", n, r.Column, item.Type).Keyed("error.quality.range_type", "N", n, "Column", r.Column, "Type", item.Type)
				break
			}
			if r.Min == "" && r.Max == "" {
				add(at+".min", "Rule %d: a range needs min, max or both.", n).Keyed("error.quality.range_bounds", "N", n)
			}
			var lo, hi any
			for _, b := range []struct {
				field string
				v     Bound
				dst   *any
			}{{"min", r.Min, &lo}, {"max", r.Max, &hi}} {
				if b.v == "" {
					continue
				}
				v, err := ParseItemValue(item.Type, string(b.v))
				if err != nil {
					add(at+"."+b.field, "Rule %d: %s %q is not a value of the column's type (%s).", n, b.field, b.v, item.Type).Keyed("error.quality.bound", "N", n, "Field", b.field, "Value", string(b.v), "Type", item.Type)
					continue
				}
				*b.dst = v
			}
			if lo != nil && hi != nil && compareValues(lo, hi) > 0 {
				add(at+".max", "Rule %d: max is below min.", n).Keyed("error.quality.range_order", "N", n)
			}
		case RuleAllowed:
			if item.Type == "boolean" {
				add(at+".column", "Rule %d: allowed values do not apply to a boolean column.", n).Keyed("error.quality.allowed_type", "N", n)
				break
			}
			if len(r.Values) == 0 || len(r.Values) > MaxAllowedValues {
				add(at+".values", "Rule %d: 1 to %d allowed values are required.", n, MaxAllowedValues).Keyed("error.quality.values", "N", n, "Max", MaxAllowedValues)
				break
			}
			for _, v := range r.Values {
				if _, err := ParseItemValue(item.Type, v); err != nil || utf8.RuneCountInString(v) > MaxRuleText {
					add(at+".values", "Rule %d: %q is not a value of the column's type (%s).", n, v, item.Type).Keyed("error.quality.value", "N", n, "Value", v, "Type", item.Type)
					break
				}
			}
		case RuleReference:
			if r.RefEntry == "" || r.RefColumn == "" {
				add(at+".ref_entry", "Rule %d: a reference names the entry (ref_entry) and its column (ref_column).", n).Keyed("error.quality.ref_required", "N", n)
				break
			}
			var refItems []Item
			var err error
			if env.RefItems != nil {
				refItems, err = env.RefItems(r.RefEntry)
			}
			if env.RefItems == nil || err != nil {
				add(at+".ref_entry", "Rule %d: entry %q is not a published table entry.", n, r.RefEntry).Keyed("error.quality.ref_entry", "N", n, "Entry", r.RefEntry)
				break
			}
			var ref *Item
			for j := range refItems {
				if refItems[j].Name == r.RefColumn {
					ref = &refItems[j]
				}
			}
			if ref == nil {
				add(at+".ref_column", "Rule %d: column %q is not a data item of entry %s.", n, r.RefColumn, r.RefEntry).Keyed("error.quality.ref_column", "N", n, "Column", r.RefColumn, "Entry", r.RefEntry)
			} else if ref.Type != item.Type {
				add(at+".ref_column", "Rule %d: column %s is %s but %s of the other entry is %s.", n, r.Column, item.Type, r.RefColumn, ref.Type).Keyed("error.quality.ref_type", "N", n, "Column", r.Column, "Type", item.Type, "RefColumn", r.RefColumn, "RefType", ref.Type)
			}
		case RuleRowCount:
			if !(r.MaxChangePct > 0 && r.MaxChangePct <= MaxRowChangePercent) {
				add(at+".max_change_pct", "Rule %d: max_change_pct must be above 0 and at most %d.", n, MaxRowChangePercent).Keyed("error.quality.change_pct", "N", n, "Max", MaxRowChangePercent)
			}
		}
	}
	return invalid(problems)
}

// compareValues orders two values of one item type (int64, float64 or text).
func compareValues(a, b any) int {
	switch x := a.(type) {
	case int64:
		y, _ := b.(int64)
		return cmpOrdered(x, y)
	case float64:
		y, _ := b.(float64)
		return cmpOrdered(x, y)
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	}
	return 0
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CanEditQualityRules reports whether the actor may write an entry's quality rules: the
// provider's editors and admins (谁采集、谁负责) and the covering authority's admins and
// reviewers.
func CanEditQualityRules(a *Actor, e *Entry) bool {
	return CanEditEntry(a, e.Org) || CanReviewEntry(a, e.Division)
}

// CanViewQualityDetail reports whether the actor may see an entry's rules and failing rows:
// those who see its working copy (the provider's users and the covering authority).
func CanViewQualityDetail(a *Actor, e *Entry) bool { return CanViewWorkingCopy(a, e) }

// Rule result statuses.
const (
	QualityPass    = "pass"
	QualityFail    = "fail"
	QualitySkipped = "skipped" // nothing to check (no rows, no earlier count)
)

// QualityFinding is one failing row of a rule: its key (the key items, or _row for a table
// without a key) and the value that broke the rule.
type QualityFinding struct {
	Key   map[string]string `json:"key"`
	Value *string           `json:"value"` // nil: the value is NULL (or withheld from the reader)
}

// QualityResult is a rule's outcome in a run.
type QualityResult struct {
	ID         string           `json:"id"`
	Kind       string           `json:"kind"`
	Column     string           `json:"column,omitempty"`
	Dimension  string           `json:"dimension"`
	Status     string           `json:"status"`
	Checked    int64            `json:"checked_rows"`
	FailedRows int64            `json:"failed_rows"`
	Reject     bool             `json:"reject,omitempty"`
	Detail     map[string]any   `json:"detail,omitempty"` // freshness status, counts of a row_count rule
	Sample     []QualityFinding `json:"sample,omitempty"` // the first QualitySampleRows failing rows
}

// RowCounted reports whether the result is a row rule's (with failing rows).
func (r QualityResult) RowCounted() bool { return QualityRule{Kind: r.Kind}.RowCounted() }

// Quality run kinds.
const (
	QualityRunBatch = "batch" // the rules on a batch's rows, in the batch's transaction
	QualityRunFull  = "full"  // the rules over the whole table (scheduled or asked for)
)

// QualityRun is one run of an entry's rules.
type QualityRun struct {
	ID         string          `json:"id"`
	Entry      string          `json:"entry"`
	Kind       string          `json:"kind"`
	Batch      string          `json:"batch,omitempty"`
	Revision   int             `json:"revision"` // of the rules run
	Status     string          `json:"status"`   // running, done
	Rows       int64           `json:"rows"`     // current rows when run (batch: the batch's rows)
	Results    []QualityResult `json:"rules"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// QualityRules are an entry's rules at one revision. Each write is a new revision, kept with
// the entry's version it was written against.
type QualityRules struct {
	Entry        string        `json:"entry"`
	Revision     int           `json:"revision"`
	EntryVersion int           `json:"entry_version"`
	Rules        []QualityRule `json:"rules"`
	UpdatedBy    string        `json:"updated_by,omitempty"`
	UpdatedAt    *time.Time    `json:"updated_at,omitempty"`
}

// QualityWeights are the dimensions' weights in the score (settings; see
// DefaultQualityWeights). A dimension without a weight counts for nothing.
type QualityWeights map[string]float64

// DefaultQualityWeights are the weights when the settings name none: the four dimensions of
// the values 20 each, timeliness 10 and accessibility 10 (sum 100).
var DefaultQualityWeights = QualityWeights{
	DimConformity: 20, DimCompleteness: 20, DimAccuracy: 20, DimConsistency: 20, DimTimeliness: 10, DimAccessibility: 10,
}

// ParseQualityWeights reads weights written "conformity=20,completeness=20,…": every
// dimension named at most once, weights from 0 to 100, at least one above 0. Dimensions not
// named keep their default weight.
func ParseQualityWeights(s string) (QualityWeights, error) {
	w := QualityWeights{}
	for k, v := range DefaultQualityWeights {
		w[k] = v
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || !slices.Contains(QualityDimensions, name) || seen[name] || err != nil || f < 0 || f > 100 || math.IsNaN(f) {
			return nil, fmt.Errorf("quality weight %q: write dimension=weight (0 to 100), the dimensions being %s", part, strings.Join(QualityDimensions, ", "))
		}
		seen[name] = true
		w[name] = f
	}
	total := 0.0
	for _, v := range w {
		total += v
	}
	if total <= 0 {
		return nil, fmt.Errorf("quality weights: at least one weight must be above 0")
	}
	return w, nil
}

// QualityScore is an entry's score: 0 to 100, and each dimension's score (nil: not measured).
type QualityScore struct {
	Score      *int            `json:"score"`
	Dimensions map[string]*int `json:"dimensions"`
}

// QualityInputs are what an entry's score is computed from: the rules' results of its latest
// full run, its freshness against the update cycle, and its accessibility.
type QualityInputs struct {
	Results   []QualityResult
	Freshness string // TableFreshness's status: fresh, due, stale, never
	// Published, Rows, ShareClass and OpenClass give accessibility.
	Published  bool
	Rows       int64
	ShareClass string
	OpenClass  string
}

// ScoreQuality computes the score, the method the page /quality/method writes down:
//
//   - a row rule scores 100 × (1 − failed rows / checked rows) (100 when nothing was checked);
//     a freshness or row_count rule scores 100 when it passes, else 0 (skipped: not counted);
//   - conformity, completeness, accuracy and consistency are the mean of their rules' scores,
//     not measured without rules;
//   - timeliness is the freshness against the update cycle: fresh 100, due 50, stale or never
//     loaded 0 (averaged with the freshness rules' scores when there are some);
//   - accessibility: not published 0; published without rows 50; published with rows and
//     shared or opened (class not "none") 100, else 75;
//   - the score is the weighted mean of the measured dimensions, rounded.
func ScoreQuality(in QualityInputs, w QualityWeights) QualityScore {
	if w == nil {
		w = DefaultQualityWeights
	}
	sums, counts := map[string]float64{}, map[string]int{}
	for _, r := range in.Results {
		if r.Status == QualitySkipped {
			continue
		}
		d := ruleDimension[r.Kind]
		s := 100.0
		switch {
		case !r.RowCounted():
			if r.Status == QualityFail {
				s = 0
			}
		case r.Checked > 0:
			s = 100 * (1 - float64(r.FailedRows)/float64(r.Checked))
		}
		sums[d] += max(0, s)
		counts[d]++
	}
	switch in.Freshness {
	case "fresh":
		sums[DimTimeliness] += 100
	case "due":
		sums[DimTimeliness] += 50
	default:
		sums[DimTimeliness] += 0
	}
	counts[DimTimeliness]++
	acc := 0.0
	switch {
	case !in.Published:
	case in.Rows == 0:
		acc = 50
	case in.ShareClass != ClassNone || in.OpenClass != ClassNone:
		acc = 100
	default:
		acc = 75
	}
	sums[DimAccessibility], counts[DimAccessibility] = acc, 1
	out := QualityScore{Dimensions: map[string]*int{}}
	total, weight := 0.0, 0.0
	for _, d := range QualityDimensions {
		if counts[d] == 0 {
			out.Dimensions[d] = nil
			continue
		}
		v := sums[d] / float64(counts[d])
		n := int(math.Round(v))
		out.Dimensions[d] = &n
		total += v * w[d]
		weight += w[d]
	}
	if weight > 0 {
		n := int(math.Round(total / weight))
		out.Score = &n
	}
	return out
}

// QualityReport is what GET /api/v1/entries/{id}/quality answers: the score of the latest
// full run with its rules' results, and the latest batch's run when it came later.
type QualityReport struct {
	Entry      string          `json:"entry"`
	Score      *int            `json:"score"`
	Dimensions map[string]*int `json:"dimensions"`
	Freshness  string          `json:"freshness"`
	Rules      []QualityResult `json:"rules"`
	Run        *QualityRun     `json:"-"`
	CheckedAt  *time.Time      `json:"checked_at"`
	LastBatch  *QualityRun     `json:"last_batch,omitempty"`
}

// UnitQuality is a unit's (a provider's) score: the mean of its published entries' scores.
type UnitQuality struct {
	Org        string          `json:"org"`
	OrgName    string          `json:"org_name"`
	Entries    int             `json:"entries"` // entries with a score
	Score      *int            `json:"score"`
	Dimensions map[string]*int `json:"dimensions"`
}

// UnitScores averages entries' scores per unit, dimension by dimension.
func UnitScores(scores map[string][]QualityScore, names map[string]string) []UnitQuality {
	out := []UnitQuality{}
	for org, list := range scores {
		u := UnitQuality{Org: org, OrgName: names[org], Dimensions: map[string]*int{}}
		mean := func(get func(QualityScore) *int) *int {
			sum, n := 0, 0
			for _, s := range list {
				if v := get(s); v != nil {
					sum += *v
					n++
				}
			}
			if n == 0 {
				return nil
			}
			m := int(math.Round(float64(sum) / float64(n)))
			return &m
		}
		u.Score = mean(func(s QualityScore) *int { return s.Score })
		for _, d := range QualityDimensions {
			u.Dimensions[d] = mean(func(s QualityScore) *int { return s.Dimensions[d] })
		}
		for _, s := range list {
			if s.Score != nil {
				u.Entries++
			}
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b UnitQuality) int { return strings.Compare(a.Org, b.Org) })
	return out
}

// QualityService keeps entries' quality rules and runs them. Authorisation is the caller's
// (CanEditQualityRules, CanViewQualityDetail); every change records its audit event.
type QualityService interface {
	// FindQualityRules returns the entry's current rules (revision 0 and no rules when none
	// were written).
	FindQualityRules(ctx context.Context, entryID string) (*QualityRules, error)
	// SetQualityRules validates and writes the rules as a new revision ("quality.rules").
	SetQualityRules(ctx context.Context, e *Entry, rules []QualityRule) (*QualityRules, error)
	// RunQuality runs the rules over the published entry's whole table now, resuming a run
	// that was interrupted ("quality.run", by the system when ctx has no user).
	RunQuality(ctx context.Context, e *Entry) (*QualityRun, error)
	// LatestQualityRun returns the latest finished run of the kind; ENOTFOUND if none.
	LatestQualityRun(ctx context.Context, entryID, kind string) (*QualityRun, error)
	// DueQualityRuns lists up to limit published entries with rules whose last full run
	// started before before (or never ran).
	DueQualityRuns(ctx context.Context, before time.Time, limit int) ([]string, error)
	// UnitQuality returns each provider's score: the mean of the stored scores of its
	// published entries' latest full runs (UnitScores).
	UnitQuality(ctx context.Context) ([]UnitQuality, error)
}
