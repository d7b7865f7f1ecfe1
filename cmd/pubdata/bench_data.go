package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/sqlstore"
)

// The aggregation benchmarks (issue 4): loading a generated 1,000,000-row, 20-column CSV
// beside the database's own bulk loader, key lookups over HTTP at a fixed rate, and the
// full CSV download. See docs/BENCHMARKS.md.

func benchIngestCommand() *command {
	cmd := &command{
		name:     "bench ingest",
		synopsis: "[--rows 1000000] [--invalid 0.02] [--seed 1] [--baseline=true] [--data DIR | --db DSN]",
		summary:  "measure loading a generated CSV into an entry's table, beside the database's own loader",
		help: "Bench ingest writes a generated CSV of --rows rows and 20 columns (mixed types, a USCC key,\n" +
			"a share --invalid of bad rows) into the data folder (kept for the next run), then times:\n" +
			"  - the baseline: sqlite3's .import of the file into a plain table (SQLite), or psql's\n" +
			"    \\copy into a plain table of text columns without any checks (PostgreSQL);\n" +
			"  - pubdata's load of the same file into a new published table entry, as its provider\n" +
			"    would (decoded, validated, keyed, indexed, versioned, on_error=skip),\n" +
			"  - with --encrypted (the default), the same load into a second entry whose key (uscc)\n" +
			"    and legal_rep are grade 3 and so stored SM4-encrypted with blind indexes,\n" +
			"and prints rows/s (and CPU seconds) of each, their ratios and the process's peak memory\n" +
			"during the load. The first pubdata load encrypts nothing (the policy off), as a baseline.\n" +
			"Loads run under serve's garbage collection settings, as in serve and pubdata ingest; on\n" +
			"SQLite the copy of a load's log into the database file, which runs after it in the\n" +
			"background, is waited for and timed apart.\n" +
			"Use a database of its own: the entry stays (bench rows and bench download use it).",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		rows := fs.Int("rows", 1000000, "rows of the generated CSV")
		invalid := fs.Float64("invalid", 0.02, "share of invalid rows")
		seed := fs.Uint64("seed", 1, "seed of the generated rows")
		baseline := fs.Bool("baseline", true, "time the database's own loader too")
		cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the load to this file")
		encrypted := fs.Bool("encrypted", true, "load the file a second time with two grade-3 items encrypted")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *rows < 1 || *invalid < 0 || *invalid >= 1 {
			return usagef("%s: --rows must be ≥ 1 and --invalid in [0, 1)", cmd.name)
		}
		// Loads run in serve (uploads) and pubdata ingest, both under serve's collection
		// settings (gc.go): measured so. GOGC and GOMEMLIMIT still win.
		serverGC(ctx)
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchIngest(ctx, a, c.stdout, c.stderr, *rows, *invalid, *seed, *baseline, *encrypted, *cpuprofile)
		})
	}
	return cmd
}

// ingestItems are the 20 columns of the generated table.
var ingestItems = []pubdata.Item{
	{Name: "uscc", Title: "统一社会信用代码", Type: "string", Length: 18, Key: true, Element: "uscc"},
	{Name: "name", Title: "企业名称", Type: "string", Length: 200},
	{Name: "legal_rep", Title: "法定代表人", Type: "string", Length: 50, Personal: true, Grade: 2},
	{Name: "reg_capital", Title: "注册资本（万元）", Type: "number"},
	{Name: "employees", Title: "从业人数", Type: "integer"},
	{Name: "founded", Title: "成立日期", Type: "date"},
	{Name: "active", Title: "是否存续", Type: "boolean"},
	{Name: "industry", Title: "行业代码", Type: "string", Length: 5},
	{Name: "division", Title: "行政区划代码", Type: "string", Length: 6, Element: "division"},
	{Name: "address", Title: "住所", Type: "string", Length: 200},
	{Name: "phone", Title: "联系电话", Type: "string", Length: 11, Element: "mobile", Personal: true, Grade: 2},
	{Name: "email", Title: "电子邮箱", Type: "string", Length: 100},
	{Name: "updated_at", Title: "更新时间", Type: "datetime"},
	{Name: "lat", Title: "纬度", Type: "number"},
	{Name: "lon", Title: "经度", Type: "number"},
	{Name: "scope", Title: "经营范围", Type: "string"},
	{Name: "status", Title: "登记状态", Type: "string", Length: 20},
	{Name: "registrar", Title: "登记机关", Type: "string", Length: 100},
	{Name: "tax_rate", Title: "税率", Type: "number"},
	{Name: "branches", Title: "分支机构数", Type: "integer"},
}

var (
	benchDistricts = []struct{ code, name string }{
		{"350102", "鼓楼区"}, {"350103", "台江区"}, {"350104", "仓山区"}, {"350105", "马尾区"}, {"350111", "晋安区"}, {"350112", "长乐区"},
	}
	benchSurnames  = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "林", "吴", "郑", "周", "徐"}
	benchGiven     = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"}
	benchWords     = []string{"闽江", "海峡", "榕城", "东方", "鑫源", "华兴", "恒达", "博远", "新创", "启明", "中天", "宏图"}
	benchTrades    = []string{"科技", "贸易", "建设", "物流", "餐饮", "信息技术", "电子商务", "文化传媒", "医药", "教育咨询"}
	benchIndustry  = []string{"I6510", "F5191", "E4813", "G5430", "H6210", "I6440", "L7212", "C3912"}
	benchStatuses  = []string{"存续", "在业", "迁出", "注销", "吊销"}
	benchPrefixes  = []string{"138", "139", "186", "135", "159", "177", "188", "152"}
	benchRegistrar = []string{"福州市市场监督管理局", "福州市鼓楼区市场监督管理局", "福州市仓山区市场监督管理局", "福州市晋安区市场监督管理局"}
)

// benchUSCC is the (valid) USCC of generated row i (1-based).
func benchUSCC(i int) string {
	return ident.CompleteUSCC(fmt.Sprintf("91350100%08d", 10000000+i))
}

// writeBenchCSV writes the generated file: a header of item titles, then rows; a share of
// invalid rows spread evenly (a bad USCC check character, a bad integer, an impossible date,
// a bad mobile number in turn).
func writeBenchCSV(path string, n int, invalid float64, seed uint64) error {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 4))
	titles := make([]string, len(ingestItems))
	for i, it := range ingestItems {
		titles[i] = it.Title
	}
	w.WriteString(strings.Join(titles, ",") + "\n")
	every := 0
	if invalid > 0 {
		every = int(1 / invalid)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, pubdata.ChinaTime)
	var b []byte
	for i := 1; i <= n; i++ {
		d := benchDistricts[r.IntN(len(benchDistricts))]
		uscc := benchUSCC(i)
		employees := strconv.Itoa(r.IntN(5000))
		founded := base.AddDate(-r.IntN(30), 0, -r.IntN(365)).Format("2006-01-02")
		phone := benchPrefixes[r.IntN(len(benchPrefixes))] + fmt.Sprintf("%08d", r.IntN(100000000))
		if every > 0 && i%every == 0 {
			switch (i / every) % 4 {
			case 0:
				uscc = uscc[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", uscc[17])+1)%31])
			case 1:
				employees = "约" + employees
			case 2:
				founded = "2023-02-30"
			case 3:
				phone = "100" + phone[3:]
			}
		}
		name := d.name[:len(d.name)-len("区")] + benchWords[r.IntN(len(benchWords))] + benchTrades[r.IntN(len(benchTrades))] + "有限公司"
		b = b[:0]
		b = append(b, uscc...)
		b = append(b, ',')
		b = append(b, "福州"+name...)
		b = append(b, ',')
		b = append(b, benchSurnames[r.IntN(len(benchSurnames))]+benchGiven[r.IntN(len(benchGiven))]...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(r.IntN(1000000))/100, 'f', 2, 64)
		b = append(b, ',')
		b = append(b, employees...)
		b = append(b, ',')
		b = append(b, founded...)
		b = append(b, ',')
		b = strconv.AppendBool(b, r.IntN(10) > 0)
		b = append(b, ',')
		b = append(b, benchIndustry[r.IntN(len(benchIndustry))]...)
		b = append(b, ',')
		b = append(b, d.code...)
		b = append(b, ',')
		b = append(b, "福建省福州市"+d.name+benchWords[r.IntN(len(benchWords))]+"路"+strconv.Itoa(1+r.IntN(300))+"号"...)
		b = append(b, ',')
		b = append(b, phone...)
		b = append(b, ',')
		b = append(b, "contact"+strconv.Itoa(i)+"@example.cn"...)
		b = append(b, ',')
		b = append(b, base.Add(time.Duration(r.IntN(300*24*3600))*time.Second).Format("2006-01-02 15:04:05")...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, 25.9+r.Float64()*0.3, 'f', 6, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, 119.2+r.Float64()*0.4, 'f', 6, 64)
		b = append(b, ',')
		b = append(b, `"`+benchTrades[r.IntN(len(benchTrades))]+"服务，"+benchTrades[r.IntN(len(benchTrades))]+`咨询（依法须经批准的项目，经相关部门批准后方可开展经营活动）"`...)
		b = append(b, ',')
		b = append(b, benchStatuses[r.IntN(len(benchStatuses))]...)
		b = append(b, ',')
		b = append(b, benchRegistrar[r.IntN(len(benchRegistrar))]...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, []float64{0.03, 0.06, 0.09, 0.13}[r.IntN(4)], 'f', 2, 64)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.IntN(20)), 10)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// benchEntry publishes a new table entry of the benchmark organisation for the file, as the
// system (the command line); returns it as published.
func benchDataEntry(ctx context.Context, a *app, title string) (*pubdata.Entry, error) {
	return benchDataEntryOf(ctx, a, title, ingestItems)
}

// benchDataEntryOf is benchDataEntry with the items given.
func benchDataEntryOf(ctx context.Context, a *app, title string, items []pubdata.Item) (*pubdata.Entry, error) {
	return benchDataEntryWith(ctx, a, title, items, nil)
}

// benchDataEntryWith is benchDataEntryOf with the fields changed by edit (when not nil)
// before the entry is created.
func benchDataEntryWith(ctx context.Context, a *app, title string, items []pubdata.Item, edit func(*pubdata.EntryFields)) (*pubdata.Entry, error) {
	const org = "bench-data"
	if _, err := a.orgs.FindOrgByCode(ctx, org); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: org, Name: "福州市市场监督管理局（基准测试）", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	f := &pubdata.EntryFields{
		Title: title, Summary: "pubdata bench ingest 生成的企业登记数据。", Category: "3", Format: pubdata.FormatTable,
		UpdateCycle: "daily", ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional,
		Division: "350100", Keywords: []string{"基准测试"}, Items: items,
	}
	if edit != nil {
		edit(f)
	}
	e, err := a.entries.CreateEntry(ctx, org, "", f)
	if err != nil {
		return nil, err
	}
	if _, err := a.entries.SubmitEntry(ctx, e.ID); err != nil {
		return nil, err
	}
	if _, err := a.entries.ReviewEntry(ctx, e.ID, true, "基准测试"); err != nil {
		return nil, err
	}
	return a.entries.FindPublishedEntry(ctx, e.ID)
}

// peakRSS resets (reset true) or reads the process's peak resident memory (VmHWM, Linux).
func peakRSS(reset bool) int64 {
	if reset {
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
		return 0
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

func benchIngest(ctx context.Context, a *app, w, progress io.Writer, n int, invalid float64, seed uint64, baseline, encrypted bool, cpuprofile string) error {
	fmt.Fprintf(w, "pubdata bench ingest: %s database, %d CPUs (%s/%s), %s; load average %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage())
	dir := filepath.Join(a.cfg.Data, "bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("ingest-%d-%g-%d.csv", n, invalid, seed))
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := writeBenchCSV(path, n, invalid, seed); err != nil {
			return fmt.Errorf("generate %s: %w", path, err)
		}
		fmt.Fprintf(w, "generated %s in %s\n", path, time.Since(start).Round(time.Millisecond))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "file: %d rows, %d columns, %s (UTF-8, titles in the header)\n\n", n, len(ingestItems), mb(fi.Size()))

	var baseRate, baseCPU float64
	if baseline {
		d, cpu, what, err := benchBaseline(ctx, a, path, dir)
		if err != nil {
			fmt.Fprintf(w, "baseline: %v\n", err)
		} else {
			baseRate, baseCPU = float64(n)/d.Seconds(), cpu.Seconds()
			fmt.Fprintf(w, "%-52s %8.2f s  %9.0f rows/s", what, d.Seconds(), baseRate)
			if cpu > 0 {
				fmt.Fprintf(w, "  cpu %.2f s", cpu.Seconds())
			}
			fmt.Fprintln(w)
		}
	}

	// The load, in clear (the policy encrypts nothing), then with two grade-3 items encrypted.
	policy := a.db.EncryptionPolicy()
	defer a.db.SetEncryptionPolicy(policy)
	type run struct {
		what  string
		items []pubdata.Item
		pol   pubdata.EncryptionPolicy
	}
	runs := []run{{"pubdata load (decode, validate, key, index)", ingestItems, pubdata.EncryptionPolicy{}}}
	if encrypted {
		items := slices.Clone(ingestItems)
		for i := range items {
			if items[i].Name == "uscc" || items[i].Name == "legal_rep" {
				items[i].Grade = 3
			}
		}
		runs = append(runs, run{"pubdata load, uscc and legal_rep encrypted", items, pubdata.EncryptionPolicy{Grade: 3}})
	}
	var clearRate float64
	var entries []string
	for i, r := range runs {
		a.db.SetEncryptionPolicy(r.pol)
		title := fmt.Sprintf("基准测试企业登记信息（%d 行，%s）", n, time.Now().Format("2006-01-02 15:04:05"))
		if r.pol.Grade > 0 {
			title = fmt.Sprintf("基准测试企业登记信息（%d 行，加密，%s）", n, time.Now().Format("2006-01-02 15:04:05"))
		}
		e, err := benchDataEntryOf(ctx, a, title, r.items)
		if err != nil {
			return err
		}
		profile := ""
		if i == len(runs)-1 {
			profile = cpuprofile
		}
		rate, cpu, err := benchLoadOnce(ctx, a, w, progress, e, path, fi.Size(), n, r.what, profile)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-52s %8.2f s  %9.0f rows/s  cpu %.2f s", r.what, float64(n)/rate, rate, cpu.Seconds())
		if baseRate > 0 {
			fmt.Fprintf(w, "  = %.0f%% of the baseline", 100*rate/baseRate)
			if baseCPU > 0 {
				fmt.Fprintf(w, " (cpu: %.0f%%)", 100*baseCPU/cpu.Seconds())
			}
		}
		if i > 0 && clearRate > 0 {
			fmt.Fprintf(w, ", %.0f%% of the clear load", 100*rate/clearRate)
		}
		fmt.Fprintln(w)
		if i == 0 {
			clearRate = rate
		}
		entries = append(entries, e.ID)
	}
	fmt.Fprintf(w, "load average after: %s\n", loadAverage())
	fmt.Fprintf(w, "\nentries: %s (bench rows --entry %s --as provider; bench download --entry %s)\n", strings.Join(entries, ", "), strings.Join(entries, ","), entries[0])
	return nil
}

// benchLoadOnce loads the file into e once and reports its rate (rows/s) and the process's
// CPU time during the load, with the batch's figures.
func benchLoadOnce(ctx context.Context, a *app, w, progress io.Writer, e *pubdata.Entry, path string, size int64, n int, what, cpuprofile string) (float64, time.Duration, error) {
	runtime.GC()
	peakRSS(true)
	stopProfile, err := startCPUProfile(cpuprofile)
	if err != nil {
		return 0, 0, err
	}
	defer stopProfile()
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	start, cpu0 := time.Now(), processCPU()
	src, err := datafile.Open(f, datafile.CSV, e.Items, datafile.Options{Size: size})
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	opt := pubdata.LoadOptions{Mode: pubdata.ModeAppend, OnError: pubdata.OnErrorSkip, Source: pubdata.SourceCLI, Format: "csv", FileName: filepath.Base(path)}
	last := time.Now()
	opt.Progress = func(p pubdata.Progress) {
		if time.Since(last) > 2*time.Second {
			last = time.Now()
			fmt.Fprintf(progress, "  %d rows, %.0f rows/s, %.0f%%\n", p.Rows, p.RowsPerSec, p.Percent)
		}
	}
	b, _, err := a.data.CreateBatch(ctx, e, opt)
	if err != nil {
		return 0, 0, err
	}
	b, err = a.data.RunBatch(ctx, e, b.ID, src, opt)
	if err != nil {
		return 0, 0, err
	}
	d, cpu := time.Since(start), processCPU()-cpu0
	peak := peakRSS(false)
	if b.Status != pubdata.BatchDone {
		return 0, 0, fmt.Errorf("the batch %s: %s", b.Status, b.Message)
	}
	// SQLite: the load's rows are committed; the copy of its log into the database file
	// runs after it in the background (sqlstore/checkpoint.go). Waited for and timed here,
	// apart, so that it does not run into the next measurement.
	ckpt := ""
	if a.db.Dialect() == sqlstore.SQLite {
		t, cpu1 := time.Now(), processCPU()
		if err := a.db.Checkpoint(ctx); err != nil {
			return 0, 0, err
		}
		ckpt = fmt.Sprintf("; its log copied into the database file after it, in the background: %s more (cpu %.2f s)", time.Since(t).Round(10*time.Millisecond), (processCPU() - cpu1).Seconds())
	}
	// Queryable: a key lookup answers.
	q := &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "uscc", Op: pubdata.OpEq, Values: []any{benchUSCC(n/2 + 1)}}}, Limit: 1, Fields: []string{"uscc", "name"}}
	found := 0
	lookup := time.Now()
	if _, _, err := a.rows.QueryRows(ctx, e, q, func([]any) error { found++; return nil }); err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(w, "  %s: batch %s: %d rows in, %d loaded, %d rejected; peak memory (VmHWM) %s; a key lookup afterwards: %d row in %s%s\n",
		what, b.ID, b.RowsIn, b.RowsLoaded, b.RowsRejected, mb(peak), found, time.Since(lookup).Round(time.Microsecond), ckpt)
	return float64(n) / d.Seconds(), cpu, nil
}

// benchBaseline times the database's own bulk loader on the file: sqlite3 .import into a
// new database file, or psql \copy into a new plain table of text columns.
func benchBaseline(ctx context.Context, a *app, path, dir string) (time.Duration, time.Duration, string, error) {
	if !a.cfg.IsPostgres() {
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			return 0, 0, "", errors.New("sqlite3 is not installed (apt-get install sqlite3); no baseline")
		}
		db := filepath.Join(dir, "baseline.db")
		os.Remove(db)
		defer os.Remove(db)
		start := time.Now()
		cmd := exec.CommandContext(ctx, bin, db, ".import --csv "+path+" plain")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, 0, "", fmt.Errorf("sqlite3 .import: %v: %s", err, out)
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		return time.Since(start), cpu, "baseline: sqlite3 .import (text, no checks)", nil
	}
	bin, err := exec.LookPath("psql")
	if err != nil {
		return 0, 0, "", errors.New("psql is not installed; no baseline")
	}
	dsn := a.cfg.DSN()
	cols := make([]string, len(ingestItems))
	for i, it := range ingestItems {
		cols[i] = it.Name + " text"
	}
	run := func(cmd string) error {
		out, err := exec.CommandContext(ctx, bin, dsn, "-v", "ON_ERROR_STOP=1", "-qc", cmd).CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql: %v: %s", err, out)
		}
		return nil
	}
	if err := run("DROP TABLE IF EXISTS bench_plain; CREATE TABLE bench_plain (" + strings.Join(cols, ", ") + ")"); err != nil {
		return 0, 0, "", err
	}
	defer run("DROP TABLE IF EXISTS bench_plain")
	start := time.Now()
	if err := run(`\copy bench_plain FROM '` + path + `' CSV HEADER`); err != nil {
		return 0, 0, "", err
	}
	// The server does the work: its CPU is not this process's to count.
	return time.Since(start), 0, `baseline: psql \copy (text, no checks)`, nil
}

// --- key lookups over HTTP ---

func benchRowsCommand() *command {
	cmd := &command{
		name:     "bench rows",
		synopsis: "--entry ID [--rate 500] [--duration 20s] [--rows N] [--data DIR | --db DSN]",
		summary:  "measure key lookups GET /rows?_key=… over HTTP on loopback at a fixed rate",
		help: "Bench rows serves the platform on a loopback port in this process and sends GET\n" +
			"/api/v1/entries/{id}/rows?_key=<uscc> requests anonymously at --rate per second for\n" +
			"--duration after --warmup (3 s) at the same rate (open loop: latency counts from each\n" +
			"request's scheduled time, so a slow server cannot hide its queue), for keys of the\n" +
			"table bench ingest generated (--rows: its row count). It prints p50/p95/p99/max\n" +
			"latency, the rate sent (and how late the sender was) and achieved, errors, the\n" +
			"process's CPU time of the measured requests and the load average. Warm-up requests\n" +
			"that fail or time out are counted and shown, not fatal (unless all fail).\n" +
			"--entry may name several entries (comma-separated): each is measured in turn, in the same\n" +
			"run. --as provider sends the requests with a token of a member of the providing\n" +
			"organisation (created once), who reads grade-3 keys in clear: the key lookups on an\n" +
			"encrypted key (bench ingest's second entry) go through the blind index.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		entry := fs.String("entry", "", "the entry bench ingest loaded")
		rate := fs.Int("rate", 500, "requests per second")
		dur := fs.Duration("duration", 20*time.Second, "how long to send")
		warmup := fs.Duration("warmup", 3*time.Second, "how long to send at the rate before measuring")
		rows := fs.Int("rows", 1000000, "rows of the file bench ingest loaded (its --rows)")
		invalid := fs.Float64("invalid", 0.02, "share of invalid rows in that file (its --invalid)")
		cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measured requests (after the warm-up) to this file")
		as := fs.String("as", "anonymous", "who asks: anonymous, or provider (a member of bench-data with a token)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *entry == "" || *rate < 1 || *dur <= 0 || *rows < 1 || *warmup < 0 {
			return usagef("%s: --entry is required; --rate, --duration and --rows must be positive", cmd.name)
		}
		if *as != "anonymous" && *as != "provider" {
			return usagef("%s: --as is anonymous or provider", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			token := ""
			if *as == "provider" {
				var err error
				if token, err = benchProviderToken(ctx, a); err != nil {
					return err
				}
			}
			for i, id := range strings.Split(*entry, ",") {
				if i > 0 {
					fmt.Fprintln(c.stdout)
				}
				if err := benchRows(ctx, a, c.stdout, strings.TrimSpace(id), *rate, *dur, *warmup, *rows, *invalid, *cpuprofile, token); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return cmd
}

// benchServe serves the app's handler on a loopback port until the returned stop, with the
// server's garbage collection settings and without rate limits (the benchmarks send hundreds of anonymous requests a second from one address).
func benchServe(a *app) (string, func(), error) {
	a.cfg.RateLimit, a.cfg.AnonRateLimit = 0, 0
	h, err := a.handler()
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	serverGC(ctx) // as pubdata serve
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close(); cancel() }, nil
}

// benchProviderToken returns a new API token of bench-data-reader, a member of the
// benchmark's providing organisation (created the first time).
func benchProviderToken(ctx context.Context, a *app) (string, error) {
	const username = "bench-data-reader"
	u, err := a.users.FindUserByUsername(ctx, username)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		pw := make([]byte, 16)
		crand.Read(pw)
		u, err = a.users.CreateUser(ctx, &pubdata.UserCreate{Username: username, Password: hex.EncodeToString(pw), OrgCode: "bench-data", Role: pubdata.RoleMember})
	}
	if err != nil {
		return "", fmt.Errorf("bench reader: %w", err)
	}
	_, secret, err := a.tokens.CreateToken(ctx, u.ID, "bench rows", time.Hour)
	return secret, err
}

func benchRows(ctx context.Context, a *app, w io.Writer, entry string, rate int, dur, warmup time.Duration, n int, invalid float64, cpuprofile, token string) error {
	who := "anonymously"
	if token != "" {
		who = "as a member of the provider"
	}
	fmt.Fprintf(w, "pubdata bench rows: %s database, %d CPUs, %d requests/s for %s after %s of warm-up, entry %s, %s; load average %s\n", dialectName(a.cfg), runtime.NumCPU(), rate, dur, warmup, entry, who, loadAverage())
	if e, err := a.entries.FindPublishedEntry(ctx, entry); err == nil {
		for _, it := range e.Items {
			if it.Key {
				fmt.Fprintf(w, "key %s: grade %d, encrypted: %v\n", it.Name, it.Grade, a.db.EncryptionPolicy().Encrypts(it))
			}
		}
	}
	cpu0 := processCPU()
	defer func() {
		fmt.Fprintf(w, "process CPU during the run (warm-up included): %.2f s\n", (processCPU() - cpu0).Seconds())
	}()
	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 10 * time.Second}
	get := func(key string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/entries/"+url.PathEscape(entry)+"/rows?_key="+url.QueryEscape(key), nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), key) {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
		}
		return nil
	}
	r := rand.New(rand.NewPCG(7, 7))
	every := 0
	if invalid > 0 {
		every = int(1 / invalid)
	}
	// key returns the key of a random row that loaded (writeBenchCSV's invalid rows did not).
	key := func() string {
		for {
			i := 1 + r.IntN(n)
			if every == 0 || i%every != 0 {
				return benchUSCC(i)
			}
		}
	}
	// Warm-up at the rate, so that the steady state is measured: the connection pool grown
	// to the load's concurrency (a new PostgreSQL connection costs milliseconds) and the
	// statements prepared on each connection. On a loaded machine some of its requests time
	// out (the client's 10 s): they are counted and shown, and only a warm-up of which every
	// request failed (a wrong entry, a refused token) stops the run.
	if warm := int(float64(rate) * warmup.Seconds()); warm > 0 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var werr error
		failed := 0
		interval := time.Second / time.Duration(rate)
		start := time.Now()
		for i := range warm {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			k := key()
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := get(k); err != nil {
					mu.Lock()
					failed++
					if werr == nil {
						werr = err
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		switch {
		case failed == warm:
			return fmt.Errorf("warm-up: all %d requests failed: %w", warm, werr)
		case failed > 0:
			fmt.Fprintf(w, "warm-up: %d of %d requests failed in %s (first: %v)\n", failed, warm, time.Since(start).Round(time.Millisecond), werr)
		default:
			fmt.Fprintf(w, "warm-up: %d requests in %s\n", warm, time.Since(start).Round(time.Millisecond))
		}
	}
	stopProfile, err := startCPUProfile(cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	total := int(float64(rate) * dur.Seconds())
	lat := make([]time.Duration, total)
	late := make([]time.Duration, total) // how late the sender started each request
	errs := make([]error, total)
	interval := time.Second / time.Duration(rate)
	start, cpu1 := time.Now(), processCPU()
	var wg sync.WaitGroup
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		late[i] = time.Since(at)
		key := key()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = get(key)
			lat[i] = time.Since(at)
		}(i)
	}
	sent := time.Since(start)
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU()-cpu1
	failed := 0
	var firstErr error
	for _, err := range errs {
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	slices.Sort(lat)
	slices.Sort(late)
	fmt.Fprintf(w, "%d requests sent in %s (%.0f/s; the sender late by p99 %s ms, max %s ms), all answered in %s (%.0f/s), %d failed\n",
		total, sent.Round(time.Millisecond), float64(total)/sent.Seconds(), ms(percentile(late, 99)), ms(late[len(late)-1]),
		elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), failed)
	fmt.Fprintf(w, "latency p50 %s ms, p95 %s ms, p99 %s ms, max %s ms\n", ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99)), ms(lat[len(lat)-1]))
	fmt.Fprintf(w, "process CPU of the measured requests (server and client): %.2f s, %.2f ms a request; load average %s\n", cpu.Seconds(), 1000*cpu.Seconds()/float64(total), loadAverage())
	if firstErr != nil {
		fmt.Fprintf(w, "first error: %v\n", firstErr)
	}
	return nil
}

// --- the full CSV download ---

func benchDownloadCommand() *command {
	cmd := &command{
		name:     "bench download",
		synopsis: "--entry ID [--format csv] [--data DIR | --db DSN]",
		summary:  "measure the full download of an entry's table over HTTP on loopback",
		help: "Bench download serves the platform on a loopback port in this process and downloads\n" +
			"GET /api/v1/entries/{id}/rows?_format=csv (the whole table, streamed), printing bytes,\n" +
			"rows, MB/s and the process's peak memory during the download.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		entry := fs.String("entry", "", "the entry to download")
		format := fs.String("format", "csv", "csv, ndjson, json or xlsx")
		cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the download to this file")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *entry == "" {
			return usagef("%s: --entry is required", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchDownload(ctx, a, c.stdout, *entry, *format, *cpuprofile)
		})
	}
	return cmd
}

func benchDownload(ctx context.Context, a *app, w io.Writer, entry, format, cpuprofile string) error {
	fmt.Fprintf(w, "pubdata bench download: %s database, %d CPUs, format %s\n", dialectName(a.cfg), runtime.NumCPU(), format)
	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	runtime.GC()
	peakRSS(true)
	stopProfile, err := startCPUProfile(cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	start := time.Now()
	resp, err := http.Get(base + "/api/v1/entries/" + url.PathEscape(entry) + "/rows?_format=" + url.QueryEscape(format))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	var size, lines int64
	buf := make([]byte, 1<<20)
	for {
		k, err := resp.Body.Read(buf)
		size += int64(k)
		for _, c := range buf[:k] {
			if c == '\n' {
				lines++
			}
		}
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
	}
	d := time.Since(start)
	fmt.Fprintf(w, "%s (%d lines) in %.2f s: %.1f MB/s; peak memory of the process (server and client): %s\n",
		mb(size), lines, d.Seconds(), float64(size)/(1<<20)/d.Seconds(), mb(peakRSS(false)))
	return nil
}

// startCPUProfile writes a CPU profile to path ("" none) until the returned stop is called,
// which also writes the heap profile (live objects at that moment) to path + ".heap".
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		if h, err := os.Create(path + ".heap"); err == nil {
			runtime.GC()
			pprof.WriteHeapProfile(h)
			h.Close()
		}
	}, nil
}
