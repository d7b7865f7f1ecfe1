package http

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// userForm is what the create-user form holds (never the password).
type userForm struct {
	Username, DisplayName, Org, Role string
}

// orgChoice is one organisation offered by the user forms.
type orgChoice struct {
	Code, Name string
}

// usersView is the view of the user list and create form.
type usersView struct {
	page
	Users       []*pubdata.User
	Total       int
	NextURL     string
	Org         string // the organisation filter ("" for the whole reach)
	Public      bool   // listing public users
	OrgChoices  []orgChoice
	AllowPublic bool // the actor may list and create public users
	CanCreate   bool
	Roles       []string
	Form        userForm
	Errors      formErrors
	Created     string
	MinPassword int
}

// orgChoices lists the organisations whose users the actor manages.
func (s *Server) orgChoices(r *http.Request, a *pubdata.Actor) ([]orgChoice, error) {
	if !a.IsAuthority() {
		return []orgChoice{{Code: a.Org.Code, Name: a.Org.Name}}, nil
	}
	orgs, _, _, err := s.Orgs.FindOrgs(r.Context(), pubdata.OrgFilter{
		DivisionPrefix: pubdata.AuthorityScope(a).DivisionPrefix, Limit: pubdata.MaxLimit,
	})
	if err != nil {
		return nil, err
	}
	out := make([]orgChoice, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, orgChoice{Code: o.Code, Name: o.Name})
	}
	return out, nil
}

func (s *Server) usersView(r *http.Request, a *pubdata.Actor) (*usersView, error) {
	if !s.mayListUsers(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator may manage users.").Keyed("error.user.manage_forbidden")
	}
	q := r.URL.Query()
	v := &usersView{
		page:        s.base(r, true),
		Org:         strings.TrimSpace(q.Get("org")),
		Public:      q.Get("public") == "true",
		AllowPublic: pubdata.Can(a, pubdata.ActionUserList, nil),
		CanCreate:   true, // an administrator may create users in its own organisation
		Errors:      formErrors{},
		Created:     q.Get("created"),
		MinPassword: pubdata.MinPasswordLength,
	}
	for _, role := range pubdata.Roles {
		v.Roles = append(v.Roles, string(role))
	}
	var err error
	if v.OrgChoices, err = s.orgChoices(r, a); err != nil {
		return nil, err
	}
	limit, cursor, err := pageParams(q)
	if err != nil {
		return nil, err
	}
	if v.Public {
		v.Org = ""
	}
	f, err := s.userListFilter(r, a, v.Org, v.Public)
	if err != nil {
		return nil, err
	}
	f.Limit, f.Cursor = limit, cursor
	users, total, next, err := s.Users.FindUsers(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v.Users, v.Total = users, total
	if next != "" {
		v.NextURL = pageLink(r, "cursor", next)
	}
	v.Form.Org = a.Org.Code
	if v.Org != "" {
		v.Form.Org = v.Org
	}
	v.Form.Role = string(pubdata.RoleMember)
	if v.Created != "" {
		v.Flash = translate(v.Lang, "users.created", "Username", v.Created)
	}
	return v, nil
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.usersView(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, "users", http.StatusOK, v)
}

// userFieldErrors checks the form with the domain's rules and returns each problem under
// its field, in lang.
func userFieldErrors(lang string, f userForm, password string) formErrors {
	errs := formErrors{}
	u := pubdata.UserCreate{Username: f.Username, Password: password, DisplayName: f.DisplayName, OrgCode: f.Org, Role: pubdata.Role(f.Role)}
	for field, p := range pubdata.ErrorFields(pubdata.ValidateUserCreate(&u)) {
		errs[field] = fieldText(lang, p)
	}
	return errs
}

func (s *Server) pageUserCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if !s.mayListUsers(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator may manage users.").Keyed("error.user.manage_forbidden")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	form := userForm{
		Username:    strings.TrimSpace(r.PostForm.Get("username")),
		DisplayName: strings.TrimSpace(r.PostForm.Get("display_name")),
		Org:         strings.TrimSpace(r.PostForm.Get("org")),
		Role:        r.PostForm.Get("role"),
	}
	if form.Org == "" {
		form.Role = "" // a public user has no role
	}
	password := r.PostForm.Get("password")
	lang := langFrom(r.Context())
	errs := userFieldErrors(lang, form, password)
	if len(errs) == 0 {
		u, err := s.createUser(r, &pubdata.UserCreate{
			Username: form.Username, Password: password, DisplayName: form.DisplayName,
			OrgCode: form.Org, Role: pubdata.Role(form.Role),
		})
		switch {
		case err == nil:
			redirect(w, r, withQuery("/console/users", "created", u.Username, "org", form.Org))
			return nil
		case errorIs(err, pubdata.ECONFLICT):
			errs["username"] = errorText(lang, err)
		case errorIs(err, pubdata.EFORBIDDEN):
			errs["org"] = translate(lang, "users.error.org_forbidden")
		case errorIs(err, pubdata.EINVALID) && form.Org != "" && s.orgMissing(r, form.Org):
			errs["org"] = errorText(lang, err)
		case errorIs(err, pubdata.EINVALID):
			errs[""] = errorText(lang, err)
		default:
			return err
		}
	}
	r.URL.RawQuery = ""
	v, err := s.usersView(r, a)
	if err != nil {
		return err
	}
	v.Form, v.Errors = form, errs
	return s.render(w, r, "users", http.StatusBadRequest, v)
}
