package pubdata

import (
	"context"
	"slices"
	"time"
)

// Opened data stays checked (E7): the pre-open check (CheckOpenRisk) runs again on an entry
// that is open — after every load into its table, on the rows the load wrote, in the load's
// transaction; every day on a sample of its current rows; and when a new version of it is
// published. A finding (an item that looks personal and would be read in clear, or a new
// item of grade 3 or above) withholds the affected columns from the public at once: open
// reads (DecideAccess's AccessOpen, and reads under an open grant) leave them out until
// the covering authority resolves the finding. The provider and the authority are
// notified, and the entry's console page shows the finding.

// How an opened-data finding was made.
const (
	WatchByLoad     = "load"     // the rows a batch wrote
	WatchBySchedule = "schedule" // the daily check of the current rows
	WatchByVersion  = "version"  // a newly published version
)

// PersonalGraded is the kind of a finding for a new item of grade WatchGrade or above.
const PersonalGraded = "graded"

// WatchGrade is the grade from which a new item of an open entry is withheld until the
// authority has reviewed it (GB/T 43697: important data and above, in the platform's scale).
const WatchGrade = 3

// WatchInterval is how often the scheduled check looks again at each open table.
const WatchInterval = 24 * time.Hour

// OpenFinding is one finding of the opened-data check on an entry.
type OpenFinding struct {
	ID       string            `json:"id"`
	Entry    string            `json:"entry"`
	Title    string            `json:"title,omitempty"`
	Org      string            `json:"org"`
	Division string            `json:"division"`
	Source   string            `json:"source"`          // WatchBy*
	Batch    string            `json:"batch,omitempty"` // the batch checked (WatchByLoad)
	Items    []OpenRiskFinding `json:"items"`           // the withheld columns and why
	Status   string            `json:"status"`          // open, resolved
	FoundAt  time.Time         `json:"found_at"`
	// ResolvedBy, ResolvedAt and Note are the authority's resolution.
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// Opened-data finding statuses.
const (
	OpenFindingOpen     = "open"
	OpenFindingResolved = "resolved"
)

// Notification keys of the opened-data check.
const (
	NoticeOpenRiskFound    = "open_risk.found"    // to the provider's admins, editors and reviewers and the covering authority
	NoticeOpenRiskResolved = "open_risk.resolved" // to the provider's admins, editors and reviewers
)

func init() {
	provider := func(p NoticeParties) []Recipient { return roles(p.Provider, RoleAdmin, RoleEditor, RoleReviewer) }
	NoticeRules[NoticeOpenRiskFound] = func(p NoticeParties) []Recipient { return append(provider(p), authorityDeciders(p)...) }
	NoticeRules[NoticeOpenRiskResolved] = provider
}

// Watched reports whether an entry's published version is watched: a table entry open to
// the public (unconditionally or on conditions).
func (f *EntryFields) Watched() bool { return f.Format == FormatTable && f.Opens() }

// WatchFindings returns the check's findings that withhold a column: items read in clear
// whose content was found personal, that their definition (element, name or title) does not
// say are personal — those the pre-open check judged at approval — and that are not withheld
// already.
func WatchFindings(risk *OpenRisk, f *EntryFields, withheld []string) []OpenRiskFinding {
	declared := map[string]bool{}
	for _, it := range f.Items {
		declared[it.Name] = it.Personal || personalElement(it.Element) != "" || personalByName(it) != ""
	}
	out := []OpenRiskFinding{}
	for _, x := range risk.InClear() {
		if slices.Contains(x.By, FoundByContent) && !declared[x.Item] && !slices.Contains(withheld, x.Item) {
			out = append(out, x)
		}
	}
	return out
}

// NewGradedItems returns the items of the new version at grade WatchGrade or above that the
// old version (nil: none) did not have at such a grade, and that are not withheld already.
func NewGradedItems(old, cur *EntryFields, withheld []string) []OpenRiskFinding {
	out := []OpenRiskFinding{}
	if old == nil || !cur.Watched() {
		return out
	}
	was := map[string]int{}
	for _, it := range old.Items {
		was[it.Name] = it.Grade
	}
	for _, it := range cur.Items {
		if it.Grade >= WatchGrade && was[it.Name] < WatchGrade && !slices.Contains(withheld, it.Name) {
			out = append(out, OpenRiskFinding{Item: it.Name, Title: it.Title, Kind: PersonalGraded, By: []string{FoundByElement}})
		}
	}
	return out
}

// WithheldAfter returns the columns withheld while the open findings hold.
func WithheldAfter(open []*OpenFinding) []string {
	out := []string{}
	for _, f := range open {
		if f.Status != OpenFindingOpen {
			continue
		}
		for _, it := range f.Items {
			if !slices.Contains(out, it.Item) {
				out = append(out, it.Item)
			}
		}
	}
	slices.Sort(out)
	return out
}

// CanResolveOpenFinding reports whether the actor resolves an opened-data finding of an
// entry in division: an authority's admin or reviewer covering it.
func CanResolveOpenFinding(a *Actor, division string) bool {
	return CanSuperviseCompliance(a, division)
}

// OpenWatchService keeps the opened-data findings. The check after a load runs inside the
// load (DataService.RunBatch); authorisation is the caller's (CanReadAllData to list,
// CanResolveOpenFinding to resolve).
type OpenWatchService interface {
	// FindOpenFindings lists an entry's findings, open first, newest first (at most 100).
	FindOpenFindings(ctx context.Context, entryID string) ([]*OpenFinding, error)
	// FindOpenFinding returns one finding; ENOTFOUND.
	FindOpenFinding(ctx context.Context, id string) (*OpenFinding, error)
	// ResolveOpenFinding resolves an open finding with the authority's note: its columns
	// return to the public unless another open finding withholds them. ECONFLICT when it
	// is resolved already.
	ResolveOpenFinding(ctx context.Context, id, note string) (*OpenFinding, error)
	// RecheckOpened runs the scheduled check on at most limit open tables not checked
	// within WatchInterval before now; returns how many it checked.
	RecheckOpened(ctx context.Context, now time.Time, limit int) (int, error)
}
