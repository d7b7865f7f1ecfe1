package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
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
		synopsis: "[--reads 60000] [--subjects 200] [--scan-every 1s] [--data DIR | --db DSN]",
		summary:  "measure the early-warning rules against the reads they watch",
		help: "Bench alerts records --reads data.read events of a published entry with a personal item\n" +
			"(it loads the demo province first) spread over --subjects grants, as the read path\n" +
			"records them (the baseline), then runs the early-warning rules over them in runs of\n" +
			"60,000 events (one minute at 1,000 reads/s), then records --reads more while the rules run\n" +
			"every --scan-every beside them. It prints for each phase the events a second of wall time and\n" +
			"of the process's CPU time, and for the two recording phases each read's latency\n" +
			"(p50/p95/p99): the rules slow reads if the second is slower than the first. Use a\n" +
			"database of its own.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		reads := fs.Int("reads", 60000, "reads recorded")
		subjects := fs.Int("subjects", 200, "grants the reads are spread over")
		scanEvery := fs.Duration("scan-every", time.Second, "how often the rules run beside the second recording (serve: once a minute)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *reads < 1 || *subjects < 1 || *scanEvery <= 0 {
			return usagef("%s: --reads and --subjects must be ≥ 1 and --scan-every positive", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchAlerts(ctx, a, c.stdout, *reads, *subjects, *scanEvery)
		})
	}
	return cmd
}

func benchAlerts(ctx context.Context, a *app, w io.Writer, reads, subjects int, scanEvery time.Duration) error {
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
	// record writes reads data.read events one after another, as the read path does, and
	// returns each one's latency (sorted), the CPU and the wall time they took.
	record := func(offset int) ([]time.Duration, time.Duration, time.Duration, error) {
		lat := make([]time.Duration, 0, reads)
		cpu0, t0 := cpuTime(), time.Now()
		for i := range reads {
			d := map[string]any{"path": "rows", "format": "json", "grant": fmt.Sprintf("bench-grant-%d", (offset+i)%subjects)}
			s := time.Now()
			if err := a.data.RecordRead(ctx, e, d); err != nil {
				return nil, 0, 0, err
			}
			lat = append(lat, time.Since(s))
		}
		cpu, wall := cpuTime()-cpu0, time.Since(t0)
		slices.Sort(lat)
		return lat, cpu, wall, nil
	}
	recLat, recCPU, recWall, err := record(0)
	if err != nil {
		return err
	}
	cpu0, t0 := cpuTime(), time.Now()
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

	// The same reads again while the rules run every scanEvery beside them (serve runs them
	// once a minute), to show whether they slow the reads.
	scanCtx, stopScan := context.WithCancel(ctx)
	scanDone := make(chan error, 1)
	concurrentRuns := 0
	go func() {
		for scanCtx.Err() == nil {
			r, err := a.security.Scan(scanCtx, time.Now(), 60000, nil)
			if err != nil {
				if scanCtx.Err() != nil {
					err = nil
				}
				scanDone <- err
				return
			}
			concurrentRuns++
			raised += r.Raised
			select { // look again after --scan-every
			case <-scanCtx.Done():
			case <-time.After(scanEvery):
			}
		}
		scanDone <- nil
	}()
	busyLat, busyCPU, busyWall, err := record(reads)
	stopScan()
	if serr := <-scanDone; err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	rate := func(n int, d time.Duration) string {
		if d <= 0 {
			return "∞"
		}
		return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
	}
	fmt.Fprintf(w, "%-40s %10s %12s %14s %8s %8s %8s\n", "phase", "events", "events/s", "events/CPU-s", "p50 ms", "p95 ms", "p99 ms")
	fmt.Fprintf(w, "%-40s %10d %12s %14s %8s %8s %8s\n", "record the reads (baseline)", reads, rate(reads, recWall), rate(reads, recCPU),
		ms(percentile(recLat, 50)), ms(percentile(recLat, 95)), ms(percentile(recLat, 99)))
	fmt.Fprintf(w, "%-40s %10d %12s %14s\n", fmt.Sprintf("early-warning rules (%d runs)", runs), events, rate(events, scanWall), rate(events, scanCPU))
	fmt.Fprintf(w, "%-40s %10d %12s %14s %8s %8s %8s\n", fmt.Sprintf("record while the rules run (%d runs)", concurrentRuns), reads, rate(reads, busyWall), rate(reads, busyCPU),
		ms(percentile(busyLat, 50)), ms(percentile(busyLat, 95)), ms(percentile(busyLat, 99)))
	fmt.Fprintf(w, "alerts raised: %d\n", raised)
	return nil
}
