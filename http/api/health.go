package api

import (
	"context"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"time"
)

// Healthz answers while the process lives.
func (s *Server) Healthz(w http.ResponseWriter, r *http.Request) error {
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// Readyz answers 200 once Ready reports that the database answers, 503 otherwise.
func (s *Server) Readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.Logger.WarnContext(r.Context(), "not ready", "error", err, "request_id", web.RequestIDFrom(r.Context()))
			web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready"})
			return nil
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
