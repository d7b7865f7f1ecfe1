package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// orgFilter reads the filters of an organisation list from the query.
func orgFilter(q url.Values) (pubdata.OrgFilter, error) {
	var f pubdata.OrgFilter
	var err error
	if f.Limit, f.Cursor, err = pageParams(q); err != nil {
		return f, err
	}
	if v := q.Get("kind"); v != "" {
		f.Kind = pubdata.OrgKind(v)
		if !f.Kind.Valid() {
			return f, paramError("kind", "must be authority, public_body or company, not %q.", v)
		}
	}
	if v := q.Get("division"); v != "" {
		if !pubdata.ValidDivisionSyntax(v) {
			return f, paramError("division", "must be a six-digit division code, not %q.", v)
		}
		f.DivisionPrefix = pubdata.DivisionPrefix(v)
	}
	f.Parent = strings.TrimSpace(q.Get("parent"))
	f.Q = strings.TrimSpace(q.Get("q"))
	if len(f.Q) > 200 {
		return f, paramError("q", "must be at most 200 bytes.")
	}
	return f, nil
}

// apiOrgList lists organisations; they are public information.
func (s *Server) apiOrgList(w http.ResponseWriter, r *http.Request) error {
	f, err := orgFilter(r.URL.Query())
	if err != nil {
		return err
	}
	orgs, total, next, err := s.Orgs.FindOrgs(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(orgs, total, next))
	return nil
}

func (s *Server) apiOrgGet(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Orgs.FindOrgByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

type orgCreateRequest struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Kind     pubdata.OrgKind `json:"kind"`
	Division string          `json:"division"`
	Parent   string          `json:"parent"`
}

// createOrg checks that the actor may create organisations at all, validates the fields,
// checks the actor's reach over the new organisation's division and creates it.
func (s *Server) createOrg(r *http.Request, o *pubdata.Org) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if !s.mayCreateOrgs(a) {
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
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Division %s is outside your authority's division %s.", o.Division, a.Org.Division)
	}
	return s.Orgs.CreateOrg(r.Context(), o)
}

// mayCreateOrgs reports whether the actor may create any organisation (in its own division).
func (s *Server) mayCreateOrgs(a *pubdata.Actor) bool {
	return a.Org != nil && pubdata.Can(a, pubdata.ActionOrgCreate, &pubdata.Org{Division: a.Org.Division})
}

func (s *Server) apiOrgCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	var req orgCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o := &pubdata.Org{Code: req.Code, Name: req.Name, Kind: req.Kind, Division: req.Division, Parent: req.Parent}
	if err := s.createOrg(r, o); err != nil {
		return err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), o.Code)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+url.PathEscape(o.Code))
	writeJSON(w, http.StatusCreated, o)
	return nil
}
