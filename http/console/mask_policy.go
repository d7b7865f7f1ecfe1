package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strconv"
	"strings"
)

// --- the console page ---

// maskGradeRow is one grade of a policy on the page.
type maskGradeRow struct {
	Grade     int
	GradeKey  string // the grade's label
	Mask      string // the org's own (the platform's for the platform)
	Platform  string
	Effective string
}

// maskGradeLabels are the labels of the grades 0–4.
var maskGradeLabels = []struct{ Key string }{
	{Key: "mask.grade.ungraded"}, {Key: "mask.grade.first"}, {Key: "mask.grade.second"}, {Key: "mask.grade.third"}, {Key: "mask.grade.fourth"},
}

// maskKindOptions are the choices of the form, in pubdata.MaskKinds' order.
var maskKindOptions = []maskKindOption{
	{Value: pubdata.MaskNone, Key: "mask.kind.none"}, {Value: pubdata.MaskPartial, Key: "mask.kind.partial"},
	{Value: pubdata.MaskFull, Key: "mask.kind.full"}, {Value: pubdata.MaskHide, Key: "mask.kind.hide"},
}

// maskKindKey is the label of a mask kind.
func maskKindKey(m string) string {
	for _, o := range maskKindOptions {
		if o.Value == m {
			return o.Key
		}
	}
	return m
}

// MaskKey is the label of the row's mask; PlatformKey of the platform's.
func (r maskGradeRow) MaskKey() string { return maskKindKey(r.Mask) }

func (r maskGradeRow) PlatformKey() string { return maskKindKey(r.Platform) }

// maskKindOption is a choice of the form.
type maskKindOption struct{ Value, Key string }

// maskPolicyPage is one policy's part of the page.
type maskPolicyPage struct {
	Key    string // the heading's message key
	Org    string // "" the platform
	Name   string
	Rows   []maskGradeRow
	CanSet bool
	Own    bool // the org has a policy of its own
}

// maskPolicyView is the view of /console/mask-policy: the platform's policy and, for a
// provider's user, its organisation's.
type maskPolicyView struct {
	web.Page
	Kinds    []maskKindOption
	Policies []*maskPolicyPage // the platform's, then the provider's
	Errors   web.FormErrors
	Saved    bool
}

func (s *Server) maskPolicyView(r *http.Request, a *pubdata.Actor) (*maskPolicyView, error) {
	platform, err := s.MaskPolicies.Find(r.Context(), "")
	if err != nil {
		return nil, err
	}
	v := &maskPolicyView{Page: s.Base(r, true), Kinds: maskKindOptions, Errors: web.FormErrors{}, Saved: r.URL.Query().Get("saved") != ""}
	pp := &maskPolicyPage{Key: "mask.platform", CanSet: pubdata.CanSetMaskPolicy(a, ""), Own: true}
	for g := 0; g <= pubdata.MaxGrade; g++ {
		pp.Rows = append(pp.Rows, maskGradeRow{Grade: g, GradeKey: maskGradeLabels[g].Key, Mask: platform.Mask(g), Platform: platform.Mask(g), Effective: platform.Mask(g)})
	}
	v.Policies = append(v.Policies, pp)
	if a.Org != nil && a.Org.Kind != pubdata.KindAuthority {
		own, err := s.MaskPolicies.Find(r.Context(), a.Org.Code)
		if err != nil {
			return nil, err
		}
		eff := pubdata.EffectiveMaskPolicy(platform, own)
		p := &maskPolicyPage{Key: "mask.provider", Org: a.Org.Code, Name: a.Org.Name, CanSet: pubdata.CanSetMaskPolicy(a, a.Org.Code), Own: own != nil}
		for g := 0; g <= pubdata.MaxGrade; g++ {
			p.Rows = append(p.Rows, maskGradeRow{Grade: g, GradeKey: maskGradeLabels[g].Key, Mask: eff.Mask(g), Platform: platform.Mask(g), Effective: eff.Mask(g)})
		}
		v.Policies = append(v.Policies, p)
	}
	return v, nil
}

func (s *Server) PageMaskPolicy(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return web.ErrNoMaskPolicies
	}
	v, err := s.maskPolicyView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "mask_policy", http.StatusOK, v)
}

// PageMaskPolicySave sets a policy from the form: org, and grade_0 … grade_4.
func (s *Server) PageMaskPolicySave(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return web.ErrNoMaskPolicies
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org := strings.TrimSpace(r.PostForm.Get("org"))
	if !pubdata.CanSetMaskPolicy(a, org) {
		return web.MaskPolicyForbidden(org)
	}
	p := pubdata.MaskPolicy{}
	for g := 0; g <= pubdata.MaxGrade; g++ {
		if m := r.PostForm.Get("grade_" + strconv.Itoa(g)); m != "" {
			p[g] = m
		}
	}
	if _, err := s.MaskPolicies.Set(r.Context(), org, p); err != nil {
		if !web.ErrorIs(err, pubdata.EINVALID) {
			return err
		}
		v, verr := s.maskPolicyView(r, a)
		if verr != nil {
			return verr
		}
		v.Errors[""] = web.Translate(v.Lang, "mask.error.looser")
		for f, fe := range pubdata.ErrorFields(err) {
			v.Errors[f] = web.FieldText(v.Lang, fe)
		}
		return s.Render(w, r, "mask_policy", http.StatusBadRequest, v)
	}
	web.Redirect(w, r, web.WithQuery("/console/mask-policy", "saved", "1"))
	return nil
}
