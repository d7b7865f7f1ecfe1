package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
)

// The console page of an entry's service interface (服务接口, B4): the provider's editors
// and administrators register and change the endpoint (pubdata.CanSetEndpoint); an
// authority covering the entry confirms it (pubdata.CanConfirmEndpoint); the provider's
// users and the covering authority's see it (pubdata.CanViewEndpoint). The secret is never
// shown, only whether one is set. Calls are in the audit record (service.call).

// endpointForm is the form as entered. The secret is never sent back to the browser.
type endpointForm struct {
	BaseURL          string
	Methods          []string
	CredentialHeader string
	Timeout          string
}

// Has reports whether the form allows the method.
func (f endpointForm) Has(m string) bool { return slices.Contains(f.Methods, m) }

// endpointPageView is the view of the page.
type endpointPageView struct {
	page
	Entry      *pubdata.Entry
	Endpoint   *endpointView // nil while none is registered; never holds the secret
	StatusKey  string
	CanSet     bool
	CanConfirm bool
	Form       endpointForm
	Methods    []string
	MaxTimeout int
	AuditURL   string // the calls in the record, for those who may read it
	Errors     formErrors
}

// endpointEntry returns the actor and the path's entry, which must be a service interface
// the actor may see the endpoint of.
func (s *Server) endpointEntry(r *http.Request) (*pubdata.Actor, *pubdata.Entry, error) {
	if s.Endpoints == nil {
		return nil, nil, errNoEndpoints
	}
	a, err := entryOrgActor(r)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return nil, nil, err
	}
	if e.Format != pubdata.FormatService {
		return nil, nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a service interface (its format is %s).", e.ID, e.Format)
	}
	return a, e, nil
}

func (s *Server) endpointPage(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*endpointPageView, error) {
	v := &endpointPageView{
		page: s.base(r, true), Entry: e, StatusKey: "endpoint.status.none",
		CanSet:  pubdata.CanSetEndpoint(a, e) && e.Status != pubdata.StatusRetired,
		Methods: pubdata.EndpointMethods, MaxTimeout: pubdata.MaxEndpointTimeout, Errors: formErrors{},
		Form: endpointForm{Methods: []string{"GET"}, Timeout: strconv.Itoa(pubdata.DefaultEndpointTimeout)},
	}
	ep, err := s.Endpoints.FindEndpoint(r.Context(), e.ID)
	switch {
	case err == nil:
		view := newEndpointView(ep)
		v.Endpoint = &view
		v.StatusKey = "endpoint.status.pending"
		if ep.Status == pubdata.EndpointConfirmed {
			v.StatusKey = "endpoint.status.confirmed"
		}
		v.CanConfirm = ep.Status == pubdata.EndpointPending && pubdata.CanConfirmEndpoint(a, e)
		v.Form = endpointForm{BaseURL: ep.BaseURL, Methods: ep.Methods, CredentialHeader: ep.CredentialHeader, Timeout: strconv.Itoa(ep.TimeoutSeconds)}
	case !errorIs(err, pubdata.ENOTFOUND):
		return nil, err
	}
	if v.MayAudit {
		v.AuditURL = withQuery("/console/audit", "action", "service.call", "object", "entry:"+e.ID)
	}
	q := r.URL.Query()
	switch {
	case q.Get("saved") != "" && v.Endpoint != nil && v.Endpoint.Status == pubdata.EndpointConfirmed:
		v.Flash = translate(v.Lang, "endpoint.saved.confirmed")
	case q.Get("saved") != "" && v.Endpoint != nil:
		v.Flash = translate(v.Lang, "endpoint.saved.pending")
	case q.Get("confirmed") != "":
		v.Flash = translate(v.Lang, "endpoint.confirmed")
	}
	return v, nil
}

func (s *Server) pageEndpoint(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.endpointEntry(r)
	if err != nil {
		return err
	}
	v, err := s.endpointPage(r, a, e)
	if err != nil {
		return err
	}
	return s.render(w, r, "entry_endpoint", http.StatusOK, v)
}

// endpointFields are the form's fields.
var endpointFields = []string{"base_url", "methods", "credential_header", "secret", "timeout_seconds"}

// endpointFieldError is the translated problem of a form field.
func endpointFieldError(lang, field string) string {
	switch field {
	case "base_url":
		return translate(lang, "endpoint.error.base_url")
	case "methods":
		return translate(lang, "endpoint.error.methods")
	case "credential_header":
		return translate(lang, "endpoint.error.credential_header")
	case "secret":
		return translate(lang, "endpoint.error.secret")
	}
	return translate(lang, "endpoint.error.timeout_seconds", "Max", pubdata.MaxEndpointTimeout)
}

func (s *Server) pageEndpointSave(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.endpointEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanSetEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators may register its service interfaces.")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	form := endpointForm{
		BaseURL: strings.TrimSpace(pf.Get("base_url")), Methods: pf["methods"],
		CredentialHeader: strings.TrimSpace(pf.Get("credential_header")), Timeout: strings.TrimSpace(pf.Get("timeout_seconds")),
	}
	c := &pubdata.EndpointChange{BaseURL: form.BaseURL, Methods: form.Methods, CredentialHeader: form.CredentialHeader, Secret: pf.Get("secret")}
	lang := langFrom(r.Context())
	errs := formErrors{}
	if form.Timeout != "" {
		n, err := strconv.Atoi(form.Timeout)
		if err != nil {
			errs["timeout_seconds"] = endpointFieldError(lang, "timeout_seconds")
		}
		c.TimeoutSeconds = n
	}
	if len(errs) == 0 {
		_, err := s.Endpoints.SetEndpoint(r.Context(), e.ID, c)
		switch {
		case err == nil:
			redirect(w, r, withQuery("/console/entries/"+e.ID+"/endpoint", "saved", "1"))
			return nil
		case !errorIs(err, pubdata.EINVALID):
			return err
		}
		fields := pubdata.ErrorFields(err)
		for _, f := range endpointFields {
			if fields[f] != nil {
				errs[f] = endpointFieldError(lang, f)
				if lang == LangEN {
					errs[f] = fieldText(lang, fields[f]) // the domain's sentence names the exact problem
				}
			}
		}
		if len(errs) == 0 {
			errs[""] = errorText(lang, err)
		}
	}
	r.URL.RawQuery = ""
	v, err := s.endpointPage(r, a, e)
	if err != nil {
		return err
	}
	v.Form, v.Errors = form, errs
	return s.render(w, r, "entry_endpoint", http.StatusBadRequest, v)
}

func (s *Server) pageEndpointConfirm(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.endpointEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanConfirmEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of the authority for division %s may confirm this service interface.", e.Division)
	}
	if _, err := s.Endpoints.ConfirmEndpoint(r.Context(), e.ID); err != nil {
		return err
	}
	redirect(w, r, withQuery("/console/entries/"+e.ID+"/endpoint", "confirmed", "1"))
	return nil
}
