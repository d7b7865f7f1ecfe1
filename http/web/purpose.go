package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// A shared read on the pages needs the reader's purpose (D4), and a browser sends no
// X-Purpose header. The person states it once in a form (POST /read-purpose, never in a
// URL, so it is in no access log, history or Referer); the purpose is then kept in an
// HttpOnly cookie for that one entry and read by the entry's preview and downloads, which
// record it as an API read records X-Purpose.

// PurposeCookie holds the stated purpose of a shared read on the pages: the entry's id and
// the purpose, URL-encoded.
const PurposeCookie = "pubdata_purpose"

// MaxPurposeLength bounds a stated purpose, in characters.
const MaxPurposeLength = 200

// SetReadPurpose keeps purpose as the reader's purpose for entry's pages and downloads,
// until the browser closes or another entry's purpose replaces it.
func (s *Server) SetReadPurpose(w http.ResponseWriter, entry, purpose string) {
	http.SetCookie(w, &http.Cookie{
		Name: PurposeCookie, Value: url.QueryEscape(entry + "\n" + purpose), Path: "/",
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// ReadPurpose is the purpose of a read of entry from a page: the request's X-Purpose when
// sent, else the purpose stated for that entry (SetReadPurpose); "" when none.
func ReadPurpose(r *http.Request, entry string) string {
	if p := pubdata.RequestFromContext(r.Context()).Purpose; p != "" {
		return p
	}
	c, err := r.Cookie(PurposeCookie)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	id, purpose, ok := strings.Cut(v, "\n")
	if !ok || id != entry {
		return ""
	}
	return strings.TrimSpace(purpose)
}
