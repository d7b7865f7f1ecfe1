package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"slices"
)

func (s *Server) PageConsoleDemands(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if a.Org == nil && r.URL.Query().Get("role") == "" {
		r = web.WithRole(r, "mine")
	}
	v, err := s.DemandsPage(r, true)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(v.Roles, func(t web.RoleTab) bool { return t.Current }) && v.Role != "mine" {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "This demand queue is not yours.").Keyed("error.demand.queue_forbidden")
	}
	switch {
	case r.URL.Query().Get("routed") != "":
		v.Flash = web.Translate(v.Lang, "demands.flash.routed")
	case r.URL.Query().Get("answered") != "":
		v.Flash = web.Translate(v.Lang, "demands.flash.answered")
	case r.URL.Query().Get("error") != "":
		v.Error = r.URL.Query().Get("error")
	}
	return s.Render(w, r, "console_demands", http.StatusOK, v)
}

// consoleDemandBack is where a routing or answer form returns to, with the outcome.
func consoleDemandBack(w http.ResponseWriter, r *http.Request, role, flag string, err error) error {
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/demands", "role", role, flag, "1"))
	case web.ErrorIs(err, pubdata.EINVALID) || web.ErrorIs(err, pubdata.ECONFLICT):
		web.Redirect(w, r, web.WithQuery("/console/demands", "role", role, "error", web.ErrorText(web.LangFrom(r.Context()), err)))
	default:
		return err
	}
	return nil
}

func (s *Server) PageDemandRoute(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	_, err = svc.RouteDemand(r.Context(), r.PathValue("id"), &pubdata.DemandRoute{Provider: r.PostForm.Get("provider"), Note: r.PostForm.Get("note")})
	return consoleDemandBack(w, r, "authority", "routed", err)
}

func (s *Server) PageDemandAnswer(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	_, err = svc.AnswerDemand(r.Context(), r.PathValue("id"), &pubdata.DemandAnswer{Outcome: f.Get("outcome"), Expected: f.Get("expected"), Entry: f.Get("entry"), Reason: f.Get("reason")})
	return consoleDemandBack(w, r, "routed", "answered", err)
}
