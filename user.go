package pubdata

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do within their organisation.
type Role string

// Roles within an organisation.
const (
	RoleAdmin    Role = "admin"    // manages the organisation's users (an authority's admin: the division's)
	RoleEditor   Role = "editor"   // edits the organisation's catalogue entries and data
	RoleReviewer Role = "reviewer" // reviews: an authority's reviewers review entries and read the record
	RoleMember   Role = "member"   // reads
)

// Roles lists the roles in order of power.
var Roles = []Role{RoleAdmin, RoleEditor, RoleReviewer, RoleMember}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// User is an account. A public user has no organisation (OrgCode "") and no role.
type User struct {
	ID          string     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name,omitempty"`
	OrgCode     string     `json:"org,omitempty"`
	Role        Role       `json:"role,omitempty"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// UserCreate is what a caller gives to create a user. The password is hashed by the store
// and never kept.
type UserCreate struct {
	Username    string
	Password    string
	DisplayName string
	OrgCode     string
	Role        Role
}

// UserFilter selects users. Empty fields do not filter.
type UserFilter struct {
	Username       string
	OrgCode        string
	DivisionPrefix string // only users of organisations whose division starts with this
	IncludePublic  bool   // with DivisionPrefix: also users without an organisation
	Public         bool   // only users without an organisation
	Limit          int
	Cursor         string
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// ValidateUserCreate checks the fields of a new user.
func ValidateUserCreate(u *UserCreate) error {
	u.Username = strings.TrimSpace(u.Username)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.OrgCode = strings.TrimSpace(u.OrgCode)
	var p []*Error
	switch {
	case u.Username == "":
		p = append(p, FieldErrorf("username", "Username is required.").Keyed("error.user.username.required"))
	case !usernamePattern.MatchString(u.Username):
		p = append(p, FieldErrorf("username", "Username %q must be 2-64 letters, digits, '.', '_', '@' or '-'.", u.Username).Keyed("error.user.username.syntax", "Username", u.Username))
	}
	switch {
	case utf8.RuneCountInString(u.Password) < MinPasswordLength:
		p = append(p, FieldErrorf("password", "Password must be at least %d characters.", MinPasswordLength).Keyed("error.user.password.short", "Min", MinPasswordLength))
	case len(u.Password) > 256:
		p = append(p, FieldErrorf("password", "Password must be at most 256 bytes.").Keyed("error.user.password.long"))
	}
	if len([]rune(u.DisplayName)) > 100 {
		p = append(p, FieldErrorf("display_name", "Display name must be at most 100 characters.").Keyed("error.user.display_name.too_long"))
	}
	switch {
	case u.OrgCode == "" && u.Role != "":
		p = append(p, FieldErrorf("role", "A public user (no organisation) has no role.").Keyed("error.user.role.public"))
	case u.OrgCode != "" && !u.Role.Valid():
		p = append(p, FieldErrorf("role", "Role %q is not one of admin, editor, reviewer, member.", u.Role).Keyed("error.user.role.unknown", "Role", u.Role))
	}
	return invalid(p)
}

// Sign-in throttling: after MaxFailedLogins failed sign-ins of one account from one client
// address, that address may not try that account again for LockoutDuration; after
// MaxFailedLoginsPerAddress failures of any accounts, the address may not try any. An
// account itself is never locked: a stranger guessing from elsewhere cannot lock its owner
// out, and the refusal is the same whether or not the account exists.
const (
	MaxFailedLogins           = 5
	MaxFailedLoginsPerAddress = 20
	LockoutDuration           = 15 * time.Minute
)

// UserService manages users and their credentials.
type UserService interface {
	// FindUserByID returns the user; ENOTFOUND if none.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByUsername returns the user; ENOTFOUND if none.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsers returns a page of users ordered by username, the total and the next cursor.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, string, error)
	// CreateUser validates, hashes the password (argon2id) and records "user.create".
	// EINVALID for bad fields or an unknown organisation; ECONFLICT if the username is taken.
	CreateUser(ctx context.Context, u *UserCreate) (*User, error)
	// Authenticate checks a username and password, counting failures and locking the
	// account after MaxFailedLogins; it records "user.login" or "user.login_failed".
	// EUNAUTHORIZED for a wrong username or password or a locked account.
	Authenticate(ctx context.Context, username, password string) (*User, error)
}
