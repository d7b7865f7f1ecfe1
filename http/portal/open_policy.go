package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
	"time"
)

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
	web.Page
	Entry       web.EntryRow
	ClassKey    string
	NotOpen     bool     // on the negative list: the major interest is required (SX27)
	Terms       []string // UsageTerms codes
	TermsText   string
	DemandTypes []web.CatOption
	Form        publicApplyForm
	Errors      web.FormErrors
	ReplyDays   int
	Due         string
	DueCovered  bool // the calendar knows the holidays up to Due (else it is unconfirmed)
	MinUntil    string
	MaxUntil    string
}

// demandTypeOptions are the demand types of the form.
var demandTypeOptions = []web.CatOption{
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
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to apply for data.").Keyed("error.application.sign_in")
	}
	if web.ApplicantKind(a) != pubdata.KindOpen {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "A public body applies to share data on the console (/console/applications/catalog), not on the public form.").
			Keyed("error.application.public_body_console")
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
	now := s.Now()
	v := &publicApplyView{Page: s.Base(r, false), Entry: web.EntryRow{Entry: e}, ClassKey: web.OptionKey(web.OpenClassOptions, e.OpenClass),
		NotOpen: e.OpenClass == pubdata.ClassNone, TermsText: e.TermsText, DemandTypes: demandTypeOptions, Errors: web.FormErrors{},
		ReplyDays: s.ReplyDaysFor(r.Context(), pubdata.KindOpen, e.Division)}
	v.Terms = e.Terms
	due := s.WorkCalendar().AddWorkdays(now, v.ReplyDays)
	v.Due, v.DueCovered = pubdata.Today(due), s.WorkCalendar().SpanCovered(now, due)
	today, _ := time.ParseInLocation(pubdata.DateFormat, pubdata.Today(now), pubdata.ChinaTime)
	v.MinUntil = today.AddDate(0, 0, 1).Format(pubdata.DateFormat)
	v.MaxUntil = today.AddDate(0, pubdata.MaxApplicationMonths, 0).Format(pubdata.DateFormat)
	v.Form.Until = today.AddDate(0, 6, 0).Format(pubdata.DateFormat)
	return v
}

func (s *Server) PagePublicApply(w http.ResponseWriter, r *http.Request) error {
	a, err := publicApplicant(r)
	if err != nil {
		return err
	}
	if _, err := s.AppService(); err != nil {
		return err
	}
	e, err := s.publicApplyEntry(r, a, r.URL.Query().Get("entry"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "apply", http.StatusOK, s.publicApplyPage(r, e))
}

func (s *Server) PagePublicApplySubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := publicApplicant(r)
	if err != nil {
		return err
	}
	apps, err := s.AppService()
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
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
	errs := web.FormErrors{}
	if c.DemandType == "" {
		errs["demand_type"] = web.Translate(v.Lang, "papply.error.demand_type")
	}
	if verr := pubdata.ValidateApplicationCreate(a, e, c, s.Now()); verr != nil {
		if !web.ErrorIs(verr, pubdata.EINVALID) {
			return verr
		}
		for k, m := range publicApplyErrors(v.Lang, verr) {
			errs[k] = m
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		return s.Render(w, r, "apply", http.StatusBadRequest, v)
	}
	app, err := apps.CreateApplication(r.Context(), e, c)
	if web.ErrorIs(err, pubdata.EINVALID) {
		v.Errors = publicApplyErrors(v.Lang, err)
		return s.Render(w, r, "apply", http.StatusBadRequest, v)
	} else if err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/account/applications/"+app.ID, "created", "1"))
	return nil
}

// publicApplyErrors turns a validation error into the form's messages by field, in lang:
// the domain's basis is the form's description; a problem of a field the form does not show
// goes to the whole form.
func publicApplyErrors(lang string, err error) web.FormErrors {
	errs := web.FormErrors{}
	for field, p := range pubdata.ErrorFields(err) {
		switch field {
		case "basis":
			field = "description"
		case "purpose", "until", "accept_terms", "demand_type", "major_interest":
		default:
			field = ""
		}
		errs[field] = web.FieldText(lang, p)
	}
	if len(errs) == 0 {
		errs[""] = web.ErrorText(lang, err)
	}
	return errs
}
