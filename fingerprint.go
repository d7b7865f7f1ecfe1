package pubdata

import (
	"context"
	"time"
)

// Leak tracing (issue 15 item 7). Every download of shared or conditionally opened data by
// another body or a person (AccessDecision.Shared) carries a fingerprint of its recipient in
// the last digits of chosen number cells (lib/fingerprint); the read's record names the
// recipient ("fingerprint" in the details of "data.read") and the store keeps who received
// fingerprinted copies of each entry, under which grant. From a leaked copy the authority
// names the recipient (access.Reader.Trace, `pubdata trace`, the console's trace page).

// FingerprintRecipient is a recipient of fingerprinted copies of an entry, under one grant
// ("" for a shared read without a grant), from the record of reads.
type FingerprintRecipient struct {
	Entry     string    `json:"entry"`
	Recipient string    `json:"recipient"` // org:<code> or user:<username>
	Org       string    `json:"org,omitempty"`
	Username  string    `json:"username,omitempty"` // the last user who downloaded
	Grant     string    `json:"grant,omitempty"`
	Reads     int64     `json:"reads"`
	FirstAt   time.Time `json:"first_at"`
	LastAt    time.Time `json:"last_at"`
}

// FingerprintService keeps the recipients of fingerprinted copies and the items a provider
// keeps out of fingerprints. The recipients are written with the read's record
// (DataService.RecordRead with details["fingerprint"]).
type FingerprintService interface {
	// Recipients lists the recipients of fingerprinted copies of the entry, oldest first.
	Recipients(ctx context.Context, entryID string) ([]FingerprintRecipient, error)
	// Entries lists the entries of which fingerprinted copies were sent, the latest sent
	// first, at most limit.
	Entries(ctx context.Context, limit int) ([]string, error)
	// Excluded lists the entry's items its provider keeps unmarked.
	Excluded(ctx context.Context, entryID string) ([]string, error)
	// SetExcluded replaces the entry's unmarked items, recording "fingerprint.exclude".
	SetExcluded(ctx context.Context, e *Entry, items []string) error
	// RecordTrace records a trace of a leaked copy of the entry ("fingerprint.trace").
	RecordTrace(ctx context.Context, e *Entry, details map[string]any) error
}

// CanTraceLeak reports whether the actor may trace a leaked copy of the entry to its
// recipient: an authority's admin or reviewer whose division covers the entry.
func CanTraceLeak(a *Actor, e *Entry) bool {
	return a.IsAuthority() && (a.Role() == RoleAdmin || a.Role() == RoleReviewer) && DivisionCovers(a.Org.Division, e.Division)
}

// CanExcludeFromFingerprint reports whether the actor may choose the entry's items kept out
// of fingerprints: the provider's admins and editors.
func CanExcludeFromFingerprint(a *Actor, e *Entry) bool { return CanEditEntry(a, e.Org) }

// FingerprintItem reports whether an item's values may carry fingerprint marks: an integer
// or number item that is not part of the key, not a standard data element (a code) and not
// excluded by the provider.
func FingerprintItem(it Item, excluded []string) bool {
	if it.Type != "integer" && it.Type != "number" || it.Key || it.Element != "" {
		return false
	}
	for _, x := range excluded {
		if x == it.Name {
			return false
		}
	}
	return true
}

// ValidateFingerprintExclusions checks that every excluded item is an item of the entry.
func ValidateFingerprintExclusions(e *Entry, items []string) error {
	for _, x := range items {
		found := false
		for _, it := range e.Items {
			found = found || it.Name == x
		}
		if !found {
			return FieldErrorf("excluded", "Item %q is not an item of this entry.", x).Keyed("error.fingerprint.item", "Item", x)
		}
	}
	return nil
}
