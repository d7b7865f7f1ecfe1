package pull

import (
	"context"
	"log/slog"
	"time"

	"github.com/pubdata/pubdata"
)

// Scheduler runs the due pull sources: every Every it claims each due source (so that one
// server of a cluster runs it), runs it and records the outcome. Sources run one after the
// other.
type Scheduler struct {
	Sources pubdata.PullSourceService
	Entries pubdata.EntryService
	Data    pubdata.DataService
	Logger  *slog.Logger  // nil: slog.Default()
	Every   time.Duration // 0: 30 s
	Now     func() time.Time
	// Hosts are the hosts a pull may connect to (empty Allowed: none).
	Hosts Hosts
}

// Lease is how long a claim holds a source: a run's timeout and a margin. A server that
// dies mid-run leaves the source to another server after it.
func Lease() time.Duration { return Timeout + 5*time.Minute }

// Start runs the scheduler until ctx ends.
func (s *Scheduler) Start(ctx context.Context) {
	every := s.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Scheduler) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Tick runs the sources due now, returning how many ran.
func (s *Scheduler) Tick(ctx context.Context) int {
	due, err := s.Sources.FindDuePullSources(ctx, s.now(), 50)
	if err != nil {
		s.logger().Error("pull sources: find due", "error", err)
		return 0
	}
	n := 0
	for _, src := range due {
		if ctx.Err() != nil {
			break
		}
		if _, err := s.RunSource(ctx, src.ID); pubdata.ErrorCode(err) == pubdata.ECONFLICT {
			continue // another server took it
		} else if err != nil {
			s.logger().Error("pull source run", "source", src.ID, "error", err)
			continue
		}
		n++
	}
	return n
}

// RunSource claims the source, runs it and records the outcome. A failed run is recorded
// on the source (with its batch, if one started), not returned: the error is for a source
// that could not be claimed (ECONFLICT while it runs, ENOTFOUND) or recorded.
func (s *Scheduler) RunSource(ctx context.Context, id string) (*pubdata.Batch, error) {
	src, dsn, err := s.Sources.ClaimPullSource(ctx, id, Lease())
	if err != nil {
		return nil, err
	}
	start := s.now()
	var b *pubdata.Batch
	e, err := s.Entries.FindPublishedEntry(ctx, src.Entry)
	if err != nil {
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			err = pubdata.Errorf(pubdata.EINVALID, "Entry %s is not published (or was retired), so there is no table to pull into.", src.Entry).
				Keyed("error.pull.entry_unpublished", "Entry", src.Entry)

		}
	} else {
		b, err = Run(ctx, src, dsn, e, s.Data, s.Hosts)
	}
	run := pubdata.PullRun{At: start, Watermark: src.Watermark, Boundary: src.Boundary}
	if b != nil {
		run.Batch = b.ID
	}
	if err != nil {
		run.Error = pubdata.ErrorMessage(err)
		s.logger().Warn("pull source failed", "source", id, "entry", src.Entry, "batch", run.Batch, "error", err)
	} else {
		s.logger().Info("pull source ran", "source", id, "entry", src.Entry, "batch", b.ID, "rows_loaded", b.RowsLoaded, "watermark", src.Watermark)
	}
	// The outcome is recorded even when ctx ended (shutdown), so the claim is released.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, rerr := s.Sources.RecordPullRun(rctx, id, run); rerr != nil {
		return b, rerr
	}
	return b, nil
}
