package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/ident"
)

// The certificates page of a catalogue entry (I1, issue 14 item 4): the provider's admins
// and editors declare the entry a certificate register (or change its kind), issue a
// certificate through a form of the register's fields — the entry's data items, except the
// ID items, whose value is the holder's — and the holder, list what was issued, download a
// certificate's PDF and revoke one with a reason, confirmed. Everyone else is refused.

// maxConsoleCertificates is the most certificates the page lists (the newest).
const maxConsoleCertificates = 500

// extraCertificateFields is how many free name/value pairs the issue form offers besides
// the register's fields.
const extraCertificateFields = 2

// certificatesView is the view of an entry's certificates page.
type certificatesView struct {
	web.Page
	Entry    *pubdata.Entry
	Register *pubdata.CertificateRegister // nil: the entry is not a register yet
	Kinds    []string
	Items    []certificateItem  // the issue form's fields
	Extra    []certificateExtra // the free name/value pairs
	Form     pubdata.CertificateRequest
	Errors   web.FormErrors // the issue form's problems
	// RegisterErrors are the register form's; Revoking is the certificate whose revocation
	// was refused, with RevokeErrors and the reason as entered.
	RegisterErrors web.FormErrors
	Revoking       string
	RevokeReason   string
	RevokeErrors   web.FormErrors
	Certificates   []*pubdata.Certificate
	More           bool   // more certificates than listed
	Done           string // what was just done (certificateDone)
	DoneID         string
}

// certificateItem is one field of the issue form: a data item of the entry.
type certificateItem struct {
	Name  string // the form's input name
	Title string
	Value string
}

// certificateExtra is a free name/value pair of the issue form (N counts from 1).
type certificateExtra struct {
	N                  int
	Name, Value, Error string
}

// certificateDone are what was just done, the ?done= of the redirect (certs.done.<kind>).
var certificateDone = []string{"registered", "issued", "revoked"}

// certificatesPage builds the page for e.
func (s *Server) certificatesPage(r *http.Request, e *pubdata.Entry) (*certificatesView, error) {
	v := &certificatesView{Page: s.Base(r, true), Entry: e, Kinds: []string{pubdata.RegisterLicence, pubdata.RegisterPermit, pubdata.RegisterQualification},
		Errors: web.FormErrors{}, RegisterErrors: web.FormErrors{}, RevokeErrors: web.FormErrors{}}
	q := r.URL.Query()
	if d := q.Get("done"); slices.Contains(certificateDone, d) {
		v.Done, v.DoneID = d, q.Get("certificate")
	}
	ctx := r.Context()
	reg, err := s.Certificates.Register(ctx, e.ID)
	switch {
	case err == nil:
		v.Register = reg
	case !web.ErrorIs(err, pubdata.ENOTFOUND):
		return nil, err
	}
	for i, it := range e.Items {
		if isIDElement(it.Element) {
			continue
		}
		title := it.Title
		if title == "" {
			title = it.Name
		}
		v.Items = append(v.Items, certificateItem{Name: "item_" + strconv.Itoa(i), Title: title})
	}
	for i := range extraCertificateFields {
		v.Extra = append(v.Extra, certificateExtra{N: i + 1})
	}
	v.Form.Title, v.Form.ValidFrom = e.Title, s.Now().In(web.DisplayZone).Format("2006-01-02")
	if v.Register == nil {
		return v, nil
	}
	list, err := s.Certificates.EntryCertificates(ctx, e.ID, maxConsoleCertificates+1)
	if err != nil {
		return nil, err
	}
	if len(list) > maxConsoleCertificates {
		list, v.More = list[:maxConsoleCertificates], true
	}
	v.Certificates = list
	if len(list) > 0 {
		v.Form.Title = list[0].Title // as the last one issued
	}
	return v, nil
}

// isIDElement reports whether items of the data element hold a person's or a company's
// ID: on a certificate that is the holder's ID, shown masked, never a field.
func isIDElement(el string) bool {
	return el == ident.ElementResidentID || el == ident.ElementUSCC || el == ident.ElementOrgCode
}

func (s *Server) PageCertificates(w http.ResponseWriter, r *http.Request) error {
	e, _, err := s.CertificateEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.certificatesPage(r, e)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entry_certificates", http.StatusOK, v)
}

// certificatesDone goes back to the page, at the certificate.
func certificatesDone(w http.ResponseWriter, r *http.Request, e *pubdata.Entry, what, id string) {
	to := web.WithQuery("/console/entries/"+e.ID+"/certificates", "done", what, "certificate", id)
	if id != "" {
		to += "#certificate-" + id
	}
	web.Redirect(w, r, to)
}

// refusedForm puts a refused change's problems in errs: each field's, or the whole.
func refusedForm(lang string, errs web.FormErrors, err error) bool {
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return false
	}
	if fe := web.ErrorFields(lang, err); len(fe) > 0 {
		for f, p := range fe {
			errs[f] = p
		}
	} else {
		errs[""] = web.ErrorText(lang, err)
	}
	return true
}

func (s *Server) PageCertificateRegister(w http.ResponseWriter, r *http.Request) error {
	e, _, err := s.CertificateEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.SetCertificateRegister(r, e.ID, r.PostForm.Get("kind")); err != nil {
		v, verr := s.certificatesPage(r, e)
		if verr != nil {
			return verr
		}
		if !refusedForm(v.Lang, v.RegisterErrors, err) {
			return err
		}
		return s.Render(w, r, "entry_certificates", http.StatusBadRequest, v)
	}
	certificatesDone(w, r, e, "registered", "")
	return nil
}

func (s *Server) PageCertificateIssue(w http.ResponseWriter, r *http.Request) error {
	e, _, err := s.CertificateEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := s.certificatesPage(r, e)
	if err != nil {
		return err
	}
	f := r.PostForm
	req := pubdata.CertificateRequest{Number: f.Get("number"), Title: f.Get("title"), HolderName: f.Get("holder_name"), HolderID: f.Get("holder_id"),
		ValidFrom: f.Get("valid_from"), ValidUntil: f.Get("valid_until"), Fields: [][2]string{}}
	for i := range v.Items {
		it := &v.Items[i]
		it.Value = f.Get(it.Name)
		if val := strings.TrimSpace(it.Value); val != "" {
			req.Fields = append(req.Fields, [2]string{it.Title, val})
		}
	}
	for i := range v.Extra {
		x := &v.Extra[i]
		x.Name, x.Value = f.Get("extra_name_"+strconv.Itoa(x.N)), f.Get("extra_value_"+strconv.Itoa(x.N))
		n, val := strings.TrimSpace(x.Name), strings.TrimSpace(x.Value)
		switch {
		case n == "" && val == "":
		case n == "":
			x.Error = web.Translate(v.Lang, "error.certificate.field_name")
			v.Errors["fields"] = x.Error
		default:
			req.Fields = append(req.Fields, [2]string{n, val})
		}
	}
	form := req
	if len(v.Errors) == 0 {
		c, err := s.IssueCertificate(r, e.ID, &req)
		if err == nil {
			certificatesDone(w, r, e, "issued", c.ID)
			return nil
		}
		if !refusedForm(v.Lang, v.Errors, err) {
			return err
		}
	}
	v.Form = form
	return s.Render(w, r, "entry_certificates", http.StatusBadRequest, v)
}

// maxRevokeReason is the longest revocation reason, in characters.
const maxRevokeReason = 500

func (s *Server) PageCertificateRevoke(w http.ResponseWriter, r *http.Request) error {
	e, _, err := s.CertificateEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := s.entryCertificate(r, e)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	errs := web.FormErrors{}
	lang := s.Base(r, true).Lang
	switch {
	case reason == "":
		errs["reason"] = web.Translate(lang, "certs.revoke.error.reason")
	case utf8.RuneCountInString(reason) > maxRevokeReason:
		errs["reason"] = web.Translate(lang, "error.certificate.too_long", "Max", maxRevokeReason)
	}
	if r.PostForm.Get("confirm") != "1" {
		errs["confirm"] = web.Translate(lang, "certs.revoke.error.confirm")
	}
	if len(errs) == 0 {
		if _, err = s.RevokeCertificate(r, c.ID, reason); err == nil {
			certificatesDone(w, r, e, "revoked", c.ID)
			return nil
		}
		if !refusedForm(lang, errs, err) {
			return err
		}
	}
	v, err := s.certificatesPage(r, e)
	if err != nil {
		return err
	}
	v.Revoking, v.RevokeReason, v.RevokeErrors = c.ID, reason, errs
	return s.Render(w, r, "entry_certificates", http.StatusBadRequest, v)
}

// entryCertificate is the path's certificate, of entry e.
func (s *Server) entryCertificate(r *http.Request, e *pubdata.Entry) (*pubdata.Certificate, error) {
	id := r.PathValue("cert")
	c, err := s.Certificates.Certificate(r.Context(), id)
	if err == nil && c.Entry != e.ID {
		err = pubdata.Errorf(pubdata.ENOTFOUND, "Certificate %q not found.", id).Keyed("error.certificate.not_found", "ID", id)
	}
	return c, err
}

// PageCertificatePDF is the provider's copy of a certificate's PDF.
func (s *Server) PageCertificatePDF(w http.ResponseWriter, r *http.Request) error {
	e, _, err := s.CertificateEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := s.entryCertificate(r, e)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.ID+`.pdf"`)
	_, err = w.Write(c.PDF)
	return err
}
