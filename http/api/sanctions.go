package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

type sanctionRequest struct {
	Reason string `json:"reason"`
}

// ApiOrgSanction is POST /api/v1/orgs/{code}/suspend|resume|terminate {"reason"}.
func (s *Server) ApiOrgSanction(action pubdata.OrgAction) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := web.RequireUser(r); err != nil {
			return err
		}
		var req sanctionRequest
		if err := web.DecodeJSON(r, &req); err != nil {
			return err
		}
		o, err := s.SanctionOrg(r, r.PathValue("code"), action, req.Reason)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, o)
		return nil
	}
}
