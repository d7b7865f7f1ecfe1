package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"net/url"
)

// ApiOrgList lists organisations; they are public information.
func (s *Server) ApiOrgList(w http.ResponseWriter, r *http.Request) error {
	f, err := web.OrgFilter(r.URL.Query())
	if err != nil {
		return err
	}
	orgs, total, next, err := s.Orgs.FindOrgs(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(orgs, total, next))
	return nil
}

func (s *Server) ApiOrgGet(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Orgs.FindOrgByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, o)
	return nil
}

type orgCreateRequest struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Kind     pubdata.OrgKind `json:"kind"`
	Division string          `json:"division"`
	Parent   string          `json:"parent"`
}

func (s *Server) ApiOrgCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var req orgCreateRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	o := &pubdata.Org{Code: req.Code, Name: req.Name, Kind: req.Kind, Division: req.Division, Parent: req.Parent}
	if err := s.CreateOrg(r, o); err != nil {
		return err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), o.Code)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+url.PathEscape(o.Code))
	web.WriteJSON(w, http.StatusCreated, o)
	return nil
}
