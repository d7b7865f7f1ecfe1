package pubdata

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Aggregation risk (issue 15 item 8, G6): data that is harmless per entry can identify people
// once combined. AssessAggregation scores what an application or grant brings together: the
// direct identifiers and quasi-identifiers of the items asked for across entries, whether the
// entries can be joined, their grades and personal items. It is a pure function; the review
// of combinations below wires it to applications and grants.

// AggregationPart is one entry combined, with the items taken from it (empty: all).
type AggregationPart struct {
	Entry *Entry
	Items []string
}

// AggregationRisk is the assessment of entries combined.
type AggregationRisk struct {
	Entries int `json:"entries"`
	// Identifiers are the direct identifiers combined (resident_id, name, mobile, uscc);
	// QuasiIdentifiers the kinds of quasi-identifiers (birth_date, sex, age, place, address,
	// ethnicity, occupation, education, marital), both sorted.
	Identifiers      []string `json:"identifiers"`
	QuasiIdentifiers []string `json:"quasi_identifiers"`
	// Links are the identifiers or elements held by two or more of the entries: what joins
	// them record by record.
	Links    []string `json:"links"`
	Personal int      `json:"personal"` // personal items combined
	MaxGrade int      `json:"max_grade"`
	// Score is 0 (nothing combined) … 100: the higher, the likelier the combination
	// identifies people or reveals more than each entry.
	Score int `json:"score"`
}

// directIdentifier is the kind of direct identifier an item is, or "".
func directIdentifier(it Item) string {
	switch it.Element {
	case "resident_id", "name", "mobile", "uscc", "org_code":
		return it.Element
	}
	return ""
}

// quasiKinds maps words in an item's name or title to a kind of quasi-identifier.
var quasiKinds = []struct {
	kind  string
	words []string
}{
	{"birth_date", []string{"birth", "dob", "出生"}},
	{"sex", []string{"sex", "gender", "性别"}},
	{"age", []string{"age", "年龄"}},
	{"address", []string{"address", "住址", "地址", "住所"}},
	{"place", []string{"postcode", "zip", "邮编", "household_division", "户籍", "籍贯"}},
	{"ethnicity", []string{"ethnicity", "nation", "民族"}},
	{"occupation", []string{"occupation", "job", "职业", "工作单位"}},
	{"education", []string{"education", "学历"}},
	{"marital", []string{"marital", "婚姻"}},
}

// quasiIdentifier is the kind of quasi-identifier an item is, or "".
func quasiIdentifier(it Item) string {
	switch it.Element {
	case "address":
		return "address"
	case "division":
		return "place"
	}
	name, title := strings.ToLower(it.Name), it.Title
	for _, q := range quasiKinds {
		for _, w := range q.words {
			if w == "age" { // a whole word: not "page", "usage", "wage"
				if name == "age" || strings.HasSuffix(name, "_age") || strings.HasPrefix(name, "age_") || strings.Contains(title, w) {
					return q.kind
				}
				continue
			}
			if strings.Contains(name, w) || strings.Contains(title, w) {
				return q.kind
			}
		}
	}
	return ""
}

// AssessAggregation scores the parts combined:
//   - each kind of quasi-identifier 10 (at most 50), and 15 more when birth date (or age),
//     sex and place (or address) are all there (Sweeney: they single out most people);
//   - direct identifiers 10, and 20 when an identifier or element links two entries;
//   - the highest grade × 5 (at most 20), and 5 when personal items are combined.
//
// A single entry scores what it holds; the same entry twice counts once.
func AssessAggregation(parts []AggregationPart) AggregationRisk {
	var r AggregationRisk
	seen := map[string]bool{}
	holders := map[string]map[string]bool{} // identifier or element → entries holding it
	for _, p := range parts {
		if p.Entry == nil || seen[p.Entry.ID] {
			continue
		}
		seen[p.Entry.ID] = true
		r.Entries++
		for _, it := range p.Entry.Items {
			if len(p.Items) > 0 && !slices.Contains(p.Items, it.Name) {
				continue
			}
			if it.Personal {
				r.Personal++
			}
			r.MaxGrade = max(r.MaxGrade, it.Grade)
			link := it.Element
			if id := directIdentifier(it); id != "" {
				if !slices.Contains(r.Identifiers, id) {
					r.Identifiers = append(r.Identifiers, id)
				}
			} else if q := quasiIdentifier(it); q != "" && !slices.Contains(r.QuasiIdentifiers, q) {
				r.QuasiIdentifiers = append(r.QuasiIdentifiers, q)
			}
			if link != "" {
				if holders[link] == nil {
					holders[link] = map[string]bool{}
				}
				holders[link][p.Entry.ID] = true
			}
		}
	}
	for el, es := range holders {
		if len(es) > 1 {
			r.Links = append(r.Links, el)
		}
	}
	slices.Sort(r.Identifiers)
	slices.Sort(r.QuasiIdentifiers)
	slices.Sort(r.Links)
	has := func(k ...string) bool {
		return slices.ContainsFunc(k, func(x string) bool { return slices.Contains(r.QuasiIdentifiers, x) })
	}
	score := min(50, 10*len(r.QuasiIdentifiers))
	if has("birth_date", "age") && has("sex") && has("place", "address") {
		score += 15
	}
	if len(r.Identifiers) > 0 {
		score += 10
	}
	if len(r.Links) > 0 {
		score += 20
	}
	score += min(20, 5*r.MaxGrade)
	if r.Personal > 0 {
		score += 5
	}
	r.Score = min(100, score)
	if r.Identifiers == nil {
		r.Identifiers = []string{}
	}
	if r.QuasiIdentifiers == nil {
		r.QuasiIdentifiers = []string{}
	}
	if r.Links == nil {
		r.Links = []string{}
	}
	return r
}

// NeedsAggregationReview reports whether a combination of several entries scores at or
// above threshold, so that the authority must review it.
func NeedsAggregationReview(r AggregationRisk, threshold int) bool {
	return r.Entries > 1 && r.Score >= threshold
}

// --- the review of combinations (G6) ---
//
// An application is assessed when it is submitted and again when it is approved (the grant's
// scope): its entry and items, combined with what the applicant already holds — its live
// grants and its other open (pending or disputed) applications. When several entries are
// combined and the score reaches the threshold (SecuritySettings.AggregationThreshold), the
// covering authority must review the combination before the provider may approve it: the
// authority clears it (the provider then decides as usual, with a fresh answer period) or
// refuses it (the application is rejected with the authority's reason). An approval by the
// authority itself (a disputed application) counts as its review.

// DefaultAggregationThreshold is the score from which a combination needs review.
const DefaultAggregationThreshold = 60

// Aggregation review states.
const (
	AggregationNotNeeded = ""         // below the threshold, or a single entry
	AggregationRequired  = "required" // waiting for the authority
	AggregationCleared   = "cleared"  // the authority allowed the combination
	AggregationRefused   = "refused"  // the authority refused it: the application was rejected
)

// Aggregation assessment stages.
const (
	AggregationAtSubmit = "submit"
	AggregationAtGrant  = "grant"
)

// AggregationSource is one entry of a combination and where it comes from: "application"
// (the one assessed), "grant:<id>" (a live grant of the applicant) or "application:<id>"
// (another open application of the applicant).
type AggregationSource struct {
	Entry      string   `json:"entry"`
	EntryTitle string   `json:"entry_title"`
	Items      []string `json:"items"` // empty: all
	Source     string   `json:"source"`
}

// AggregationAssessment is an application's latest assessment and its review.
type AggregationAssessment struct {
	Application string `json:"application"`
	Stage       string `json:"stage"` // submit or grant
	AggregationRisk
	Parts      []AggregationSource `json:"parts"`
	Threshold  int                 `json:"threshold"`
	Review     string              `json:"review"` // "", required, cleared, refused
	ReviewedBy string              `json:"reviewed_by,omitempty"`
	ReviewedAt *time.Time          `json:"reviewed_at,omitempty"`
	ReviewNote string              `json:"review_note,omitempty"`
	// ClearedScore is the score the authority cleared: a later assessment above it needs a
	// new review.
	ClearedScore int       `json:"cleared_score,omitempty"`
	AssessedAt   time.Time `json:"assessed_at"`
	// The application's facts, for lists.
	EntryTitle   string            `json:"entry_title,omitempty"`
	Applicant    string            `json:"applicant,omitempty"`
	ApplicantOrg string            `json:"applicant_org,omitempty"`
	Division     string            `json:"division,omitempty"`
	Status       ApplicationStatus `json:"status,omitempty"`
	Grant        string            `json:"grant,omitempty"`
}

// AggregationReviewState is the review a new assessment leaves: prev is the review so far
// and cleared the score the authority cleared. A combination that needs review stays cleared
// when its score is not above what was cleared, else it is required; one that does not need
// review needs nothing (a refusal stays).
func AggregationReviewState(r AggregationRisk, threshold int, prev string, cleared int) string {
	switch {
	case prev == AggregationRefused:
		return AggregationRefused
	case !NeedsAggregationReview(r, threshold):
		return AggregationNotNeeded
	case prev == AggregationCleared && r.Score <= cleared:
		return AggregationCleared
	}
	return AggregationRequired
}

// CanReviewAggregation reports whether the actor may clear or refuse a combination of an
// application whose entry is in division: the covering authority's admins and reviewers.
func CanReviewAggregation(a *Actor, division string) bool { return CanReviewEntry(a, division) }

// CanSeeAggregations reports whether the actor may list the assessments: an authority's
// admins and reviewers (those of their division).
func CanSeeAggregations(a *Actor) bool {
	return !a.Anonymous() && a.IsAuthority() && (a.Role() == RoleAdmin || a.Role() == RoleReviewer)
}

// ErrAggregationReview is the refusal of an approval while the authority's review is
// pending.
func ErrAggregationReview(score, threshold int) error {
	return Errorf(ECONFLICT, "This application combines entries with an aggregation risk of %d (threshold %d): the authority must review the combination before it can be approved.", score, threshold).
		Keyed("error.aggregation.review_required", "Score", score, "Threshold", threshold)
}

// AggregationFilter selects assessments.
type AggregationFilter struct {
	Division string // the entries' division ("" all)
	Review   string // only this review state ("" any); "any" with MinScore
	MinScore int
	Combined bool // only combinations of several entries
	Limit    int
}

// Notifications of the review.
const (
	NoticeAggregationReview  = "application.aggregation_review"  // to the authority: review a combination
	NoticeAggregationCleared = "application.aggregation_cleared" // to the provider and the applicant
)

func init() {
	NoticeRules[NoticeAggregationReview] = authorityDeciders
	NoticeRules[NoticeAggregationCleared] = func(p NoticeParties) []Recipient { return append(deciders(p.Provider), toUser(p)...) }
}

// AggregationService keeps the assessments of applications and the authority's reviews
// (implemented by the application store).
type AggregationService interface {
	// Aggregations lists assessments, the highest score first.
	Aggregations(ctx context.Context, f AggregationFilter) ([]*AggregationAssessment, error)
	// ReviewAggregation clears (clear) or refuses a combination waiting for review, with a
	// note (required to refuse: it is the rejection's reason). The actor must be the covering
	// authority's admin or reviewer.
	ReviewAggregation(ctx context.Context, application string, clear bool, note string) (*Application, error)
}
