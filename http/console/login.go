package console

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// PageLoginRedirect sends the console's old sign-in address to the one sign-in page,
// coming back to the console (or to the page asked for).
func (s *Server) PageLoginRedirect(w http.ResponseWriter, r *http.Request) error {
	web.Redirect(w, r, web.WithQuery("/login", "next", web.LocalPath(r.URL.Query().Get("next"), "/console")))
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
