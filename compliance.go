package pubdata

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Non-compliance and rectification (H3, C2): the authority sees, for the units of its
// division, what the regulations require and the platform's facts show is not done — a
// unit without a catalogue, a published table entry never loaded, a table not loaded within
// its update cycle, replies, objections and problem tickets past their due time, service
// interfaces that fail, open entries holding data obtained by sharing — and orders a unit
// to correct it (整改通知) with a deadline in working days; the unit answers with what it
// did; the authority closes the order or returns it.
//
//	issued ──answer──▶ answered ──close──▶ closed (final)
//	   ▲                  │
//	   └──── returned ◀───┘ return   (returned ──answer──▶ answered …)
//
// The findings are computed by ComplianceFindings, a pure function of the facts the store
// gathers (ComplianceFacts); an order keeps a snapshot of the findings it was issued for.

// Finding kinds.
const (
	FindingNoCatalogue      = "no_catalogue"      // a unit with no published catalogue entry
	FindingNeverLoaded      = "never_loaded"      // a published table entry whose table never had a batch
	FindingStaleTable       = "stale_table"       // a table not loaded within two update cycles
	FindingOverdueReply     = "overdue_reply"     // an application (share or open) unanswered past its due time
	FindingOverdueObjection = "overdue_objection" // an objection unanswered past its due time
	FindingOverdueTicket    = "overdue_ticket"    // a problem ticket past its due time (the quality workflow's facts)
	FindingEndpointFailing  = "endpoint_failing"  // a service interface whose recent calls fail
	FindingObtainedOpen     = "obtained_open"     // an open entry that holds data obtained by sharing (E3)
	// G8 (security.go): a unit that names no security officer; a system without its
	// protection level, or at level 2 or above without its filing number and date.
	FindingNoSecurityOfficer = "no_security_officer"
	FindingSystemUnfiled     = "system_unfiled"
)

// FindingKinds lists the finding kinds in the order they are shown.
var FindingKinds = []string{FindingNoCatalogue, FindingNeverLoaded, FindingStaleTable, FindingOverdueReply,
	FindingOverdueObjection, FindingOverdueTicket, FindingEndpointFailing, FindingObtainedOpen, FindingNoSecurityOfficer, FindingSystemUnfiled}

// EndpointFailingCalls is how many calls in a row must fail before a service interface is a
// finding.
const EndpointFailingCalls = 3

// ComplianceFinding is one thing a unit has not done.
type ComplianceFinding struct {
	Kind     string `json:"kind"`
	Org      string `json:"org"`
	OrgName  string `json:"org_name,omitempty"`
	Division string `json:"division"`
	// Object names what the finding is about: org:<code>, entry:<id>, application:<id>,
	// objection:<id>, ticket:<id>.
	Object string `json:"object"`
	Entry  string `json:"entry,omitempty"`
	Title  string `json:"title,omitempty"` // the entry's title
	// Since is when the unit became late: the due time passed (a load, a reply); absent for
	// the findings without a time (no catalogue, obtained data opened).
	Since *time.Time `json:"since,omitempty"`
	// Detail is a coded word or figure: the update cycle of a stale table, the failing calls
	// of an endpoint, the obtained codes of an open entry.
	Detail string `json:"detail,omitempty"`
}

// Ref is the finding's reference, unique among current findings: kind and object.
func (f ComplianceFinding) Ref() string { return f.Kind + ":" + f.Object }

// UnitFact is a public body of the division and how many published entries it has.
type UnitFact struct {
	Org, Name, Division string
	Published           int
	SecurityOfficer     string // "" none named (G8)
}

// TableFact is a published table entry and its table's last load.
type TableFact struct {
	Entry, Title, Org, OrgName, Division string
	UpdateCycle                          string
	LastLoadedAt                         *time.Time // nil: never loaded
}

// DueFact is an item with a due time still open: an application, an objection, a ticket.
type DueFact struct {
	ID, Entry, Title, Org, OrgName, Division string
	Due                                      time.Time
}

// EndpointFact is a service interface with its recent calls.
type EndpointFact struct {
	Entry, Title, Org, OrgName, Division string
	Failures                             int // calls in a row that failed, up to the last
	LastFailedAt                         *time.Time
}

// OpenedFact is a published open entry (open class unconditional or conditional) and the
// resource codes it declares it obtained by sharing.
type OpenedFact struct {
	Entry, Title, Org, OrgName, Division string
	Obtained                             []string
}

// ComplianceFacts are what the store gathers for the findings of a division.
type ComplianceFacts struct {
	Units        []UnitFact
	Tables       []TableFact
	Applications []DueFact
	Objections   []DueFact
	// Tickets are problem tickets waiting for the provider's answer past their due time.
	Tickets   []DueFact
	Endpoints []EndpointFact
	Opened    []OpenedFact
	// Systems are the units' information systems with their protection records (G8).
	Systems []SystemFact
}

// ComplianceFindings returns the findings the facts show at now, by unit (org code), then
// kind in FindingKinds order, then object.
func ComplianceFindings(f *ComplianceFacts, now time.Time) []ComplianceFinding {
	out := []ComplianceFinding{}
	for _, u := range f.Units {
		if u.Published == 0 {
			out = append(out, ComplianceFinding{Kind: FindingNoCatalogue, Org: u.Org, OrgName: u.Name, Division: u.Division, Object: "org:" + u.Org})
		}
		if u.SecurityOfficer == "" {
			out = append(out, ComplianceFinding{Kind: FindingNoSecurityOfficer, Org: u.Org, OrgName: u.Name, Division: u.Division, Object: "org:" + u.Org})
		}
	}
	for _, s := range f.Systems {
		if !SystemFiled(s.Level, s.FilingNumber, s.FiledOn) {
			out = append(out, ComplianceFinding{Kind: FindingSystemUnfiled, Org: s.Org, OrgName: s.OrgName, Division: s.Division, Object: "system:" + s.ID,
				Title: s.Name, Detail: strconv.Itoa(s.Level)})
		}
	}
	for _, t := range f.Tables {
		base := ComplianceFinding{Org: t.Org, OrgName: t.OrgName, Division: t.Division, Object: "entry:" + t.Entry, Entry: t.Entry, Title: t.Title}
		switch fr := TableFreshness(t.UpdateCycle, t.LastLoadedAt, now); fr.Status {
		case "never":
			base.Kind = FindingNeverLoaded
			out = append(out, base)
		case "stale":
			base.Kind, base.Detail = FindingStaleTable, t.UpdateCycle
			late := fr.Due.Add(cycleLength[t.UpdateCycle])
			base.Since = &late
			out = append(out, base)
		}
	}
	due := func(kind, object string, list []DueFact) {
		for _, d := range list {
			if !now.After(d.Due) {
				continue
			}
			at := d.Due
			out = append(out, ComplianceFinding{Kind: kind, Org: d.Org, OrgName: d.OrgName, Division: d.Division, Object: object + ":" + d.ID,
				Entry: d.Entry, Title: d.Title, Since: &at})
		}
	}
	due(FindingOverdueReply, "application", f.Applications)
	due(FindingOverdueObjection, "objection", f.Objections)
	due(FindingOverdueTicket, "ticket", f.Tickets)
	for _, e := range f.Endpoints {
		if e.Failures < EndpointFailingCalls {
			continue
		}
		out = append(out, ComplianceFinding{Kind: FindingEndpointFailing, Org: e.Org, OrgName: e.OrgName, Division: e.Division, Object: "entry:" + e.Entry,
			Entry: e.Entry, Title: e.Title, Since: e.LastFailedAt, Detail: strconv.Itoa(e.Failures)})
	}
	for _, o := range f.Opened {
		if len(o.Obtained) == 0 {
			continue
		}
		out = append(out, ComplianceFinding{Kind: FindingObtainedOpen, Org: o.Org, OrgName: o.OrgName, Division: o.Division, Object: "entry:" + o.Entry,
			Entry: o.Entry, Title: o.Title, Detail: strings.Join(o.Obtained, ", ")})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Org != b.Org {
			return a.Org < b.Org
		}
		if a.Kind != b.Kind {
			return slices.Index(FindingKinds, a.Kind) < slices.Index(FindingKinds, b.Kind)
		}
		return a.Object < b.Object
	})
	return out
}

// UnitFindings are the findings of one unit.
type UnitFindings struct {
	Org      string              `json:"org"`
	OrgName  string              `json:"org_name,omitempty"`
	Division string              `json:"division"`
	Findings []ComplianceFinding `json:"findings"`
}

// FindingsByUnit groups findings (ordered by unit, as ComplianceFindings returns them).
func FindingsByUnit(fs []ComplianceFinding) []UnitFindings {
	out := []UnitFindings{}
	for _, f := range fs {
		if n := len(out); n == 0 || out[n-1].Org != f.Org {
			out = append(out, UnitFindings{Org: f.Org, OrgName: f.OrgName, Division: f.Division})
		}
		out[len(out)-1].Findings = append(out[len(out)-1].Findings, f)
	}
	return out
}

// CanSuperviseCompliance reports whether the actor sees the findings of division and orders
// rectification there: an authority's admin or reviewer whose division covers it.
func CanSuperviseCompliance(a *Actor, division string) bool {
	return CanReviewEntry(a, division)
}

// IsSupervisor reports whether the actor supervises compliance at all (an authority's admin
// or reviewer); CanSuperviseCompliance says where.
func IsSupervisor(a *Actor) bool {
	return a.IsAuthority() && (a.Role() == RoleAdmin || a.Role() == RoleReviewer)
}

// --- rectification orders ---

// RectificationStatus is where a rectification order is.
type RectificationStatus string

// Rectification statuses.
const (
	RectificationIssued   RectificationStatus = "issued"   // the unit is to answer
	RectificationAnswered RectificationStatus = "answered" // the authority is to close or return
	RectificationReturned RectificationStatus = "returned" // the answer did not suffice: the unit answers again
	RectificationClosed   RectificationStatus = "closed"   // final
)

// RectificationStep is a step of an order after it is issued.
type RectificationStep string

// Rectification steps.
const (
	RectificationAnswer RectificationStep = "answer"
	RectificationClose  RectificationStep = "close"
	RectificationReturn RectificationStep = "return"
)

// RectificationSteps lists the steps.
var RectificationSteps = []RectificationStep{RectificationAnswer, RectificationClose, RectificationReturn}

// Bounds of an order.
const (
	MaxRectificationText     = 2000 // the request, an answer, a note (characters)
	DefaultRectificationDays = 15   // working days to answer when the order names none
	MaxRectificationDays     = 60
)

// Rectification is a rectification order (整改通知) to a unit.
type Rectification struct {
	ID       string `json:"id"`
	Org      string `json:"org"`
	OrgName  string `json:"org_name,omitempty"`
	Division string `json:"division"`
	// Authority is the issuing authority's code; IssuedBy its user.
	Authority string              `json:"authority"`
	IssuedBy  string              `json:"issued_by"`
	Findings  []ComplianceFinding `json:"findings"` // the snapshot the order was issued for
	Request   string              `json:"request"`  // what the authority asks
	Workdays  int                 `json:"workdays"`
	Due       string              `json:"due"` // YYYY-MM-DD (China Standard Time)
	DueAt     time.Time           `json:"due_at"`
	// DueCovered: the calendar had the holidays of every year the deadline was counted over.
	DueCovered bool                `json:"due_covered"`
	Status     RectificationStatus `json:"status"`
	Answer     string              `json:"answer,omitempty"` // the unit's latest answer
	AnsweredBy string              `json:"answered_by,omitempty"`
	AnsweredAt *time.Time          `json:"answered_at,omitempty"`
	Note       string              `json:"note,omitempty"` // the authority's latest close or return note
	// Overdue: the unit had not answered by DueAt (marked once, kept after).
	Overdue   bool                 `json:"overdue"`
	Events    []RectificationEvent `json:"events,omitempty"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// RectificationEvent is one step of an order's history.
type RectificationEvent struct {
	Step  string              `json:"step"` // issue, answer, close, return, overdue
	From  RectificationStatus `json:"from,omitempty"`
	To    RectificationStatus `json:"to"`
	Actor string              `json:"actor,omitempty"`
	Text  string              `json:"text,omitempty"`
	Time  time.Time           `json:"time"`
}

// RectificationCreate is an authority's order.
type RectificationCreate struct {
	Org string `json:"org"`
	// Findings are the refs (ComplianceFinding.Ref) of the unit's current findings the
	// order is for; empty: all of them.
	Findings []string `json:"findings"`
	Request  string   `json:"request"`
	Workdays int      `json:"workdays"` // 0: DefaultRectificationDays
}

// Notification keys of rectification.
const (
	NoticeRectificationIssued   = "rectification.issued"   // to the unit's admins and reviewers
	NoticeRectificationAnswered = "rectification.answered" // to the issuing authority's admins and reviewers
	NoticeRectificationClosed   = "rectification.closed"   // to the unit's admins and reviewers
	NoticeRectificationReturned = "rectification.returned" // to the unit's admins and reviewers
	NoticeRectificationOverdue  = "rectification.overdue"  // to both, once
)

func init() {
	unit := func(p NoticeParties) []Recipient { return deciders(p.Provider) }
	NoticeRules[NoticeRectificationIssued] = unit
	NoticeRules[NoticeRectificationAnswered] = authorityDeciders
	NoticeRules[NoticeRectificationClosed] = unit
	NoticeRules[NoticeRectificationReturned] = unit
	NoticeRules[NoticeRectificationOverdue] = func(p NoticeParties) []Recipient {
		return append(authorityDeciders(p), deciders(p.Provider)...)
	}
}

// NextRectificationStatus returns the status after step, or ECONFLICT naming why the step
// is not possible now.
func NextRectificationStatus(status RectificationStatus, step RectificationStep) (RectificationStatus, error) {
	switch {
	case step == RectificationAnswer && (status == RectificationIssued || status == RectificationReturned):
		return RectificationAnswered, nil
	case (step == RectificationClose || step == RectificationReturn) && status == RectificationAnswered:
		if step == RectificationClose {
			return RectificationClosed, nil
		}
		return RectificationReturned, nil
	case status == RectificationClosed:
		return "", Errorf(ECONFLICT, "The rectification order is closed.").Keyed("error.rectification.closed")
	case step == RectificationAnswer:
		return "", Errorf(ECONFLICT, "The rectification order was answered; the authority closes or returns it.").Keyed("error.rectification.answered")
	case step == RectificationClose || step == RectificationReturn:
		return "", Errorf(ECONFLICT, "The unit has not answered the rectification order yet.").Keyed("error.rectification.not_answered")
	}
	return "", Errorf(EINVALID, "Unknown step %q: use answer, close or return.", step).Keyed("error.rectification.step", "Step", string(step))
}

// ValidateRectificationText trims and checks an order's request, answer or note: required
// when required, at most MaxRectificationText characters.
func ValidateRectificationText(field, text string, required bool) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "" && required:
		return "", FieldErrorf(field, "This text is required.").Keyed("error.rectification.text.required")
	case utf8.RuneCountInString(text) > MaxRectificationText:
		return "", FieldErrorf(field, "The text must be at most %d characters.", MaxRectificationText).Keyed("error.rectification.text.too_long", "Max", MaxRectificationText)
	}
	return text, nil
}

// ValidateRectificationCreate checks an order (not the findings: the store matches them
// against the unit's current ones) and sets its default deadline.
func ValidateRectificationCreate(c *RectificationCreate) error {
	var errs []*Error
	if strings.TrimSpace(c.Org) == "" {
		errs = append(errs, FieldErrorf("org", "Name the unit the order goes to.").Keyed("error.rectification.org.required"))
	}
	var err error
	if c.Request, err = ValidateRectificationText("request", c.Request, true); err != nil {
		errs = append(errs, err.(*Error))
	}
	if c.Workdays == 0 {
		c.Workdays = DefaultRectificationDays
	}
	if c.Workdays < 1 || c.Workdays > MaxRectificationDays {
		errs = append(errs, FieldErrorf("workdays", "The deadline must be 1 to %d working days.", MaxRectificationDays).Keyed("error.rectification.workdays", "Max", MaxRectificationDays))
	}
	return invalid(errs)
}

// SelectFindings returns the findings whose refs are listed (all when refs is empty), or
// EINVALID naming a ref that is not among them; ECONFLICT when there are none.
func SelectFindings(current []ComplianceFinding, refs []string) ([]ComplianceFinding, error) {
	if len(refs) == 0 {
		if len(current) == 0 {
			return nil, Errorf(ECONFLICT, "The unit has no current findings: there is nothing to order it to correct.").Keyed("error.rectification.no_findings")
		}
		return current, nil
	}
	var out []ComplianceFinding
	for _, ref := range refs {
		i := slices.IndexFunc(current, func(f ComplianceFinding) bool { return f.Ref() == ref })
		if i < 0 {
			return nil, FieldErrorf("findings", "%q is not among the unit's current findings.", ref).Keyed("error.rectification.finding", "Ref", ref)
		}
		if !slices.ContainsFunc(out, func(f ComplianceFinding) bool { return f.Ref() == ref }) {
			out = append(out, current[i])
		}
	}
	return out, nil
}

// CanIssueRectification reports whether the actor may order the organisation to rectify: a
// supervisor covering its division; the organisation is a public body.
func CanIssueRectification(a *Actor, o *Org) bool {
	return o != nil && o.Kind == KindPublicBody && CanSuperviseCompliance(a, o.Division)
}

// CanAnswerRectification reports whether the actor answers the order: the unit's admin.
func CanAnswerRectification(a *Actor, r *Rectification) bool {
	return !a.Anonymous() && a.OrgCode() == r.Org && a.Role() == RoleAdmin
}

// CanDecideRectification reports whether the actor closes or returns the order: a
// supervisor covering the unit's division.
func CanDecideRectification(a *Actor, r *Rectification) bool {
	return CanSuperviseCompliance(a, r.Division)
}

// CanViewRectification reports whether the actor may see the order: the unit's users and
// the authority's users covering its division.
func CanViewRectification(a *Actor, r *Rectification) bool {
	if a.Anonymous() || a.Org == nil {
		return false
	}
	return a.Org.Code == r.Org || (a.IsAuthority() && DivisionCovers(a.Org.Division, r.Division))
}

// RectificationFilter selects orders.
type RectificationFilter struct {
	Org            string // one unit's
	DivisionPrefix string // the units inside a division (an authority's scope)
	Status         string
	Limit          int
	Cursor         string
}

// RectificationScope is the filter of the orders the actor lists: an authority's users
// those of their division, a unit's users their unit's; ok is false for anyone else.
func RectificationScope(a *Actor) (RectificationFilter, bool) {
	switch {
	case a.Anonymous() || a.Org == nil:
		return RectificationFilter{}, false
	case a.IsAuthority():
		return RectificationFilter{DivisionPrefix: DivisionPrefix(a.Org.Division)}, true
	case a.Org.Kind == KindPublicBody:
		return RectificationFilter{Org: a.Org.Code}, true
	}
	return RectificationFilter{}, false
}

// ComplianceService gathers the facts of non-compliance and keeps rectification orders.
// Authorisation is the caller's (CanSuperviseCompliance, CanIssueRectification,
// CanAnswerRectification, CanDecideRectification); every change records its audit event and
// writes its notifications in its transaction.
type ComplianceService interface {
	// Facts gathers the facts of the units inside division (DivisionCovers) at now.
	Facts(ctx context.Context, division string, now time.Time) (*ComplianceFacts, error)
	// Issue orders the unit to rectify the findings (their snapshot), with the deadline
	// counted in working days by the calendar. ENOTFOUND for an unknown unit.
	Issue(ctx context.Context, c *RectificationCreate, findings []ComplianceFinding) (*Rectification, error)
	// Step answers (the unit), closes or returns (the authority) an order with the text.
	// ECONFLICT when the status does not allow the step.
	Step(ctx context.Context, id string, step RectificationStep, text string) (*Rectification, error)
	// Find returns an order with its history; ENOTFOUND.
	Find(ctx context.Context, id string) (*Rectification, error)
	// List returns a page of orders, newest first, without histories.
	List(ctx context.Context, f RectificationFilter) ([]*Rectification, string, error)
	// MarkOverdue marks the orders not answered by their due time at now (once each),
	// notifying the unit and the authority. Returns how many.
	MarkOverdue(ctx context.Context, now time.Time) (int, error)
}
