package main

import (
	"context"
	"time"
)

// Live monitoring in serve (issue 13 item 4): the aggregates the board, the API and /metrics
// read are refreshed every monitor_interval (5 minutes by default), and within a minute
// after a change of the catalogue or a table (a load moves the store's read generation),
// at most once a minute. Each refresh raises or closes the alerts (stale tables, pulls
// failing pull_alert_failures times in a row), once per episode.

// monitorTick is how often the job looks at the read generation.
const monitorTick = 30 * time.Second

// runMonitorJobs refreshes the aggregates until ctx ends.
func (a *app) runMonitorJobs(ctx context.Context) {
	if a.cfg.MonitorInterval <= 0 {
		return
	}
	t := time.NewTicker(monitorTick)
	defer t.Stop()
	var last time.Time
	var lastGen int64 = -1
	for {
		gen, err := a.monitor.Generation(ctx)
		if err != nil && ctx.Err() == nil {
			a.logger.Error("monitoring: read generation", "error", err)
		}
		now := time.Now()
		if last.IsZero() || now.Sub(last) >= a.cfg.MonitorInterval || (gen != lastGen && now.Sub(last) >= time.Minute) {
			if a.refreshMonitor(ctx, now) {
				last, lastGen = now, gen
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
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
