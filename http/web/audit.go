package web

import (
	"github.com/pubdata/pubdata"
	"net/url"
	"strings"
)

// AuditFilter checks that the actor may read the record and reads the filters, scoped to
// the actor's division.
func AuditFilter(a *pubdata.Actor, q url.Values) (pubdata.AuditFilter, error) {
	var f pubdata.AuditFilter
	if !pubdata.Can(a, pubdata.ActionAuditRead, nil) {
		return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator or reviewer may read the record.").Keyed("error.audit.forbidden")
	}
	var err error
	if f.Limit, f.Cursor, err = PageParams(q); err != nil {
		return f, err
	}
	f.Actor = strings.TrimSpace(q.Get("actor"))
	f.Action = strings.TrimSpace(q.Get("action"))
	f.Object = strings.TrimSpace(q.Get("object"))
	for name, v := range map[string]string{"actor": f.Actor, "action": f.Action, "object": f.Object} {
		if len(v) > 200 {
			return f, ParamError(name, pubdata.NewMessage("error.param.too_long"), "must be at most 200 bytes.")
		}
	}
	scope := pubdata.AuthorityScope(a)
	f.Scope = &scope
	return f, nil
}
