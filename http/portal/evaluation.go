package portal

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The published evaluation (H1) on the portal: the ranking of a published period with a
// period selector, each unit's page with its indicators and its trend over the published
// periods of the same kind (a server-drawn chart with its table), the method with the
// weights in force, and the period's workbook. Only published periods show here; drafts
// are previewed in the console.

// evalIndicator is one indicator's line on a unit's page.
type evalIndicator struct {
	Key    string
	Value  *float64
	Weight float64
}

type evaluationView struct {
	web.Page
	Periods    []*pubdata.Evaluation // published, latest first
	Evaluation *pubdata.Evaluation   // the period shown; nil when none is published
	Indicators []string
}

// publishedPeriods lists the published periods, the latest first.
func (s *Server) publishedPeriods(r *http.Request) ([]*pubdata.Evaluation, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	list, err := svc.ListEvaluations(r.Context())
	if err != nil {
		return nil, err
	}
	out := []*pubdata.Evaluation{}
	for _, e := range list {
		if e.Status == pubdata.EvaluationPublished {
			out = append(out, e)
		}
	}
	return out, nil
}

// publishedEvaluation is the period asked (?period=, a published one) or the latest
// published; nil when none is published.
func (s *Server) publishedEvaluation(r *http.Request, periods []*pubdata.Evaluation) (*pubdata.Evaluation, error) {
	period := strings.TrimSpace(r.URL.Query().Get("period"))
	if period == "" {
		if len(periods) == 0 {
			return nil, nil
		}
		period = periods[0].Key
	}
	p, err := pubdata.ParseEvalPeriod(period)
	if err != nil {
		return nil, err
	}
	e, err := s.Evaluations.FindEvaluation(r.Context(), p.Key)
	if err != nil {
		return nil, err
	}
	if e.Status != pubdata.EvaluationPublished {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No evaluation of %s.", p.Key).Keyed("error.evaluation.not_found", "Period", p.Key)
	}
	return e, nil
}

// PageEvaluation is GET /evaluation?period=: the ranking of a published period.
func (s *Server) PageEvaluation(w http.ResponseWriter, r *http.Request) error {
	periods, err := s.publishedPeriods(r)
	if err != nil {
		return err
	}
	e, err := s.publishedEvaluation(r, periods)
	if err != nil {
		return err
	}
	return s.Render(w, r, "evaluation", http.StatusOK, evaluationView{Page: s.Base(r, false), Periods: periods, Evaluation: e, Indicators: pubdata.EvalIndicators})
}

type evaluationUnitView struct {
	web.Page
	Evaluation *pubdata.Evaluation
	Result     pubdata.EvaluationResult
	Indicators []evalIndicator
	Trend      []pubdata.EvalTrendPoint
	Chart      *entryChart
}

// PageEvaluationUnit is GET /evaluation/units/{org}?period=: a unit's indicators in a
// published period (the latest by default) and its trend.
func (s *Server) PageEvaluationUnit(w http.ResponseWriter, r *http.Request) error {
	periods, err := s.publishedPeriods(r)
	if err != nil {
		return err
	}
	e, err := s.publishedEvaluation(r, periods)
	if err != nil {
		return err
	}
	org := r.PathValue("org")
	notFound := pubdata.Errorf(pubdata.ENOTFOUND, "The unit %s has no published evaluation.", org).Keyed("error.evaluation.unit_not_found", "Org", org)
	if e == nil {
		return notFound
	}
	v := evaluationUnitView{Page: s.Base(r, false), Evaluation: e}
	found := false
	for _, res := range e.Results {
		if res.Org == org {
			v.Result, found = res, true
		}
	}
	if !found {
		return notFound
	}
	for _, k := range pubdata.EvalIndicators {
		v.Indicators = append(v.Indicators, evalIndicator{Key: k, Value: v.Result.Indicators[k], Weight: e.Weights[k]})
	}
	if v.Trend, err = s.Evaluations.EvaluationTrend(r.Context(), org, e.Kind); err != nil {
		return err
	}
	var points []ChartPoint
	for _, t := range v.Trend {
		if t.Score != nil {
			points = append(points, ChartPoint{Label: t.Period, Value: *t.Score, Shown: web.FormatIndicator(t.Score)})
		}
	}
	if len(points) > 0 {
		lang := v.Lang
		title := web.Translate(lang, "evaluation.trend.title", "Org", v.Result.OrgName)
		summary := web.Translate(lang, "evaluation.trend.summary", "Count", len(points), "First", points[0].Label, "Last", points[len(points)-1].Label,
			"Score", points[len(points)-1].Shown)
		v.Chart = &entryChart{Title: title, Summary: summary, Points: points, SVG: LineChartSVG(title, summary, points)}
	}
	return s.Render(w, r, "evaluation_unit", http.StatusOK, v)
}

type evaluationMethodView struct {
	web.Page
	Weights *web.EvaluationWeights
	Lines   []evalIndicator
	Total   float64
}

// PageEvaluationMethod is GET /evaluation/method: how each indicator is computed and the
// weights in force.
func (s *Server) PageEvaluationMethod(w http.ResponseWriter, r *http.Request) error {
	wt, err := s.CurrentEvaluationWeights(r)
	if err != nil {
		return err
	}
	v := evaluationMethodView{Page: s.Base(r, false), Weights: wt, Total: wt.Weights.Total()}
	for _, k := range pubdata.EvalIndicators {
		v.Lines = append(v.Lines, evalIndicator{Key: k, Weight: wt.Weights[k]})
	}
	return s.Render(w, r, "evaluation_method", http.StatusOK, v)
}

// PageEvaluationExport is GET /evaluation/export?period=: the period's results as XLSX (a
// published period; the authorities also export drafts).
func (s *Server) PageEvaluationExport(w http.ResponseWriter, r *http.Request) error {
	e, err := s.EvaluationFor(r, r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", web.ContentDisposition(web.EvaluationFileName(e.Key)))
	h.Set("X-Content-Type-Options", "nosniff")
	return web.WriteEvaluationXLSX(w, web.LangFrom(r.Context()), e)
}
