package main

import (
	"context"

	"github.com/pubdata/pubdata/http/web"
)

// runEntryUsage writes the entries' usage counts (views, downloads, API calls) every
// web.UsageFlushInterval until ctx ends; serve flushes once more after it stops.
func (a *app) runEntryUsage(ctx context.Context) {
	tick(ctx, web.UsageFlushInterval, func() { a.flushEntryUsage(ctx) })
}

// flushEntryUsage writes the entries' uses counted since the last flush.
func (a *app) flushEntryUsage(ctx context.Context) {
	if a.web == nil {
		return
	}
	if err := a.web.FlushEntryUsage(ctx); err != nil && ctx.Err() == nil {
		a.logger.Error("writing entries' usage counts", "error", err)
	}
}
