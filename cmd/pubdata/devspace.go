package main

import (
	"context"
	"net/url"
	"time"

	"github.com/pubdata/pubdata/http/web"
)

// Development spaces in serve (issue 16 item 3, F1 and F4): every devSpaceTick a periodic
// job of the queue (jobs.go, under its lease) reminds developers of usage reports coming due
// and suspends the spaces whose report is overdue past the grace days
// (pubdata.ScheduleStep); each step is one transaction with its record.

// devSpaceTick is how often the schedule runs.
const devSpaceTick = 10 * time.Minute

// devSpaceSchedule runs the schedule once, logging what it did.
func (a *app) devSpaceSchedule(ctx context.Context, now time.Time) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	reminded, suspended, err := a.devspaces.RunSchedule(systemContext(rctx), now)
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("development spaces", "error", err)
		}
		return
	}
	if reminded > 0 || suspended > 0 {
		a.logger.Info("development spaces", "reminded", reminded, "suspended", suspended)
	}
}

// productPlatform names the platform on data products' labels: its name in Chinese, with
// its public address's host when one is set.
func (a *app) productPlatform() string {
	name := web.Translate(web.LangZH, "site.name")
	if u, err := url.Parse(a.cfg.PublicURL); err == nil && u.Host != "" {
		name += " " + u.Host
	}
	return name
}
