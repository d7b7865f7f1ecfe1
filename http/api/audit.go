package api

import (
	"github.com/pubdata/pubdata/http/web"
	"net/http"
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
