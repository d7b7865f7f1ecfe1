package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
)

// The review of combinations (issue 15 item 8, G6): the authority's list of assessed
// applications and its review of a combination. The application store keeps both
// (pubdata.AggregationService); the assessment itself travels with the application.

// AggregationService returns the store's assessments, or ENOTFOUND when this server keeps
// none.
func (s *Server) AggregationService() (pubdata.AggregationService, error) {
	if svc, ok := s.Applications.(pubdata.AggregationService); ok {
		return svc, nil
	}
	return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Aggregation assessments are not available on this server.").Keyed("error.not_available.aggregations")
}

// AggregationList lists the assessments in the caller's division (an authority's admins and
// reviewers): review= (required, cleared, refused; "" any), min_score=, all=1 for single
// entries too (by default only combinations of several entries).
func (s *Server) AggregationList(r *http.Request) ([]*pubdata.AggregationAssessment, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeAggregations(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's admins and reviewers see the aggregation assessments.").Keyed("error.aggregation.list_forbidden")
	}
	svc, err := s.AggregationService()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := pubdata.AggregationFilter{Division: a.Org.Division, Review: strings.TrimSpace(q.Get("review")), Combined: q.Get("all") != "1", Limit: 200}
	switch f.Review {
	case "", pubdata.AggregationRequired, pubdata.AggregationCleared, pubdata.AggregationRefused:
	default:
		return nil, pubdata.FieldErrorf("review", "review must be required, cleared or refused, not %q.", f.Review).Keyed("error.aggregation.review_filter", "Value", f.Review)
	}
	if v := q.Get("min_score"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return nil, pubdata.FieldErrorf("min_score", "min_score must be a whole number 0 to 100, not %q.", v).Keyed("error.aggregation.min_score", "Value", v)
		}
		f.MinScore = n
	}
	return svc.Aggregations(r.Context(), f)
}

// ReviewAggregation clears (clear) or refuses the combination of the application id, which
// the caller must see; the store checks that the caller is the covering authority's admin or
// reviewer.
func (s *Server) ReviewAggregation(r *http.Request, id string, clear bool, note string) (*pubdata.Application, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.AggregationService()
	if err != nil {
		return nil, err
	}
	app, err := pubdata.FindApplicationFor(r.Context(), s.Applications, a, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanReviewAggregation(a, app.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and reviewers review a combination of entries.").Keyed("error.aggregation.review_forbidden")
	}
	return svc.ReviewAggregation(r.Context(), app.ID, clear, note)
}

// AggregationThreshold returns the threshold in force (the security settings').
func (s *Server) AggregationThreshold(r *http.Request) (*pubdata.SecuritySettings, error) {
	if s.Security == nil {
		set := pubdata.DefaultSecuritySettings
		return &set, nil
	}
	return s.Security.Settings(r.Context())
}

// SetAggregationThreshold sets the threshold (the platform authority's admins; the store
// checks), keeping the other settings.
func (s *Server) SetAggregationThreshold(r *http.Request, v string) (*pubdata.SecuritySettings, error) {
	if _, err := RequireUser(r); err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	set, err := svc.Settings(r.Context())
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return nil, pubdata.FieldErrorf("aggregation_threshold", "The threshold must be a whole number 1 to 100, not %q.", v).Keyed("error.aggregation.threshold", "Value", v)
	}
	set.AggregationThreshold = n
	return svc.SetSettings(r.Context(), set)
}
