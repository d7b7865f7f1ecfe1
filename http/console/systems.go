package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- the systems register (H4) ---

// systemsView is /console/systems (a unit's register with the add form, and for an
// authority the units whose entries have no connected system) and /console/systems/{id}
// (one system's edit form and its deletion).
type systemsView struct {
	web.Page
	Org     *pubdata.Org
	Systems []*pubdata.InformationSystem
	// System is the system of /console/systems/{id}; nil on the list.
	System  *pubdata.InformationSystem
	CanEdit bool
	Choices *pubdata.SystemChoices
	// Titles names the unit's entries by id (the list shows a system's entries by title).
	Titles map[string]string
	Kinds  []string
	// Form is the form as entered (or the system's fields), Errors its problems.
	Form   *pubdata.InformationSystem
	Errors web.FormErrors
	// Unconnected is the entries of the unit with no connected system.
	Unconnected []pubdata.EntryConnection
	// Board is the authority's board; nil for a unit's user.
	Board *web.UnconnectedReport
	// G8: Levels are the protection levels offered (0 not recorded); CanNameOfficer: the
	// viewer names the unit's security officer, one of Users; OfficerErrors the form's
	// problems.
	Levels         []int
	CanNameOfficer bool
	Users          []*pubdata.User
	OfficerErrors  web.FormErrors
}

// Has reports whether the form lists id among list's ids.
func (v *systemsView) Has(list []string, id string) bool { return slices.Contains(list, id) }

// Title is the entry's title, or its id.
func (v *systemsView) Title(id string) string {
	if t := v.Titles[id]; t != "" {
		return t
	}
	return id
}

func (s *Server) systemsView(r *http.Request, org string) (*systemsView, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if !a.IsGovernment() {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's users and the authority covering it see its information systems.").Keyed("error.system.forbidden")
	}
	o, list, err := s.SystemsOf(r, org)
	if err != nil {
		return nil, err
	}
	v := &systemsView{Page: s.Base(r, true), Org: o, Systems: list, CanEdit: pubdata.CanEditSystems(a, o.Code), Kinds: pubdata.SystemKinds,
		Form: &pubdata.InformationSystem{Kind: pubdata.SystemFeeds}, Errors: web.FormErrors{}, Titles: map[string]string{},
		Levels: []int{0, 1, 2, 3, 4, 5}, CanNameOfficer: pubdata.CanNameSecurityOfficer(a, o) && s.Officers != nil, OfficerErrors: web.FormErrors{}}
	if v.CanNameOfficer {
		if v.Users, _, _, err = s.Users.FindUsers(r.Context(), pubdata.UserFilter{OrgCode: o.Code, Limit: pubdata.MaxLimit}); err != nil {
			return nil, err
		}
	}
	if v.Choices, err = s.Systems.SystemChoices(r.Context(), o.Code); err != nil {
		return nil, err
	}
	for _, c := range v.Choices.Entries {
		v.Titles[c.ID] = c.Label
	}
	if o.Kind != pubdata.KindPublicBody { // the board's units are public bodies
	} else if facts, _, err := s.Systems.Connections(r.Context(), o.Division, pubdata.MaxSystemFacts); err != nil {
		return nil, err
	} else {
		var mine []pubdata.EntryConnection
		for _, f := range facts {
			if f.Org == o.Code {
				mine = append(mine, f)
			}
		}
		v.Unconnected = pubdata.UnconnectedEntries(mine, list)
	}
	if a.IsAuthority() && org == "" {
		if v.Board, err = s.Unconnected(r, ""); err != nil {
			return nil, err
		}
	}
	switch {
	case r.URL.Query().Get("created") != "":
		v.Flash = web.Translate(v.Lang, "systems.created")
	case r.URL.Query().Get("saved") != "":
		v.Flash = web.Translate(v.Lang, "systems.saved")
	case r.URL.Query().Get("deleted") != "":
		v.Flash = web.Translate(v.Lang, "systems.deleted")
	case r.URL.Query().Get("officer") != "":
		v.Flash = web.Translate(v.Lang, "grading.officer.saved")
	}
	return v, nil
}

func systemFromForm(r *http.Request) *pubdata.InformationSystem {
	f := r.PostForm
	level, err := strconv.Atoi(strings.TrimSpace(f.Get("protection_level")))
	if err != nil && strings.TrimSpace(f.Get("protection_level")) != "" {
		level = -1 // refused by the domain's check
	}
	return &pubdata.InformationSystem{Name: f.Get("name"), Description: f.Get("description"), Owner: f.Get("owner"), Kind: strings.TrimSpace(f.Get("kind")),
		Entries: f["entries"], PullSources: f["pull_sources"], Tokens: f["tokens"],
		ProtectionLevel: level, FilingNumber: f.Get("filing_number"), FiledOn: f.Get("filed_on")}
}

// formProblems turns a refusal of the form into its fields' problems; other errors are
// returned.
func formProblems(lang string, err error) (web.FormErrors, error) {
	switch {
	case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ECONFLICT):
		errs := web.FormErrors{}
		for field, p := range pubdata.ErrorFields(err) {
			errs[field] = web.FieldText(lang, p)
		}
		if len(errs) == 0 {
			errs[""] = web.ErrorText(lang, err)
		}
		return errs, nil
	}
	return nil, err
}

// PageSystems is GET /console/systems?org=: the unit's register (the caller's unit; a
// covering authority may name another with org).
func (s *Server) PageSystems(w http.ResponseWriter, r *http.Request) error {
	v, err := s.systemsView(r, strings.TrimSpace(r.URL.Query().Get("org")))
	if err != nil {
		return err
	}
	return s.Render(w, r, "systems", http.StatusOK, v)
}

// PageSystemCreate is POST /console/systems: adds a system to the caller's unit.
func (s *Server) PageSystemCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := systemFromForm(r)
	out, err := s.CreateSystem(r, in)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/console/systems", "created", out.ID))
		return nil
	}
	errs, err := formProblems(web.LangFrom(r.Context()), err)
	if err != nil {
		return err
	}
	v, err := s.systemsView(r, "")
	if err != nil {
		return err
	}
	v.Form, v.Errors = in, errs
	return s.Render(w, r, "systems", http.StatusBadRequest, v)
}

func (s *Server) systemView(r *http.Request) (*systemsView, error) {
	sys, o, err := s.SystemFor(r, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	v, err := s.systemsView(r, o.Code)
	if err != nil {
		return nil, err
	}
	v.System, v.Board = sys, nil
	f := *sys
	v.Form = &f
	return v, nil
}

// PageSystem is GET /console/systems/{id}: the system, with its edit form and deletion for
// the unit's admins and editors.
func (s *Server) PageSystem(w http.ResponseWriter, r *http.Request) error {
	v, err := s.systemView(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "systems", http.StatusOK, v)
}

// PageSystemUpdate is POST /console/systems/{id}: saves the edit form.
func (s *Server) PageSystemUpdate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := systemFromForm(r)
	out, err := s.UpdateSystem(r, r.PathValue("id"), in)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/console/systems/"+out.ID, "saved", "1"))
		return nil
	}
	errs, err := formProblems(web.LangFrom(r.Context()), err)
	if err != nil {
		return err
	}
	v, err := s.systemView(r)
	if err != nil {
		return err
	}
	in.ID, in.Org = v.System.ID, v.System.Org
	v.Form, v.Errors = in, errs
	return s.Render(w, r, "systems", http.StatusBadRequest, v)
}

// PageSystemDelete is POST /console/systems/{id}/delete: removes the system once the box
// confirming it is ticked.
func (s *Server) PageSystemDelete(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if !confirmed(r) {
		v, err := s.systemView(r)
		if err != nil {
			return err
		}
		if !v.CanEdit {
			return s.DeleteSystem(r, r.PathValue("id")) // refused as the API refuses it
		}
		v.Errors["confirm"] = web.Translate(v.Lang, "confirm.required")
		return s.Render(w, r, "systems", http.StatusBadRequest, v)
	}
	if err := s.DeleteSystem(r, r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/systems", "deleted", "1"))
	return nil
}

// PageSecurityOfficer is POST /console/systems/security-officer {org, username}: names the
// unit's security officer (G8) and returns to its register.
func (s *Server) PageSecurityOfficer(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org := strings.TrimSpace(r.PostForm.Get("org"))
	if org == "" && a.Org != nil {
		org = a.Org.Code
	}
	_, err = s.SetSecurityOfficer(r, org, r.PostForm.Get("username"))
	back := "/console/systems"
	if a.Org == nil || org != a.Org.Code {
		back = web.WithQuery(back, "org", org)
	}
	if err == nil {
		web.Redirect(w, r, web.WithQuery(back, "officer", "1")+"#security-officer")
		return nil
	}
	errs, err := formProblems(web.LangFrom(r.Context()), err)
	if err != nil {
		return err
	}
	q := ""
	if a.Org == nil || org != a.Org.Code {
		q = org
	}
	v, err := s.systemsView(r, q)
	if err != nil {
		return err
	}
	v.OfficerErrors = errs
	return s.Render(w, r, "systems", http.StatusBadRequest, v)
}
