package portal

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The account's pages of a public user's (a citizen's or a company's) open applications,
// grants and objections, in the portal's layout: /account/applications[/{id}],
// /account/grants[/{id}], /account/objections/{id}. The views are http/web's, which the
// console's pages build too; government users keep the console's pages and are sent there.

// accountActor returns the signed-in public user of an account page; a government user is
// sent to the console's version of the page, console (with the query kept), and gets nil.
func accountActor(w http.ResponseWriter, r *http.Request, console string) (*pubdata.Actor, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if a.IsGovernment() {
		if r.URL.RawQuery != "" {
			console += "?" + r.URL.RawQuery
		}
		web.Redirect(w, r, console)
		return nil, nil
	}
	return a, nil
}

// accountList is the view of the account's list of applications or of grants.
type accountList struct {
	web.Page
	Apps     []web.AppRow
	Grants   []web.GrantRow
	NextURL  string
	FirstURL string
}

func (s *Server) PageAccountApplications(w http.ResponseWriter, r *http.Request) error {
	a, err := accountActor(w, r, "/console/applications")
	if a == nil || err != nil {
		return err
	}
	apps, err := s.AppService()
	if err != nil {
		return err
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	f, err := pubdata.ApplicationScope(a, pubdata.ScopeMine)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	list, _, next, err := apps.FindApplications(r.Context(), f)
	if err != nil {
		return err
	}
	v := accountList{Page: s.Base(r, false)}
	for _, app := range list {
		v.Apps = append(v.Apps, web.AppRow{Application: app})
	}
	v.NextURL, v.FirstURL = cursorLinks(r, next, cursor)
	return s.Render(w, r, "account_applications", http.StatusOK, v)
}

func (s *Server) PageAccountGrants(w http.ResponseWriter, r *http.Request) error {
	a, err := accountActor(w, r, "/console/grants")
	if a == nil || err != nil {
		return err
	}
	apps, err := s.AppService()
	if err != nil {
		return err
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	f, err := pubdata.GrantScope(a, "mine")
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	list, next, err := apps.FindGrants(r.Context(), f)
	if err != nil {
		return err
	}
	names, err := s.OrgNames(r)
	if err != nil {
		return err
	}
	v := accountList{Page: s.Base(r, false)}
	for _, g := range list {
		v.Grants = append(v.Grants, web.GrantRow{Grant: g, Now: s.Now(), ProviderName: names[g.Provider]})
	}
	v.NextURL, v.FirstURL = cursorLinks(r, next, cursor)
	return s.Render(w, r, "account_grants", http.StatusOK, v)
}

// cursorLinks are a list's links to its next page and back to the first.
func cursorLinks(r *http.Request, next, cursor string) (string, string) {
	var n, f string
	if next != "" {
		n = web.PageLink(r, "cursor", next)
	}
	if cursor != "" {
		f = web.PageLink(r, "cursor", "")
	}
	return n, f
}

// accountApplicationView is the view of an application in the account.
type accountApplicationView struct {
	web.ApplicationDetail
	DemandTypeKey string
}

func (s *Server) accountApplicationPage(r *http.Request, a *pubdata.Actor, app *pubdata.Application) (*accountApplicationView, error) {
	d, err := s.ApplicationPage(r, a, app, false)
	if err != nil {
		return nil, err
	}
	v := &accountApplicationView{ApplicationDetail: *d}
	if app.DemandType != "" {
		v.DemandTypeKey = web.OptionKey(demandTypeOptions, app.DemandType)
	}
	return v, nil
}

func (s *Server) PageAccountApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := accountActor(w, r, "/console/applications/"+r.PathValue("id"))
	if a == nil || err != nil {
		return err
	}
	app, err := s.ApplicationFor(r, a)
	if err != nil {
		return err
	}
	v, err := s.accountApplicationPage(r, a, app)
	if err != nil {
		return err
	}
	return s.Render(w, r, "account_application", http.StatusOK, v)
}

func (s *Server) PageAccountApplicationDispute(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	app, err := s.ApplicationFor(r, a)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	_, err = s.DisputeApplication(r, a, app, reason)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/account/applications/"+app.ID, "disputed", "1"))
		return nil
	case !web.ErrorIs(err, pubdata.EINVALID):
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.accountApplicationPage(r, a, app)
	if verr != nil {
		return verr
	}
	v.DisputeReason = reason
	lang := web.LangFrom(r.Context())
	for field, p := range pubdata.ErrorFields(err) {
		if field != "reason" {
			field = ""
		}
		v.DisputeErrors[field] = web.FieldText(lang, p)
	}
	if len(v.DisputeErrors) == 0 {
		v.DisputeErrors[""] = web.ErrorText(lang, err)
	}
	return s.Render(w, r, "account_application", http.StatusBadRequest, v)
}

func (s *Server) PageAccountApplicationWithdraw(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	app, err := s.ApplicationFor(r, a)
	if err != nil {
		return err
	}
	if _, err := s.WithdrawApplication(r, a, app); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/account/applications/"+app.ID, "withdrawn", "1"))
	return nil
}

func (s *Server) PageAccountGrant(w http.ResponseWriter, r *http.Request) error {
	a, err := accountActor(w, r, "/console/grants/"+r.PathValue("id"))
	if a == nil || err != nil {
		return err
	}
	g, _, err := s.GrantFor(r, a)
	if err != nil {
		return err
	}
	v, err := s.GrantPage(r, a, g, false)
	if err != nil {
		return err
	}
	return s.Render(w, r, "account_grant", http.StatusOK, v)
}

// accountObjectionView is the view of an objection in the account: what the filer sees.
type accountObjectionView struct {
	web.Page
	Objection *pubdata.Objection
	KeyText   string
	// ShowRows: the number of rows the objection froze is shown (web.ObjectionAsSeen).
	ShowRows bool
}

func (s *Server) PageAccountObjection(w http.ResponseWriter, r *http.Request) error {
	a, err := accountActor(w, r, "/console/objections/"+r.PathValue("id"))
	if a == nil || err != nil {
		return err
	}
	_, o, err := s.ObjectionFor(r)
	if err != nil {
		return err
	}
	v := accountObjectionView{Page: s.Base(r, false), Objection: o, KeyText: o.KeyText(nil),
		ShowRows: o.Rows > 0 || a.Username() != o.Filer}
	return s.Render(w, r, "account_objection", http.StatusOK, v)
}
