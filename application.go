package pubdata

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Validation of applications and decisions, the record of their transitions, and the
// notifications they send. The workflow itself is NextApplicationStatus (share.go).

// MaxApplicationMonths is the longest period an application may ask for (and an approval
// grant): until is at most this many months after today.
const MaxApplicationMonths = 12

// maxApplicationText bounds purpose, basis, reasons (characters).
const maxApplicationText = 2000

// ApplicationEvent is one transition of an application: who, when, from, to, why.
type ApplicationEvent struct {
	Application string            `json:"application"`
	Action      string            `json:"action"` // create, approve, reject, dispute, withdraw, overdue, expire
	From        ApplicationStatus `json:"from"`   // "" for create
	To          ApplicationStatus `json:"to"`
	Actor       string            `json:"actor"` // username; "" for the system
	Org         string            `json:"org,omitempty"`
	Reason      string            `json:"reason,omitempty"`
	Time        time.Time         `json:"time"`
}

// Today returns the date of now in China Standard Time, as YYYY-MM-DD.
func Today(now time.Time) string { return now.In(ChinaTime).Format(DateFormat) }

// GrantExpiry returns the end of a period asked "until" the date (YYYY-MM-DD, inclusive):
// midnight after it in China Standard Time.
func GrantExpiry(until string) (time.Time, error) {
	d, err := time.ParseInLocation(DateFormat, until, ChinaTime)
	if err != nil {
		return time.Time{}, FieldErrorf("until", "Until must be a date as YYYY-MM-DD, not %q.", until).Keyed("error.until.format", "Value", until)
	}
	return d.AddDate(0, 0, 1), nil
}

// checkUntil checks that until is a date after today and at most MaxApplicationMonths ahead.
func checkUntil(until string, now time.Time) *Error {
	if until == "" {
		return FieldErrorf("until", "Until (the last day of use) is required.").Keyed("error.until.required")
	}
	d, err := time.ParseInLocation(DateFormat, until, ChinaTime)
	if err != nil {
		return FieldErrorf("until", "Until must be a date as YYYY-MM-DD, not %q.", until).Keyed("error.until.format", "Value", until)
	}
	today, _ := time.ParseInLocation(DateFormat, Today(now), ChinaTime)
	if !d.After(today) {
		return FieldErrorf("until", "Until (%s) must be after today (%s).", until, Today(now)).Keyed("error.until.past", "Until", until, "Today", Today(now))
	}
	if limit := today.AddDate(0, MaxApplicationMonths, 0); d.After(limit) {
		return FieldErrorf("until", "Until (%s) must be at most %d months ahead, by %s.", until, MaxApplicationMonths, limit.Format(DateFormat)).Keyed("error.until.too_far", "Until", until, "Months", MaxApplicationMonths, "Limit", limit.Format(DateFormat))
	}
	return nil
}

// cleanItems trims and de-duplicates item names and checks each is an item of the entry.
func cleanItems(field string, in []string, e *Entry) ([]string, *Error) {
	out := []string{}
	var unknown []string
	for _, n := range in {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(out, n) {
			continue
		}
		if !slices.ContainsFunc(e.Items, func(it Item) bool { return it.Name == n }) {
			unknown = append(unknown, n)
			continue
		}
		out = append(out, n)
	}
	if len(unknown) > 0 {
		return out, FieldErrorf(field, "The entry has no data item %s.", strings.Join(unknown, ", ")).Keyed("error.items.unknown", "Items", strings.Join(unknown, ", "))
	}
	return out, nil
}

// checkText checks a text of a form: required, at most maxApplicationText characters. label
// names the field in English, labelKey in the message files.
func checkText(field, label, labelKey, v string, required bool) *Error {
	switch {
	case v == "" && required:
		return FieldErrorf(field, "%s is required.", label).Keyed("error.text.required", "Label", NewMessage(labelKey))
	case utf8.RuneCountInString(v) > maxApplicationText:
		return FieldErrorf(field, "%s must be at most %d characters.", label, maxApplicationText).
			Keyed("error.text.too_long", "Label", NewMessage(labelKey), "Max", maxApplicationText)
	}
	return nil
}

// ValidateApplicationCreate checks an application of the actor a for the entry e (its
// published version; nil when there is none) at now, and normalises c (trimmed texts,
// de-duplicated items). A share application needs an applicant of a public body or an
// authority and an entry that is shared (unconditionally or on conditions); an open one a
// public user or a company and an entry that is open. A provider cannot apply for its own
// entry. A not-open entry (on the negative list) takes an open application only from a
// party that states its major interest (SX27). The items are the entry's; purpose and basis
// are required; until is a date after today, at most MaxApplicationMonths ahead. An open
// application for an entry with a usage agreement must accept it (accept_terms); the demand
// type, when given, is one of DemandTypes.
func ValidateApplicationCreate(a *Actor, e *Entry, c *ApplicationCreate, now time.Time) error {
	c.Entry = strings.TrimSpace(c.Entry)
	c.MajorInterest = strings.TrimSpace(c.MajorInterest)
	c.DemandType = strings.TrimSpace(c.DemandType)
	c.Purpose = strings.TrimSpace(c.Purpose)
	c.Basis = strings.TrimSpace(c.Basis)
	c.Until = strings.TrimSpace(c.Until)
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	if a.Anonymous() {
		return Errorf(EUNAUTHORIZED, "Sign in to apply for data.").Keyed("error.application.sign_in")
	}
	switch {
	case c.Entry == "":
		add(FieldErrorf("entry", "Entry (the id of a published catalogue entry) is required.").Keyed("error.application.entry.required"))
	case e == nil || e.Version == 0 || e.Status == StatusRetired:
		add(FieldErrorf("entry", "Entry %q is not a published catalogue entry.", c.Entry).Keyed("error.application.entry.unpublished", "Entry", c.Entry))
	case e.Platform != "":
		// A peer platform's entry (federation.go): the application goes to that platform.
		add(FieldErrorf("entry", "Entry %q is kept by the platform of division %s: apply through POST /api/v1/federation/applications.", c.Entry, e.Platform).
			Keyed("error.application.entry.federated", "Entry", c.Entry, "Platform", e.Platform))
	}
	publicBody := a.Org != nil && (a.Org.Kind == KindPublicBody || a.Org.Kind == KindAuthority)
	switch c.Kind {
	case KindShare:
		if !publicBody {
			add(FieldErrorf("kind", "Only a public body (or an authority) may apply to share data; the public applies to open data (kind open).").Keyed("error.application.kind.share_public_body"))
		} else if e != nil && e.ShareClass == ClassNone {
			add(FieldErrorf("kind", "The entry is not shared (不予共享): %s", e.ShareBasis).Keyed("error.application.kind.not_shared", "Basis", e.ShareBasis))
		}
	case KindOpen:
		if publicBody {
			add(FieldErrorf("kind", "A public body applies to share data (kind share), not to open data.").Keyed("error.application.kind.open_public_body"))
		} else if e != nil && e.OpenClass == ClassNone && c.MajorInterest == "" {
			add(FieldErrorf("major_interest", "The entry is not open (不予开放): %s. A party with a major interest may still apply: state it (major_interest).", e.OpenBasis).Keyed("error.application.not_open", "Basis", e.OpenBasis))
		}
		if e != nil && e.HasTerms() && !c.AcceptTerms {
			add(FieldErrorf("accept_terms", "The entry has a usage agreement; accept it to apply (accept_terms).").Keyed("error.application.accept_terms"))
		}
	case "":
		add(FieldErrorf("kind", "Kind is required: share (a public body) or open (the public).").Keyed("error.application.kind.required"))
	default:
		add(FieldErrorf("kind", "Kind %q is not share or open.", c.Kind).Keyed("error.application.kind.unknown", "Kind", c.Kind))
	}
	if e != nil && a.Org != nil && a.Org.Code == e.Org {
		add(FieldErrorf("entry", "The entry is your organisation's own; its data needs no application.").Keyed("error.application.entry.own"))
	}
	if e != nil {
		var bad *Error
		c.Items, bad = cleanItems("items", c.Items, e)
		add(bad)
	}
	add(checkText("purpose", "Purpose", "error.label.purpose", c.Purpose, true))
	if c.Kind == KindOpen { // the public describes its need
		add(checkText("basis", "Description of the need", "error.label.need", c.Basis, true))
	} else {
		add(checkText("basis", "Basis (the legal basis or need)", "error.label.basis_need", c.Basis, true))
	}
	add(checkUntil(c.Until, now))
	add(checkText("major_interest", "Major interest", "error.label.major_interest", c.MajorInterest, false))
	if c.DemandType != "" && !oneOf(c.DemandType, DemandTypes) {
		add(FieldErrorf("demand_type", "Demand type %q is not one of %s.", c.DemandType, strings.Join(DemandTypes, ", ")).Keyed("error.application.demand_type", "Type", c.DemandType, "Types", strings.Join(DemandTypes, ", ")))
	}
	return invalid(p)
}

// DemandTypes are the demand types of an open application (JL23): what the data is wanted for.
var DemandTypes = []string{"research", "commercial", "public_interest", "personal", "other"}

// ValidateApplicationDecision checks a decision on app for its entry e (the published
// version) at now and normalises d. A rejection needs a reason and a basis. An approval's
// items are the entry's (empty: what was asked), its clear items are among the granted
// items (all items when none are named), its row filter is a rows-API query string over the
// entry's items, and its until is after today and not after what was asked.
func ValidateApplicationDecision(e *Entry, app *Application, d *ApplicationDecision, now time.Time) error {
	d.Decision = strings.TrimSpace(d.Decision)
	d.Reason = strings.TrimSpace(d.Reason)
	d.Basis = strings.TrimSpace(d.Basis)
	d.RowFilter = strings.TrimSpace(d.RowFilter)
	d.Until = strings.TrimSpace(d.Until)
	d.Purpose = strings.TrimSpace(d.Purpose)
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	switch d.Decision {
	case "reject":
		add(checkText("reason", "A rejection's reason", "error.label.reject_reason", d.Reason, true))
		add(checkText("basis", "A rejection's basis", "error.label.reject_basis", d.Basis, true))
		return invalid(p)
	case "approve":
	case "":
		return FieldErrorf("decision", "Decision is required: approve or reject.").Keyed("error.decision.required")
	default:
		return FieldErrorf("decision", "Decision %q is not approve or reject.", d.Decision).Keyed("error.decision.unknown", "Decision", d.Decision)
	}
	add(checkText("reason", "Reason", "error.label.reason", d.Reason, false))
	add(checkText("basis", "Basis", "error.label.basis", d.Basis, false))
	add(checkText("purpose", "Purpose", "error.label.purpose", d.Purpose, false))
	var bad *Error
	d.Items, bad = cleanItems("items", d.Items, e)
	add(bad)
	granted := d.Items
	if len(granted) == 0 {
		granted = app.Items
	}
	clear, bad := cleanItems("clear_items", d.ClearItems, e)
	add(bad)
	if len(granted) > 0 {
		var outside []string
		for _, c := range clear {
			if !slices.Contains(granted, c) {
				outside = append(outside, c)
			}
		}
		if len(outside) > 0 {
			add(FieldErrorf("clear_items", "Clear items must be among the granted items; %s is not.", strings.Join(outside, ", ")).Keyed("error.decision.clear_items", "Items", strings.Join(outside, ", ")))
		}
	}
	d.ClearItems = clear
	if d.RowFilter != "" {
		add(checkRowFilter(e, d.RowFilter))
	}
	if d.Until != "" {
		if bad := checkUntil(d.Until, now); bad != nil {
			add(bad)
		} else if app.Until != "" && d.Until > app.Until {
			add(FieldErrorf("until", "Until (%s) must not be after what was asked (%s).", d.Until, app.Until).Keyed("error.decision.until_after_asked", "Until", d.Until, "Asked", app.Until))
		}
	}
	return invalid(p)
}

// checkRowFilter checks a grant's row filter: filters of the rows API over the entry's
// items, without the reserved (_-prefixed) parameters.
func checkRowFilter(e *Entry, filter string) *Error {
	params, err := url.ParseQuery(filter)
	if err != nil {
		return FieldErrorf("row_filter", "The row filter must be a query string such as division=350102&year__gte=2020.").Keyed("error.application.row_filter.syntax")
	}
	for name := range params {
		if strings.HasPrefix(name, "_") {
			return FieldErrorf("row_filter", "The row filter may only hold filters of columns, not %s.", name).Keyed("error.application.row_filter.reserved", "Name", name)
		}
	}
	if _, err := ParseRowQuery(e.Items, params, nil, false); err != nil {
		return FieldErrorf("row_filter", "Row filter: %s", ErrorMessage(err)).Keyed("error.application.row_filter.query", "Problem", MessageOf(err))
	}
	return nil
}

// GrantOfApproval returns the grant an approval d of app makes (without ID and times):
// the decision's scope, or what was asked where the decision names none. The consumer of a
// share grant is the applicant's organisation; of an open grant the public user
// (ConsumerUser) or the applicant's company (Consumer).
func GrantOfApproval(app *Application, d *ApplicationDecision) (*Grant, error) {
	g := &Grant{Application: app.ID, Kind: app.Kind, Entry: app.Entry, EntryTitle: app.EntryTitle, Provider: app.Provider,
		Items: d.Items, ClearItems: d.ClearItems, RowFilter: d.RowFilter, Purpose: d.Purpose}
	if len(g.Items) == 0 {
		g.Items = app.Items
	}
	if g.Items == nil {
		g.Items = []string{}
	}
	if g.ClearItems == nil {
		g.ClearItems = []string{}
	}
	if g.Purpose == "" {
		g.Purpose = app.Purpose
	}
	until := d.Until
	if until == "" {
		until = app.Until
	}
	exp, err := GrantExpiry(until)
	if err != nil {
		return nil, err
	}
	g.Expires = exp.UTC()
	switch {
	case app.Kind == KindShare, app.ApplicantOrg != "":
		g.Consumer = app.ApplicantOrg
	default:
		g.ConsumerUser = app.Applicant
	}
	return g, nil
}

// CanSeeApplication reports whether the actor may see the application: the applicant (see
// IsApplicant), the provider's users, and an authority whose division covers the entry.
func CanSeeApplication(a *Actor, app *Application) bool {
	if a.Anonymous() {
		return false
	}
	return IsApplicant(a, app) || (a.Org != nil && a.OrgCode() == app.Provider) ||
		(a.IsAuthority() && DivisionCovers(a.Org.Division, app.Division))
}

// CanDisputeApplication reports whether the actor may dispute the application's rejection:
// the applicant only.
func CanDisputeApplication(a *Actor, app *Application) bool { return IsApplicant(a, app) }

// CanRevokeGrant reports whether the actor may revoke the grant on an entry in division:
// the provider's admins and reviewers, or a covering authority's admin or reviewer.
func CanRevokeGrant(a *Actor, g *Grant, division string) bool {
	if a.Anonymous() {
		return false
	}
	if a.OrgCode() == g.Provider && (a.Role() == RoleAdmin || a.Role() == RoleReviewer) {
		return true
	}
	return CanReviewEntry(a, division)
}

// CanSeeGrant reports whether the actor may see the grant: its holder (or the consumer
// organisation's users), the provider's users, and a covering authority.
func CanSeeGrant(a *Actor, g *Grant, division string) bool {
	if a.Anonymous() {
		return false
	}
	return g.Holds(a) || (a.Org != nil && a.OrgCode() == g.Provider) || (a.IsAuthority() && DivisionCovers(a.Org.Division, division))
}

// --- notifications ---

// Notification is a message in the console (and by e-mail when configured) to one user, or
// to the users of an organisation with a role (Role "": every user of Org). Key and Params
// name the message; its text is rendered in the reader's language when read (package
// locale, message "notice." + Key, Params filling its placeholders).
type Notification struct {
	ID        string            `json:"id"`
	User      string            `json:"user,omitempty"` // username
	Org       string            `json:"org,omitempty"`
	Role      Role              `json:"role,omitempty"`
	Key       string            `json:"key"`
	Params    map[string]string `json:"params"`
	Link      string            `json:"link,omitempty"`   // a console path
	Object    string            `json:"object,omitempty"` // e.g. application:<id>
	Read      bool              `json:"read"`
	CreatedAt time.Time         `json:"created_at"`
}

// Notification keys.
const (
	NoticeApplicationNew      = "application.new"      // to the provider's admins and reviewers
	NoticeApplicationApproved = "application.approved" // to the applicant
	NoticeApplicationRejected = "application.rejected" // to the applicant
	NoticeApplicationDisputed = "application.disputed" // to the covering authority
	NoticeApplicationOverdue  = "application.overdue"  // to the authority and the provider
	NoticeGrantRevoked        = "grant.revoked"        // to the applicant
	// NoticeCertificateLaw: a public body obtained the holder's certificates on a legal
	// basis, without their consent; to the person, or the company's admins.
	NoticeCertificateLaw = "certificate.fetched_by_law"
	// NoticeIdentityRevoked: the verification of the person's identity was revoked.
	NoticeIdentityRevoked = "identity.revoked"
)

// NewNotification returns a notification of the key with its parameters.
func NewNotification(key string, params map[string]string, link, object string) *Notification {
	return &Notification{Key: key, Params: params, Link: link, Object: object}
}

// NotificationService keeps the notifications of the actor in ctx.
type NotificationService interface {
	// FindNotifications returns a page of the actor's notifications, newest first (only
	// unread ones when unread is set), the number of unread ones and the next cursor.
	FindNotifications(ctx context.Context, unread bool, limit int, cursor string) ([]*Notification, int, string, error)
	// MarkNotificationRead marks one of the actor's notifications read; ENOTFOUND if it is
	// not the actor's.
	MarkNotificationRead(ctx context.Context, id string) error
}
