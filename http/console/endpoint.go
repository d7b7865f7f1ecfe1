package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	web.Page
	Entry      *pubdata.Entry
	Endpoint   *web.EndpointView // nil while none is registered; never holds the secret
	StatusKey  string
	CanSet     bool
	CanConfirm bool
	Form       endpointForm
	Methods    []string
	MaxTimeout int
	AuditURL   string // the calls in the record, for those who may read it
	Errors     web.FormErrors
}

// endpointEntry returns the actor and the path's entry, which must be a service interface
// the actor may see the endpoint of.
func (s *Server) endpointEntry(r *http.Request) (*pubdata.Actor, *pubdata.Entry, error) {
	if s.Endpoints == nil {
		return nil, nil, web.ErrNoEndpoints
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
		return nil, nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a service interface (its format is %s).", e.ID, e.Format).
			Keyed("error.endpoint.not_service_page", "Entry", e.ID, "Format", e.Format)
	}
	return a, e, nil
}

func (s *Server) endpointPage(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*endpointPageView, error) {
	v := &endpointPageView{
		Page: s.Base(r, true), Entry: e, StatusKey: "endpoint.status.none",
		CanSet:  pubdata.CanSetEndpoint(a, e) && e.Status != pubdata.StatusRetired,
		Methods: pubdata.EndpointMethods, MaxTimeout: pubdata.MaxEndpointTimeout, Errors: web.FormErrors{},
		Form: endpointForm{Methods: []string{"GET"}, Timeout: strconv.Itoa(pubdata.DefaultEndpointTimeout)},
	}
	ep, err := s.Endpoints.FindEndpoint(r.Context(), e.ID)
	switch {
	case err == nil:
		view := web.NewEndpointView(ep)
		v.Endpoint = &view
		v.StatusKey = "endpoint.status.pending"
		if ep.Status == pubdata.EndpointConfirmed {
			v.StatusKey = "endpoint.status.confirmed"
		}
		v.CanConfirm = ep.Status == pubdata.EndpointPending && pubdata.CanConfirmEndpoint(a, e)
		v.Form = endpointForm{BaseURL: ep.BaseURL, Methods: ep.Methods, CredentialHeader: ep.CredentialHeader, Timeout: strconv.Itoa(ep.TimeoutSeconds)}
	case !web.ErrorIs(err, pubdata.ENOTFOUND):
		return nil, err
	}
	if v.MayAudit {
		v.AuditURL = web.WithQuery("/console/audit", "action", "service.call", "object", "entry:"+e.ID)
	}
	q := r.URL.Query()
	switch {
	case q.Get("saved") != "" && v.Endpoint != nil && v.Endpoint.Status == pubdata.EndpointConfirmed:
		v.Flash = web.Translate(v.Lang, "endpoint.saved.confirmed")
	case q.Get("saved") != "" && v.Endpoint != nil:
		v.Flash = web.Translate(v.Lang, "endpoint.saved.pending")
	case q.Get("confirmed") != "":
		v.Flash = web.Translate(v.Lang, "endpoint.confirmed")
	}
	return v, nil
}

func (s *Server) PageEndpoint(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.endpointEntry(r)
	if err != nil {
		return err
	}
	v, err := s.endpointPage(r, a, e)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entry_endpoint", http.StatusOK, v)
}

// endpointFields are the form's fields.
var endpointFields = []string{"base_url", "methods", "credential_header", "secret", "timeout_seconds"}

// endpointFieldError is the translated problem of a form field.
func endpointFieldError(lang, field string) string {
	switch field {
	case "base_url":
		return web.Translate(lang, "endpoint.error.base_url")
	case "methods":
		return web.Translate(lang, "endpoint.error.methods")
	case "credential_header":
		return web.Translate(lang, "endpoint.error.credential_header")
	case "secret":
		return web.Translate(lang, "endpoint.error.secret")
	}
	return web.Translate(lang, "endpoint.error.timeout_seconds", "Max", pubdata.MaxEndpointTimeout)
}

func (s *Server) PageEndpointSave(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.endpointEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanSetEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators may register its service interfaces.").
			Keyed("error.endpoint.register_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	form := endpointForm{
		BaseURL: strings.TrimSpace(pf.Get("base_url")), Methods: pf["methods"],
		CredentialHeader: strings.TrimSpace(pf.Get("credential_header")), Timeout: strings.TrimSpace(pf.Get("timeout_seconds")),
	}
	c := &pubdata.EndpointChange{BaseURL: form.BaseURL, Methods: form.Methods, CredentialHeader: form.CredentialHeader, Secret: pf.Get("secret")}
	lang := web.LangFrom(r.Context())
	errs := web.FormErrors{}
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
			web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/endpoint", "saved", "1"))
			return nil
		case !web.ErrorIs(err, pubdata.EINVALID):
			return err
		}
		fields := pubdata.ErrorFields(err)
		for _, f := range endpointFields {
			if fields[f] != nil {
				errs[f] = endpointFieldError(lang, f)
				if lang == web.LangEN {
					errs[f] = web.FieldText(lang, fields[f]) // the domain's sentence names the exact problem
				}
			}
		}
		if len(errs) == 0 {
			errs[""] = web.ErrorText(lang, err)
		}
	}
	r.URL.RawQuery = ""
	v, err := s.endpointPage(r, a, e)
	if err != nil {
		return err
	}
	v.Form, v.Errors = form, errs
	return s.Render(w, r, "entry_endpoint", http.StatusBadRequest, v)
}

func (s *Server) PageEndpointConfirm(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.endpointEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanConfirmEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of the authority for division %s may confirm this service interface.", e.Division).
			Keyed("error.endpoint.confirm_forbidden", "Division", e.Division)
	}
	if _, err := s.Endpoints.ConfirmEndpoint(r.Context(), e.ID); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/endpoint", "confirmed", "1"))
	return nil
}
