package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

func (s *Server) ApiDemandsFind(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	f, err := web.DemandFilter(r)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindDemandList(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiDemandGet(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	d, err := svc.FindDemandByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) ApiDemandCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var c pubdata.DemandCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	d, err := svc.CreateDemand(r.Context(), &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) ApiDemandVote(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	d, err := svc.VoteDemand(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) ApiDemandRoute(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var rt pubdata.DemandRoute
	if err := web.DecodeJSON(r, &rt); err != nil {
		return err
	}
	d, err := svc.RouteDemand(r.Context(), r.PathValue("id"), &rt)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) ApiDemandAnswer(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.DemandService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var ans pubdata.DemandAnswer
	if err := web.DecodeJSON(r, &ans); err != nil {
		return err
	}
	d, err := svc.AnswerDemand(r.Context(), r.PathValue("id"), &ans)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}
