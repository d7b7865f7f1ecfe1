package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/lib/password"
)

var (
	_ pubdata.AccountService     = (*AccountService)(nil)
	_ pubdata.NotificationOutbox = (*AccountService)(nil)
)

// AccountService implements pubdata.AccountService and pubdata.NotificationOutbox.
type AccountService struct {
	db        *DB
	divisions *division.Table
}

// NewAccountService returns the account service; divisions is the code list a company's
// division is checked against.
func NewAccountService(db *DB, divisions *division.Table) *AccountService {
	return &AccountService{db: db, divisions: divisions}
}

// Account token purposes.
const (
	purposeVerifyEmail   = "verify_email"
	purposeResetPassword = "reset_password"
)

// accountTokenPrefix starts the secrets of account tokens (in mailed links).
const accountTokenPrefix = "pda_"

// Register implements pubdata.AccountService.
func (s *AccountService) Register(ctx context.Context, r *pubdata.Registration) (*pubdata.User, error) {
	err := pubdata.ValidateRegistration(r)
	var org *pubdata.Org
	if r.Company && r.USCC != "" {
		if e := ident.USCC(r.USCC); e != nil {
			problem := pubdata.NewMessage("error.sentence", "Text", e.Error())
			if ie := (*ident.Error)(nil); errors.As(e, &ie) && ie.Key != "" {
				problem = &pubdata.Message{Key: ie.Key, Args: ie.Args}
			}
			err = pubdata.WithFieldError(err, pubdata.FieldErrorf("uscc", "Unified social credit code %q: %s.", r.USCC, e.Error()).
				Keyed("error.account.uscc.invalid", "Value", r.USCC, "Problem", problem))

		} else {
			div := r.Division
			if div == "" {
				if _, ok := s.divisions.Lookup(r.USCC[2:8]); ok {
					div = r.USCC[2:8]
				}
			}
			switch {
			case div == "":
				err = pubdata.WithFieldError(err, pubdata.FieldErrorf("division", "The division of code %s is not in GB/T 2260; give the company's division code.", r.USCC[2:8]).Keyed("error.account.division.of_uscc", "Division", r.USCC[2:8]))
			case s.divisions.Check(div) != nil && pubdata.ValidDivisionSyntax(div):
				err = pubdata.WithFieldError(err, pubdata.FieldErrorf("division", "Division code %q is not in GB/T 2260.", div).Keyed("error.division.unknown", "Division", div))
			}
			org = &pubdata.Org{Code: r.USCC, Name: r.CompanyName, Kind: pubdata.KindCompany, Division: div}
		}
	}
	if err != nil {
		return nil, err
	}
	hash, err := password.Hash(r.Password)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u := &pubdata.User{ID: newID(), Username: r.Username, DisplayName: r.DisplayName, CreatedAt: tx.now, UpdatedAt: tx.now}
	c := change{Actor: u.Username, Action: "user.register", Object: "user:" + u.Username,
		Details: map[string]any{"username": u.Username, "kind": "person", "email_given": r.Email != "", "phone_given": r.Phone != ""}}
	if org != nil {
		u.OrgCode, u.Role = org.Code, pubdata.RoleAdmin
		c.Org, c.Division = org.Code, org.Division
		c.Details["kind"], c.Details["org"] = "company", org.Code
		_, err := tx.exec(ctx, "INSERT INTO orgs (id, code, name, kind, division, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			newID(), org.Code, org.Name, string(org.Kind), org.Division, fmtTime(tx.now), fmtTime(tx.now))
		if isUniqueViolation(err) {
			return nil, (&pubdata.Error{Code: pubdata.ECONFLICT, Field: "uscc", Message: fmt.Sprintf("A company with the unified social credit code %s is already registered.", org.Code)}).
				Keyed("error.account.uscc.taken", "Value", org.Code)
		} else if err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Actor: u.Username, Org: org.Code, Division: org.Division, Action: "org.create", Object: "org:" + org.Code,
			Details: map[string]any{"code": org.Code, "name": org.Name, "kind": org.Kind, "division": org.Division, "self_registered": true}}); err != nil {
			return nil, err
		}
	}
	_, err = tx.exec(ctx, "INSERT INTO users (id, username, display_name, password_hash, org, role, email, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Username, u.DisplayName, hash, nullString(u.OrgCode), string(u.Role), r.Email, r.Phone, fmtTime(tx.now), fmtTime(tx.now))
	if isUniqueViolation(err) {
		return nil, (&pubdata.Error{Code: pubdata.ECONFLICT, Field: "username", Message: fmt.Sprintf("Username %q is already taken.", u.Username)}).
			Keyed("error.user.username.taken", "Username", u.Username)
	} else if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, c); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

func scanAccount(sc interface{ Scan(...any) error }) (*pubdata.Account, error) {
	var a pubdata.Account
	var ev, pv nullTime
	err := sc.Scan(&a.UserID, &a.Username, &a.Email, &ev, &a.Phone, &pv)
	a.EmailVerifiedAt, a.PhoneVerifiedAt = ev.t, pv.t
	return &a, err
}

const accountColumns = "id, username, email, email_verified_at, phone, phone_verified_at"

// FindAccount implements pubdata.AccountService.
func (s *AccountService) FindAccount(ctx context.Context, userID string) (*pubdata.Account, error) {
	a, err := scanAccount(s.db.queryRow(ctx, "SELECT "+accountColumns+" FROM users WHERE id = ?", userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "User not found.").Keyed("error.user.not_found")
	}
	return a, err
}

// SetContact implements pubdata.AccountService.
func (s *AccountService) SetContact(ctx context.Context, userID, email, phone string) (*pubdata.Account, error) {
	email, phone = pubdata.NormalizeEmail(email), strings.TrimSpace(phone)
	var err error
	err = pubdata.WithFieldError(err, pubdata.ValidateEmail(email))
	err = pubdata.WithFieldError(err, pubdata.ValidatePhone(phone))
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := scanAccount(tx.queryRow(ctx, "SELECT "+accountColumns+" FROM users WHERE id = ?"+s.db.forUpdate(), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "User not found.").Keyed("error.user.not_found")
	} else if err != nil {
		return nil, err
	}
	if old.Email == email && old.Phone == phone {
		return old, nil
	}
	q := "UPDATE users SET updated_at = ?"
	args := []any{fmtTime(tx.now)}
	if old.Email != email {
		q, args = q+", email = ?, email_verified_at = NULL", append(args, email)
	}
	if old.Phone != phone {
		q, args = q+", phone = ?, phone_verified_at = NULL", append(args, phone)
	}
	if _, err := tx.exec(ctx, q+" WHERE id = ?", append(args, userID)...); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "user.contact", Object: "user:" + old.Username,
		Details: map[string]any{"email_changed": old.Email != email, "phone_changed": old.Phone != phone}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindAccount(ctx, userID)
}

// issue writes a new account token of the purpose for the user and address, ending the
// user's unused ones of that purpose; it returns the secret.
func (tx *Tx) issueAccountToken(ctx context.Context, userID, purpose, email string, life time.Duration) (string, error) {
	if _, err := tx.exec(ctx, "UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL", fmtTime(tx.now), userID, purpose); err != nil {
		return "", err
	}
	sec, hash := secret(accountTokenPrefix)
	_, err := tx.exec(ctx, "INSERT INTO account_tokens (hash, user_id, purpose, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		hash, userID, purpose, email, fmtTime(tx.now), fmtTime(tx.now.Add(life)))
	return sec, err
}

// IssueEmailVerification implements pubdata.AccountService.
func (s *AccountService) IssueEmailVerification(ctx context.Context, userID string) (string, string, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", "", err
	}
	defer tx.Rollback()
	a, err := scanAccount(tx.queryRow(ctx, "SELECT "+accountColumns+" FROM users WHERE id = ?", userID))
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", pubdata.Errorf(pubdata.ENOTFOUND, "User not found.").Keyed("error.user.not_found")
	} else if err != nil {
		return "", "", err
	}
	switch {
	case a.Email == "":
		return "", "", pubdata.FieldErrorf("email", "The account has no e-mail address to verify.").Keyed("error.account.email.none")
	case a.EmailVerifiedAt != nil:
		return "", "", pubdata.FieldErrorf("email", "The e-mail address is already verified.").Keyed("error.account.email.verified")
	}
	sec, err := tx.issueAccountToken(ctx, userID, purposeVerifyEmail, a.Email, pubdata.EmailVerificationLifetime)
	if err != nil {
		return "", "", err
	}
	if err := tx.record(ctx, change{Actor: a.Username, Action: "user.email_verification", Object: "user:" + a.Username,
		Details: map[string]any{"expires_at": fmtTime(tx.now.Add(pubdata.EmailVerificationLifetime))}}); err != nil {
		return "", "", err
	}
	return a.Email, sec, tx.Commit()
}

// spend claims a live account token of the purpose: it returns the user id and the address
// it was sent to, and marks it used.
func (tx *Tx) spendAccountToken(ctx context.Context, sec, purpose string) (string, string, error) {
	bad := (&pubdata.Error{Code: pubdata.EINVALID, Field: "token", Message: "The link is not valid: it was already used, has expired or was replaced by a newer one."}).
		Keyed("error.account.link.invalid")
	if !strings.HasPrefix(sec, accountTokenPrefix) {
		return "", "", bad
	}
	var userID, email string
	var exp time.Time
	var used nullTime
	err := tx.queryRow(ctx, "SELECT user_id, email, expires_at, used_at FROM account_tokens WHERE hash = ? AND purpose = ?"+tx.db.forUpdate(), hashSecret(sec), purpose).
		Scan(&userID, &email, timeCol{&exp}, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.t != nil || !tx.now.Before(exp))) {
		return "", "", bad
	} else if err != nil {
		return "", "", err
	}
	res, err := tx.exec(ctx, "UPDATE account_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL", fmtTime(tx.now), hashSecret(sec))
	if err != nil {
		return "", "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", "", bad
	}
	return userID, email, nil
}

// VerifyEmail implements pubdata.AccountService.
func (s *AccountService) VerifyEmail(ctx context.Context, sec string) (*pubdata.User, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	userID, email, err := tx.spendAccountToken(ctx, sec, purposeVerifyEmail)
	if err != nil {
		return nil, err
	}
	res, err := tx.exec(ctx, "UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ? AND email = ?", fmtTime(tx.now), fmtTime(tx.now), userID, email)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, (&pubdata.Error{Code: pubdata.EINVALID, Field: "token", Message: "The link is for an e-mail address the account no longer has."}).Keyed("error.account.link.old_email")
	}
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", userID))
	if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Actor: u.Username, Action: "user.email_verified", Object: "user:" + u.Username}); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// IssuePasswordReset implements pubdata.AccountService.
func (s *AccountService) IssuePasswordReset(ctx context.Context, login string) (string, string, error) {
	login = strings.TrimSpace(login)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", "", err
	}
	defer tx.Rollback()
	var a *pubdata.Account
	if login != "" {
		a, err = scanAccount(tx.queryRow(ctx, "SELECT "+accountColumns+" FROM users WHERE username = ?", login))
		if errors.Is(err, sql.ErrNoRows) && strings.Contains(login, "@") {
			// By address: only a verified one, and only when exactly one account has it.
			rows, qerr := tx.query(ctx, "SELECT "+accountColumns+" FROM users WHERE email = ? AND email_verified_at IS NOT NULL", pubdata.NormalizeEmail(login))
			if qerr != nil {
				return "", "", qerr
			}
			found, qerr := scanRows(rows, scanAccount)
			if qerr != nil {
				return "", "", qerr
			}
			if len(found) == 1 {
				a, err = found[0], nil
			}
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", "", err
		}
	}
	c := change{Action: "user.password_reset_request", Object: "user:" + login, Details: map[string]any{"known_user": a != nil && err == nil}}
	email, sec := "", ""
	if a != nil && err == nil {
		c.Actor, c.Object = a.Username, "user:"+a.Username
		c.Details["verified_email"] = a.EmailVerifiedAt != nil
		if a.EmailVerifiedAt != nil && a.Email != "" {
			if sec, err = tx.issueAccountToken(ctx, a.UserID, purposeResetPassword, a.Email, pubdata.PasswordResetLifetime); err != nil {
				return "", "", err
			}
			email = a.Email
		}
	}
	if len(c.Object) > 200 {
		c.Object = c.Object[:200]
	}
	if err := tx.record(ctx, c); err != nil {
		return "", "", err
	}
	return email, sec, tx.Commit()
}

// ResetPassword implements pubdata.AccountService.
func (s *AccountService) ResetPassword(ctx context.Context, sec, newPassword string) (*pubdata.User, error) {
	probe := pubdata.UserCreate{Username: "xx", Password: newPassword}
	if err := pubdata.ValidateUserCreate(&probe); err != nil {
		return nil, err
	}
	hash, err := password.Hash(newPassword)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	userID, email, err := tx.spendAccountToken(ctx, sec, purposeResetPassword)
	if err != nil {
		return nil, err
	}
	res, err := tx.exec(ctx, "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ? AND email = ? AND email_verified_at IS NOT NULL",
		hash, fmtTime(tx.now), userID, email)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, (&pubdata.Error{Code: pubdata.EINVALID, Field: "token", Message: "The link is for an e-mail address the account no longer has."}).Keyed("error.account.link.old_email")
	}
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return nil, err
	}
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", userID))
	if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Actor: u.Username, Action: "user.password_reset", Object: "user:" + u.Username}); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// RecordTokenUsage implements pubdata.AccountService: one UPDATE per token, in one
// transaction, in token order (so that two servers' flushes do not deadlock).
func (s *AccountService) RecordTokenUsage(ctx context.Context, usage map[string]pubdata.TokenUsage) error {
	if len(usage) == 0 {
		return nil
	}
	ids := make([]string, 0, len(usage))
	for id := range usage {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range ids {
		u := usage[id]
		last := fmtTime(u.LastUsed)
		if _, err := tx.exec(ctx, "UPDATE tokens SET requests = requests + ?, last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END WHERE id = ?",
			u.Requests, last, last, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// --- the notifications' e-mail outbox ---

// outboxWindow is how old a notification may be and still be mailed: a platform that turns
// e-mail on does not mail its backlog.
const outboxWindow = 48 * time.Hour

// ClaimNotifications implements pubdata.NotificationOutbox. The claim is one UPDATE whose
// conditions are rechecked on the rows it changes, so two servers never hold one
// notification at the same time.
func (s *AccountService) ClaimNotifications(ctx context.Context, limit int, lease time.Duration) ([]*pubdata.OutgoingNotification, error) {
	now := s.db.Now().UTC()
	claim := newID()
	free := "mailed_at IS NULL AND mail_attempts < ? AND (mail_claimed_until IS NULL OR mail_claimed_until < ?) AND created_at > ?"
	args := []any{pubdata.MaxMailAttempts, fmtTime(now), fmtTime(now.Add(-outboxWindow))}
	q := "UPDATE notifications SET mail_claim = ?, mail_claimed_until = ? WHERE " + free +
		" AND id IN (SELECT id FROM notifications WHERE " + free + " ORDER BY created_at, id LIMIT ?)"
	all := append(append(append([]any{claim, fmtTime(now.Add(lease))}, args...), args...), limit)
	if err := s.db.Exec(ctx, q, all...); err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	rows, err := s.db.query(ctx, "SELECT id, username, org, role, nkey, params, link, object, created_at FROM notifications WHERE mail_claim = ? ORDER BY created_at, id", claim)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.OutgoingNotification, error) {
		n := &pubdata.OutgoingNotification{Claim: claim}
		var params string
		if err := sc.Scan(&n.ID, &n.User, &n.Org, &n.Role, &n.Key, &params, &n.Link, &n.Object, timeCol{&n.CreatedAt}); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(params), &n.Params); err != nil {
			return nil, fmt.Errorf("notification %s params: %w", n.ID, err)
		}
		return n, nil
	})
	if err != nil {
		return nil, err
	}
	for _, n := range out {
		q, args := "SELECT email FROM users WHERE username = ?", []any{n.User}
		if n.User == "" {
			q, args = "SELECT email FROM users WHERE org = ? AND (? = '' OR role = ?)", []any{n.Org, string(n.Role), string(n.Role)}
		}
		rows, err := s.db.query(ctx, q+" AND email <> '' AND email_verified_at IS NOT NULL ORDER BY email", args...)
		if err != nil {
			return nil, err
		}
		to, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
			var e string
			return e, sc.Scan(&e)
		})
		if err != nil {
			return nil, err
		}
		n.To = to
	}
	return out, nil
}

// MarkNotificationMailed implements pubdata.NotificationOutbox. Mailing is delivery, not a
// change of the record: it writes no audit event.
func (s *AccountService) MarkNotificationMailed(ctx context.Context, n *pubdata.OutgoingNotification) error {
	return s.db.Exec(ctx, "UPDATE notifications SET mailed_at = ?, mail_claimed_until = NULL WHERE id = ? AND mail_claim = ?", fmtTime(s.db.Now()), n.ID, n.Claim)
}

// NotificationMailFailed implements pubdata.NotificationOutbox.
func (s *AccountService) NotificationMailFailed(ctx context.Context, n *pubdata.OutgoingNotification, retry time.Duration) error {
	return s.db.Exec(ctx, "UPDATE notifications SET mail_attempts = mail_attempts + 1, mail_claimed_until = ? WHERE id = ? AND mail_claim = ?",
		fmtTime(s.db.Now().Add(retry)), n.ID, n.Claim)
}
