package http

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// loginView is the view of the sign-in form.
type loginView struct {
	page
	Username string
	Next     string
	Error    string // translated; shown with role="alert"
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"), "/console")
	if !pubdata.ActorFromContext(r.Context()).Anonymous() {
		redirect(w, r, next)
		return nil
	}
	return s.render(w, r, "login", http.StatusOK, loginView{page: s.base(r, false), Next: next})
}

// parseForm reads a form body; an oversize body is ETOOLARGE.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		if e := normalizeError(err); e != err {
			return e
		}
		return pubdata.Errorf(pubdata.EINVALID, "The form could not be read.")
	}
	return nil
}

func (s *Server) pageLoginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := loginView{
		page:     s.base(r, false),
		Username: strings.TrimSpace(r.PostForm.Get("username")),
		Next:     localPath(r.PostForm.Get("next"), "/console"),
	}
	_, err := s.login(w, r, v.Username, r.PostForm.Get("password"))
	if err == nil {
		redirect(w, r, v.Next)
		return nil
	}
	if pubdata.ErrorCode(err) != pubdata.EUNAUTHORIZED {
		return err
	}
	v.Error = translate(v.Lang, "login.failed")
	switch {
	case v.Username == "" || r.PostForm.Get("password") == "":
		v.Error = translate(v.Lang, "login.required")
	case s.lockedOut(r, v.Username):
		v.Error = translate(v.Lang, "login.locked", "Count", int(pubdata.LockoutDuration.Minutes()))
	}
	return s.render(w, r, "login", http.StatusUnauthorized, v)
}

// lockedOut reports whether the account is locked after too many failed sign-ins.
func (s *Server) lockedOut(r *http.Request, username string) bool {
	u, err := s.Users.FindUserByUsername(r.Context(), username)
	return err == nil && u.LockedUntil != nil && u.LockedUntil.After(s.now())
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.logout(w, r); err != nil {
		return err
	}
	redirect(w, r, "/")
	return nil
}

// consoleActor returns the signed-in actor of a console page; an anonymous visitor is
// sent to the login form by the error renderer.
func consoleActor(r *http.Request) (*pubdata.Actor, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Please sign in.")
	}
	return a, nil
}

// dashboardView is the view of the console's front page.
type dashboardView struct {
	page
	User         *pubdata.User
	Org          *pubdata.Org
	DivisionName string
	RoleKey      string
	KindKey      string
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	v := dashboardView{page: s.base(r, true), User: a.User, Org: a.Org}
	if a.Org != nil {
		v.KindKey = "kind." + string(a.Org.Kind)
		v.RoleKey = "role." + string(a.User.Role)
		v.DivisionName = s.divisionName(a.Org.Division)
	}
	return s.render(w, r, "dashboard", http.StatusOK, v)
}

// divisionName returns the name of a division code, or the code when unknown.
func (s *Server) divisionName(code string) string {
	if d, ok := s.Divisions.Lookup(code); ok {
		return d.Name
	}
	return code
}

// formErrors are a form's problems by field name, translated; "" is the whole form.
type formErrors map[string]string

// pageLink returns the URL of the same page with the parameters replaced.
func pageLink(r *http.Request, kv ...string) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "lang" {
			q[k] = v
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

// errorIs reports whether err carries the code.
func errorIs(err error, code string) bool {
	var e *pubdata.Error
	return errors.As(err, &e) && e.Code == code
}

// consoleSlash sends /console/ to /console.
func (s *Server) consoleSlash(w http.ResponseWriter, r *http.Request) error {
	redirect(w, r, "/console")
	return nil
}
