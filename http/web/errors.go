package web

import (
	"errors"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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
	if err == ErrMethodNotAllowed {
		return http.StatusMethodNotAllowed
	}
	if st, ok := statusOf[pubdata.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields holds each input field's problem ("share_conditions": "…") when a validation
	// names fields; absent otherwise.
	Fields map[string]string `json:"fields,omitempty"`
}

// ErrorText returns the user-safe message of err in lang: the message of the first
// *pubdata.Error in err's chain (each field's problem for a validation that found several),
// else the internal error's sentence.
func ErrorText(lang string, err error) string {
	var e *pubdata.Error
	if err == nil {
		return ""
	} else if !errors.As(err, &e) {
		return Translate(lang, "error.internal.message")
	}
	return FieldText(lang, e)
}

// FieldText returns the message of e in lang: its keyed message when the message files have
// the key in lang, else its English sentence; a validation's several problems are joined.
func FieldText(lang string, e *pubdata.Error) string {
	if e.Msg != nil && locale.Has(lang, e.Msg.Key) {
		return locale.Render(lang, e.Msg)
	}
	if e.Msg == nil && len(e.Fields) > 0 {
		msgs := make([]string, len(e.Fields))
		for i, p := range e.Fields {
			msgs[i] = FieldText(lang, p)
		}
		sep := " "
		if lang == LangZH {
			sep = ""
		}
		return strings.Join(msgs, sep)
	}
	return e.Message
}

// pageErrorText is errorText for a page's error detail: empty when err's sentence is not in
// lang (an error without a key, on a page in another language than English), where the
// page's own text for the status says enough.
func pageErrorText(lang string, err error) string {
	var e *pubdata.Error
	if lang != LangEN && (!errors.As(err, &e) || !inLang(lang, e)) {
		return ""
	}
	return ErrorText(lang, err)
}

// inLang reports whether e renders in lang: its key, or each of its fields' keys, has a
// message in lang.
func inLang(lang string, e *pubdata.Error) bool {
	if e.Msg != nil {
		return locale.Has(lang, e.Msg.Key)
	}
	for _, p := range e.Fields {
		if !inLang(lang, p) {
			return false
		}
	}
	return len(e.Fields) > 0
}

// ErrorFields returns the problem of each field named in an EINVALID err in lang, or nil.
func ErrorFields(lang string, err error) map[string]string {
	if pubdata.ErrorCode(err) != pubdata.EINVALID {
		return nil
	}
	var out map[string]string
	for field, e := range pubdata.ErrorFields(err) {
		if out == nil {
			out = map[string]string{}
		}
		out[field] = FieldText(lang, e)
	}
	return out
}

// IsAPI reports whether the request is for the JSON API (errors as JSON) rather than a page.
func IsAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// RenderError writes err as JSON for API paths and as an HTML page otherwise. Internal errors
// are logged with the request id and shown only as "Internal error.".
func (s *Server) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	err = NormalizeError(err)
	code := pubdata.ErrorCode(err)
	status := ErrorStatus(err)
	if IsCKANAction(r.URL.Path) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pubdata"`)
		}
		msg := ErrorText(LangEN, err)
		if status >= 500 {
			msg = "Internal error."
		}
		WriteCKANError(w, r, status, msg)
		return
	}
	lang := LangFrom(r.Context())
	if IsAPI(r) {
		lang = ApiLang(r)
	}
	msg := ErrorText(lang, err)
	if status >= 500 {
		code, msg = pubdata.EINTERNAL, Translate(lang, "error.internal.message")
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", RequestIDFrom(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
	}
	if st := StateFrom(r.Context()); st != nil {
		st.ErrCode = code
	}
	if IsAPI(r) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pubdata"`)
		}
		WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, Fields: ErrorFields(lang, err)}})
		return
	}
	// Pages: an anonymous visitor asked to sign in goes to the login form, and comes back
	// to the page afterwards (to the form's page after a POST).
	if status == http.StatusUnauthorized && r.Header.Get("Authorization") == "" && pubdata.ActorFromContext(r.Context()).Anonymous() {
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// After a form post, come back to the form's page if there is one.
			next = ""
			get := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: r.URL.Path}, Host: r.Host, Header: http.Header{}}
			if _, pattern := s.mux.Handler(get); pattern != "" {
				next = r.URL.Path
			}
		}
		http.Redirect(w, r, LoginURL(next), http.StatusSeeOther)
		return
	}
	if status < 500 {
		msg = pageErrorText(lang, err)
	} else if lang != LangEN {
		msg = "" // the page's text says it
	}
	s.renderErrorPage(w, r, status, code, msg)
}

// NormalizeError turns errors of the standard library that callers can cause (an oversize
// body) into pubdata errors.
func NormalizeError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return pubdata.Errorf(pubdata.ETOOLARGE, "Request body is larger than %d bytes.", mbe.Limit).
			Keyed("error.too_large.body", "Limit", mbe.Limit)
	}
	return err
}
