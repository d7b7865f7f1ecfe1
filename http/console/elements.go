package console

import (
	"cmp"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"slices"
	"strings"
)

// The console's page of the data-element registry (数据元, one source per datum 一数一源):
// every member of an organisation sees each element with its authoritative source and
// source entry; an authority's administrator (pubdata.CanManageElements) names the source
// of an element, row by row — an organisation inside its division, optionally with that
// organisation's entry that supplies the element — or clears it.

// elementsActor returns the signed-in actor of the registry page: a member of an
// organisation.
func elementsActor(r *http.Request) (*pubdata.Actor, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation see the data-element registry.").Keyed("error.element.members_only")
	}
	return a, nil
}

// elementForm is what a row's form holds: the source organisation's code ("" clears the
// source) and the source entry as entered (a resource code or an entry id).
type elementForm struct {
	Org, Entry string
}

// elementRow is one data element as the page shows it.
type elementRow struct {
	*pubdata.DataElement
	Label   string // the name in the page's language
	TypeKey string
	// The source entry as the actor may see it: a link to the catalogue or the console, its
	// title and resource code; all "" when the actor may not see it (the page then shows
	// its id).
	EntryURL, EntryTitle, EntryCode string
	Form                            elementForm
	Choices                         []orgChoice // the organisations offered, with the one in the form
	Errors                          web.FormErrors
}

// elementsView is the view of the registry.
type elementsView struct {
	web.Page
	Elements  []elementRow
	CanManage bool
	Division  string         // the manager's division, by name
	Errors    web.FormErrors // set when a row's form failed: names the element, for role="alert"
	orgs      []orgChoice
}

// row returns the row of the element code, or nil.
func (v *elementsView) row(code string) *elementRow {
	for i := range v.Elements {
		if v.Elements[i].Code == code {
			return &v.Elements[i]
		}
	}
	return nil
}

// withChoice returns the choices with the organisation code added when it is not among
// them (a source outside the manager's division, or a code as entered), so that the
// select shows what the row holds.
func withChoice(choices []orgChoice, code, name string) []orgChoice {
	if code == "" || slices.ContainsFunc(choices, func(c orgChoice) bool { return c.Code == code }) {
		return choices
	}
	return append(slices.Clip(choices), orgChoice{Code: code, Name: cmp.Or(name, code)})
}

// sourceChoices returns the organisations an authority's administrator may name as a
// source: the public bodies and authorities inside its division, by code.
func (s *Server) sourceChoices(r *http.Request, a *pubdata.Actor) ([]orgChoice, error) {
	var out []orgChoice
	f := pubdata.OrgFilter{DivisionPrefix: pubdata.DivisionPrefix(a.Org.Division), Limit: pubdata.MaxLimit}
	for {
		orgs, _, next, err := s.Orgs.FindOrgs(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			if o.Kind == pubdata.KindPublicBody || o.Kind == pubdata.KindAuthority {
				out = append(out, orgChoice{Code: o.Code, Name: o.Name})
			}
		}
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// describeSourceEntry fills the row's source entry as the actor may see it: the published
// entry in the catalogue when the actor may see that, else the working copy in the console
// when the actor may see that, else nothing.
func (s *Server) describeSourceEntry(r *http.Request, a *pubdata.Actor, row *elementRow) error {
	e, err := s.Entries.FindEntryByID(r.Context(), row.SourceEntry)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil
	} else if err != nil {
		return err
	}
	if e.Version > 0 && e.Status != pubdata.StatusRetired {
		p, err := s.Entries.FindPublishedEntry(r.Context(), e.ID)
		switch {
		case err == nil && pubdata.CanViewPublished(a, p):
			row.EntryURL, row.EntryTitle, row.EntryCode = "/catalog/"+p.ID, p.Title, p.Code
			return nil
		case err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND):
			return err
		}
	}
	if pubdata.CanViewWorkingCopy(a, e) {
		row.EntryURL, row.EntryTitle, row.EntryCode = "/console/entries/"+e.ID, e.Title, e.Code
	}
	return nil
}

// elementsView returns the registry as the actor sees it, each row's form holding the
// element's current source.
func (s *Server) elementsView(r *http.Request, a *pubdata.Actor) (*elementsView, error) {
	els, err := s.Elements.FindElements(r.Context())
	if err != nil {
		return nil, err
	}
	v := &elementsView{Page: s.Base(r, true), CanManage: pubdata.CanManageElements(a), Errors: web.FormErrors{}}
	if v.CanManage {
		v.Division = s.DivisionName(a.Org.Division)
		if v.orgs, err = s.sourceChoices(r, a); err != nil {
			return nil, err
		}
	}
	for _, el := range els {
		row := elementRow{DataElement: el, Label: el.Name, TypeKey: web.OptionKey(web.ItemTypeOptions, el.Type),
			Form: elementForm{Org: el.Source}, Errors: web.FormErrors{}}
		if v.Lang == web.LangEN && el.NameEn != "" {
			row.Label = el.NameEn
		}
		if el.SourceEntry != "" {
			if err := s.describeSourceEntry(r, a, &row); err != nil {
				return nil, err
			}
			row.Form.Entry = cmp.Or(row.EntryCode, el.SourceEntry)
		}
		if v.CanManage {
			row.Choices = withChoice(v.orgs, el.Source, el.SourceName)
		}
		v.Elements = append(v.Elements, row)
	}
	return v, nil
}

func (s *Server) PageElements(w http.ResponseWriter, r *http.Request) error {
	a, err := elementsActor(r)
	if err != nil {
		return err
	}
	v, err := s.elementsView(r, a)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if row := v.row(q.Get("saved")); row != nil && row.Source != "" {
		v.Flash = web.Translate(v.Lang, "elements.saved", "Element", row.Label, "Source", cmp.Or(row.SourceName, row.Source))
	} else if row := v.row(q.Get("cleared")); row != nil {
		v.Flash = web.Translate(v.Lang, "elements.cleared", "Element", row.Label)
	}
	return s.Render(w, r, "elements", http.StatusOK, v)
}

// sourceEntryID resolves the source-entry field for the organisation: a resource code
// names one of its entries (published or not), anything else is taken as an entry id
// (SetElementSource checks that it is one of the organisation's). It returns "" when no
// entry of the organisation has the code.
func (s *Server) sourceEntryID(r *http.Request, org, ref string) (string, error) {
	if !pubdata.ValidResourceCode(ref) {
		return ref, nil
	}
	p, err := s.Entries.FindPublishedEntry(r.Context(), ref)
	switch {
	case err == nil && p.Org == org && p.Code == ref:
		return p.ID, nil
	case err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND):
		return "", err
	}
	entries, _, _, err := s.Entries.FindEntries(r.Context(), pubdata.EntryFilter{Org: org, Q: ref, Limit: pubdata.MaxLimit})
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Code == ref {
			return e.ID, nil
		}
	}
	return "", nil
}

// PageElementSetSource names (or, with no organisation, clears) the authoritative source
// of the path's element, as PUT /api/v1/elements/{code}/source does. Problems are shown
// next to the row's fields.
func (s *Server) PageElementSetSource(w http.ResponseWriter, r *http.Request) error {
	a, err := elementsActor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanManageElements(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's (provincial) authority may name the source of a data element.").Keyed("error.element.source_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	code := r.PathValue("code")
	form := elementForm{Org: strings.TrimSpace(r.PostForm.Get("org")), Entry: strings.TrimSpace(r.PostForm.Get("entry"))}
	r.URL.RawQuery = ""
	v, err := s.elementsView(r, a)
	if err != nil {
		return err
	}
	row := v.row(code)
	if row == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Data element %q was not found.", code).Keyed("error.element.not_found", "Code", code)
	}
	lang := v.Lang
	errs := web.FormErrors{}
	entryID := form.Entry
	switch {
	case form.Org == "" && form.Entry != "":
		errs["org"] = web.Translate(lang, "elements.error.org_for_entry")
	case form.Org != "":
		o, err := s.Orgs.FindOrgByCode(r.Context(), form.Org)
		switch {
		case web.ErrorIs(err, pubdata.ENOTFOUND):
			errs["org"] = web.Translate(lang, "elements.error.org")
		case err != nil:
			return err
		case !pubdata.DivisionCovers(a.Org.Division, o.Division):
			errs["org"] = web.Translate(lang, "elements.error.org_outside")
		case form.Entry != "":
			if entryID, err = s.sourceEntryID(r, o.Code, form.Entry); err != nil {
				return err
			}
			if entryID == "" {
				errs["entry"] = web.Translate(lang, "elements.error.entry")
			}
		}
	}
	if len(errs) == 0 {
		_, err := s.Elements.SetElementSource(r.Context(), code, form.Org, entryID)
		switch {
		case err == nil && form.Org == "":
			web.Redirect(w, r, web.WithQuery("/console/elements", "cleared", code))
			return nil
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/elements", "saved", code))
			return nil
		case web.ErrorIs(err, pubdata.EINVALID):
			fe := pubdata.ErrorFields(err)
			if fe["org"] != nil {
				errs["org"] = web.Translate(lang, "elements.error.org")
			}
			if fe["entry"] != nil {
				errs["entry"] = web.Translate(lang, "elements.error.entry")
			}
			if len(errs) == 0 {
				errs[""] = web.ErrorText(lang, err)
			}
		default:
			return err
		}
	}
	row.Form, row.Errors = form, errs
	row.Choices = withChoice(v.orgs, form.Org, "")
	v.Errors[""] = web.Translate(lang, "elements.error.row", "Element", row.Label)
	if msg := errs[""]; msg != "" {
		v.Errors[""] += " " + msg
	}
	return s.Render(w, r, "elements", http.StatusBadRequest, v)
}
