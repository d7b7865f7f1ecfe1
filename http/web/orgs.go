package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"net/url"
	"strings"
)

// OrgFilter reads the filters of an organisation list from the query.
func OrgFilter(q url.Values) (pubdata.OrgFilter, error) {
	var f pubdata.OrgFilter
	var err error
	if f.Limit, f.Cursor, err = PageParams(q); err != nil {
		return f, err
	}
	if v := q.Get("kind"); v != "" {
		f.Kind = pubdata.OrgKind(v)
		if !f.Kind.Valid() {
			return f, ParamError("kind", pubdata.NewMessage("error.param.org_kind", "Value", v), "must be authority, public_body or company, not %q.", v)
		}
	}
	if v := q.Get("division"); v != "" {
		if !pubdata.ValidDivisionSyntax(v) {
			return f, ParamError("division", pubdata.NewMessage("error.param.division", "Value", v), "must be a six-digit division code, not %q.", v)
		}
		f.DivisionPrefix = pubdata.DivisionPrefix(v)
	}
	f.Parent = strings.TrimSpace(q.Get("parent"))
	f.Q = strings.TrimSpace(q.Get("q"))
	if len(f.Q) > 200 {
		return f, ParamError("q", pubdata.NewMessage("error.param.too_long"), "must be at most 200 bytes.")
	}
	return f, nil
}

// CreateOrg checks that the actor may create organisations at all, validates the fields,
// checks the actor's reach over the new organisation's division and creates it.
func (s *Server) CreateOrg(r *http.Request, o *pubdata.Org) error {
	a, err := RequireUser(r)
	if err != nil {
		return err
	}
	if !s.MayCreateOrgs(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may create organisations.").Keyed("error.org.create_forbidden")
	}
	o.Parent = strings.TrimSpace(o.Parent)
	if err := pubdata.ValidateOrg(o); err != nil {
		return err
	}
	if err := s.Divisions.Check(o.Division); err != nil {
		return err
	}
	if !pubdata.Can(a, pubdata.ActionOrgCreate, o) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Division %s is outside your authority's division %s.", o.Division, a.Org.Division).
			Keyed("error.org.division_outside", "Division", o.Division, "Authority", a.Org.Division)
	}
	return s.Orgs.CreateOrg(r.Context(), o)
}

// MayCreateOrgs reports whether the actor may create any organisation (in its own division).
func (s *Server) MayCreateOrgs(a *pubdata.Actor) bool {
	return a.Org != nil && pubdata.Can(a, pubdata.ActionOrgCreate, &pubdata.Org{Division: a.Org.Division})
}
