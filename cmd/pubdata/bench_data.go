package main

import (
	"bufio"
	"context"
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
			"and prints rows/s of both, their ratio and the process's peak memory during the load.\n" +
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
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *rows < 1 || *invalid < 0 || *invalid >= 1 {
			return usagef("%s: --rows must be ≥ 1 and --invalid in [0, 1)", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchIngest(ctx, a, c.stdout, c.stderr, *rows, *invalid, *seed, *baseline, *cpuprofile)
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
	const org = "bench-data"
	if _, err := a.orgs.FindOrgByCode(ctx, org); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: org, Name: "福州市市场监督管理局（基准测试）", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	e, err := a.entries.CreateEntry(ctx, org, "", &pubdata.EntryFields{
		Title: title, Summary: "pubdata bench ingest 生成的企业登记数据。", Category: "3", Format: pubdata.FormatTable,
		UpdateCycle: "daily", ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional,
		Division: "350100", Keywords: []string{"基准测试"}, Items: ingestItems,
	})
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

func benchIngest(ctx context.Context, a *app, w, progress io.Writer, n int, invalid float64, seed uint64, baseline bool, cpuprofile string) error {
	fmt.Fprintf(w, "pubdata bench ingest: %s database, %d CPUs (%s/%s), %s\n", dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
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

	var baseRate float64
	if baseline {
		d, what, err := benchBaseline(ctx, a, path, dir)
		if err != nil {
			fmt.Fprintf(w, "baseline: %v\n", err)
		} else {
			baseRate = float64(n) / d.Seconds()
			fmt.Fprintf(w, "%-44s %8.2f s  %9.0f rows/s\n", what, d.Seconds(), baseRate)
		}
	}

	e, err := benchDataEntry(ctx, a, fmt.Sprintf("基准测试企业登记信息（%d 行，%s）", n, time.Now().Format("2006-01-02 15:04:05")))
	if err != nil {
		return err
	}
	runtime.GC()
	peakRSS(true)
	stopProfile, err := startCPUProfile(cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	src, err := datafile.Open(f, datafile.CSV, e.Items, datafile.Options{Size: fi.Size()})
	if err != nil {
		return err
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
		return err
	}
	b, err = a.data.RunBatch(ctx, e, b.ID, src, opt)
	if err != nil {
		return err
	}
	d := time.Since(start)
	peak := peakRSS(false)
	if b.Status != pubdata.BatchDone {
		return fmt.Errorf("the batch %s: %s", b.Status, b.Message)
	}
	// Queryable: a key lookup answers.
	q := &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "uscc", Op: pubdata.OpEq, Values: []any{benchUSCC(n/2 + 1)}}}, Limit: 1, Fields: []string{"uscc", "name"}}
	found := 0
	lookup := time.Now()
	if _, _, err := a.rows.QueryRows(ctx, e, q, func([]any) error { found++; return nil }); err != nil {
		return err
	}
	rate := float64(n) / d.Seconds()
	fmt.Fprintf(w, "%-44s %8.2f s  %9.0f rows/s", "pubdata load (decode, validate, key, index)", d.Seconds(), rate)
	if baseRate > 0 {
		fmt.Fprintf(w, "  = %.0f%% of the baseline", 100*rate/baseRate)
	}
	fmt.Fprintf(w, "\n\nbatch %s: %d rows in, %d loaded, %d rejected (%s)\n", b.ID, b.RowsIn, b.RowsLoaded, b.RowsRejected, b.Message)
	fmt.Fprintf(w, "peak memory of the process during the load (VmHWM): %s\n", mb(peak))
	fmt.Fprintf(w, "a key lookup afterwards: %d row in %s\n", found, time.Since(lookup).Round(time.Microsecond))
	fmt.Fprintf(w, "entry: %s (bench rows --entry %s; bench download --entry %s)\n", e.ID, e.ID, e.ID)
	return nil
}

// benchBaseline times the database's own bulk loader on the file: sqlite3 .import into a
// new database file, or psql \copy into a new plain table of text columns.
func benchBaseline(ctx context.Context, a *app, path, dir string) (time.Duration, string, error) {
	if !a.cfg.IsPostgres() {
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			return 0, "", errors.New("sqlite3 is not installed (apt-get install sqlite3); no baseline")
		}
		db := filepath.Join(dir, "baseline.db")
		os.Remove(db)
		defer os.Remove(db)
		start := time.Now()
		out, err := exec.CommandContext(ctx, bin, db, ".import --csv "+path+" plain").CombinedOutput()
		if err != nil {
			return 0, "", fmt.Errorf("sqlite3 .import: %v: %s", err, out)
		}
		return time.Since(start), "baseline: sqlite3 .import (text, no checks)", nil
	}
	bin, err := exec.LookPath("psql")
	if err != nil {
		return 0, "", errors.New("psql is not installed; no baseline")
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
		return 0, "", err
	}
	defer run("DROP TABLE IF EXISTS bench_plain")
	start := time.Now()
	if err := run(`\copy bench_plain FROM '` + path + `' CSV HEADER`); err != nil {
		return 0, "", err
	}
	return time.Since(start), `baseline: psql \copy (text, no checks)`, nil
}

// --- key lookups over HTTP ---

func benchRowsCommand() *command {
	cmd := &command{
		name:     "bench rows",
		synopsis: "--entry ID [--rate 500] [--duration 20s] [--rows N] [--data DIR | --db DSN]",
		summary:  "measure key lookups GET /rows?_key=… over HTTP on loopback at a fixed rate",
		help: "Bench rows serves the platform on a loopback port in this process and sends GET\n" +
			"/api/v1/entries/{id}/rows?_key=<uscc> requests anonymously at --rate per second for\n" +
			"--duration after 3 s of warm-up at the same rate (open loop: latency counts from each\n" +
			"request's scheduled time, so a slow\n" +
			"server cannot hide its queue), for keys of the table bench ingest generated (--rows:\n" +
			"its row count). It prints p50/p95/p99/max latency, the rate achieved and errors.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		entry := fs.String("entry", "", "the entry bench ingest loaded")
		rate := fs.Int("rate", 500, "requests per second")
		dur := fs.Duration("duration", 20*time.Second, "how long to send")
		rows := fs.Int("rows", 1000000, "rows of the file bench ingest loaded (its --rows)")
		invalid := fs.Float64("invalid", 0.02, "share of invalid rows in that file (its --invalid)")
		cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measured requests (after the warm-up) to this file")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *entry == "" || *rate < 1 || *dur <= 0 || *rows < 1 {
			return usagef("%s: --entry is required; --rate, --duration and --rows must be positive", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchRows(ctx, a, c.stdout, *entry, *rate, *dur, *rows, *invalid, *cpuprofile)
		})
	}
	return cmd
}

// benchServe serves the app's handler on a loopback port until the returned stop, with the
// server's garbage collection settings and without rate limits (the benchmarks send hundreds of anonymous requests a second from one address).
func benchServe(a *app) (string, func(), error) {
	serverGC() // as pubdata serve
	a.cfg.RateLimit, a.cfg.AnonRateLimit = 0, 0
	h, err := a.handler()
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

func benchRows(ctx context.Context, a *app, w io.Writer, entry string, rate int, dur time.Duration, n int, invalid float64, cpuprofile string) error {
	fmt.Fprintf(w, "pubdata bench rows: %s database, %d CPUs, %d requests/s for %s\n", dialectName(a.cfg), runtime.NumCPU(), rate, dur)
	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 10 * time.Second}
	get := func(key string) error {
		resp, err := client.Get(base + "/api/v1/entries/" + url.PathEscape(entry) + "/rows?_key=" + url.QueryEscape(key))
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
	// Warm-up at the rate for 3 s, so that the steady state is measured: the connection pool
	// grown to the load's concurrency (a new PostgreSQL connection costs milliseconds) and
	// the statements prepared on each connection.
	{
		var wg sync.WaitGroup
		var mu sync.Mutex
		var werr error
		interval := time.Second / time.Duration(rate)
		start := time.Now()
		for i := range 3 * rate {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			k := key()
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := get(k); err != nil {
					mu.Lock()
					werr = err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if werr != nil {
			return fmt.Errorf("warm-up: %w", werr)
		}
	}
	stopProfile, err := startCPUProfile(cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	total := int(float64(rate) * dur.Seconds())
	lat := make([]time.Duration, total)
	errs := make([]error, total)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		key := key()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = get(key)
			lat[i] = time.Since(at)
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
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
	fmt.Fprintf(w, "%d requests in %s (%.0f/s), %d failed\n", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), failed)
	fmt.Fprintf(w, "latency p50 %s ms, p95 %s ms, p99 %s ms, max %s ms\n", ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99)), ms(lat[len(lat)-1]))
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

// startCPUProfile writes a CPU profile to path ("" none) until the returned stop is called.
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
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
