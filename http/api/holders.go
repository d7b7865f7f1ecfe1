package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Certificate holders (issue 14 item 4): a person's identity, the holder's consents and
// the uses of their certificates; a public body obtaining certificates on a basis (D6).

// ApiMyIdentity is GET /api/v1/account/identity: the signed-in person's stated identity
// (the resident ID masked) and whether it is verified; 404 when none was stated.
func (s *Server) ApiMyIdentity(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	p, err := s.MyIdentity(r.Context())
	if err != nil {
		return err
	}
	if p == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "The account has stated no identity.").Keyed("error.identity.none")
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// ApiClaimIdentity is PUT /api/v1/account/identity {real_name, resident_id}: a person
// states their identity, to be verified at a counter.
func (s *Server) ApiClaimIdentity(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RealName   string `json:"real_name"`
		ResidentID string `json:"resident_id"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	p, err := s.ClaimIdentity(r, b.RealName, b.ResidentID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// ApiVerifyIdentity is POST /api/v1/identities/verify {username, resident_id}: a public
// body's or authority's admin verifies a person's stated identity against their card.
func (s *Server) ApiVerifyIdentity(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Username   string `json:"username"`
		ResidentID string `json:"resident_id"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	p, err := s.VerifyIdentity(r, b.Username, b.ResidentID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// ApiRevokeIdentity is POST /api/v1/identities/revoke {username, reason}: a public body's
// or authority's admin revokes the verification of a person's identity.
func (s *Server) ApiRevokeIdentity(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Username string `json:"username"`
		Reason   string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	p, err := s.RevokeIdentity(r, b.Username, b.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"revoked": p})
	return nil
}

// ApiWithdrawIdentity is DELETE /api/v1/account/identity: a person withdraws their
// statement of identity before it is verified.
func (s *Server) ApiWithdrawIdentity(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.WithdrawIdentity(r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ApiMyCertificates is GET /api/v1/account/certificates: the signed-in holder's
// certificates (a company's, or a verified person's).
func (s *Server) ApiMyCertificates(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	list, err := s.MyCertificates(r.Context())
	if err != nil {
		return err
	}
	out := make([]*web.CertificateJSON, 0, len(list))
	for _, c := range list {
		out = append(out, web.CertificateOut(c))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// ApiMyConsents is GET /api/v1/account/certificate-consents.
func (s *Server) ApiMyConsents(w http.ResponseWriter, r *http.Request) error {
	list, err := s.MyConsents(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": nonNil(list), "total": len(list)})
	return nil
}

// ApiGrantConsent is POST /api/v1/account/certificate-consents {org, entry, purpose, days}.
func (s *Server) ApiGrantConsent(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Org     string `json:"org"`
		Entry   string `json:"entry"`
		Purpose string `json:"purpose"`
		Days    int    `json:"days"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := s.GrantConsent(r, b.Org, b.Entry, b.Purpose, b.Days)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, c)
	return nil
}

// ApiWithdrawConsent is POST /api/v1/account/certificate-consents/{id}/withdraw.
func (s *Server) ApiWithdrawConsent(w http.ResponseWriter, r *http.Request) error {
	c, err := s.WithdrawConsent(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

// ApiMyCertificateUses is GET /api/v1/account/certificate-uses: which public bodies
// obtained the signed-in holder's certificates, when, for what and on which basis.
func (s *Server) ApiMyCertificateUses(w http.ResponseWriter, r *http.Request) error {
	list, err := s.MyCertificateUses(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": nonNil(list), "total": len(list)})
	return nil
}

// ApiFetchCertificates is POST /api/v1/certificates/fetch {holder_id, purpose, legal_basis}:
// a public body obtains a holder's certificates on the holder's consent (no legal_basis) or
// the legal basis it states; each one returned is a recorded use the holder sees.
func (s *Server) ApiFetchCertificates(w http.ResponseWriter, r *http.Request) error {
	var f pubdata.CertificateFetch
	if err := web.DecodeJSON(r, &f); err != nil {
		return err
	}
	list, basis, err := s.FetchCertificates(r, &f)
	if err != nil {
		return err
	}
	out := make([]*web.CertificateJSON, 0, len(list))
	for _, c := range list {
		out = append(out, web.CertificateOut(c))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out), "basis": basis})
	return nil
}

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
