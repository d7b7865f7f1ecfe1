package web

import (
	"github.com/pubdata/pubdata"
	"strings"
)

// --- the mapping of entries, organisations and categories ---

// CkanName is the CKAN name of a package: its resource code, lower-case, "/" as "-".
func CkanName(e *pubdata.Entry) string {
	return strings.ToLower(strings.ReplaceAll(e.Code, "/", "-"))
}
