package pubdata

import (
	"context"
	"time"
)

// The cluster (issue 17 item 6): N stateless servers on one PostgreSQL database and one
// object store. What the servers must agree on lives in the database: the batches' claims,
// the job queue, and the rate limits' counts.

// RateCountService counts API requests per caller key in fixed windows, shared by every
// server, so that a caller's limit holds whichever server its requests reach. The counts
// are counters, not changes of the platform's state: they are not on the record (as the
// usage counts are not).
type RateCountService interface {
	// CountRequest adds one request of key to the window that starts at start and returns
	// the window's count including it.
	CountRequest(ctx context.Context, key string, start time.Time) (int, error)
	// PruneRateCounts deletes the counts of windows that started before before, returning
	// how many it deleted.
	PruneRateCounts(ctx context.Context, before time.Time) (int64, error)
}

// CanOperateJobs reports whether the actor may see the job queue and retry or cancel its
// jobs: the platform authority's administrators (the operators, as for backups).
func CanOperateJobs(a *Actor) bool { return CanSeeBackups(a) }
