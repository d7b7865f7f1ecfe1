package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/audit"
)

func (s *Server) ApiAuditList(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	f, err := web.AuditFilter(a, r.URL.Query())
	if err != nil {
		return err
	}
	events, total, next, err := s.Audit.FindEvents(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(events, total, next))
	return nil
}

// ApiAuditCheckpoints publishes the signed checkpoints, oldest first, to anyone: a
// province, an auditor or a citizen keeps copies and checks that later ones extend them.
func (s *Server) ApiAuditCheckpoints(w http.ResponseWriter, r *http.Request) error {
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	cps, total, next, err := s.Audit.FindCheckpoints(r.Context(), limit, cursor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(cps, total, next))
	return nil
}

// ApiAuditLatestCheckpoint is the newest signed checkpoint, to anyone.
func (s *Server) ApiAuditLatestCheckpoint(w http.ResponseWriter, r *http.Request) error {
	cp, err := s.Audit.LatestCheckpoint(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, cp)
	return nil
}

// mayProve reports whether a may have the proof of event e: its own event (the actor), or an
// event an authority's administrator or reviewer may read in the record (its division).
func mayProve(a *pubdata.Actor, e *pubdata.Event) bool {
	if e.Actor != "" && a.Username() == e.Actor {
		return true
	}
	if !pubdata.Can(a, pubdata.ActionAuditRead, nil) {
		return false
	}
	sc := pubdata.AuthorityScope(a)
	return strings.HasPrefix(e.Division, sc.DivisionPrefix) || (sc.IncludeNoOrg && e.Org == "")
}

// ApiAuditProof returns the inclusion proof of one event in the newest checkpoint, to the
// event's actor or an authority that may read it: the event's details are the record's,
// not public.
func (s *Server) ApiAuditProof(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq < 1 {
		return pubdata.Errorf(pubdata.ENOTFOUND, "There is no event %q.", r.PathValue("seq")).Keyed("error.audit.no_event", "Seq", r.PathValue("seq"))
	}
	e, err := s.Audit.FindEvent(r.Context(), seq)
	if err != nil {
		return err
	}
	if !mayProve(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the event's actor, or an authority's administrator or reviewer, may have its proof.").Keyed("error.audit.proof_forbidden")
	}
	p, err := s.Audit.Proof(r.Context(), seq)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) witness() (pubdata.WitnessService, error) {
	if s.Witness == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "This platform witnesses no other platform.").Keyed("error.witness.none")
	}
	return s.Witness, nil
}

// ApiAuditWitness cosigns another platform's checkpoint. Anyone may call it: the
// checkpoint's signature by a platform of witness_for is the authentication. A request from
// another size than the last cosigned is answered 409 with witness_size.
func (s *Server) ApiAuditWitness(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.witness()
	if err != nil {
		return err
	}
	var req pubdata.WitnessRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.Consistency) > 64 {
		return pubdata.Errorf(pubdata.EINVALID, "A consistency proof has at most 64 hashes.").Keyed("error.witness.proof_size")
	}
	cs, err := ws.Cosign(r.Context(), &req)
	var conflict *audit.WitnessConflict
	if errors.As(err, &conflict) {
		web.WriteJSON(w, http.StatusConflict, map[string]any{"code": pubdata.ECONFLICT, "message": conflict.Message, "witness_size": conflict.Size})
		return nil
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, cs)
	return nil
}

// ApiAuditWitnessed lists this witness's copy of another platform's checkpoints, to anyone.
func (s *Server) ApiAuditWitnessed(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.witness()
	if err != nil {
		return err
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	var after int64
	if cursor != "" {
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil || after < 1 {
			return web.ParamError("cursor", pubdata.NewMessage("error.param.cursor"), "is not a cursor this list gave.")
		}
	}
	cps, more, err := ws.Witnessed(r.Context(), r.PathValue("key_id"), after, limit)
	if err != nil {
		return err
	}
	next := ""
	if more && len(cps) > 0 {
		next = strconv.FormatInt(cps[len(cps)-1].Size, 10)
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(cps, len(cps), next))
	return nil
}
