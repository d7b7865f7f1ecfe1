package main

import (
	"context"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// Discovery on a schedule (issue 15 item 3): each load samples its own rows; besides, every
// minute serve takes up to discoveryPerTick published tables whose current rows were not
// sampled within discovery_interval (default weekly) and samples them as `pubdata discover`
// does: a periodic job of the queue (jobs.go), run once a minute across the servers. Each
// entry is claimed first (sqlstore.DiscoveryService.ClaimDiscovery), so that a job rescued
// while its first run still samples does not sample an entry twice.

// DefaultDiscoveryInterval is how often each table is sampled again: weekly.
const DefaultDiscoveryInterval = 7 * 24 * time.Hour

// discoveryPerTick bounds the entries sampled each minute on one server.
const discoveryPerTick = 5

// runDueDiscoveries samples up to discoveryPerTick due entries; returns the entries sampled
// and the new discoveries.
func (a *app) runDueDiscoveries(ctx context.Context, now time.Time) (int, int) {
	svc := sqlstore.NewDiscoveryService(a.db)
	before := now.Add(-a.cfg.DiscoveryInterval)
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	ids, err := svc.DueDiscoveries(lctx, before, discoveryPerTick)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("listing the entries due for discovery", "error", err)
		}
		return 0, 0
	}
	sampled, found := 0, 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		mine, err := svc.ClaimDiscovery(sctx, id, before, now)
		if err != nil || !mine {
			cancel()
			if err != nil && ctx.Err() == nil {
				a.logger.Error("discovery claim", "entry", id, "error", err)
			}
			continue
		}
		list, err := svc.DiscoverEntry(pubdata.NewContextWithActor(sctx, &pubdata.Actor{}), id)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				a.logger.Error("scheduled discovery", "entry", id, "error", err)
			}
			continue
		}
		sampled++
		found += len(list)
	}
	if sampled > 0 {
		a.logger.Info("scheduled discovery", "entries", sampled, "new", found)
	}
	return sampled, found
}
