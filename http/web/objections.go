package web

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"net/http"
	"slices"
)

func (s *Server) ObjectionService() (pubdata.ObjectionService, error) {
	if s.Objections == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Objections are not available on this server.").Keyed("error.not_available.objections")
	}
	return s.Objections, nil
}

// FileObjection files c as the request's actor: the entry must be a published one the
// caller may see (else "not found"), due ObjectionDays working days from now.
func (s *Server) FileObjection(r *http.Request, c *pubdata.ObjectionCreate) (*pubdata.Objection, error) {
	svc, err := s.ObjectionService()
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to file an objection, so that the provider's answer can reach you.").Keyed("error.objection.sign_in")
	}
	var e *pubdata.Entry
	if c.Entry != "" {
		e, err = s.Entries.FindPublishedEntry(r.Context(), c.Entry)
		switch {
		case ErrorIs(err, pubdata.ENOTFOUND):
			e = nil
		case err != nil:
			return nil, err
		case !pubdata.CanViewPublished(a, e):
			e = nil // as if it did not exist
		}
	}
	requireRow := false
	if e != nil && e.Format == pubdata.FormatTable {
		// The key normalised by its elements' rules; whether the filer reads those rows.
		if c.Key, requireRow, err = s.Reader().Objection(r.Context(), e, c.Key, access.RequestPurpose(r.Context())); err != nil {
			return nil, err
		}
	}
	o, err := svc.FileObjection(r.Context(), e, c, requireRow)
	if err != nil || requireRow {
		return o, err
	}
	return objectionForFiler(o), nil
}

// objectionForFiler is the objection as a filer who may not read its rows sees it: without
// the number of rows it froze, so that the reply (and every later view of it) is the same
// whether or not a row has the key (G7).
func objectionForFiler(o *pubdata.Objection) *pubdata.Objection {
	c := *o
	c.Rows = 0
	return &c
}

// ObjectionAsSeen is the objection as the caller sees it: the provider's side and the
// authority (CanResolveObjection) see how many rows it froze; the filer only when it may
// read the entry's rows with the key in clear.
func (s *Server) ObjectionAsSeen(r *http.Request, a *pubdata.Actor, o *pubdata.Objection) (*pubdata.Objection, error) {
	if o.Rows == 0 || a.Username() != o.Filer || pubdata.CanResolveObjection(a, o) {
		return o, nil
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), o.Entry)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return objectionForFiler(o), nil
	} else if err != nil {
		return nil, err
	}
	if _, reads, err := s.Reader().Objection(r.Context(), e, o.Key, access.RequestPurpose(r.Context())); err != nil {
		return nil, err
	} else if !reads {
		return objectionForFiler(o), nil
	}
	return o, nil
}

// ObjectionFor returns the objection of the path's {id} if the caller may see it.
func (s *Server) ObjectionFor(r *http.Request) (*pubdata.Actor, *pubdata.Objection, error) {
	svc, err := s.ObjectionService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	o, err := pubdata.FindObjectionFor(r.Context(), svc, a, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if o, err = s.ObjectionAsSeen(r, a, o); err != nil {
		return nil, nil, err
	}
	return a, o, nil
}

var objectionStatuses = []pubdata.ObjectionStatus{pubdata.ObjectionOpen, pubdata.ObjectionCorrected, pubdata.ObjectionRejected}

// ObjectionFilter reads the list's query: role mine (filed by the caller), incoming (to the
// caller's organisation as provider), authority (entries in the caller's authority's
// division); status; overdue=true (open past due).
func (s *Server) ObjectionFilter(r *http.Request, a *pubdata.Actor) (pubdata.ObjectionFilter, error) {
	q := r.URL.Query()
	var f pubdata.ObjectionFilter
	var err error
	if f.Limit, f.Cursor, err = PageParams(q); err != nil {
		return f, err
	}
	switch role := q.Get("role"); role {
	case "", "mine":
		f.Filer = a.Username()
	case "incoming":
		if a.Org == nil {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a provider's users have incoming objections.").Keyed("error.objection.incoming_forbidden")
		}
		f.Provider = a.Org.Code
	case "authority":
		if !a.IsAuthority() {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's users see the objections of their division.").Keyed("error.objection.division_forbidden")
		}
		f.Division = a.Org.Division
	default:
		return f, ParamError("role", pubdata.NewMessage("error.param.role_incoming", "Value", role), "must be mine, incoming or authority, not %q.", role)
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(objectionStatuses, pubdata.ObjectionStatus(v)) {
			return f, ParamError("status", pubdata.NewMessage("error.param.objection_status", "Value", v), "must be one of open, corrected, rejected, not %q.", v)
		}
		f.Status = pubdata.ObjectionStatus(v)
	}
	f.Entry = q.Get("entry")
	if f.Overdue, err = BoolParam(r, "overdue"); err != nil {
		return f, err
	}
	f.Now = s.Now()
	return f, nil
}
