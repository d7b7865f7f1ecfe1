package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// WriteCKANError answers a request of CKAN's action API that the middleware refuses (a bad
// token, bad input, the rate limit) in CKAN's envelope, as the actions answer their own
// errors: {"help","success":false,"error":{"__type","message"}}, in English as CKAN's.
func WriteCKANError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	typ := "Internal Server Error"
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		typ = "Authorization Error"
	case status == http.StatusNotFound:
		typ = "Not Found Error"
	case status == http.StatusTooManyRequests:
		typ = "Rate Limit Error"
	case status < 500:
		typ = "Validation Error"
	}
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	help := BaseURL(r) + "/api/3/action/help_show?name=" + url.QueryEscape(name)
	WriteJSON(w, status, map[string]any{"help": help, "success": false, "error": map[string]any{"__type": typ, "message": msg}})
}

// --- the mapping of entries, organisations and categories ---

// CkanName is the CKAN name of a package: its resource code, lower-case, "/" as "-".
func CkanName(e *pubdata.Entry) string {
	return strings.ToLower(strings.ReplaceAll(e.Code, "/", "-"))
}
