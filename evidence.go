package pubdata

import "context"

// Evidence: what the platform holds about a person or a company, so that a public body does
// not ask the applicant for paper again (D6), and signed extracts that stand in for a paper
// copy (D5).

// Subject lookup answers: whether the caller may use an entry that holds rows about the
// subject.
const (
	SubjectAllowed          = "allowed"           // the caller may read it now (with a purpose)
	SubjectNeedsApplication = "needs_application" // conditional: an application is possible
	SubjectNotShared        = "not_shared"        // not shared with the caller
)

// SubjectCandidate is a published table entry with an item of a subject's data element.
type SubjectCandidate struct {
	Entry *Entry
	Item  string // the item that holds the element
}

// SubjectEntry is one entry of a subject lookup's reply: it holds a current row about the
// subject. It never holds the row's contents.
type SubjectEntry struct {
	Entry        string `json:"entry"`
	Title        string `json:"title"`
	Provider     string `json:"provider"`
	ProviderName string `json:"provider_name"`
	Item         string `json:"item"`
	Access       string `json:"access"`            // one of the Subject* answers
	Message      string `json:"message,omitempty"` // for entries the caller may not read now
}

// CanLookUpSubjects reports whether the actor may ask which entries hold a subject's data:
// the users of public bodies and authorities.
func CanLookUpSubjects(a *Actor) bool {
	return !a.Anonymous() && a.Org != nil && (a.Org.Kind == KindPublicBody || a.Org.Kind == KindAuthority)
}

// SubjectAccess turns the caller's access decision on an entry into a lookup's answer: a
// shared read that only lacks a purpose is allowed (the read sends one); a conditional
// entry without a grant needs an application; anything else is not shared.
func SubjectAccess(d AccessDecision) string {
	switch {
	case d.Allow, d.Reason == AccessNoPurpose:
		return SubjectAllowed
	case d.Reason == AccessNeedsGrant:
		return SubjectNeedsApplication
	}
	return SubjectNotShared
}

// ExtractRecord is what the record keeps of a signed extract: not its rows, but their
// number and the SM3 digest of the signed document, which identifies it.
type ExtractRecord struct {
	Entry        string
	EntryVersion int
	Rows         int
	Columns      []string
	Purpose      string
	Digest       string // hex SM3 of the signed canonical document
	Time         string // the document's time (RFC 3339 UTC)
}

// EvidenceService finds the entries that may hold a subject's rows and records lookups and
// extracts. Every record is an audit event; personal keys are recorded masked only.
type EvidenceService interface {
	// SubjectEntries returns the published table entries that have an item of the data
	// element (e.g. resident_id, uscc), with that item, ordered by entry id.
	SubjectEntries(ctx context.Context, element string) ([]*SubjectCandidate, error)
	// RecordSubjectLookup records "subject.lookup": the element, the masked key and the
	// entries found.
	RecordSubjectLookup(ctx context.Context, element, maskedKey string, entries []string) error
	// RecordExtract records "extract.sign" of the entry.
	RecordExtract(ctx context.Context, r *ExtractRecord) error
}
