package pubdata

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Service interfaces (服务接口, B4): data a provider cannot aggregate stays in its system and
// is shared through the platform. The provider registers its HTTP endpoint on an entry of
// format service; once an authority covering the entry confirms it, consumers call it
// through the platform, which authenticates them, applies the entry's read rule
// (CanReadData), records each call and adds the provider's credential, which never
// reaches the consumer.

// EndpointStatus is whether an authority has confirmed a service endpoint.
type EndpointStatus string

// Endpoint statuses. A new endpoint, and one whose URL, credential or methods the provider
// changed, is pending until an authority confirms it.
const (
	EndpointPending   EndpointStatus = "pending"
	EndpointConfirmed EndpointStatus = "confirmed"
)

// Endpoint timeouts, in seconds.
const (
	DefaultEndpointTimeout = 10
	MaxEndpointTimeout     = 60
)

// EndpointMethods are the HTTP methods an endpoint may allow; GET allows HEAD too.
var EndpointMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// ServiceEndpoint is the provider's HTTP endpoint behind an entry of format service.
type ServiceEndpoint struct {
	EntryID string `json:"entry_id"`
	// BaseURL is http or https, without user info, query or fragment; a call's path is
	// appended to it.
	BaseURL string   `json:"base_url"`
	Methods []string `json:"methods"`
	// CredentialHeader is the request header the platform adds to every call ("" for
	// none), with the value Secret.
	CredentialHeader string `json:"credential_header"`
	CredentialSet    bool   `json:"credential_set"`
	// Secret is the credential's value. It is write-only: never marshalled, never shown;
	// only the platform's forwarder reads it.
	Secret         string         `json:"-"`
	TimeoutSeconds int            `json:"timeout_seconds"`
	Status         EndpointStatus `json:"status"`
	ConfirmedBy    string         `json:"confirmed_by,omitempty"`
	ConfirmedAt    *time.Time     `json:"confirmed_at,omitempty"`
	UpdatedBy      string         `json:"updated_by"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Timeout is how long the platform waits for the endpoint.
func (e *ServiceEndpoint) Timeout() time.Duration {
	return time.Duration(e.TimeoutSeconds) * time.Second
}

// Allows reports whether the endpoint accepts the method (HEAD when it accepts GET).
func (e *ServiceEndpoint) Allows(method string) bool {
	if method == "HEAD" {
		method = "GET"
	}
	return slices.Contains(e.Methods, method)
}

// EndpointChange is what a provider sets on an entry's endpoint. Secret "" keeps the
// stored secret; CredentialHeader "" removes the credential.
type EndpointChange struct {
	BaseURL          string   `json:"base_url"`
	Methods          []string `json:"methods"`
	CredentialHeader string   `json:"credential_header"`
	Secret           string   `json:"secret"`
	TimeoutSeconds   int      `json:"timeout_seconds"`
}

// reservedHeaders may not carry a credential: the transport or the platform sets them.
var reservedHeaders = []string{"Host", "Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding",
	"Connection", "Keep-Alive", "Upgrade", "Te", "Trailer", "Proxy-Connection", "Cookie", "Accept", "Accept-Encoding",
	"X-Request-Id", "Forwarded"}

// validHeaderName reports whether s is an HTTP header name (an RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if c > 0x7e || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}

// ValidateServiceEndpoint trims and checks an endpoint change, filling defaults (methods
// GET, timeout DefaultEndpointTimeout) and reporting every problem under its field.
// hasSecret tells whether a secret is already stored (so that Secret "" may keep it).
func ValidateServiceEndpoint(c *EndpointChange, hasSecret bool) error {
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	c.CredentialHeader = strings.TrimSpace(c.CredentialHeader)
	var p []*Error
	add := func(field, format string, args ...any) *Error {
		e := FieldErrorf(field, format, args...)
		p = append(p, e)
		return e
	}
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		add("base_url", "The endpoint URL is required.").Keyed("error.endpoint.url.required")
	case len(c.BaseURL) > 2000:
		add("base_url", "The endpoint URL must be at most 2000 characters.").Keyed("error.endpoint.url.too_long")
	case err != nil || !u.IsAbs() || u.Opaque != "":
		add("base_url", "The endpoint URL %q is not an absolute URL such as https://api.example.gov.cn/v1.", c.BaseURL).Keyed("error.endpoint.url.absolute", "URL", c.BaseURL)
	case u.Scheme != "http" && u.Scheme != "https":
		add("base_url", "The endpoint URL must start with http:// or https://, not %s:.", u.Scheme).Keyed("error.endpoint.url.scheme", "Scheme", u.Scheme)
	case u.Hostname() == "":
		add("base_url", "The endpoint URL has no host name.").Keyed("error.endpoint.url.host")
	case u.User != nil:
		add("base_url", "The endpoint URL must not hold a user name or password; put the credential in the credential header, where it is kept encrypted.").Keyed("error.endpoint.url.user")
	case u.RawQuery != "" || u.ForceQuery:
		add("base_url", "The endpoint URL must not hold a query (?…): keys in a URL are not kept encrypted; put the credential in the credential header.").Keyed("error.endpoint.url.query")
	case u.Fragment != "" || strings.Contains(c.BaseURL, "#"):
		add("base_url", "The endpoint URL must not hold a fragment (#…).").Keyed("error.endpoint.url.fragment")
	}
	methods := []string{}
	for _, m := range c.Methods {
		m = strings.ToUpper(strings.TrimSpace(m))
		switch {
		case m == "" || slices.Contains(methods, m):
		case !slices.Contains(EndpointMethods, m):
			add("methods", "Method %q is not one of %s.", m, strings.Join(EndpointMethods, ", ")).Keyed("error.endpoint.method", "Method", m, "Methods", strings.Join(EndpointMethods, ", "))
		default:
			methods = append(methods, m)
		}
	}
	if len(methods) == 0 {
		methods = []string{"GET"}
	}
	slices.SortFunc(methods, func(a, b string) int { return slices.Index(EndpointMethods, a) - slices.Index(EndpointMethods, b) })
	c.Methods = methods
	switch {
	case c.CredentialHeader == "":
		if c.Secret != "" {
			add("credential_header", "A secret needs the name of the header that carries it (e.g. Authorization or X-Api-Key).").Keyed("error.endpoint.header.required")
		}
	case !validHeaderName(c.CredentialHeader):
		add("credential_header", "The credential header %q is not an HTTP header name (letters, digits and -, at most 100).", c.CredentialHeader).Keyed("error.endpoint.header.syntax", "Header", c.CredentialHeader)
	case slices.ContainsFunc(reservedHeaders, func(h string) bool { return strings.EqualFold(h, c.CredentialHeader) }) ||
		strings.HasPrefix(strings.ToLower(c.CredentialHeader), "x-forwarded-") || strings.HasPrefix(strings.ToLower(c.CredentialHeader), "proxy-"):
		add("credential_header", "The header %s is set by the platform and cannot carry the credential.", c.CredentialHeader).Keyed("error.endpoint.header.reserved", "Header", c.CredentialHeader)
	case c.Secret == "" && !hasSecret:
		add("secret", "The credential header needs its secret.").Keyed("error.endpoint.secret.required")
	}
	switch {
	case utf8.RuneCountInString(c.Secret) > 4096:
		add("secret", "The secret must be at most 4096 characters.").Keyed("error.endpoint.secret.too_long")
	case strings.ContainsAny(c.Secret, "\r\n\x00"):
		add("secret", "The secret must be one line, without control characters.").Keyed("error.endpoint.secret.line")
	}
	switch {
	case c.TimeoutSeconds == 0:
		c.TimeoutSeconds = DefaultEndpointTimeout
	case c.TimeoutSeconds < 1 || c.TimeoutSeconds > MaxEndpointTimeout:
		add("timeout_seconds", "The timeout must be between 1 and %d seconds.", MaxEndpointTimeout).Keyed("error.endpoint.timeout", "Max", MaxEndpointTimeout)
	}
	return invalid(p)
}

// EndpointNeedsConfirmation reports whether a validated change to the endpoint cur (nil:
// none yet) must be confirmed again: a new endpoint, another URL, another credential
// header or secret, or a method not allowed before. A new timeout alone keeps the
// confirmation.
func EndpointNeedsConfirmation(cur *ServiceEndpoint, c *EndpointChange) bool {
	if cur == nil || cur.Status != EndpointConfirmed {
		return true
	}
	if c.BaseURL != cur.BaseURL || c.CredentialHeader != cur.CredentialHeader {
		return true
	}
	if c.CredentialHeader != "" && c.Secret != "" && c.Secret != cur.Secret {
		return true
	}
	for _, m := range c.Methods {
		if !slices.Contains(cur.Methods, m) {
			return true
		}
	}
	return false
}

// CanSetEndpoint reports whether the actor may register or change the endpoint of an entry:
// the provider's admins and editors (as for loading data).
func CanSetEndpoint(a *Actor, e *Entry) bool { return CanLoadData(a, e.Org) }

// CanConfirmEndpoint reports whether the actor may confirm the endpoint of an entry: an
// authority's admin or reviewer whose division covers it.
func CanConfirmEndpoint(a *Actor, e *Entry) bool { return CanReviewEntry(a, e.Division) }

// CanViewEndpoint reports whether the actor may see an entry's endpoint settings (never its
// secret): the provider's users and the covering authority's.
func CanViewEndpoint(a *Actor, e *Entry) bool { return CanViewWorkingCopy(a, e) }

// ServiceCall is one call forwarded to a service endpoint, as the record keeps it.
type ServiceCall struct {
	Entry  string
	Method string
	Path   string // the path below the endpoint's URL, without the query
	Status int    // the provider's status; 504 on timeout, 502 when unreachable
	// DurationMS is how long the call took, in milliseconds; Bytes the size of the reply's
	// body passed on.
	DurationMS int64
	Bytes      int64
	Error      string // "timeout", "unreachable", "interrupted" or ""
}

// Failed reports whether the call failed on the provider's side: unreachable, timed out, or
// a server error (5xx). A call the caller interrupted is not the provider's failure.
func (c *ServiceCall) Failed() bool {
	return c.Error == "timeout" || c.Error == "unreachable" || (c.Error == "" && c.Status >= 500)
}

// EndpointService keeps the entries' service endpoints. Authorisation is the caller's
// (CanSetEndpoint, CanConfirmEndpoint, CanViewEndpoint; calls: CanReadData); every change
// records its audit event in its transaction. Secrets are stored encrypted.
type EndpointService interface {
	// SetEndpoint registers or changes the endpoint of an entry of format service (not
	// retired) and records "service.endpoint.set". It validates c (EINVALID with field
	// errors); the endpoint returns to pending when EndpointNeedsConfirmation says so.
	// ENOTFOUND for an unknown entry, EINVALID for another format, ECONFLICT once retired.
	SetEndpoint(ctx context.Context, entryID string, c *EndpointChange) (*ServiceEndpoint, error)
	// FindEndpoint returns the endpoint of an entry, with its secret; ENOTFOUND if none.
	FindEndpoint(ctx context.Context, entryID string) (*ServiceEndpoint, error)
	// ConfirmEndpoint marks a pending endpoint confirmed by the context's actor and records
	// "service.endpoint.confirm". ENOTFOUND if none; ECONFLICT if already confirmed.
	ConfirmEndpoint(ctx context.Context, entryID string) (*ServiceEndpoint, error)
	// RecordCall records "service.call" for one forwarded call, with the context's actor
	// and purpose.
	RecordCall(ctx context.Context, c *ServiceCall) error
}
