package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/mail"
	"github.com/pubdata/pubdata/sqlstore"
)

// The job queue (issue 17 item 6): serve's background work runs as jobs of riverqueue/river
// in the platform's database — PostgreSQL (riverdatabasesql over the store's pgx pool) or
// SQLite (riversqlite). A job is locked by one server's worker at a time; when a server
// dies, the queue's leader rescues its running jobs after jobRescueAfter and another server
// runs them again. Periodic jobs are inserted by the elected leader only, so each runs once
// per schedule across the cluster, not once per server. Loads are jobs too: an upload's
// batch is queued and waited for; the queue's worker runs it from the blob store, claimed in
// the database so that it loads once (web.Server.RunQueuedLoad).
//
// Every scheduled piece of work is a periodic job: pulls, quality runs, deadlines, the
// early-warning scan, backups, clean-ups, and (gaps of issue 17) signing the audit tree
// head, the monitoring refresh with its alerts, scheduled discovery, the development
// spaces' reminders and suspensions, the calendar's end-of-coverage warning, e-mailing
// notifications and the federation sync (catalogue upward, flow-back, applications). Those
// that must never run beside themselves — a run that outlives its period, a leader change,
// an operator's "sync now" — also hold a lease in the database while they run (exclusive,
// sqlstore job_marks). What stays a goroutine of each server is what is per process:
// failing batches without a heartbeat (each server knows its own running ones), reloading
// the calendar into its memory, and writing the usage counted in its memory.

// jobQueue is a server's client of the queue.
type jobQueue struct {
	client *river.Client[*sql.Tx]
	db     *sqlstore.DB
	logger *slog.Logger
}

// jobDriver is the queue's driver for the store's database.
func jobDriver(db *sqlstore.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect() == sqlstore.Postgres {
		return riverdatabasesql.New(db.SQL())
	}
	return riversqlite.New(db.SQL())
}

// migrateJobs brings the queue's tables up to date (after the platform's migrations), under
// the platform's migration lock: two servers starting at once on PostgreSQL would otherwise
// both apply river's migrations (one failing on the tables the other created).
func migrateJobs(ctx context.Context, db *sqlstore.DB) error {
	m, err := rivermigrate.New(jobDriver(db), nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	unlock, err := db.MigrationLock(ctx)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	defer unlock()
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// The queues: loads apart, so that long loads never hold up the scheduled checks.
const (
	queueLoads = "loads"
	jobWorkers = 4
)

// jobRescueAfter is how long a job may run before the leader takes it as lost with its
// server (running jobs of a live server are rescued too when they run longer; every worker
// is safe against that: a load finds its batch running with a fresh heartbeat and waits).
func (a *app) jobRescueAfter() time.Duration {
	return max(2*a.cfg.BatchStaleAfter, time.Minute)
}

// startJobs builds the server's queue client, with its workers and the periodic jobs, and
// starts it. The web server (a.web) must be built: loads run through it.
func (a *app) startJobs(ctx context.Context) (*jobQueue, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &loadWorker{a: a})
	river.AddWorker(workers, &periodicWorker[pullDueArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[qualityDueArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[applicationsArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[securityScanArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[backupDueArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[cleanupArgs]{a: a})
	river.AddWorker(workers, &summaryWorker{a: a})
	river.AddWorker(workers, &periodicWorker[summariesDueArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[checkpointArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[monitorArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[discoveryDueArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[devSpaceArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[calendarEndingArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[mailArgs]{a: a})
	river.AddWorker(workers, &periodicWorker[federationArgs]{a: a})

	periodic := []*river.PeriodicJob{
		every(a.cfg.PullCheckInterval, pullDueArgs{}),
		every(time.Minute, qualityDueArgs{}),
		every(time.Minute, applicationsArgs{}),
		every(time.Minute, securityScanArgs{}),
		every(time.Minute, backupDueArgs{}),
		every(10*time.Minute, cleanupArgs{}),
		every(time.Minute, summariesDueArgs{}),
		every(a.cfg.CheckpointInterval, checkpointArgs{}),
		every(time.Minute, calendarEndingArgs{}),
		every(devSpaceTick, devSpaceArgs{}),
	}
	if a.cfg.MonitorInterval > 0 {
		periodic = append(periodic, every(monitorTick, monitorArgs{}))
	}
	if a.cfg.DiscoveryInterval > 0 {
		periodic = append(periodic, every(time.Minute, discoveryDueArgs{}))
	}
	if a.outbox() != nil {
		periodic = append(periodic, every(mail.Interval, mailArgs{}))
	}
	if a.federationSyncer() != nil {
		if _, err := a.federationSelf(ctx); err != nil {
			a.logger.Error("federation: no signing certificate; peers are not synced", "error", fmt.Sprint(err))
		} else {
			periodic = append(periodic, every(a.federationInterval(), federationArgs{}))
		}
	}
	cfg := &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: jobWorkers},
			queueLoads:         {MaxWorkers: 2},
		},
		Workers:              workers,
		PeriodicJobs:         periodic,
		JobTimeout:           -1, // each job bounds its own work
		RescueStuckJobsAfter: a.jobRescueAfter(),
		Logger:               a.logger.With("component", "jobs"),
	}
	if a.db.Dialect() != sqlstore.Postgres {
		// One process: look for new jobs less often than on PostgreSQL, as every look takes
		// SQLite's write lock (a job inserted here is seen at once anyway).
		cfg.FetchPollInterval = 2 * time.Second
	}
	client, err := river.NewClient(jobDriver(a.db), cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	q := &jobQueue{client: client, db: a.db, logger: a.logger}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return q, nil
}

// stop stops taking jobs and waits for the running ones (up to ctx), then cancels them:
// a cancelled load fails its batch, which another server's retry reruns.
func (q *jobQueue) stop(ctx context.Context) {
	if err := q.client.Stop(ctx); err != nil {
		q.logger.Warn("job queue: jobs still running at shutdown; cancelling them", "error", err)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		q.client.StopAndCancel(sctx)
	}
}

// every is a periodic job inserted by the leader every d, unique within its period (a
// change of leader never inserts it twice).
func every(d time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: true})
}

// --- loads ---

// loadArgs is a queued load: the batch, and the upload's actor and request for the record.
type loadArgs struct {
	Entry   string              `json:"entry"`
	Batch   string              `json:"batch"`
	Actor   *pubdata.Actor      `json:"actor,omitempty"`
	Request pubdata.RequestInfo `json:"request"`
}

func (loadArgs) Kind() string { return "load" }

func (loadArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueLoads, MaxAttempts: 5}
}

// EnqueueLoad implements web.LoadQueue.
func (q *jobQueue) EnqueueLoad(ctx context.Context, entry, batch string) error {
	args := loadArgs{Entry: entry, Batch: batch, Actor: pubdata.ActorFromContext(ctx), Request: pubdata.RequestFromContext(ctx)}
	_, err := q.client.Insert(ctx, args, nil)
	return err
}

type loadWorker struct {
	river.WorkerDefaults[loadArgs]
	a *app
}

func (w *loadWorker) Work(ctx context.Context, job *river.Job[loadArgs]) error {
	args := job.Args
	ctx = pubdata.NewContextWithActor(ctx, args.Actor)
	ctx = pubdata.NewContextWithRequest(ctx, args.Request)
	stale := time.Now().Add(-w.a.cfg.BatchStaleAfter)
	b, err := w.a.web.RunQueuedLoad(ctx, args.Entry, args.Batch, stale)
	switch {
	case errors.Is(err, web.ErrLoadBusy):
		return river.JobSnooze(w.a.cfg.BatchStaleAfter)
	case err != nil && pubdata.ErrorCode(err) == pubdata.EINTERNAL:
		return err // the queue tries again
	case err != nil:
		// The batch is failed with the reason (a file-level problem), or cannot run
		// (retired entry, another claim): nothing to try again.
		w.a.logger.Info("queued load ended without loading", "batch", args.Batch, "reason", err.Error())
		return nil
	}
	w.a.logger.Debug("queued load", "batch", b.ID, "status", b.Status)
	return nil
}

// --- periodic jobs: each runs what a server's ticker ran before, once per schedule ---

type pullDueArgs struct{}

func (pullDueArgs) Kind() string { return "pull_due" }

type qualityDueArgs struct{}

func (qualityDueArgs) Kind() string { return "quality_due" }

type applicationsArgs struct{}

func (applicationsArgs) Kind() string { return "deadlines" }

type securityScanArgs struct{}

func (securityScanArgs) Kind() string { return "security_scan" }

type backupDueArgs struct{}

func (backupDueArgs) Kind() string { return "backup_due" }

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return "cleanup" }

type checkpointArgs struct{}

func (checkpointArgs) Kind() string { return "checkpoint" }

type monitorArgs struct{}

func (monitorArgs) Kind() string { return "monitor_refresh" }

type discoveryDueArgs struct{}

func (discoveryDueArgs) Kind() string { return "discovery_due" }

type devSpaceArgs struct{}

func (devSpaceArgs) Kind() string { return "devspace_schedule" }

type calendarEndingArgs struct{}

func (calendarEndingArgs) Kind() string { return "calendar_ending" }

type mailArgs struct{}

func (mailArgs) Kind() string { return "mail_outbox" }

type federationArgs struct{}

func (federationArgs) Kind() string { return "federation_sync" }

type periodicWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	a *app
}

func (w *periodicWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	a := w.a
	ctx = systemContext(ctx)
	switch any(job.Args).(type) {
	case pullDueArgs:
		// The due pull sources, each claimed in the database (pull.Scheduler.Tick).
		a.puller.Tick(ctx)
	case qualityDueArgs:
		if a.cfg.QualityInterval > 0 {
			a.runDueQuality(ctx, time.Now())
		}
	case applicationsArgs:
		a.applicationJobs(ctx)
	case securityScanArgs:
		a.scanSecurity(ctx, time.Now())
	case backupDueArgs:
		if a.cfg.BackupInterval > 0 {
			if _, err := a.scheduledBackup(ctx); err != nil {
				return err
			}
		}
	case cleanupArgs:
		a.cleanup(ctx)
	case summariesDueArgs:
		// The aggregate summaries whose table had a batch since they were built.
		ids, err := sqlstore.NewDataService(a.db).StaleAggregateSummaries(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.buildSummary(ctx, id); err != nil {
				a.logger.Error("aggregate summary", "entry", id, "error", err)
			}
		}
	case checkpointArgs:
		// Signed once per interval across the servers (each also signs at start and stop).
		return a.exclusive(ctx, "checkpoint", time.Minute, a.checkpoint)
	case monitorArgs:
		return a.exclusive(ctx, "monitor_refresh", monitorLease, func(ctx context.Context) { a.monitorDue(ctx, time.Now()) })
	case discoveryDueArgs:
		a.runDueDiscoveries(ctx, time.Now()) // each entry claimed in the database
	case devSpaceArgs:
		return a.exclusive(ctx, "devspace_schedule", 5*time.Minute, func(ctx context.Context) { a.devSpaceSchedule(ctx, time.Now()) })
	case calendarEndingArgs:
		a.warnCalendarEnding(ctx, time.Now())
	case mailArgs:
		a.deliverMail(ctx) // each notification claimed in the database
	case federationArgs:
		a.syncPeers(ctx) // each peer under its lease (federation.go)
	}
	return nil
}

// exclusive runs f under the lease name (sqlstore job_marks) for up to lease: when another
// server still runs the same work (a run longer than its period, or the job rescued from a
// server that is alive but slow), this run does nothing; the next period's job runs.
func (a *app) exclusive(ctx context.Context, name string, lease time.Duration, f func(ctx context.Context)) error {
	now := time.Now()
	until := now.Add(lease)
	ok, err := a.db.ClaimJobLease(ctx, name, now, until)
	if err != nil {
		return err
	}
	if !ok {
		a.logger.Debug("periodic job still running elsewhere; skipped", "job", name)
		return nil
	}
	defer func() {
		if err := a.db.ReleaseJobLease(context.WithoutCancel(ctx), name, until); err != nil {
			a.logger.Warn("giving back a periodic job's lease", "job", name, "error", err)
		}
	}()
	lctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	f(lctx)
	return nil
}

// cleanup removes the files of old failed batches, the rejected values of old batch reports
// and the counts of ended rate-limit windows.
func (a *app) cleanup(ctx context.Context) {
	jctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	now := time.Now()
	if n, err := a.removeOldBatchFiles(now); err != nil && ctx.Err() == nil {
		a.logger.Error("removing old batch files", "error", err)
	} else if n > 0 {
		a.logger.Info("removed the files of old failed batches", "files", n, "older_than", BatchFileRetention.String())
	}
	if n, err := a.data.ClearRejectedValues(jctx, now.Add(-BatchFileRetention)); err != nil && ctx.Err() == nil {
		a.logger.Error("clearing the rejected values of old batch reports", "error", err)
	} else if n > 0 {
		a.logger.Info("cleared the rejected values of old batch reports", "batches", n, "older_than", BatchFileRetention.String())
	}
	if _, err := sqlstore.NewRateCountService(a.db).PruneRateCounts(jctx, now.Add(-time.Hour)); err != nil && ctx.Err() == nil {
		a.logger.Error("pruning rate counts", "error", err)
	}
}

// --- aggregate summaries (issue 16, Performance; sqlstore/aggsummary.go) ---

// summaryArgs is the build of one entry's aggregate summary, queued when an aggregate found
// it missing or stale; one queued or running per entry.
type summaryArgs struct {
	Entry string `json:"entry"`
}

func (summaryArgs) Kind() string { return "aggregate_summary" }

func (summaryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning}}}
}

// summariesDueArgs is the periodic look for summaries whose table had a batch since.
type summariesDueArgs struct{}

func (summariesDueArgs) Kind() string { return "aggregate_summaries_due" }

// EnqueueSummary queues the build of e's aggregate summary (web.Server.SummaryWanted).
func (q *jobQueue) EnqueueSummary(e *pubdata.Entry) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := q.client.Insert(ctx, summaryArgs{Entry: e.ID}, nil); err != nil {
		q.logger.Error("queueing an aggregate summary", "entry", e.ID, "error", err)
	}
}

type summaryWorker struct {
	river.WorkerDefaults[summaryArgs]
	a *app
}

func (w *summaryWorker) Work(ctx context.Context, job *river.Job[summaryArgs]) error {
	return w.a.buildSummary(systemContext(ctx), job.Args.Entry)
}

// buildSummary builds the aggregate summary of a published usable-but-invisible entry (one
// scan of its table; nothing when the kept one is current or the entry is gone).
func (a *app) buildSummary(ctx context.Context, id string) error {
	e, err := a.entries.FindPublishedEntry(ctx, id)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if !e.HasInvisible() {
		return nil
	}
	sum, err := sqlstore.NewDataService(a.db).BuildAggregateSummary(ctx, e)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if sum.Built {
		a.logger.Info("aggregate summary built", "entry", id, "rows", sum.Rows, "values", sum.Values, "took", sum.Took.String())
	}
	return nil
}

// --- the operator's page ---

// jobStates are the states the page lists, in its order.
var jobStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRunning, rivertype.JobStateRetryable,
	rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded,
}

// ListJobs implements web.JobService.
func (q *jobQueue) ListJobs(ctx context.Context, states []string, limit int) ([]web.Job, map[string]int, error) {
	p := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if len(states) > 0 {
		ss := make([]rivertype.JobState, len(states))
		for i, s := range states {
			ss[i] = rivertype.JobState(s)
		}
		p = p.States(ss...)
	}
	res, err := q.client.JobList(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	out := make([]web.Job, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		v := web.Job{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
			Args: string(j.EncodedArgs), CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, AttemptedAt: j.AttemptedAt,
			FinalizedAt: j.FinalizedAt, AttemptedBy: j.AttemptedBy}
		if j.Kind == (loadArgs{}).Kind() {
			v.Args = loadSummary(j.EncodedArgs)
		}
		for _, e := range j.Errors {
			v.Errors = append(v.Errors, e.Error)
		}
		out = append(out, v)
	}
	counts, err := q.db.JobCounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	return out, counts, nil
}

// loadSummary shows a load job's batch and entry, not the uploader's details.
func loadSummary(b []byte) string {
	var a loadArgs
	if err := json.Unmarshal(b, &a); err != nil {
		return ""
	}
	return "batch " + a.Batch + ", entry " + a.Entry
}

// RetryJob implements web.JobService.
func (q *jobQueue) RetryJob(ctx context.Context, id int64) error {
	j, err := q.job(ctx, id)
	if err != nil {
		return err
	}
	switch j.State {
	case rivertype.JobStateRunning, rivertype.JobStateAvailable:
		return web.ErrJobRetryState(id, string(j.State))
	}
	return q.db.JobAction(ctx, "job.retry", id, j.Kind, func(tx *sql.Tx) error {
		_, err := q.client.JobRetryTx(ctx, tx, id)
		return err
	})
}

// CancelJob implements web.JobService.
func (q *jobQueue) CancelJob(ctx context.Context, id int64) error {
	j, err := q.job(ctx, id)
	if err != nil {
		return err
	}
	switch j.State {
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return web.ErrJobCancelState(id, string(j.State))
	}
	return q.db.JobAction(ctx, "job.cancel", id, j.Kind, func(tx *sql.Tx) error {
		_, err := q.client.JobCancelTx(ctx, tx, id)
		return err
	})
}

func (q *jobQueue) job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	j, err := q.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, web.ErrJobNotFound(id)
	}
	return j, err
}
