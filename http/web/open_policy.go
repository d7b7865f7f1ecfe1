package web

import (
	"context"
	"fmt"
	"github.com/pubdata/pubdata"
	"strings"
)

// Open policy (issue 6): the pre-open personal-data check (E7) that blocks approving an open
// entry with personal items in clear unless an authority's admin overrides with a reason;
// E3 on approval; the public open-application form (/apply, JL23) with the usage agreement.

// OpenRisk runs the pre-open check on e's working copy (access.Reader.OpenRisk: an internal
// check whose sampled rows never leave package access): its items under the provider's
// effective mask policy, and the first pubdata.OpenRiskSampleRows rows of its published
// table (none before its first publication).
func (s *Server) OpenRisk(ctx context.Context, e *pubdata.Entry) (*pubdata.OpenRisk, error) {
	var p *pubdata.Entry
	if s.Data != nil && e.Version > 0 {
		var err error
		p, err = s.Entries.FindPublishedEntry(ctx, e.ID)
		if ErrorIs(err, pubdata.ENOTFOUND) {
			p = nil
		} else if err != nil {
			return nil, err
		}
	}
	return s.Reader().OpenRisk(ctx, e, p)
}

// errOpenRisk is the refusal to approve an entry whose check blocks it.
func errOpenRisk(risk *pubdata.OpenRisk) error {
	var items []string
	for _, f := range risk.InClear() {
		items = append(items, fmt.Sprintf("%s (%s: %s)", f.Title, f.Item, f.Kind))
	}
	return (&pubdata.Error{Code: pubdata.ECONFLICT, Field: "override_reason", Message: fmt.Sprintf(
		"The pre-open check found personal items that would be open in clear: %s. Mask them (a grade the mask policy masks, or mark them personal), or an administrator of the authority approves with override_reason.",
		strings.Join(items, "; "))}).Keyed("error.entry.open_risk", "Items", strings.Join(items, "; "))
}

// ApproveEntry approves a submitted entry: E3 first; then, for an entry to be opened, the
// pre-open check, which blocks the approval while personal items would be in clear unless
// overrideReason is given by an authority's admin (CanOverrideOpenRisk) — the override is
// recorded with the approval. The check's outcome is returned with any refusal.
func (s *Server) ApproveEntry(ctx context.Context, a *pubdata.Actor, e *pubdata.Entry, comment, overrideReason string) (*pubdata.Entry, *pubdata.OpenRisk, error) {
	overrideReason = strings.TrimSpace(overrideReason)
	if overrideReason != "" && !pubdata.CanOverrideOpenRisk(a, e.Division) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the authority for division %s may override the pre-open check.", e.Division).
			Keyed("error.entry.override_forbidden", "Division", e.Division)
	}
	if err := pubdata.CheckObtainedNotOpen(&e.EntryFields); err != nil {
		return nil, nil, err
	}
	if !e.Opens() {
		got, err := s.Entries.ReviewEntry(ctx, e.ID, true, comment)
		return got, nil, err
	}
	risk, err := s.OpenRisk(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	if !risk.Blocks {
		got, err := s.Entries.ReviewEntry(ctx, e.ID, true, comment)
		return got, risk, err
	}
	if overrideReason == "" {
		return nil, risk, errOpenRisk(risk)
	}
	if n := len([]rune(overrideReason)); n > 2000 {
		return nil, risk, pubdata.FieldErrorf("override_reason", "The override's reason must be at most 2000 characters.").
			Keyed("error.entry.override_reason.too_long")
	}
	got, err := s.Entries.ApproveEntryOverride(ctx, e.ID, comment, &pubdata.OpenRiskOverride{Reason: overrideReason, Findings: risk.InClear()})
	return got, risk, err
}
