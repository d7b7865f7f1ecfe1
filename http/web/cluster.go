package web

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/lib/datafile"
)

// The cluster (issue 17 item 6): every server of a cluster shares the database, the blob
// store and the job queue, so a batch's upload is kept in the blob store (a retry on any
// server finds it), its load runs on the job queue (any server's worker takes it, and
// another takes it over when that server dies), and the rate limits count in the database.

// LoadQueue puts loads on the job queue (cmd/pubdata's jobs.go).
type LoadQueue interface {
	// EnqueueLoad queues the load of batch id of entry, to run as the actor of ctx. The
	// queue runs it once, on some server, and again on another when that one dies.
	EnqueueLoad(ctx context.Context, entry, batch string) error
}

// Job is a job of the queue as the operator's page shows it.
type Job struct {
	ID          int64
	Kind        string
	State       string // available, scheduled, running, retryable, completed, cancelled, discarded
	Attempt     int
	MaxAttempts int
	Args        string
	Errors      []string
	CreatedAt   time.Time
	ScheduledAt time.Time
	AttemptedAt *time.Time
	FinalizedAt *time.Time
	AttemptedBy []string
}

// JobService lists and steers the job queue.
type JobService interface {
	// ListJobs returns up to limit jobs in the given states (all when none), newest first,
	// and the count of jobs in each state.
	ListJobs(ctx context.Context, states []string, limit int) ([]Job, map[string]int, error)
	// RetryJob makes a failed, cancelled or completed job run again now.
	RetryJob(ctx context.Context, id int64) error
	// CancelJob cancels a job that has not finished (a running one is told to stop).
	CancelJob(ctx context.Context, id int64) error
}

// RateCounter counts requests per key in fixed windows, in a store every server shares.
type RateCounter interface {
	// CountRequest adds one request of key to the window starting at start and returns the
	// window's count with it.
	CountRequest(ctx context.Context, key string, start time.Time) (int, error)
}

// batches is the store of the batches' uploads.
func (s *Server) batches() *blob.Store {
	if s.Batches != nil {
		return s.Batches
	}
	return blob.Folder(s.batchDir())
}

// spoolDir is where an upload is spooled before it is kept: the batches' folder when it is
// local (the upload is then renamed into place), else the temporary folder.
func (s *Server) spoolDir() string {
	if d := s.batches().Local(); d != "" {
		return d
	}
	return os.TempDir()
}

// BatchFileKept reports whether the upload of batch id is kept for a retry.
func (s *Server) BatchFileKept(ctx context.Context, id string) bool {
	ok, err := s.batches().Exists(ctx, id)
	return err == nil && ok
}

// loadResult is a load's outcome, handed to a request of this server that waits for it.
type loadResult struct {
	b   *pubdata.Batch
	err error
}

// queueLoad queues batch id and waits up to wait for it: the batch comes back ended, or
// still running (or queued) when wait is over. attempts is the batch's attempts before
// (a retry waits for the next attempt, not the last one's outcome).
func (s *Server) queueLoad(ctx context.Context, e *pubdata.Entry, id string, attempts int, wait time.Duration) (*pubdata.Batch, error) {
	ctx = context.WithoutCancel(ctx)
	ch := make(chan loadResult, 1)
	s.loadWaiters.Store(id, ch)
	defer s.loadWaiters.Delete(id)
	if err := s.Loads.EnqueueLoad(ctx, e.ID, id); err != nil {
		return nil, Internalf("queue the load of batch %s: %w", id, err)
	}
	if wait <= 0 {
		return s.Data.FindBatchByID(ctx, id)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case r := <-ch: // run by this server's worker
			return r.b, r.err
		case <-deadline.C:
			b, err := s.Data.FindBatchByID(ctx, id)
			if err == nil && b.Attempts == attempts && b.Status == pubdata.BatchFailed {
				// A retry still queued (its upload being fetched): answer it as running, as
				// it is from the caller's side, not with the last attempt's failure.
				c := *b
				c.Status, c.Message, c.Msg, c.FinishedAt = pubdata.BatchRunning, "", nil, nil
				return &c, nil
			}
			return b, err
		case <-poll.C: // run by another server's
			b, err := s.Data.FindBatchByID(ctx, id)
			if err != nil {
				return nil, err
			}
			if b.Attempts > attempts && b.Status != pubdata.BatchRunning {
				return b, nil
			}
		}
	}
}

// ErrLoadBusy says that a queued load's batch is being run by another server (its
// heartbeat is fresh): the queue should try again later.
var ErrLoadBusy = errors.New("the batch is running on another server")

// RunQueuedLoad runs the queued load of batch id of entry (the job queue's worker, with the
// actor and request of the upload in ctx): from its kept upload, claimed in the database so
// that it loads once. A batch already ended is left as it is; one that another server runs
// is ErrLoadBusy, unless its heartbeat is older than staleBefore: it was interrupted, is
// failed, and is run again from its upload. A request of this server waiting for the batch
// gets the outcome.
func (s *Server) RunQueuedLoad(ctx context.Context, entry, id string, staleBefore time.Time) (*pubdata.Batch, error) {
	b, err := s.Data.FindBatchByID(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case b.Status == pubdata.BatchDone || b.Status == pubdata.BatchRolledBack:
		return b, nil
	case b.Status == pubdata.BatchRunning && b.Attempts > 0:
		if _, err := s.Data.FailStaleBatches(ctx, staleBefore); err != nil {
			return nil, err
		}
		if b, err = s.Data.FindBatchByID(ctx, id); err != nil {
			return nil, err
		}
		if b.Status == pubdata.BatchRunning {
			return b, ErrLoadBusy
		}
	}
	e, err := s.Entries.FindPublishedEntry(ctx, entry)
	if err != nil {
		return nil, err
	}
	f, ok := datafile.ParseFormat(b.Format)
	if !ok {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s has no known file format (%q); load the data again as a new batch.", b.ID, b.Format).
			Keyed("error.batch.unknown_format", "ID", b.ID, "Format", b.Format)
	}
	if err := s.Data.EnsureTable(ctx, e); err != nil {
		return nil, err
	}
	opt := pubdata.LoadOptions{Mode: b.Mode, OnError: b.OnError, Source: b.Source, Format: b.Format, FileName: b.FileName}
	b, err = s.loadFile(ctx, e, id, f, opt)
	if err != nil && pubdata.ErrorCode(err) == pubdata.EINTERNAL {
		s.Logger.LogAttrs(ctx, slog.LevelError, "batch failed", slog.String("batch", id),
			slog.String("request_id", pubdata.RequestFromContext(ctx).RequestID), slog.String("error", err.Error()))
	}
	if ch, ok := s.loadWaiters.Load(id); ok {
		select {
		case ch.(chan loadResult) <- loadResult{b, err}:
		default:
		}
	}
	return b, err
}

// loadWaiterMap is the requests of this server waiting for their batches, by batch id.
type loadWaiterMap = sync.Map
