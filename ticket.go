package pubdata

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem tickets (问题反馈 / 数据纠错, C1: problems are fed back, rectified and the
// rectification tracked): a reader of a published entry — a consumer department's user or a
// public user — reports a problem with the entry, or with one of its table's rows named by
// its key. The provider answers within TicketReplyDays working days, correcting the data
// through a batch it links to the answer; the reporter confirms the answer or reopens the
// ticket, which the provider then answers again. A ticket still unanswered after its due
// time is escalated, once per round, to the covering authority, as overdue applications
// and objections are.
//
// Unlike an objection a ticket freezes nothing: the data stays readable while it is open.

// TicketCategory is the kind of problem reported.
type TicketCategory string

// Ticket categories.
const (
	TicketWrongValue  TicketCategory = "wrong_value"  // a value is wrong
	TicketMissingData TicketCategory = "missing_data" // rows or values are missing
	TicketOutdated    TicketCategory = "outdated"     // the data is not up to date
	TicketOther       TicketCategory = "other"
)

// TicketCategories lists the categories.
var TicketCategories = []TicketCategory{TicketWrongValue, TicketMissingData, TicketOutdated, TicketOther}

// TicketStatus is where a ticket is in its workflow:
//
//	open → answered → confirmed
//	          ↓ reopen
//	       reopened → answered → …
//
// open and reopened wait for the provider's answer; escalated is one of them past its due
// time, reported to the covering authority (it still waits for the answer). confirmed is
// final.
type TicketStatus string

// Ticket statuses.
const (
	TicketOpen      TicketStatus = "open"
	TicketAnswered  TicketStatus = "answered"
	TicketReopened  TicketStatus = "reopened"
	TicketEscalated TicketStatus = "escalated"
	TicketConfirmed TicketStatus = "confirmed"
)

// TicketStatuses lists the statuses.
var TicketStatuses = []TicketStatus{TicketOpen, TicketAnswered, TicketReopened, TicketEscalated, TicketConfirmed}

// AwaitsAnswer reports whether a ticket of the status waits for the provider's answer.
func (s TicketStatus) AwaitsAnswer() bool {
	return s == TicketOpen || s == TicketReopened || s == TicketEscalated
}

// DefaultTicketReplyDays is the working days a provider has to answer a ticket when the
// platform sets none (setting ticket_reply_days), as for objections.
const DefaultTicketReplyDays = 5

// TicketReplyDays returns the working days to answer a ticket: the setting n, or the
// default when it is zero.
func TicketReplyDays(n int) int {
	if n > 0 {
		return n
	}
	return DefaultTicketReplyDays
}

// MaxTicketText is the longest description, answer or reopening reason, in characters.
const MaxTicketText = 2000

// Ticket is one problem ticket.
type Ticket struct {
	ID           string `json:"id"`
	Entry        string `json:"entry"`
	EntryTitle   string `json:"entry_title"`
	Division     string `json:"division"` // the entry's division
	Provider     string `json:"provider"` // the entry's organisation code
	ProviderName string `json:"provider_name,omitempty"`
	// Key names the row the problem is in (each key item's name with its value in text
	// form); absent for a problem with the entry as a whole.
	Key         map[string]string `json:"key,omitempty"`
	Category    TicketCategory    `json:"category"`
	Description string            `json:"description"`
	Reporter    string            `json:"reporter"`               // username
	ReporterOrg string            `json:"reporter_org,omitempty"` // the reporter's organisation, "" for a public user
	Status      TicketStatus      `json:"status"`
	// Due is the day the current round's answer is due (YYYY-MM-DD, China Standard Time),
	// DueAt the close of business it is due by; both count from the report or the latest
	// reopening.
	Due   string    `json:"due"`
	DueAt time.Time `json:"due_at"`
	// DueCovered: false marks an unconfirmed due date (counted over a year without a notice).
	DueCovered bool `json:"due_covered"`
	// Overdue: waiting for an answer after DueAt (computed when read).
	Overdue bool `json:"overdue"`
	// Answer is the provider's latest answer, Batch the batch of the entry it corrected
	// the data with ("" if none).
	Answer     string     `json:"answer,omitempty"`
	Batch      string     `json:"batch,omitempty"`
	AnsweredBy string     `json:"answered_by,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	// ReopenReason is why the reporter last reopened the ticket; Rounds counts the
	// reopenings.
	ReopenReason string     `json:"reopen_reason,omitempty"`
	Rounds       int        `json:"rounds"`
	EscalatedAt  *time.Time `json:"escalated_at,omitempty"`
	ConfirmedAt  *time.Time `json:"confirmed_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// KeyText returns the row's key as "name=value" pairs in the order of items' key items
// ("" for a problem with the entry).
func (t *Ticket) KeyText(items []Item) string {
	if len(t.Key) == 0 {
		return ""
	}
	return (&Objection{Key: t.Key}).KeyText(items)
}

// TicketCreate is what a reporter gives: POST /api/v1/tickets.
type TicketCreate struct {
	Entry       string            `json:"entry"`
	Key         map[string]string `json:"key,omitempty"`
	Category    TicketCategory    `json:"category"`
	Description string            `json:"description"`
}

// TicketAnswer is the provider's answer: POST /api/v1/tickets/{id}/answer.
type TicketAnswer struct {
	Answer string `json:"answer"`
	Batch  string `json:"batch,omitempty"` // a batch of the ticket's entry that corrected the data
}

// TicketReopen is the reporter's reopening: POST /api/v1/tickets/{id}/reopen.
type TicketReopen struct {
	Reason string `json:"reason"`
}

// TicketFilter selects tickets; the set fields AND.
type TicketFilter struct {
	Reporter string
	Provider string
	Division string // the entries in this division and below (an authority's)
	Entry    string
	Status   TicketStatus
	Limit    int
	Cursor   string
}

// TicketKey checks a row's key against the entry's items: it must name exactly the key
// items, each with a value of its item's type. It returns the key in canonical text form.
// Problems name the field "key".
func TicketKey(items []Item, key map[string]string) (map[string]string, error) {
	return rowKey(items, key, rowKeyWords{"error.ticket.key.missing", "error.ticket.key.value", "error.ticket.key.unknown", "The row's key needs a value for %s (%s)."}, func() *Error {
		return FieldErrorf("key", "The table has no key columns, so a row cannot be named; report the problem with the entry instead.").Keyed("error.ticket.key.none")
	})
}

// hasKeyValues reports whether a filed key names any value (an empty form's key fields
// are no key).
func hasKeyValues(key map[string]string) bool {
	for _, v := range key {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// ValidateTicketCreate checks a report by the actor on the published entry e (nil: not
// found or not visible to the actor) and sets c.Key to its canonical form (nil when the
// report names no row).
func ValidateTicketCreate(a *Actor, e *Entry, c *TicketCreate) error {
	if a.Anonymous() {
		return Errorf(EUNAUTHORIZED, "Sign in to report a problem, so that the provider's answer can reach you.").Keyed("error.ticket.sign_in")
	}
	if e == nil {
		return FieldErrorf("entry", "Entry %q was not found in the catalogue.", c.Entry).Keyed("error.ticket.entry", "Entry", c.Entry)
	}
	var problems []*Error
	if hasKeyValues(c.Key) {
		if e.Format != FormatTable {
			problems = append(problems, FieldErrorf("key", "Entry %q has no table, so a row cannot be named; report the problem with the entry instead.", e.ID).Keyed("error.ticket.key.no_table", "Entry", e.ID))
		} else {
			items, err := TableItems(e)
			if err != nil {
				return FieldErrorf("entry", "%s", err.(*Error).Message).Keyed("error.quoted", "Problem", MessageOf(err))
			}
			key, err := TicketKey(items, c.Key)
			if e, ok := err.(*Error); ok {
				if len(e.Fields) > 0 {
					problems = append(problems, e.Fields...)
				} else {
					problems = append(problems, e)
				}
			}
			c.Key = key
		}
	} else {
		c.Key = nil
	}
	if !slices.Contains(TicketCategories, c.Category) {
		problems = append(problems, FieldErrorf("category", "category %q is not one of wrong_value, missing_data, outdated, other.", c.Category).Keyed("error.ticket.category", "Category", c.Category))
	}
	c.Description = strings.TrimSpace(c.Description)
	switch {
	case c.Description == "":
		problems = append(problems, FieldErrorf("description", "Describe the problem.").Keyed("error.ticket.description.required"))
	case utf8.RuneCountInString(c.Description) > MaxTicketText:
		problems = append(problems, FieldErrorf("description", "The description is longer than %d characters.", MaxTicketText).Keyed("error.ticket.description.too_long", "Max", MaxTicketText))
	}
	return invalid(problems)
}

// ValidateTicketAnswer checks an answer to t: only a ticket waiting for one is answered,
// and the answer says what was done.
func ValidateTicketAnswer(t *Ticket, ans *TicketAnswer) error {
	if !t.Status.AwaitsAnswer() {
		return Errorf(ECONFLICT, "Ticket %q does not wait for an answer (%s).", t.ID, t.Status).Keyed("error.ticket.not_awaiting", "ID", t.ID, "Status", t.Status)
	}
	ans.Answer, ans.Batch = strings.TrimSpace(ans.Answer), strings.TrimSpace(ans.Batch)
	switch {
	case ans.Answer == "":
		return FieldErrorf("answer", "Say what was done about the problem; the reporter is told.").Keyed("error.ticket.answer.required")
	case utf8.RuneCountInString(ans.Answer) > MaxTicketText:
		return FieldErrorf("answer", "The answer is longer than %d characters.", MaxTicketText).Keyed("error.ticket.answer.too_long", "Max", MaxTicketText)
	}
	return nil
}

// ValidateTicketBatch checks that the batch an answer links is a finished batch of the
// ticket's entry (b nil: there is no such batch).
func ValidateTicketBatch(t *Ticket, id string, b *Batch) error {
	if b == nil || b.Entry != t.Entry || b.Status != BatchDone {
		return FieldErrorf("batch", "Batch %q is not a finished batch of entry %q.", id, t.Entry).Keyed("error.ticket.batch", "Batch", id, "Entry", t.Entry)
	}
	return nil
}

// ValidateTicketConfirm checks the reporter's confirmation: only an answered ticket.
func ValidateTicketConfirm(t *Ticket) error {
	if t.Status != TicketAnswered {
		return Errorf(ECONFLICT, "Only an answered ticket can be confirmed or reopened; ticket %q is %s.", t.ID, t.Status).Keyed("error.ticket.not_answered", "ID", t.ID, "Status", t.Status)
	}
	return nil
}

// ValidateTicketReopen checks the reporter's reopening: only an answered ticket, with the
// reason the answer does not settle the problem.
func ValidateTicketReopen(t *Ticket, r *TicketReopen) error {
	if err := ValidateTicketConfirm(t); err != nil {
		return err
	}
	r.Reason = strings.TrimSpace(r.Reason)
	switch {
	case r.Reason == "":
		return FieldErrorf("reason", "Say why the answer does not settle the problem; the provider is told.").Keyed("error.ticket.reason.required")
	case utf8.RuneCountInString(r.Reason) > MaxTicketText:
		return FieldErrorf("reason", "The reason is longer than %d characters.", MaxTicketText).Keyed("error.ticket.reason.too_long", "Max", MaxTicketText)
	}
	return nil
}

// IsTicketReporter reports whether the actor reported the ticket: only the reporter
// confirms or reopens it.
func IsTicketReporter(a *Actor, t *Ticket) bool {
	return !a.Anonymous() && a.Username() == t.Reporter
}

// CanSeeTicket reports whether the actor may see the ticket: the reporter, the provider's
// users and the authorities whose division covers the entry's.
func CanSeeTicket(a *Actor, t *Ticket) bool {
	if a.Anonymous() {
		return false
	}
	return IsTicketReporter(a, t) || (a.Org != nil && a.OrgCode() == t.Provider) ||
		(a.IsAuthority() && DivisionCovers(a.Org.Division, t.Division))
}

// CanAnswerTicket reports whether the actor may answer the ticket: the provider's admins,
// editors and reviewers (the authority oversees; it does not answer for the provider).
func CanAnswerTicket(a *Actor, t *Ticket) bool {
	if a.Anonymous() || a.OrgCode() != t.Provider {
		return false
	}
	return a.Role() == RoleAdmin || a.Role() == RoleEditor || a.Role() == RoleReviewer
}

// FindTicketFor returns the ticket when the actor may see it (CanSeeTicket); otherwise
// ENOTFOUND, as for a ticket that does not exist.
func FindTicketFor(ctx context.Context, svc TicketService, a *Actor, id string) (*Ticket, error) {
	t, err := svc.FindTicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSeeTicket(a, t) {
		return nil, Errorf(ENOTFOUND, "Ticket %q not found.", id).Keyed("error.ticket.not_found", "ID", id)
	}
	return t, nil
}

// Ticket notification keys.
const (
	NoticeTicketNew       = "ticket.new"       // to the provider's admins, editors and reviewers
	NoticeTicketAnswered  = "ticket.answered"  // to the reporter
	NoticeTicketReopened  = "ticket.reopened"  // to the provider's admins, editors and reviewers
	NoticeTicketConfirmed = "ticket.confirmed" // to the provider's admins, editors and reviewers
	NoticeTicketOverdue   = "ticket.overdue"   // to the covering authority's admins and reviewers, once a round
)

// TicketService keeps problem tickets. Every step writes its audit event and its
// notification in its transaction. Authorisation is the caller's (CanSeeTicket,
// CanAnswerTicket, IsTicketReporter); the service checks the workflow.
type TicketService interface {
	// CreateTicket records the actor's report on the published entry e (c validated by
	// ValidateTicketCreate; a row's key checked by the read path before), due replyDays
	// working days from now, and notifies the provider.
	CreateTicket(ctx context.Context, e *Entry, c *TicketCreate) (*Ticket, error)
	// FindTicketByID returns a ticket; ENOTFOUND when there is none.
	FindTicketByID(ctx context.Context, id string) (*Ticket, error)
	// FindTickets returns a page of tickets (those waiting for an answer first, by due
	// time; then the others, newest first), the number matching and the next cursor.
	FindTickets(ctx context.Context, f TicketFilter) ([]*Ticket, int, string, error)
	// AnswerTicket records the provider's answer (ValidateTicketAnswer; a linked batch must
	// be a finished batch of the ticket's entry) and notifies the reporter.
	AnswerTicket(ctx context.Context, id string, ans *TicketAnswer) (*Ticket, error)
	// ConfirmTicket records the reporter's confirmation of the answer (final).
	ConfirmTicket(ctx context.Context, id string) (*Ticket, error)
	// ReopenTicket records the reporter's reopening, due again replyDays working days from
	// now, and notifies the provider.
	ReopenTicket(ctx context.Context, id string, r *TicketReopen) (*Ticket, error)
	// EscalateTickets escalates every ticket waiting for an answer past its due time
	// (before now) to the admins and reviewers of the nearest covering authority, once per
	// round, recording ticket.escalate in the same transaction. It returns how many it
	// escalated; run by pubdata serve every minute.
	EscalateTickets(ctx context.Context, now time.Time) (int, error)
}
