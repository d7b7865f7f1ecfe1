package api

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// AggregationListReply is GET /api/v1/aggregations's reply: the threshold in force and the
// assessments, those waiting for review first, then by score.
type AggregationListReply struct {
	Threshold int                              `json:"threshold"`
	Items     []*pubdata.AggregationAssessment `json:"items"`
}

// ApiAggregations is GET /api/v1/aggregations?review=&min_score=&all=1: the assessed
// applications in the caller's division (an authority's admins and reviewers).
func (s *Server) ApiAggregations(w http.ResponseWriter, r *http.Request) error {
	list, err := s.AggregationList(r)
	if err != nil {
		return err
	}
	set, err := s.AggregationThreshold(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, AggregationListReply{Threshold: set.AggregationThreshold, Items: list})
	return nil
}

// ApiAggregationReview is POST /api/v1/applications/{id}/aggregation-review
// {"decision": "clear"|"refuse", "note"}: the covering authority's review of a combination
// (a refusal rejects the application with the note as its reason). Replies the application.
func (s *Server) ApiAggregationReview(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	var clear bool
	switch strings.TrimSpace(req.Decision) {
	case "clear":
		clear = true
	case "refuse":
	default:
		return pubdata.FieldErrorf("decision", "decision must be clear or refuse, not %q.", req.Decision).Keyed("error.aggregation.decision", "Value", req.Decision)
	}
	app, err := s.ReviewAggregation(r, r.PathValue("id"), clear, req.Note)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, app)
	return nil
}

// ApiIncidentSubjects is GET /api/v1/incidents/{id}/subjects: the data subjects the incident
// must notify — before notification drawn from the rows involved (the read is recorded),
// after it the list saved then. The covering authority's admins and the provider's admins.
func (s *Server) ApiIncidentSubjects(w http.ResponseWriter, r *http.Request) error {
	list, err := s.IncidentSubjectList(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusOK, list)
	return nil
}
