package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

func (s *Server) PageDemands(w http.ResponseWriter, r *http.Request) error {
	v, err := s.DemandsPage(r, false)
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Get("created") != "":
		v.Flash = web.Translate(v.Lang, "demands.flash.created")
	case r.URL.Query().Get("voted") != "":
		v.Flash = web.Translate(v.Lang, "demands.flash.voted")
	}
	return s.Render(w, r, "demands", http.StatusOK, v)
}

func (s *Server) PageDemandCreate(w http.ResponseWriter, r *http.Request) error {
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
	form := web.DemandForm{Title: f.Get("title"), Description: f.Get("description"), Items: f.Get("items"), Purpose: f.Get("purpose"), Division: f.Get("division")}
	items := strings.FieldsFunc(form.Items, func(c rune) bool { return c == '\n' || c == ',' || c == '，' || c == '、' || c == ';' || c == '；' })
	_, err = svc.CreateDemand(r.Context(), &pubdata.DemandCreate{Title: form.Title, Description: form.Description, Items: items, Purpose: form.Purpose, Division: form.Division})
	if web.ErrorIs(err, pubdata.EINVALID) {
		v, verr := s.DemandsPage(r, false)
		if verr != nil {
			return verr
		}
		v.Form, v.Error, v.Errors = form, web.ErrorText(v.Lang, err), web.FormErrors{}
		for k, p := range pubdata.ErrorFields(err) {
			v.Errors[k] = web.FieldText(v.Lang, p)
		}
		return s.Render(w, r, "demands", http.StatusBadRequest, v)
	} else if err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/demands", "created", "1"))
	return nil
}

func (s *Server) PageDemandVote(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if _, err := svc.VoteDemand(r.Context(), r.PathValue("id")); err != nil && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/demands", "voted", "1")+"#d-"+r.PathValue("id"))
	return nil
}
