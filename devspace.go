package pubdata

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Tiered development (分级开发, issue 16 item 3, F1 and F4). The authority names first-level
// operators (一级开发主体): organisations that run the platform's development spaces day to
// day and see every one. Second-level developers (二级开发主体) — companies, research bodies,
// people — apply per scenario for a development space: the data (published entries), the
// purpose, the period and the outputs. The providers decide the entries whose share class
// is conditional; the authority covering the developer decides the space. Inside an
// approved space, between its first and last day and while it is not suspended, the
// developer runs the anonymiser over the entries' rows (read through the one read path),
// usable-but-invisible aggregates, and, when the space allows it, row reads; each use is
// recorded. The developer files a usage report every cycle; the platform's schedule
// reminds before each due date and suspends a space whose report is overdue past the grace
// days (F4), until the authority reinstates it. Products registered from a space carry
// their provenance (product.go).
//
//	pending ──approve──▶ approved ──suspend──▶ suspended ──reinstate──▶ approved
//	   └────refuse────▶ refused                     approved/suspended ──close──▶ closed

// DevSpaceStatus is a development space's state.
type DevSpaceStatus string

// Space statuses.
const (
	SpacePending   DevSpaceStatus = "pending"
	SpaceApproved  DevSpaceStatus = "approved"
	SpaceRefused   DevSpaceStatus = "refused"
	SpaceSuspended DevSpaceStatus = "suspended"
	SpaceClosed    DevSpaceStatus = "closed"
)

// EntryApproval is a provider's decision on an entry of a space.
type EntryApproval string

// Entry approvals: an entry whose share class is unconditional needs none.
const (
	ApprovalNotNeeded EntryApproval = "not_needed"
	ApprovalPending   EntryApproval = "pending"
	ApprovalApproved  EntryApproval = "approved"
	ApprovalRefused   EntryApproval = "refused"
)

// Usable reports whether the entry may be used in an approved space.
func (a EntryApproval) Usable() bool { return a == ApprovalNotNeeded || a == ApprovalApproved }

// ReportCycle is how often a space's usage report is due.
type ReportCycle string

// Report cycles.
const (
	ReportMonthly   ReportCycle = "monthly"
	ReportQuarterly ReportCycle = "quarterly"
)

// Months is the cycle's length in months.
func (c ReportCycle) Months() int {
	if c == ReportQuarterly {
		return 3
	}
	return 1
}

// Space uses: what a developer does with an entry inside a space.
const (
	SpaceUseAnonymise = "anonymise"
	SpaceUseAggregate = "aggregate"
	SpaceUseVerify    = "verify"
	SpaceUseRows      = "rows"
)

// Limits of an application.
const (
	MaxSpaceEntries = 20
	MaxSpaceText    = 4000
	MaxSpaceTitle   = 200
	MaxSpaceDays    = 731 // two years
	MaxSpaceReason  = 1000
)

// The schedule's days: a reminder is sent DevSpaceRemindDays before a report is due; a
// report more than DevSpaceGraceDays overdue suspends the space.
const (
	DevSpaceRemindDays = 7
	DevSpaceGraceDays  = 5
)

// DevSpaceEntry is an entry of a space with its provider's decision.
type DevSpaceEntry struct {
	EntryID    string        `json:"entry"`
	EntryTitle string        `json:"entry_title"`
	Provider   string        `json:"provider"`
	ShareClass string        `json:"share_class"`
	Approval   EntryApproval `json:"approval"`
	DecidedBy  string        `json:"decided_by,omitempty"`
	DecidedAt  *time.Time    `json:"decided_at,omitempty"`
	Reason     string        `json:"reason,omitempty"`
}

// DevSpace is a development space: the application and, once approved, the space.
type DevSpace struct {
	ID        string `json:"id"`
	Org       string `json:"org,omitempty"` // the developer organisation ("" for a person)
	Applicant string `json:"applicant"`     // the username that applied (the developer, for a person)
	// Division is the developer organisation's division ("" for a person): the authority
	// covering it decides.
	Division    string          `json:"division,omitempty"`
	Title       string          `json:"title"` // the scenario's name
	Scenario    string          `json:"scenario,omitempty"`
	Purpose     string          `json:"purpose"`
	Outputs     string          `json:"outputs"`
	StartsOn    string          `json:"starts_on"` // YYYY-MM-DD, inclusive
	EndsOn      string          `json:"ends_on"`   // YYYY-MM-DD, inclusive
	RowAccess   bool            `json:"row_access"`
	ReportEvery ReportCycle     `json:"report_every"`
	Status      DevSpaceStatus  `json:"status"`
	Reason      string          `json:"status_reason,omitempty"` // the refusal's, suspension's or reinstatement's
	DecidedBy   string          `json:"decided_by,omitempty"`
	DecidedAt   *time.Time      `json:"decided_at,omitempty"`
	StatusBy    string          `json:"status_by,omitempty"` // who last suspended, reinstated or closed it ("" the schedule)
	StatusAt    *time.Time      `json:"status_at,omitempty"`
	NextDue     string          `json:"next_report_due,omitempty"` // YYYY-MM-DD; "" when no report is due
	RemindedDue string          `json:"-"`
	Uses        int64           `json:"uses"`
	Entries     []DevSpaceEntry `json:"entries"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Entry returns the space's entry id, or nil.
func (s *DevSpace) Entry(id string) *DevSpaceEntry {
	for i := range s.Entries {
		if s.Entries[i].EntryID == id {
			return &s.Entries[i]
		}
	}
	return nil
}

// PendingProviders lists the providers still to decide an entry of the space.
func (s *DevSpace) PendingProviders() []string {
	var out []string
	for _, e := range s.Entries {
		if e.Approval == ApprovalPending && !slices.Contains(out, e.Provider) {
			out = append(out, e.Provider)
		}
	}
	return out
}

// StateAt is what the space is at now: its status, or "ended" for an approved space past
// its last day and "not_begun" before its first.
func (s *DevSpace) StateAt(now time.Time) string {
	if s.Status != SpaceApproved {
		return string(s.Status)
	}
	today := Today(now)
	switch {
	case today < s.StartsOn:
		return "not_begun"
	case today > s.EndsOn:
		return "ended"
	}
	return "active"
}

// CheckUse returns nil when the space may be used at now for use on entry ("" any entry):
// approved, begun, not ended, the entry usable in it, row reads allowed for SpaceUseRows;
// otherwise EFORBIDDEN (ECONFLICT for the space's state) naming why.
func (s *DevSpace) CheckUse(now time.Time, entry, use string) error {
	switch s.StateAt(now) {
	case "active":
	case string(SpaceSuspended):
		return Errorf(ECONFLICT, "Development space %q is suspended (%s): nothing may be done in it until the authority reinstates it.", s.ID, s.Reason).
			Keyed("error.devspace.suspended", "ID", s.ID, "Reason", s.Reason)
	case "ended":
		return Errorf(ECONFLICT, "Development space %q ended on %s.", s.ID, s.EndsOn).Keyed("error.devspace.ended", "ID", s.ID, "Date", s.EndsOn)
	case "not_begun":
		return Errorf(ECONFLICT, "Development space %q begins on %s.", s.ID, s.StartsOn).Keyed("error.devspace.not_begun", "ID", s.ID, "Date", s.StartsOn)
	default:
		return Errorf(ECONFLICT, "Development space %q is %s, not approved: nothing may be done in it.", s.ID, s.Status).
			Keyed("error.devspace.not_approved", "ID", s.ID, "Status", string(s.Status))
	}
	if entry != "" {
		e := s.Entry(entry)
		if e == nil {
			return Errorf(EFORBIDDEN, "Entry %q is not part of development space %q.", entry, s.ID).Keyed("error.devspace.entry_not_in_space", "Entry", entry, "ID", s.ID)
		}
		if !e.Approval.Usable() {
			return Errorf(EFORBIDDEN, "The provider did not approve entry %q for this space (%s).", entry, e.Approval).
				Keyed("error.devspace.entry_not_approved", "Entry", entry)
		}
	}
	if use == SpaceUseRows && !s.RowAccess {
		return Errorf(EFORBIDDEN, "Development space %q does not allow reading rows: use the anonymiser or aggregates.", s.ID).Keyed("error.devspace.no_rows", "ID", s.ID)
	}
	return nil
}

// GrantID is the id a space's reads name as their grant (X-Grant) on the read path.
func (s *DevSpace) GrantID() string { return "devspace:" + s.ID }

// Grant is the space's standing on an entry as the read path sees it for the actor (its
// developer): a grant held for the space's purpose until the end of its last day — a
// share grant for a public body, an open grant for a company or a person. It is never
// stored.
func (s *DevSpace) Grant(e *Entry, a *Actor) *Grant {
	end, _ := time.ParseInLocation(DateFormat, s.EndsOn, ChinaTime)
	kind := KindOpen
	if a.Org != nil && (a.Org.Kind == KindPublicBody || a.Org.Kind == KindAuthority) {
		kind = KindShare
	}
	return &Grant{ID: s.GrantID(), Kind: kind, Entry: e.ID, EntryTitle: e.Title, Provider: e.Org,
		Consumer: s.Org, ConsumerUser: s.developerUser(), Purpose: s.Purpose, Expires: end.AddDate(0, 0, 1), CreatedAt: s.CreatedAt}
}

func (s *DevSpace) developerUser() string {
	if s.Org == "" {
		return s.Applicant
	}
	return ""
}

// DevSpaceApplication is a developer's application for a space.
type DevSpaceApplication struct {
	Title       string      `json:"title"`
	Scenario    string      `json:"scenario"`
	Purpose     string      `json:"purpose"`
	Outputs     string      `json:"outputs"`
	Entries     []string    `json:"entries"`
	StartsOn    string      `json:"starts_on"`
	EndsOn      string      `json:"ends_on"`
	RowAccess   bool        `json:"row_access"`
	ReportEvery ReportCycle `json:"report_every"`
}

// ValidateDevSpaceApplication trims and checks an application made on today (YYYY-MM-DD):
// a title, a purpose and outputs, one to MaxSpaceEntries distinct entries, a period from
// today or later of at most MaxSpaceDays, a known report cycle ("" monthly).
func ValidateDevSpaceApplication(a *DevSpaceApplication, today string) error {
	a.Title, a.Scenario = strings.TrimSpace(a.Title), strings.TrimSpace(a.Scenario)
	a.Purpose, a.Outputs = strings.TrimSpace(a.Purpose), strings.TrimSpace(a.Outputs)
	a.StartsOn, a.EndsOn = strings.TrimSpace(a.StartsOn), strings.TrimSpace(a.EndsOn)
	var p []*Error
	text := func(field, v string, max int, required bool) {
		switch n := utf8.RuneCountInString(v); {
		case n == 0 && required:
			p = append(p, FieldErrorf(field, "The application needs its %s.", field).Keyed("error.devspace.required", "Field", field))
		case n > max:
			p = append(p, FieldErrorf(field, "The %s is longer than %d characters.", field, max).Keyed("error.devspace.too_long", "Field", field, "Max", max))
		}
	}
	text("title", a.Title, MaxSpaceTitle, true)
	text("scenario", a.Scenario, MaxSpaceText, false)
	text("purpose", a.Purpose, MaxSpaceText, true)
	text("outputs", a.Outputs, MaxSpaceText, true)
	var entries []string
	for _, e := range a.Entries {
		if e = strings.TrimSpace(e); e != "" && !slices.Contains(entries, e) {
			entries = append(entries, e)
		}
	}
	a.Entries = entries
	switch {
	case len(entries) == 0:
		p = append(p, FieldErrorf("entries", "Name at least one catalogue entry the space works on.").Keyed("error.devspace.entries_required"))
	case len(entries) > MaxSpaceEntries:
		p = append(p, FieldErrorf("entries", "A space works on at most %d entries.", MaxSpaceEntries).Keyed("error.devspace.entries_many", "Max", MaxSpaceEntries))
	}
	start, err1 := time.Parse(DateFormat, a.StartsOn)
	end, err2 := time.Parse(DateFormat, a.EndsOn)
	switch {
	case err1 != nil:
		p = append(p, FieldErrorf("starts_on", "The first day %q is not a date (YYYY-MM-DD).", a.StartsOn).Keyed("error.devspace.date", "Field", "starts_on", "Value", a.StartsOn))
	case err2 != nil:
		p = append(p, FieldErrorf("ends_on", "The last day %q is not a date (YYYY-MM-DD).", a.EndsOn).Keyed("error.devspace.date", "Field", "ends_on", "Value", a.EndsOn))
	case a.StartsOn < today:
		p = append(p, FieldErrorf("starts_on", "The first day %s is in the past.", a.StartsOn).Keyed("error.devspace.past", "Date", a.StartsOn))
	case end.Before(start):
		p = append(p, FieldErrorf("ends_on", "The last day %s is before the first day %s.", a.EndsOn, a.StartsOn).Keyed("error.devspace.order", "Start", a.StartsOn, "End", a.EndsOn))
	case end.Sub(start) > MaxSpaceDays*24*time.Hour:
		p = append(p, FieldErrorf("ends_on", "A space lasts at most %d days.", MaxSpaceDays).Keyed("error.devspace.long", "Max", MaxSpaceDays))
	}
	if a.ReportEvery == "" {
		a.ReportEvery = ReportMonthly
	}
	if a.ReportEvery != ReportMonthly && a.ReportEvery != ReportQuarterly {
		p = append(p, FieldErrorf("report_every", "Report cycle %q is not monthly or quarterly.", a.ReportEvery).Keyed("error.devspace.cycle", "Cycle", string(a.ReportEvery)))
	}
	return invalid(p)
}

// ValidateSpaceReason trims a decision's reason: required when required, at most
// MaxSpaceReason characters.
func ValidateSpaceReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" && required {
		return "", FieldErrorf("reason", "Give the reason.").Keyed("error.devspace.reason_required")
	}
	if utf8.RuneCountInString(reason) > MaxSpaceReason {
		return "", FieldErrorf("reason", "The reason is longer than %d characters.", MaxSpaceReason).Keyed("error.devspace.reason_long", "Max", MaxSpaceReason)
	}
	return reason, nil
}

// FirstReportDue is the first report's due date of a space approved on today: one cycle
// after its first day (or after today, when approved after it began).
func FirstReportDue(s *DevSpace, today string) string {
	from := s.StartsOn
	if today > from {
		from = today
	}
	return addMonths(from, s.ReportEvery.Months())
}

// NextReportDue is the due date after a report for due is filed: one cycle later, or ""
// when due already reached the space's last day (that report was the final one).
func NextReportDue(s *DevSpace, due string) string {
	if due >= s.EndsOn {
		return ""
	}
	return addMonths(due, s.ReportEvery.Months())
}

func addMonths(date string, n int) string {
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return ""
	}
	return t.AddDate(0, n, 0).Format(DateFormat)
}

// Schedule steps of a space at a date.
const (
	ScheduleNone    = ""
	ScheduleRemind  = "remind"
	ScheduleSuspend = "suspend"
)

// ScheduleStep is what the schedule does for an approved space on today: suspend it when
// its report is more than DevSpaceGraceDays overdue, remind its developer once per due date
// from DevSpaceRemindDays before it, else nothing.
func ScheduleStep(s *DevSpace, today string) string {
	if s.Status != SpaceApproved || s.NextDue == "" {
		return ScheduleNone
	}
	due, err := time.Parse(DateFormat, s.NextDue)
	if err != nil {
		return ScheduleNone
	}
	if today > due.AddDate(0, 0, DevSpaceGraceDays).Format(DateFormat) {
		return ScheduleSuspend
	}
	if s.RemindedDue != s.NextDue && today >= due.AddDate(0, 0, -DevSpaceRemindDays).Format(DateFormat) {
		return ScheduleRemind
	}
	return ScheduleNone
}

// DevSpaceReport is a usage report.
type DevSpaceReport struct {
	ID      string    `json:"id"`
	SpaceID string    `json:"space"`
	Due     string    `json:"due"` // the due date it answers
	Usage   string    `json:"usage"`
	Outputs string    `json:"outputs,omitempty"`
	Late    bool      `json:"late"`
	FiledBy string    `json:"filed_by"`
	FiledAt time.Time `json:"filed_at"`
}

// DevSpaceRun is an anonymiser run or an aggregate inside a space: the entry read (its
// catalogue version, last batch and time), what was asked (Config) and what came out
// (Report), and the anonymised table's blob.
type DevSpaceRun struct {
	ID           string          `json:"id"`
	SpaceID      string          `json:"space"`
	EntryID      string          `json:"entry"`
	Kind         string          `json:"kind"` // anonymise, aggregate
	Config       json.RawMessage `json:"config"`
	Report       json.RawMessage `json:"report"`
	Blob         string          `json:"-"`
	SHA256       string          `json:"sha256,omitempty"`
	SM3          string          `json:"sm3,omitempty"`
	Size         int64           `json:"size,omitempty"`
	Rows         int64           `json:"rows"`
	EntryVersion int             `json:"entry_version"`
	BatchID      string          `json:"batch,omitempty"`
	AsOf         time.Time       `json:"as_of"`
	Actor        string          `json:"actor"`
	CreatedAt    time.Time       `json:"created_at"`
}

// SpaceRunConfig is what an anonymiser run of a space asked: the criteria and each
// quasi-identifier's hierarchy spec. It is the run's Config.
type SpaceRunConfig struct {
	K                int                `json:"k"`
	SuppressionLimit float64            `json:"suppression_limit"`
	Metric           string             `json:"metric,omitempty"`
	QuasiIdentifiers []ProductHierarchy `json:"quasi_identifiers"`
	Sensitive        []ProductSensitive `json:"sensitive,omitempty"`
	Keep             []string           `json:"keep,omitempty"`
}

// DevSpaceFilter selects spaces; empty fields do not filter. Scope limits them to an
// authority's reach (nil: all).
type DevSpaceFilter struct {
	Org       string
	Applicant string // a person's spaces (Org "")
	Provider  string // spaces with an entry of this provider
	Status    DevSpaceStatus
	Scope     *Scope
	Limit     int
}

// Who may do what with spaces.

// CanApplyForSpace: a company's or public body's admins and editors, and public users
// (people); not authorities, who decide.
func CanApplyForSpace(a *Actor) bool {
	if a.Anonymous() {
		return false
	}
	if a.Org == nil {
		return true
	}
	return a.Org.Kind != KindAuthority && (a.User.Role == RoleAdmin || a.User.Role == RoleEditor)
}

// IsSpaceDeveloper reports whether the actor is the space's developer: a user of its
// organisation, or the person who applied.
func IsSpaceDeveloper(a *Actor, s *DevSpace) bool {
	if a.Anonymous() {
		return false
	}
	if s.Org != "" {
		return a.OrgCode() == s.Org
	}
	return a.Org == nil && a.User.Username == s.Applicant
}

// CanDecideSpace: the admins and reviewers of an authority whose division covers the
// developer's (a person's space: an authority at province level).
func CanDecideSpace(a *Actor, s *DevSpace) bool {
	if !a.IsAuthority() || (a.User.Role != RoleAdmin && a.User.Role != RoleReviewer) {
		return false
	}
	if s.Division == "" {
		return len(DivisionPrefix(a.Org.Division)) <= 2
	}
	return DivisionCovers(a.Org.Division, s.Division)
}

// CanCloseSpace: the admins of a first-level operator (operator: the actor's organisation
// is one), and whoever decides the space.
func CanCloseSpace(a *Actor, s *DevSpace, operator bool) bool {
	return operator && !a.Anonymous() && a.User.Role == RoleAdmin || CanDecideSpace(a, s)
}

// CanDecideSpaceEntry: the admins and reviewers of the entry's provider.
func CanDecideSpaceEntry(a *Actor, provider string) bool {
	return !a.Anonymous() && a.OrgCode() == provider && (a.User.Role == RoleAdmin || a.User.Role == RoleReviewer)
}

// CanSeeSpace: the developer, the deciding authority, a first-level operator (operator:
// the actor's organisation is one), and the providers of the space's entries.
func CanSeeSpace(a *Actor, s *DevSpace, operator bool) bool {
	if a.Anonymous() {
		return false
	}
	if operator || IsSpaceDeveloper(a, s) || isSpaceAuthority(a, s) {
		return true
	}
	for _, e := range s.Entries {
		if e.Provider == a.OrgCode() {
			return true
		}
	}
	return false
}

// isSpaceAuthority reports whether the actor is of the authority covering the space: its
// division covers the developer's (a person's space: an authority at province level).
func isSpaceAuthority(a *Actor, s *DevSpace) bool {
	return a.IsAuthority() && (s.Division == "" && len(DivisionPrefix(a.Org.Division)) <= 2 || s.Division != "" && DivisionCovers(a.Org.Division, s.Division))
}

// DecideProductContent decides a download of a product's content (issue 16): the space's
// developers, a first-level operator (operator: the actor's organisation is one) and the
// authority covering the space read it; a buyer reads it under a live delivery it holds (a
// grant of kind KindTrade, returned); everyone else — the providers of the space's entries
// among them, who see the product's provenance but not its content — is refused
// (EFORBIDDEN, naming who may).
func DecideProductContent(a *Actor, s *DevSpace, operator bool, product string, deliveries []*Grant, now time.Time) (*Grant, error) {
	if a.Anonymous() {
		return nil, Errorf(EUNAUTHORIZED, "Sign in to read a data product.").Keyed("error.product_read.sign_in")
	}
	if IsSpaceDeveloper(a, s) || operator || isSpaceAuthority(a, s) {
		return nil, nil
	}
	for _, g := range deliveries {
		if g.Kind == KindTrade && g.Entry == product && g.Holds(a) && g.Live(now) {
			return g, nil
		}
	}
	return nil, Errorf(EFORBIDDEN, "Only the development space's developers, the first-level operators, the authority covering the space and buyers under a delivery may download this product's content.").
		Keyed("error.product_content.forbidden")
}

// CanDesignateOperator: an authority's admin at province level names the first-level
// operators.
func CanDesignateOperator(a *Actor) bool {
	return IsPlatformAuthority(a) && a.User.Role == RoleAdmin
}

// CanSeeProduct: whoever sees its space; a product's label and provenance are public once
// it is listed (trading's concern).
func CanSeeProduct(a *Actor, s *DevSpace, operator bool) bool { return CanSeeSpace(a, s, operator) }

// Notifications of spaces.
const (
	NoticeSpaceNew        = "devspace.new"        // to the covering authority and the providers to decide
	NoticeSpaceEntry      = "devspace.entry"      // a provider decided: to the developer
	NoticeSpaceDecided    = "devspace.decided"    // approved or refused: to the developer
	NoticeSpaceReportDue  = "devspace.report_due" // reminder: to the developer
	NoticeSpaceSuspended  = "devspace.suspended"  // to the developer and the authority
	NoticeSpaceReinstated = "devspace.reinstated" // to the developer
)

// developerParties are the space's developer: the person, or every user of the organisation.
func developerParties(p NoticeParties) []Recipient {
	if p.Provider != "" {
		return []Recipient{{Org: p.Provider}}
	}
	return toUser(p)
}

func init() {
	NoticeRules[NoticeSpaceNew] = func(p NoticeParties) []Recipient { return append(authorityDeciders(p), deciders(p.Provider)...) }
	NoticeRules[NoticeSpaceEntry] = developerParties
	NoticeRules[NoticeSpaceDecided] = developerParties
	NoticeRules[NoticeSpaceReportDue] = developerParties
	NoticeRules[NoticeSpaceSuspended] = func(p NoticeParties) []Recipient { return append(developerParties(p), authorityDeciders(p)...) }
	NoticeRules[NoticeSpaceReinstated] = developerParties
}

// DevSpaceService keeps development spaces, their reports and runs, and the first-level
// operators (sqlstore). Every change records its event in its transaction ("devspace.*").
type DevSpaceService interface {
	// ApplyForSpace files the actor's application: every entry must be published, a table,
	// and shared (share class unconditional or conditional); conditional entries wait for
	// their providers. Notifies the authority and those providers.
	ApplyForSpace(ctx context.Context, app *DevSpaceApplication) (*DevSpace, error)
	// Space returns a space with its entries; ENOTFOUND when there is none such. Who may see
	// it is the caller's check (CanSeeSpace).
	Space(ctx context.Context, id string) (*DevSpace, error)
	// Spaces lists spaces, newest first.
	Spaces(ctx context.Context, f DevSpaceFilter) ([]*DevSpace, error)
	// DecideSpaceEntry is a provider's decision on one of its conditional entries of a
	// pending space (CanDecideSpaceEntry; a refusal needs a reason).
	DecideSpaceEntry(ctx context.Context, spaceID, entryID string, approve bool, reason string) (*DevSpace, error)
	// DecideSpace is the authority's decision (CanDecideSpace): ECONFLICT while a provider
	// has not decided, or to approve a space none of whose entries is usable. Approval sets
	// the first report's due date.
	DecideSpace(ctx context.Context, id string, approve bool, reason string) (*DevSpace, error)
	// SuspendSpace suspends an approved space (the authority, with a reason; the schedule,
	// as the system, for an overdue report); ReinstateSpace makes it approved again.
	SuspendSpace(ctx context.Context, id, reason string) (*DevSpace, error)
	ReinstateSpace(ctx context.Context, id, reason string) (*DevSpace, error)
	// CloseSpace closes an approved or suspended space for good (its work ends; its reports,
	// runs and products stay): a first-level operator running the spaces, or the deciding
	// authority, with a reason. Recorded (devspace.close).
	CloseSpace(ctx context.Context, id, reason string) (*DevSpace, error)
	// FileSpaceReport files the developer's usage report for the space's next due date
	// (late when after it) and moves the due date one cycle on.
	FileSpaceReport(ctx context.Context, id, usage, outputs string) (*DevSpaceReport, error)
	// SpaceReports lists a space's reports, newest first.
	SpaceReports(ctx context.Context, id string) ([]*DevSpaceReport, error)
	// RecordSpaceUse checks that the actor is the space's developer and that the space may
	// be used now for use on the entry (DevSpace.CheckUse), counts the use and records
	// "devspace.use" with details, all in one transaction; it returns the space. Callers
	// record a use once it is done (an aggregate answered, rows opened), never a refusal.
	RecordSpaceUse(ctx context.Context, spaceID, entryID, use string, details map[string]any) (*DevSpace, error)
	// AddSpaceRun keeps a completed run of the space (the blob, if any, already kept) with
	// the same checks as a use, and records "devspace.run"; the run is the use: it is
	// counted and recorded ("devspace.use", with the run's id) in the same transaction.
	AddSpaceRun(ctx context.Context, run *DevSpaceRun) (*DevSpaceRun, error)
	// RecordSpaceRefusal records a request refused inside the space — by the space's checks,
	// by validation, by the read path or by the anonymiser — as "devspace.use_refused" (the
	// use, the entry, the error's code and text); it counts no use.
	RecordSpaceRefusal(ctx context.Context, spaceID, entryID, use string, refusal error) error
	// SpaceRun returns a run; SpaceRuns a space's runs, newest first.
	SpaceRun(ctx context.Context, id string) (*DevSpaceRun, error)
	SpaceRuns(ctx context.Context, spaceID string) ([]*DevSpaceRun, error)
	// DesignateOperator names an organisation a first-level operator (CanDesignateOperator);
	// RemoveOperator undoes it; Operators lists them; IsOperator tells one.
	DesignateOperator(ctx context.Context, org string) error
	RemoveOperator(ctx context.Context, org string) error
	Operators(ctx context.Context) ([]string, error)
	IsOperator(ctx context.Context, org string) (bool, error)
	// RunSchedule reminds the developers of reports coming due and suspends the spaces whose
	// report is overdue past the grace days (ScheduleStep, on now's date in China), as the
	// system; it returns how many of each.
	RunSchedule(ctx context.Context, now time.Time) (reminded, suspended int, err error)
}
