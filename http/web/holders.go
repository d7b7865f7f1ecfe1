package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// Certificate holders (issue 14 item 4, I1 and D6): a person's verified identity, so that a
// person holder sees their certificates on their account as a company does; the holder's
// consents to public bodies; and public bodies obtaining certificates through the platform
// only on the holder's consent or a legal basis they state, each certificate obtained a
// recorded use the holder sees.

// MaxHolderList is the most consents or uses an account page or API answer lists.
const MaxHolderList = 200

// FetchFollowUp is how long after obtaining a certificate (on its basis) a public body may
// download it again (its PDF, its signed document) under the same basis, each download
// recorded as a use.
const FetchFollowUp = time.Hour

// residentID reads a resident ID number (GB 11643) for an identity.
func (s *Server) residentID(raw string) (string, error) {
	n, err := ident.NormalizeResidentID(strings.TrimSpace(raw))
	if err == nil {
		err = ident.ResidentID(n, s.Now())
	}
	if err != nil {
		problem := pubdata.NewMessage("error.sentence", "Text", err.Error())
		var ie *ident.Error
		if errors.As(err, &ie) {
			problem = &pubdata.Message{Key: ie.Key, Args: ie.Args}
		}
		if strings.TrimSpace(raw) == "" {
			return "", pubdata.FieldErrorf("resident_id", "A resident ID number is required.").Keyed("error.identity.id_required")
		}
		return "", pubdata.FieldErrorf("resident_id", "The resident ID number is not valid (GB 11643): %s.", err.Error()).
			Keyed("error.identity.resident_id", "Problem", problem)
	}
	return n, nil
}

// Holder is the certificate holder a signed-in account stands for: a company (its USCC) or
// a person whose identity is verified. Manage: the account may give and withdraw consents
// (the person, or the company's admin).
type Holder struct {
	Digest string
	Masked string
	Manage bool
}

// HolderOf returns the holder the actor stands for, or nil: a company account, or a person
// account with a verified identity.
func (s *Server) HolderOf(ctx context.Context, a *pubdata.Actor) (*Holder, error) {
	if s.Certificates == nil || a.Anonymous() {
		return nil, nil
	}
	switch {
	case a.Org != nil && a.Org.Kind == pubdata.KindCompany:
		return &Holder{Digest: HolderDigest(ident.ElementUSCC, a.Org.Code), Masked: ident.Mask(a.Org.Code), Manage: a.User.Role == pubdata.RoleAdmin}, nil
	case a.Org == nil:
		p, err := s.Certificates.Identity(ctx, a.User.ID)
		if ErrorIs(err, pubdata.ENOTFOUND) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if !p.Verified() {
			return nil, nil
		}
		return &Holder{Digest: p.Digest, Masked: p.Masked, Manage: true}, nil
	}
	return nil, nil
}

var errNotHolder = pubdata.Errorf(pubdata.EFORBIDDEN, "Your account holds no certificates: a company's account holds its company's, and a person's holds theirs once their identity is verified at a counter.").
	Keyed("error.holder.none")

// requireHolder returns the signed-in holder; EFORBIDDEN for an account that is none.
func (s *Server) requireHolder(r *http.Request, manage bool) (*pubdata.Actor, *Holder, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, nil, err
	}
	h, err := s.HolderOf(r.Context(), a)
	if err != nil {
		return nil, nil, err
	}
	if h == nil {
		return nil, nil, errNotHolder
	}
	if manage && !h.Manage {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the company's admins give or withdraw its consents.").Keyed("error.holder.manage")
	}
	return a, h, nil
}

// isHolder reports whether the actor is the certificate's holder.
func (s *Server) isHolder(ctx context.Context, a *pubdata.Actor, c *pubdata.Certificate) (bool, error) {
	h, err := s.HolderOf(ctx, a)
	if err != nil || h == nil {
		return false, err
	}
	return h.Digest == c.HolderDigest, nil
}

// MyIdentity returns the signed-in person's identity, nil when none was stated.
func (s *Server) MyIdentity(ctx context.Context) (*pubdata.PersonIdentity, error) {
	a := pubdata.ActorFromContext(ctx)
	if s.Certificates == nil || a.Anonymous() || a.Org != nil {
		return nil, nil
	}
	p, err := s.Certificates.Identity(ctx, a.User.ID)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil
	}
	return p, err
}

// ClaimIdentity states the signed-in person's real name and resident ID number, to be
// verified at a counter.
func (s *Server) ClaimIdentity(r *http.Request, realName, residentID string) (*pubdata.PersonIdentity, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	if a.Org != nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a person's own account (not an organisation's) states a resident identity.").Keyed("error.identity.org_account")
	}
	_, nameErr := pubdata.ValidateRealName(realName)
	n, idErr := s.residentID(residentID)
	if err := joinInvalid(nameErr, idErr); err != nil {
		return nil, err
	}
	return s.Certificates.ClaimIdentity(r.Context(), a.User.ID, realName, HolderDigest(ident.ElementResidentID, n), ident.Mask(n))
}

// VerifyIdentity verifies a person's stated identity against the number on their identity
// card (a public body's or an authority's admin, at a counter).
func (s *Server) VerifyIdentity(r *http.Request, username, residentID string) (*pubdata.PersonIdentity, error) {
	username, err := s.atCounter(r, username, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins of public bodies and authorities verify a person's identity.").Keyed("error.identity.verify_forbidden"))
	if err != nil {
		return nil, err
	}
	n, err := s.residentID(residentID)
	if err != nil {
		return nil, err
	}
	u, err := s.counterPerson(r, username)
	if err != nil {
		return nil, err
	}
	return s.Certificates.VerifyIdentity(r.Context(), u.ID, HolderDigest(ident.ElementResidentID, n), pubdata.IdentityMethodCounter)
}

// RevokeIdentity revokes the verification of a person's identity (a public body's or
// authority's admin, at a counter), for a reason that is recorded; the person may then
// state an identity again.
func (s *Server) RevokeIdentity(r *http.Request, username, reason string) (*pubdata.PersonIdentity, error) {
	username, err := s.atCounter(r, username, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins of public bodies and authorities revoke the verification of a person's identity.").Keyed("error.identity.revoke_forbidden"))
	if err != nil {
		return nil, err
	}
	if _, err := pubdata.ValidateRevokeReason(reason); err != nil {
		return nil, err
	}
	u, err := s.counterPerson(r, username)
	if err != nil {
		return nil, err
	}
	return s.Certificates.RevokeIdentity(r.Context(), u.ID, reason)
}

// atCounter checks that the caller acts at an identity counter (a public body's or an
// authority's admin; refusal otherwise) and returns the person's username, trimmed and
// required.
func (s *Server) atCounter(r *http.Request, username string, refusal *pubdata.Error) (string, error) {
	a, err := RequireUser(r)
	if err != nil {
		return "", err
	}
	if err := s.certificatesOn(); err != nil {
		return "", err
	}
	if !pubdata.CanVerifyIdentities(a) {
		return "", refusal
	}
	if username = strings.TrimSpace(username); username == "" {
		return "", pubdata.FieldErrorf("username", "Username is required.").Keyed("error.user.username.required")
	}
	return username, nil
}

// counterPerson is the person account (one of no organisation) named username.
func (s *Server) counterPerson(r *http.Request, username string) (*pubdata.User, error) {
	u, err := s.Users.FindUserByUsername(r.Context(), username)
	if ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && u.OrgCode != "") {
		return nil, pubdata.FieldErrorf("username", "There is no person account %q.", username).Keyed("error.identity.no_person", "Username", username)
	}
	return u, err
}

// WithdrawIdentity withdraws the signed-in person's statement of identity before it is
// verified.
func (s *Server) WithdrawIdentity(r *http.Request) (*pubdata.PersonIdentity, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	if a.Org != nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a person's own account (not an organisation's) states a resident identity.").Keyed("error.identity.org_account")
	}
	return s.Certificates.WithdrawIdentity(r.Context(), a.User.ID)
}

// MyHolderCertificates returns the signed-in holder's certificates, consents and the uses
// of their certificates; h is nil (and the lists empty) for an account that holds none.
func (s *Server) MyHolderCertificates(ctx context.Context) (h *Holder, certs []*pubdata.Certificate, consents []*pubdata.CertificateConsent, uses []*pubdata.CertificateUse, err error) {
	if h, err = s.HolderOf(ctx, pubdata.ActorFromContext(ctx)); err != nil || h == nil {
		return nil, nil, nil, nil, err
	}
	if certs, err = s.Certificates.HolderCertificates(ctx, h.Digest, MaxHolderCertificates); err != nil {
		return nil, nil, nil, nil, err
	}
	if consents, err = s.Certificates.Consents(ctx, h.Digest, MaxHolderList); err != nil {
		return nil, nil, nil, nil, err
	}
	if uses, err = s.Certificates.CertificateUses(ctx, h.Digest, MaxHolderList); err != nil {
		return nil, nil, nil, nil, err
	}
	return h, certs, consents, uses, nil
}

// MyConsents returns the signed-in holder's consents.
func (s *Server) MyConsents(r *http.Request) ([]*pubdata.CertificateConsent, error) {
	_, h, err := s.requireHolder(r, false)
	if err != nil {
		return nil, err
	}
	return s.Certificates.Consents(r.Context(), h.Digest, MaxHolderList)
}

// MyCertificateUses returns who obtained the signed-in holder's certificates.
func (s *Server) MyCertificateUses(r *http.Request) ([]*pubdata.CertificateUse, error) {
	_, h, err := s.requireHolder(r, false)
	if err != nil {
		return nil, err
	}
	return s.Certificates.CertificateUses(r.Context(), h.Digest, MaxHolderList)
}

// GrantConsent records the signed-in holder's consent that a public body obtain their
// certificates (of one register, or all) for a purpose, for days days.
func (s *Server) GrantConsent(r *http.Request, org, entry, purpose string, days int) (*pubdata.CertificateConsent, error) {
	_, h, err := s.requireHolder(r, true)
	if err != nil {
		return nil, err
	}
	c := &pubdata.CertificateConsent{HolderDigest: h.Digest, HolderMasked: h.Masked, Org: org, Entry: entry, Purpose: purpose}
	if err := pubdata.ValidateConsent(c, days); err != nil {
		return nil, err
	}
	c.ExpiresAt = s.Now().UTC().Truncate(time.Second).AddDate(0, 0, days)
	if err := s.Certificates.GrantConsent(r.Context(), c); err != nil {
		return nil, err
	}
	return c, nil
}

// WithdrawConsent withdraws one of the signed-in holder's consents.
func (s *Server) WithdrawConsent(r *http.Request, id string) (*pubdata.CertificateConsent, error) {
	_, h, err := s.requireHolder(r, true)
	if err != nil {
		return nil, err
	}
	return s.Certificates.WithdrawConsent(r.Context(), h.Digest, strings.TrimSpace(id))
}

// FetchCertificates returns a holder's certificates to a public body that states a purpose
// and has the holder's consent or states a legal basis (D6); each certificate returned is a
// recorded use. A holder with no certificates gets an empty list (nothing is recorded).
func (s *Server) FetchCertificates(r *http.Request, f *pubdata.CertificateFetch) ([]*pubdata.Certificate, string, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, "", err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, "", err
	}
	if !pubdata.CanFetchHolderCertificates(a) {
		return nil, "", pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies and authorities obtain a holder's certificates through the platform.").
			Keyed("error.certificate.holder_forbidden")
	}
	basis, verr := pubdata.ValidateCertificateFetch(f)
	element, key, kerr := holderKey(f.HolderID)
	if err := joinInvalid(verr, kerr); err != nil {
		return nil, "", err
	}
	list, err := s.Certificates.HolderCertificates(r.Context(), HolderDigest(element, key), MaxHolderCertificates)
	if err != nil || len(list) == 0 {
		return list, basis, err
	}
	u := &pubdata.CertificateUse{Org: a.Org.Code, Purpose: f.Purpose, Basis: basis, LegalBasis: f.LegalBasis}
	if element == ident.ElementUSCC {
		u.HolderOrg = key // notified of a fetch on a legal basis, when it has an account here
	}
	if err := s.Certificates.RecordCertificateFetch(r.Context(), list, u); err != nil {
		return nil, "", err
	}
	return list, basis, nil
}

// followUpUse records a public body's download of a certificate it obtained within
// FetchFollowUp, under the same purpose and basis; EFORBIDDEN when it obtained none.
func (s *Server) followUpUse(ctx context.Context, a *pubdata.Actor, c *pubdata.Certificate) error {
	last, err := s.Certificates.LastCertificateUse(ctx, c.ID, a.Org.Code, s.Now().Add(-FetchFollowUp))
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Your body has not obtained certificate %s: obtain a holder's certificates with POST /api/v1/certificates/fetch, stating the purpose and the holder's consent or a legal basis.", c.ID).
			Keyed("error.certificate.fetch.first", "ID", c.ID)
	} else if err != nil {
		return err
	}
	return s.Certificates.RecordCertificateFetch(ctx, []*pubdata.Certificate{c},
		&pubdata.CertificateUse{Org: a.Org.Code, Purpose: last.Purpose, Basis: last.Basis, LegalBasis: last.LegalBasis, FollowUp: true})
}

// joinInvalid adds b's field problems to a's (both EINVALID or nil); any other error of
// either is returned as is.
func joinInvalid(a, b error) error {
	var e *pubdata.Error
	if b == nil || !errors.As(b, &e) || e.Code != pubdata.EINVALID {
		if a != nil {
			return a
		}
		return b
	}
	if len(e.Fields) == 0 {
		return pubdata.WithFieldError(a, e)
	}
	for _, f := range e.Fields {
		a = pubdata.WithFieldError(a, f)
	}
	return a
}

// IdentityFor returns the identity a person account stated, to the admin who verifies it
// at a counter (to compare the name with the card); ENOTFOUND when none was stated.
func (s *Server) IdentityFor(r *http.Request, username string) (*pubdata.PersonIdentity, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.certificatesOn(); err != nil {
		return nil, err
	}
	if !pubdata.CanVerifyIdentities(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins of public bodies and authorities verify a person's identity.").Keyed("error.identity.verify_forbidden")
	}
	u, err := s.Users.FindUserByUsername(r.Context(), strings.TrimSpace(username))
	if ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && u.OrgCode != "") {
		return nil, pubdata.FieldErrorf("username", "There is no person account %q.", username).Keyed("error.identity.no_person", "Username", username)
	} else if err != nil {
		return nil, err
	}
	return s.Certificates.Identity(r.Context(), u.ID)
}
