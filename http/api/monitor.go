package api

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata/http/web"
)

// ApiMonitoring is GET /api/v1/monitoring?division=&days=: the board (C2, H2) — for an
// authority's user the units of its division (or of a division inside it), for a unit's
// admin the unit's own; read from the cached aggregates.
func (s *Server) ApiMonitoring(w http.ResponseWriter, r *http.Request) error {
	b, err := s.MonitoringBoard(r, strings.TrimSpace(r.URL.Query().Get("division")))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, b)
	return nil
}

// ApiMonitoringUnit is GET /api/v1/monitoring/units/{org}?days=&problems=&freshness=&limit=&cursor=:
// one unit's board with a page of its entries' figures, worst problem first.
func (s *Server) ApiMonitoringUnit(w http.ResponseWriter, r *http.Request) error {
	u, err := s.MonitoringUnit(r, r.PathValue("org"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}
