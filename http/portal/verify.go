package portal

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// verifyView is the public verify page: an extract or a certificate (its JSON, its PDF, or
// its code, which the certificate's QR code links as /verify?code=ID).
type verifyView struct {
	web.Page
	Document string
	Code     string
	Result   *web.VerifyReply
	Errors   web.FormErrors
}

// PageVerify shows the form, or the result for ?code= (a scanned QR code).
func (s *Server) PageVerify(w http.ResponseWriter, r *http.Request) error {
	v := &verifyView{Page: s.Base(r, false), Errors: web.FormErrors{}}
	if code := strings.TrimSpace(r.URL.Query().Get("code")); code != "" {
		res, err := s.VerifyCertificateCode(r.Context(), code)
		if err != nil {
			return err
		}
		v.Code, v.Result = code, res
	}
	return s.Render(w, r, "verify", http.StatusOK, v)
}

// PageVerifySubmit checks a pasted or uploaded extract or certificate (JSON or PDF), or a
// certificate's code.
func (s *Server) PageVerifySubmit(w http.ResponseWriter, r *http.Request) error {
	v := &verifyView{Page: s.Base(r, false), Errors: web.FormErrors{}}
	var raw []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(4 << 20); err != nil {
			return web.NormalizeOr(err, pubdata.Errorf(pubdata.EINVALID, "The form could not be read.").Keyed("error.form.unreadable"))
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, 4<<20))
			if err != nil {
				return web.NormalizeError(err)
			}
			raw = b
		}
	} else if err := web.ParseForm(r); err != nil {
		return err
	}
	if code := strings.TrimSpace(r.PostFormValue("code")); code != "" && len(bytes.TrimSpace(raw)) == 0 && strings.TrimSpace(r.PostFormValue("document")) == "" {
		res, err := s.VerifyCertificateCode(r.Context(), code)
		if err != nil {
			return err
		}
		v.Code, v.Result = code, res
		return s.Render(w, r, "verify", http.StatusOK, v)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte(r.PostFormValue("document"))
		v.Document = r.PostFormValue("document")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		v.Errors["document"] = web.Translate(v.Lang, "verify.error.empty")
		return s.Render(w, r, "verify", http.StatusBadRequest, v)
	}
	var res *web.VerifyReply
	var err error
	if bytes.HasPrefix(raw, []byte("%PDF-")) {
		res, err = s.VerifyPDF(r.Context(), raw)
	} else {
		res, err = s.Verify(r.Context(), raw)
	}
	if err != nil {
		return err
	}
	v.Result = res
	return s.Render(w, r, "verify", http.StatusOK, v)
}

// PageCertificateDownload is GET /account/certificates/{id}/{pdf|json}: the holder's (or
// the provider's) copy of a certificate.
func (s *Server) PageCertificateDownload(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetCertificate(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	switch r.PathValue("what") {
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.ID+`.pdf"`)
		_, err = w.Write(c.PDF)
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.ID+`.json"`)
		_, err = w.Write([]byte(c.Signed))
	default:
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found.").Keyed("error.certificate.not_found", "ID", r.PathValue("id"))
	}
	return err
}
