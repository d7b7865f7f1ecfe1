package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The console page of an entry's data quality (C1, C2): its score on GB/T 36344's
// dimensions, each rule with its latest result and a sample of failing rows, the rules editor
// (add a rule with a form, remove one) for the provider's editors and admins and the covering
// authority's admins and reviewers (pubdata.CanEditQualityRules), and a run asked for.

// qualityForm is the add-a-rule form as entered.
type qualityForm struct {
	Kind, Column, Pattern, Element, Min, Max, Values, RefEntry, RefColumn, MaxChangePct string
	Reject                                                                              bool
}

// qualityRuleRow is a rule with its latest result.
type qualityRuleRow struct {
	Rule   pubdata.QualityRule
	Params string
	Result *pubdata.QualityResult
}

// qualityDim is a dimension's line of the score.
type qualityDim struct {
	Name   string
	Score  *int
	Weight float64
}

type qualityPageView struct {
	web.Page
	Entry      *pubdata.Entry
	Published  bool
	Report     *pubdata.QualityReport
	Dimensions []qualityDim
	Rules      []qualityRuleRow
	Revision   int
	CanEdit    bool
	Kinds      []string
	Columns    []pubdata.Item
	Elements   []string
	Form       qualityForm
	Errors     web.FormErrors
}

// qualityElements are the standard data elements with validators (lib/ident.ByElement).
var qualityElements = []string{"resident_id", "uscc", "org_code", "mobile", "division"}

// qualityParams is a rule's parameters in a line, as written.
func qualityParams(r pubdata.QualityRule) string {
	var p []string
	switch r.Kind {
	case pubdata.RulePattern:
		p = append(p, r.Pattern)
	case pubdata.RuleStdElem:
		if r.Element != "" {
			p = append(p, r.Element)
		}
	case pubdata.RuleRange:
		p = append(p, "["+string(r.Min)+", "+string(r.Max)+"]")
	case pubdata.RuleAllowed:
		p = append(p, strings.Join(r.Values, " | "))
	case pubdata.RuleReference:
		p = append(p, r.RefEntry+" · "+r.RefColumn)
	case pubdata.RuleRowCount:
		p = append(p, "± "+strconv.FormatFloat(r.MaxChangePct, 'f', -1, 64)+"%")
	}
	return strings.Join(p, " ")
}

func (s *Server) qualityPage(r *http.Request, a *pubdata.Actor, w, p *pubdata.Entry) (*qualityPageView, error) {
	v := &qualityPageView{
		Page: s.Base(r, true), Entry: w, Published: p != nil, CanEdit: pubdata.CanEditQualityRules(a, w) && p != nil,
		Kinds: pubdata.QualityRuleKinds, Columns: w.Items, Elements: qualityElements, Errors: web.FormErrors{}, Form: qualityForm{Kind: pubdata.RuleNotNull},
	}
	if p != nil {
		v.Columns = p.Items
	}
	set, err := s.Quality.FindQualityRules(r.Context(), w.ID)
	if err != nil {
		return nil, err
	}
	v.Revision = set.Revision
	if p != nil {
		if v.Report, err = s.QualityReport(r.Context(), p, true); err != nil {
			return nil, err
		}
		weights := s.QualityWeights
		if weights == nil {
			weights = pubdata.DefaultQualityWeights
		}
		for _, d := range pubdata.QualityDimensions {
			v.Dimensions = append(v.Dimensions, qualityDim{Name: d, Score: v.Report.Dimensions[d], Weight: weights[d]})
		}
	}
	for _, rule := range set.Rules {
		row := qualityRuleRow{Rule: rule, Params: qualityParams(rule)}
		if v.Report != nil {
			for i := range v.Report.Rules {
				if v.Report.Rules[i].ID == rule.ID {
					row.Result = &v.Report.Rules[i]
				}
			}
		}
		v.Rules = append(v.Rules, row)
	}
	q := r.URL.Query()
	switch {
	case q.Get("saved") != "":
		v.Flash = web.Translate(v.Lang, "quality.saved")
	case q.Get("ran") != "":
		v.Flash = web.Translate(v.Lang, "quality.ran")
	}
	return v, nil
}

// qualityEntry returns the actor, the working copy and the published entry (nil before the
// first publication) of the path's entry, which the actor must see the working copy of.
func (s *Server) qualityEntry(r *http.Request) (*pubdata.Actor, *pubdata.Entry, *pubdata.Entry, error) {
	if s.Quality == nil {
		return nil, nil, nil, web.ErrNoQuality
	}
	a, err := entryOrgActor(r)
	if err != nil {
		return nil, nil, nil, err
	}
	w, err := s.findWorkingCopy(r, a)
	if err != nil {
		return nil, nil, nil, err
	}
	if w.Format != pubdata.FormatTable {
		return nil, nil, nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a table (its format is %s); only table entries hold rows.", w.ID, w.Format).
			Keyed("error.entry.not_table", "Entry", w.ID, "Format", w.Format)
	}
	p, err := s.Entries.FindPublishedEntry(r.Context(), w.ID)
	if err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, nil, err
	}
	if err != nil {
		p = nil
	}
	return a, w, p, nil
}

func (s *Server) PageQuality(w http.ResponseWriter, r *http.Request) error {
	a, e, p, err := s.qualityEntry(r)
	if err != nil {
		return err
	}
	v, err := s.qualityPage(r, a, e, p)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entry_quality", http.StatusOK, v)
}

// qualityFormFields are the add form's fields, by the rule's JSON field names.
var qualityFormFields = []string{"kind", "column", "pattern", "element", "min", "max", "values", "ref_entry", "ref_column", "max_change_pct", "reject"}

func (s *Server) PageQualityRuleAdd(w http.ResponseWriter, r *http.Request) error {
	a, e, p, err := s.qualityEntry(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	form := qualityForm{
		Kind: strings.TrimSpace(pf.Get("kind")), Column: strings.TrimSpace(pf.Get("column")), Pattern: pf.Get("pattern"),
		Element: strings.TrimSpace(pf.Get("element")), Min: strings.TrimSpace(pf.Get("min")), Max: strings.TrimSpace(pf.Get("max")),
		Values: pf.Get("values"), RefEntry: strings.TrimSpace(pf.Get("ref_entry")), RefColumn: strings.TrimSpace(pf.Get("ref_column")),
		MaxChangePct: strings.TrimSpace(pf.Get("max_change_pct")), Reject: pf.Get("reject") != "",
	}
	rule := pubdata.QualityRule{Kind: form.Kind, Reject: form.Reject}
	switch form.Kind {
	case pubdata.RuleFreshness, pubdata.RuleRowCount:
	default:
		rule.Column = form.Column
	}
	switch form.Kind {
	case pubdata.RulePattern:
		rule.Pattern = form.Pattern
	case pubdata.RuleStdElem:
		rule.Element = form.Element
	case pubdata.RuleRange:
		rule.Min, rule.Max = pubdata.Bound(form.Min), pubdata.Bound(form.Max)
	case pubdata.RuleAllowed:
		for _, line := range strings.FieldsFunc(form.Values, func(c rune) bool { return c == '\n' || c == '\r' || c == ',' || c == '，' }) {
			if t := strings.TrimSpace(line); t != "" {
				rule.Values = append(rule.Values, t)
			}
		}
	case pubdata.RuleReference:
		rule.RefEntry, rule.RefColumn = form.RefEntry, form.RefColumn
	}
	lang := web.LangFrom(r.Context())
	errs := web.FormErrors{}
	if form.Kind == pubdata.RuleRowCount {
		f, err := strconv.ParseFloat(form.MaxChangePct, 64)
		if err != nil {
			errs["max_change_pct"] = web.Translate(lang, "quality.form.number")
		}
		rule.MaxChangePct = f
	}
	if len(errs) == 0 {
		set, err := s.Quality.FindQualityRules(r.Context(), e.ID)
		if err != nil {
			return err
		}
		rules := append(set.Rules, rule)
		_, err = s.SetQualityRules(r.Context(), e, p, rules)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/quality", "saved", "1"))
			return nil
		case !web.ErrorIs(err, pubdata.EINVALID):
			return err
		}
		last := fmt.Sprintf("rules[%d]", len(rules)-1)
		for name, fe := range pubdata.ErrorFields(err) {
			field, ok := strings.CutPrefix(name, last+".")
			switch {
			case name == last:
				errs[""] = web.FieldText(lang, fe)
			case ok:
				errs[field] = web.FieldText(lang, fe)
			default:
				errs[""] = web.FieldText(lang, fe)
			}
		}
		if len(errs) == 0 {
			errs[""] = web.ErrorText(lang, err)
		}
	}
	r.URL.RawQuery = ""
	v, err := s.qualityPage(r, a, e, p)
	if err != nil {
		return err
	}
	v.Form, v.Errors = form, errs
	return s.Render(w, r, "entry_quality", http.StatusBadRequest, v)
}

func (s *Server) PageQualityRuleDelete(w http.ResponseWriter, r *http.Request) error {
	_, e, p, err := s.qualityEntry(r)
	if err != nil {
		return err
	}
	set, err := s.Quality.FindQualityRules(r.Context(), e.ID)
	if err != nil {
		return err
	}
	id := r.PathValue("rule")
	rules := make([]pubdata.QualityRule, 0, len(set.Rules))
	for _, rule := range set.Rules {
		if rule.ID != id {
			rules = append(rules, rule)
		}
	}
	if len(rules) == len(set.Rules) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %s has no quality rule %q.", e.ID, id).Keyed("error.quality.rule_not_found", "Entry", e.ID, "Rule", id)
	}
	if _, err := s.SetQualityRules(r.Context(), e, p, rules); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/quality", "saved", "1"))
	return nil
}

func (s *Server) PageQualityRun(w http.ResponseWriter, r *http.Request) error {
	_, e, p, err := s.qualityEntry(r)
	if err != nil {
		return err
	}
	if _, err := s.RunQuality(r.Context(), e, p); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/quality", "ran", "1"))
	return nil
}
