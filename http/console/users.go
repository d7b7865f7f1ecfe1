package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
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
	web.Page
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
	Errors      web.FormErrors
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
	if !s.MayListUsers(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator may manage users.").Keyed("error.user.manage_forbidden")
	}
	q := r.URL.Query()
	v := &usersView{
		Page:        s.Base(r, true),
		Org:         strings.TrimSpace(q.Get("org")),
		Public:      q.Get("public") == "true",
		AllowPublic: pubdata.Can(a, pubdata.ActionUserList, nil),
		CanCreate:   true, // an administrator may create users in its own organisation
		Errors:      web.FormErrors{},
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
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return nil, err
	}
	if v.Public {
		v.Org = ""
	}
	f, err := s.UserListFilter(r, a, v.Org, v.Public)
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
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	v.Form.Org = a.Org.Code
	if v.Org != "" {
		v.Form.Org = v.Org
	}
	v.Form.Role = string(pubdata.RoleMember)
	if v.Created != "" {
		v.Flash = web.Translate(v.Lang, "users.created", "Username", v.Created)
	}
	return v, nil
}

func (s *Server) PageUsers(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.usersView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "users", http.StatusOK, v)
}

// userFieldErrors checks the form with the domain's rules and returns each problem under
// its field, in lang.
func userFieldErrors(lang string, f userForm, password string) web.FormErrors {
	errs := web.FormErrors{}
	u := pubdata.UserCreate{Username: f.Username, Password: password, DisplayName: f.DisplayName, OrgCode: f.Org, Role: pubdata.Role(f.Role)}
	for field, p := range pubdata.ErrorFields(pubdata.ValidateUserCreate(&u)) {
		errs[field] = web.FieldText(lang, p)
	}
	return errs
}

func (s *Server) PageUserCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if !s.MayListUsers(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator may manage users.").Keyed("error.user.manage_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
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
	lang := web.LangFrom(r.Context())
	errs := userFieldErrors(lang, form, password)
	if len(errs) == 0 {
		u, err := s.CreateUser(r, &pubdata.UserCreate{
			Username: form.Username, Password: password, DisplayName: form.DisplayName,
			OrgCode: form.Org, Role: pubdata.Role(form.Role),
		})
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/users", "created", u.Username, "org", form.Org))
			return nil
		case web.ErrorIs(err, pubdata.ECONFLICT):
			errs["username"] = web.ErrorText(lang, err)
		case web.ErrorIs(err, pubdata.EFORBIDDEN):
			errs["org"] = web.Translate(lang, "users.error.org_forbidden")
		case web.ErrorIs(err, pubdata.EINVALID) && form.Org != "" && s.orgMissing(r, form.Org):
			errs["org"] = web.ErrorText(lang, err)
		case web.ErrorIs(err, pubdata.EINVALID):
			errs[""] = web.ErrorText(lang, err)
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
	return s.Render(w, r, "users", http.StatusBadRequest, v)
}
