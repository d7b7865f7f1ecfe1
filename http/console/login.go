package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

// loginView is the view of the sign-in form.
type loginView struct {
	web.Page
	Username string
	Next     string
	Error    string // translated; shown with role="alert"
}

func (s *Server) PageLogin(w http.ResponseWriter, r *http.Request) error {
	next := web.LocalPath(r.URL.Query().Get("next"), "/console")
	if !pubdata.ActorFromContext(r.Context()).Anonymous() {
		web.Redirect(w, r, next)
		return nil
	}
	return s.Render(w, r, "login", http.StatusOK, loginView{Page: s.Base(r, false), Next: next})
}

func (s *Server) PageLoginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := loginView{
		Page:     s.Base(r, false),
		Username: strings.TrimSpace(r.PostForm.Get("username")),
		Next:     web.LocalPath(r.PostForm.Get("next"), "/console"),
	}
	_, err := s.Login(w, r, v.Username, r.PostForm.Get("password"))
	if err == nil {
		web.Redirect(w, r, v.Next)
		return nil
	}
	if pubdata.ErrorCode(err) != pubdata.EUNAUTHORIZED {
		return err
	}
	v.Error = web.Translate(v.Lang, "login.failed")
	switch {
	case v.Username == "" || r.PostForm.Get("password") == "":
		v.Error = web.Translate(v.Lang, "login.required")
	case s.lockedOut(r, v.Username):
		v.Error = web.Translate(v.Lang, "login.locked", "Count", int(pubdata.LockoutDuration.Minutes()))
	}
	return s.Render(w, r, "login", http.StatusUnauthorized, v)
}

// lockedOut reports whether the account is locked after too many failed sign-ins.
func (s *Server) lockedOut(r *http.Request, username string) bool {
	u, err := s.Users.FindUserByUsername(r.Context(), username)
	return err == nil && u.LockedUntil != nil && u.LockedUntil.After(s.Now())
}

func (s *Server) PageLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Logout(w, r); err != nil {
		return err
	}
	web.Redirect(w, r, "/")
	return nil
}

// dashboardView is the view of the console's front page.
type dashboardView struct {
	web.Page
	User         *pubdata.User
	Org          *pubdata.Org
	DivisionName string
	RoleKey      string
	KindKey      string
}

func (s *Server) PageDashboard(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v := dashboardView{Page: s.Base(r, true), User: a.User, Org: a.Org}
	if a.Org != nil {
		v.KindKey = "kind." + string(a.Org.Kind)
		v.RoleKey = "role." + string(a.User.Role)
		v.DivisionName = s.DivisionName(a.Org.Division)
	}
	return s.Render(w, r, "dashboard", http.StatusOK, v)
}

// ConsoleSlash sends /console/ to /console.
func (s *Server) ConsoleSlash(w http.ResponseWriter, r *http.Request) error {
	web.Redirect(w, r, "/console")
	return nil
}
