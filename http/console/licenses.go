package console

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The licence list (/console/licenses): every government user reads it; the platform
// authority's admins add, change and delete licences and set the default of each open class.

// licenseClassRow is one open class's default on the page.
type licenseClassRow struct {
	Class, Key string // the open class and its label
	License    string // the default's id, "" none
}

// licensesView is the view of /console/licenses.
type licensesView struct {
	web.Page
	Licenses  []*pubdata.License
	Classes   []licenseClassRow
	CanManage bool
	Form      pubdata.License // the add form, refilled after a problem
	Errors    web.FormErrors
	Flash     string // the message key of what was done
}

// DefaultOf returns the labels of the open classes a licence is the default of.
func (v *licensesView) DefaultOf(id string) []string {
	var out []string
	for _, c := range v.Classes {
		if c.License == id {
			out = append(out, c.Key)
		}
	}
	return out
}

// licenseFlashes are the flashes of ?done=.
var licenseFlashes = []web.CatOption{
	{Value: "saved", Key: "licenses.saved"},
	{Value: "deleted", Key: "licenses.deleted"},
	{Value: "defaults", Key: "licenses.defaults_saved"},
}

func (s *Server) licensesView(r *http.Request, a *pubdata.Actor) (*licensesView, error) {
	list, err := s.Licenses.FindLicenses(r.Context())
	if err != nil {
		return nil, err
	}
	v := &licensesView{Page: s.Base(r, true), Licenses: list.Licenses, CanManage: pubdata.CanManageLicenses(a), Errors: web.FormErrors{}}
	for _, f := range licenseFlashes {
		if f.Value == r.URL.Query().Get("done") {
			v.Flash = f.Key
		}
	}
	for _, c := range pubdata.LicenseClasses {
		v.Classes = append(v.Classes, licenseClassRow{Class: c, Key: "entry.open." + c, License: list.Defaults[c]})
	}
	return v, nil
}

// licensesActor is the caller of a licence page: a government user; for a change, an admin
// of the platform's authority.
func (s *Server) licensesActor(r *http.Request, change bool) (*pubdata.Actor, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if s.Licenses == nil {
		return nil, web.ErrNoLicenses
	}
	if !a.IsGovernment() {
		return nil, web.ErrLicensesForbidden
	}
	if change {
		if !pubdata.CanManageLicenses(a) {
			return nil, web.ErrLicensesForbidden
		}
		if err := web.ParseForm(r); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (s *Server) PageLicenses(w http.ResponseWriter, r *http.Request) error {
	a, err := s.licensesActor(r, false)
	if err != nil {
		return err
	}
	v, err := s.licensesView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "licenses", http.StatusOK, v)
}

// licensesProblem renders the page again with a change's problems.
func (s *Server) licensesProblem(w http.ResponseWriter, r *http.Request, a *pubdata.Actor, form pubdata.License, err error) error {
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) && !web.ErrorIs(err, pubdata.ENOTFOUND) {
		return err
	}
	v, verr := s.licensesView(r, a)
	if verr != nil {
		return verr
	}
	v.Form = form
	for f, fe := range pubdata.ErrorFields(err) {
		v.Errors[f] = web.FieldText(v.Lang, fe)
	}
	if len(v.Errors) == 0 {
		v.Errors[""] = web.ErrorText(v.Lang, err)
	}
	return s.Render(w, r, "licenses", web.ErrorStatus(err), v)
}

// PageLicenseSave adds or changes a licence: id, title, title_en, url.
func (s *Server) PageLicenseSave(w http.ResponseWriter, r *http.Request) error {
	a, err := s.licensesActor(r, true)
	if err != nil {
		return err
	}
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	l := pubdata.License{ID: get("id"), Title: get("title"), TitleEn: get("title_en"), URL: get("url")}
	if _, err := s.Licenses.PutLicense(r.Context(), &l); err != nil {
		return s.licensesProblem(w, r, a, l, err)
	}
	web.Redirect(w, r, web.WithQuery("/console/licenses", "done", "saved"))
	return nil
}

// PageLicenseDelete deletes a licence no entry names and no open class has as its default.
func (s *Server) PageLicenseDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.licensesActor(r, true)
	if err != nil {
		return err
	}
	if err := s.Licenses.DeleteLicense(r.Context(), r.PathValue("id")); err != nil {
		return s.licensesProblem(w, r, a, pubdata.License{}, err)
	}
	web.Redirect(w, r, web.WithQuery("/console/licenses", "done", "deleted"))
	return nil
}

// PageLicenseDefaults sets the default licence of each open class: default_unconditional,
// default_conditional ("" none).
func (s *Server) PageLicenseDefaults(w http.ResponseWriter, r *http.Request) error {
	a, err := s.licensesActor(r, true)
	if err != nil {
		return err
	}
	list, err := s.Licenses.FindLicenses(r.Context())
	if err != nil {
		return err
	}
	for _, c := range pubdata.LicenseClasses {
		id, ok := r.PostForm["default_"+c]
		if !ok || strings.TrimSpace(id[0]) == list.Defaults[c] {
			continue
		}
		if err := s.Licenses.SetLicenseDefault(r.Context(), c, strings.TrimSpace(id[0])); err != nil {
			return s.licensesProblem(w, r, a, pubdata.License{}, err)
		}
	}
	web.Redirect(w, r, web.WithQuery("/console/licenses", "done", "defaults"))
	return nil
}
