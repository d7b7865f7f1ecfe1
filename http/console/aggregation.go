package console

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- the review of combinations (issue 15 item 8, G6) ---

// aggregationsView is the authority's list of assessed applications and the threshold.
type aggregationsView struct {
	web.Page
	Items     []*pubdata.AggregationAssessment
	Threshold int
	// MaySet: the platform authority's admins set the threshold.
	MaySet    bool
	Review    string
	All       bool
	Reviews   []string
	Errors    web.FormErrors
	Submitted string
}

func (s *Server) aggregationsView(r *http.Request) (*aggregationsView, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v := &aggregationsView{Page: s.Base(r, true), Review: q.Get("review"), All: q.Get("all") == "1", Errors: web.FormErrors{},
		Reviews: []string{pubdata.AggregationRequired, pubdata.AggregationCleared, pubdata.AggregationRefused},
		MaySet:  pubdata.IsPlatformAuthority(a) && a.Role() == pubdata.RoleAdmin && s.Security != nil}
	if v.Items, err = s.AggregationList(r); err != nil {
		return nil, err
	}
	set, err := s.AggregationThreshold(r)
	if err != nil {
		return nil, err
	}
	v.Threshold = set.AggregationThreshold
	switch {
	case q.Get("set") != "":
		v.Flash = web.Translate(v.Lang, "agg.threshold.saved")
	case q.Get("reviewed") != "":
		v.Flash = web.Translate(v.Lang, "agg.reviewed.flash")
	}
	return v, nil
}

// PageAggregations is GET /console/aggregations?review=&all=1.
func (s *Server) PageAggregations(w http.ResponseWriter, r *http.Request) error {
	v, err := s.aggregationsView(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "aggregations", http.StatusOK, v)
}

// PageAggregationThreshold is POST /console/aggregations/threshold (threshold).
func (s *Server) PageAggregationThreshold(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := r.PostForm.Get("threshold")
	_, err := s.SetAggregationThreshold(r, in)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/aggregations", "set", "1"))
		return nil
	case !web.ErrorIs(err, pubdata.EINVALID):
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.aggregationsView(r)
	if verr != nil {
		return verr
	}
	v.Errors["threshold"], v.Submitted = web.ErrorText(v.Lang, err), in
	return s.Render(w, r, "aggregations", http.StatusBadRequest, v)
}

// PageAggregationReview is POST /console/applications/{id}/aggregation (decision = clear or
// refuse, note): the covering authority's review on the application's page.
func (s *Server) PageAggregationReview(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	app, err := s.appFor(r, a)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	_, err = s.ReviewAggregation(r, app.ID, r.PostForm.Get("decision") != "refuse", note)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/applications/"+app.ID, "aggregation", "1")+"#aggregation")
		return nil
	case !web.ErrorIs(err, pubdata.EINVALID):
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.applicationPage(r, a, app)
	if verr != nil {
		return verr
	}
	v.AggNote, v.AggErrors = note, web.FormErrors{"note": web.ErrorText(v.Lang, err)}
	return s.Render(w, r, "application", http.StatusBadRequest, v)
}
