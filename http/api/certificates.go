package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// ApiCertificateRegister is PUT /api/v1/entries/{id}/certificate-register {kind}: the
// provider declares the entry a certificate register.
func (s *Server) ApiCertificateRegister(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Kind string `json:"kind"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	reg, err := s.SetCertificateRegister(r, r.PathValue("id"), b.Kind)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, reg)
	return nil
}

// ApiCertificateIssue is POST /api/v1/entries/{id}/certificates → 201 and the certificate.
func (s *Server) ApiCertificateIssue(w http.ResponseWriter, r *http.Request) error {
	var req pubdata.CertificateRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	c, err := s.IssueCertificate(r, r.PathValue("id"), &req)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, web.CertificateOut(c))
	return nil
}

// ApiEntryCertificates is GET /api/v1/entries/{id}/certificates: the provider's list.
func (s *Server) ApiEntryCertificates(w http.ResponseWriter, r *http.Request) error {
	list, err := s.EntryCertificates(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeCertificates(w, list)
}

func writeCertificates(w http.ResponseWriter, list []*pubdata.Certificate) error {
	items := make([]*web.CertificateStatus, 0, len(list))
	for _, c := range list {
		items = append(items, web.CertificateOut(c).CertificateStatus)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
	return nil
}

// ApiHolderCertificates is GET /api/v1/certificates?holder_id=: a holder's certificates, for
// a public body that has the holder's ID (D6) or the holder.
func (s *Server) ApiHolderCertificates(w http.ResponseWriter, r *http.Request) error {
	list, err := s.HolderCertificates(r, r.URL.Query().Get("holder_id"))
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

// ApiCertificateGet is GET /api/v1/certificates/{id}: the signed document and status.
func (s *Server) ApiCertificateGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetCertificate(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.CertificateOut(c))
	return nil
}

// ApiCertificatePDF is GET /api/v1/certificates/{id}/pdf: the PDF rendering.
func (s *Server) ApiCertificatePDF(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetCertificate(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.ID+`.pdf"`)
	_, err = w.Write(c.PDF)
	return err
}

// ApiCertificateRevoke is POST /api/v1/certificates/{id}/revoke {reason}.
func (s *Server) ApiCertificateRevoke(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := s.RevokeCertificate(r, r.PathValue("id"), b.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.CertificateOut(c).CertificateStatus)
	return nil
}

// ApiCertificateVerify is GET /api/v1/certificates/{id}/verify: anyone checks a
// certificate's signature and status (recorded).
func (s *Server) ApiCertificateVerify(w http.ResponseWriter, r *http.Request) error {
	reply, err := s.VerifyCertificateCode(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, reply)
	return nil
}

// ApiKeyringCA is GET /api/v1/keyring/ca.pem: the platform's CA certificates.
func (s *Server) ApiKeyringCA(w http.ResponseWriter, r *http.Request) error {
	b, err := s.KeyringPEM(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, err = w.Write(b)
	return err
}

// ApiKeyringCRL is GET /api/v1/keyring/crl: the active CA's revocation list (DER).
func (s *Server) ApiKeyringCRL(w http.ResponseWriter, r *http.Request) error {
	b, err := s.KeyringCRL(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, err = w.Write(b)
	return err
}
