package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

var _ pubdata.TokenService = (*TokenService)(nil)

// TokenService implements pubdata.TokenService: API tokens and web sessions, both kept only
// as SHA-256 hashes of their random 256-bit secrets.
type TokenService struct{ db *DB }

// NewTokenService returns the token and session service.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

// TokenPrefix starts every API token, so that leaked tokens are easy to search for.
const TokenPrefix = "pdt_"

// lastUsedResolution is how stale last_used_at may get before a use rewrites it, so that
// a busy token does not write on every request.
const lastUsedResolution = time.Minute

// CreateToken implements pubdata.TokenService.
func (s *TokenService) CreateToken(ctx context.Context, userID, name string, expires time.Duration) (*pubdata.Token, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case expires == 0:
		expires = pubdata.DefaultTokenExpiry
	case expires < time.Minute:
		return nil, "", pubdata.Errorf(pubdata.EINVALID, "Token expiry must be at least one minute.").Keyed("error.token.expiry.min")
	case expires > pubdata.MaxTokenExpiry:
		return nil, "", pubdata.Errorf(pubdata.EINVALID, "Token expiry must be at most %d days.", int(pubdata.MaxTokenExpiry.Hours()/24)).Keyed("error.token.expiry.max", "Days", int(pubdata.MaxTokenExpiry.Hours()/24))
	}
	if len([]rune(name)) > 100 {
		return nil, "", pubdata.Errorf(pubdata.EINVALID, "Token name must be at most 100 characters.").Keyed("error.token.name.too_long")
	}
	if name == "" {
		name = "token"
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	var username string
	if err := tx.queryRow(ctx, "SELECT username FROM users WHERE id = ?", userID).Scan(&username); errors.Is(err, sql.ErrNoRows) {
		return nil, "", pubdata.Errorf(pubdata.ENOTFOUND, "User not found.").Keyed("error.user.not_found")
	} else if err != nil {
		return nil, "", err
	}
	sec, hash := secret(TokenPrefix)
	exp := tx.now.Add(expires)
	t := &pubdata.Token{ID: newID(), UserID: userID, Name: name, Prefix: sec[:len(TokenPrefix)+6], CreatedAt: tx.now, ExpiresAt: &exp}
	if _, err := tx.exec(ctx, "INSERT INTO tokens (id, user_id, name, prefix, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		t.ID, t.UserID, t.Name, t.Prefix, hash, fmtTime(tx.now), fmtTime(exp)); err != nil {
		return nil, "", err
	}
	if err := tx.record(ctx, change{Action: "token.create", Object: "token:" + t.ID,
		Details: map[string]any{"user": username, "name": t.Name, "prefix": t.Prefix, "expires_at": fmtTime(exp)}}); err != nil {
		return nil, "", err
	}
	return t, sec, tx.Commit()
}

const tokenColumns = "id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at, requests"

func scanToken(s interface{ Scan(...any) error }) (*pubdata.Token, error) {
	var t pubdata.Token
	var exp, used, rev nullTime
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, &exp, &used, &rev, &t.Requests)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = exp.t, used.t, rev.t
	return &t, err
}

// FindTokens implements pubdata.TokenService.
func (s *TokenService) FindTokens(ctx context.Context, userID string) ([]*pubdata.Token, error) {
	rows, err := s.db.query(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC", userID)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanToken)
}

// RevokeToken implements pubdata.TokenService.
func (s *TokenService) RevokeToken(ctx context.Context, userID, tokenID string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.revokeToken(ctx, userID, tokenID); err != nil {
		return err
	}
	return tx.Commit()
}

// revokeToken revokes the token inside tx (of the user, or of anyone when userID is ""),
// recording "token.revoke"; it reports whether it changed anything.
func (tx *Tx) revokeToken(ctx context.Context, userID, tokenID string) (bool, error) {
	t, err := scanToken(tx.queryRow(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE id = ? AND (user_id = ? OR ? = '')", tokenID, userID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return false, pubdata.Errorf(pubdata.ENOTFOUND, "Token %q not found.", tokenID).Keyed("error.token.not_found", "ID", tokenID)
	} else if err != nil {
		return false, err
	}
	if t.RevokedAt != nil {
		return false, nil // already revoked: nothing changes, nothing to record
	}
	if _, err := tx.exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ?", fmtTime(tx.now), tokenID); err != nil {
		return false, err
	}
	return true, tx.record(ctx, change{Action: "token.revoke", Object: "token:" + tokenID, Details: map[string]any{"prefix": t.Prefix}})
}

// AuthenticateToken implements pubdata.TokenService.
func (s *TokenService) AuthenticateToken(ctx context.Context, sec string) (*pubdata.Actor, error) {
	bad := pubdata.Errorf(pubdata.EUNAUTHORIZED, "The API token is not valid, has expired or was revoked.").Keyed("error.token.invalid")
	if !strings.HasPrefix(sec, TokenPrefix) {
		return nil, bad
	}
	t, err := scanToken(s.db.queryRow(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE hash = ?", hashSecret(sec)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	if !t.Active(now) {
		return nil, bad
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUsedResolution {
		// Best effort: the last use is a hint, and on SQLite a long batch holds the write
		// lock past the busy timeout; a request must not fail for it (the next use writes it).
		s.db.Exec(ctx, "UPDATE tokens SET last_used_at = ? WHERE id = ?", fmtTime(now), t.ID)
	}
	a, err := s.db.actorOf(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	a.TokenID = t.ID
	return a, nil
}

// CreateSession implements pubdata.TokenService. The sign-in itself is recorded by
// UserService.Authenticate.
func (s *TokenService) CreateSession(ctx context.Context, userID string) (string, error) {
	sec, hash := secret("")
	now := s.db.Now().UTC()
	err := s.db.Exec(ctx, "INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		hash, userID, fmtTime(now), fmtTime(now.Add(pubdata.SessionLifetime)))
	return sec, err
}

// AuthenticateSession implements pubdata.TokenService.
func (s *TokenService) AuthenticateSession(ctx context.Context, sec string) (*pubdata.Actor, error) {
	var userID string
	var exp time.Time
	err := s.db.queryRow(ctx, "SELECT user_id, expires_at FROM sessions WHERE hash = ?", hashSecret(sec)).Scan(&userID, timeCol{&exp})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.db.Now().Before(exp)) {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Your session has ended. Please sign in again.").Keyed("error.session.ended")
	} else if err != nil {
		return nil, err
	}
	return s.db.actorOf(ctx, userID)
}

// DeleteSession implements pubdata.TokenService.
func (s *TokenService) DeleteSession(ctx context.Context, sec string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var userID string
	err = tx.queryRow(ctx, "SELECT user_id FROM sessions WHERE hash = ?", hashSecret(sec)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE hash = ? OR expires_at < ?", hashSecret(sec), fmtTime(tx.now)); err != nil {
		return err
	}
	var username string
	if err := tx.queryRow(ctx, "SELECT username FROM users WHERE id = ?", userID).Scan(&username); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Actor: username, Action: "user.logout", Object: "user:" + username}); err != nil {
		return err
	}
	return tx.Commit()
}
