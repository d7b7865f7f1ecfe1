package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

func (s *Server) ApiObjectionCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ObjectionService(); err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var c pubdata.ObjectionCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	o, err := s.FileObjection(r, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) ApiObjectionList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.ObjectionService()
	if err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	f, err := s.ObjectionFilter(r, a)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindObjections(r.Context(), f)
	if err != nil {
		return err
	}
	for i, o := range list {
		if list[i], err = s.ObjectionAsSeen(r, a, o); err != nil {
			return err
		}
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiObjectionGet(w http.ResponseWriter, r *http.Request) error {
	_, o, err := s.ObjectionFor(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, o)
	return nil
}

// ApiObjectionResolve answers an open objection: the provider's admins, editors and
// reviewers, or the covering authority.
func (s *Server) ApiObjectionResolve(w http.ResponseWriter, r *http.Request) error {
	a, o, err := s.ObjectionFor(r)
	if err != nil {
		return err
	}
	var body pubdata.ObjectionResolution
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	if !pubdata.CanResolveObjection(a, o) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator, editor or reviewer of the provider, or the covering authority, may answer this objection.").Keyed("error.objection.answer_forbidden")
	}
	out, err := s.Objections.ResolveObjection(r.Context(), o.ID, &body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
