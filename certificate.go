package pubdata

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Signing keys and electronic certificates (D5, I1, issue 14).
//
// The platform signs extracts and electronic certificates with SM2 keys that have X.509
// certificates: a platform CA (root), made at set-up, and a document-signing certificate it
// issues, rotated by making a new one (the old one is retired: what it signed still
// verifies). The keys live in the shared database, the private keys sealed (SM4-GCM) with
// the data folder's secrets key, so that every node of a cluster signs and verifies alike
// and a restored database verifies what was signed before.

// Signing key kinds.
const (
	KeyKindCA      = "ca"      // a root CA certificate (the platform's, or an organisation's imported)
	KeyKindSigning = "signing" // a document-signing certificate issued by a CA
	KeyKindLegacy  = "legacy"  // the bare SM2 key of pubdata-extract/v1 extracts (public key only)
)

// Signing key states.
const (
	KeyActive  = "active"  // signs new documents (one signing key at a time)
	KeyRetired = "retired" // replaced: no longer signs, what it signed still verifies
	KeyRevoked = "revoked" // what it signed no longer verifies
)

// SigningKey is one certificate (or bare public key) of the platform's keyring.
type SigningKey struct {
	ID           string     `json:"id"` // the certificate's serial number (hex), or "legacy-<digest>"
	Kind         string     `json:"kind"`
	Subject      string     `json:"subject"`
	Issuer       string     `json:"issuer,omitempty"` // the issuing CA's id
	CertPEM      string     `json:"certificate,omitempty"`
	PublicKey    string     `json:"public_key"` // base64 PKIX DER
	SealedKey    string     `json:"-"`          // the sealed PKCS #8 PEM private key; "" when not held
	NotBefore    time.Time  `json:"not_before"`
	NotAfter     time.Time  `json:"not_after"`
	Status       string     `json:"status"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// SigningKeyService keeps the keyring. Every change is an audit event.
type SigningKeyService interface {
	// SigningKeys returns every key, oldest first.
	SigningKeys(ctx context.Context) ([]*SigningKey, error)
	// AddSigningKey stores a key ("key.create"). With replace, an active CA or signing key
	// retires the active key of its kind in the same transaction (rotation); without, it is
	// ECONFLICT when there is one (two nodes setting up at once).
	AddSigningKey(ctx context.Context, k *SigningKey, replace bool) error
	// RevokeSigningKey revokes a key ("key.revoke").
	RevokeSigningKey(ctx context.Context, id, reason string) (*SigningKey, error)
}

// Certificate register kinds.
const (
	RegisterLicence       = "licence"
	RegisterPermit        = "permit"
	RegisterQualification = "qualification"
)

// ValidRegisterKind reports whether k is a certificate register kind.
func ValidRegisterKind(k string) bool {
	return k == RegisterLicence || k == RegisterPermit || k == RegisterQualification
}

// CertificateRegister marks a catalogue entry as a certificate register: the provider issues
// electronic certificates of that entry.
type CertificateRegister struct {
	Entry     string    `json:"entry"`
	Org       string    `json:"org"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// Electronic certificate states.
const (
	CertValid   = "valid"
	CertRevoked = "revoked"
)

// Certificate is an electronic certificate (电子证照): the signed data (Signed: the JSON of
// a pubdata-certificate/v1 document), its PDF rendering and the PDF's detached CMS
// signature. The holder's ID (a resident ID number or a unified social credit code) is kept
// as an SM3 digest to find it by, and masked to show.
type Certificate struct {
	ID           string      `json:"id"`
	Entry        string      `json:"entry"`
	EntryTitle   string      `json:"entry_title,omitempty"`
	Org          string      `json:"org"`
	OrgName      string      `json:"org_name,omitempty"`
	Kind         string      `json:"kind"`
	Title        string      `json:"title"`
	Number       string      `json:"number"` // the certificate's own number, unique in its entry
	HolderName   string      `json:"holder_name"`
	HolderKey    string      `json:"-"`             // the holder's ID, in standard form; never stored
	HolderDigest string      `json:"-"`             // hex SM3 of element ":" key
	HolderMasked string      `json:"holder_masked"` // e.g. 91350100M0****Y43
	Fields       [][2]string `json:"fields"`        // the certificate's data, in order
	ValidFrom    string      `json:"valid_from"`    // YYYY-MM-DD
	ValidUntil   string      `json:"valid_until,omitempty"`
	Signed       string      `json:"-"` // the signed JSON document
	PDF          []byte      `json:"-"`
	PDFSignature []byte      `json:"-"`          // DER CMS
	Digest       string      `json:"digest"`     // hex SM3 of the signed canonical document
	PDFDigest    string      `json:"pdf_digest"` // hex SM3 of the PDF
	Status       string      `json:"status"`
	IssuedAt     time.Time   `json:"issued_at"`
	IssuedBy     string      `json:"issued_by"`
	RevokedAt    *time.Time  `json:"revoked_at,omitempty"`
	RevokeReason string      `json:"revoke_reason,omitempty"`
}

// CertificateRequest is what a provider sends to issue a certificate.
type CertificateRequest struct {
	Number     string      `json:"number"`
	Title      string      `json:"title"`
	HolderName string      `json:"holder_name"`
	HolderID   string      `json:"holder_id"`
	Fields     [][2]string `json:"fields"`
	ValidFrom  string      `json:"valid_from"`
	ValidUntil string      `json:"valid_until"`
}

// Limits of a certificate's data.
const (
	MaxCertificateFields = 50
	MaxCertificateText   = 500
)

// ValidateCertificateRequest checks a request's fields (the holder's ID is checked by the
// caller, which knows the ID rules).
func ValidateCertificateRequest(r *CertificateRequest) error {
	r.Number, r.Title, r.HolderName = strings.TrimSpace(r.Number), strings.TrimSpace(r.Title), strings.TrimSpace(r.HolderName)
	r.ValidFrom, r.ValidUntil = strings.TrimSpace(r.ValidFrom), strings.TrimSpace(r.ValidUntil)
	for name, v := range map[string]string{"number": r.Number, "title": r.Title, "holder_name": r.HolderName} {
		if v == "" {
			return FieldErrorf(name, "%s is required.", name).Keyed("error.certificate.required", "Field", name)
		}
	}
	if len(r.Fields) > MaxCertificateFields {
		return FieldErrorf("fields", "A certificate has at most %d fields.", MaxCertificateFields).Keyed("error.certificate.fields", "Max", MaxCertificateFields)
	}
	texts := []string{r.Number, r.Title, r.HolderName}
	for _, f := range r.Fields {
		if strings.TrimSpace(f[0]) == "" {
			return FieldErrorf("fields", "Every field needs a name.").Keyed("error.certificate.field_name")
		}
		texts = append(texts, f[0], f[1])
	}
	for _, t := range texts {
		if utf8.RuneCountInString(t) > MaxCertificateText {
			return FieldErrorf("fields", "A value is longer than %d characters.", MaxCertificateText).Keyed("error.certificate.too_long", "Max", MaxCertificateText)
		}
	}
	if r.ValidFrom == "" {
		return FieldErrorf("valid_from", "valid_from is required (YYYY-MM-DD).").Keyed("error.certificate.required", "Field", "valid_from")
	}
	from, err := time.Parse(time.DateOnly, r.ValidFrom)
	if err != nil {
		return FieldErrorf("valid_from", "valid_from is not a date (YYYY-MM-DD).").Keyed("error.certificate.date", "Field", "valid_from")
	}
	if r.ValidUntil != "" {
		until, err := time.Parse(time.DateOnly, r.ValidUntil)
		if err != nil || until.Before(from) {
			return FieldErrorf("valid_until", "valid_until is not a date (YYYY-MM-DD) on or after valid_from.").Keyed("error.certificate.date", "Field", "valid_until")
		}
	}
	return nil
}

// CanIssueCertificates reports whether the actor may declare a register on the provider
// org's entry and issue and revoke its certificates: the provider's admins and editors.
func CanIssueCertificates(a *Actor, org string) bool { return CanEditEntry(a, org) }

// CanFetchHolderCertificates reports whether the actor may fetch a holder's certificates
// by the holder's ID (D6: do not ask the applicant again): the users of public bodies and
// authorities, as for subject lookups.
func CanFetchHolderCertificates(a *Actor) bool { return CanLookUpSubjects(a) }

// CertificateService keeps certificate registers and the certificates issued in them. Each
// change and each use is an audit event, with the holder's ID masked.
type CertificateService interface {
	// SetRegister declares the entry a certificate register ("certificate.register").
	SetRegister(ctx context.Context, r *CertificateRegister) error
	// Register returns the entry's register; ENOTFOUND when the entry is not one.
	Register(ctx context.Context, entry string) (*CertificateRegister, error)
	// IssueCertificate stores an issued certificate ("certificate.issue"); ECONFLICT when
	// its number is already used in the entry.
	IssueCertificate(ctx context.Context, c *Certificate) error
	// Certificate returns one certificate (with its signed document and PDF).
	Certificate(ctx context.Context, id string) (*Certificate, error)
	// CertificateByPDF returns the certificate whose PDF has the digest.
	CertificateByPDF(ctx context.Context, pdfDigest string) (*Certificate, error)
	// HolderCertificates returns the certificates of a holder (by digest), newest first.
	HolderCertificates(ctx context.Context, holderDigest string, limit int) ([]*Certificate, error)
	// EntryCertificates returns the certificates of an entry, newest first.
	EntryCertificates(ctx context.Context, entry string, limit int) ([]*Certificate, error)
	// RevokeCertificate revokes it ("certificate.revoke").
	RevokeCertificate(ctx context.Context, id, reason string) (*Certificate, error)
	// RecordCertificateUse records "certificate.check" (a verification) or
	// "certificate.use" (a public body fetched it).
	RecordCertificateUse(ctx context.Context, c *Certificate, action string) error
	// HolderService: holders' identities, consents and the uses of their certificates.
	HolderService
}
