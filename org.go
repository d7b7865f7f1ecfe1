package pubdata

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// OrgKind is what an organisation is.
type OrgKind string

// Organisation kinds.
const (
	KindAuthority  OrgKind = "authority"   // 大数据工作主管部门: runs the platform for its division
	KindPublicBody OrgKind = "public_body" // 公共管理和服务机构: provides and consumes public data
	KindCompany    OrgKind = "company"     // a company, e.g. a developer of data products
)

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	return k == KindAuthority || k == KindPublicBody || k == KindCompany
}

// Org is an organisation: an authority, a public body or a company.
type Org struct {
	ID       string  `json:"id"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Kind     OrgKind `json:"kind"`
	Division string  `json:"division"`
	Parent   string  `json:"parent,omitempty"` // code of the parent organisation
	// Status is the organisation's data service (F4 sanctions): "" or active, suspended or
	// terminated, with the authority's reason.
	Status       string     `json:"status,omitempty"`
	StatusReason string     `json:"status_reason,omitempty"`
	StatusAt     *time.Time `json:"status_at,omitempty"` // when the authority last changed the status
	StatusBy     string     `json:"status_by,omitempty"` // the username that changed it
	// SecurityOfficer is the username of the unit's security officer (G8, security.go).
	SecurityOfficer string    `json:"security_officer,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Organisation statuses (F4): an authority suspends an organisation's data service (every
// grant and token of it stops, with the reason shown to it), resumes it, or terminates it.
const (
	OrgActive     = "active"
	OrgSuspended  = "suspended"
	OrgTerminated = "terminated"
)

// DataServiceStopped returns the reason the organisation may not use data now ("" when it
// may): a suspension or termination with the authority's reason.
func (o *Org) DataServiceStopped() string {
	if o == nil || o.Status == "" || o.Status == OrgActive {
		return ""
	}
	r := o.StatusReason
	if r == "" {
		r = "no reason recorded"
	}
	if o.Status == OrgTerminated {
		return "terminated (" + r + ")"
	}
	return "suspended (" + r + ")"
}

// OrgFilter selects organisations. Empty fields do not filter.
type OrgFilter struct {
	Code           string
	Kind           OrgKind
	DivisionPrefix string // only organisations whose division starts with this
	Parent         string
	Q              string // substring of code or name
	Limit          int
	Cursor         string
}

var orgCodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidateOrg checks the fields a caller supplies for a new organisation. It does not check
// that the division exists or that the parent exists; the store does.
func ValidateOrg(o *Org) error {
	o.Code = strings.TrimSpace(o.Code)
	o.Name = strings.TrimSpace(o.Name)
	o.Parent = strings.TrimSpace(o.Parent)
	var p []*Error
	switch {
	case o.Code == "":
		p = append(p, FieldErrorf("code", "Organisation code is required.").Keyed("error.org.code.required"))
	case !orgCodePattern.MatchString(o.Code):
		p = append(p, FieldErrorf("code", "Organisation code %q must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.", o.Code).Keyed("error.org.code.syntax", "Code", o.Code))
	case IsFederatedOrgCode(o.Code):
		// A local organisation so named would pass for a peer platform's (federation.go).
		p = append(p, FieldErrorf("code", "Organisation code %q is reserved: codes of the form fed<six-digit division>-… name peer platforms' organisations.", o.Code).Keyed("error.org.code.reserved", "Code", o.Code))
	}
	switch {
	case o.Name == "":
		p = append(p, FieldErrorf("name", "Organisation name is required.").Keyed("error.org.name.required"))
	case len([]rune(o.Name)) > 200:
		p = append(p, FieldErrorf("name", "Organisation name must be at most 200 characters.").Keyed("error.org.name.too_long"))
	}
	if !o.Kind.Valid() {
		p = append(p, FieldErrorf("kind", "Organisation kind %q is not one of authority, public_body, company.", o.Kind).Keyed("error.org.kind.unknown", "Kind", o.Kind))
	}
	switch {
	case o.Division == "":
		p = append(p, FieldErrorf("division", "Division code is required.").Keyed("error.division.required"))
	case !ValidDivisionSyntax(o.Division):
		p = append(p, FieldErrorf("division", "Division code %q must be six digits (GB/T 2260).", o.Division).Keyed("error.division.syntax", "Division", o.Division))
	}
	if o.Parent != "" && o.Parent == o.Code {
		p = append(p, FieldErrorf("parent", "An organisation cannot be its own parent.").Keyed("error.org.parent.self"))
	}
	return invalid(p)
}

// OrgService manages organisations.
type OrgService interface {
	// FindOrgByCode returns the organisation with the code; ENOTFOUND if none.
	FindOrgByCode(ctx context.Context, code string) (*Org, error)
	// FindOrgs returns a page of organisations ordered by code, the total matching and the
	// cursor of the next page ("" at the end).
	FindOrgs(ctx context.Context, f OrgFilter) ([]*Org, int, string, error)
	// CreateOrg validates and creates an organisation and records "org.create".
	// EINVALID for bad fields, an unknown division or parent; ECONFLICT if the code is taken.
	// Authorisation is the caller's (see Can); the store only records the actor.
	CreateOrg(ctx context.Context, o *Org) error
	// SuspendOrg, ResumeOrg and TerminateOrg change an organisation's data service (F4) by
	// NextOrgStatus with the reason (ValidateSanctionReason), recording "org.suspend",
	// "org.resume" or "org.terminate". ENOTFOUND, EINVALID, ECONFLICT for a step the status
	// does not allow. Authorisation is the caller's (CanSanctionOrg).
	SuspendOrg(ctx context.Context, code, reason string) (*Org, error)
	ResumeOrg(ctx context.Context, code, reason string) (*Org, error)
	TerminateOrg(ctx context.Context, code, reason string) (*Org, error)
}
