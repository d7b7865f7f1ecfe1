package api

import (
	"net/http"

	"github.com/pubdata/pubdata/http/web"
)

// ApiTrace is POST /api/v1/entries/{id}/trace: the body (or the multipart "file") is a
// leaked copy of the entry's rows (CSV, XLSX, JSON or NDJSON); the reply names the recipient
// of fingerprinted copies it was traced to, with the p-value, and scores every recipient.
// The covering authority's admins and reviewers only.
func (s *Server) ApiTrace(w http.ResponseWriter, r *http.Request) error {
	e, err := s.TraceEntry(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	file, err := web.ReadTraceFile(r)
	if err != nil {
		return err
	}
	rep, err := s.TraceLeak(r.Context(), e, file)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}
