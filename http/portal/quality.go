package portal

import (
	"net/http"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Data quality on the portal: an open entry's score on its page, and the public page of the
// method (/quality/method) with the weights in force and the units' scores (H1: the results
// are published).

// qualityDim is a dimension's line: its score and weight.
type qualityDim struct {
	Name   string
	Score  *int
	Weight float64
}

// entryQuality is the score part of an open entry's page.
type entryQuality struct {
	Score      *int
	Dimensions []qualityDim
	CheckedAt  *time.Time
}

// weights are the settings' weights, else the defaults.
func (s *Server) weights() pubdata.QualityWeights {
	if s.QualityWeights == nil {
		return pubdata.DefaultQualityWeights
	}
	return s.QualityWeights
}

// entryQualityFor is the score of an open entry (nil: none yet, not open, or no service).
func (s *Server) entryQualityFor(r *http.Request, e *pubdata.Entry) (*entryQuality, error) {
	if s.Quality == nil || s.Data == nil || e.OpenClass == pubdata.ClassNone || e.Format != pubdata.FormatTable {
		return nil, nil
	}
	rep, err := s.QualityReport(r.Context(), e, false)
	if err != nil || rep.Score == nil {
		return nil, err
	}
	q := &entryQuality{Score: rep.Score, CheckedAt: rep.CheckedAt}
	w := s.weights()
	for _, d := range pubdata.QualityDimensions {
		q.Dimensions = append(q.Dimensions, qualityDim{Name: d, Score: rep.Dimensions[d], Weight: w[d]})
	}
	return q, nil
}

// kindDim is a rule kind with the dimension it measures.
type kindDim struct{ Kind, Dim string }

type qualityMethodView struct {
	web.Page
	Weights []qualityDim
	Kinds   []kindDim
	Units   []pubdata.UnitQuality
	Dims    []string
}

// PageQualityMethod writes down how scores are computed, with the weights in force, and
// lists the units' scores.
func (s *Server) PageQualityMethod(w http.ResponseWriter, r *http.Request) error {
	v := qualityMethodView{Page: s.Base(r, false), Dims: pubdata.QualityDimensions}
	for _, k := range pubdata.QualityRuleKinds {
		v.Kinds = append(v.Kinds, kindDim{Kind: k, Dim: pubdata.RuleDimension(k)})
	}
	wt := s.weights()
	for _, d := range pubdata.QualityDimensions {
		v.Weights = append(v.Weights, qualityDim{Name: d, Weight: wt[d]})
	}
	if s.Quality != nil {
		units, err := s.Quality.UnitQuality(r.Context())
		if err != nil {
			return err
		}
		v.Units = units
	}
	return s.Render(w, r, "quality_method", http.StatusOK, v)
}
