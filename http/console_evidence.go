package http

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// The evidence pages: the console's subject lookup (D6) and signed-extract form (D5), and
// the portal's public verify page.

// subjectsView is the subject lookup page. The key is posted, never put in a URL.
type subjectsView struct {
	page
	Key     string
	Purpose string
	Reply   *subjectReply
	Errors  formErrors
}

func (s *Server) pageSubjects(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLookUpSubjects(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies and authorities may look up which entries hold a subject's data.").Keyed("error.evidence.forbidden")
	}
	return s.render(w, r, "subjects", http.StatusOK, &subjectsView{page: s.base(r, true), Errors: formErrors{}})
}

func (s *Server) pageSubjectsSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	v := &subjectsView{page: s.base(r, true), Key: strings.TrimSpace(r.PostForm.Get("key")), Purpose: purpose(r.PostForm.Get("purpose")), Errors: formErrors{}}
	ctx := r.Context()
	if v.Purpose != "" {
		info := pubdata.RequestFromContext(ctx)
		info.Purpose = v.Purpose
		ctx = pubdata.NewContextWithRequest(ctx, info)
	}
	reply, err := s.lookUpSubject(ctx, v.Key)
	switch {
	case err == nil:
		v.Reply = reply
		v.Key = "" // not echoed back into the page
		return s.render(w, r, "subjects", http.StatusOK, v)
	case errorIs(err, pubdata.EINVALID):
		v.Errors["key"] = translate(v.Lang, "subjects.error.key") + " " + errorText(v.Lang, err)
		return s.render(w, r, "subjects", http.StatusBadRequest, v)
	}
	return err
}

// extractsView is the signed-extract form.
type extractsView struct {
	page
	Entry, Key, Filter, Purpose string
	Errors                      formErrors
}

func (s *Server) pageExtracts(w http.ResponseWriter, r *http.Request) error {
	if _, err := consoleActor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	v := &extractsView{page: s.base(r, true), Entry: strings.TrimSpace(q.Get("entry")), Filter: strings.TrimSpace(q.Get("filter")), Errors: formErrors{}}
	return s.render(w, r, "extracts", http.StatusOK, v)
}

// pageExtractsSubmit signs the extract and sends it as a JSON file; problems re-render the
// form.
func (s *Server) pageExtractsSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	req := &extractRequest{Entry: r.PostForm.Get("entry"), Key: r.PostForm.Get("key"), Filter: r.PostForm.Get("filter"), Purpose: r.PostForm.Get("purpose")}
	signed, err := s.buildExtract(r, req)
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
	v := &extractsView{page: s.base(r, true), Entry: req.Entry, Key: req.Key, Filter: req.Filter, Purpose: req.Purpose, Errors: formErrors{}}
	field := ""
	var pe *pubdata.Error
	if code == pubdata.EINVALID && errors.As(err, &pe) && (pe.Field == "entry" || pe.Field == "key" || pe.Field == "filter") {
		field = pe.Field
	}
	v.Errors[field] = errorText(v.Lang, err)
	return s.render(w, r, "extracts", ErrorStatus(err), v)
}

// verifyView is the public verify page.
type verifyView struct {
	page
	Document string
	Result   *verifyReply
	Errors   formErrors
}

func (s *Server) pageVerify(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "verify", http.StatusOK, &verifyView{page: s.base(r, false), Errors: formErrors{}})
}

// pageVerifySubmit checks a pasted or uploaded extract.
func (s *Server) pageVerifySubmit(w http.ResponseWriter, r *http.Request) error {
	v := &verifyView{page: s.base(r, false), Errors: formErrors{}}
	var raw []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return normalizeOr(err, pubdata.Errorf(pubdata.EINVALID, "The form could not be read."))
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil {
				return normalizeError(err)
			}
			raw = b
		}
	} else if err := parseForm(r); err != nil {
		return err
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte(r.PostFormValue("document"))
		v.Document = r.PostFormValue("document")
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		v.Errors["document"] = translate(v.Lang, "verify.error.empty")
		return s.render(w, r, "verify", http.StatusBadRequest, v)
	}
	res, err := s.verify(raw)
	if err != nil {
		return err
	}
	v.Result = res
	return s.render(w, r, "verify", http.StatusOK, v)
}

// normalizeOr is normalizeError's result when it recognises err, else def.
func normalizeOr(err, def error) error {
	if e := normalizeError(err); e != err {
		return e
	}
	return def
}
