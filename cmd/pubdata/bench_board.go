package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/pubdata/pubdata"
)

// The monitoring board's timings (issue 13, Performance): the board of 120 units and
// 100,000 entries read from the cached aggregates. The snapshot rows are generated directly
// (sqlstore.MonitorService.SeedMonitorBench), not 100,000 real entries. See
// docs/BENCHMARKS.md.

// benchBoardDivision is the benchmark's division (Hainan, away from the demo's Fujian).
const benchBoardDivision = "460000"

func benchBoardCommand() *command {
	cmd := &command{
		name:     "bench board",
		synopsis: "[--units 120] [--entries 100000] [--days 90] [--rounds 50] [--data DIR | --db DSN]",
		summary:  "measure the monitoring board over generated aggregates",
		help: "Bench board writes generated monitoring aggregates (replacing any there): --units units\n" +
			"(bench-000 …) with --entries entries spread over them and --days days of history, under\n" +
			"an authority bench-dsj (460000) whose admin bench-board it creates. It then serves the\n" +
			"platform on a loopback port in this process and requests, one at a time with that\n" +
			"admin's session, the console's front page /console (the baseline: the same layout and\n" +
			"sign-in), the board /console/monitoring, its JSON /api/v1/monitoring and one unit's page,\n" +
			"--rounds times each after a warm-up, and prints p50/p95/p99/max latency and the CPU\n" +
			"time of the process per request. Use a database of its own.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		units := fs.Int("units", 120, "units")
		entries := fs.Int("entries", 100000, "entries spread over the units")
		days := fs.Int("days", 90, "days of history per unit")
		rounds := fs.Int("rounds", 50, "requests of each page")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *units < 1 || *entries < *units || *days < 1 || *rounds < 1 {
			return usagef("%s: --units, --days and --rounds must be ≥ 1, --entries ≥ --units", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchBoard(ctx, a, c.stdout, *units, *entries, *days, *rounds)
		})
	}
	return cmd
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchBoard(ctx context.Context, a *app, w io.Writer, units, entries, days, rounds int) error {
	fmt.Fprintf(w, "pubdata bench board: %s database, %d CPUs (%s/%s), %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	for _, o := range []pubdata.Org{
		{Code: "bench-dsj", Name: "基准主管部门", Kind: pubdata.KindAuthority, Division: benchBoardDivision},
		{Code: "bench-000", Name: "基准单位000", Kind: pubdata.KindPublicBody, Division: benchBoardDivision},
	} {
		if _, err := a.orgs.FindOrgByCode(ctx, o.Code); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			if err := a.orgs.CreateOrg(ctx, &o); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	u, err := a.users.FindUserByUsername(ctx, "bench-board")
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		b := make([]byte, 16)
		rand.Read(b)
		u, err = a.users.CreateUser(ctx, &pubdata.UserCreate{Username: "bench-board", Password: hex.EncodeToString(b), OrgCode: "bench-dsj", Role: pubdata.RoleAdmin})
	}
	if err != nil {
		return err
	}
	start := time.Now()
	if err := a.monitor.SeedMonitorBench(ctx, benchBoardDivision, units, entries, days, time.Now()); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(w, "aggregates of %d units, %d entries, %d days written in %s\n", units, entries, days, time.Since(start).Round(time.Millisecond))
	if a.cfg.IsPostgres() {
		if err := a.db.Exec(ctx, "ANALYZE"); err != nil {
			return err
		}
	}
	session, err := a.tokens.CreateSession(ctx, u.ID)
	if err != nil {
		return err
	}
	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Timeout: 30 * time.Second}
	size := map[string]int{}
	get := func(path string) (time.Duration, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.AddCookie(&http.Cookie{Name: "pubdata_session", Value: session})
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: status %d: %.200s", path, resp.StatusCode, body)
		}
		size[path] = len(body)
		return took, nil
	}
	pages := []struct{ kind, path string }{
		{"baseline /console", "/console"},
		{"board /console/monitoring", "/console/monitoring"},
		{"board JSON /api/v1/monitoring", "/api/v1/monitoring"},
		{"unit /console/monitoring/units/bench-000", "/console/monitoring/units/bench-000"},
	}
	for _, p := range pages {
		for range 3 { // warm-up
			if _, err := get(p.path); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\trequests\tKiB\tp50 ms\tp95 ms\tp99 ms\tmax ms\tCPU ms/request\t")
	for _, p := range pages {
		lat := make([]time.Duration, 0, rounds)
		cpu0 := cpuTime()
		for range rounds {
			took, err := get(p.path)
			if err != nil {
				return err
			}
			lat = append(lat, took)
		}
		cpu := (cpuTime() - cpu0) / time.Duration(rounds)
		slices.Sort(lat)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", p.kind, len(lat), size[p.path]/1024, ms(percentile(lat, 50)), ms(percentile(lat, 95)),
			ms(percentile(lat, 99)), ms(lat[len(lat)-1]), ms(cpu))
	}
	return tw.Flush()
}
