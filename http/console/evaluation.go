package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- evaluation (H1) ---

// evaluationView is /console/evaluation: the periods computed (drafts and published), the
// period previewed with its ranking, and for the platform authority's admin the compute and
// publish forms and the weights.
type evaluationView struct {
	web.Page
	Periods    []*pubdata.Evaluation
	Evaluation *pubdata.Evaluation // the period previewed; nil: none chosen or none computed
	Indicators []string
	Weights    *web.EvaluationWeights
	CanCompute bool
	// Ended: the previewed period is over (publishing it needs no "early").
	Ended bool
	// The compute form's period and the weights form as entered; the forms' problems.
	FormPeriod    string
	FormWeights   map[string]string
	Errors        web.FormErrors
	WeightsErrors web.FormErrors
}

// Weight is the weights form's value of an indicator: as entered, else the weight in force.
func (v *evaluationView) Weight(k string) string {
	if s, ok := v.FormWeights[k]; ok {
		return s
	}
	return strconv.FormatFloat(v.Weights.Weights[k], 'f', -1, 64)
}

func (s *Server) evaluationView(r *http.Request, period string) (*evaluationView, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeEvaluationDrafts(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the authorities' administrators and reviewers see evaluations before they are published.").Keyed("error.evaluation.drafts_forbidden")
	}
	v := &evaluationView{Page: s.Base(r, true), Indicators: pubdata.EvalIndicators, CanCompute: pubdata.CanComputeEvaluation(a),
		Errors: web.FormErrors{}, WeightsErrors: web.FormErrors{}}
	if v.Periods, err = s.VisibleEvaluations(r); err != nil {
		return nil, err
	}
	if v.Weights, err = s.CurrentEvaluationWeights(r); err != nil {
		return nil, err
	}
	if period == "" && len(v.Periods) > 0 {
		period = v.Periods[0].Key
	}
	if period != "" {
		if v.Evaluation, err = s.EvaluationFor(r, period); err != nil {
			return nil, err
		}
		v.Ended = v.Evaluation.Ended(s.Now())
	}
	switch r.URL.Query().Get("done") {
	case "computed":
		v.Flash = web.Translate(v.Lang, "evaluation.flash.computed")
	case "published":
		v.Flash = web.Translate(v.Lang, "evaluation.flash.published")
	case "weights":
		v.Flash = web.Translate(v.Lang, "evaluation.flash.weights")
	}
	return v, nil
}

// PageConsoleEvaluation is GET /console/evaluation?period=.
func (s *Server) PageConsoleEvaluation(w http.ResponseWriter, r *http.Request) error {
	v, err := s.evaluationView(r, strings.TrimSpace(r.URL.Query().Get("period")))
	if err != nil {
		return err
	}
	return s.Render(w, r, "evaluation_console", http.StatusOK, v)
}

// evalFormProblems turns a refusal the form can show into its problems; other errors return.
func evalFormProblems(lang string, err error, errs web.FormErrors) error {
	switch {
	case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ECONFLICT), web.ErrorIs(err, pubdata.ENOTFOUND):
		for field, p := range pubdata.ErrorFields(err) {
			errs[field] = web.FieldText(lang, p)
		}
		if len(errs) == 0 {
			errs[""] = web.ErrorText(lang, err)
		}
		return nil
	}
	return err
}

// PageEvaluationCompute is POST /console/evaluation/compute (period): a draft.
func (s *Server) PageEvaluationCompute(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	period := strings.TrimSpace(r.PostForm.Get("period"))
	e, err := s.ComputeEvaluation(r, period)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/console/evaluation", "period", e.Key, "done", "computed"))
		return nil
	}
	errs := web.FormErrors{}
	if err := evalFormProblems(web.LangFrom(r.Context()), err, errs); err != nil {
		return err
	}
	v, verr := s.evaluationView(r, "")
	if verr != nil {
		return verr
	}
	v.FormPeriod, v.Errors = period, errs
	return s.Render(w, r, "evaluation_console", http.StatusUnprocessableEntity, v)
}

// PageEvaluationPublish is POST /console/evaluation/publish (period, early).
func (s *Server) PageEvaluationPublish(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	period := strings.TrimSpace(r.PostForm.Get("period"))
	e, err := s.PublishEvaluation(r, period, r.PostForm.Get("early") == "1")
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/console/evaluation", "period", e.Key, "done", "published"))
		return nil
	}
	errs := web.FormErrors{}
	if err := evalFormProblems(web.LangFrom(r.Context()), err, errs); err != nil {
		return err
	}
	if _, perr := pubdata.ParseEvalPeriod(period); perr != nil {
		period = ""
	}
	v, verr := s.evaluationView(r, period)
	if verr != nil {
		return verr
	}
	v.Errors = errs
	return s.Render(w, r, "evaluation_console", http.StatusUnprocessableEntity, v)
}

// PageEvaluationWeights is POST /console/evaluation/weights (one field per indicator).
func (s *Server) PageEvaluationWeights(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	lang := web.LangFrom(r.Context())
	form := map[string]string{}
	weights := pubdata.EvalWeights{}
	errs := web.FormErrors{}
	for _, k := range pubdata.EvalIndicators {
		raw := strings.TrimSpace(r.PostForm.Get("w_" + k))
		form[k] = raw
		if raw == "" {
			weights[k] = 0
			continue
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			errs["weights."+k] = web.Translate(lang, "evaluation.weights.number")
			continue
		}
		weights[k] = f
	}
	if len(errs) == 0 {
		_, err := s.SetEvaluationWeights(r, weights)
		if err == nil {
			web.Redirect(w, r, web.WithQuery("/console/evaluation", "done", "weights"))
			return nil
		}
		if err := evalFormProblems(lang, err, errs); err != nil {
			return err
		}
	}
	v, err := s.evaluationView(r, "")
	if err != nil {
		return err
	}
	v.FormWeights, v.WeightsErrors = form, errs
	return s.Render(w, r, "evaluation_console", http.StatusUnprocessableEntity, v)
}
