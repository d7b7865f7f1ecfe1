package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Certificate holders: person identities, consents and uses (issue 14 item 4, migration
// 0043).

var _ pubdata.HolderService = (*CertificateService)(nil)

const identityColumns = "p.user_id, u.username, p.real_name, p.id_digest, p.id_masked, p.status, p.claimed_at, p.verified_at, p.verified_by, p.verified_org, p.method"

func scanIdentity(sc scanner) (*pubdata.PersonIdentity, error) {
	var p pubdata.PersonIdentity
	verified := nullTime{}
	if err := sc.Scan(&p.UserID, &p.Username, &p.RealName, &p.Digest, &p.Masked, &p.Status, timeCol{&p.ClaimedAt}, &verified, &p.VerifiedBy, &p.VerifiedOrg, &p.Method); err != nil {
		return nil, err
	}
	p.VerifiedAt = verified.t
	return &p, nil
}

func identityIn(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, db *DB, userID string) (*pubdata.PersonIdentity, error) {
	p, err := scanIdentity(q.QueryRowContext(ctx, db.rebind("SELECT "+identityColumns+" FROM person_identities p JOIN users u ON u.id = p.user_id WHERE p.user_id = ?"), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "The account has stated no identity.").Keyed("error.identity.none")
	}
	return p, err
}

// Identity implements pubdata.HolderService.
func (s *CertificateService) Identity(ctx context.Context, userID string) (*pubdata.PersonIdentity, error) {
	return identityIn(ctx, s.db.db, s.db, userID)
}

// ClaimIdentity implements pubdata.HolderService.
func (s *CertificateService) ClaimIdentity(ctx context.Context, userID, realName, digest, masked string) (*pubdata.PersonIdentity, error) {
	realName, err := pubdata.ValidateRealName(realName)
	if err != nil {
		return nil, err
	}
	if digest == "" || masked == "" {
		return nil, pubdata.FieldErrorf("resident_id", "A resident ID number is required.").Keyed("error.identity.id_required")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var username string
	var org sql.NullString
	err = tx.queryRow(ctx, "SELECT username, org FROM users WHERE id = ?", userID).Scan(&username, &org)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "User %q not found.", userID).Keyed("error.user.not_found", "ID", userID)
	} else if err != nil {
		return nil, err
	}
	if org.String != "" {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Only a person's own account (not an organisation's) states a resident identity.").Keyed("error.identity.org_account")
	}
	var status string
	err = tx.queryRow(ctx, "SELECT status FROM person_identities WHERE user_id = ?"+s.db.forUpdate(), userID).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.exec(ctx, "INSERT INTO person_identities (user_id, real_name, id_digest, id_masked, status, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
			userID, realName, digest, masked, pubdata.IdentityClaimed, fmtTime(tx.now))
	case err != nil:
	case status == pubdata.IdentityVerified:
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The account's identity is verified; to change it, have it verified again at a counter.").Keyed("error.identity.verified")
	default:
		_, err = tx.exec(ctx, "UPDATE person_identities SET real_name = ?, id_digest = ?, id_masked = ?, claimed_at = ? WHERE user_id = ?",
			realName, digest, masked, fmtTime(tx.now), userID)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "identity.claim", Object: "user:" + username, Details: map[string]any{"resident_id": masked}}); err != nil {
		return nil, err
	}
	p, err := identityIn(ctx, tx.Tx, s.db, userID)
	if err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// VerifyIdentity implements pubdata.HolderService.
func (s *CertificateService) VerifyIdentity(ctx context.Context, userID, digest, method string) (*pubdata.PersonIdentity, error) {
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var status, claimed, username string
	err = tx.queryRow(ctx, "SELECT p.status, p.id_digest, u.username FROM person_identities p JOIN users u ON u.id = p.user_id WHERE p.user_id = ?"+s.db.forUpdateOf("p"), userID).
		Scan(&status, &claimed, &username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "The account has stated no identity: the person first enters their name and resident ID number on their account page.").Keyed("error.identity.none")
	} else if err != nil {
		return nil, err
	}
	if claimed != digest {
		return nil, pubdata.FieldErrorf("resident_id", "The number on the identity card is not the number the person stated.").Keyed("error.identity.mismatch")
	}
	var other string
	err = tx.queryRow(ctx, "SELECT u.username FROM person_identities p JOIN users u ON u.id = p.user_id WHERE p.id_digest = ? AND p.status = ? AND p.user_id <> ?",
		digest, pubdata.IdentityVerified, userID).Scan(&other)
	if err == nil {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "This resident ID number is already verified for another account (%s).", other).Keyed("error.identity.taken", "User", other)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE person_identities SET status = ?, verified_at = ?, verified_by = ?, verified_org = ?, method = ? WHERE user_id = ?",
		pubdata.IdentityVerified, fmtTime(tx.now), a.Username(), a.OrgCode(), method, userID); err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "This resident ID number is already verified for another account.").Keyed("error.identity.taken", "User", "")
		}
		return nil, err
	}
	p, err := identityIn(ctx, tx.Tx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "identity.verify", Object: "user:" + username, Details: map[string]any{"resident_id": p.Masked, "method": method}}); err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// RevokeIdentity implements pubdata.HolderService.
func (s *CertificateService) RevokeIdentity(ctx context.Context, userID, reason string) (*pubdata.PersonIdentity, error) {
	reason, err := pubdata.ValidateRevokeReason(reason)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := lockedIdentity(ctx, tx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if !p.Verified() {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The identity of %s is not verified: there is no verification to revoke.", p.Username).Keyed("error.identity.not_verified", "Username", p.Username)
	}
	if _, err := tx.exec(ctx, "DELETE FROM person_identities WHERE user_id = ?", userID); err != nil {
		return nil, err
	}
	d := map[string]any{"resident_id": p.Masked, "reason": reason, "verified_by": p.VerifiedBy, "verified_org": p.VerifiedOrg, "method": p.Method}
	if p.VerifiedAt != nil {
		d["verified_at"] = fmtTime(*p.VerifiedAt)
	}
	if err := tx.record(ctx, change{Action: "identity.revoke", Object: "user:" + p.Username, Details: d}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeIdentityRevoked, map[string]string{"reason": reason, "resident_id": p.Masked}, "/account#account-identity", "user:"+p.Username)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{User: p.Username}); err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// WithdrawIdentity implements pubdata.HolderService.
func (s *CertificateService) WithdrawIdentity(ctx context.Context, userID string) (*pubdata.PersonIdentity, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := lockedIdentity(ctx, tx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if p.Verified() {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The account's identity is verified; only a counter can revoke the verification.").Keyed("error.identity.verified_withdraw")
	}
	if _, err := tx.exec(ctx, "DELETE FROM person_identities WHERE user_id = ?", userID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "identity.withdraw", Object: "user:" + p.Username, Details: map[string]any{"resident_id": p.Masked}}); err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// lockedIdentity reads the user's identity inside tx, locking its row.
func lockedIdentity(ctx context.Context, tx *Tx, db *DB, userID string) (*pubdata.PersonIdentity, error) {
	p, err := scanIdentity(tx.queryRow(ctx, "SELECT "+identityColumns+" FROM person_identities p JOIN users u ON u.id = p.user_id WHERE p.user_id = ?"+db.forUpdateOf("p"), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "The account has stated no identity.").Keyed("error.identity.none")
	}
	return p, err
}

// --- consents ---

const consentColumns = "c.id, c.holder_digest, c.holder_masked, c.granted_by, c.org, o.name, c.entry_id, COALESCE(e.title, ''), c.purpose, c.granted_at, c.expires_at, c.withdrawn_at"

const consentFrom = " FROM certificate_consents c JOIN orgs o ON o.code = c.org LEFT JOIN entries e ON e.id = c.entry_id"

func scanConsent(sc scanner) (*pubdata.CertificateConsent, error) {
	var c pubdata.CertificateConsent
	withdrawn := nullTime{}
	if err := sc.Scan(&c.ID, &c.HolderDigest, &c.HolderMasked, &c.GrantedBy, &c.Org, &c.OrgName, &c.Entry, &c.EntryTitle, &c.Purpose,
		timeCol{&c.GrantedAt}, timeCol{&c.ExpiresAt}, &withdrawn); err != nil {
		return nil, err
	}
	c.WithdrawnAt = withdrawn.t
	return &c, nil
}

func consentDetails(c *pubdata.CertificateConsent) map[string]any {
	return map[string]any{"holder": c.HolderMasked, "org": c.Org, "entry": c.Entry, "purpose": c.Purpose, "expires_at": fmtTime(c.ExpiresAt)}
}

// GrantConsent implements pubdata.HolderService. The caller sets HolderDigest,
// HolderMasked, Org, Entry, Purpose and ExpiresAt.
func (s *CertificateService) GrantConsent(ctx context.Context, c *pubdata.CertificateConsent) error {
	if c.HolderDigest == "" || c.HolderMasked == "" {
		return pubdata.Errorf(pubdata.EINVALID, "A consent needs its holder.").Keyed("error.consent.holder")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var kind string
	err = tx.queryRow(ctx, "SELECT kind, name FROM orgs WHERE code = ?", c.Org).Scan(&kind, &c.OrgName)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != string(pubdata.KindPublicBody) && kind != string(pubdata.KindAuthority)) {
		return pubdata.FieldErrorf("org", "%q is not a public body of this platform.", c.Org).Keyed("error.consent.org", "Org", c.Org)
	} else if err != nil {
		return err
	}
	if c.Entry != "" {
		err = tx.queryRow(ctx, "SELECT e.title FROM certificate_registers r JOIN entries e ON e.id = r.entry_id WHERE r.entry_id = ?", c.Entry).Scan(&c.EntryTitle)
		if errors.Is(err, sql.ErrNoRows) {
			return pubdata.FieldErrorf("entry", "Entry %q is not a certificate register.", c.Entry).Keyed("error.certificate.no_register", "Entry", c.Entry)
		} else if err != nil {
			return err
		}
	}
	c.ID, c.GrantedBy, c.GrantedAt, c.WithdrawnAt = newID(), pubdata.ActorFromContext(ctx).Username(), tx.now.Truncate(time.Microsecond), nil
	if _, err := tx.exec(ctx, `INSERT INTO certificate_consents (id, holder_digest, holder_masked, granted_by, org, entry_id, purpose, granted_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.HolderDigest, c.HolderMasked, c.GrantedBy, c.Org, c.Entry, c.Purpose, fmtTime(c.GrantedAt), fmtTime(c.ExpiresAt)); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "certificate.consent", Object: "consent:" + c.ID, Details: consentDetails(c)}); err != nil {
		return err
	}
	return tx.Commit()
}

// WithdrawConsent implements pubdata.HolderService.
func (s *CertificateService) WithdrawConsent(ctx context.Context, holderDigest, id string) (*pubdata.CertificateConsent, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := scanConsent(tx.queryRow(ctx, "SELECT "+consentColumns+consentFrom+" WHERE c.id = ? AND c.holder_digest = ?", id, holderDigest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "You gave no consent %q.", id).Keyed("error.consent.not_found", "ID", id)
	} else if err != nil {
		return nil, err
	}
	if c.WithdrawnAt != nil {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Consent %s is already withdrawn.", id).Keyed("error.consent.withdrawn", "ID", id)
	}
	now := tx.now.Truncate(time.Microsecond)
	if _, err := tx.exec(ctx, "UPDATE certificate_consents SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL", fmtTime(now), id); err != nil {
		return nil, err
	}
	c.WithdrawnAt = &now
	if err := tx.record(ctx, change{Action: "certificate.consent_withdraw", Object: "consent:" + c.ID, Details: consentDetails(c)}); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

func boundLimit(limit int) int {
	if limit <= 0 || limit > 1000 {
		return 1000
	}
	return limit
}

// Consents implements pubdata.HolderService.
func (s *CertificateService) Consents(ctx context.Context, holderDigest string, limit int) ([]*pubdata.CertificateConsent, error) {
	rows, err := s.db.query(ctx, "SELECT "+consentColumns+consentFrom+" WHERE c.holder_digest = ? ORDER BY c.granted_at DESC, c.id DESC LIMIT ?", holderDigest, boundLimit(limit))
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.CertificateConsent, error) { return scanConsent(sc) })
}

// --- uses ---

const useColumns = "u.id, u.certificate_id, c.title, c.number, u.holder_digest, u.org, COALESCE(o.name, ''), u.username, u.purpose, u.basis, u.consent_id, u.legal_basis, u.used_at"

const useFrom = " FROM certificate_uses u JOIN certificates c ON c.id = u.certificate_id LEFT JOIN orgs o ON o.code = u.org"

func scanUse(sc scanner) (*pubdata.CertificateUse, error) {
	var u pubdata.CertificateUse
	if err := sc.Scan(&u.ID, &u.Certificate, &u.Title, &u.Number, &u.HolderDigest, &u.Org, &u.OrgName, &u.Username, &u.Purpose, &u.Basis, &u.ConsentID, &u.LegalBasis, timeCol{&u.At}); err != nil {
		return nil, err
	}
	return &u, nil
}

// RecordCertificateFetch implements pubdata.HolderService.
func (s *CertificateService) RecordCertificateFetch(ctx context.Context, certs []*pubdata.Certificate, u *pubdata.CertificateUse) error {
	if u.Basis != pubdata.BasisConsent && u.Basis != pubdata.BasisLaw {
		return pubdata.Errorf(pubdata.EINVALID, "A certificate is obtained on the holder's consent or a legal basis.").Keyed("error.certificate.fetch.basis")
	}
	if u.Basis == pubdata.BasisLaw && u.LegalBasis == "" {
		return pubdata.FieldErrorf("legal_basis", "A legal basis names the law or regulation and its article (e.g. 《行政许可法》第三十一条).").Keyed("error.certificate.fetch.legal_basis")
	}
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var consents []*pubdata.CertificateConsent
	if u.Basis == pubdata.BasisConsent && len(certs) > 0 {
		rows, err := tx.query(ctx, "SELECT "+consentColumns+consentFrom+" WHERE c.holder_digest = ? AND c.org = ? AND c.withdrawn_at IS NULL ORDER BY c.granted_at DESC",
			certs[0].HolderDigest, u.Org)
		if err != nil {
			return err
		}
		if consents, err = scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.CertificateConsent, error) { return scanConsent(sc) }); err != nil {
			return err
		}
	}
	at := tx.now.Truncate(time.Microsecond)
	for _, c := range certs {
		use := *u
		use.ID, use.Certificate, use.HolderDigest, use.At, use.Username = newID(), c.ID, c.HolderDigest, at, a.Username()
		if use.Basis == pubdata.BasisConsent {
			use.ConsentID, use.LegalBasis = "", ""
			for _, k := range consents {
				if k.HolderDigest == c.HolderDigest && k.Covers(u.Org, c.Entry, tx.now) {
					use.ConsentID = k.ID
					break
				}
			}
			if use.ConsentID == "" {
				return pubdata.Errorf(pubdata.EFORBIDDEN, "The holder has not consented that your body obtain their certificate %s (%s); ask for their consent on their account page, or state the legal basis that lets you obtain it.", c.Number, c.Title).
					Keyed("error.certificate.fetch.no_consent", "Number", c.Number, "Title", c.Title)
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO certificate_uses (id, certificate_id, holder_digest, org, username, purpose, basis, consent_id, legal_basis, used_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, use.ID, use.Certificate, use.HolderDigest, use.Org, use.Username, use.Purpose, use.Basis, use.ConsentID, use.LegalBasis, fmtTime(at)); err != nil {
			return err
		}
		d := certDetails(c)
		d["purpose"], d["basis"] = use.Purpose, use.Basis
		if use.ConsentID != "" {
			d["consent"] = use.ConsentID
		}
		if use.LegalBasis != "" {
			d["legal_basis"] = use.LegalBasis
		}
		if err := tx.record(ctx, change{Action: "certificate.use", Object: "certificate:" + c.ID, Details: d}); err != nil {
			return err
		}
	}
	if u.Basis == pubdata.BasisLaw && !u.FollowUp && len(certs) > 0 {
		if err := tx.notifyLawFetch(ctx, certs, u); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// notifyLawFetch tells the holder that a public body obtained their certificates on a
// legal basis, without their consent: the person whose verified identity the holder is, or
// the admins of the holder company (u.HolderOrg). One notification a fetch, naming the
// body, the purpose, the legal basis and the certificates.
func (tx *Tx) notifyLawFetch(ctx context.Context, certs []*pubdata.Certificate, u *pubdata.CertificateUse) error {
	parties := pubdata.NoticeParties{}
	err := tx.queryRow(ctx, "SELECT u.username FROM person_identities p JOIN users u ON u.id = p.user_id WHERE p.id_digest = ? AND p.status = ?",
		certs[0].HolderDigest, pubdata.IdentityVerified).Scan(&parties.User)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if u.HolderOrg != "" {
		var kind string
		err := tx.queryRow(ctx, "SELECT kind FROM orgs WHERE code = ?", u.HolderOrg).Scan(&kind)
		if err == nil && kind == string(pubdata.KindCompany) {
			parties.Provider = u.HolderOrg
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if parties.User == "" && parties.Provider == "" {
		return nil // the holder has no account here
	}
	var orgName string
	if err := tx.queryRow(ctx, "SELECT name FROM orgs WHERE code = ?", u.Org).Scan(&orgName); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if orgName == "" {
		orgName = u.Org
	}
	titles := make([]string, 0, len(certs))
	for _, c := range certs {
		titles = append(titles, c.Title+" "+c.Number)
	}
	params := map[string]string{"org": orgName, "purpose": u.Purpose, "legal_basis": u.LegalBasis, "count": strconv.Itoa(len(certs)), "certificates": strings.Join(titles, "、")}
	n := pubdata.NewNotification(pubdata.NoticeCertificateLaw, params, "/account#account-uses", "certificate:"+certs[0].ID)
	return tx.notify(ctx, n, parties)
}

// LastCertificateUse implements pubdata.HolderService.
func (s *CertificateService) LastCertificateUse(ctx context.Context, certID, org string, since time.Time) (*pubdata.CertificateUse, error) {
	u, err := scanUse(s.db.queryRow(ctx, "SELECT "+useColumns+useFrom+" WHERE u.certificate_id = ? AND u.org = ? AND u.used_at >= ? ORDER BY u.used_at DESC LIMIT 1",
		certID, org, fmtTime(since)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Certificate %q was not obtained by your body.", certID).Keyed("error.certificate.not_found", "ID", certID)
	}
	return u, err
}

// CertificateUses implements pubdata.HolderService.
func (s *CertificateService) CertificateUses(ctx context.Context, holderDigest string, limit int) ([]*pubdata.CertificateUse, error) {
	rows, err := s.db.query(ctx, "SELECT "+useColumns+useFrom+" WHERE u.holder_digest = ? ORDER BY u.used_at DESC, u.id DESC LIMIT ?", holderDigest, boundLimit(limit))
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.CertificateUse, error) { return scanUse(sc) })
}
