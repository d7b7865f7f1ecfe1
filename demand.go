package pubdata

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Demand is a request on the demand list (需求清单, A5, H2): data that does not exist yet and
// that a public body or the public asks for. Requests are public: anyone sees them with
// their votes. The authority covering the demand's division routes it to the likely
// provider; the provider answers planned (with an expected date), answered (published, with
// the entry) or declined (with reasons).
type Demand struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Items       []string `json:"items"` // the data items wanted, in the requester's words
	Purpose     string   `json:"purpose"`
	Division    string   `json:"division"`      // where the data is wanted
	Org         string   `json:"org,omitempty"` // the asking organisation, "" for a public user
	OrgName     string   `json:"org_name,omitempty"`
	Username    string   `json:"username"`
	Entry       string   `json:"entry,omitempty"` // the entry that answers it, once there is one
	Status      string   `json:"status"`          // DemandOpen, DemandRouted, DemandPlanned, DemandAnswered, DemandDeclined
	Votes       int      `json:"votes"`
	// Voted reports whether the actor who asked has voted for it (false for anonymous).
	Voted bool `json:"voted"`
	// Routing: the provider the authority routed it to, with the note.
	Provider     string     `json:"provider,omitempty"`
	ProviderName string     `json:"provider_name,omitempty"`
	RouteNote    string     `json:"route_note,omitempty"`
	RoutedBy     string     `json:"routed_by,omitempty"`
	RoutedAt     *time.Time `json:"routed_at,omitempty"`
	// The provider's answer: the expected date (planned, YYYY-MM-DD) and the note or reasons.
	Expected   string     `json:"expected,omitempty"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredBy string     `json:"answered_by,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Demand statuses. A demand is open until routed; routed until the provider answers;
// planned until the provider answers again (answered or declined); a declined demand may be
// routed again, to another provider.
const (
	DemandOpen     = "open"
	DemandRouted   = "routed"
	DemandPlanned  = "planned"
	DemandAnswered = "answered" // the data is published: Entry answers it
	DemandDeclined = "declined"
)

// DemandStatuses lists the statuses in workflow order.
var DemandStatuses = []string{DemandOpen, DemandRouted, DemandPlanned, DemandAnswered, DemandDeclined}

// Outcomes of a provider's answer (DemandAnswer.Outcome).
const (
	OutcomePlanned   = "planned"
	OutcomePublished = "published"
	OutcomeDeclined  = "declined"
)

// Limits of a demand's texts.
const (
	MaxDemandTitle = 200
	MaxDemandText  = 2000
	MaxDemandItems = 50
)

// DemandCreate is a new request.
type DemandCreate struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Items       []string `json:"items"`
	Purpose     string   `json:"purpose"`
	Division    string   `json:"division"`
}

// DemandRoute is the authority's routing of a demand to a provider.
type DemandRoute struct {
	Provider string `json:"provider"` // organisation code
	Note     string `json:"note"`
}

// DemandAnswer is the provider's answer: Outcome planned with Expected (YYYY-MM-DD),
// published with Entry (a published entry of the provider), or declined with Reason.
type DemandAnswer struct {
	Outcome  string `json:"outcome"`
	Expected string `json:"expected,omitempty"`
	Entry    string `json:"entry,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// DemandFilter selects demands. Sort is "newest" (default) or "votes".
type DemandFilter struct {
	Status   string
	Provider string // routed to this organisation
	Division string // the demand's division is inside this one (an authority's queue)
	Username string // asked by this user
	Sort     string
	Limit    int
	Cursor   string
}

// Demand sort orders.
const (
	DemandSortNewest = "newest"
	DemandSortVotes  = "votes"
)

// DemandService keeps the demand list and its workflow. Every change is recorded, and the
// requester (or, for a new or routed demand, the authority or the provider) is notified in
// the change's transaction.
type DemandService interface {
	// FindDemands returns a page of demands, newest first.
	FindDemands(ctx context.Context, limit int, cursor string) ([]*Demand, int, string, error)
	// FindDemandList returns a page of the demands f selects, the total and the next
	// cursor; Voted is set for the actor in ctx. EINVALID for a bad status or sort.
	FindDemandList(ctx context.Context, f DemandFilter) ([]*Demand, int, string, error)
	// FindDemandByID returns one demand (Voted set for the actor); ENOTFOUND if none.
	FindDemandByID(ctx context.Context, id string) (*Demand, error)
	// CreateDemand records the actor's request (ValidateDemandCreate) and notifies the
	// authority covering its division.
	CreateDemand(ctx context.Context, c *DemandCreate) (*Demand, error)
	// VoteDemand records the actor's vote; ECONFLICT if the actor has voted already,
	// EUNAUTHORIZED when anonymous.
	VoteDemand(ctx context.Context, id string) (*Demand, error)
	// RouteDemand routes the demand to a provider (CanRouteDemand, ValidateDemandRoute) and
	// notifies the provider and the requester.
	RouteDemand(ctx context.Context, id string, r *DemandRoute) (*Demand, error)
	// AnswerDemand records the routed provider's answer (CanAnswerDemand,
	// ValidateDemandAnswer; a published answer names a published entry of the provider) and
	// notifies the requester.
	AnswerDemand(ctx context.Context, id string, ans *DemandAnswer) (*Demand, error)
}

// CanRequestDemand reports whether the actor may ask for data: any signed-in user (the
// public, companies, public bodies and authorities).
func CanRequestDemand(a *Actor) bool { return !a.Anonymous() }

// CanRouteDemand reports whether the actor may route the demand: an admin or reviewer of an
// authority whose division covers the demand's.
func CanRouteDemand(a *Actor, d *Demand) bool {
	return a.IsAuthority() && (a.Role() == RoleAdmin || a.Role() == RoleReviewer) && DivisionCovers(a.Org.Division, d.Division)
}

// CanAnswerDemand reports whether the actor may answer the demand: an admin, editor or
// reviewer of the organisation it is routed to.
func CanAnswerDemand(a *Actor, d *Demand) bool {
	return !a.Anonymous() && a.Org != nil && d.Provider != "" && a.Org.Code == d.Provider && a.Role() != RoleMember && a.Role() != ""
}

// NextDemandStatus returns the status after action ("route" or an answer outcome) from
// status; ECONFLICT when the workflow does not allow it.
func NextDemandStatus(status, action string) (string, error) {
	switch action {
	case "route":
		if status == DemandOpen || status == DemandRouted || status == DemandDeclined {
			return DemandRouted, nil
		}
	case OutcomePlanned, OutcomePublished, OutcomeDeclined:
		if status == DemandRouted || status == DemandPlanned {
			return map[string]string{OutcomePlanned: DemandPlanned, OutcomePublished: DemandAnswered, OutcomeDeclined: DemandDeclined}[action], nil
		}
	default:
		return "", Errorf(EINVALID, "Unknown demand action %q.", action).Keyed("error.demand.action.unknown", "Action", action)
	}
	step := NewMessage("error.demand.step.answer")
	if action == "route" {
		step = NewMessage("error.demand.step.route")
	}
	return "", Errorf(ECONFLICT, "A demand that is %s cannot be %s.", status, map[string]string{"route": "routed", OutcomePlanned: "answered", OutcomePublished: "answered", OutcomeDeclined: "answered"}[action]).
		Keyed("error.demand.step", "Status", stateWord(status, map[string]string{DemandOpen: "error.demand.state.open", DemandRouted: "error.demand.state.routed",
			DemandPlanned: "error.demand.state.planned", DemandAnswered: "error.demand.state.answered", DemandDeclined: "error.demand.state.declined"}), "Action", step)
}

// demandText checks a text of a demand; label names the field in English, labelKey in the
// message files.
func demandText(field, label, labelKey, v string, required bool, max int) *Error {
	switch {
	case required && v == "":
		return FieldErrorf(field, "%s is required.", label).Keyed("error.text.required", "Label", NewMessage(labelKey))
	case utf8.RuneCountInString(v) > max:
		return FieldErrorf(field, "%s must be at most %d characters.", label, max).
			Keyed("error.text.too_long", "Label", NewMessage(labelKey), "Max", max)
	}
	return nil
}

// ValidateDemandCreate trims and checks a request: title, description, purpose and a
// division code are required; items are optional (at most MaxDemandItems, each at most 100
// characters, empty ones dropped).
func ValidateDemandCreate(a *Actor, c *DemandCreate) error {
	if !CanRequestDemand(a) {
		return Errorf(EUNAUTHORIZED, "Sign in to ask for data.").Keyed("error.demand.sign_in")
	}
	c.Title, c.Description, c.Purpose, c.Division = strings.TrimSpace(c.Title), strings.TrimSpace(c.Description), strings.TrimSpace(c.Purpose), strings.TrimSpace(c.Division)
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	add(demandText("title", "Title", "error.label.title", c.Title, true, MaxDemandTitle))
	add(demandText("description", "Description", "error.label.description", c.Description, true, MaxDemandText))
	add(demandText("purpose", "Purpose", "error.label.purpose", c.Purpose, true, MaxDemandText))
	switch {
	case c.Division == "":
		add(FieldErrorf("division", "Division (the code of the area the data is wanted for, e.g. 350100) is required.").Keyed("error.demand.division.required"))
	case !ValidDivisionSyntax(c.Division):
		add(FieldErrorf("division", "Division %q is not a six-digit division code.", c.Division).Keyed("error.demand.division.syntax", "Division", c.Division))
	}
	items := []string{}
	for _, it := range c.Items {
		if it = strings.TrimSpace(it); it == "" {
			continue
		}
		if utf8.RuneCountInString(it) > 100 {
			add(FieldErrorf("items", "Each data item must be at most 100 characters.").Keyed("error.demand.items.too_long"))
			break
		}
		items = append(items, it)
	}
	if len(items) > MaxDemandItems {
		add(FieldErrorf("items", "At most %d data items.", MaxDemandItems).Keyed("error.demand.items.too_many", "Max", MaxDemandItems))
	}
	c.Items = items
	return invalid(p)
}

// ValidateDemandRoute checks a routing by the actor: the actor may route the demand, and the
// provider (org, nil when not found) is a public body whose division the actor's authority
// covers.
func ValidateDemandRoute(a *Actor, d *Demand, r *DemandRoute, org *Org) error {
	r.Provider, r.Note = strings.TrimSpace(r.Provider), strings.TrimSpace(r.Note)
	if !CanRouteDemand(a, d) {
		return Errorf(EFORBIDDEN, "Only an admin or reviewer of the authority covering division %s may route this demand.", d.Division).Keyed("error.demand.route_forbidden", "Division", d.Division)
	}
	var p []*Error
	switch {
	case r.Provider == "":
		p = append(p, FieldErrorf("provider", "Provider (the code of the organisation to route the demand to) is required.").Keyed("error.demand.provider.required"))
	case org == nil:
		p = append(p, FieldErrorf("provider", "Organisation %q does not exist.", r.Provider).Keyed("error.org.unknown", "Org", r.Provider))
	case org.Kind != KindPublicBody:
		p = append(p, FieldErrorf("provider", "Organisation %q is not a public body; a demand is routed to a public body that could provide the data.", r.Provider).Keyed("error.demand.provider.not_public_body", "Org", r.Provider))
	case !DivisionCovers(a.Org.Division, org.Division):
		p = append(p, FieldErrorf("provider", "Organisation %q is outside your division %s.", r.Provider, a.Org.Division).Keyed("error.demand.provider.outside", "Org", r.Provider, "Division", a.Org.Division))
	}
	if e := demandText("note", "Note", "error.label.note", r.Note, false, MaxDemandText); e != nil {
		p = append(p, e)
	}
	return invalid(p)
}

// ValidateDemandAnswer checks the provider's answer at now: planned needs an expected date
// from today on, published an entry, declined a reason.
func ValidateDemandAnswer(a *Actor, d *Demand, ans *DemandAnswer, now time.Time) error {
	ans.Outcome, ans.Expected, ans.Entry, ans.Reason = strings.TrimSpace(ans.Outcome), strings.TrimSpace(ans.Expected), strings.TrimSpace(ans.Entry), strings.TrimSpace(ans.Reason)
	if !CanAnswerDemand(a, d) {
		return Errorf(EFORBIDDEN, "Only the organisation the demand is routed to may answer it.").Keyed("error.demand.answer_forbidden")
	}
	var p []*Error
	switch ans.Outcome {
	case OutcomePlanned:
		t, err := time.Parse("2006-01-02", ans.Expected)
		switch {
		case ans.Expected == "":
			p = append(p, FieldErrorf("expected", "A planned answer needs the expected date (YYYY-MM-DD).").Keyed("error.demand.expected.required"))
		case err != nil:
			p = append(p, FieldErrorf("expected", "Expected date %q is not a date (YYYY-MM-DD).", ans.Expected).Keyed("error.demand.expected.syntax", "Date", ans.Expected))
		case t.Format("2006-01-02") < Today(now):
			p = append(p, FieldErrorf("expected", "The expected date %s is in the past.", ans.Expected).Keyed("error.demand.expected.past", "Date", ans.Expected))
		}
	case OutcomePublished:
		if ans.Entry == "" {
			p = append(p, FieldErrorf("entry", "A published answer names the entry (its id) that holds the data.").Keyed("error.demand.entry.required"))
		}
	case OutcomeDeclined:
		if ans.Reason == "" {
			p = append(p, FieldErrorf("reason", "A declined answer needs the reasons.").Keyed("error.demand.reason.required"))
		}
	case "":
		p = append(p, FieldErrorf("outcome", "Outcome is required: planned, published or declined.").Keyed("error.demand.outcome.required"))
	default:
		p = append(p, FieldErrorf("outcome", "Outcome %q is not planned, published or declined.", ans.Outcome).Keyed("error.demand.outcome.unknown", "Outcome", ans.Outcome))
	}
	if e := demandText("reason", "Reason", "error.label.reason", ans.Reason, false, MaxDemandText); e != nil {
		p = append(p, e)
	}
	if err := invalid(p); err != nil {
		return err
	}
	if _, err := NextDemandStatus(d.Status, ans.Outcome); err != nil {
		return err
	}
	return nil
}

// Notification keys of demands.
const (
	NoticeDemandNew      = "demand.new"      // to the covering authority's admins and reviewers
	NoticeDemandRouted   = "demand.routed"   // to the provider's admins and reviewers
	NoticeDemandForward  = "demand.forward"  // to the requester: routed to a provider
	NoticeDemandPlanned  = "demand.planned"  // to the requester
	NoticeDemandAnswered = "demand.answered" // to the requester: published
	NoticeDemandDeclined = "demand.declined" // to the requester
)
