package pubdata

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Discovery of personal and sensitive data (issue 15 item 3; OpenMetadata's
// auto-classification): every load into an entry's table is sampled — its first rows and as
// many chosen at random, DiscoverySampleRows each — and the values of each item that is not
// marked personal are tested for resident ID numbers (with their check character), mobile
// numbers, bank card numbers (Luhn), Chinese personal names, addresses and e-mail addresses.
// A finding (the entry, the item, the kind, how many sampled values matched and the grade
// suggested) goes to the provider and the covering authority; the provider accepts it (the
// item is marked personal at the suggested grade in the working copy: a revision the
// authority reviews) or the provider or the authority dismisses it with a reason. A finding
// in an entry open to the public also withholds its column from the public at once, through
// the opened-data check (openwatch.go), until the authority resolves that finding.

// Discovery kinds beyond the pre-open check's Personal* kinds.
const (
	PersonalBankCard = "bank_card"
	PersonalEmail    = "email"
)

// DiscoveryKinds lists the kinds discovery looks for, in the order a value is tested (a
// value counts for the first kind it matches).
var DiscoveryKinds = []string{PersonalResidentID, PersonalBankCard, PersonalMobile, PersonalEmail, PersonalAddress, PersonalName}

// DiscoverySuggestedGrade is the grade suggested for an item of each kind: sensitive personal
// information (个保法 Art. 28: specific identity, financial accounts) at the top grade, other
// personal information below it.
var DiscoverySuggestedGrade = map[string]int{
	PersonalResidentID: 4, PersonalBankCard: 4, PersonalMobile: 3, PersonalAddress: 3, PersonalEmail: 2, PersonalName: 2,
}

// DiscoverySampleRows is how many of a load's first rows, and how many more at random, are
// sampled.
const DiscoverySampleRows = 200

// Discovery sources: how a finding was made.
const (
	DiscoveredByLoad    = "load"    // the rows a batch wrote
	DiscoveredByCommand = "command" // a run over the current rows (pubdata discover, the API)
)

// Discovery statuses.
const (
	DiscoveryOpen      = "open"
	DiscoveryAccepted  = "accepted"
	DiscoveryDismissed = "dismissed"
)

// DiscoveryTests are the content tests of discovery; the adapter passes the standard
// validators (package ident). A nil test is skipped.
type DiscoveryTests struct {
	ResidentID func(v string) bool
	Mobile     func(v string) bool
	BankCard   func(v string) bool
	Email      func(v string) bool
}

// DiscoveredItem is what discovery found in one item of a sample.
type DiscoveredItem struct {
	Item    string `json:"item"`
	Title   string `json:"title"`
	Kind    string `json:"kind"`    // one of DiscoveryKinds
	Matched int    `json:"matched"` // sampled values of the kind
	Sampled int    `json:"sampled"` // non-empty sampled values of the item
	Grade   int    `json:"grade"`   // the grade suggested
}

// Discovery is a finding of discovery, kept until accepted or dismissed.
type Discovery struct {
	ID       string `json:"id"`
	Entry    string `json:"entry"`
	Title    string `json:"title,omitempty"` // the entry's title
	Org      string `json:"org"`
	Division string `json:"division"`
	DiscoveredItem
	Source    string     `json:"source"`          // DiscoveredBy*
	Batch     string     `json:"batch,omitempty"` // the batch sampled (DiscoveredByLoad)
	Status    string     `json:"status"`          // open, accepted, dismissed
	Withheld  bool       `json:"withheld"`        // its column was withheld from the public
	FoundAt   time.Time  `json:"found_at"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Reason    string     `json:"reason,omitempty"` // why it was dismissed
}

// MarkedAs reports whether the item is marked as holding data of the kind already: marked
// personal, or of a personal data element.
func MarkedAs(it Item, kind string) bool {
	return it.Personal || personalElement(it.Element) != ""
}

// DeclaredPersonal reports whether an item's definition says it is personal: marked so, of
// a personal data element, or named or titled so (姓名, 身份证号 …). The pre-open check
// judged such items when the entry was opened, so a discovery in one does not withhold it.
func DeclaredPersonal(it Item) bool {
	return it.Personal || personalElement(it.Element) != "" || personalByName(it) != ""
}

// DiscoverItems tests a sample of an entry's rows and returns, for each item not marked
// personal, the kind most of its values are: resident ID, bank card, mobile and e-mail when
// at least 30 % of its non-empty sampled values pass the kind's validator; personal names
// and addresses when most of them look like one and the table holds the other, or another
// personal item (found or marked), as the pre-open check judges them.
func DiscoverItems(f *EntryFields, sample *RowSample, tests DiscoveryTests) []DiscoveredItem {
	out := []DiscoveredItem{}
	if sample == nil || len(sample.Rows) == 0 {
		return out
	}
	byName := map[string]Item{}
	otherPersonal := false
	for _, it := range f.Items {
		byName[it.Name] = it
		otherPersonal = otherPersonal || it.Personal || personalElement(it.Element) != ""
	}
	type stat struct {
		n     int
		count map[string]int
	}
	stats := make([]stat, len(sample.Columns))
	for i := range stats {
		stats[i].count = map[string]int{}
	}
	test := map[string]func(string) bool{
		PersonalResidentID: tests.ResidentID, PersonalBankCard: tests.BankCard, PersonalMobile: tests.Mobile, PersonalEmail: tests.Email,
		PersonalAddress: LooksLikeAddress, PersonalName: LooksLikePersonName,
	}
	for _, row := range sample.Rows {
		for i := range sample.Columns {
			if i >= len(row) {
				break
			}
			v := strings.TrimSpace(row[i])
			if v == "" || utf8.RuneCountInString(v) > 200 {
				continue
			}
			s := &stats[i]
			s.n++
			for _, k := range DiscoveryKinds {
				if t := test[k]; t != nil && t(v) {
					s.count[k]++
					break
				}
			}
		}
	}
	var names, addresses []DiscoveredItem
	for i, col := range sample.Columns {
		it, ok := byName[col]
		if !ok || stats[i].n == 0 {
			continue
		}
		s := stats[i]
		for _, k := range DiscoveryKinds {
			m := s.count[k]
			found := false
			switch k {
			case PersonalAddress, PersonalName:
				found = 2*m > s.n
			default:
				found = m > 0 && 10*m >= 3*s.n
			}
			if !found || MarkedAs(it, k) {
				continue
			}
			d := DiscoveredItem{Item: it.Name, Title: it.Title, Kind: k, Matched: m, Sampled: s.n, Grade: DiscoverySuggestedGrade[k]}
			switch k {
			case PersonalName:
				names = append(names, d)
			case PersonalAddress:
				addresses = append(addresses, d)
			default:
				out = append(out, d)
				otherPersonal = true
			}
			break
		}
	}
	// Names and addresses are personal next to each other or to another personal item (a
	// list of places' addresses, or of names alone, often is not).
	if otherPersonal || len(addresses) > 0 {
		out = append(out, names...)
	}
	if otherPersonal || len(names) > 0 {
		out = append(out, addresses...)
	}
	slices.SortStableFunc(out, func(a, b DiscoveredItem) int { return indexOfItem(f, a.Item) - indexOfItem(f, b.Item) })
	return out
}

func indexOfItem(f *EntryFields, name string) int {
	return slices.IndexFunc(f.Items, func(it Item) bool { return it.Name == name })
}

// MarkDiscovered returns the fields with the discovered item marked: personal, at the
// suggested grade or above. ENOTFOUND when the item is gone from the fields.
func MarkDiscovered(f EntryFields, d *DiscoveredItem) (EntryFields, error) {
	i := indexOfItem(&f, d.Item)
	if i < 0 {
		return f, Errorf(ENOTFOUND, "The entry has no item %q any more.", d.Item).Keyed("error.discovery.item_gone", "Item", d.Item)
	}
	f.Items = slices.Clone(f.Items)
	it := &f.Items[i]
	it.Personal = true
	it.Grade = max(it.Grade, d.Grade)
	if DataLevelRank(f.DataLevel) < DataLevelRank(ImpliedDataLevel(f.Items)) {
		f.DataLevel = ImpliedDataLevel(f.Items)
	}
	return f, nil
}

// DiscoveryFilter selects discoveries: of one entry, or in a division (an authority's list).
type DiscoveryFilter struct {
	Entry          string
	DivisionPrefix string
	Org            string
	Status         string // "" any
	Limit          int
}

// Notification keys of discovery.
const (
	NoticeDiscoveryFound     = "discovery.found"     // to the provider's admins and editors and the covering authority
	NoticeDiscoveryDismissed = "discovery.dismissed" // to the provider's admins and editors
)

func init() {
	provider := func(p NoticeParties) []Recipient { return roles(p.Provider, RoleAdmin, RoleEditor) }
	NoticeRules[NoticeDiscoveryFound] = func(p NoticeParties) []Recipient { return append(provider(p), authorityDeciders(p)...) }
	NoticeRules[NoticeDiscoveryDismissed] = provider
}

// CanDecideDiscovery reports whether the actor accepts a discovery of an entry of org in
// division (the provider's admins and editors, who edit the entry) or dismisses it (those,
// and the covering authority's admins and reviewers).
func CanDecideDiscovery(a *Actor, org, division string, accept bool) bool {
	if CanEditEntry(a, org) {
		return true
	}
	return !accept && CanReviewEntry(a, division)
}

// ValidateDismissReason checks a dismissal's reason: required, at most 2000 characters.
func ValidateDismissReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", FieldErrorf("reason", "A dismissal needs its reason.").Keyed("error.discovery.reason.required")
	case n > 2000:
		return "", FieldErrorf("reason", "The reason must be at most 2000 characters.").Keyed("error.discovery.reason.too_long")
	}
	return reason, nil
}

// DiscoveryService keeps the discoveries. Discovery on a load runs inside the load
// (DataService.RunBatch). Authorisation is the caller's (CanViewWorkingCopy to list an
// entry's, CanSuperviseCompliance for a division's, CanDecideDiscovery to decide).
type DiscoveryService interface {
	// FindDiscoveries lists discoveries, open first, newest first (at most f.Limit, ≤ 500).
	FindDiscoveries(ctx context.Context, f DiscoveryFilter) ([]*Discovery, error)
	// FindDiscovery returns one; ENOTFOUND.
	FindDiscovery(ctx context.Context, id string) (*Discovery, error)
	// AcceptDiscovery marks the item personal at the suggested grade in the entry's working
	// copy (the entry returns to draft, as an edit does; the provider submits it for review).
	// ECONFLICT when decided already or while the entry is under review.
	AcceptDiscovery(ctx context.Context, id string) (*Discovery, error)
	// DismissDiscovery closes it with the reason; the same item and kind are not raised
	// again. ECONFLICT when decided already.
	DismissDiscovery(ctx context.Context, id, reason string) (*Discovery, error)
	// DiscoverEntry samples the current rows of a published table entry and records what it
	// finds (DiscoveredByCommand); returns the new discoveries.
	DiscoverEntry(ctx context.Context, entryID string) ([]*Discovery, error)
}

// DiscoverySchedule picks the tables whose current rows are due to be sampled again (serve's
// scheduled discovery, every discovery_interval) and claims each for one server.
type DiscoverySchedule interface {
	// DueDiscoveries returns up to max published tables with data not sampled by the schedule
	// since before, never sampled first.
	DueDiscoveries(ctx context.Context, before time.Time, max int) ([]string, error)
	// ClaimDiscovery marks entry sampled at now if it is still due; false when another
	// server claimed it first.
	ClaimDiscovery(ctx context.Context, entry string, before, now time.Time) (bool, error)
}
