package pubdata

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Account is a user's contact details (public accounts, issue 6): an optional e-mail address
// and phone number, each verified or not. Notifications are e-mailed only to verified
// addresses, and password resets are sent only to them.
type Account struct {
	UserID          string     `json:"user_id"`
	Username        string     `json:"username"`
	Email           string     `json:"email,omitempty"`
	EmailVerifiedAt *time.Time `json:"email_verified_at,omitempty"`
	Phone           string     `json:"phone,omitempty"`
	PhoneVerifiedAt *time.Time `json:"phone_verified_at,omitempty"`
}

// Registration is a self-registration on the portal: a person, or a company (Company set)
// that also gives its name and USCC; the company becomes an organisation of kind company
// (code: the USCC) and the user its admin. Division is asked only when the USCC's
// characters 3–8 are not a known division.
type Registration struct {
	Username    string
	DisplayName string
	Password    string
	Email       string
	Phone       string
	Company     bool
	CompanyName string
	USCC        string
	Division    string
}

// Lifetimes of the single-use account tokens sent by e-mail.
const (
	EmailVerificationLifetime = 24 * time.Hour
	PasswordResetLifetime     = time.Hour
)

// NormalizeEmail trims and lower-cases an address's domain; "" stays "".
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i] + strings.ToLower(s[i:])
	}
	return s
}

// ValidateEmail checks a bare address (no display name), at most 254 bytes.
func ValidateEmail(s string) *Error {
	if s == "" {
		return nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return FieldErrorf("email", "E-mail address %q is not valid (e.g. name@example.cn).", s).Keyed("error.account.email", "Email", s)
	}
	return nil
}

// ValidatePhone checks a phone number: 5–20 digits, an optional leading + and spaces or
// hyphens between digits.
func ValidatePhone(s string) *Error {
	if s == "" {
		return nil
	}
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-':
		default:
			return FieldErrorf("phone", "Phone number %q may hold only digits, a leading +, spaces and hyphens.", s).Keyed("error.account.phone.chars", "Phone", s)
		}
	}
	if digits < 5 || digits > 20 {
		return FieldErrorf("phone", "Phone number %q must have 5 to 20 digits.", s).Keyed("error.account.phone.length", "Phone", s)
	}
	return nil
}

// ValidateRegistration checks the fields of a registration that need nothing outside the
// domain (the store checks the USCC by GB 32100 and the division against the code list).
func ValidateRegistration(r *Registration) error {
	r.Email = NormalizeEmail(r.Email)
	r.Phone = strings.TrimSpace(r.Phone)
	r.CompanyName = strings.TrimSpace(r.CompanyName)
	r.USCC = strings.ToUpper(strings.TrimSpace(r.USCC))
	r.Division = strings.TrimSpace(r.Division)
	u := UserCreate{Username: r.Username, Password: r.Password, DisplayName: r.DisplayName}
	err := ValidateUserCreate(&u)
	r.Username, r.DisplayName = u.Username, u.DisplayName
	if r.DisplayName == "" {
		err = WithFieldError(err, FieldErrorf("display_name", "Display name is required.").Keyed("error.user.display_name.required"))
	}
	err = WithFieldError(err, ValidateEmail(r.Email))
	err = WithFieldError(err, ValidatePhone(r.Phone))
	if r.Company {
		switch {
		case r.CompanyName == "":
			err = WithFieldError(err, FieldErrorf("company_name", "Company name is required.").Keyed("error.account.company_name.required"))
		case utf8.RuneCountInString(r.CompanyName) > 200:
			err = WithFieldError(err, FieldErrorf("company_name", "Company name must be at most 200 characters.").Keyed("error.account.company_name.too_long"))
		}
		if r.USCC == "" {
			err = WithFieldError(err, FieldErrorf("uscc", "Unified social credit code is required.").Keyed("error.account.uscc.required"))
		}
		if r.Division != "" && !ValidDivisionSyntax(r.Division) {
			err = WithFieldError(err, FieldErrorf("division", "Division code %q must be six digits (GB/T 2260).", r.Division).Keyed("error.division.syntax", "Division", r.Division))
		}
	}
	return err
}

// TokenUsage is what a server counted of one API token since its last flush.
type TokenUsage struct {
	Requests int64
	LastUsed time.Time
}

// AccountService keeps public accounts: registration, contact details, e-mail verification
// and password reset by single-use tokens (kept only as hashes), and API tokens' usage.
// Every change records its event; no secret, password or token goes into the record.
type AccountService interface {
	// Register validates and creates the user (and, for a company, its organisation),
	// recording "user.register" (and "org.create"). EINVALID naming the field; ECONFLICT
	// (Field username or uscc) when the username or the USCC is taken.
	Register(ctx context.Context, r *Registration) (*User, error)
	// FindAccount returns the user's contact details; ENOTFOUND if no such user.
	FindAccount(ctx context.Context, userID string) (*Account, error)
	// SetContact sets the user's e-mail address and phone ("" clears); a changed value is
	// no longer verified. Records "user.contact".
	SetContact(ctx context.Context, userID, email, phone string) (*Account, error)
	// IssueEmailVerification makes a single-use token (EmailVerificationLifetime) for the
	// user's current address and returns the address and the secret to mail; earlier
	// unused ones stop working. EINVALID when the user has no address or it is verified.
	// Records "user.email_verification".
	IssueEmailVerification(ctx context.Context, userID string) (email, secret string, err error)
	// VerifyEmail spends a verification token and marks the address verified; EINVALID
	// for an unknown, used or expired token, or one for an address the user no longer has.
	// Records "user.email_verified".
	VerifyEmail(ctx context.Context, secret string) (*User, error)
	// IssuePasswordReset finds the account by username or verified e-mail address and, when
	// it has a verified address, makes a single-use token (PasswordResetLifetime) and
	// returns the address and the secret to mail; otherwise "" and "" with no error. It
	// records "user.password_reset_request" either way.
	IssuePasswordReset(ctx context.Context, login string) (email, secret string, err error)
	// ResetPassword spends a reset token: sets the new password, unlocks the account and
	// ends its sessions. EINVALID for a bad password (Field password) or an unknown, used or
	// expired token (Field token). Records "user.password_reset".
	ResetPassword(ctx context.Context, secret, newPassword string) (*User, error)
	// RecordTokenUsage adds counted requests to the tokens' usage and moves their last use
	// forward. Usage is counting, not a change: it writes no audit event.
	RecordTokenUsage(ctx context.Context, usage map[string]TokenUsage) error
}

// OutgoingNotification is a notification to e-mail, claimed by one server, with the
// verified addresses of the users it is for.
type OutgoingNotification struct {
	Notification
	To    []string
	Claim string
}

// NotificationOutbox hands notifications to the mailer: each is claimed by one server at a
// time, sent outside the transaction that wrote it, and marked sent.
type NotificationOutbox interface {
	// ClaimNotifications claims up to limit unsent notifications for lease (another server
	// may claim them after it) and returns them with their recipients.
	ClaimNotifications(ctx context.Context, limit int, lease time.Duration) ([]*OutgoingNotification, error)
	// MarkNotificationMailed records that the claimed notification was sent.
	MarkNotificationMailed(ctx context.Context, n *OutgoingNotification) error
	// NotificationMailFailed gives the claim up: the notification is tried again after
	// retry (up to MaxMailAttempts).
	NotificationMailFailed(ctx context.Context, n *OutgoingNotification, retry time.Duration) error
}

// MaxMailAttempts is how often the outbox tries a notification before giving up.
const MaxMailAttempts = 10

// Mailer sends one UTF-8 plain-text message.
type Mailer interface {
	SendMail(ctx context.Context, to []string, subject, body string) error
}
