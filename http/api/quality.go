package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The quality API (issue 13): an entry's rules (GET and PUT, a JSON list of rules), its
// report (score, dimensions, rules' results, failing rows for those who may see them), a run
// asked for, and the units' scores.

// ApiQualityRulesGet returns the entry's current rules to those who see its working copy.
func (s *Server) ApiQualityRulesGet(w http.ResponseWriter, r *http.Request) error {
	e, _, detail, err := s.QualityEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !detail {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's users and the covering authority see the quality rules of entry %s.", e.ID).
			Keyed("error.quality.rules_forbidden", "Entry", e.ID)
	}
	set, err := s.Quality.FindQualityRules(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, set)
	return nil
}

// ApiQualityRulesPut replaces the entry's rules with the body's list.
func (s *Server) ApiQualityRulesPut(w http.ResponseWriter, r *http.Request) error {
	e, p, detail, err := s.QualityEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !detail {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators and the covering authority's administrators and reviewers may write the quality rules of entry %s.", e.ID).
			Keyed("error.quality.forbidden", "Entry", e.ID)
	}
	var rules []pubdata.QualityRule
	if err := web.DecodeJSON(r, &rules); err != nil {
		return err
	}
	set, err := s.SetQualityRules(r.Context(), e, p, rules)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, set)
	return nil
}

// qualityReply is the report as the API gives it.
type qualityReply struct {
	*pubdata.QualityReport
	Weights pubdata.QualityWeights `json:"weights"`
}

// ApiQuality returns the entry's quality report: to anyone who may see the published entry
// its score and rules' statuses, to the provider and the covering authority also the
// failing rows.
func (s *Server) ApiQuality(w http.ResponseWriter, r *http.Request) error {
	_, p, detail, err := s.QualityEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if p == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not published, so it has no quality report.", r.PathValue("id")).Keyed("error.quality.no_report", "Entry", r.PathValue("id"))
	}
	rep, err := s.QualityReport(r.Context(), p, detail)
	if err != nil {
		return err
	}
	weights := s.QualityWeights
	if weights == nil {
		weights = pubdata.DefaultQualityWeights
	}
	web.WriteJSON(w, http.StatusOK, qualityReply{rep, weights})
	return nil
}

// ApiQualityRun runs the entry's rules over its whole table now and returns the run.
func (s *Server) ApiQualityRun(w http.ResponseWriter, r *http.Request) error {
	e, p, detail, err := s.QualityEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !detail {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators and the covering authority's administrators and reviewers may run the quality rules of entry %s.", e.ID).
			Keyed("error.quality.run_forbidden", "Entry", e.ID)
	}
	run, err := s.RunQuality(r.Context(), e, p)
	if err != nil {
		return err
	}
	if run.Results, err = s.Reads.QualityFindings(r.Context(), p, run.Results); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, run)
	return nil
}

// ApiQualityUnits returns each provider's score (the mean of its published entries').
func (s *Server) ApiQualityUnits(w http.ResponseWriter, r *http.Request) error {
	if s.Quality == nil {
		return web.ErrNoQuality
	}
	units, err := s.Quality.UnitQuality(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": units})
	return nil
}
