package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/pubdata/pubdata"
)

// The early-warning rules' throughput (issue 15, Performance: the rules keep up with 1,000
// reads/s without slowing reads). The reads are recorded as the read path records them
// (DataService.RecordRead: one "data.read" event each, in a transaction of its own, by
// --subjects grants of a published entry with personal data); the rules then read them in
// runs of one minute's worth at 1,000 reads/s. The CPU time of each phase is the process's.
// See docs/BENCHMARKS.md.

func benchAlertsCommand() *command {
	cmd := &command{
		name:     "bench alerts",
		synopsis: "[--reads 60000] [--subjects 200] [--data DIR | --db DSN]",
		summary:  "measure the early-warning rules against the reads they watch",
		help: "Bench alerts records --reads data.read events of a published entry with a personal item\n" +
			"(it loads the demo province first) spread over --subjects grants, as the read path\n" +
			"records them (the baseline), then runs the early-warning rules over them in runs of\n" +
			"60,000 events (one minute at 1,000 reads/s), and prints for both phases the events a\n" +
			"second of wall time and of the process's CPU time. Use a database of its own.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		reads := fs.Int("reads", 60000, "reads recorded")
		subjects := fs.Int("subjects", 200, "grants the reads are spread over")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *reads < 1 || *subjects < 1 {
			return usagef("%s: --reads and --subjects must be ≥ 1", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchAlerts(ctx, a, c.stdout, *reads, *subjects)
		})
	}
	return cmd
}

func benchAlerts(ctx context.Context, a *app, w io.Writer, reads, subjects int) error {
	fmt.Fprintf(w, "pubdata bench alerts: %s database, %d CPUs (%s/%s), %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if err := loadDemo(ctx, a, io.Discard); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Limit: pubdata.MaxLimit})
	if err != nil {
		return err
	}
	var e *pubdata.Entry
	for _, x := range res.Items {
		for _, it := range x.Items {
			if it.Personal && e == nil {
				e = x
			}
		}
	}
	if e == nil {
		return fmt.Errorf("the demo has no published entry with a personal item")
	}
	// Catch the rules up with what is recorded already, so that the runs measure these reads.
	if _, err := a.security.Scan(ctx, time.Now(), 10_000_000, nil); err != nil {
		return err
	}
	fmt.Fprintf(w, "entry %s (%s), %d reads over %d grants\n", e.ID, e.Title, reads, subjects)
	cpu0, t0 := cpuTime(), time.Now()
	for i := range reads {
		d := map[string]any{"path": "rows", "format": "json", "grant": fmt.Sprintf("bench-grant-%d", i%subjects)}
		if err := a.data.RecordRead(ctx, e, d); err != nil {
			return err
		}
	}
	recCPU, recWall := cpuTime()-cpu0, time.Since(t0)
	cpu0, t0 = cpuTime(), time.Now()
	events, runs, raised := 0, 0, 0
	for {
		r, err := a.security.Scan(ctx, time.Now(), 60000, nil)
		if err != nil {
			return err
		}
		if r.To == r.From {
			break
		}
		events, runs, raised = events+r.Events, runs+1, raised+r.Raised
	}
	scanCPU, scanWall := cpuTime()-cpu0, time.Since(t0)
	rate := func(n int, d time.Duration) string {
		if d <= 0 {
			return "∞"
		}
		return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
	}
	fmt.Fprintf(w, "%-34s %10s %12s %14s\n", "phase", "events", "events/s", "events/CPU-s")
	fmt.Fprintf(w, "%-34s %10d %12s %14s\n", "record the reads (baseline)", reads, rate(reads, recWall), rate(reads, recCPU))
	fmt.Fprintf(w, "%-34s %10d %12s %14s\n", fmt.Sprintf("early-warning rules (%d runs)", runs), events, rate(events, scanWall), rate(events, scanCPU))
	fmt.Fprintf(w, "alerts raised: %d\n", raised)
	return nil
}
