package pubdata

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Certificate holders (I1, D6; issue 14 item 4).
//
// A person's account gets a verified identity: the person states their real name and
// resident ID number on their account page (a claim), and a public body's or authority's
// admin verifies it at a service counter against the identity card, typing the number again
// (the number itself is never stored: only its digest, by which certificates are found, and
// a masked form). One resident ID is verified for one account at a time. A person with a
// verified identity sees their certificates on their account, as a company account sees
// those issued to its unified social credit code.
//
// A public body obtains a holder's certificates through the platform (D6: the applicant is
// not asked again for the paper) only with a basis: the holder's consent, given on the
// account page to that body (for one register or all, for a purpose, until a date, and
// withdrawable), or a legal basis the body states. Each certificate obtained is a recorded
// use — who, for what, on which basis — which the holder sees on their account.

// Identity states.
const (
	IdentityClaimed  = "claimed"  // stated by the person, not yet checked
	IdentityVerified = "verified" // checked against the identity card
)

// IdentityMethodCounter is a verification in person at a service counter, against the
// identity card.
const IdentityMethodCounter = "counter"

// PersonIdentity is a person account's identity: a real name and a resident ID number,
// kept as a digest (the holder digest of certificates) and masked.
type PersonIdentity struct {
	UserID      string     `json:"user_id"`
	Username    string     `json:"username"`
	RealName    string     `json:"real_name"`
	Digest      string     `json:"-"`
	Masked      string     `json:"resident_id"` // e.g. 350102********0012
	Status      string     `json:"status"`
	ClaimedAt   time.Time  `json:"claimed_at"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	VerifiedBy  string     `json:"verified_by,omitempty"`
	VerifiedOrg string     `json:"verified_org,omitempty"`
	Method      string     `json:"method,omitempty"`
}

// Verified reports whether the identity has been checked.
func (p *PersonIdentity) Verified() bool { return p != nil && p.Status == IdentityVerified }

// ValidateRealName checks a person's real name: 1–50 characters.
func ValidateRealName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", FieldErrorf("real_name", "Real name is required.").Keyed("error.identity.name_required")
	case utf8.RuneCountInString(name) > 50:
		return "", FieldErrorf("real_name", "Real name must be at most 50 characters.").Keyed("error.identity.name_long")
	}
	return name, nil
}

// CanVerifyIdentities reports whether the actor may verify a person's identity at a
// counter: the admins of public bodies and authorities.
func CanVerifyIdentities(a *Actor) bool {
	return CanLookUpSubjects(a) && a.User.Role == RoleAdmin
}

// ValidateRevokeReason checks the reason an admin gives for revoking a verified identity:
// 2 to MaxCertificateText characters.
func ValidateRevokeReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case utf8.RuneCountInString(reason) < 2:
		return "", FieldErrorf("reason", "State why the verification is revoked.").Keyed("error.identity.revoke_reason")
	case utf8.RuneCountInString(reason) > MaxCertificateText:
		return "", FieldErrorf("reason", "The reason must be at most %d characters.", MaxCertificateText).Keyed("error.certificate.fetch.too_long", "Field", "reason", "Max", MaxCertificateText)
	}
	return reason, nil
}

// Bases on which a public body obtains a holder's certificate.
const (
	BasisConsent = "consent" // the holder consented (CertificateConsent)
	BasisLaw     = "law"     // a legal basis the body stated
)

// MaxConsentDays is the longest a consent lasts.
const MaxConsentDays = 366

// CertificateConsent is a holder's consent that a public body obtain their certificates
// through the platform: of one register (Entry) or of all (Entry ""), for a purpose, until
// ExpiresAt, unless withdrawn.
type CertificateConsent struct {
	ID           string     `json:"id"`
	HolderDigest string     `json:"-"`
	HolderMasked string     `json:"holder_id"`
	GrantedBy    string     `json:"granted_by"`
	Org          string     `json:"org"`
	OrgName      string     `json:"org_name,omitempty"`
	Entry        string     `json:"entry,omitempty"`
	EntryTitle   string     `json:"entry_title,omitempty"`
	Purpose      string     `json:"purpose"`
	GrantedAt    time.Time  `json:"granted_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	WithdrawnAt  *time.Time `json:"withdrawn_at,omitempty"`
}

// Active reports whether the consent holds at t.
func (c *CertificateConsent) Active(t time.Time) bool {
	return c.WithdrawnAt == nil && t.Before(c.ExpiresAt)
}

// Covers reports whether the consent lets org obtain a certificate of entry at t.
func (c *CertificateConsent) Covers(org, entry string, t time.Time) bool {
	return c.Active(t) && c.Org == org && (c.Entry == "" || c.Entry == entry)
}

// CertificateUse is one certificate obtained by a public body through the platform: who,
// for what, and on which basis (the consent's id, or the legal basis stated).
type CertificateUse struct {
	ID           string    `json:"id"`
	Certificate  string    `json:"certificate"`
	Title        string    `json:"title,omitempty"`
	Number       string    `json:"number,omitempty"`
	HolderDigest string    `json:"-"`
	Org          string    `json:"org"`
	OrgName      string    `json:"org_name,omitempty"`
	Username     string    `json:"username"`
	Purpose      string    `json:"purpose"`
	Basis        string    `json:"basis"`
	ConsentID    string    `json:"consent,omitempty"`
	LegalBasis   string    `json:"legal_basis,omitempty"`
	At           time.Time `json:"at"`
	// HolderOrg is the company whose USCC the holder ID is (its admins are notified of a
	// fetch on a legal basis); FollowUp marks a download of a certificate obtained within
	// the hour (no new notification). Neither is stored.
	HolderOrg string `json:"-"`
	FollowUp  bool   `json:"-"`
}

// CertificateFetch is what a public body states to obtain a holder's certificates.
type CertificateFetch struct {
	HolderID   string `json:"holder_id"`
	Purpose    string `json:"purpose"`
	LegalBasis string `json:"legal_basis"` // "": on the holder's consent
}

// ValidateCertificateFetch checks the purpose and the legal basis (the holder's ID is
// checked by the caller) and returns the basis the fetch claims.
func ValidateCertificateFetch(f *CertificateFetch) (string, error) {
	f.Purpose, f.LegalBasis = strings.TrimSpace(f.Purpose), strings.TrimSpace(f.LegalBasis)
	var p []*Error
	switch {
	case utf8.RuneCountInString(f.Purpose) < 2:
		p = append(p, FieldErrorf("purpose", "State the purpose: what service the certificate is needed for.").Keyed("error.certificate.fetch.purpose"))
	case utf8.RuneCountInString(f.Purpose) > MaxCertificateText:
		p = append(p, FieldErrorf("purpose", "The purpose must be at most %d characters.", MaxCertificateText).Keyed("error.certificate.fetch.too_long", "Field", "purpose", "Max", MaxCertificateText))
	}
	if utf8.RuneCountInString(f.LegalBasis) > MaxCertificateText {
		p = append(p, FieldErrorf("legal_basis", "The legal basis must be at most %d characters.", MaxCertificateText).Keyed("error.certificate.fetch.too_long", "Field", "legal_basis", "Max", MaxCertificateText))
	} else if f.LegalBasis != "" && utf8.RuneCountInString(f.LegalBasis) < 4 {
		p = append(p, FieldErrorf("legal_basis", "A legal basis names the law or regulation and its article (e.g. 《行政许可法》第三十一条).").Keyed("error.certificate.fetch.legal_basis"))
	}
	if err := invalid(p); err != nil {
		return "", err
	}
	if f.LegalBasis != "" {
		return BasisLaw, nil
	}
	return BasisConsent, nil
}

// ValidateConsent checks a consent a holder gives: a public body, a purpose and 1 to
// MaxConsentDays days.
func ValidateConsent(c *CertificateConsent, days int) error {
	c.Org, c.Entry, c.Purpose = strings.TrimSpace(c.Org), strings.TrimSpace(c.Entry), strings.TrimSpace(c.Purpose)
	var p []*Error
	if c.Org == "" {
		p = append(p, FieldErrorf("org", "Choose the public body you consent to.").Keyed("error.consent.org_required"))
	}
	switch {
	case utf8.RuneCountInString(c.Purpose) < 2:
		p = append(p, FieldErrorf("purpose", "State the purpose you consent to.").Keyed("error.consent.purpose"))
	case utf8.RuneCountInString(c.Purpose) > MaxCertificateText:
		p = append(p, FieldErrorf("purpose", "The purpose must be at most %d characters.", MaxCertificateText).Keyed("error.certificate.fetch.too_long", "Field", "purpose", "Max", MaxCertificateText))
	}
	if days < 1 || days > MaxConsentDays {
		p = append(p, FieldErrorf("days", "A consent lasts 1 to %d days.", MaxConsentDays).Keyed("error.consent.days", "Max", MaxConsentDays))
	}
	return invalid(p)
}

// HolderService keeps person identities, holders' consents and the record of certificates
// obtained by public bodies. Every change and every use is an audit event in the same
// transaction, with the resident ID masked.
type HolderService interface {
	// ClaimIdentity states the person's real name and resident ID (digest and masked form)
	// as a claim, replacing an earlier claim ("identity.claim"). ECONFLICT when the
	// account's identity is already verified; EINVALID for an account of an organisation.
	ClaimIdentity(ctx context.Context, userID, realName, digest, masked string) (*PersonIdentity, error)
	// VerifyIdentity marks the user's claim verified by the actor with the method
	// ("identity.verify"); digest is that of the number read off the identity card.
	// ENOTFOUND when the user made no claim; EINVALID when the number differs from the
	// claim; ECONFLICT when another account's identity with the number is verified.
	VerifyIdentity(ctx context.Context, userID, digest, method string) (*PersonIdentity, error)
	// Identity returns the user's identity; ENOTFOUND when none was claimed.
	Identity(ctx context.Context, userID string) (*PersonIdentity, error)
	// RevokeIdentity revokes the verification of the user's identity, by the actor (a
	// public body's or authority's admin, at a counter) for the reason: the identity is
	// removed, so the person may state one again, and the revocation is recorded with the
	// reason and the verification it undoes ("identity.revoke"). ENOTFOUND when the user
	// stated none; ECONFLICT when it is not verified (the person withdraws a statement).
	RevokeIdentity(ctx context.Context, userID, reason string) (*PersonIdentity, error)
	// WithdrawIdentity withdraws the person's own statement before it is verified
	// ("identity.withdraw"). ENOTFOUND when none; ECONFLICT when it is verified (only a
	// counter revokes a verification).
	WithdrawIdentity(ctx context.Context, userID string) (*PersonIdentity, error)
	// GrantConsent stores a holder's consent ("certificate.consent"); EINVALID for an
	// unknown organisation or an entry that is not a certificate register.
	GrantConsent(ctx context.Context, c *CertificateConsent) error
	// WithdrawConsent withdraws the holder's consent ("certificate.consent_withdraw");
	// ENOTFOUND when the holder has no such consent, ECONFLICT when already withdrawn.
	WithdrawConsent(ctx context.Context, holderDigest, id string) (*CertificateConsent, error)
	// Consents returns a holder's consents, newest first.
	Consents(ctx context.Context, holderDigest string, limit int) ([]*CertificateConsent, error)
	// RecordCertificateFetch records that u.Org obtained the certificates (all of
	// u.HolderDigest) for u.Purpose on u.Basis: with BasisConsent it finds, in the same
	// transaction, an active consent of the holder to u.Org covering each certificate's
	// register (EFORBIDDEN when one is missing: nothing is recorded); with BasisLaw it
	// keeps u.LegalBasis. One use and one "certificate.use" event per certificate.
	RecordCertificateFetch(ctx context.Context, certs []*Certificate, u *CertificateUse) error
	// LastCertificateUse returns org's newest use of the certificate since the time;
	// ENOTFOUND when none.
	LastCertificateUse(ctx context.Context, certID, org string, since time.Time) (*CertificateUse, error)
	// CertificateUses returns the uses of a holder's certificates, newest first.
	CertificateUses(ctx context.Context, holderDigest string, limit int) ([]*CertificateUse, error)
}
