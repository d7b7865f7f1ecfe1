package pubdata

import (
	"context"
	"time"
)

// UseKind is what a use of an entry was (issue 6 item 7): counted per entry, provider and
// day for the portal's pages and the evaluation to come.
type UseKind string

// Use kinds.
const (
	UseView     UseKind = "view"     // the portal's entry page
	UseDownload UseKind = "download" // a rows download (CSV, XLSX, NDJSON) or a CKAN dump
	UseAPICall  UseKind = "api"      // rows JSON, CKAN datastore_search, a service call
)

// Valid reports whether k is a known kind.
func (k UseKind) Valid() bool { return k == UseView || k == UseDownload || k == UseAPICall }

// UsageCount is N uses of one kind of an entry (of Provider) on Day (YYYY-MM-DD, China
// Standard Time).
type UsageCount struct {
	Day      string
	Entry    string
	Provider string
	Kind     UseKind
	N        int64
}

// UsageTotals are the uses of an entry or a provider over a period.
type UsageTotals struct {
	Views     int64 `json:"views"`
	Downloads int64 `json:"downloads"`
	APICalls  int64 `json:"api_calls"`
}

// Add adds n uses of kind.
func (t *UsageTotals) Add(kind UseKind, n int64) {
	switch kind {
	case UseView:
		t.Views += n
	case UseDownload:
		t.Downloads += n
	case UseAPICall:
		t.APICalls += n
	}
}

// UsageService keeps the usage counts. Counts are statistics, not changes of the data or the
// catalogue: they are added in batches (the http layer counts in memory and flushes every
// few seconds) and are not written to the record.
type UsageService interface {
	// AddUsage adds the counts (summed into the day's row of each entry and kind) in one
	// transaction. EINVALID for a bad kind or day.
	AddUsage(ctx context.Context, counts []UsageCount) error
	// EntryUsage returns the entry's uses on the days from..to (YYYY-MM-DD, inclusive;
	// "" for no bound).
	EntryUsage(ctx context.Context, entryID, from, to string) (UsageTotals, error)
	// ProviderUsage returns the uses of the provider's entries on the days from..to.
	ProviderUsage(ctx context.Context, org, from, to string) (UsageTotals, error)
	// FindUsage returns the daily counts of an entry or a provider (either may be "") on the
	// days from..to, by day then entry then kind: the data of the evaluation.
	FindUsage(ctx context.Context, entryID, org, from, to string) ([]UsageCount, error)
}

// UsageDay is the day (YYYY-MM-DD, China Standard Time) a use at t is counted on.
func UsageDay(t time.Time) string { return Today(t) }
