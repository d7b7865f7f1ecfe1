package web

import (
	"context"
	"github.com/pubdata/pubdata"
	"net/http"
	"sync"
)

// Usage of entries (issue 6 item 7): views of the portal's entry page, downloads and API
// calls, counted in memory per entry, kind and day by countUse on each read path and written
// by FlushEntryUsage in one batch every few seconds (pubdata serve), never a write per
// request.

// entryUses collects the uses between flushes.
type entryUses struct {
	mu sync.Mutex
	m  map[pubdata.UsageCount]int64 // the key has N zero
}

func (u *entryUses) add(k pubdata.UsageCount, n int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[pubdata.UsageCount]int64{}
	}
	u.m[k] += n
}

// Take returns the counts and starts afresh.
func (u *entryUses) Take() []pubdata.UsageCount {
	u.mu.Lock()
	m := u.m
	u.m = nil
	u.mu.Unlock()
	out := make([]pubdata.UsageCount, 0, len(m))
	for k, n := range m {
		k.N = n
		out = append(out, k)
	}
	return out
}

// CountUse counts one use of the entry now. It never writes to the database.
func (s *Server) CountUse(e *pubdata.Entry, kind pubdata.UseKind) {
	if s.Usage == nil || e == nil {
		return
	}
	s.EntryUses.add(pubdata.UsageCount{Day: pubdata.UsageDay(s.Now()), Entry: e.ID, Provider: e.Org, Kind: kind}, 1)
}

// rowsUse is the kind of use of a rows read in the format: JSON pages are API calls, files
// are downloads.
func rowsUse(format string) pubdata.UseKind {
	if format == "" || format == "json" {
		return pubdata.UseAPICall
	}
	return pubdata.UseDownload
}

// FlushEntryUsage writes the entries' uses counted since the last flush (one transaction);
// on failure they are kept for the next flush. No-op without Usage.
func (s *Server) FlushEntryUsage(ctx context.Context) error {
	if s.Usage == nil {
		return nil
	}
	counts := s.EntryUses.Take()
	if len(counts) == 0 {
		return nil
	}
	if err := s.Usage.AddUsage(ctx, counts); err != nil {
		for _, c := range counts {
			n := c.N
			c.N = 0
			s.EntryUses.add(c, n)
		}
		return err
	}
	return nil
}

// EntryUsage returns the entry's uses so far (nil without Usage), for the entry pages.
func (s *Server) EntryUsage(r *http.Request, entryID string) *pubdata.UsageTotals {
	if s.Usage == nil {
		return nil
	}
	t, err := s.Usage.EntryUsage(r.Context(), entryID, "", "")
	if err != nil {
		s.Logger.Error("entry usage", "entry", entryID, "error", err.Error())
		return nil
	}
	return &t
}

// ProviderUsage returns the uses of the provider's entries so far (nil without Usage), for
// the provider's page.
func (s *Server) ProviderUsage(r *http.Request, org string) *pubdata.UsageTotals {
	if s.Usage == nil {
		return nil
	}
	t, err := s.Usage.ProviderUsage(r.Context(), org, "", "")
	if err != nil {
		s.Logger.Error("provider usage", "org", org, "error", err.Error())
		return nil
	}
	return &t
}
