package main

import (
	"context"
	"time"

	"github.com/pubdata/pubdata/sqlstore"
)

// runApplicationJobs flags the pending applications past their due time as overdue and
// escalated (H3), ends the grants past their expiry and tells the covering authority of
// the open objections past their due time (C4), at once and then every interval until ctx
// ends. Failures are logged; the next tick tries again.
func (a *app) runApplicationJobs(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		a.applicationJobs(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *app) applicationJobs(ctx context.Context) {
	jctx, cancel := context.WithTimeout(ctx, 50*time.Second)
	defer cancel()
	now := time.Now()
	if n, err := a.applications.MarkOverdue(jctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("flagging overdue applications", "error", err)
	} else if n > 0 {
		a.logger.Info("applications overdue, escalated to the authority", "applications", n)
	}
	if n, err := a.applications.ExpireGrants(jctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("ending expired grants", "error", err)
	} else if n > 0 {
		a.logger.Info("grants expired", "grants", n)
	}
	if n, err := sqlstore.NewObjectionService(a.db).MarkObjectionsOverdue(jctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("reporting overdue objections", "error", err)
	} else if n > 0 {
		a.logger.Info("objections overdue, reported to the authority", "objections", n)
	}
	if n, err := a.tickets().EscalateTickets(jctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("escalating overdue problem tickets", "error", err)
	} else if n > 0 {
		a.logger.Info("problem tickets overdue, escalated to the authority", "tickets", n)
	}
	// Rectification orders not answered by their deadline (H3), and the daily check of the
	// opened tables (E7): a few tables a tick, each once a day.
	if n, err := sqlstore.NewComplianceService(a.db).MarkOverdue(jctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("flagging overdue rectification orders", "error", err)
	} else if n > 0 {
		a.logger.Info("rectification orders overdue", "orders", n)
	}
	if n, err := sqlstore.NewOpenWatchService(a.db).RecheckOpened(jctx, now, openWatchPerTick); err != nil && ctx.Err() == nil {
		a.logger.Error("checking opened data", "error", err)
	} else if n > 0 {
		a.logger.Info("opened tables checked", "tables", n)
	}
}

// openWatchPerTick is how many opened tables a tick of the jobs checks (each samples at most
// pubdata.OpenRiskSampleRows rows), so that a tick stays short however many tables are open.
const openWatchPerTick = 20
