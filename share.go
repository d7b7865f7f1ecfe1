package pubdata

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Sharing (共享) and opening (开放) by application: a consumer applies for an entry's data,
// the provider answers within a number of working days, a rejection can be disputed before
// the authority, and an approval makes a grant: live, scoped, expiring, revocable.

// ApplicationKind says whether an application is for sharing (a public body) or opening
// (the public).
type ApplicationKind string

// Application kinds.
const (
	KindShare ApplicationKind = "share"
	KindOpen  ApplicationKind = "open"
)

// ApplicationStatus is where an application is.
type ApplicationStatus string

// Application statuses.
//
//	pending ──approve──▶ approved ──expire──▶ expired
//	   │ ──reject───▶ rejected ──dispute──▶ disputed ──approve (authority)──▶ approved
//	   │                                      └──reject (authority: upheld)──▶ rejected (final)
//	   └──withdraw──▶ withdrawn
const (
	AppPending   ApplicationStatus = "pending"
	AppApproved  ApplicationStatus = "approved"
	AppRejected  ApplicationStatus = "rejected"
	AppDisputed  ApplicationStatus = "disputed"
	AppWithdrawn ApplicationStatus = "withdrawn"
	AppExpired   ApplicationStatus = "expired"
)

// ApplicationAction is a step of the application workflow.
type ApplicationAction string

// Application workflow steps.
const (
	AppApprove  ApplicationAction = "approve"
	AppReject   ApplicationAction = "reject"
	AppDispute  ApplicationAction = "dispute"
	AppWithdraw ApplicationAction = "withdraw"
	AppExpire   ApplicationAction = "expire"
)

// Default answer deadlines in working days (both are settings of the platform).
const (
	DefaultShareReplyDays = 2  // 2 working days to answer a share application (FJ, SD)
	DefaultOpenReplyDays  = 10 // 10 working days to answer an open application
)

// ReplyDays are the platform's settings of the working days a provider has to answer
// (share_reply_days, open_reply_days, objection_reply_days); zero means the default.
type ReplyDays struct {
	Share, Open, Objection int
}

// Application returns the working days to answer an application of the kind.
func (d ReplyDays) Application(kind ApplicationKind) int {
	switch {
	case kind == KindOpen && d.Open > 0:
		return d.Open
	case kind == KindOpen:
		return DefaultOpenReplyDays
	case d.Share > 0:
		return d.Share
	}
	return DefaultShareReplyDays
}

// ForObjection returns the working days to answer an objection.
func (d ReplyDays) ForObjection() int {
	if d.Objection > 0 {
		return d.Objection
	}
	return DefaultObjectionReplyDays
}

// Application is a request for an entry's data.
type Application struct {
	ID               string            `json:"id"`
	Kind             ApplicationKind   `json:"kind"`
	Entry            string            `json:"entry"`
	EntryTitle       string            `json:"entry_title"`
	Provider         string            `json:"provider"` // organisation code
	ProviderName     string            `json:"provider_name"`
	Division         string            `json:"division"`      // the entry's division (its covering authority decides disputes)
	Applicant        string            `json:"applicant"`     // username
	ApplicantOrg     string            `json:"applicant_org"` // organisation code; "" for a public user
	ApplicantOrgName string            `json:"applicant_org_name,omitempty"`
	Items            []string          `json:"items"` // the data items asked for; empty: all
	Purpose          string            `json:"purpose"`
	Basis            string            `json:"basis"`           // the legal basis or need
	Until            string            `json:"until,omitempty"` // YYYY-MM-DD the use is asked until
	AcceptTerms      bool              `json:"accept_terms,omitempty"`
	DemandType       string            `json:"demand_type,omitempty"`    // one of DemandTypes (open applications)
	MajorInterest    string            `json:"major_interest,omitempty"` // the applicant's major interest in a not-open entry (SX27)
	Status           ApplicationStatus `json:"status"`
	Due              string            `json:"due"`    // YYYY-MM-DD: the provider's answer is due by its close of business
	DueAt            time.Time         `json:"due_at"` // the instant the answer is due
	// DueCovered: the calendar had the holidays of every year the deadline was counted over;
	// false marks an unconfirmed due date (weekends only in a year without a notice).
	DueCovered bool `json:"due_covered"`
	Overdue    bool `json:"overdue"`
	Escalated  bool `json:"escalated"` // overdue and sent to the authority (H3)
	// The decision (provider's, or the authority's on a dispute).
	Reason    string     `json:"reason,omitempty"`
	DecBasis  string     `json:"decision_basis,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	// The dispute of a rejection.
	DisputeReason string     `json:"dispute_reason,omitempty"`
	DisputedAt    *time.Time `json:"disputed_at,omitempty"`
	Grant         string     `json:"grant,omitempty"` // the grant an approval made
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Aggregation is the latest assessment of what the application combines with the
	// applicant's other grants and applications, and the authority's review (G6).
	Aggregation *AggregationAssessment `json:"aggregation,omitempty"`
}

// ApplicationCreate is what an applicant sends.
type ApplicationCreate struct {
	Entry       string          `json:"entry"`
	Kind        ApplicationKind `json:"kind"`
	Items       []string        `json:"items"`
	Purpose     string          `json:"purpose"`
	Basis       string          `json:"basis"`
	Until       string          `json:"until"`
	AcceptTerms bool            `json:"accept_terms"`
	// DemandType is one of DemandTypes (optional); MajorInterest is required for an open
	// application for a not-open entry (SX27).
	DemandType    string `json:"demand_type,omitempty"`
	MajorInterest string `json:"major_interest,omitempty"`
}

// ApplicationDecision is a provider's (or, on a dispute, the authority's) answer. An
// approval may narrow the scope: items, the items granted in clear (unmasked), a row filter
// (query-string form of the rows API, e.g. "division=350102&year__gte=2020"), the expiry
// and the purpose; empty fields keep what was asked.
type ApplicationDecision struct {
	Decision   string   `json:"decision"` // approve | reject
	Reason     string   `json:"reason"`   // required for a rejection
	Basis      string   `json:"basis"`    // the legal basis of a rejection; required for one
	Items      []string `json:"items,omitempty"`
	ClearItems []string `json:"clear_items,omitempty"`
	RowFilter  string   `json:"row_filter,omitempty"`
	Until      string   `json:"until,omitempty"`
	Purpose    string   `json:"purpose,omitempty"`
}

// NextApplicationStatus is the application workflow: the status after action, or ECONFLICT
// naming why the step is not possible now. disputed tells whether the application was
// disputed before (a rejection can be disputed once).
func NextApplicationStatus(s ApplicationStatus, action ApplicationAction, disputed bool) (ApplicationStatus, error) {
	switch {
	case s == AppPending && action == AppApprove, s == AppDisputed && action == AppApprove:
		return AppApproved, nil
	case s == AppPending && action == AppReject, s == AppDisputed && action == AppReject:
		return AppRejected, nil
	case s == AppPending && action == AppWithdraw:
		return AppWithdrawn, nil
	case s == AppRejected && action == AppDispute && !disputed:
		return AppDisputed, nil
	case s == AppRejected && action == AppDispute:
		return "", Errorf(ECONFLICT, "This rejection was already disputed and the authority upheld it; it cannot be disputed again.").Keyed("error.application.disputed_again")
	case s == AppApproved && action == AppExpire:
		return AppExpired, nil
	}
	return "", Errorf(ECONFLICT, "An application that is %s cannot be %s.", s, pastTense(action)).
		Keyed("error.application.step", "Status", stateWord(s, map[ApplicationStatus]string{AppPending: "error.application.state.pending",
			AppApproved: "error.application.state.approved", AppRejected: "error.application.state.rejected", AppDisputed: "error.application.state.disputed",
			AppWithdrawn: "error.application.state.withdrawn", AppExpired: "error.application.state.expired"}), "Action", pastTenseMessage(action))
}

// stateWord names the status s of a workflow in a state-transition refusal by its key in
// keys (English: the status as the API writes it), or quotes it as it is.
func stateWord[S ~string](s S, keys map[S]string) *Message {
	if k, ok := keys[s]; ok {
		return NewMessage(k)
	}
	return NewMessage("error.sentence", "Text", string(s))
}

// pastTenseMessage is pastTense as a message.
func pastTenseMessage(a ApplicationAction) *Message {
	if k, ok := map[ApplicationAction]string{AppApprove: "error.application.step.approve", AppReject: "error.application.step.reject",
		AppDispute: "error.application.step.dispute", AppWithdraw: "error.application.step.withdraw", AppExpire: "error.application.step.expire"}[a]; ok {
		return NewMessage(k)
	}
	return NewMessage("error.sentence", "Text", pastTense(a))
}

func pastTense(a ApplicationAction) string {
	switch a {
	case AppApprove:
		return "approved"
	case AppReject:
		return "rejected"
	case AppDispute:
		return "disputed"
	case AppWithdraw:
		return "withdrawn"
	case AppExpire:
		return "expired"
	}
	return string(a)
}

// CanDecideApplication reports whether the actor may answer the application: a pending one
// by the provider's admins and reviewers; a disputed one by an authority's admin or reviewer
// whose division covers the entry's (entryDivision).
func CanDecideApplication(a *Actor, app *Application, entryDivision string) bool {
	switch app.Status {
	case AppPending:
		return !a.Anonymous() && a.OrgCode() == app.Provider && (a.Role() == RoleAdmin || a.Role() == RoleReviewer)
	case AppDisputed:
		return CanReviewEntry(a, entryDivision)
	}
	return false
}

// IsApplicant reports whether the actor is the applicant: the user who applied, or an admin
// of the applying organisation.
func IsApplicant(a *Actor, app *Application) bool {
	if a.Anonymous() {
		return false
	}
	return a.Username() == app.Applicant || (app.ApplicantOrg != "" && a.OrgCode() == app.ApplicantOrg && a.Role() == RoleAdmin)
}

// ApplicationFilter selects applications.
type ApplicationFilter struct {
	Applicant    string // username
	ApplicantOrg string // the applications of an organisation
	Provider     string // the incoming applications of a provider
	Division     string // for an authority: applications whose entry is in this division
	Status       ApplicationStatus
	Overdue      bool // only overdue ones
	Kind         ApplicationKind
	Limit        int
	Cursor       string
}

// Grant is the right an approval gives: a consumer's use of an entry's data, limited to
// items, a row filter and a period, for a purpose. A share grant belongs to an organisation
// (Consumer); an open grant to a public user (ConsumerUser) or a company.
type Grant struct {
	ID           string          `json:"id"`
	Application  string          `json:"application"`
	Kind         ApplicationKind `json:"kind"`
	Entry        string          `json:"entry"`
	EntryTitle   string          `json:"entry_title"`
	Provider     string          `json:"provider"`
	Consumer     string          `json:"consumer,omitempty"`      // organisation code
	ConsumerUser string          `json:"consumer_user,omitempty"` // username, for a public user
	Items        []string        `json:"items"`                   // the items it covers; empty: all
	ClearItems   []string        `json:"clear_items"`             // items read unmasked
	RowFilter    string          `json:"row_filter,omitempty"`
	Purpose      string          `json:"purpose"`
	Expires      time.Time       `json:"expires"` // the end of the period (exclusive)
	RevokedAt    *time.Time      `json:"revoked_at,omitempty"`
	RevokedBy    string          `json:"revoked_by,omitempty"`
	RevokeReason string          `json:"revoke_reason,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// StateAt is the grant's state at now: "revoked", "expired" or "live".
func (g *Grant) StateAt(now time.Time) string {
	switch {
	case g.RevokedAt != nil:
		return "revoked"
	case !g.Live(now):
		return "expired"
	}
	return "live"
}

// LastDay is the grant's last day of use (the day before Expires, in China's time zone).
func (g *Grant) LastDay() string { return Today(g.Expires.Add(-time.Second)) }

// Live reports whether the grant may be used at now: not revoked and not expired.
func (g *Grant) Live(now time.Time) bool {
	return g.RevokedAt == nil && now.Before(g.Expires)
}

// Holds reports whether the grant is the actor's: the consumer organisation's users, or the
// public user it was granted to.
func (g *Grant) Holds(a *Actor) bool {
	if a.Anonymous() {
		return false
	}
	if g.ConsumerUser != "" {
		return a.Username() == g.ConsumerUser
	}
	return g.Consumer != "" && a.OrgCode() == g.Consumer
}

// GrantFilter selects grants.
type GrantFilter struct {
	Consumer     string // organisation code
	ConsumerUser string
	Provider     string
	Division     string // for an authority: grants of entries in this division
	Entry        string
	LiveAt       *time.Time // only grants live at this time
	Limit        int
	Cursor       string
}

// ApplicationService keeps applications and the grants their approvals make. Authorisation
// is the caller's (CanDecideApplication, IsApplicant); the service counts due dates with the
// working-day calendar and its ReplyDays; every change records its audit event in its
// transaction.
type ApplicationService interface {
	// CreateApplication records a pending application of the actor in ctx for the published
	// entry e, received now and due at the close of business of the kind's reply days'
	// last working day. EINVALID naming fields.
	CreateApplication(ctx context.Context, e *Entry, c *ApplicationCreate) (*Application, error)
	// FindApplicationByID returns an application; ENOTFOUND.
	FindApplicationByID(ctx context.Context, id string) (*Application, error)
	// FindApplications returns a page, the soonest due first for pending ones, else newest.
	FindApplications(ctx context.Context, f ApplicationFilter) ([]*Application, int, string, error)
	// DecideApplication approves (making the grant, in the same transaction) or rejects.
	DecideApplication(ctx context.Context, id string, d *ApplicationDecision) (*Application, error)
	// DisputeApplication sends a rejection to the authority, with the applicant's reason.
	DisputeApplication(ctx context.Context, id, reason string) (*Application, error)
	// WithdrawApplication withdraws a pending application.
	WithdrawApplication(ctx context.Context, id string) (*Application, error)
	// MarkOverdue flags pending applications due before now as overdue and escalated to the
	// authority (H3), recording each once. Returns how many it flagged.
	MarkOverdue(ctx context.Context, now time.Time) (int, error)
	// ExpireGrants ends the grants whose period ended before now (their applications become
	// expired), recording each once. Returns how many.
	ExpireGrants(ctx context.Context, now time.Time) (int, error)
	// FindApplicationEvents returns the transitions of an application, oldest first.
	FindApplicationEvents(ctx context.Context, id string) ([]*ApplicationEvent, error)
	// OverdueCounts counts, per provider organisation code, the applications that went
	// overdue (H3: counted against the provider), of entries inside division ("" all).
	OverdueCounts(ctx context.Context, division string) (map[string]int, error)

	// FindGrants returns a page of grants, newest first.
	FindGrants(ctx context.Context, f GrantFilter) ([]*Grant, string, error)
	// FindGrantByID returns a grant; ENOTFOUND.
	FindGrantByID(ctx context.Context, id string) (*Grant, error)
	// LiveGrants returns the actor's live grants on the entry at now (for DecideAccess).
	LiveGrants(ctx context.Context, a *Actor, entryID string, now time.Time) ([]*Grant, error)
	// RevokeGrant revokes a live grant with a reason (the provider or the authority).
	RevokeGrant(ctx context.Context, id, reason string) (*Grant, error)
}

// --- access ---

// Mask kinds: how a value is shown to a consumer who may not see it in clear.
const (
	MaskNone    = "none"    // in clear
	MaskPartial = "partial" // by the item's kind: 110105********002X, 张*, 138****1234, address to district
	MaskFull    = "full"    // every character hidden
	MaskHide    = "hide"    // the column is not returned at all
)

// MaskKinds lists the mask kinds.
var MaskKinds = []string{MaskNone, MaskPartial, MaskFull, MaskHide}

// MaskPolicy maps a data item's grade (1–4; 0: not graded) to the mask of shared and open
// reads; personal items are masked at least partially whatever their grade. The authority
// sets the platform's policy; a provider may make its own entries' stricter.
type MaskPolicy map[int]string

// DefaultMaskPolicy: grades 1–2 in clear, 3 partial, 4 hidden; personal items partial.
var DefaultMaskPolicy = MaskPolicy{0: MaskNone, 1: MaskNone, 2: MaskNone, 3: MaskPartial, 4: MaskHide}

// ItemMask is the mask of an item under the policy (before any grant's clear items).
func (p MaskPolicy) ItemMask(it Item) string {
	m, ok := p[it.Grade]
	if !ok {
		m = MaskNone
	}
	if it.Personal && m == MaskNone {
		m = MaskPartial
	}
	return m
}

// Access reasons: why DecideAccess allowed or refused.
const (
	AccessProvider      = "provider"       // the provider's own data
	AccessAuthority     = "authority"      // the covering authority
	AccessOpen          = "open"           // unconditionally open
	AccessShared        = "shared"         // unconditionally shared, with a purpose
	AccessGrant         = "grant"          // a live grant
	AccessNoPurpose     = "no_purpose"     // a shared read without a purpose
	AccessNeedsGrant    = "needs_grant"    // conditional: apply first
	AccessNotShared     = "not_shared"     // class none
	AccessSuspended     = "suspended"      // the caller's organisation's data service is suspended
	AccessNotAuthorized = "not_authorized" // anonymous or public caller on data not open
	// AccessWrongPurpose: a read that needs the caller's grant named another purpose than
	// the grant's (D4: shared data serves the purpose it was granted for only).
	AccessWrongPurpose = "purpose_mismatch"
	// AccessGrantNotHeld: the read named a grant (X-Grant) that is not a live grant of the
	// caller on the entry.
	AccessGrantNotHeld = "grant_not_held"
	// AccessInvisible: the entry (or every item the caller could read) is usable but
	// invisible: no rows, only verifications and aggregates (invisible.go).
	AccessInvisible = "invisible"
	// AccessNotInvisible: a verification or aggregate of an entry whose rows can be read.
	AccessNotInvisible = "not_invisible"
	// AccessSignIn: a verification or aggregate by an anonymous caller.
	AccessSignIn = "sign_in"
)

// PurposeRefusal reports whether a refusal is one of purpose binding (a purpose other than
// the grant's, or a grant not held): the refusals the read path records.
func PurposeRefusal(reason string) bool {
	return reason == AccessWrongPurpose || reason == AccessGrantNotHeld
}

// AccessDecision is what a caller may read of an entry.
type AccessDecision struct {
	Allow   bool
	Reason  string // one of the Access* reasons
	Message string // a sentence for the caller when refused, in English
	// Msg names Message in the message files, so that the caller reads it in their language.
	Msg *Message
	// Columns are the items the caller may read, in item order; Masks gives the mask of
	// each that is not in clear.
	Columns []string
	Masks   map[string]string
	// Filter is the grant's row filter ("" none), in the rows API's query-string form.
	Filter  string
	Grant   *Grant
	Purpose string // the purpose to record with the read
	// Shared reports a read by another body (recorded as a shared read).
	Shared bool
	// Withheld are the columns an open read leaves out while an opened-data finding holds
	// them (E7, openwatch.go).
	Withheld []string
}

// AccessRequest is a read: who, which entry, which purpose, with which live grants of the
// caller on the entry, under which mask policy, and whether the caller's organisation is
// suspended (with the reason).
type AccessRequest struct {
	Actor   *Actor
	Entry   *Entry
	Purpose string
	// Grant is the id of the grant the read names (X-Grant); "" names none.
	Grant     string
	Grants    []*Grant
	Policy    MaskPolicy
	Suspended string // the suspension's reason; "" when not suspended
	Now       time.Time
	// Withheld are the entry's columns withheld from the public (E7, openwatch.go).
	Withheld []string
}

// DecideAccess decides a read of an entry's data, for every read path (rows, downloads,
// CKAN datastore, service-interface calls):
//   - a suspended organisation reads nothing (its reason is shown);
//   - the provider's users and the covering authority read everything in clear;
//   - an unconditionally open entry is read by anyone, masked by the policy;
//   - a public body reads an unconditionally shared entry with a purpose (masked), a
//     conditionally shared one only with a live grant (the grant's items, filter, clear
//     items), and a not-shared one not at all;
//   - the public (anonymous, public users, companies) reads a conditionally open entry only
//     with a live open grant, and a not-open one likewise (a grant to a party with a major
//     interest, SX27);
//   - a read under a grant is bound to the grant's purpose (D4): it names the grant
//     (r.Grant, X-Grant) or the grant's purpose, or no purpose at all (then the grant's is
//     recorded); a read naming another purpose is refused (AccessWrongPurpose) unless the
//     entry is readable without the grant (unconditionally open, or unconditionally shared
//     with a purpose), and a grant named that the caller does not hold live is refused
//     (AccessGrantNotHeld);
//   - an open read (the entry unconditionally open, or an open grant) leaves out the
//     columns an opened-data finding withholds (r.Withheld, E7).
func DecideAccess(r AccessRequest) AccessDecision {
	d := hideInvisible(r.Entry, decideAccess(r))
	if d.Allow && len(r.Withheld) > 0 && (d.Reason == AccessOpen || (d.Grant != nil && d.Grant.Kind == KindOpen)) {
		d.Columns = slices.DeleteFunc(slices.Clone(d.Columns), func(c string) bool { return slices.Contains(r.Withheld, c) })
		for _, c := range r.Withheld {
			delete(d.Masks, c)
		}
		d.Withheld = slices.Clone(r.Withheld)
	}
	return d
}

func decideAccess(r AccessRequest) AccessDecision {
	a, e := r.Actor, r.Entry
	policy := r.Policy
	if policy == nil {
		policy = DefaultMaskPolicy
	}
	refuse := func(reason, msg string, m *Message) AccessDecision {
		return AccessDecision{Reason: reason, Message: msg, Msg: m}
	}
	if r.Suspended != "" {
		return refuse(AccessSuspended, "The data service of your organisation is suspended: "+r.Suspended,
			NewMessage("error.access.suspended", "Reason", r.Suspended))
	}
	all := make([]string, len(e.Items))
	for i, it := range e.Items {
		all[i] = it.Name
	}
	if CanReadAllData(a, e) {
		reason := AccessProvider
		if a.OrgCode() != e.Org {
			reason = AccessAuthority
		}
		return AccessDecision{Allow: true, Reason: reason, Columns: all, Masks: map[string]string{}, Purpose: strings.TrimSpace(r.Purpose)}
	}
	masked := func(cols []string, clear []string) (out []string, masks map[string]string) {
		masks = map[string]string{}
		for _, it := range e.Items {
			if !slices.Contains(cols, it.Name) {
				continue
			}
			m := policy.ItemMask(it)
			if slices.Contains(clear, it.Name) {
				m = MaskNone
			}
			switch m {
			case MaskHide:
				continue
			case MaskNone:
			default:
				masks[it.Name] = m
			}
			out = append(out, it.Name)
		}
		return out, masks
	}
	purpose := strings.TrimSpace(r.Purpose)
	var held []*Grant
	for _, g := range r.Grants {
		if g.Entry == e.ID && g.Holds(a) && g.Live(r.Now) {
			held = append(held, g)
		}
	}
	var live, other *Grant // the grant the read is under; a held grant whose purpose differs
	switch named := strings.TrimSpace(r.Grant); {
	case named != "":
		for _, g := range held {
			if g.ID == named {
				live = g
			}
		}
		if live == nil {
			return refuse(AccessGrantNotHeld, "Grant "+quoted(named)+" is not a live grant of yours on this entry (X-Grant): it does not exist, is not yours, has expired or was revoked.",
				NewMessage("error.access.grant_not_held", "ID", named))
		}
		if purpose != "" && purpose != strings.TrimSpace(live.Purpose) {
			return refuse(AccessWrongPurpose, wrongPurpose(live), wrongPurposeMessage(live))
		}
	case purpose == "":
		if len(held) > 0 {
			live = held[0]
		}
	default:
		for _, g := range held {
			if strings.TrimSpace(g.Purpose) == purpose {
				live = g
				break
			}
		}
		if live == nil && len(held) > 0 {
			other = held[0]
		}
	}
	withGrant := func() AccessDecision {
		cols := all
		if len(live.Items) > 0 {
			cols = live.Items
		}
		cols, masks := masked(cols, live.ClearItems)
		p := purpose
		if p == "" {
			p = live.Purpose
		}
		return AccessDecision{Allow: true, Reason: AccessGrant, Columns: cols, Masks: masks, Filter: live.RowFilter, Grant: live, Purpose: p, Shared: true}
	}
	if e.OpenClass == ClassUnconditional {
		cols, masks := masked(all, nil)
		return AccessDecision{Allow: true, Reason: AccessOpen, Columns: cols, Masks: masks, Purpose: purpose}
	}
	publicBody := !a.Anonymous() && a.Org != nil && (a.Org.Kind == KindPublicBody || a.Org.Kind == KindAuthority)
	if other != nil && !(publicBody && e.ShareClass == ClassUnconditional) {
		return refuse(AccessWrongPurpose, wrongPurpose(other), wrongPurposeMessage(other))
	}
	if publicBody {
		switch e.ShareClass {
		case ClassUnconditional:
			if live != nil {
				return withGrant()
			}
			if purpose == "" {
				return refuse(AccessNoPurpose, "A shared read needs a purpose: send it in the X-Purpose header (为何使用这些数据).", NewMessage("error.access.no_purpose"))
			}
			cols, masks := masked(all, nil)
			return AccessDecision{Allow: true, Reason: AccessShared, Columns: cols, Masks: masks, Purpose: purpose, Shared: true}
		case ClassConditional:
			if live != nil {
				return withGrant()
			}
			return refuse(AccessNeedsGrant, "This entry is shared on conditions: apply for it and use it once the provider approves.", NewMessage("error.access.share_conditional"))
		}
		return refuse(AccessNotShared, "This entry is not shared (不予共享): "+e.ShareBasis, NewMessage("error.access.not_shared", "Basis", e.ShareBasis))
	}
	if e.OpenClass == ClassConditional || e.OpenClass == ClassNone {
		if live != nil && live.Kind == KindOpen {
			return withGrant()
		}
		if e.OpenClass == ClassNone {
			return refuse(AccessNotAuthorized, "This entry's data is not open to the public (不予开放): "+e.OpenBasis, NewMessage("error.access.not_open_basis", "Basis", e.OpenBasis))
		}
		return refuse(AccessNeedsGrant, "This entry is open on conditions: apply for it and use it once the provider approves.", NewMessage("error.access.open_conditional"))
	}
	return refuse(AccessNotAuthorized, "This entry's data is not open to the public.", NewMessage("error.access.not_open"))
}

// wrongPurposeMessage is wrongPurpose as a message.
func wrongPurposeMessage(g *Grant) *Message {
	return NewMessage("error.access.wrong_purpose", "ID", g.ID, "Purpose", g.Purpose)
}

// wrongPurpose is the refusal of a read under grant g for another purpose.
func wrongPurpose(g *Grant) string {
	return "Your grant " + g.ID + " on this entry is for the purpose " + quoted(g.Purpose) +
		"; shared data serves only the purpose it was granted for, so a read for another purpose is refused. Send X-Purpose with the grant's purpose, or X-Grant: " + g.ID + "."
}

// quoted puts s in Chinese quotation marks.
func quoted(s string) string { return "“" + s + "”" }
