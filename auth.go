package pubdata

import (
	"context"
	"time"
)

// Actor is who makes a request: a user with their organisation (nil for a public user), or
// nobody (anonymous). It is carried in the context from the http layer to the store, which
// writes it into each audit event.
type Actor struct {
	User *User
	Org  *Org
	// TokenID is the API token that authenticated the request ("" for a session).
	TokenID string
}

// Anonymous reports whether nobody is signed in.
func (a *Actor) Anonymous() bool { return a == nil || a.User == nil }

// Username returns the actor's username, or "" when anonymous.
func (a *Actor) Username() string {
	if a.Anonymous() {
		return ""
	}
	return a.User.Username
}

// OrgCode returns the code of the actor's organisation, or "".
func (a *Actor) OrgCode() string {
	if a == nil || a.Org == nil {
		return ""
	}
	return a.Org.Code
}

// Role returns the actor's role in their organisation, or "".
func (a *Actor) Role() Role {
	if a.Anonymous() || a.Org == nil {
		return ""
	}
	return a.User.Role
}

// IsAuthority reports whether the actor belongs to an authority.
func (a *Actor) IsAuthority() bool {
	return a != nil && a.Org != nil && a.Org.Kind == KindAuthority
}

// IsGovernment reports whether the actor works for a public body or an authority: the
// people the government console is for. Citizens and companies have the portal's account.
func (a *Actor) IsGovernment() bool {
	return a != nil && a.User != nil && a.Org != nil && (a.Org.Kind == KindAuthority || a.Org.Kind == KindPublicBody)
}

// RequestInfo is what the record keeps of the request that made a change.
type RequestInfo struct {
	RequestID  string
	ClientAddr string
	Purpose    string // X-Purpose of a data access
	Grant      string // X-Grant: the grant a data access is under
}

type actorKey struct{}
type requestKey struct{}

// NewContextWithActor returns ctx carrying the actor.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx, or an anonymous actor.
func ActorFromContext(ctx context.Context) *Actor {
	if a, ok := ctx.Value(actorKey{}).(*Actor); ok && a != nil {
		return a
	}
	return &Actor{}
}

// NewContextWithRequest returns ctx carrying the request information.
func NewContextWithRequest(ctx context.Context, r RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFromContext returns the request information in ctx (zero when none).
func RequestFromContext(ctx context.Context) RequestInfo {
	r, _ := ctx.Value(requestKey{}).(RequestInfo)
	return r
}

// Token is an API token. Its secret is shown once, at creation, and kept only as a hash.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters of the secret, to tell tokens apart
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Requests is the API requests made with the token (flushed from the servers' counters
	// every few seconds).
	Requests int64 `json:"requests"`
}

// Active reports whether the token may be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Token and session lifetimes.
const (
	DefaultTokenExpiry = 90 * 24 * time.Hour
	MaxTokenExpiry     = 2 * 365 * 24 * time.Hour
	SessionLifetime    = 12 * time.Hour
)

// TokenService manages API tokens and web sessions.
type TokenService interface {
	// CreateToken makes a token for the user, expiring after expires (0: DefaultTokenExpiry),
	// records "token.create" and returns it with its secret. EINVALID for a bad expiry or name.
	CreateToken(ctx context.Context, userID, name string, expires time.Duration) (*Token, string, error)
	// FindTokens returns the user's tokens, newest first.
	FindTokens(ctx context.Context, userID string) ([]*Token, error)
	// RevokeToken revokes one of the user's tokens and records "token.revoke"; ENOTFOUND if
	// the user has no such token.
	RevokeToken(ctx context.Context, userID, tokenID string) error
	// AuthenticateToken returns the user and organisation of an active token and marks it
	// used; EUNAUTHORIZED for an unknown, expired or revoked token.
	AuthenticateToken(ctx context.Context, secret string) (*Actor, error)

	// CreateSession starts a web session for the user and returns its secret (the cookie).
	CreateSession(ctx context.Context, userID string) (string, error)
	// AuthenticateSession returns the actor of a live session; EUNAUTHORIZED otherwise.
	AuthenticateSession(ctx context.Context, secret string) (*Actor, error)
	// DeleteSession ends a session and records "user.logout"; unknown secrets are ignored.
	DeleteSession(ctx context.Context, secret string) error
}
