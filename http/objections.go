package http

import (
	"net/http"
	"slices"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
)

// Objections (C4): a signed-in user objects to a record of a published table entry they may
// see in the catalogue, naming it by its key; the rows are frozen at once on every read path
// (the store's reads exclude them). Who may see and answer is the domain's
// (CanSeeObjection, CanResolveObjection); objections the caller may not see are 404.
//
// A key no current row has is refused only when the filer may read the entry's rows with the
// key columns in clear (DecideAccess): otherwise the objection is accepted without saying
// whether a row matched, so that filing cannot probe data the filer may not read.

// ObjectionDays returns the working days a provider has to answer an objection:
// ObjectionReplyDays, or pubdata.DefaultObjectionReplyDays when it is zero.
func (s *Server) ObjectionDays() int {
	return pubdata.ReplyDays{Objection: s.ObjectionReplyDays}.ForObjection()
}

func (s *Server) objections() (pubdata.ObjectionService, error) {
	if s.Objections == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Objections are not available on this server.").Keyed("error.not_available.objections")
	}
	return s.Objections, nil
}

// fileObjection files c as the request's actor: the entry must be a published one the
// caller may see (else "not found"), due ObjectionDays working days from now.
func (s *Server) fileObjection(r *http.Request, c *pubdata.ObjectionCreate) (*pubdata.Objection, error) {
	svc, err := s.objections()
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to file an objection, so that the provider's answer can reach you.")
	}
	var e *pubdata.Entry
	if c.Entry != "" {
		e, err = s.Entries.FindPublishedEntry(r.Context(), c.Entry)
		switch {
		case errorIs(err, pubdata.ENOTFOUND):
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
		if c.Key, requireRow, err = s.reader().Objection(r.Context(), e, c.Key, access.RequestPurpose(r.Context())); err != nil {
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

// objectionAsSeen is the objection as the caller sees it: the provider's side and the
// authority (CanResolveObjection) see how many rows it froze; the filer only when it may
// read the entry's rows with the key in clear.
func (s *Server) objectionAsSeen(r *http.Request, a *pubdata.Actor, o *pubdata.Objection) (*pubdata.Objection, error) {
	if o.Rows == 0 || a.Username() != o.Filer || pubdata.CanResolveObjection(a, o) {
		return o, nil
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), o.Entry)
	if errorIs(err, pubdata.ENOTFOUND) {
		return objectionForFiler(o), nil
	} else if err != nil {
		return nil, err
	}
	if _, reads, err := s.reader().Objection(r.Context(), e, o.Key, access.RequestPurpose(r.Context())); err != nil {
		return nil, err
	} else if !reads {
		return objectionForFiler(o), nil
	}
	return o, nil
}

// objectionFor returns the objection of the path's {id} if the caller may see it.
func (s *Server) objectionFor(r *http.Request) (*pubdata.Actor, *pubdata.Objection, error) {
	svc, err := s.objections()
	if err != nil {
		return nil, nil, err
	}
	a, err := requireUser(r)
	if err != nil {
		return nil, nil, err
	}
	o, err := pubdata.FindObjectionFor(r.Context(), svc, a, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if o, err = s.objectionAsSeen(r, a, o); err != nil {
		return nil, nil, err
	}
	return a, o, nil
}

func (s *Server) apiObjectionCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.objections(); err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	var c pubdata.ObjectionCreate
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	o, err := s.fileObjection(r, &c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

var objectionStatuses = []pubdata.ObjectionStatus{pubdata.ObjectionOpen, pubdata.ObjectionCorrected, pubdata.ObjectionRejected}

// objectionFilter reads the list's query: role mine (filed by the caller), incoming (to the
// caller's organisation as provider), authority (entries in the caller's authority's
// division); status; overdue=true (open past due).
func (s *Server) objectionFilter(r *http.Request, a *pubdata.Actor) (pubdata.ObjectionFilter, error) {
	q := r.URL.Query()
	var f pubdata.ObjectionFilter
	var err error
	if f.Limit, f.Cursor, err = pageParams(q); err != nil {
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
		return f, paramError("role", "must be mine, incoming or authority, not %q.", role)
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(objectionStatuses, pubdata.ObjectionStatus(v)) {
			return f, paramError("status", "must be one of open, corrected, rejected, not %q.", v)
		}
		f.Status = pubdata.ObjectionStatus(v)
	}
	f.Entry = q.Get("entry")
	if f.Overdue, err = boolParam(r, "overdue"); err != nil {
		return f, err
	}
	f.Now = s.now()
	return f, nil
}

func (s *Server) apiObjectionList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.objections()
	if err != nil {
		return err
	}
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f, err := s.objectionFilter(r, a)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindObjections(r.Context(), f)
	if err != nil {
		return err
	}
	for i, o := range list {
		if list[i], err = s.objectionAsSeen(r, a, o); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, newList(list, total, next))
	return nil
}

func (s *Server) apiObjectionGet(w http.ResponseWriter, r *http.Request) error {
	_, o, err := s.objectionFor(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// apiObjectionResolve answers an open objection: the provider's admins, editors and
// reviewers, or the covering authority.
func (s *Server) apiObjectionResolve(w http.ResponseWriter, r *http.Request) error {
	a, o, err := s.objectionFor(r)
	if err != nil {
		return err
	}
	var body pubdata.ObjectionResolution
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if !pubdata.CanResolveObjection(a, o) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator, editor or reviewer of the provider, or the covering authority, may answer this objection.").Keyed("error.objection.answer_forbidden")
	}
	out, err := s.Objections.ResolveObjection(r.Context(), o.ID, &body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
