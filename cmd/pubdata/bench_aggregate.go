package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/dp"
	"github.com/pubdata/pubdata/sqlstore"
)

// The usable-but-invisible aggregates' timings (issue 16, Performance): noisy aggregates with
// a group-by over a 1,000,000-row table, POST /api/v1/entries/{id}/aggregate over loopback,
// beside the database's own GROUP BY of the same rows. See docs/BENCHMARKS.md.

func benchAggregateCommand() *command {
	cmd := &command{
		name:     "bench aggregate",
		synopsis: "[--rows 1000000] [--rounds 50] [--entry ID] [--data DIR | --db DSN]",
		summary:  "measure noisy aggregates of a usable-but-invisible entry",
		help: "Bench aggregate loads the generated CSV of bench ingest (--rows rows; generated into the\n" +
			"data folder when missing) into a new published table entry marked usable but invisible\n" +
			"(--entry reuses one loaded before), then, as a member of another public body with a\n" +
			"stated purpose, sends POST /api/v1/entries/{id}/aggregate over loopback --rounds times per\n" +
			"query kind (counts by division; count, mean and sum by division; quantiles by industry)\n" +
			"and prints p50/p95/p99/max latency and the process's CPU time per request: first on the\n" +
			"scan path (the kept summary not read), beside the database's own GROUP BY of the same\n" +
			"rows (one statement, no platform); then it builds the entry's aggregate summary (one\n" +
			"scan, timed) and times the same requests answered from it.\n" +
			"Use a database of its own.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		rows := fs.Int("rows", 1000000, "rows of the generated table")
		rounds := fs.Int("rounds", 50, "requests of each kind")
		entry := fs.String("entry", "", "an entry loaded by an earlier run (no load)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *rows < 1 || *rounds < 1 {
			return usagef("%s: --rows and --rounds must be ≥ 1", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchAggregate(ctx, a, c.stdout, *rows, *rounds, *entry)
		})
	}
	return cmd
}

// benchAggregateKinds are the timed requests: a name and the body.
var benchAggregateKinds = []struct {
	name string
	body map[string]any
}{
	{"count by division", map[string]any{"group_by": "division", "epsilon": 0.01, "measures": []any{map[string]any{"op": "count"}}}},
	{"count, mean, sum by division", map[string]any{"group_by": "division", "epsilon": 0.01, "measures": []any{
		map[string]any{"op": "count"},
		map[string]any{"op": "mean", "column": "employees", "lower": 0, "upper": 5000},
		map[string]any{"op": "sum", "column": "reg_capital", "lower": 0, "upper": 10000},
	}}},
	{"quantiles by industry", map[string]any{"group_by": "industry", "epsilon": 0.01, "measures": []any{
		map[string]any{"op": "quantiles", "column": "employees", "lower": 0, "upper": 5000, "q": []float64{0.25, 0.5, 0.75}},
	}}},
}

func benchAggregate(ctx context.Context, a *app, w io.Writer, n, rounds int, entry string) error {
	fmt.Fprintf(w, "pubdata bench aggregate: %s database, %d CPUs (%s/%s), %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	var e *pubdata.Entry
	var err error
	if entry != "" {
		if e, err = a.entries.FindPublishedEntry(ctx, entry); err != nil {
			return err
		}
	} else if e, err = benchInvisibleEntry(ctx, a, w, n); err != nil {
		return err
	}
	if !e.Invisible {
		return fmt.Errorf("entry %s is not usable but invisible", e.ID)
	}
	token, err := benchConsumerToken(ctx, a, "bench-agg", "bench aggregate")
	if err != nil {
		return err
	}
	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Timeout: 10 * time.Minute}
	post := func(body map[string]any) (time.Duration, int, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+"/api/v1/entries/"+e.ID+"/aggregate", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Purpose", "基准测试：按行政区划统计企业数量")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return 0, 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("aggregate: status %d: %.300s", resp.StatusCode, out)
		}
		var res pubdata.AggregateResult
		if err := json.Unmarshal(out, &res); err != nil {
			return 0, 0, err
		}
		return took, len(res.Groups), nil
	}
	tbl, err := benchTableName(ctx, a, e.ID)
	if err != nil {
		return err
	}
	raw := []struct{ name, q string }{
		{"baseline: SQL GROUP BY division, COUNT(*)", "SELECT COUNT(*) FROM (SELECT division, COUNT(*) FROM " + tbl + " WHERE _to IS NULL AND division IS NOT NULL GROUP BY 1) g"},
		{"baseline: SQL GROUP BY division, COUNT, SUM", "SELECT COUNT(*) FROM (SELECT division, COUNT(*), SUM(employees), SUM(reg_capital) FROM " + tbl + " WHERE _to IS NULL AND division IS NOT NULL GROUP BY 1) g"},
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	line := func(name string, lat []time.Duration, groups int, cpu time.Duration) {
		slices.Sort(lat)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.1f\t%s\t\n", name, len(lat), groups, ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99)), ms(lat[len(lat)-1]),
			float64(cpu.Microseconds())/1000/float64(len(lat)), loadAverage())
		tw.Flush() // each line as it is measured: a long run shows what it has
	}
	header := func() {
		fmt.Fprintln(tw, "request\trequests\tgroups\tp50 ms\tp95 ms\tp99 ms\tmax ms\tCPU ms/request\tload after\t")
	}
	timeKinds := func(path string) error {
		for _, k := range benchAggregateKinds { // warm-up
			if _, _, err := post(k.body); err != nil {
				return fmt.Errorf("warm-up %s: %w", k.name, err)
			}
		}
		for _, k := range benchAggregateKinds {
			lat := make([]time.Duration, 0, rounds)
			cpu := processCPU()
			var groups int
			for range rounds {
				took, g, err := post(k.body)
				if err != nil {
					return fmt.Errorf("%s: %w", k.name, err)
				}
				lat, groups = append(lat, took), g
			}
			line(path+": "+k.name, lat, groups, processCPU()-cpu)
		}
		return nil
	}

	// 1. The scan path (the summary not read), with the database's own GROUP BY beside it.
	fmt.Fprintf(w, "\n1. scan path (no summary read), %s\n", loadAverage())
	header()
	for _, r := range raw {
		lat := make([]time.Duration, 0, rounds)
		cpu := processCPU()
		var groups int
		for range rounds {
			t0 := time.Now()
			if err := a.db.QueryRowForTest(ctx, r.q).Scan(&groups); err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			lat = append(lat, time.Since(t0))
		}
		line(r.name, lat, groups, processCPU()-cpu)
	}
	a.web.ScanAggregates = true
	if err := timeKinds("scan"); err != nil {
		return err
	}
	a.web.ScanAggregates = false

	// 2. The summary: one scan of the table, as the job after a load runs it.
	tw.Flush()
	data := sqlstore.NewDataService(a.db)
	if err := a.db.Exec(ctx, "DELETE FROM agg_summaries WHERE entry_id = ?", e.ID); err != nil {
		return err
	}
	cpu, t0 := processCPU(), time.Now()
	sum, err := data.BuildAggregateSummary(systemContext(ctx), e)
	if err != nil {
		return fmt.Errorf("aggregate summary: %w", err)
	}
	fmt.Fprintf(w, "\n2. summary built in %.2f s wall, %.2f s CPU (this process): %d rows scanned, group columns %q, %d number columns, %d (group column, number column) pairs with their values listed, %d distinct values kept; %s\n",
		time.Since(t0).Seconds(), (processCPU() - cpu).Seconds(), sum.Rows, sum.Groups, len(sum.Measures), sum.Listed, sum.Values, loadAverage())
	// Each kind must be answered from the summary (else the figures below are the scan's).
	for _, g := range []pubdata.RowGrouping{
		{Column: "division", ByRows: true, Limit: pubdata.MaxGroups},
		{Column: "division", ByRows: true, Limit: pubdata.MaxGroups, More: []pubdata.RowSum{{Column: "employees", Clamp: &[2]float64{0, 5000}}, {Column: "reg_capital", Clamp: &[2]float64{0, 10000}}}},
		{Column: "industry", ByRows: true, Limit: pubdata.MaxGroups, Sum: "employees", Clamp: &[2]float64{0, 5000}, Bins: dp.Bins},
	} {
		if _, st, err := a.rows.SummaryGroups(ctx, e, g); err != nil || st != pubdata.SummaryServed {
			return fmt.Errorf("the summary does not answer %+v: %s, %v", g, st, err)
		}
	}

	// 3. The summary path.
	fmt.Fprintf(w, "\n3. summary path, %s\n", loadAverage())
	header()
	if err := timeKinds("summary"); err != nil {
		return err
	}
	tw.Flush()
	fmt.Fprintln(w, "(CPU is this process's: the server and client; on PostgreSQL the database server's own is not in it)")
	return nil
}

// benchInvisibleEntry publishes a usable-but-invisible table entry of the benchmark
// organisation and loads the generated file of n rows into it.
func benchInvisibleEntry(ctx context.Context, a *app, w io.Writer, n int) (*pubdata.Entry, error) {
	dir := filepath.Join(a.cfg.Data, "bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("ingest-%d-%g-%d.csv", n, 0.02, uint64(1)))
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := writeBenchCSV(path, n, 0.02, 1); err != nil {
			return nil, fmt.Errorf("generate %s: %w", path, err)
		}
	}
	e, err := benchDataEntryWith(ctx, a, fmt.Sprintf("基准测试可用不可见（%d 行，%s）", n, time.Now().Format("2006-01-02 15:04:05")), ingestItems, func(f *pubdata.EntryFields) {
		f.Invisible = true
		f.InvisibleTerms = pubdata.InvisibleTerms{GroupColumns: []string{"division", "industry", "status"}, MinGroupSize: 10, PrivacyBudget: 100}
	})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	b, err := benchLoadFile(ctx, a, e, path)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "loaded %d rows in %.2f s (entry %s)\n", b.RowsLoaded, time.Since(start).Seconds(), e.ID)
	if a.cfg.IsPostgres() {
		if err := a.db.Exec(ctx, "ANALYZE"); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// benchLoadFile loads the generated CSV at path into e as pubdata ingest would (append,
// invalid rows skipped).
func benchLoadFile(ctx context.Context, a *app, e *pubdata.Entry, path string) (*pubdata.Batch, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := datafile.Open(f, datafile.CSV, e.Items, datafile.Options{Size: fi.Size()})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	opt := pubdata.LoadOptions{Mode: pubdata.ModeAppend, OnError: pubdata.OnErrorSkip, Source: pubdata.SourceCLI, Format: "csv", FileName: filepath.Base(path)}
	b, _, err := a.data.CreateBatch(ctx, e, opt)
	if err != nil {
		return nil, err
	}
	if b, err = a.data.RunBatch(ctx, e, b.ID, src, opt); err != nil {
		return nil, err
	}
	if b.Status != pubdata.BatchDone {
		return nil, fmt.Errorf("the batch %s: %s", b.Status, b.Message)
	}
	return b, nil
}

// benchConsumerToken returns a new API token (named purpose) of username, a member of another
// public body (bench-consumer; both created the first time) that consumes a benchmark's shared
// data: its reads are sharing calls.
func benchConsumerToken(ctx context.Context, a *app, username, purpose string) (string, error) {
	const org = "bench-consumer"
	if _, err := a.orgs.FindOrgByCode(ctx, org); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: org, Name: "福州市统计局（基准测试）", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	u, err := a.users.FindUserByUsername(ctx, username)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		pw := make([]byte, 16)
		crand.Read(pw)
		u, err = a.users.CreateUser(ctx, &pubdata.UserCreate{Username: username, Password: hex.EncodeToString(pw), OrgCode: org, Role: pubdata.RoleMember})
	}
	if err != nil {
		return "", fmt.Errorf("bench consumer: %w", err)
	}
	_, secret, err := a.tokens.CreateToken(ctx, u.ID, purpose, time.Hour)
	return secret, err
}

// benchTableName is the table of an entry (for the baseline's statements).
func benchTableName(ctx context.Context, a *app, entryID string) (string, error) {
	var tbl string
	err := a.db.QueryRowForTest(ctx, "SELECT tbl FROM data_tables WHERE entry_id = ?", entryID).Scan(&tbl)
	return tbl, err
}
