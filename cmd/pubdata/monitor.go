package main

import (
	"context"
	"time"
)

// Live monitoring in serve (issue 13 item 4): the aggregates the board, the API and /metrics
// read are refreshed every monitor_interval (5 minutes by default), and within a minute
// after a change of the catalogue or a table (a load moves the store's read generation),
// at most once a minute. Each refresh raises or closes the alerts (stale tables, pulls
// failing pull_alert_failures times in a row), once per episode. The refresh is a periodic
// job of the queue (jobs.go, every monitorTick) run under its lease, and the time and read
// generation of the last refresh are kept in the database (job_marks), so that of several
// servers one refreshes, once, and raises each alert once.

// monitorTick is how often the job looks at the read generation.
const monitorTick = 30 * time.Second

// monitorLease bounds one refresh (and holds off the others meanwhile).
const monitorLease = 10 * time.Minute

// monitorDue refreshes the aggregates when monitor_interval has passed since the last
// refresh (on any server), or a minute when the read generation moved since.
func (a *app) monitorDue(ctx context.Context, now time.Time) {
	gen, err := a.monitor.Generation(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("monitoring: read generation", "error", err)
		}
		return
	}
	last, lastGen, err := a.db.JobMark(ctx, "monitor_refresh")
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("monitoring: last refresh", "error", err)
		}
		return
	}
	if !last.IsZero() && now.Sub(last) < a.cfg.MonitorInterval && (gen == lastGen || now.Sub(last) < time.Minute) {
		return
	}
	if a.refreshMonitor(ctx, now) {
		if err := a.db.MarkJob(ctx, "monitor_refresh", now, gen); err != nil {
			a.logger.Error("monitoring: noting the refresh", "error", err)
		}
	}
}

// refreshMonitor refreshes the aggregates once, logging the outcome; reports success.
func (a *app) refreshMonitor(ctx context.Context, now time.Time) bool {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	res, err := a.monitor.Refresh(rctx, now, a.cfg.PullAlertFailures)
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("monitoring refresh", "error", err)
		}
		return false
	}
	a.logger.Info("monitoring refresh", "entries", res.Entries, "units", res.Units, "changed", res.Changed,
		"alerts_opened", res.Opened, "alerts_closed", res.Closed, "duration", res.Took.Round(time.Millisecond).String())
	return true
}
