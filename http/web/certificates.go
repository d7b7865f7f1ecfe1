package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/certpdf"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/ident"
)

// Electronic certificates (I1, issue 14 item 4): a provider declares an entry a certificate
// register and issues certificates in it — a signed JSON document (pubdata-certificate/v1,
// CMS-signed like extracts) and its PDF, signed apart, with a QR code of /verify?code=ID.
// The holder (a company account whose USCC is the holder's ID, or a person whose verified
// identity is the holder's: holders.go) sees them on the account page; a public body
// obtains a holder's certificates by the holder's ID on the holder's consent or a legal
// basis it states (D6, holders.go); anyone
// checks one at /verify or with GET /api/v1/certificates/{id}/verify. Every issue,
// revocation, fetch and check is an audit event.

var errNoCertificates = pubdata.Errorf(pubdata.ENOTFOUND, "This server does not issue electronic certificates.").Keyed("error.not_available.certificates")

// MaxHolderCertificates is the most certificates one holder query returns.
const MaxHolderCertificates = 200

// CertificateDocument is the signed document of an electronic certificate.
type CertificateDocument struct {
	ID           string      `json:"id"`
	Entry        string      `json:"entry"`
	EntryTitle   string      `json:"entry_title"`
	Kind         string      `json:"kind"`
	Number       string      `json:"number"`
	Title        string      `json:"title"`
	Provider     string      `json:"provider"`
	ProviderName string      `json:"provider_name"`
	HolderName   string      `json:"holder_name"`
	HolderID     string      `json:"holder_id"` // masked
	HolderIDType string      `json:"holder_id_type"`
	Fields       [][2]string `json:"fields"`
	ValidFrom    string      `json:"valid_from"`
	ValidUntil   string      `json:"valid_until,omitempty"`
	IssuedAt     string      `json:"issued_at"` // RFC 3339 UTC
	PDFDigest    string      `json:"-"`
	VerifyURL    string      `json:"verify_url"`
	Platform     string      `json:"platform"`
}

// HolderDigest is the digest a holder's certificates are found by: SM3 of
// "<element>:<ID in standard form>".
func HolderDigest(element, key string) string { return extract.Digest([]byte(element + ":" + key)) }

// holderKey reads a holder's ID: a resident ID number or a USCC (as subject keys).
func holderKey(raw string) (element, key string, err error) {
	element, key, err = subjectKey(raw)
	if err != nil {
		return "", "", pubdata.WithFieldError(err, pubdata.FieldErrorf("holder_id", "holder_id is not a valid resident ID number or unified social credit code.").
			Keyed("error.certificate.holder_id"))
	}
	return element, key, nil
}

func (s *Server) certificatesOn() error {
	if s.Certificates == nil || s.Extracts == nil || s.CertPDF == nil {
		return errNoCertificates
	}
	return nil
}

// registerEntry returns the working copy of an entry the caller may issue certificates of.
func (s *Server) registerEntry(r *http.Request, id string) (*pubdata.Entry, *pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, nil, err
	}
	e, err := s.Entries.FindEntryByID(r.Context(), id)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, NotFoundEntry(id)
	} else if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanIssueCertificates(a, e.Org) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's admins and editors may issue or revoke the certificates of entry %s.", id).
			Keyed("error.certificate.forbidden", "Entry", id)
	}
	return e, a, nil
}

// CertificateEntry returns the working copy of the entry of id for a caller who may
// declare its register and issue and revoke its certificates (the provider's admins and
// editors); EFORBIDDEN for anyone else, ENOTFOUND without certificates on this server.
func (s *Server) CertificateEntry(r *http.Request, id string) (*pubdata.Entry, *pubdata.Actor, error) {
	return s.registerEntry(r, id)
}

// SetCertificateRegister declares the entry a certificate register of the kind.
func (s *Server) SetCertificateRegister(r *http.Request, id, kind string) (*pubdata.CertificateRegister, error) {
	e, _, err := s.registerEntry(r, id)
	if err != nil {
		return nil, err
	}
	reg := &pubdata.CertificateRegister{Entry: e.ID, Kind: strings.TrimSpace(kind)}
	if err := s.Certificates.SetRegister(r.Context(), reg); err != nil {
		return nil, err
	}
	return reg, nil
}

// IssueCertificate issues a certificate in the entry's register: it signs the document,
// renders and signs the PDF, and stores them.
func (s *Server) IssueCertificate(r *http.Request, id string, req *pubdata.CertificateRequest) (*pubdata.Certificate, error) {
	e, _, err := s.registerEntry(r, id)
	if err != nil {
		return nil, err
	}
	return s.IssueCertificateAs(r.Context(), BaseURL(r), e, req)
}

// IssueCertificateAs issues a certificate in entry e's register as the actor of ctx (the
// provider's admin or editor); base is the platform's address the QR code links to. The
// demo issues its certificates with it.
func (s *Server) IssueCertificateAs(ctx context.Context, base string, e *pubdata.Entry, req *pubdata.CertificateRequest) (*pubdata.Certificate, error) {
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanIssueCertificates(a, e.Org) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's admins and editors may issue or revoke the certificates of entry %s.", e.ID).
			Keyed("error.certificate.forbidden", "Entry", e.ID)
	}
	reg, err := s.Certificates.Register(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateCertificateRequest(req); err != nil {
		return nil, err
	}
	element, key, err := holderKey(req.HolderID)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC().Truncate(time.Second)
	certID := uuid.Must(uuid.NewV7()).String()
	doc := &CertificateDocument{ID: certID, Entry: e.ID, EntryTitle: e.Title, Kind: reg.Kind, Number: req.Number, Title: req.Title,
		Provider: e.Org, ProviderName: e.OrgName, HolderName: req.HolderName, HolderID: ident.Mask(key), HolderIDType: element,
		Fields: req.Fields, ValidFrom: req.ValidFrom, ValidUntil: req.ValidUntil, IssuedAt: now.Format(time.RFC3339),
		VerifyURL: base + "/verify?code=" + certID, Platform: base}
	if doc.Fields == nil {
		doc.Fields = [][2]string{}
	}
	signed, err := s.Extracts.SignDocument(ctx, extract.FormatCertificate, doc)
	if err != nil {
		return nil, err
	}
	signedJSON, err := json.Marshal(signed)
	if err != nil {
		return nil, err
	}
	pdf, err := s.CertPDF.Render(&certpdf.Certificate{ID: certID, Number: doc.Number, Title: doc.Title, KindLabel: certpdf.KindLabel(doc.Kind),
		Provider: doc.ProviderName, HolderName: doc.HolderName, HolderID: doc.HolderID, Fields: doc.Fields, ValidFrom: doc.ValidFrom,
		ValidUntil: doc.ValidUntil, IssuedAt: now, VerifyURL: doc.VerifyURL})
	if err != nil {
		return nil, err
	}
	pdfSig, err := s.Extracts.SignDetached(ctx, pdf)
	if err != nil {
		return nil, err
	}
	c := &pubdata.Certificate{ID: certID, Entry: e.ID, EntryTitle: e.Title, Org: e.Org, OrgName: e.OrgName, Kind: reg.Kind, Title: doc.Title,
		Number: doc.Number, HolderName: doc.HolderName, HolderDigest: HolderDigest(element, key), HolderMasked: doc.HolderID,
		Fields: doc.Fields, ValidFrom: doc.ValidFrom, ValidUntil: doc.ValidUntil, Signed: string(signedJSON), PDF: pdf, PDFSignature: pdfSig,
		Digest: signed.Digest, PDFDigest: extract.Digest(pdf), IssuedAt: now, IssuedBy: a.Username()}
	if err := s.Certificates.IssueCertificate(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// RevokeCertificate revokes a certificate of the caller's organisation.
func (s *Server) RevokeCertificate(r *http.Request, id, reason string) (*pubdata.Certificate, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	c, err := s.Certificates.Certificate(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanIssueCertificates(a, c.Org) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's admins and editors may issue or revoke the certificates of entry %s.", c.Entry).
			Keyed("error.certificate.forbidden", "Entry", c.Entry)
	}
	return s.Certificates.RevokeCertificate(r.Context(), id, reason)
}

// EntryCertificates lists an entry's certificates for its provider.
func (s *Server) EntryCertificates(r *http.Request, id string) ([]*pubdata.Certificate, error) {
	e, _, err := s.registerEntry(r, id)
	if err != nil {
		return nil, err
	}
	return s.Certificates.EntryCertificates(r.Context(), e.ID, 1000)
}

// GetCertificate returns a certificate to its provider or its holder (a company account
// whose USCC is the holder's ID, or a person whose verified identity is the holder's), or
// to a public body that obtained it within FetchFollowUp (a new use, on the same basis).
func (s *Server) GetCertificate(r *http.Request, id string) (*pubdata.Certificate, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	c, err := s.Certificates.Certificate(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if pubdata.CanIssueCertificates(a, c.Org) {
		return c, nil
	}
	if own, err := s.isHolder(r.Context(), a, c); err != nil {
		return nil, err
	} else if own {
		return c, nil
	}
	if pubdata.CanFetchHolderCertificates(a) {
		return c, s.followUpUse(r.Context(), a, c)
	}
	return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Certificate %q not found.", id).Keyed("error.certificate.not_found", "ID", id)
}

// HolderCertificates returns a holder's certificates to the holder. A public body obtains
// them with FetchCertificates, stating a purpose and a basis.
func (s *Server) HolderCertificates(r *http.Request, raw string) ([]*pubdata.Certificate, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	element, key, err := holderKey(raw)
	if err != nil {
		return nil, err
	}
	digest := HolderDigest(element, key)
	h, err := s.HolderOf(r.Context(), a)
	if err != nil {
		return nil, err
	}
	if h == nil || h.Digest != digest {
		if pubdata.CanFetchHolderCertificates(a) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "A public body obtains a holder's certificates with POST /api/v1/certificates/fetch, stating the purpose and the holder's consent or a legal basis.").
				Keyed("error.certificate.fetch.post")
		}
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the holder sees their certificates here; public bodies obtain them with the holder's consent or a legal basis.").
			Keyed("error.certificate.holder_forbidden")
	}
	return s.Certificates.HolderCertificates(r.Context(), digest, MaxHolderCertificates)
}

// MyCertificates returns the signed-in holder's certificates: a company's, or a person's
// whose identity is verified (none for others).
func (s *Server) MyCertificates(ctx context.Context) ([]*pubdata.Certificate, error) {
	h, err := s.HolderOf(ctx, pubdata.ActorFromContext(ctx))
	if err != nil || h == nil {
		return nil, err
	}
	return s.Certificates.HolderCertificates(ctx, h.Digest, MaxHolderCertificates)
}

// CertificateStatus is the public answer about one certificate.
type CertificateStatus struct {
	ID           string      `json:"id"`
	Status       string      `json:"status"`
	Title        string      `json:"title"`
	Number       string      `json:"number"`
	Kind         string      `json:"kind"`
	Entry        string      `json:"entry"`
	EntryTitle   string      `json:"entry_title"`
	Provider     string      `json:"provider"`
	ProviderName string      `json:"provider_name"`
	HolderName   string      `json:"holder_name"`
	HolderID     string      `json:"holder_id"` // masked
	Fields       [][2]string `json:"fields"`
	ValidFrom    string      `json:"valid_from"`
	ValidUntil   string      `json:"valid_until,omitempty"`
	IssuedAt     string      `json:"issued_at"`
	RevokedAt    string      `json:"revoked_at,omitempty"`
	RevokeReason string      `json:"revoke_reason,omitempty"`
	Digest       string      `json:"digest"`
	PDFDigest    string      `json:"pdf_digest"`
}

func certificateStatus(c *pubdata.Certificate) *CertificateStatus {
	st := &CertificateStatus{ID: c.ID, Status: c.Status, Title: c.Title, Number: c.Number, Kind: c.Kind, Entry: c.Entry, EntryTitle: c.EntryTitle,
		Provider: c.Org, ProviderName: c.OrgName, HolderName: c.HolderName, HolderID: c.HolderMasked, Fields: c.Fields, ValidFrom: c.ValidFrom,
		ValidUntil: c.ValidUntil, IssuedAt: c.IssuedAt.UTC().Format(time.RFC3339), RevokeReason: c.RevokeReason, Digest: c.Digest, PDFDigest: c.PDFDigest}
	if c.RevokedAt != nil {
		st.RevokedAt = c.RevokedAt.UTC().Format(time.RFC3339)
	}
	return st
}

// certificateReply checks a stored certificate's signed document with the keyring and
// its status in the register, and records the check.
func (s *Server) certificateReply(ctx context.Context, c *pubdata.Certificate, v *extract.Verified) (*VerifyReply, error) {
	reply := &VerifyReply{Kind: "certificate", Format: extract.FormatCertificate, Certificate: certificateStatus(c)}
	if v == nil {
		var err error
		v, err = s.Extracts.Verify(ctx, []byte(c.Signed))
		var inv *extract.Invalid
		if errors.As(err, &inv) {
			reply.Reason, reply.ReasonKey, reply.ReasonArgs = inv.Reason, inv.Key, inv.Args
			return reply, s.Certificates.RecordCertificateUse(ctx, c, "certificate.check")
		} else if err != nil {
			return nil, err
		}
	}
	reply.Signer, reply.Serial, reply.SigningTime = v.Signer, v.Serial, v.SigningTime.UTC().Format(time.RFC3339)
	if c.Status == pubdata.CertRevoked {
		at := ""
		if c.RevokedAt != nil {
			at = c.RevokedAt.UTC().Format(time.RFC3339)
		}
		reply.Reason = "The certificate was revoked by its issuer on " + at + "."
		reply.ReasonKey, reply.ReasonArgs = "verify.reason.revoked", []any{"Time", at}
	} else {
		reply.Valid = true
	}
	return reply, s.Certificates.RecordCertificateUse(ctx, c, "certificate.check")
}

// VerifyCertificateCode checks the certificate with the id (the QR code's, or typed).
func (s *Server) VerifyCertificateCode(ctx context.Context, id string) (*VerifyReply, error) {
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	id = strings.TrimSpace(id)
	if _, err := uuid.Parse(id); err != nil {
		return &VerifyReply{Kind: "certificate", Reason: "There is no certificate with this code.", ReasonKey: "verify.reason.no_certificate"}, nil
	}
	c, err := s.Certificates.Certificate(ctx, id)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return &VerifyReply{Kind: "certificate", Reason: "There is no certificate with this code.", ReasonKey: "verify.reason.no_certificate"}, nil
	} else if err != nil {
		return nil, err
	}
	return s.certificateReply(ctx, c, nil)
}

// VerifyPDF checks an uploaded certificate PDF: it must be byte for byte a PDF the platform
// issued (found by its SM3 digest), its stored signature must verify, and the certificate
// must not be revoked.
func (s *Server) VerifyPDF(ctx context.Context, pdf []byte) (*VerifyReply, error) {
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	c, err := s.Certificates.CertificateByPDF(ctx, extract.Digest(pdf))
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return &VerifyReply{Kind: "certificate", Reason: "This PDF is not a certificate issued by this platform, or it was changed.", ReasonKey: "verify.reason.pdf_unknown"}, nil
	} else if err != nil {
		return nil, err
	}
	if _, err := s.Extracts.VerifyDetached(ctx, c.PDFSignature, pdf); err != nil {
		var inv *extract.Invalid
		if errors.As(err, &inv) {
			return &VerifyReply{Kind: "certificate", Reason: inv.Reason, ReasonKey: inv.Key, ReasonArgs: inv.Args}, nil
		}
		return nil, err
	}
	return s.certificateReply(ctx, c, nil)
}

// CertificateJSON is a certificate as the API returns it to those who may see it: its
// status, the signed document, and the PDF's detached signature (base64 DER CMS).
type CertificateJSON struct {
	*CertificateStatus
	Signed       json.RawMessage `json:"signed"`
	PDFSignature string          `json:"pdf_signature"`
	PDFURL       string          `json:"pdf_url"`
}

// CertificateOut is the API form of c.
func CertificateOut(c *pubdata.Certificate) *CertificateJSON {
	return &CertificateJSON{CertificateStatus: certificateStatus(c), Signed: json.RawMessage(c.Signed),
		PDFSignature: base64.StdEncoding.EncodeToString(c.PDFSignature), PDFURL: "/api/v1/certificates/" + c.ID + "/pdf"}
}

// KeyringPEM returns the PEM of the platform's CA certificates (active, retired and
// imported; not revoked): what a third party needs to check signatures offline.
func (s *Server) KeyringPEM(ctx context.Context) ([]byte, error) {
	if s.Extracts == nil || s.Extracts.Keys == nil {
		return nil, errNoExtracts
	}
	g, err := s.Extracts.Keys.Load(ctx)
	if err != nil {
		return nil, err
	}
	return g.RootsPEM(), nil
}

// KeyringCRL returns the active CA's revocation list (DER).
func (s *Server) KeyringCRL(ctx context.Context) ([]byte, error) {
	if s.Extracts == nil || s.Extracts.Keys == nil {
		return nil, errNoExtracts
	}
	g, err := s.Extracts.Keys.Load(ctx)
	if err != nil {
		return nil, err
	}
	return g.CRL(s.Now())
}

// ReasonIn is the reply's reason in the page language (the English reason when it has no
// message key).
func (v *VerifyReply) ReasonIn(lang string) string {
	if v.ReasonKey == "" {
		return v.Reason
	}
	return Translate(lang, v.ReasonKey, v.ReasonArgs...)
}
