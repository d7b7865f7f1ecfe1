package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
)

// Bounded input (issue 12 item 1). Every request's text is checked before any handler
// runs: a path or parameter holding a NUL or bytes that are not UTF-8 answers 400 (the
// databases would refuse or mangle them), and a query parameter longer than MaxParamLength
// answers 400 naming it (a 1 MB full-text query held PostgreSQL for 41 s). Form and JSON
// bodies are checked where they are read (ParseForm: MaxFieldLength; DecodeJSON: no NUL;
// CKAN's parameters: MaxParamLength). Every request that is not an upload, a data route or
// a slow route gets RequestTimeout: its context ends then, which cancels its statement on
// PostgreSQL and interrupts it on SQLite.

// MaxParamLength is the longest query parameter accepted, in bytes: free text, filters,
// cursors. Longer is refused with 400 naming the parameter.
const MaxParamLength = 2000

// RequestTimeout bounds the work of a request that is not an upload, a data route or a slow
// route.
const RequestTimeout = 30 * time.Second

// badText reports whether s holds a NUL or is not valid UTF-8.
func badText(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

// MaxFieldLength is the longest field of a page's form accepted, in bytes: a backstop
// (the domain bounds each field's text, e.g. 2000 characters of a summary, and names it).
const MaxFieldLength = 64 << 10

// checkValues returns the 400 for the first value of vs longer than max or not text.
func checkValues(vs map[string][]string, where string, max int) error {
	for name, list := range vs {
		if badText(name) {
			return pubdata.Errorf(pubdata.EINVALID, "A %s name holds a NUL or bytes that are not UTF-8.", where).Keyed("error.input.bad_name")
		}
		for _, v := range list {
			if badText(v) {
				return pubdata.FieldErrorf(name, "Parameter %s holds a NUL or bytes that are not UTF-8.", name).Keyed("error.input.bad_text", "Name", name)
			}
			if len(v) > max {
				return pubdata.FieldErrorf(name, "Parameter %s is longer than %d bytes.", name, max).Keyed("error.input.too_long", "Name", name, "Limit", max)
			}
		}
	}
	return nil
}

// checkInput refuses bad paths and query parameters, and bounds the request's time.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if badText(r.URL.Path) {
			s.RenderError(w, r, pubdata.Errorf(pubdata.EINVALID, "The address holds a NUL or bytes that are not UTF-8.").Keyed("error.input.bad_path"))
			return
		}
		// CKAN's action API checks its own parameters (ckan.go), to answer in CKAN's envelope.
		q, err := urlQuery(r)
		if IsCKANAction(r.URL.Path) {
			q, err = nil, nil
		}
		if err != nil {
			s.RenderError(w, r, pubdata.Errorf(pubdata.EINVALID, "The query string cannot be read.").Keyed("error.input.bad_query"))
			return
		}
		if err := checkValues(q, "parameter", MaxParamLength); err != nil {
			s.RenderError(w, r, err)
			return
		}
		if !s.isStream(r) {
			ctx, cancel := context.WithTimeout(r.Context(), RequestTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// urlQuery parses the query string strictly (Query drops what it cannot read).
func urlQuery(r *http.Request) (map[string][]string, error) {
	return url.ParseQuery(r.URL.RawQuery)
}

// CheckParams refuses parameters as checkInput refuses a query's (CKAN's action API checks
// its query, form or JSON parameters with it): longer than MaxParamLength, or holding a NUL
// or bytes that are not UTF-8; 400 naming the parameter.
func CheckParams(vs map[string][]string) error { return checkValues(vs, "parameter", MaxParamLength) }

// CheckParam is CheckParams for one named value.
func CheckParam(name, v string) error {
	return checkValues(map[string][]string{name: {v}}, "parameter", MaxParamLength)
}

// CheckForm refuses a page form's fields holding a NUL or bytes that are not UTF-8, or
// longer than MaxFieldLength.
func CheckForm(vs map[string][]string) error { return checkValues(vs, "field", MaxFieldLength) }

// isStream reports whether the request may take longer than RequestTimeout: an upload, a
// data route (downloads and dumps stream whole tables; a service call has its endpoint's
// timeout) or a slow route (SlowRoute).
func (s *Server) isStream(r *http.Request) bool {
	pattern := s.patternOf(r)
	return s.uploads[pattern] || s.DataRoutes[pattern] || s.slowRoutes[pattern]
}

// checkJSONBody refuses a JSON body holding a NUL (\u0000, which PostgreSQL refuses in text);
// invalid UTF-8 is replaced by the decoder and cannot reach the database.
func checkJSONBody(raw []byte) error {
	if bytes.Contains(raw, []byte(`\u0000`)) || bytes.IndexByte(raw, 0) >= 0 {
		return pubdata.Errorf(pubdata.EINVALID, "The request body holds a NUL character.").Keyed("error.input.nul_body")
	}
	return nil
}

// IsCKANAction reports whether path is one of CKAN's action API.
func IsCKANAction(path string) bool {
	return strings.HasPrefix(path, "/api/3/action/") || strings.HasPrefix(path, "/api/action/")
}
