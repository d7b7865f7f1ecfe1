package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"io"
	"net/http"
	"strings"
)

// verifyView is the public verify page.
type verifyView struct {
	web.Page
	Document string
	Result   *web.VerifyReply
	Errors   web.FormErrors
}

func (s *Server) PageVerify(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "verify", http.StatusOK, &verifyView{Page: s.Base(r, false), Errors: web.FormErrors{}})
}

// PageVerifySubmit checks a pasted or uploaded extract.
func (s *Server) PageVerifySubmit(w http.ResponseWriter, r *http.Request) error {
	v := &verifyView{Page: s.Base(r, false), Errors: web.FormErrors{}}
	var raw []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return web.NormalizeOr(err, pubdata.Errorf(pubdata.EINVALID, "The form could not be read.").Keyed("error.form.unreadable"))
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil {
				return web.NormalizeError(err)
			}
			raw = b
		}
	} else if err := web.ParseForm(r); err != nil {
		return err
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte(r.PostFormValue("document"))
		v.Document = r.PostFormValue("document")
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		v.Errors["document"] = web.Translate(v.Lang, "verify.error.empty")
		return s.Render(w, r, "verify", http.StatusBadRequest, v)
	}
	res, err := s.Verify(r.Context(), raw)
	if err != nil {
		return err
	}
	v.Result = res
	return s.Render(w, r, "verify", http.StatusOK, v)
}
