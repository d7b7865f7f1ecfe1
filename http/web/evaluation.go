package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
)

// Evaluation (H1): the operations the API, the portal and the console share. Published
// periods are public; drafts are the authorities' (CanSeeEvaluationDrafts) — to anyone else
// a draft is "not found", as if it did not exist. Computing, publishing and the weights are
// the platform authority's admin's (CanComputeEvaluation).

// EvaluationService returns the evaluations, or ENOTFOUND when the server has none.
func (s *Server) EvaluationService() (pubdata.EvaluationService, error) {
	if s.Evaluations == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Evaluations are not available on this server.").Keyed("error.not_available.evaluation")
	}
	return s.Evaluations, nil
}

func evaluationNotFound(period string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "No evaluation of %s.", period).Keyed("error.evaluation.not_found", "Period", period)
}

func forbiddenEvaluation() error {
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the platform authority's administrators compute and publish evaluations and set their weights.").Keyed("error.evaluation.forbidden")
}

// VisibleEvaluations lists the periods the caller sees, the latest first: the published ones, and
// the drafts for the authorities.
func (s *Server) VisibleEvaluations(r *http.Request) ([]*pubdata.Evaluation, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	list, err := svc.ListEvaluations(r.Context())
	if err != nil {
		return nil, err
	}
	drafts := pubdata.CanSeeEvaluationDrafts(pubdata.ActorFromContext(r.Context()))
	out := []*pubdata.Evaluation{}
	for _, e := range list {
		if drafts || e.Status == pubdata.EvaluationPublished {
			out = append(out, e)
		}
	}
	return out, nil
}

// LatestPublished is the first published period of a list, or nil.
func LatestPublished(list []*pubdata.Evaluation) *pubdata.Evaluation {
	for _, e := range list {
		if e.Status == pubdata.EvaluationPublished {
			return e
		}
	}
	return nil
}

// EvaluationFor returns the period's evaluation with its results when the caller sees it:
// EINVALID naming the problem of a bad period, ENOTFOUND for a period not computed or a
// draft the caller may not see.
func (s *Server) EvaluationFor(r *http.Request, period string) (*pubdata.Evaluation, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	p, err := pubdata.ParseEvalPeriod(period)
	if err != nil {
		return nil, err
	}
	e, err := svc.FindEvaluation(r.Context(), p.Key)
	if err != nil {
		return nil, err
	}
	if e.Status != pubdata.EvaluationPublished && !pubdata.CanSeeEvaluationDrafts(pubdata.ActorFromContext(r.Context())) {
		return nil, evaluationNotFound(p.Key)
	}
	return e, nil
}

// ComputeEvaluation computes the period (a draft) for the platform authority's admin.
func (s *Server) ComputeEvaluation(r *http.Request, period string) (*pubdata.Evaluation, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	p, err := pubdata.ParseEvalPeriod(period)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanComputeEvaluation(a) {
		return nil, forbiddenEvaluation()
	}
	return svc.ComputeEvaluation(r.Context(), p)
}

// PublishEvaluation publishes the period's draft for the platform authority's admin.
func (s *Server) PublishEvaluation(r *http.Request, period string, early bool) (*pubdata.Evaluation, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	p, err := pubdata.ParseEvalPeriod(period)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanComputeEvaluation(a) {
		return nil, forbiddenEvaluation()
	}
	return svc.PublishEvaluation(r.Context(), p.Key, early)
}

// EvaluationWeights are the weights in force, with who set them and when.
type EvaluationWeights struct {
	Weights    pubdata.EvalWeights `json:"weights"`
	Indicators []string            `json:"indicators"`
	SetBy      string              `json:"set_by,omitempty"`
	SetAt      string              `json:"set_at,omitempty"`
}

// CurrentEvaluationWeights returns the weights in force (public: the method page shows them).
func (s *Server) CurrentEvaluationWeights(r *http.Request) (*EvaluationWeights, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	w, by, at, err := svc.EvaluationWeights(r.Context())
	if err != nil {
		return nil, err
	}
	out := &EvaluationWeights{Weights: w, Indicators: pubdata.EvalIndicators, SetBy: by}
	if at != nil {
		out.SetAt = at.In(pubdata.ChinaTime).Format("2006-01-02 15:04")
	}
	return out, nil
}

// SetEvaluationWeights sets the weights for the platform authority's admin.
func (s *Server) SetEvaluationWeights(r *http.Request, w pubdata.EvalWeights) (pubdata.EvalWeights, error) {
	svc, err := s.EvaluationService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanComputeEvaluation(a) {
		return nil, forbiddenEvaluation()
	}
	return svc.SetEvaluationWeights(r.Context(), w)
}

// FormatIndicator writes an indicator's value: one decimal at most, "–" when not measured.
func FormatIndicator(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// evalColumn is a column of the workbook: its name, its title's message and its value.
type evalColumn struct {
	Name, Key string
	Value     func(r *pubdata.EvaluationResult) any
}

func evalCount(n int) any { return int64(n) }

func evalNumber(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// evalColumns are the workbook's columns before and after the indicators.
var evalHead = []evalColumn{
	{Name: "rank", Key: "evaluation.col.rank", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Rank) }},
	{Name: "org_name", Key: "evaluation.col.org_name", Value: func(r *pubdata.EvaluationResult) any { return r.OrgName }},
	{Name: "org", Key: "evaluation.col.org", Value: func(r *pubdata.EvaluationResult) any { return r.Org }},
	{Name: "division", Key: "evaluation.col.division", Value: func(r *pubdata.EvaluationResult) any { return r.Division }},
	{Name: "score", Key: "evaluation.col.score", Value: func(r *pubdata.EvaluationResult) any { return evalNumber(r.Score) }},
}

var evalFigureColumns = []evalColumn{
	{Name: "published", Key: "evaluation.fig.published", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Published) }},
	{Name: "shared", Key: "evaluation.fig.shared", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Shared) }},
	{Name: "opened", Key: "evaluation.fig.opened", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Opened) }},
	{Name: "tables", Key: "evaluation.fig.tables", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Tables) }},
	{Name: "loaded", Key: "evaluation.fig.loaded", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Loaded) }},
	{Name: "fresh", Key: "evaluation.fig.fresh", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Fresh) }},
	{Name: "due", Key: "evaluation.fig.due", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Due) }},
	{Name: "stale", Key: "evaluation.fig.stale", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Stale) }},
	{Name: "quality_entries", Key: "evaluation.fig.quality_entries", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.QualityEntries) }},
	{Name: "replies_due", Key: "evaluation.fig.replies_due", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.RepliesDue) }},
	{Name: "replies_on_time", Key: "evaluation.fig.replies_on_time", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.RepliesOnTime) }},
	{Name: "filed", Key: "evaluation.fig.filed", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Filed) }},
	{Name: "handled", Key: "evaluation.fig.handled", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.Handled) }},
	{Name: "orders_open", Key: "evaluation.fig.orders_open", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.OrdersOpen) }},
	{Name: "orders_overdue", Key: "evaluation.fig.orders_overdue", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.OrdersOverdue) }},
	{Name: "views", Key: "evaluation.fig.views", Value: func(r *pubdata.EvaluationResult) any { return r.Facts.Views }},
	{Name: "downloads", Key: "evaluation.fig.downloads", Value: func(r *pubdata.EvaluationResult) any { return r.Facts.Downloads }},
	{Name: "api_calls", Key: "evaluation.fig.api_calls", Value: func(r *pubdata.EvaluationResult) any { return r.Facts.APICalls }},
	{Name: "demands_routed", Key: "evaluation.fig.demands_routed", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.DemandsRouted) }},
	{Name: "demands_answered", Key: "evaluation.fig.demands_answered", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.DemandsAnswered) }},
	{Name: "demands_unmet", Key: "evaluation.fig.demands_unmet", Value: func(r *pubdata.EvaluationResult) any { return evalCount(r.Facts.DemandsUnmet) }},
}

// WriteEvaluationXLSX writes the period's results as a workbook (the downloads' XLSX
// writer) with the reader's column titles: rank, unit, code, division, score, each
// indicator, then the recorded figures behind them.
func WriteEvaluationXLSX(w io.Writer, lang string, e *pubdata.Evaluation) error {
	var cols, titles []string
	for _, c := range evalHead {
		cols, titles = append(cols, c.Name), append(titles, Translate(lang, c.Key))
	}
	for _, k := range pubdata.EvalIndicators {
		cols, titles = append(cols, k), append(titles, Translate(lang, "evaluation.ind."+k))
	}
	for _, c := range evalFigureColumns {
		cols, titles = append(cols, c.Name), append(titles, Translate(lang, c.Key))
	}
	fw, err := datafile.NewWriter(w, datafile.XLSX, cols, datafile.WriterOptions{Titles: titles})
	if err != nil {
		return err
	}
	for i := range e.Results {
		r := &e.Results[i]
		vals := make([]any, 0, len(cols))
		for _, c := range evalHead {
			vals = append(vals, c.Value(r))
		}
		for _, k := range pubdata.EvalIndicators {
			vals = append(vals, evalNumber(r.Indicators[k]))
		}
		for _, c := range evalFigureColumns {
			vals = append(vals, c.Value(r))
		}
		if err := fw.Write(vals); err != nil {
			return err
		}
	}
	return fw.Close()
}

// EvaluationFileName is the export's file name: evaluation-2026-Q4.xlsx.
func EvaluationFileName(period string) string {
	return "evaluation-" + strings.ReplaceAll(period, "/", "") + ".xlsx"
}
