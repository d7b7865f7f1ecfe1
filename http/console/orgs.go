package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

// orgForm is what the create-organisation form holds.
type orgForm struct {
	Code, Name, Kind, Division, Parent string
}

// orgsView is the view of the organisation list and, for an authority's administrator, the
// create form.
type orgsView struct {
	web.Page
	Orgs      []*pubdata.Org
	Total     int
	NextURL   string
	Q         string
	Kind      string
	Kinds     []string
	CanCreate bool
	Divisions []pubdata.Division
	Form      orgForm
	Errors    web.FormErrors
	Created   string
}

func (s *Server) orgsView(r *http.Request, a *pubdata.Actor) (*orgsView, error) {
	q := r.URL.Query()
	v := &orgsView{
		Page:      s.Base(r, true),
		Q:         strings.TrimSpace(q.Get("q")),
		Kind:      q.Get("kind"),
		Kinds:     []string{string(pubdata.KindAuthority), string(pubdata.KindPublicBody), string(pubdata.KindCompany)},
		CanCreate: s.MayCreateOrgs(a),
		Errors:    web.FormErrors{},
		Created:   q.Get("created"),
	}
	f, err := web.OrgFilter(q)
	if err != nil {
		return nil, err
	}
	orgs, total, next, err := s.Orgs.FindOrgs(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v.Orgs, v.Total = orgs, total
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if v.CanCreate {
		v.Divisions = s.Divisions.Within(a.Org.Division)
		v.Form.Division = a.Org.Division
		v.Form.Kind = string(pubdata.KindPublicBody)
		v.Form.Parent = a.Org.Code
	}
	if v.Created != "" {
		v.Flash = web.Translate(v.Lang, "orgs.created", "Name", v.Created)
	}
	return v, nil
}

func (s *Server) PageOrgs(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.orgsView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "orgs", http.StatusOK, v)
}

// orgFieldErrors checks the form with the domain's rules and the division table, and
// returns each problem under its field, in lang.
func (s *Server) orgFieldErrors(lang string, a *pubdata.Actor, f orgForm) web.FormErrors {
	errs := web.FormErrors{}
	o := pubdata.Org{Code: f.Code, Name: f.Name, Kind: pubdata.OrgKind(f.Kind), Division: f.Division, Parent: f.Parent}
	for field, p := range pubdata.ErrorFields(pubdata.ValidateOrg(&o)) {
		errs[field] = web.FieldText(lang, p)
	}
	if _, bad := errs["division"]; !bad {
		switch {
		case s.Divisions.Check(f.Division) != nil:
			errs["division"] = web.Translate(lang, "orgs.error.division")
		case !pubdata.Can(a, pubdata.ActionOrgCreate, &o):
			errs["division"] = web.Translate(lang, "orgs.error.division_outside")
		}
	}
	return errs
}

func (s *Server) PageOrgCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if !s.MayCreateOrgs(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may create organisations.").Keyed("error.org.create_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	form := orgForm{
		Code:     strings.TrimSpace(r.PostForm.Get("code")),
		Name:     strings.TrimSpace(r.PostForm.Get("name")),
		Kind:     r.PostForm.Get("kind"),
		Division: strings.TrimSpace(r.PostForm.Get("division")),
		Parent:   strings.TrimSpace(r.PostForm.Get("parent")),
	}
	lang := web.LangFrom(r.Context())
	errs := s.orgFieldErrors(lang, a, form)
	if len(errs) == 0 {
		o := &pubdata.Org{Code: form.Code, Name: form.Name, Kind: pubdata.OrgKind(form.Kind), Division: form.Division, Parent: form.Parent}
		err := s.CreateOrg(r, o)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/orgs", "created", o.Code))
			return nil
		case web.ErrorIs(err, pubdata.ECONFLICT):
			errs["code"] = web.ErrorText(lang, err)
		case web.ErrorIs(err, pubdata.EINVALID) && form.Parent != "" && s.orgMissing(r, form.Parent):
			errs["parent"] = web.ErrorText(lang, err)
		case web.ErrorIs(err, pubdata.EINVALID):
			errs[""] = web.ErrorText(lang, err)
		default:
			return err
		}
	}
	// Re-render the list with the form as entered and its problems.
	r.URL.RawQuery = ""
	v, err := s.orgsView(r, a)
	if err != nil {
		return err
	}
	v.Form, v.Errors = form, errs
	return s.Render(w, r, "orgs", http.StatusBadRequest, v)
}

// orgMissing reports whether no organisation has the code.
func (s *Server) orgMissing(r *http.Request, code string) bool {
	_, err := s.Orgs.FindOrgByCode(r.Context(), code)
	return web.ErrorIs(err, pubdata.ENOTFOUND)
}
