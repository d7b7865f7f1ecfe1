package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Open policy (issue 6): the pre-open personal-data check (E7) that blocks approving an open
// entry with personal items in clear unless an authority's admin overrides with a reason;
// E3 on approval; the public open-application form (/apply, JL23) with the usage agreement.

// openRisk runs the pre-open check on e's working copy (access.Reader.OpenRisk: an internal
// check whose sampled rows never leave package access): its items under the provider's
// effective mask policy, and the first pubdata.OpenRiskSampleRows rows of its published
// table (none before its first publication).
func (s *Server) openRisk(ctx context.Context, e *pubdata.Entry) (*pubdata.OpenRisk, error) {
	var p *pubdata.Entry
	if s.Data != nil && e.Version > 0 {
		var err error
		p, err = s.Entries.FindPublishedEntry(ctx, e.ID)
		if errorIs(err, pubdata.ENOTFOUND) {
			p = nil
		} else if err != nil {
			return nil, err
		}
	}
	return s.reader().OpenRisk(ctx, e, p)
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

// approveEntry approves a submitted entry: E3 first; then, for an entry to be opened, the
// pre-open check, which blocks the approval while personal items would be in clear unless
// overrideReason is given by an authority's admin (CanOverrideOpenRisk) — the override is
// recorded with the approval. The check's outcome is returned with any refusal.
func (s *Server) approveEntry(ctx context.Context, a *pubdata.Actor, e *pubdata.Entry, comment, overrideReason string) (*pubdata.Entry, *pubdata.OpenRisk, error) {
	overrideReason = strings.TrimSpace(overrideReason)
	if overrideReason != "" && !pubdata.CanOverrideOpenRisk(a, e.Division) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the authority for division %s may override the pre-open check.", e.Division)
	}
	if err := pubdata.CheckObtainedNotOpen(&e.EntryFields); err != nil {
		return nil, nil, err
	}
	if !e.Opens() {
		got, err := s.Entries.ReviewEntry(ctx, e.ID, true, comment)
		return got, nil, err
	}
	risk, err := s.openRisk(ctx, e)
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
		return nil, risk, pubdata.FieldErrorf("override_reason", "The override's reason must be at most 2000 characters.")
	}
	got, err := s.Entries.ApproveEntryOverride(ctx, e.ID, comment, &pubdata.OpenRiskOverride{Reason: overrideReason, Findings: risk.InClear()})
	return got, risk, err
}

// apiOpenRisk returns the pre-open check of an entry's working copy to its provider's users
// and the covering authority.
func (s *Server) apiOpenRisk(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	e, err := pubdata.FindWorkingCopyFor(r.Context(), s.Entries, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	risk, err := s.openRisk(r.Context(), e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		*pubdata.OpenRisk
		Opens       bool `json:"opens"`
		CanOverride bool `json:"can_override"`
	}{risk, e.Opens(), pubdata.CanOverrideOpenRisk(a, e.Division)})
	return nil
}

// --- the public open-application form (/apply?entry=ID) ---

// publicApplyForm is what the public form holds (JL23).
type publicApplyForm struct {
	DemandType    string
	Description   string // the need, stored as the application's basis
	Purpose       string
	MajorInterest string
	Until         string
	AcceptTerms   bool
}

// publicApplyView is the view of the public form.
type publicApplyView struct {
	page
	Entry       entryRow
	ClassKey    string
	NotOpen     bool     // on the negative list: the major interest is required (SX27)
	Terms       []string // UsageTerms codes
	TermsText   string
	DemandTypes []catOption
	Form        publicApplyForm
	Errors      formErrors
	ReplyDays   int
	Due         string
	DueCovered  bool // the calendar knows the holidays up to Due (else it is unconfirmed)
	MinUntil    string
	MaxUntil    string
}

// demandTypeOptions are the demand types of the form.
var demandTypeOptions = []catOption{
	{Value: "research", Key: "papply.demand.research"},
	{Value: "commercial", Key: "papply.demand.commercial"},
	{Value: "public_interest", Key: "papply.demand.public_interest"},
	{Value: "personal", Key: "papply.demand.personal"},
	{Value: "other", Key: "papply.demand.other"},
}

// publicApplicant returns the signed-in public user or company; a public body (or an
// authority) is sent to the console's share form.
func publicApplicant(r *http.Request) (*pubdata.Actor, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to apply for data.")
	}
	if applicantKind(a) != pubdata.KindOpen {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "A public body applies to share data on the console (/console/applications/catalog), not on the public form.")
	}
	return a, nil
}

// publicApplyEntry returns the published entry of the form: an open one, or a not-open one
// on the public negative list (SX27).
func (s *Server) publicApplyEntry(r *http.Request, a *pubdata.Actor, id string) (*pubdata.Entry, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, pubdata.FieldErrorf("entry", "Parameter entry (the catalogue entry to apply for) is required.").Keyed("error.application.entry_param")
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewPublished(a, e) && e.OpenClass != pubdata.ClassNone {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q was not found.", id).Keyed("error.entry.not_found", "ID", id)
	}
	return e, nil
}

func (s *Server) publicApplyPage(r *http.Request, e *pubdata.Entry) *publicApplyView {
	now := s.now()
	v := &publicApplyView{page: s.base(r, false), Entry: entryRow{Entry: e}, ClassKey: optionKey(openClassOptions, e.OpenClass),
		NotOpen: e.OpenClass == pubdata.ClassNone, TermsText: e.TermsText, DemandTypes: demandTypeOptions, Errors: formErrors{},
		ReplyDays: s.ReplyDays(pubdata.KindOpen)}
	v.Terms = e.Terms
	due := s.calendar().AddWorkdays(now, v.ReplyDays)
	v.Due, v.DueCovered = pubdata.Today(due), s.calendar().SpanCovered(now, due)
	today, _ := time.ParseInLocation(pubdata.DateFormat, pubdata.Today(now), pubdata.ChinaTime)
	v.MinUntil = today.AddDate(0, 0, 1).Format(pubdata.DateFormat)
	v.MaxUntil = today.AddDate(0, pubdata.MaxApplicationMonths, 0).Format(pubdata.DateFormat)
	v.Form.Until = today.AddDate(0, 6, 0).Format(pubdata.DateFormat)
	return v
}

func (s *Server) pagePublicApply(w http.ResponseWriter, r *http.Request) error {
	a, err := publicApplicant(r)
	if err != nil {
		return err
	}
	if _, err := s.appService(); err != nil {
		return err
	}
	e, err := s.publicApplyEntry(r, a, r.URL.Query().Get("entry"))
	if err != nil {
		return err
	}
	return s.render(w, r, "apply", http.StatusOK, s.publicApplyPage(r, e))
}

func (s *Server) pagePublicApplySubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := publicApplicant(r)
	if err != nil {
		return err
	}
	apps, err := s.appService()
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	e, err := s.publicApplyEntry(r, a, f.Get("entry"))
	if err != nil {
		return err
	}
	v := s.publicApplyPage(r, e)
	v.Form = publicApplyForm{DemandType: strings.TrimSpace(f.Get("demand_type")), Description: f.Get("description"), Purpose: f.Get("purpose"),
		MajorInterest: f.Get("major_interest"), Until: strings.TrimSpace(f.Get("until")), AcceptTerms: f.Get("accept_terms") != ""}
	c := &pubdata.ApplicationCreate{Entry: e.ID, Kind: pubdata.KindOpen, Purpose: v.Form.Purpose, Basis: v.Form.Description, Until: v.Form.Until,
		AcceptTerms: v.Form.AcceptTerms, DemandType: v.Form.DemandType, MajorInterest: v.Form.MajorInterest}
	errs := formErrors{}
	if c.DemandType == "" {
		errs["demand_type"] = translate(v.Lang, "papply.error.demand_type")
	}
	if verr := pubdata.ValidateApplicationCreate(a, e, c, s.now()); verr != nil {
		if !errorIs(verr, pubdata.EINVALID) {
			return verr
		}
		for k, m := range publicApplyErrors(v.Lang, verr) {
			errs[k] = m
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		return s.render(w, r, "apply", http.StatusBadRequest, v)
	}
	app, err := apps.CreateApplication(r.Context(), e, c)
	if errorIs(err, pubdata.EINVALID) {
		v.Errors = publicApplyErrors(v.Lang, err)
		return s.render(w, r, "apply", http.StatusBadRequest, v)
	} else if err != nil {
		return err
	}
	redirect(w, r, withQuery("/console/applications/"+app.ID, "created", "1"))
	return nil
}

// publicApplyErrors turns a validation error into the form's messages by field, in lang:
// the domain's basis is the form's description; a problem of a field the form does not show
// goes to the whole form.
func publicApplyErrors(lang string, err error) formErrors {
	errs := formErrors{}
	for field, p := range pubdata.ErrorFields(err) {
		switch field {
		case "basis":
			field = "description"
		case "purpose", "until", "accept_terms", "demand_type", "major_interest":
		default:
			field = ""
		}
		errs[field] = fieldText(lang, p)
	}
	if len(errs) == 0 {
		errs[""] = errorText(lang, err)
	}
	return errs
}
