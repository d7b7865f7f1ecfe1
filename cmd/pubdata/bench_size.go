package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pubdata/pubdata"
)

// Sizing a province (issue 17 item 7, docs/SCALING.md): measure what one node of this machine
// does — rows loaded per second, sharing reads (a public body's key lookup with its purpose,
// through the read path, recorded) per second, bytes per stored row — and extrapolate the
// nodes a load like Zhejiang's needs (80 billion records aggregated, 70 billion sharing
// calls in 2022).

// sizeTarget is the load to size for, and the assumptions that turn yearly totals into
// rates; every one is a flag.
type sizeTarget struct {
	Records      float64 // rows stored
	Calls        float64 // sharing calls a year
	WorkDays     float64 // days a year the calls fall on
	WorkHours    float64 // hours a day they fall in
	CallShare    float64 // share of the calls in those hours
	Peak         float64 // peak over the busy-hours mean
	BackfillDays float64 // days to load every record once (a migration or a rebuild)
	NodeDiskTB   float64 // usable disk of one database node
	Headroom     float64 // capacity kept free (0.5: run nodes at half their measured rate)
	Replicas     float64 // copies of each shard (1: none besides the primary)
	NodeCores    float64 // cores of a dedicated node, for the CPU-time estimate
}

func defaultSizeTarget() sizeTarget {
	return sizeTarget{Records: 80e9, Calls: 70e9, WorkDays: 250, WorkHours: 10, CallShare: 0.8, Peak: 3,
		BackfillDays: 30, NodeDiskTB: 4, Headroom: 0.5, Replicas: 2, NodeCores: 16}
}

func benchSizeCommand() *command {
	cmd := &command{
		name:     "bench size",
		synopsis: "[--rows 200000] [--workers 8] [--duration 20s] [--records 80e9] [--calls 70e9] [--data DIR | --db DSN]",
		summary:  "measure one node's load and sharing-read rates and extrapolate the nodes a province needs",
		help: "Bench size loads a generated --rows-row table (bench ingest's 20 columns) as its provider\n" +
			"would, then sends sharing reads for --duration: a public body's key lookups\n" +
			"(GET /api/v1/entries/{id}/rows?_key=…, X-Purpose) from --workers concurrent clients on\n" +
			"loopback, each through the read path and recorded. It prints the rates and CPU seconds,\n" +
			"the bytes a stored row takes (PostgreSQL), the load average, and the nodes a target load\n" +
			"needs: --records rows stored and --calls sharing calls a year (Zhejiang's 2022 figures by\n" +
			"default), turned into rates by the assumptions printed with them (each a flag). See\n" +
			"docs/SCALING.md for what the figures mean and what they leave out.\n" +
			"Use a database of its own: the entry stays.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		rows := fs.Int("rows", 200000, "rows of the generated table to load")
		workers := fs.Int("workers", 8, "concurrent sharing-read clients")
		dur := fs.Duration("duration", 20*time.Second, "how long to send sharing reads")
		t := defaultSizeTarget()
		fs.Float64Var(&t.Records, "records", t.Records, "rows stored province-wide")
		fs.Float64Var(&t.Calls, "calls", t.Calls, "sharing calls a year")
		fs.Float64Var(&t.WorkDays, "work-days", t.WorkDays, "days a year the calls fall on")
		fs.Float64Var(&t.WorkHours, "work-hours", t.WorkHours, "hours a day the calls fall in")
		fs.Float64Var(&t.CallShare, "call-share", t.CallShare, "share of the calls in those hours")
		fs.Float64Var(&t.Peak, "peak", t.Peak, "peak rate over the busy hours' mean")
		fs.Float64Var(&t.BackfillDays, "backfill-days", t.BackfillDays, "days to load every record once")
		fs.Float64Var(&t.NodeDiskTB, "node-disk-tb", t.NodeDiskTB, "usable disk of a database node, TB")
		fs.Float64Var(&t.Headroom, "headroom", t.Headroom, "share of measured capacity to plan on (0 < h ≤ 1)")
		fs.Float64Var(&t.Replicas, "replicas", t.Replicas, "copies of each shard's data")
		fs.Float64Var(&t.NodeCores, "node-cores", t.NodeCores, "cores of a dedicated node (the CPU-time estimate)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *rows < 1000 || *workers < 1 || *dur <= 0 || t.Headroom <= 0 || t.Headroom > 1 || t.WorkDays <= 0 || t.WorkHours <= 0 || t.Replicas < 1 {
			return usagef("%s: --rows ≥ 1000, --workers ≥ 1, --duration > 0, 0 < --headroom ≤ 1, --replicas ≥ 1", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchSize(ctx, a, c.stdout, c.stderr, *rows, *workers, *dur, t)
		})
	}
	return cmd
}

// loadAverage is /proc/loadavg's first three figures ("" elsewhere).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// sizeMeasure is what one node did.
type sizeMeasure struct {
	LoadRate, ReadRate float64 // rows/s, reads/s
	LoadCPU, ReadCPU   float64 // CPU seconds of this process
	BytesPerRow        float64 // 0 when unknown (SQLite)
	ServerCPU          float64 // CPU seconds of the postgres processes during the reads (0: unknown)
	ReadErrors, Reads  int64
	Rows               int
}

func benchSize(ctx context.Context, a *app, w, progress io.Writer, n, workers int, dur time.Duration, t sizeTarget) error {
	fmt.Fprintf(w, "pubdata bench size: %s database, %d CPUs (%s/%s), %s; load average %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage())
	dir := filepath.Join(a.cfg.Data, "bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("ingest-%d-%g-%d.csv", n, 0.0, 1))
	if _, err := os.Stat(path); err != nil {
		if err := writeBenchCSV(path, n, 0, 1); err != nil {
			return fmt.Errorf("generate %s: %w", path, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	// The baseline, in the same run: the database's own bulk loader on the same file.
	if d, bcpu, what, err := benchBaseline(ctx, a, path, dir); err != nil {
		fmt.Fprintf(w, "baseline: %v\n", err)
	} else {
		fmt.Fprintf(w, "%s: %.0f rows/s", what, float64(n)/d.Seconds())
		if bcpu > 0 {
			fmt.Fprintf(w, " (cpu %.2f s)", bcpu.Seconds())
		}
		fmt.Fprintln(w)
	}
	e, err := benchDataEntryOf(ctx, a, fmt.Sprintf("规模测算企业登记信息（%d 行，%s）", n, time.Now().Format("2006-01-02 15:04:05")), ingestItems)
	if err != nil {
		return err
	}
	var m sizeMeasure
	rate, cpu, err := benchLoadOnce(ctx, a, w, progress, e, path, fi.Size(), n, "load", "")
	if err != nil {
		return err
	}
	m.LoadRate, m.LoadCPU, m.Rows = rate, cpu.Seconds(), n
	fmt.Fprintf(w, "load:          %9.0f rows/s  (%d rows; cpu %.2f s = %.0f µs a row)\n", rate, n, m.LoadCPU, 1e6*m.LoadCPU/float64(n))
	if b, err := a.db.TableBytes(ctx, e.ID); err != nil {
		fmt.Fprintf(w, "stored: %v\n", err)
	} else if b > 0 {
		m.BytesPerRow = float64(b) / float64(n)
		fmt.Fprintf(w, "stored:        %9.0f bytes a row with indexes (%s for %d rows)\n", m.BytesPerRow, mb(b), n)
	}
	token, err := benchConsumerToken(ctx, a, "bench-consumer-reader", "bench size")
	if err != nil {
		return err
	}
	if err := benchSharingReads(ctx, a, w, e.ID, n, workers, dur, token, &m); err != nil {
		return err
	}
	if err := benchRecordAppends(ctx, a, w, e, 16, dur/3); err != nil {
		return err
	}
	fmt.Fprintf(w, "load average after: %s\n\n", loadAverage())
	printSizing(w, m, t)
	return nil
}

// benchSharingReads runs workers closed-loop clients of key lookups for dur after a 2 s
// warm-up and records the rate, the CPU and the errors in m.
func benchSharingReads(ctx context.Context, a *app, w io.Writer, entry string, n, workers int, dur time.Duration, token string, m *sizeMeasure) error {
	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	var done, errs atomic.Int64
	var measuring, stopped atomic.Bool
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := i; !stopped.Load() && ctx.Err() == nil; k += workers {
				key := benchUSCC(1 + (k*7919)%n)
				req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/entries/"+entry+"/rows?_key="+key, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("X-Purpose", "企业开办审批核验")
				resp, err := client.Do(req)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if resp != nil {
					if !ok && firstErr.Load() == nil {
						b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
						firstErr.Store(fmt.Sprintf("%d %s", resp.StatusCode, b))
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				} else if firstErr.Load() == nil {
					firstErr.Store(err.Error())
				}
				if measuring.Load() {
					if ok {
						done.Add(1)
					} else {
						errs.Add(1)
					}
				}
			}
		}(i)
	}
	time.Sleep(2 * time.Second)
	measuring.Store(true)
	start, cpu0, pg0 := time.Now(), processCPU(), postgresCPU()
	time.Sleep(dur)
	measuring.Store(false)
	d, cpu, pg := time.Since(start), processCPU()-cpu0, postgresCPU()-pg0
	stopped.Store(true)
	wg.Wait()
	m.ServerCPU = pg.Seconds()
	m.ReadRate, m.ReadCPU, m.ReadErrors, m.Reads = float64(done.Load())/d.Seconds(), cpu.Seconds(), errs.Load(), done.Load()
	fmt.Fprintf(w, "sharing reads: %9.0f reads/s  (%d in %s by %d clients, %d errors; cpu %.2f s = %.0f µs a read, server and clients)\n",
		m.ReadRate, done.Load(), d.Round(time.Millisecond), workers, errs.Load(), m.ReadCPU, 1e6*m.ReadCPU/math.Max(1, float64(done.Load())))
	if a.cfg.IsPostgres() && pg > 0 {
		fmt.Fprintf(w, "  postgres processes' cpu meanwhile: %.2f s = %.0f µs a read (a shared server: other clients' queries count too)\n", pg.Seconds(), 1e6*pg.Seconds()/math.Max(1, float64(done.Load())))
	}
	if v := firstErr.Load(); v != nil && done.Load() == 0 {
		return fmt.Errorf("sharing reads failed: %v", v)
	} else if v != nil {
		fmt.Fprintf(w, "  first error: %v\n", v)
	}
	return nil
}

// sizing is the extrapolation of a measure to a target.
type sizing struct {
	CallsAvg, CallsBusy, CallsPeak float64 // sharing calls per second
	Backfill                       float64 // rows per second to load every record in BackfillDays
	DiskTB                         float64 // with replicas; 0 when unknown
	ReadNodes, LoadNodes, DiskNode float64
	Nodes                          float64 // the largest, rounded up
	// The CPU-time estimate: nodes of NodeCores cores each, from the CPU seconds one read
	// and one loaded row took (this process's, and the postgres processes' for reads).
	ReadCPUNodes, LoadCPUNodes float64
}

// sizeFor extrapolates m to t: nodes = rate needed ÷ (rate measured × headroom), per
// dimension, assuming a node's rate holds as nodes are added (the distributed tables'
// reads and loads touch one shard each: docs/SCALING.md).
func sizeFor(m sizeMeasure, t sizeTarget) sizing {
	var s sizing
	s.CallsAvg = t.Calls / (365 * 86400)
	s.CallsBusy = t.Calls * t.CallShare / (t.WorkDays * t.WorkHours * 3600)
	s.CallsPeak = s.CallsBusy * t.Peak
	s.Backfill = t.Records / (t.BackfillDays * 86400)
	if m.ReadRate > 0 {
		s.ReadNodes = math.Ceil(s.CallsPeak / (m.ReadRate * t.Headroom))
	}
	if m.LoadRate > 0 {
		s.LoadNodes = math.Ceil(s.Backfill / (m.LoadRate * t.Headroom))
	}
	if m.BytesPerRow > 0 {
		s.DiskTB = t.Records * m.BytesPerRow * t.Replicas / 1e12
		s.DiskNode = math.Ceil(s.DiskTB / (t.NodeDiskTB * t.Headroom))
	}
	s.Nodes = math.Max(s.ReadNodes, math.Max(s.LoadNodes, s.DiskNode))
	if m.Reads > 0 {
		perRead := (m.ReadCPU + m.ServerCPU) / float64(m.Reads)
		s.ReadCPUNodes = math.Ceil(s.CallsPeak * perRead / (t.NodeCores * t.Headroom))
	}
	if m.Rows > 0 && m.LoadCPU > 0 {
		s.LoadCPUNodes = math.Ceil(s.Backfill * (m.LoadCPU / float64(m.Rows)) / (t.NodeCores * t.Headroom))
	}
	return s
}

func printSizing(w io.Writer, m sizeMeasure, t sizeTarget) {
	s := sizeFor(m, t)
	fmt.Fprintf(w, "target: %.3g records stored, %.3g sharing calls a year\n", t.Records, t.Calls)
	fmt.Fprintf(w, "  calls: %.0f/s on average over the year; %.0f/s in busy hours (%.0f%% of them in %g days × %g h); %.0f/s at a peak of %g×\n",
		s.CallsAvg, s.CallsBusy, 100*t.CallShare, t.WorkDays, t.WorkHours, s.CallsPeak, t.Peak)
	fmt.Fprintf(w, "  loads: %.0f rows/s to load every record in %g days\n", s.Backfill, t.BackfillDays)
	fmt.Fprintf(w, "nodes of this machine's kind, each run at %.0f%% of its measured rate:\n", 100*t.Headroom)
	fmt.Fprintf(w, "  for the peak of sharing reads: %6.0f  (%.0f/s ÷ %.0f/s)\n", s.ReadNodes, s.CallsPeak, m.ReadRate*t.Headroom)
	fmt.Fprintf(w, "  for the backfill load:         %6.0f  (%.0f/s ÷ %.0f/s)\n", s.LoadNodes, s.Backfill, m.LoadRate*t.Headroom)
	if s.DiskTB > 0 {
		fmt.Fprintf(w, "  for storage:                   %6.0f  (%.0f TB with %g copies ÷ %g TB a node kept %.0f%% full)\n", s.DiskNode, s.DiskTB, t.Replicas, t.NodeDiskTB, 100*t.Headroom)
	} else {
		fmt.Fprintln(w, "  for storage: unknown on SQLite (run on PostgreSQL for bytes a row)")
	}
	fmt.Fprintf(w, "  → at least %.0f nodes (wall-clock rates of this machine as loaded now)\n", s.Nodes)
	fmt.Fprintf(w, "by CPU time, dedicated nodes of %g cores at %.0f%%: %.0f for the peak reads, %.0f for the backfill (the database's load-side CPU not counted)\n",
		t.NodeCores, 100*t.Headroom, s.ReadCPUNodes, s.LoadCPUNodes)
}

// postgresCPU sums the CPU time of this machine's postgres processes (Linux /proc; 0
// elsewhere or when none is readable).
func postgresCPU() time.Duration {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var ticks int64
	for _, d := range dirs {
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || s[open+1:close] != "postgres" {
			continue
		}
		f := strings.Fields(s[close+1:])
		if len(f) < 13 {
			continue
		}
		var u, st int64
		fmt.Sscan(f[11], &u)
		fmt.Sscan(f[12], &st)
		ticks += u + st
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// benchRecordAppends measures the record's append ceiling: workers goroutines each append a
// data.read event (RecordRead, one transaction each, under the record's one head lock) for
// dur. Every node of a cluster shares that lock, so this is the platform's ceiling of
// recorded reads whatever the node count (docs/SCALING.md, "The record").
func benchRecordAppends(ctx context.Context, a *app, w io.Writer, e *pubdata.Entry, workers int, dur time.Duration) error {
	ctx = systemContext(ctx)
	var done atomic.Int64
	var stop atomic.Bool
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start, cpu0, pg0 := time.Now(), processCPU(), postgresCPU()
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := a.data.RecordRead(ctx, e, map[string]any{"rows": 1, "bench": "size"}); err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				done.Add(1)
			}
		}()
	}
	time.Sleep(dur)
	stop.Store(true)
	wg.Wait()
	d, cpu, pg := time.Since(start), processCPU()-cpu0, postgresCPU()-pg0
	if v := firstErr.Load(); v != nil {
		return fmt.Errorf("record appends: %v", v)
	}
	fmt.Fprintf(w, "record appends: %8.0f/s  (%d data.read events by %d writers in %s, one transaction each under the one head lock; cpu %.2f s here, %.2f s postgres)\n",
		float64(done.Load())/d.Seconds(), done.Load(), workers, d.Round(time.Millisecond), cpu.Seconds(), pg.Seconds())
	return nil
}
