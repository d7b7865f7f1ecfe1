package console

import (
	"errors"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

// The evidence pages: the console's subject lookup (D6) and signed-extract form (D5), and
// the portal's public verify page.

// subjectsView is the subject lookup page. The key is posted, never put in a URL.
type subjectsView struct {
	web.Page
	Key     string
	Purpose string
	Reply   *web.SubjectReply
	Errors  web.FormErrors
}

func (s *Server) PageSubjects(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLookUpSubjects(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies and authorities may look up which entries hold a subject's data.").Keyed("error.evidence.forbidden")
	}
	return s.Render(w, r, "subjects", http.StatusOK, &subjectsView{Page: s.Base(r, true), Errors: web.FormErrors{}})
}

func (s *Server) PageSubjectsSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := &subjectsView{Page: s.Base(r, true), Key: strings.TrimSpace(r.PostForm.Get("key")), Purpose: web.Purpose(r.PostForm.Get("purpose")), Errors: web.FormErrors{}}
	ctx := r.Context()
	if v.Purpose != "" {
		info := pubdata.RequestFromContext(ctx)
		info.Purpose = v.Purpose
		ctx = pubdata.NewContextWithRequest(ctx, info)
	}
	reply, err := s.LookUpSubject(ctx, v.Key)
	switch {
	case err == nil:
		v.Reply = reply
		v.Key = "" // not echoed back into the page
		return s.Render(w, r, "subjects", http.StatusOK, v)
	case web.ErrorIs(err, pubdata.EINVALID):
		v.Errors["key"] = web.Translate(v.Lang, "subjects.error.key") + " " + web.ErrorText(v.Lang, err)
		return s.Render(w, r, "subjects", http.StatusBadRequest, v)
	}
	return err
}

// extractsView is the signed-extract form.
type extractsView struct {
	web.Page
	Entry, Key, Filter, Purpose string
	Errors                      web.FormErrors
}

func (s *Server) PageExtracts(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	v := &extractsView{Page: s.Base(r, true), Entry: strings.TrimSpace(q.Get("entry")), Filter: strings.TrimSpace(q.Get("filter")), Errors: web.FormErrors{}}
	return s.Render(w, r, "extracts", http.StatusOK, v)
}

// PageExtractsSubmit signs the extract and sends it as a JSON file; problems re-render the
// form.
func (s *Server) PageExtractsSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	req := &web.ExtractRequest{Entry: r.PostForm.Get("entry"), Key: r.PostForm.Get("key"), Filter: r.PostForm.Get("filter"), Purpose: r.PostForm.Get("purpose")}
	signed, err := s.BuildExtract(r, req)
	if err == nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="extract-`+signed.Digest[:16]+`.json"`)
		w.Header().Set("Cache-Control", "no-store")
		_, err = w.Write(extractJSON(signed))
		return err
	}
	code := pubdata.ErrorCode(err)
	if code != pubdata.EINVALID && code != pubdata.EFORBIDDEN && code != pubdata.ENOTFOUND {
		return err
	}
	v := &extractsView{Page: s.Base(r, true), Entry: req.Entry, Key: req.Key, Filter: req.Filter, Purpose: req.Purpose, Errors: web.FormErrors{}}
	field := ""
	var pe *pubdata.Error
	if code == pubdata.EINVALID && errors.As(err, &pe) && (pe.Field == "entry" || pe.Field == "key" || pe.Field == "filter") {
		field = pe.Field
	}
	v.Errors[field] = web.ErrorText(v.Lang, err)
	return s.Render(w, r, "extracts", web.ErrorStatus(err), v)
}
