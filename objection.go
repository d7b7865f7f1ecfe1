package pubdata

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Objections (异议, C4): a data subject objects to a record of an entry's table, naming it by
// its key. While the objection is open the rows with that key are frozen: no read path
// returns them (current reads and reads as of a batch alike); they are counted, not shown.
// The provider answers within ObjectionReplyDays working days: it loads a corrected row (a
// new batch) and resolves the objection as corrected, or rejects it with its reasons; both
// unfreeze the key and tell the filer.
//
// The filer must be signed in (a public user, or a user of an organisation), so that the
// answer can reach them; anonymous objections are refused.

// ObjectionReason is what the filer says is wrong with the record.
type ObjectionReason string

// Objection reasons.
const (
	ObjectionError       ObjectionReason = "error"        // a value is wrong
	ObjectionOmission    ObjectionReason = "omission"     // something is missing
	ObjectionPrivacy     ObjectionReason = "privacy"      // it discloses personal information
	ObjectionTradeSecret ObjectionReason = "trade_secret" // it discloses a trade secret
)

// ObjectionReasons lists the reasons.
var ObjectionReasons = []ObjectionReason{ObjectionError, ObjectionOmission, ObjectionPrivacy, ObjectionTradeSecret}

// ObjectionStatus is where an objection is: open (the rows are frozen), corrected or
// rejected (both final; the rows are readable again).
type ObjectionStatus string

// Objection statuses.
const (
	ObjectionOpen      ObjectionStatus = "open"
	ObjectionCorrected ObjectionStatus = "corrected"
	ObjectionRejected  ObjectionStatus = "rejected"
)

// DefaultObjectionReplyDays is the working days a provider has to answer an objection when
// the platform sets none (setting objection_reply_days).
const DefaultObjectionReplyDays = 5

// MaxObjectionDetail is the longest detail or resolution note, in characters.
const MaxObjectionDetail = 2000

// Objection is one objection to the rows of an entry with a key.
type Objection struct {
	ID           string `json:"id"`
	Entry        string `json:"entry"`
	EntryTitle   string `json:"entry_title"`
	Division     string `json:"division"` // the entry's division
	Provider     string `json:"provider"` // the entry's organisation code
	ProviderName string `json:"provider_name,omitempty"`
	// Key is the record's key: each key item's name with its value in text form
	// (FormatItemValue of the typed value).
	Key    map[string]string `json:"key"`
	Reason ObjectionReason   `json:"reason"`
	Detail string            `json:"detail"`
	Filer  string            `json:"filer"` // username
	Status ObjectionStatus   `json:"status"`
	// Rows is how many current rows had the key when it was filed: shown to the provider's
	// side and the authority, and to a filer who may read those rows; absent otherwise, so
	// that filing cannot tell whether a key exists (G7).
	Rows  int64     `json:"rows,omitempty"`
	Due   string    `json:"due"`    // YYYY-MM-DD, China Standard Time
	DueAt time.Time `json:"due_at"` // the close of business the answer is due by
	// DueCovered: false marks an unconfirmed due date (counted over a year without a notice).
	DueCovered bool `json:"due_covered"`
	// Overdue: still open after DueAt (computed when read).
	Overdue    bool       `json:"overdue"`
	Note       string     `json:"note,omitempty"`  // the resolution's note (a rejection's reasons)
	Batch      string     `json:"batch,omitempty"` // corrected: the provider's latest batch when resolved
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// KeyText returns the key as "name=value" pairs in the order of items' key items.
func (o *Objection) KeyText(items []Item) string {
	var parts []string
	for _, i := range KeyItems(items) {
		if v, ok := o.Key[items[i].Name]; ok {
			parts = append(parts, items[i].Name+"="+v)
		}
	}
	if len(parts) == 0 {
		names := make([]string, 0, len(o.Key))
		for k := range o.Key {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			parts = append(parts, k+"="+o.Key[k])
		}
	}
	return strings.Join(parts, ", ")
}

// ObjectionCreate is what a filer gives: POST /api/v1/objections.
type ObjectionCreate struct {
	Entry  string            `json:"entry"`
	Key    map[string]string `json:"key"`
	Reason ObjectionReason   `json:"reason"`
	Detail string            `json:"detail"`
}

// ObjectionResolution is the provider's answer: POST /api/v1/objections/{id}/resolve.
type ObjectionResolution struct {
	Outcome ObjectionStatus `json:"outcome"` // corrected or rejected
	Note    string          `json:"note"`
}

// ObjectionFilter selects objections; the set fields AND.
type ObjectionFilter struct {
	Filer    string
	Provider string
	Division string // the entries in this division and below (an authority's)
	Entry    string
	Status   ObjectionStatus
	Overdue  bool // open and past due at Now
	Now      time.Time
	Limit    int
	Cursor   string
}

// ObjectionKey checks a filed key against the entry's items: it must name exactly the key
// items, each with a value of its item's type. It returns the key in canonical text form
// (FormatItemValue of the typed values). Problems name the field "key".
func ObjectionKey(items []Item, key map[string]string) (map[string]string, error) {
	return rowKey(items, key, rowKeyWords{"error.objection.key.missing", "error.objection.key.value", "error.objection.key.unknown", "The key needs a value for %s (%s)."}, func() *Error {
		return FieldErrorf("key", "The table has no key columns, so a record cannot be named; object to the entry instead by contacting its provider.").Keyed("error.objection.no_key")
	})
}

// rowKeyWords are the message keys of rowKey's problems (a value missing, a value not of its
// type, a name not a key item) and the English text of a missing value (the item's name and
// title).
type rowKeyWords struct{ missing, value, unknown, missingText string }

// rowKey checks a row's key filed with an objection or a ticket against the entry's items
// (ObjectionKey, TicketKey): every key item with a value of its type (trimmed), no other
// name. Its problems name the field "key"; none is the error of a table without key items.
func rowKey(items []Item, key map[string]string, w rowKeyWords, none func() *Error) (map[string]string, error) {
	keys := KeyItems(items)
	if len(keys) == 0 {
		return nil, none()
	}
	var problems []*Error
	out := map[string]string{}
	names := make([]string, len(keys))
	for i, k := range keys {
		it := items[k]
		names[i] = it.Name
		raw, ok := key[it.Name]
		if !ok || strings.TrimSpace(raw) == "" {
			problems = append(problems, FieldErrorf("key", w.missingText, it.Name, it.Title).Keyed(w.missing, "Column", titleOf(it)))
			continue
		}
		v, err := ParseItemValue(it.Type, strings.TrimSpace(raw))
		if err != nil {
			problems = append(problems, FieldErrorf("key", "Key column %s: the value %s", it.Name, err.(*Error).Message).
				Keyed(w.value, "Column", titleOf(it), "Problem", MessageOf(err)))
			continue
		}
		out[it.Name] = FormatItemValue(v)
	}
	for name := range key {
		if !slices.Contains(names, name) {
			problems = append(problems, FieldErrorf("key", "%q is not a key column; the key is %s.", name, strings.Join(names, ", ")).Keyed(w.unknown, "Name", name, "Keys", strings.Join(names, ", ")))
		}
	}
	if err := invalid(problems); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateObjectionCreate checks a filing by the actor on the published entry e (nil: not
// found or not visible to the actor) and sets c.Key to its canonical form.
func ValidateObjectionCreate(a *Actor, e *Entry, c *ObjectionCreate) error {
	if a.Anonymous() {
		return Errorf(EUNAUTHORIZED, "Sign in to file an objection, so that the provider's answer can reach you.").Keyed("error.objection.sign_in")
	}
	if e == nil {
		return FieldErrorf("entry", "Entry %q was not found in the catalogue.", c.Entry).Keyed("error.objection.entry", "Entry", c.Entry)
	}
	items, err := TableItems(e)
	if err != nil {
		return FieldErrorf("entry", "%s", err.(*Error).Message).Keyed("error.quoted", "Problem", MessageOf(err))
	}
	var problems []*Error
	key, err := ObjectionKey(items, c.Key)
	if e, ok := err.(*Error); ok {
		if len(e.Fields) > 0 {
			problems = append(problems, e.Fields...)
		} else {
			problems = append(problems, e)
		}
	}
	if !slices.Contains(ObjectionReasons, c.Reason) {
		problems = append(problems, FieldErrorf("reason", "reason %q is not one of error, omission, privacy, trade_secret.", c.Reason).Keyed("error.objection.reason", "Reason", c.Reason))
	}
	c.Detail = strings.TrimSpace(c.Detail)
	switch {
	case c.Detail == "":
		problems = append(problems, FieldErrorf("detail", "Say what is wrong with the record.").Keyed("error.objection.detail.required"))
	case utf8.RuneCountInString(c.Detail) > MaxObjectionDetail:
		problems = append(problems, FieldErrorf("detail", "The detail is longer than %d characters.", MaxObjectionDetail).Keyed("error.objection.detail.too_long", "Max", MaxObjectionDetail))
	}
	if err := invalid(problems); err != nil {
		return err
	}
	c.Key = key
	return nil
}

// ValidateObjectionResolution checks an answer to o: only an open objection is answered;
// the outcome is corrected or rejected; a rejection needs its reasons in the note.
func ValidateObjectionResolution(o *Objection, r *ObjectionResolution) error {
	if o.Status != ObjectionOpen {
		return Errorf(ECONFLICT, "Objection %q was already answered (%s).", o.ID, o.Status).Keyed("error.objection.answered", "ID", o.ID, "Status", o.Status)
	}
	r.Note = strings.TrimSpace(r.Note)
	var problems []*Error
	switch r.Outcome {
	case ObjectionCorrected, ObjectionRejected:
	default:
		problems = append(problems, FieldErrorf("outcome", "outcome %q is not one of corrected, rejected.", r.Outcome).Keyed("error.objection.outcome", "Outcome", r.Outcome))
	}
	if r.Outcome == ObjectionRejected && r.Note == "" {
		problems = append(problems, FieldErrorf("note", "A rejection needs its reasons in the note; the filer is told them.").Keyed("error.objection.note.required"))
	}
	if utf8.RuneCountInString(r.Note) > MaxObjectionDetail {
		problems = append(problems, FieldErrorf("note", "The note is longer than %d characters.", MaxObjectionDetail).Keyed("error.objection.note.too_long", "Max", MaxObjectionDetail))
	}
	return invalid(problems)
}

// IsObjectionFiler reports whether the actor filed the objection.
func IsObjectionFiler(a *Actor, o *Objection) bool {
	return !a.Anonymous() && a.Username() == o.Filer
}

// CanSeeObjection reports whether the actor may see the objection: the filer, the
// provider's users and the authorities covering the entry.
func CanSeeObjection(a *Actor, o *Objection) bool {
	if a.Anonymous() {
		return false
	}
	return IsObjectionFiler(a, o) || (a.Org != nil && a.OrgCode() == o.Provider) ||
		(a.IsAuthority() && DivisionCovers(a.Org.Division, o.Division))
}

// CanResolveObjection reports whether the actor may answer the objection: the provider's
// admins, editors and reviewers, or a covering authority's admin or reviewer.
func CanResolveObjection(a *Actor, o *Objection) bool {
	if a.Anonymous() {
		return false
	}
	if a.OrgCode() == o.Provider && (a.Role() == RoleAdmin || a.Role() == RoleEditor || a.Role() == RoleReviewer) {
		return true
	}
	return CanReviewEntry(a, o.Division)
}

// Objection notification keys.
const (
	NoticeObjectionNew      = "objection.new"      // to the provider's admins, editors and reviewers
	NoticeObjectionResolved = "objection.resolved" // to the filer
	NoticeObjectionOverdue  = "objection.overdue"  // to the covering authority's admins and reviewers, once
)

// ObjectionKeyJSON is the stored form of a canonical key: JSON with sorted names, so that
// two filings of one key are equal text.
func ObjectionKeyJSON(key map[string]string) string {
	b, _ := json.Marshal(key) // maps marshal with sorted keys
	return string(b)
}

// ObjectionService keeps objections. Filing freezes the key's rows in the transaction that
// records the objection; answering unfreezes them. Authorisation is the caller's
// (CanSeeObjection, CanResolveObjection).
type ObjectionService interface {
	// FileObjection records the actor's objection on the published table entry e (c
	// validated by ValidateObjectionCreate), due at dueAt, with its audit event and a
	// notification to the provider. When requireRow is set (the filer may read the rows),
	// a key no current row has is refused with ENOTFOUND; otherwise it is accepted without
	// saying whether a row matched (no probing of data the filer may not read).
	// ECONFLICT if the filer already has an open objection on that key.
	FileObjection(ctx context.Context, e *Entry, c *ObjectionCreate, requireRow bool) (*Objection, error)
	// FindObjectionByID returns an objection; ENOTFOUND when there is none.
	FindObjectionByID(ctx context.Context, id string) (*Objection, error)
	// FindObjections returns a page of objections (open ones by due date, others newest
	// first), the number matching and the next cursor.
	FindObjections(ctx context.Context, f ObjectionFilter) ([]*Objection, int, string, error)
	// ResolveObjection answers an open objection (ValidateObjectionResolution), unfreezing
	// its key, with its audit event and a notification to the filer. Corrected needs a
	// batch the provider loaded into the table since the objection was filed (ECONFLICT
	// otherwise).
	ResolveObjection(ctx context.Context, id string, r *ObjectionResolution) (*Objection, error)
	// MarkObjectionsOverdue notifies the admins and reviewers of the authority covering
	// each open objection past its due time (before now), once per objection, recording
	// objection.overdue in the same transaction. It returns how many it marked; run by
	// pubdata serve every minute.
	MarkObjectionsOverdue(ctx context.Context, now time.Time) (int, error)
}

// titleOf names an item as the provider wrote it: its title (统一社会信用代码), else its name.
func titleOf(it Item) string {
	if it.Title != "" {
		return it.Title
	}
	return it.Name
}
