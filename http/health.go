package http

import (
	"context"
	"net/http"
	"time"
)

// healthz answers while the process lives.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 once Ready reports that the database answers, 503 otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.Logger.WarnContext(r.Context(), "not ready", "error", err, "request_id", requestIDFrom(r.Context()))
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready"})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
