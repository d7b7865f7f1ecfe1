package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// The keyring and electronic certificates (issue 14, migration 0032).

var (
	_ pubdata.SigningKeyService  = (*CertificateService)(nil)
	_ pubdata.CertificateService = (*CertificateService)(nil)
)

// CertificateService implements pubdata.SigningKeyService and pubdata.CertificateService.
type CertificateService struct{ db *DB }

// NewCertificateService returns the keyring and the certificate registers on db.
func NewCertificateService(db *DB) *CertificateService { return &CertificateService{db: db} }

const signingKeyColumns = "id, kind, subject, issuer, cert_pem, public_key, sealed_key, not_before, not_after, status, revoked_at, revoke_reason, created_at"

func scanSigningKey(sc scanner) (*pubdata.SigningKey, error) {
	var k pubdata.SigningKey
	revoked := nullTime{}
	if err := sc.Scan(&k.ID, &k.Kind, &k.Subject, &k.Issuer, &k.CertPEM, &k.PublicKey, &k.SealedKey, timeCol{&k.NotBefore}, timeCol{&k.NotAfter},
		&k.Status, &revoked, &k.RevokeReason, timeCol{&k.CreatedAt}); err != nil {
		return nil, err
	}
	k.RevokedAt = revoked.t
	return &k, nil
}

// SigningKeys implements pubdata.SigningKeyService.
func (s *CertificateService) SigningKeys(ctx context.Context) ([]*pubdata.SigningKey, error) {
	rows, err := s.db.query(ctx, "SELECT "+signingKeyColumns+" FROM signing_keys ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.SigningKey, error) { return scanSigningKey(sc) })
}

func keyDetails(k *pubdata.SigningKey) map[string]any {
	return map[string]any{"kind": k.Kind, "subject": k.Subject, "issuer": k.Issuer, "status": k.Status,
		"not_before": fmtTime(k.NotBefore), "not_after": fmtTime(k.NotAfter), "public_key": k.PublicKey}
}

// AddSigningKey implements pubdata.SigningKeyService.
func (s *CertificateService) AddSigningKey(ctx context.Context, k *pubdata.SigningKey, replace bool) error {
	if k.ID == "" || k.PublicKey == "" || (k.Kind != pubdata.KeyKindCA && k.Kind != pubdata.KeyKindSigning && k.Kind != pubdata.KeyKindLegacy) {
		return pubdata.Errorf(pubdata.EINVALID, "A signing key needs an id, a kind and a public key.").Keyed("error.key.invalid")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	k.CreatedAt = tx.now.Truncate(time.Microsecond)
	if k.Status == "" {
		k.Status = pubdata.KeyActive
	}
	if replace && k.Status == pubdata.KeyActive && k.Kind != pubdata.KeyKindLegacy {
		if _, err := tx.exec(ctx, "UPDATE signing_keys SET status = ? WHERE kind = ? AND status = ?", pubdata.KeyRetired, k.Kind, pubdata.KeyActive); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "INSERT INTO signing_keys ("+signingKeyColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.Kind, k.Subject, k.Issuer, k.CertPEM, k.PublicKey, k.SealedKey, fmtTime(k.NotBefore), fmtTime(k.NotAfter), k.Status,
		optTime(k.RevokedAt), k.RevokeReason, fmtTime(k.CreatedAt)); err != nil {
		if isUniqueViolation(err) {
			return pubdata.Errorf(pubdata.ECONFLICT, "Signing key %s exists, or another %s key is active.", k.ID, k.Kind).Keyed("error.key.exists", "ID", k.ID)
		}
		return err
	}
	if err := tx.record(ctx, change{Action: "key.create", Object: "key:" + k.ID, Details: keyDetails(k)}); err != nil {
		return err
	}
	return tx.Commit()
}

// RevokeSigningKey implements pubdata.SigningKeyService.
func (s *CertificateService) RevokeSigningKey(ctx context.Context, id, reason string) (*pubdata.SigningKey, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	k, err := scanSigningKey(tx.queryRow(ctx, "SELECT "+signingKeyColumns+" FROM signing_keys WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Signing key %q not found.", id).Keyed("error.key.not_found", "ID", id)
	} else if err != nil {
		return nil, err
	}
	if k.Status == pubdata.KeyRevoked {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Signing key %s is already revoked.", id).Keyed("error.key.revoked", "ID", id)
	}
	now := tx.now.Truncate(time.Microsecond)
	k.Status, k.RevokedAt, k.RevokeReason = pubdata.KeyRevoked, &now, strings.TrimSpace(reason)
	if _, err := tx.exec(ctx, "UPDATE signing_keys SET status = ?, revoked_at = ?, revoke_reason = ? WHERE id = ?", k.Status, fmtTime(now), k.RevokeReason, id); err != nil {
		return nil, err
	}
	d := keyDetails(k)
	d["reason"] = k.RevokeReason
	if err := tx.record(ctx, change{Action: "key.revoke", Object: "key:" + k.ID, Details: d}); err != nil {
		return nil, err
	}
	return k, tx.Commit()
}

// --- registers ---

// SetRegister implements pubdata.CertificateService.
func (s *CertificateService) SetRegister(ctx context.Context, r *pubdata.CertificateRegister) error {
	if !pubdata.ValidRegisterKind(r.Kind) {
		return pubdata.FieldErrorf("kind", "kind must be licence, permit or qualification.").Keyed("error.certificate.kind")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var org, division string
	err = tx.queryRow(ctx, "SELECT org, division FROM entries WHERE id = ?", r.Entry).Scan(&org, &division)
	if errors.Is(err, sql.ErrNoRows) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q not found.", r.Entry).Keyed("error.entry.not_found", "ID", r.Entry)
	} else if err != nil {
		return err
	}
	r.Org, r.CreatedAt = org, tx.now.Truncate(time.Microsecond)
	res, err := tx.exec(ctx, "UPDATE certificate_registers SET kind = ? WHERE entry_id = ?", r.Kind, r.Entry)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.exec(ctx, "INSERT INTO certificate_registers (entry_id, org, kind, created_at) VALUES (?, ?, ?, ?)", r.Entry, org, r.Kind, fmtTime(r.CreatedAt)); err != nil {
			return err
		}
	}
	if err := tx.record(ctx, change{Org: org, Division: division, Action: "certificate.register", Object: "entry:" + r.Entry, Details: map[string]any{"kind": r.Kind}}); err != nil {
		return err
	}
	return tx.Commit()
}

// Register implements pubdata.CertificateService.
func (s *CertificateService) Register(ctx context.Context, entry string) (*pubdata.CertificateRegister, error) {
	r := &pubdata.CertificateRegister{}
	err := s.db.queryRow(ctx, "SELECT entry_id, org, kind, created_at FROM certificate_registers WHERE entry_id = ?", entry).Scan(&r.Entry, &r.Org, &r.Kind, timeCol{&r.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not a certificate register.", entry).Keyed("error.certificate.no_register", "Entry", entry)
	}
	return r, err
}

// --- certificates ---

const certColumns = `c.id, c.entry_id, e.title, c.org, o.name, r.kind, c.number, c.title, c.holder_name, c.holder_digest, c.holder_masked, c.fields,
	c.valid_from, c.valid_until, c.signed, c.pdf, c.pdf_signature, c.digest, c.pdf_digest, c.status, c.issued_at, c.issued_by, c.revoked_at, c.revoke_reason`

const certFrom = ` FROM certificates c JOIN certificate_registers r ON r.entry_id = c.entry_id JOIN entries e ON e.id = c.entry_id JOIN orgs o ON o.code = c.org`

func scanCertificate(sc scanner) (*pubdata.Certificate, error) {
	var c pubdata.Certificate
	var fields, pdf, sig string
	revoked := nullTime{}
	if err := sc.Scan(&c.ID, &c.Entry, &c.EntryTitle, &c.Org, &c.OrgName, &c.Kind, &c.Number, &c.Title, &c.HolderName, &c.HolderDigest, &c.HolderMasked, &fields,
		&c.ValidFrom, &c.ValidUntil, &c.Signed, &pdf, &sig, &c.Digest, &c.PDFDigest, &c.Status, timeCol{&c.IssuedAt}, &c.IssuedBy, &revoked, &c.RevokeReason); err != nil {
		return nil, err
	}
	c.RevokedAt = revoked.t
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		return nil, fmt.Errorf("certificate %s fields: %w", c.ID, err)
	}
	var err error
	if c.PDF, err = base64.StdEncoding.DecodeString(pdf); err != nil {
		return nil, fmt.Errorf("certificate %s pdf: %w", c.ID, err)
	}
	if c.PDFSignature, err = base64.StdEncoding.DecodeString(sig); err != nil {
		return nil, fmt.Errorf("certificate %s pdf signature: %w", c.ID, err)
	}
	return &c, nil
}

func notFoundCertificate(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Certificate %q not found.", id).Keyed("error.certificate.not_found", "ID", id)
}

func certDetails(c *pubdata.Certificate) map[string]any {
	return map[string]any{"entry": c.Entry, "number": c.Number, "holder": c.HolderMasked, "digest": c.Digest, "pdf_digest": c.PDFDigest, "status": c.Status}
}

// IssueCertificate implements pubdata.CertificateService. The caller has made the id, the
// signed document and the PDF.
func (s *CertificateService) IssueCertificate(ctx context.Context, c *pubdata.Certificate) error {
	if c.ID == "" || c.Signed == "" || len(c.PDF) == 0 || c.HolderDigest == "" {
		return pubdata.Errorf(pubdata.EINVALID, "A certificate needs its id, signed document, PDF and holder.").Keyed("error.certificate.incomplete")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var org, division string
	err = tx.queryRow(ctx, "SELECT r.org, e.division FROM certificate_registers r JOIN entries e ON e.id = r.entry_id WHERE r.entry_id = ?", c.Entry).Scan(&org, &division)
	if errors.Is(err, sql.ErrNoRows) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not a certificate register.", c.Entry).Keyed("error.certificate.no_register", "Entry", c.Entry)
	} else if err != nil {
		return err
	}
	c.Org, c.Status = org, pubdata.CertValid
	if c.IssuedAt.IsZero() {
		c.IssuedAt = tx.now.Truncate(time.Microsecond)
	}
	fields, err := json.Marshal(c.Fields)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO certificates (id, entry_id, org, number, title, holder_name, holder_digest, holder_masked, fields, valid_from, valid_until,
		signed, pdf, pdf_signature, digest, pdf_digest, status, issued_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Entry, c.Org, c.Number, c.Title, c.HolderName, c.HolderDigest, c.HolderMasked, string(fields), c.ValidFrom, c.ValidUntil,
		c.Signed, base64.StdEncoding.EncodeToString(c.PDF), base64.StdEncoding.EncodeToString(c.PDFSignature), c.Digest, c.PDFDigest, c.Status,
		fmtTime(c.IssuedAt), c.IssuedBy); err != nil {
		if isUniqueViolation(err) {
			return pubdata.FieldErrorf("number", "Certificate number %s is already issued in this register.", c.Number).Keyed("error.certificate.number_taken", "Number", c.Number)
		}
		return err
	}
	if err := tx.record(ctx, change{Org: org, Division: division, Action: "certificate.issue", Object: "certificate:" + c.ID, Details: certDetails(c)}); err != nil {
		return err
	}
	return tx.Commit()
}

// Certificate implements pubdata.CertificateService.
func (s *CertificateService) Certificate(ctx context.Context, id string) (*pubdata.Certificate, error) {
	c, err := scanCertificate(s.db.queryRow(ctx, "SELECT "+certColumns+certFrom+" WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundCertificate(id)
	}
	return c, err
}

// CertificateByPDF implements pubdata.CertificateService.
func (s *CertificateService) CertificateByPDF(ctx context.Context, digest string) (*pubdata.Certificate, error) {
	c, err := scanCertificate(s.db.queryRow(ctx, "SELECT "+certColumns+certFrom+" WHERE c.pdf_digest = ? ORDER BY c.issued_at DESC LIMIT 1", digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundCertificate(digest)
	}
	return c, err
}

func (s *CertificateService) certificates(ctx context.Context, where string, arg any, limit int) ([]*pubdata.Certificate, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.query(ctx, "SELECT "+certColumns+certFrom+" WHERE "+where+" ORDER BY c.issued_at DESC, c.id DESC LIMIT ?", arg, limit)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.Certificate, error) { return scanCertificate(sc) })
}

// HolderCertificates implements pubdata.CertificateService.
func (s *CertificateService) HolderCertificates(ctx context.Context, holderDigest string, limit int) ([]*pubdata.Certificate, error) {
	return s.certificates(ctx, "c.holder_digest = ?", holderDigest, limit)
}

// EntryCertificates implements pubdata.CertificateService.
func (s *CertificateService) EntryCertificates(ctx context.Context, entry string, limit int) ([]*pubdata.Certificate, error) {
	return s.certificates(ctx, "c.entry_id = ?", entry, limit)
}

// RevokeCertificate implements pubdata.CertificateService.
func (s *CertificateService) RevokeCertificate(ctx context.Context, id, reason string) (*pubdata.Certificate, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var status, division string
	err = tx.queryRow(ctx, "SELECT c.status, e.division FROM certificates c JOIN entries e ON e.id = c.entry_id WHERE c.id = ?", id).Scan(&status, &division)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundCertificate(id)
	} else if err != nil {
		return nil, err
	}
	if status == pubdata.CertRevoked {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Certificate %s is already revoked.", id).Keyed("error.certificate.revoked", "ID", id)
	}
	now := tx.now.Truncate(time.Microsecond)
	reason = strings.TrimSpace(reason)
	if _, err := tx.exec(ctx, "UPDATE certificates SET status = ?, revoked_at = ?, revoke_reason = ? WHERE id = ? AND status = ?",
		pubdata.CertRevoked, fmtTime(now), reason, id, pubdata.CertValid); err != nil {
		return nil, err
	}
	c, err := scanCertificate(tx.queryRow(ctx, "SELECT "+certColumns+certFrom+" WHERE c.id = ?", id))
	if err != nil {
		return nil, err
	}
	d := certDetails(c)
	d["reason"] = reason
	if err := tx.record(ctx, change{Org: c.Org, Division: division, Action: "certificate.revoke", Object: "certificate:" + id, Details: d}); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

// RecordCertificateUse implements pubdata.CertificateService.
func (s *CertificateService) RecordCertificateUse(ctx context.Context, c *pubdata.Certificate, action string) error {
	if action != "certificate.check" && action != "certificate.use" {
		return fmt.Errorf("certificate: unknown use %q", action)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	d := certDetails(c)
	if err := tx.record(ctx, change{Action: action, Object: "certificate:" + c.ID, Details: d}); err != nil {
		return err
	}
	return tx.Commit()
}
