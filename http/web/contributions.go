package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// Contribution terms of non-public data (B7, issue 16 item 5): the console page where an
// enterprise's or another non-public body's data officers (its admins and editors) set and
// see the terms on which each of its entries is contributed, and the terms shown wherever
// they apply — the entry's pages and the pages of products made from it.

// ContributionRow is one of the unit's entries with its terms (nil: none yet).
type ContributionRow struct {
	Entry *pubdata.Entry
	Terms *pubdata.Contribution
}

// ContributionForm is the terms form's fields as written.
type ContributionForm struct {
	Entry    string
	Purposes string
	Users    string // organisation codes, separated by commas, spaces or lines
	From     string
	Until    string
	Products bool
}

// ContributionsView is the console's contributions page (/console/contributions).
type ContributionsView struct {
	Page
	Org    *pubdata.Org
	Rows   []ContributionRow
	CanSet bool // the caller may set terms (the unit's admins and editors)
	Form   ContributionForm
	Errors FormErrors
}

// errContributionsUnit refuses the page to a caller whose unit is not a non-public body.
var errContributionsUnit = pubdata.Errorf(pubdata.EFORBIDDEN, "Contribution terms are set by enterprises and other non-public bodies for their own entries (B7): your unit is a public body or an authority, or you belong to no unit.").
	Keyed("error.contribution.page_forbidden")

// ContributionsPage builds the contributions page for the caller's unit: every entry of it
// with its terms, and the form (filled from the entry named by ?entry= when it has terms).
func (s *Server) ContributionsPage(r *http.Request) (*ContributionsView, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	a, err := ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil || !pubdata.IsNonPublicOrg(a.Org) {
		return nil, errContributionsUnit
	}
	ctx := r.Context()
	v := &ContributionsView{Page: s.Base(r, true), Org: a.Org, CanSet: pubdata.CanSetContribution(a, a.Org), Errors: FormErrors{}}
	entries, _, _, err := s.Entries.FindEntries(ctx, pubdata.EntryFilter{Org: a.Org.Code, Limit: pubdata.MaxLimit})
	if err != nil {
		return nil, err
	}
	terms, err := svc.Contributions(ctx, a.Org.Code)
	if err != nil {
		return nil, err
	}
	byEntry := map[string]*pubdata.Contribution{}
	for _, c := range terms {
		byEntry[c.Entry] = c
	}
	for _, e := range entries {
		v.Rows = append(v.Rows, ContributionRow{Entry: e, Terms: byEntry[e.ID]})
	}
	if id := r.URL.Query().Get("entry"); id != "" {
		v.Form.Entry = id
		if c := byEntry[id]; c != nil {
			v.Form = ContributionForm{Entry: id, Purposes: c.Purposes, Users: strings.Join(c.Users, ", "), From: c.From, Until: c.Until, Products: c.Products}
		}
	}
	return v, nil
}

// ParseContributionForm reads the terms form.
func ParseContributionForm(r *http.Request) (ContributionForm, *pubdata.Contribution) {
	f := r.PostForm
	form := ContributionForm{Entry: strings.TrimSpace(f.Get("entry")), Purposes: f.Get("purposes"), Users: f.Get("users"), From: f.Get("from"),
		Until: f.Get("until"), Products: f.Get("products") == "1"}
	users := strings.FieldsFunc(form.Users, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	return form, &pubdata.Contribution{Entry: form.Entry, Users: users, Purposes: form.Purposes, Products: form.Products, From: form.From, Until: form.Until}
}

// SaveContribution sets an entry's terms from the console: the entry must be one of the
// caller's unit (the service checks who may set them and records "contribution.set").
func (s *Server) SaveContribution(ctx context.Context, c *pubdata.Contribution) (*pubdata.Contribution, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if a.Org == nil || !pubdata.IsNonPublicOrg(a.Org) {
		return nil, errContributionsUnit
	}
	if c.Entry == "" {
		return nil, pubdata.FieldErrorf("entry", "Choose the entry the terms are for.").Keyed("error.contribution.entry_required")
	}
	e, err := s.Entries.FindEntryByID(ctx, c.Entry)
	if err != nil || e.Org != a.Org.Code {
		if err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
			return nil, err
		}
		return nil, pubdata.FieldErrorf("entry", "Entry %q is not one of your unit's entries.", c.Entry).Keyed("error.contribution.entry_unknown", "ID", c.Entry)
	}
	return svc.SetContribution(ctx, c)
}

// ContributionOf returns the terms of an entry, nil when it has none or the server does not
// trade.
func (s *Server) ContributionOf(ctx context.Context, entry string) (*pubdata.Contribution, error) {
	if s.Trade == nil {
		return nil, nil
	}
	c, err := s.Trade.Contribution(ctx, entry)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil
	}
	return c, err
}

// SourceTerms are a product source's contribution terms (the product's page).
type SourceTerms struct {
	Entry string
	Title string
	Terms *pubdata.Contribution
}

// ProductSourceTerms returns the terms of the product's sources that carry them.
func (s *Server) ProductSourceTerms(ctx context.Context, p *pubdata.Product) ([]SourceTerms, error) {
	var out []SourceTerms
	for _, src := range p.Sources {
		c, err := s.ContributionOf(ctx, src.EntryID)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, SourceTerms{Entry: src.EntryID, Title: src.EntryTitle, Terms: c})
		}
	}
	return out, nil
}
