package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Evaluation (H1): the periods' results, published for anyone, drafts for the authorities;
// computing and publishing for the platform authority's admin.

// ApiEvaluations is GET /api/v1/evaluations?period=2026-Q4: the period's evaluation with
// every unit's result; without a period, the periods the caller sees (latest first).
func (s *Server) ApiEvaluations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if !q.Has("period") {
		list, err := s.VisibleEvaluations(r)
		if err != nil {
			return err
		}
		latest := ""
		if e := web.LatestPublished(list); e != nil {
			latest = e.Key
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "latest_published": latest})
		return nil
	}
	e, err := s.EvaluationFor(r, q.Get("period"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

// ApiEvaluationCompute is POST /api/v1/evaluations/{period}/compute: computes the period as
// a draft (again, while it is one).
func (s *Server) ApiEvaluationCompute(w http.ResponseWriter, r *http.Request) error {
	e, err := s.ComputeEvaluation(r, r.PathValue("period"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

// ApiEvaluationPublish is POST /api/v1/evaluations/{period}/publish, body {"early": bool}
// (optional): publishes the draft; the period is then closed and frozen.
func (s *Server) ApiEvaluationPublish(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Early bool `json:"early"`
	}
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &b); err != nil {
			return err
		}
	}
	e, err := s.PublishEvaluation(r, r.PathValue("period"), b.Early)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

// ApiEvaluationWeights is GET /api/v1/evaluations/weights: the weights in force (public).
func (s *Server) ApiEvaluationWeights(w http.ResponseWriter, r *http.Request) error {
	out, err := s.CurrentEvaluationWeights(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ApiEvaluationWeightsPut is PUT /api/v1/evaluations/weights, body {"weights": {…}}: every
// indicator's weight (those not named weigh 0); recorded.
func (s *Server) ApiEvaluationWeightsPut(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var b struct {
		Weights pubdata.EvalWeights `json:"weights"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	if _, err := s.SetEvaluationWeights(r, b.Weights); err != nil {
		return err
	}
	return s.ApiEvaluationWeights(w, r)
}
