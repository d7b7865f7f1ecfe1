package web

import (
	"github.com/pubdata/pubdata"
	"net/url"
	"strings"
	"time"
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
	// from and to: days in China's time zone (YYYY-MM-DD), both included.
	for _, d := range []struct {
		name string
		t    *time.Time
		add  int
	}{{"from", &f.Since, 0}, {"to", &f.Until, 1}} {
		v := strings.TrimSpace(q.Get(d.name))
		if v == "" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", v, DisplayZone)
		if err != nil {
			return f, ParamError(d.name, pubdata.NewMessage("error.param.date", "Value", v), "must be a date YYYY-MM-DD, not %q.", v)
		}
		*d.t = day.AddDate(0, 0, d.add)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, ParamError("to", pubdata.NewMessage("error.param.date_range"), "must not be before from.")
	}
	scope := pubdata.AuthorityScope(a)
	f.Scope = &scope
	return f, nil
}
