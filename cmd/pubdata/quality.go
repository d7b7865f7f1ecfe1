package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
)

// Data quality in serve (issue 13): every minute, the published entries with rules whose last
// full-table run is older than quality_interval (daily by default) are run, a few per minute,
// one after another, as the system. A run interrupted (a stopped server) is resumed by the
// next attempt from the rules it had not finished (sqlstore/quality.go).

// qualityPerTick bounds the entries run each minute on one server.
const qualityPerTick = 5

// runQualityJobs runs the due entries' rules every interval until ctx ends.
func (a *app) runQualityJobs(ctx context.Context, interval time.Duration) {
	if a.cfg.QualityInterval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		a.runDueQuality(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runDueQuality runs the rules of up to qualityPerTick due entries; returns how many ran.
func (a *app) runDueQuality(ctx context.Context, now time.Time) int {
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	ids, err := a.quality.DueQualityRuns(lctx, now.Add(-a.cfg.QualityInterval), qualityPerTick)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("listing the entries due for a quality run", "error", err)
		}
		return 0
	}
	ran := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			return ran
		}
		e, err := a.entries.FindPublishedEntry(ctx, id)
		if err != nil {
			a.logger.Error("quality run", "entry", id, "error", err)
			continue
		}
		// Each run is bounded: every statement by the service's RuleTimeout, the run by an hour.
		rctx, cancel := context.WithTimeout(ctx, time.Hour)
		start := time.Now()
		run, err := a.quality.RunQuality(rctx, e)
		cancel()
		switch {
		case pubdata.ErrorCode(err) == pubdata.ECONFLICT:
			// another server runs it
		case err != nil:
			a.logger.Error("quality run", "entry", id, "error", err)
		default:
			ran++
			a.logger.Info("quality run", "entry", id, "rows", run.Rows, "rules", len(run.Results), "duration", time.Since(start).Round(time.Millisecond).String())
		}
	}
	return ran
}

func benchQualityCommand() *command {
	cmd := &command{
		name:     "bench quality",
		synopsis: "[--rows 1000000] [--seed 1] [--entry ID] [--runs 1] [--data DIR | --db DSN]",
		summary:  "measure a full-table quality run over a generated table",
		help: "Bench quality loads the generated CSV of bench ingest (--rows rows, 20 columns; generated\n" +
			"into the data folder when missing) into a new published table entry, gives it eleven\n" +
			"quality rules (not null, unique, pattern, two standard elements, range, allowed values,\n" +
			"a reference to a key, freshness, row-count change) and times the scheduled full-table run\n" +
			"over it, printing each rule's result and the process's CPU time. --entry reuses the table of\n" +
			"an earlier run's entry instead of loading a new one; --runs repeats the run. Use a database\n" +
			"of its own.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		rows := fs.Int("rows", 1000000, "rows of the generated table")
		seed := fs.Uint64("seed", 1, "seed of the generated rows")
		entry := fs.String("entry", "", "the entry of an earlier run whose table to check again (no load)")
		runs := fs.Int("runs", 1, "full runs to time")
		cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *rows < 1 || *runs < 1 {
			return usagef("%s: --rows and --runs must be ≥ 1", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			if *cpuprofile != "" {
				f, err := os.Create(*cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			return benchQuality(ctx, a, c.stdout, *rows, *seed, *entry, *runs)
		})
	}
	return cmd
}

// benchQualityRules are the rules of the benchmark's table; ref is the entry the reference
// rule names (the table itself: every USCC is a current key).
func benchQualityRules(ref string) []pubdata.QualityRule {
	return []pubdata.QualityRule{
		{Kind: pubdata.RuleNotNull, Column: "name"},
		{Kind: pubdata.RuleNotNull, Column: "email"},
		{Kind: pubdata.RuleUniqueCol, Column: "email"},
		{Kind: pubdata.RulePattern, Column: "email", Pattern: `^[^@\s]+@[^@\s]+\.[a-z]+$`},
		{Kind: pubdata.RuleStdElem, Column: "phone"},
		{Kind: pubdata.RuleStdElem, Column: "division"},
		{Kind: pubdata.RuleRange, Column: "employees", Min: "0", Max: "4000"},
		{Kind: pubdata.RuleAllowed, Column: "status", Values: []string{"存续", "在业", "迁出"}},
		{Kind: pubdata.RuleReference, Column: "uscc", RefEntry: ref, RefColumn: "uscc"},
		{Kind: pubdata.RuleFreshness},
		{Kind: pubdata.RuleRowCount, MaxChangePct: 10},
	}
}

func benchQuality(ctx context.Context, a *app, w io.Writer, n int, seed uint64, entry string, runs int) error {
	fmt.Fprintf(w, "pubdata bench quality: %s database, %d CPUs (%s/%s), %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if entry != "" {
		e, err := a.entries.FindPublishedEntry(ctx, entry)
		if err != nil {
			return err
		}
		return benchQualityRuns(ctx, a, w, e, runs)
	}
	dir := filepath.Join(a.cfg.Data, "bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("ingest-%d-%g-%d.csv", n, 0.02, seed))
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := writeBenchCSV(path, n, 0.02, seed); err != nil {
			return fmt.Errorf("generate %s: %w", path, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	e, err := benchDataEntry(ctx, a, fmt.Sprintf("基准测试质量规则（%d 行，%s）", n, time.Now().Format("2006-01-02 15:04:05")))
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := datafile.Open(f, datafile.CSV, e.Items, datafile.Options{Size: fi.Size()})
	if err != nil {
		return err
	}
	defer src.Close()
	opt := pubdata.LoadOptions{Mode: pubdata.ModeAppend, OnError: pubdata.OnErrorSkip, Source: pubdata.SourceCLI, Format: "csv", FileName: filepath.Base(path)}
	start := time.Now()
	b, _, err := a.data.CreateBatch(ctx, e, opt)
	if err != nil {
		return err
	}
	if b, err = a.data.RunBatch(ctx, e, b.ID, src, opt); err != nil {
		return err
	}
	if b.Status != pubdata.BatchDone {
		return fmt.Errorf("the batch %s: %s", b.Status, b.Message)
	}
	fmt.Fprintf(w, "loaded %d rows in %.2f s (entry %s)\n", b.RowsLoaded, time.Since(start).Seconds(), e.ID)
	if _, err := a.quality.SetQualityRules(ctx, e, benchQualityRules(e.ID)); err != nil {
		return err
	}
	return benchQualityRuns(ctx, a, w, e, runs)
}

// benchQualityRuns times full runs of the entry's rules: wall clock and the process's CPU.
func benchQualityRuns(ctx context.Context, a *app, w io.Writer, e *pubdata.Entry, runs int) error {
	for range runs {
		start, cpu := time.Now(), processCPU()
		run, err := a.quality.RunQuality(ctx, e)
		if err != nil {
			return err
		}
		d, cpu := time.Since(start), processCPU()-cpu
		fmt.Fprintf(w, "\nfull-table run over %d rows, %d rules: %.2f s (%.0f rows/s), CPU %.2f s (this process; the database server's not counted on PostgreSQL)\n",
			run.Rows, len(run.Results), d.Seconds(), float64(run.Rows)/d.Seconds(), cpu.Seconds())
		for _, r := range run.Results {
			fmt.Fprintf(w, "  %-10s %-10s %-8s %8d failing rows\n", r.Kind, r.Column, r.Status, r.FailedRows)
		}
	}
	return nil
}

// demoQualityRules are the demo's quality rules, by entry code: the market regulator's
// permits refer to the enterprise registry (一数一源 made checkable) and the registry holds
// rules a part of its rows breaks, so that the console and the portal show failing rules.
var demoQualityRules = map[string]func(registry string) []pubdata.QualityRule{
	"102001/00001": func(string) []pubdata.QualityRule {
		return []pubdata.QualityRule{
			{Kind: pubdata.RuleNotNull, Column: "name"},
			{Kind: pubdata.RuleStdElem, Column: "uscc"},
			{Kind: pubdata.RuleAllowed, Column: "status", Values: []string{"存续", "在业"}},
			{Kind: pubdata.RuleRange, Column: "registered_capital", Min: "0", Max: "5000"},
			{Kind: pubdata.RuleFreshness},
		}
	},
	"302001/00001": func(registry string) []pubdata.QualityRule {
		return []pubdata.QualityRule{
			{Kind: pubdata.RuleNotNull, Column: "holder_uscc"},
			{Kind: pubdata.RuleReference, Column: "holder_uscc", RefEntry: registry, RefColumn: "uscc"},
			{Kind: pubdata.RulePattern, Column: "decision_no", Pattern: `^闽.*号$`},
			{Kind: pubdata.RuleFreshness},
		}
	},
}

// createDemoQuality gives the demo's entries their quality rules (once) and runs them.
func createDemoQuality(ctx context.Context, a *app) error {
	registry, err := a.entries.FindPublishedEntry(ctx, "102001/00001")
	if err != nil {
		return err
	}
	for _, code := range []string{"102001/00001", "302001/00001"} {
		e, err := a.entries.FindPublishedEntry(ctx, code)
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		set, err := a.quality.FindQualityRules(ctx, e.ID)
		if err != nil {
			return err
		}
		if set.Revision > 0 {
			continue
		}
		if _, err := a.quality.SetQualityRules(ctx, e, demoQualityRules[code](registry.ID)); err != nil {
			return fmt.Errorf("quality rules of %s: %w", code, err)
		}
		if _, err := a.quality.RunQuality(ctx, e); err != nil && pubdata.ErrorCode(err) != pubdata.ECONFLICT {
			return fmt.Errorf("quality run of %s: %w", code, err)
		}
	}
	return nil
}
