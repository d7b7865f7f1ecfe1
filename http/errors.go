package http

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// statusOf maps each pubdata error code to its HTTP status. Codes not in the table are
// internal errors.
var statusOf = map[string]int{
	pubdata.EINVALID:      http.StatusBadRequest,
	pubdata.EUNAUTHORIZED: http.StatusUnauthorized,
	pubdata.EFORBIDDEN:    http.StatusForbidden,
	pubdata.ENOTFOUND:     http.StatusNotFound,
	pubdata.ECONFLICT:     http.StatusConflict,
	pubdata.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	pubdata.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if err == errMethodNotAllowed {
		return http.StatusMethodNotAllowed
	}
	if st, ok := statusOf[pubdata.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields holds each input field's problem ("share_conditions": "…") when a validation
	// names fields; absent otherwise.
	Fields map[string]string `json:"fields,omitempty"`
}

// errorFields returns the problem of each field named in an EINVALID err, or nil.
func errorFields(err error) map[string]string {
	if pubdata.ErrorCode(err) != pubdata.EINVALID {
		return nil
	}
	var out map[string]string
	for field, e := range pubdata.ErrorFields(err) {
		if out == nil {
			out = map[string]string{}
		}
		out[field] = e.Message
	}
	return out
}

// isAPI reports whether the request is for the JSON API (errors as JSON) rather than a page.
func isAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// renderError writes err as JSON for API paths and as an HTML page otherwise. Internal errors
// are logged with the request id and shown only as "Internal error.".
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	err = normalizeError(err)
	code := pubdata.ErrorCode(err)
	status := ErrorStatus(err)
	msg := pubdata.ErrorMessage(err)
	if status >= 500 {
		code, msg = pubdata.EINTERNAL, "Internal error."
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", requestIDFrom(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
	}
	if st := stateFrom(r.Context()); st != nil {
		st.errCode = code
	}
	if isAPI(r) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pubdata"`)
		}
		writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg, Fields: errorFields(err)}})
		return
	}
	// Pages: an anonymous visitor asked to sign in goes to the login form, and comes back
	// to the page afterwards (to the form's page after a POST).
	if status == http.StatusUnauthorized && r.Header.Get("Authorization") == "" && pubdata.ActorFromContext(r.Context()).Anonymous() {
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// After a form post, come back to the form's page if there is one.
			next = "/console"
			get := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: r.URL.Path}, Host: r.Host, Header: http.Header{}}
			if _, pattern := s.mux.Handler(get); pattern != "" {
				next = r.URL.Path
			}
		}
		http.Redirect(w, r, "/console/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	s.renderErrorPage(w, r, status, code, msg)
}

// normalizeError turns errors of the standard library that callers can cause (an oversize
// body) into pubdata errors.
func normalizeError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return pubdata.Errorf(pubdata.ETOOLARGE, "Request body is larger than %d bytes.", mbe.Limit)
	}
	return err
}
