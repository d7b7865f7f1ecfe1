package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Server garbage collection: a server's live heap is small (tens of MB) and its requests
// allocate, so Go's default (collect when the heap doubles) collects every fraction of a
// second under load, and the collections' marking shows in the tail latency (bench rows:
// p99 13–15 ms with the default, 8 ms with these settings). serverGC collects when the heap
// grows fivefold instead, under a soft limit that keeps a large upload's or download's peak
// bounded. GOGC and GOMEMLIMIT, when set, win.
//
// The soft limit follows the live heap (serverMemoryLimit): a fixed 128 MiB under a live heap
// of 105 MB (templates copied per page, before http/web/pages.go kept one set per language)
// made the collector run without pause, 72 % of the CPU and a key lookup's p99 at 74–100 ms.
// A province's larger catalogue (in-memory postings) must not walk into the same wall.
const (
	serverGCPercent     = 400
	serverMemoryFloor   = 128 << 20
	serverLimitInterval = 10 * time.Second
)

// serverMemoryLimit is the soft memory limit for a live heap of live bytes: at least 128 MiB,
// and room for the heap to grow by 1.5 times its live size between collections.
func serverMemoryLimit(live uint64) int64 {
	return max(serverMemoryFloor, int64(live)*5/2)
}

func serverGC(ctx context.Context) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(serverMemoryFloor)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	go tick(ctx, serverLimitInterval, func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(serverMemoryLimit(sample[0].Value.Uint64()))
		}
	})
}

// tick runs fn every interval until ctx ends.
func tick(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
