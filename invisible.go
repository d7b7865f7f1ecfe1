package pubdata

import (
	"context"
	"math"
	"slices"
	"strings"
)

// Usable but invisible (可用不可见, issue 16 item 2, D7). An entry marked Invisible, or an item
// marked Invisible, is never returned as rows to anyone but its provider and the authority
// over it: no read kind of the one read path returns them. Consumers who could otherwise read
// the entry get two answers instead, both through the read path and recorded with their
// purpose:
//   - verification: does a record with these values exist? (yes or no, nothing else);
//   - aggregates: counts, clamped sums, means and quantiles, grouped by a column the provider
//     allows, with discrete Laplace noise (lib/dp), groups below the entry's minimum size
//     suppressed, and each query spending its ε from a privacy budget per grant (or per
//     body, or per person, when no grant is involved).

// Defaults of the terms of an invisible entry.
const (
	DefaultMinGroupSize  = 10
	DefaultPrivacyBudget = 5.0 // ε per holder
	MaxQueryEpsilon      = 2.0
	MaxAggregateMeasures = 8
	MaxVerifyValues      = 8
)

// InvisibleTerms are the entry's terms for usable-but-invisible answers (EntryFields).
type InvisibleTerms struct {
	// GroupColumns are the items consumers may group aggregates by.
	GroupColumns []string `json:"group_columns,omitempty"`
	// MinGroupSize: groups with fewer records are suppressed (0: DefaultMinGroupSize).
	MinGroupSize int `json:"min_group_size,omitempty"`
	// PrivacyBudget is the ε each holder may spend in all (0: DefaultPrivacyBudget).
	PrivacyBudget float64 `json:"privacy_budget,omitempty"`
}

// MinGroup is the effective minimum group size.
func (t InvisibleTerms) MinGroup() int {
	if t.MinGroupSize <= 0 {
		return DefaultMinGroupSize
	}
	return t.MinGroupSize
}

// Budget is the effective privacy budget.
func (t InvisibleTerms) Budget() float64 {
	if t.PrivacyBudget <= 0 {
		return DefaultPrivacyBudget
	}
	return t.PrivacyBudget
}

// HasInvisible reports whether the entry or any of its items is usable but invisible.
func (e *Entry) HasInvisible() bool {
	if e.Invisible {
		return true
	}
	for _, it := range e.Items {
		if it.Invisible {
			return true
		}
	}
	return false
}

// checkInvisible checks an entry's usable-but-invisible terms (part of ValidateEntry).
func checkInvisible(f *EntryFields) []*Error {
	var p []*Error
	add := func(field, format string, args ...any) *Error {
		e := FieldErrorf(field, format, args...)
		p = append(p, e)
		return e
	}
	t := f.InvisibleTerms
	for _, c := range t.GroupColumns {
		i := slices.IndexFunc(f.Items, func(it Item) bool { return it.Name == c })
		if i < 0 {
			add("group_columns", "Group column %q is not one of the entry's items.", c).Keyed("error.invisible.group_column", "Column", c)
			continue
		}
		if typ := f.Items[i].Type; typ != "string" && typ != "date" && typ != "datetime" {
			add("group_columns", "Group column %q is of type %s: aggregates group by text or date items.", c, typ).Keyed("error.invisible.group_type", "Column", c, "Type", typ)
		}
	}
	if t.MinGroupSize < 0 || t.MinGroupSize > 1000 {
		add("min_group_size", "The minimum group size %d is not between 1 and 1000.", t.MinGroupSize).Keyed("error.invisible.min_group", "Size", t.MinGroupSize)
	}
	if math.IsNaN(t.PrivacyBudget) || t.PrivacyBudget < 0 || t.PrivacyBudget > 100 {
		add("privacy_budget", "The privacy budget %g is not between 0 and 100.", t.PrivacyBudget).Keyed("error.invisible.budget", "Budget", t.PrivacyBudget)
	}
	return p
}

// hideInvisible leaves the invisible items (or, for an invisible entry, everything) out of
// a decision that is not the provider's or the authority's.
func hideInvisible(e *Entry, d AccessDecision) AccessDecision {
	if !d.Allow || d.Reason == AccessProvider || d.Reason == AccessAuthority {
		return d
	}
	if e.Invisible {
		return AccessDecision{Reason: AccessInvisible,
			Message: "This entry is usable but invisible: its rows are never returned. Ask for a verification (POST /api/v1/entries/{id}/verify) or an aggregate (POST /api/v1/entries/{id}/aggregate).",
			Msg:     NewMessage("error.access.invisible")}
	}
	hid := false
	for _, it := range e.Items {
		if it.Invisible && slices.Contains(d.Columns, it.Name) {
			d.Columns = slices.DeleteFunc(slices.Clone(d.Columns), func(c string) bool { return c == it.Name })
			delete(d.Masks, it.Name)
			hid = true
		}
	}
	if hid && len(d.Columns) == 0 {
		return AccessDecision{Reason: AccessInvisible, Message: "Every item of this entry is usable but invisible.", Msg: NewMessage("error.access.invisible")}
	}
	return d
}

// DecideUse decides a verification or an aggregate: the read decision the caller would have
// if nothing were invisible (a refusal stays a refusal), for an entry that has something
// invisible. Providers and the authority get the same answers as consumers here.
func DecideUse(r AccessRequest) AccessDecision {
	d := decideAccess(r)
	if !d.Allow {
		return d
	}
	if !r.Entry.HasInvisible() {
		return AccessDecision{Reason: AccessNotInvisible,
			Message: "This entry's rows can be read: verification and noisy aggregates are for usable-but-invisible entries.",
			Msg:     NewMessage("error.access.not_invisible")}
	}
	if r.Actor.Anonymous() {
		return AccessDecision{Reason: AccessSignIn, Message: "Sign in to verify or aggregate: each query is recorded and spends a privacy budget.", Msg: NewMessage("error.access.sign_in_to_use")}
	}
	return d
}

// BudgetHolder is whose privacy budget a use spends: the grant's, else the caller's body's,
// else the person's.
func BudgetHolder(a *Actor, d AccessDecision) string {
	switch {
	case d.Grant != nil:
		return "grant:" + d.Grant.ID
	case a.Org != nil:
		return "org:" + a.Org.Code
	default:
		return "user:" + a.User.ID
	}
}

// VerifyRequest asks whether a record with these values exists.
type VerifyRequest struct {
	Values map[string]string `json:"values"`
}

// CheckVerify checks a verification against the entry: at most MaxVerifyValues values, each
// an item other than those the policy hides, at least one of them a key item (so that a
// verification confirms a record, not a population).
func CheckVerify(e *Entry, d AccessDecision, hidden func(Item) bool, req VerifyRequest) error {
	if len(req.Values) == 0 || len(req.Values) > MaxVerifyValues {
		return Errorf(EINVALID, "Give 1 to %d values to verify (\"values\": {item: value}).", MaxVerifyValues).Keyed("error.verify.count", "Max", MaxVerifyValues)
	}
	key := false
	for name, v := range req.Values {
		i := slices.IndexFunc(e.Items, func(it Item) bool { return it.Name == name })
		if i < 0 {
			return Errorf(EINVALID, "%q is not an item of this entry.", name).Keyed("error.verify.item", "Item", name)
		}
		if hidden(e.Items[i]) {
			return Errorf(EFORBIDDEN, "Item %q may not be verified by you.", name).Keyed("error.verify.hidden", "Item", name)
		}
		if strings.TrimSpace(v) == "" || len(v) > 512 {
			return Errorf(EINVALID, "The value of %q is empty or longer than 512 bytes.", name).Keyed("error.verify.value", "Item", name)
		}
		key = key || e.Items[i].Key
	}
	if !key {
		return Errorf(EINVALID, "A verification names at least one key item of the entry (%s).", strings.Join(keyNames(e), ", ")).Keyed("error.verify.key", "Keys", strings.Join(keyNames(e), ", "))
	}
	return nil
}

func keyNames(e *Entry) []string {
	var out []string
	for _, it := range e.Items {
		if it.Key {
			out = append(out, it.Name)
		}
	}
	return out
}

// Aggregate operations.
const (
	AggCount     = "count"
	AggSum       = "sum"
	AggMean      = "mean"
	AggQuantiles = "quantiles"
)

// AggregateMeasure is one figure per group. Sums, means and quantiles clamp every value into
// [Lower, Upper] (whole numbers in the item's unit): the noise is scaled to those bounds.
type AggregateMeasure struct {
	Op        string    `json:"op"`
	Column    string    `json:"column,omitempty"`
	Lower     *int64    `json:"lower,omitempty"`
	Upper     *int64    `json:"upper,omitempty"`
	Quantiles []float64 `json:"q,omitempty"`
}

// AggregateRequest is a noisy aggregate: the measures per group of GroupBy ("" for one
// group of everything), spending Epsilon of the budget.
type AggregateRequest struct {
	GroupBy  string             `json:"group_by,omitempty"`
	Measures []AggregateMeasure `json:"measures"`
	Epsilon  float64            `json:"epsilon"`
}

// AggregateGroup is one group's noisy figures; a suppressed group has only its key.
type AggregateGroup struct {
	Key        string               `json:"key"`
	Suppressed bool                 `json:"suppressed,omitempty"`
	Count      *int64               `json:"count,omitempty"`
	Figures    map[string]float64   `json:"figures,omitempty"`   // "sum(age)", "mean(age)"
	Quantiles  map[string][]float64 `json:"quantiles,omitempty"` // "age": one value per q
}

// AggregateResult is the answer to an aggregate.
type AggregateResult struct {
	Groups       []AggregateGroup `json:"groups"`
	EpsilonSpent float64          `json:"epsilon_spent"`
	BudgetLeft   float64          `json:"budget_left"`
	MinGroupSize int              `json:"min_group_size"`
	Noise        string           `json:"noise"`
}

// CheckAggregate checks an aggregate against the entry's terms and the caller's decision:
// the group column is one the provider allows, each measure's column is a number the caller
// could read (masked or invisible to rows, but not hidden by the policy), bounds are given
// for sums, means and quantiles, and ε is within (0, MaxQueryEpsilon].
func CheckAggregate(e *Entry, hidden func(Item) bool, req AggregateRequest) error {
	if req.GroupBy != "" && !slices.Contains(e.InvisibleTerms.GroupColumns, req.GroupBy) {
		allowed := strings.Join(e.InvisibleTerms.GroupColumns, ", ")
		if allowed == "" {
			allowed = "none"
		}
		return Errorf(EFORBIDDEN, "Aggregates of this entry may not be grouped by %q (allowed: %s).", req.GroupBy, allowed).Keyed("error.aggregate.group", "Column", req.GroupBy, "Allowed", allowed)
	}
	if len(req.Measures) == 0 || len(req.Measures) > MaxAggregateMeasures {
		return Errorf(EINVALID, "Give 1 to %d measures.", MaxAggregateMeasures).Keyed("error.aggregate.measures", "Max", MaxAggregateMeasures)
	}
	if math.IsNaN(req.Epsilon) || req.Epsilon <= 0 || req.Epsilon > MaxQueryEpsilon {
		return Errorf(EINVALID, "epsilon %g is not in (0, %g].", req.Epsilon, MaxQueryEpsilon).Keyed("error.aggregate.epsilon", "Epsilon", req.Epsilon, "Max", MaxQueryEpsilon)
	}
	for _, m := range req.Measures {
		switch m.Op {
		case AggCount:
			continue
		case AggSum, AggMean, AggQuantiles:
		default:
			return Errorf(EINVALID, "Unknown measure %q (count, sum, mean or quantiles).", m.Op).Keyed("error.aggregate.op", "Op", m.Op)
		}
		i := slices.IndexFunc(e.Items, func(it Item) bool { return it.Name == m.Column })
		if i < 0 {
			return Errorf(EINVALID, "%s needs a column of the entry; %q is not one.", m.Op, m.Column).Keyed("error.aggregate.column", "Op", m.Op, "Column", m.Column)
		}
		if t := e.Items[i].Type; t != "integer" && t != "number" {
			return Errorf(EINVALID, "%s of %q: the item is of type %s, not a number.", m.Op, m.Column, t).Keyed("error.aggregate.type", "Op", m.Op, "Column", m.Column, "Type", t)
		}
		if hidden(e.Items[i]) {
			return Errorf(EFORBIDDEN, "Item %q may not be aggregated by you.", m.Column).Keyed("error.aggregate.hidden", "Column", m.Column)
		}
		if m.Lower == nil || m.Upper == nil || *m.Lower >= *m.Upper || *m.Upper-*m.Lower > 1<<40 || *m.Lower < -(1<<40) || *m.Upper > 1<<40 {
			return Errorf(EINVALID, "%s of %q needs whole-number bounds lower < upper (every value is clamped into them; at most 2^40 apart).", m.Op, m.Column).Keyed("error.aggregate.bounds", "Op", m.Op, "Column", m.Column)
		}
		if m.Op == AggQuantiles {
			if len(m.Quantiles) == 0 || len(m.Quantiles) > 9 {
				return Errorf(EINVALID, "quantiles of %q needs 1 to 9 values of q.", m.Column).Keyed("error.aggregate.q", "Column", m.Column)
			}
			for _, q := range m.Quantiles {
				if math.IsNaN(q) || q < 0 || q > 1 {
					return Errorf(EINVALID, "q %g is not between 0 and 1.", q).Keyed("error.aggregate.q_range", "Q", q)
				}
			}
		}
	}
	return nil
}

// PrivacyService keeps the privacy budgets (sqlstore).
type PrivacyService interface {
	// Spend takes eps (thousandths) from holder's budget on the entry, whose total is budget
	// (thousandths), and records the use (action, details, with the request's purpose) in
	// the same transaction; EFORBIDDEN, spending nothing, when it would exceed the budget.
	// It returns what is left.
	Spend(ctx context.Context, e *Entry, holder string, eps, budget int64, action string, details map[string]any) (left int64, err error)
	// Spent returns what holder has spent on the entry (thousandths).
	Spent(ctx context.Context, entryID, holder string) (int64, error)
}
