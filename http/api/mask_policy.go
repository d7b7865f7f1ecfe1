package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

// MaskPolicyReply is a policy as the API shows it.
type MaskPolicyReply struct {
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

func (s *Server) maskPolicyReply(r *http.Request, org string) (*MaskPolicyReply, error) {
	platform, err := s.MaskPolicies.Find(r.Context(), "")
	if err != nil {
		return nil, err
	}
	out := &MaskPolicyReply{Org: org, Platform: platform, Policy: platform}
	if org != "" {
		if out.Policy, err = s.MaskPolicies.Find(r.Context(), org); err != nil {
			return nil, err
		}
	}
	out.Effective = pubdata.EffectiveMaskPolicy(platform, out.Policy)
	return out, nil
}

func (s *Server) ApiMaskPolicyGet(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return web.ErrNoMaskPolicies
	}
	org, err := s.maskPolicyOrg(r)
	if err != nil {
		return err
	}
	out, err := s.maskPolicyReply(r, org)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// maskPolicyRequest is the body of PUT /api/v1/mask-policy.
type maskPolicyRequest struct {
	Policy pubdata.MaskPolicy `json:"policy"`
}

func (s *Server) ApiMaskPolicyPut(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	if s.MaskPolicies == nil {
		return web.ErrNoMaskPolicies
	}
	org, err := s.maskPolicyOrg(r)
	if err != nil {
		return err
	}
	if !pubdata.CanSetMaskPolicy(a, org) {
		return web.MaskPolicyForbidden(org)
	}
	var req maskPolicyRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := s.MaskPolicies.Set(r.Context(), org, req.Policy); err != nil {
		return err
	}
	out, err := s.maskPolicyReply(r, org)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
