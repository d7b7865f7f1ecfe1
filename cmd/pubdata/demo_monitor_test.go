package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// TestDemoMonitoring: on the demo, a refresh of the monitoring aggregates shows what the
// board is for: a stale table (with its alert), a never-loaded entry, a late reply and the
// scores lowered by failing quality rules.
func TestDemoMonitoring(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if err := loadDemo(ctx, a, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !a.refreshMonitor(ctx, time.Now()) {
			t.Fatal("the refresh failed")
		}
		scope := pubdata.MonitorScope{Division: "350000"}
		probs, err := a.monitor.ProblemEntries(ctx, scope, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[int]int{}
		for _, e := range probs {
			kinds[e.Problem]++
		}
		if kinds[pubdata.ProblemStale] == 0 || kinds[pubdata.ProblemNever] == 0 {
			t.Fatalf("problems %v: want a stale table and a never-loaded entry", kinds)
		}
		alerts, err := a.monitor.Alerts(ctx, scope, 100)
		if err != nil || len(alerts) == 0 || alerts[0].Kind != pubdata.AlertStale {
			t.Fatalf("alerts %+v, %v", alerts, err)
		}
		units, err := a.monitor.Units(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		overdue, lowered := 0, false
		for _, u := range units {
			overdue += u.Applications.Overdue
			if u.Quality != nil && *u.Quality < 100 {
				lowered = true
			}
		}
		if overdue == 0 || !lowered {
			t.Fatalf("units %+v: want a late reply and a score below 100", units)
		}
	})
}
