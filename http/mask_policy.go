package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
)

// Mask policies (G2): the mapping from a data item's grade to the mask of shared and open
// reads. GET /api/v1/mask-policy?org= reads the platform's (org empty) or a provider's
// policy with the effective one; PUT sets it: the platform's by an authority's admin, a
// provider's by its own admins (pubdata.CanSetMaskPolicy), never looser than the
// platform's. The console page /console/mask-policy shows and sets them.

var errNoMaskPolicies = pubdata.Errorf(pubdata.ENOTFOUND, "Mask policies are not enabled on this server.").Keyed("error.not_available.mask_policies")

// maskPolicyReply is a policy as the API shows it.
type maskPolicyReply struct {
	Org string `json:"org"` // "" the platform
	// Policy is the org's own policy (null for a provider without one); Platform the
	// platform's; Effective what its entries' reads use (the stricter of the two).
	Policy    pubdata.MaskPolicy `json:"policy"`
	Platform  pubdata.MaskPolicy `json:"platform"`
	Effective pubdata.MaskPolicy `json:"effective"`
}

// maskPolicyOrg reads and checks ?org=: "" or an existing organisation.
func (s *Server) maskPolicyOrg(r *http.Request) (string, error) {
	org := strings.TrimSpace(r.URL.Query().Get("org"))
	if org != "" {
		if _, err := s.Orgs.FindOrgByCode(r.Context(), org); err != nil {
			return "", err
		}
	}
	return org, nil
}

func (s *Server) maskPolicyReply(r *http.Request, org string) (*maskPolicyReply, error) {
	platform, err := s.MaskPolicies.Find(r.Context(), "")
	if err != nil {
		return nil, err
	}
	out := &maskPolicyReply{Org: org, Platform: platform, Policy: platform}
	if org != "" {
		if out.Policy, err = s.MaskPolicies.Find(r.Context(), org); err != nil {
			return nil, err
		}
	}
	out.Effective = pubdata.EffectiveMaskPolicy(platform, out.Policy)
	return out, nil
}

func (s *Server) apiMaskPolicyGet(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return errNoMaskPolicies
	}
	org, err := s.maskPolicyOrg(r)
	if err != nil {
		return err
	}
	out, err := s.maskPolicyReply(r, org)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maskPolicyRequest is the body of PUT /api/v1/mask-policy.
type maskPolicyRequest struct {
	Policy pubdata.MaskPolicy `json:"policy"`
}

func (s *Server) apiMaskPolicyPut(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return errNoMaskPolicies
	}
	org, err := s.maskPolicyOrg(r)
	if err != nil {
		return err
	}
	if !pubdata.CanSetMaskPolicy(a, org) {
		return maskPolicyForbidden(org)
	}
	var req maskPolicyRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := s.MaskPolicies.Set(r.Context(), org, req.Policy); err != nil {
		return err
	}
	out, err := s.maskPolicyReply(r, org)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func maskPolicyForbidden(org string) error {
	if org == "" {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of an authority may set the platform's mask policy.")
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of %s may set its mask policy.", org)
}

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
func (r maskGradeRow) MaskKey() string     { return maskKindKey(r.Mask) }
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
	page
	Kinds    []maskKindOption
	Policies []*maskPolicyPage // the platform's, then the provider's
	Errors   formErrors
	Saved    bool
}

func (s *Server) maskPolicyView(r *http.Request, a *pubdata.Actor) (*maskPolicyView, error) {
	platform, err := s.MaskPolicies.Find(r.Context(), "")
	if err != nil {
		return nil, err
	}
	v := &maskPolicyView{page: s.base(r, true), Kinds: maskKindOptions, Errors: formErrors{}, Saved: r.URL.Query().Get("saved") != ""}
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

func (s *Server) pageMaskPolicy(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return errNoMaskPolicies
	}
	v, err := s.maskPolicyView(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, "mask_policy", http.StatusOK, v)
}

// pageMaskPolicySave sets a policy from the form: org, and grade_0 … grade_4.
func (s *Server) pageMaskPolicySave(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return errNoMaskPolicies
	}
	if err := parseForm(r); err != nil {
		return err
	}
	org := strings.TrimSpace(r.PostForm.Get("org"))
	if !pubdata.CanSetMaskPolicy(a, org) {
		return maskPolicyForbidden(org)
	}
	p := pubdata.MaskPolicy{}
	for g := 0; g <= pubdata.MaxGrade; g++ {
		if m := r.PostForm.Get("grade_" + strconv.Itoa(g)); m != "" {
			p[g] = m
		}
	}
	if _, err := s.MaskPolicies.Set(r.Context(), org, p); err != nil {
		if !errorIs(err, pubdata.EINVALID) {
			return err
		}
		v, verr := s.maskPolicyView(r, a)
		if verr != nil {
			return verr
		}
		v.Errors[""] = translate(v.Lang, "mask.error.looser")
		for f, fe := range pubdata.ErrorFields(err) {
			v.Errors[f] = fieldText(v.Lang, fe)
		}
		return s.render(w, r, "mask_policy", http.StatusBadRequest, v)
	}
	redirect(w, r, withQuery("/console/mask-policy", "saved", "1"))
	return nil
}
