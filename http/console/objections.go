package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

func (s *Server) PageConsoleObjections(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ObjectionService(); err != nil {
		return err
	}
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if web.ToAccount(w, r, a, "/account/objections") {
		return nil
	}
	q := r.URL.Query()
	if q.Get("role") == "" {
		switch {
		case a.IsAuthority():
			q.Set("role", "authority")
		case a.Org != nil:
			q.Set("role", "incoming")
		default:
			q.Set("role", "mine")
		}
		r.URL.RawQuery = q.Encode()
	}
	v, err := s.ObjectionsList(r, a, true)
	if err != nil {
		return err
	}
	v.Roles = []string{"mine"}
	if a.Org != nil {
		v.Roles = append(v.Roles, "incoming")
	}
	if a.IsAuthority() {
		v.Roles = append(v.Roles, "authority")
	}
	return s.Render(w, r, "objections", http.StatusOK, v)
}

type objectionView struct {
	web.Page
	Objection  *pubdata.Objection
	KeyText    string
	CanResolve bool
	Outcome    string
	Note       string
	Errors     web.FormErrors
	Resolved   bool
	// ShowRows: the number of rows the objection froze is shown (not to a filer who may not
	// read them: objectionAsSeen).
	ShowRows bool
}

func (s *Server) objectionPage(r *http.Request) (*objectionView, error) {
	a, o, err := s.ObjectionFor(r)
	if err != nil {
		return nil, err
	}
	v := &objectionView{Page: s.Base(r, true), Objection: o, KeyText: o.KeyText(nil), Errors: web.FormErrors{},
		CanResolve: o.Status == pubdata.ObjectionOpen && pubdata.CanResolveObjection(a, o), Resolved: r.URL.Query().Get("resolved") != "",
		ShowRows: o.Rows > 0 || a.Username() != o.Filer || pubdata.CanResolveObjection(a, o)}
	return v, nil
}

func (s *Server) PageObjection(w http.ResponseWriter, r *http.Request) error {
	if web.ToAccount(w, r, pubdata.ActorFromContext(r.Context()), "/account/objections/"+r.PathValue("id")) {
		return nil
	}
	v, err := s.objectionPage(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "objection", http.StatusOK, v)
}

func (s *Server) PageObjectionResolve(w http.ResponseWriter, r *http.Request) error {
	v, err := s.objectionPage(r)
	if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	if !pubdata.CanResolveObjection(a, v.Objection) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator, editor or reviewer of the provider, or the covering authority, may answer this objection.").Keyed("error.objection.answer_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	res := &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionStatus(r.PostForm.Get("outcome")), Note: r.PostForm.Get("note")}
	_, err = s.Objections.ResolveObjection(r.Context(), v.Objection.ID, res)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/objections/"+v.Objection.ID, "resolved", "1"))
		return nil
	case !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT):
		return err
	}
	lang := web.LangFrom(r.Context())
	v.Outcome, v.Note = string(res.Outcome), res.Note
	for field, p := range pubdata.ErrorFields(err) {
		v.Errors[field] = web.FieldText(lang, p)
	}
	if len(v.Errors) == 0 {
		v.Errors[""] = web.ErrorText(lang, err)
	}
	return s.Render(w, r, "objection", http.StatusBadRequest, v)
}
