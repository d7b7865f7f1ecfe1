package main

import (
	"context"
	"time"
)

// Early warning in serve (issue 15 item 4): every minute the rules read the events recorded
// since the last run (from the last sequence number seen, at most securityBatch a run) and
// the web layer's counts of refusals and tokens' addresses, and raise alerts.

// securityBatch bounds the events one run reads; a backlog is read over the next runs.
const securityBatch = 200000

// scanSecurity runs the rules once, logging what they raised.
func (a *app) scanSecurity(ctx context.Context, now time.Time) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	res, err := a.security.Scan(rctx, now, securityBatch, a.db.Calendar().IsWorkday)
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("early warning", "error", err)
		}
		return
	}
	refusals, tokens := a.counts.Drain()
	raised := res.Raised
	if len(refusals) > 0 || len(tokens) > 0 {
		n, err := a.security.CountRequests(rctx, now, refusals, tokens)
		if err != nil && ctx.Err() == nil {
			a.logger.Error("early warning: requests", "error", err)
		}
		raised += n
	}
	if res.Events > 0 || raised > 0 {
		a.logger.Info("early warning", "events", res.Events, "to_seq", res.To, "alerts", raised)
	}
	// Incidents not assessed by their report deadline: one reminder each (issue 15 item 5).
	if n, err := a.security.RemindOverdueIncidents(rctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("incident reminders", "error", err)
	} else if n > 0 {
		a.logger.Info("incident reminders", "incidents", n)
	}
}
