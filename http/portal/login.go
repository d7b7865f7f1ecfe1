package portal

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The one sign-in page, /login, for everyone: citizens and companies come back to the page
// they came from or to their account (/account), government staff to the page they came
// from or to the console. Every "sign in" link on the site (header, ratings, comments,
// objections, demands, downloads) leads here with next=<the page>.

// loginView is the view of the sign-in form.
type loginView struct {
	web.Page
	Username string
	Next     string // "" : the person's own pages (web.HomeFor)
	Error    string // translated; shown with role="alert"
}

func (s *Server) PageLogin(w http.ResponseWriter, r *http.Request) error {
	next := web.LocalPath(r.URL.Query().Get("next"), "")
	if a := pubdata.ActorFromContext(r.Context()); !a.Anonymous() {
		web.Redirect(w, r, orHome(next, a))
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
		Next:     web.LocalPath(r.PostForm.Get("next"), ""),
	}
	a, err := s.Login(w, r, v.Username, r.PostForm.Get("password"))
	if err == nil {
		web.Redirect(w, r, orHome(v.Next, a))
		return nil
	}
	if pubdata.ErrorCode(err) != pubdata.EUNAUTHORIZED {
		return err
	}
	v.Error = web.Translate(v.Lang, "login.failed")
	switch {
	case v.Username == "" || r.PostForm.Get("password") == "":
		v.Error = web.Translate(v.Lang, "login.required")
	case throttled(err):
		v.Error = web.ErrorText(v.Lang, err)
	}
	return s.Render(w, r, "login", http.StatusUnauthorized, v)
}

// orHome is next, or the person's own pages when next is "".
func orHome(next string, a *pubdata.Actor) string {
	if next == "" {
		return web.HomeFor(a)
	}
	return next
}

// throttled reports whether err refuses a sign-in after too many failures from the address.
func throttled(err error) bool {
	e, ok := err.(*pubdata.Error)
	return ok && e.Msg != nil && e.Msg.Key == "error.user.sign_in.throttled"
}

func (s *Server) PageLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Logout(w, r); err != nil {
		return err
	}
	web.Redirect(w, r, "/")
	return nil
}
