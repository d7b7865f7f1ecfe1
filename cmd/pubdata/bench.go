package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/pubdata/pubdata"
)

func benchSearchCommand() *command {
	cmd := &command{
		name:     "bench search",
		synopsis: "[--entries 100000] [--queries 500] [--workers N] [--data DIR | --db DSN]",
		summary:  "measure catalogue search latency over generated entries",
		help: "Bench search fills the database with generated, realistic published catalogue entries of\n" +
			"benchmark organisations (bench-*) until there are --entries of them (a second run reuses\n" +
			"them), published in bulk --batch a transaction with the search index an approval writes\n" +
			"(--workflow: through create, submit and approve instead), then runs --queries\n" +
			"searches (two-character Chinese words, longer phrases, English words, with and without\n" +
			"facets and filters) and prints p50/p95/p99 latency (and the process's CPU time) by kind of\n" +
			"query and the slowest.\n" +
			"Use a database of its own: the entries stay there.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var opt benchOptions
		fs.IntVar(&opt.Entries, "entries", 100000, "published benchmark entries to search over")
		fs.IntVar(&opt.Queries, "queries", 500, "searches to time")
		fs.IntVar(&opt.Workers, "workers", 0, "concurrent writers while generating entries (default 1 on SQLite, 4 on PostgreSQL)")
		fs.Uint64Var(&opt.Seed, "seed", 1, "seed of the generated entries and queries")
		fs.StringVar(&opt.Kind, "kind", "", "time only the queries of this kind (e.g. \"zh phrase\")")
		fs.StringVar(&opt.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed searches to this file")
		fs.IntVar(&opt.Batch, "batch", 1000, "entries published per transaction when generating in bulk")
		fs.BoolVar(&opt.Workflow, "workflow", false, "generate through the workflow (create, submit, approve: three transactions an entry) instead of in bulk")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if opt.Entries < 0 || opt.Queries < 1 || opt.Workers < 0 || opt.Batch < 1 {
			return usagef("%s: --entries must be ≥ 0, --queries ≥ 1, --workers ≥ 1, --batch ≥ 1", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchSearch(ctx, a, c.stdout, opt)
		})
	}
	return cmd
}

type benchOptions struct {
	Entries, Queries, Workers int
	Seed                      uint64
	Kind                      string // only the queries of this kind, when not ""
	CPUProfile                string // file of the timed searches' CPU profile, when not ""
	// Batch is the entries published per transaction in bulk; Workflow generates through the
	// workflow's three steps instead (the first benchmarks' way: 9–140 entries/s).
	Batch    int
	Workflow bool
}

// Benchmark organisations: departments of the province and of each city.
var (
	benchCities = []struct{ Code, Name string }{
		{"350000", "福建省"}, {"350100", "福州市"}, {"350200", "厦门市"}, {"350300", "莆田市"}, {"350400", "三明市"},
		{"350500", "泉州市"}, {"350600", "漳州市"}, {"350700", "南平市"}, {"350800", "龙岩市"}, {"350900", "宁德市"},
	}
	benchDepts = []struct{ Code, Name string }{
		{"ga", "公安局"}, {"scjg", "市场监督管理局"}, {"wjw", "卫生健康委员会"}, {"jt", "交通运输局"},
		{"sthj", "生态环境局"}, {"rs", "人力资源和社会保障局"}, {"jy", "教育局"}, {"zrzy", "自然资源局"},
		{"zj", "住房和城乡建设局"}, {"ny", "农业农村局"}, {"mz", "民政局"}, {"wl", "文化和旅游局"},
	}
)

// benchSubject is a theme of generated entries with its English name and typical items.
type benchSubject struct {
	zh, en string
	items  []string // demoItem syntax
}

var (
	benchSubjects = []benchSubject{
		{"企业", "enterprise", []string{"uscc 统一社会信用代码 string 18 K @uscc", "name 企业名称 string 200", "legal_representative 法定代表人 string 50 P G2 @name"}},
		{"个体工商户", "individual business", []string{"uscc 统一社会信用代码 string 18 K @uscc", "operator 经营者姓名 string 50 P G2 @name"}},
		{"人口", "population", []string{"resident_id 公民身份号码 string 18 K P G4 @resident_id", "name 姓名 string 50 P G3 @name", "birth_date 出生日期 date P G3 @birth_date"}},
		{"户籍", "household registration", []string{"resident_id 公民身份号码 string 18 K P G4 @resident_id", "address 户籍地址 string 200 P G3 @address"}},
		{"社会保险", "social insurance", []string{"resident_id 公民身份号码 string 18 K P G4 @resident_id", "insurance_type 险种 string 20"}},
		{"医疗机构", "medical institution", []string{"licence_no 执业许可证号 string 30 K", "beds 床位数 integer"}},
		{"药品", "drug", []string{"approval_no 批准文号 string 30 K", "drug_name 药品名称 string 100"}},
		{"食品", "food", []string{"licence_no 许可证编号 string 20 K", "operator_name 经营者名称 string 200"}},
		{"道路运输", "road transport", []string{"licence_no 道路运输经营许可证号 string 20 K", "scope 经营范围 string 200"}},
		{"公交", "bus", []string{"stop_id 站点编号 string 20 K", "stop_name 站点名称 string 100", "longitude 经度 number", "latitude 纬度 number"}},
		{"空气质量", "air quality", []string{"station_code 监测站代码 string 10 K", "aqi 空气质量指数 integer", "pm25 PM2.5浓度 number"}},
		{"水质", "water quality", []string{"section_code 断面代码 string 10 K", "ph pH值 number", "grade 水质类别 string 5"}},
		{"排污", "pollutant discharge", []string{"permit_no 排污许可证编号 string 30 K", "unit_uscc 统一社会信用代码 string 18 @uscc"}},
		{"学校", "school", []string{"school_code 学校标识码 string 10 K", "name 学校名称 string 200", "students 在校生数 integer"}},
		{"教师", "teacher", []string{"certificate_no 教师资格证书号 string 20 K", "name 姓名 string 50 P G2 @name"}},
		{"不动产", "real estate", []string{"unit_no 不动产单元号 string 28 K G3", "owner_id 权利人证件号 string 18 P G4 @resident_id", "area 面积 number"}},
		{"土地", "land", []string{"parcel_no 宗地代码 string 19 K", "use 用途 string 20", "area 面积 number"}},
		{"建筑工程", "construction project", []string{"project_code 项目代码 string 24 K", "builder_uscc 建设单位统一社会信用代码 string 18 @uscc"}},
		{"住房公积金", "housing provident fund", []string{"account_no 个人账号 string 20 K P G3", "resident_id 公民身份号码 string 18 P G4 @resident_id", "balance 余额 number P G3"}},
		{"养老服务", "elderly care", []string{"org_code 机构代码 string 18 K @uscc", "beds 床位数 integer"}},
		{"婚姻", "marriage", []string{"certificate_no 结婚证字号 string 20 K P G3", "resident_id 公民身份号码 string 18 P G4 @resident_id"}},
		{"社会组织", "social organisation", []string{"uscc 统一社会信用代码 string 18 K @uscc", "name 组织名称 string 200"}},
		{"农产品", "agricultural product", []string{"batch_no 批次号 string 20 K", "product 品名 string 50"}},
		{"旅游景区", "tourist attraction", []string{"scenic_id 景区编号 string 20 K", "name 景区名称 string 100", "level 等级 string 5"}},
		{"文物", "cultural relic", []string{"relic_id 文物编号 string 20 K", "name 名称 string 100", "era 年代 string 20"}},
		{"专利", "patent", []string{"patent_no 专利号 string 20 K", "title 专利名称 string 200"}},
		{"气象", "weather", []string{"station_id 站号 string 10 K", "observed_at 观测时间 datetime K", "temperature 气温 number"}},
		{"消防", "fire safety", []string{"unit_uscc 单位统一社会信用代码 string 18 K @uscc", "inspected_on 检查日期 date"}},
		{"水利工程", "water conservancy project", []string{"project_code 工程代码 string 20 K", "capacity 库容 number"}},
		{"港口", "port", []string{"berth_id 泊位编号 string 20 K", "tonnage 吨级 integer"}},
	}
	benchActions = []struct{ zh, en string }{
		{"登记", "registration"}, {"许可", "permit"}, {"行政处罚", "penalty"}, {"监督检查", "inspection"},
		{"监测", "monitoring"}, {"统计", "statistics"}, {"备案", "filing"}, {"补贴", "subsidy"},
		{"名录", "directory"}, {"审批", "approval"}, {"证照", "licence"}, {"评价", "evaluation"},
		{"投诉", "complaint"}, {"年报", "annual report"}, {"变更", "change"}, {"注销", "deregistration"},
	}
	benchSuffixes = []string{"信息", "数据", "记录", "清单", "台账", "目录"}
	benchItems    = []string{
		"division 行政区划代码 string 6 @division", "address 地址 string 200 @address", "mobile 联系电话 string 11 P G3 @mobile",
		"status 状态 string 10", "valid_from 有效期起 date", "valid_to 有效期止 date", "updated_at 更新时间 datetime",
		"remarks 备注 string 500", "amount 金额 number", "count 数量 integer", "authority 办理机关 string 100", "decided_on 决定日期 date",
	}
	benchCycles = []string{"realtime", "daily", "daily", "weekly", "monthly", "monthly", "quarterly", "semiannual", "yearly", "irregular"}
)

// benchOrgCode is the code of the benchmark department d of city c.
func benchOrgCode(c, d int) string { return "bench-" + benchCities[c].Code + "-" + benchDepts[d].Code }

// benchEntry returns the i-th generated entry: its provider and fields. It depends only on
// the seed and i, so a resumed run generates the same catalogue.
func benchEntry(seed uint64, i int) (string, *pubdata.EntryFields) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	c, d := r.IntN(len(benchCities)), r.IntN(len(benchDepts))
	city, dept := benchCities[c], benchDepts[d]
	subj := benchSubjects[r.IntN(len(benchSubjects))]
	act := benchActions[r.IntN(len(benchActions))]
	title := subj.zh + act.zh + benchSuffixes[r.IntN(len(benchSuffixes))]
	if c > 0 && r.IntN(3) == 0 {
		title = city.Name + title
	}
	if r.IntN(4) == 0 {
		title += fmt.Sprintf("（%d年）", 2015+r.IntN(11))
	}
	cycle := benchCycles[r.IntN(len(benchCycles))]
	f := &pubdata.EntryFields{
		Title: title,
		Summary: fmt.Sprintf("%s%s在履行职责中产生的%s%s数据，覆盖%s全域，按%s更新。",
			city.Name, dept.Name, subj.zh, act.zh, city.Name, map[string]string{
				"realtime": "实时", "daily": "日", "weekly": "周", "monthly": "月", "quarterly": "季度",
				"semiannual": "半年", "yearly": "年", "irregular": "需要不定期"}[cycle]),
		Category:    fmt.Sprintf("3%02d%03d", d+1, r.IntN(20)+1),
		Format:      pubdata.Formats[r.IntN(len(pubdata.Formats))],
		UpdateCycle: cycle,
		Division:    city.Code,
		Keywords:    []string{subj.zh, act.zh},
		Items:       []pubdata.Item{},
	}
	if r.IntN(5) < 2 {
		f.Summary += fmt.Sprintf(" %s %s records of %s, updated %s.", strings.ToUpper(subj.en[:1])+subj.en[1:], act.en, city.Name, cycle)
	}
	if r.IntN(3) == 0 {
		f.Keywords = append(f.Keywords, city.Name)
	}
	switch n := r.IntN(10); {
	case n < 6:
		f.ShareClass = pubdata.ClassUnconditional
	case n < 9:
		f.ShareClass, f.ShareConditions = pubdata.ClassConditional, "仅限政务部门依法履职使用，经申请授权后共享。"
	default:
		f.ShareClass, f.ShareBasis = pubdata.ClassNone, "涉及国家秘密或敏感个人信息，依法不予共享。"
	}
	switch n := r.IntN(10); {
	case f.ShareClass == pubdata.ClassNone || n < 3:
		f.OpenClass, f.OpenBasis = pubdata.ClassNone, "含个人信息或商业秘密，依法不予开放。"
	case n < 6:
		f.OpenClass, f.OpenConditions = pubdata.ClassConditional, "经实名注册并签订数据使用协议后开放。"
	default:
		f.OpenClass = pubdata.ClassUnconditional
	}
	names := map[string]bool{}
	add := func(s string) {
		it := demoItem(s)
		if !names[it.Name] {
			names[it.Name] = true
			f.Items = append(f.Items, it)
		}
	}
	for _, s := range subj.items {
		add(s)
	}
	for n := r.IntN(6); n > 0; n-- {
		add(benchItems[r.IntN(len(benchItems))])
	}
	if f.Format != pubdata.FormatTable && r.IntN(2) == 0 {
		f.Items = []pubdata.Item{}
	}
	return benchOrgCode(c, d), f
}

// benchSearch generates the entries that are missing, then times the queries.
func benchSearch(ctx context.Context, a *app, w io.Writer, opt benchOptions) error {
	fmt.Fprintf(w, "pubdata bench search: %s database, %d CPUs (%s/%s), %s\n",
		dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	var orgs []string
	for c := range benchCities {
		for d := range benchDepts {
			orgs = append(orgs, benchOrgCode(c, d))
		}
	}
	for c, city := range benchCities {
		for d, dept := range benchDepts {
			o := &pubdata.Org{Code: benchOrgCode(c, d), Name: city.Name + dept.Name + "（基准测试）", Kind: pubdata.KindPublicBody, Division: city.Code}
			if _, err := a.orgs.FindOrgByCode(ctx, o.Code); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
				if err := a.orgs.CreateOrg(ctx, o); err != nil {
					return fmt.Errorf("bench organisation %s: %w", o.Code, err)
				}
			} else if err != nil {
				return err
			}
		}
	}
	benchOrgs := pubdata.CatalogFilter{Field: "org", Values: orgs}
	have, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{benchOrgs}, Limit: 1})
	if err != nil {
		return err
	}
	if have.Total < opt.Entries && !opt.Workflow {
		if err := benchGenerateBulk(ctx, a, w, opt, have.Total); err != nil {
			return err
		}
		start := time.Now()
		if err := a.db.Optimize(ctx); err != nil {
			return err
		}
		fmt.Fprintf(w, "optimized the database in %s\n", time.Since(start).Round(time.Millisecond))
	} else if have.Total < opt.Entries {
		if opt.Workers == 0 {
			// On SQLite one writer: every table entry's publication creates a table, and a
			// connection whose schema another connection changed parses the whole schema again
			// at its next statement — inside the write lock, for a writer. With four writers
			// nearly every transaction did: at 9,000 entries (3,000 tables) 45 entries/s against
			// 85 with one writer, and a run of four stopped at 18,419 entries on SQLITE_SCHEMA
			// (docs/BENCHMARKS.md). One writer reuses one connection, whose schema stays current.
			opt.Workers = 4
			if !a.cfg.IsPostgres() {
				opt.Workers = 1
			}
		}
		if err := benchGenerate(ctx, a, w, opt, have.Total); err != nil {
			return err
		}
		// What autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would do after a bulk
		// load: statistics, and PostgreSQL's visibility map for index-only scans.
		start := time.Now()
		if err := a.db.Optimize(ctx); err != nil {
			return err
		}
		fmt.Fprintf(w, "optimized the database in %s\n", time.Since(start).Round(time.Millisecond))
	}
	all, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Limit: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "published catalogue: %d entries\n\n", all.Total)
	return benchQueries(ctx, a, w, opt, orgs)
}

func dialectName(cfg *Config) string {
	if cfg.IsPostgres() {
		return "PostgreSQL"
	}
	return "SQLite"
}

// benchGenerate creates, submits and approves entries from, through the services, with
// opt.Workers writers, reporting progress every few seconds.
func benchGenerate(ctx context.Context, a *app, w io.Writer, opt benchOptions, from int) error {
	fmt.Fprintf(w, "generating entries %d…%d with %d writers (create, submit, approve: 3 transactions each)\n", from+1, opt.Entries, opt.Workers)
	start := time.Now()
	var done atomic.Int64
	next := make(chan int)
	errc := make(chan error, opt.Workers)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				org, f := benchEntry(opt.Seed, i)
				e, err := a.entries.CreateEntry(gctx, org, "", f)
				if err == nil {
					_, err = a.entries.SubmitEntry(gctx, e.ID)
				}
				if err == nil {
					_, err = a.entries.ReviewEntry(gctx, e.ID, true, "")
				}
				if err != nil {
					errc <- fmt.Errorf("entry %d: %w", i, err)
					cancel()
					return
				}
				done.Add(1)
			}
		}()
	}
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	var feedErr error
feed:
	for i := from; i < opt.Entries; i++ {
		select {
		case next <- i:
		case <-gctx.Done():
			feedErr = gctx.Err()
			break feed
		case <-tick.C:
			i--
			n := done.Load()
			el := time.Since(start)
			fmt.Fprintf(w, "  %d/%d entries, %.0f entries/s, %s elapsed\n", int64(from)+n, opt.Entries, float64(n)/el.Seconds(), el.Round(time.Second))
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	if feedErr != nil {
		return feedErr
	}
	n := done.Load()
	el := time.Since(start)
	fmt.Fprintf(w, "generated %d entries in %s (%.0f entries/s)\n", n, el.Round(time.Second), float64(n)/el.Seconds())
	return nil
}

// benchGenerateBulk publishes the entries from … opt.Entries in transactions of opt.Batch
// through the store's bulk path (sqlstore.EntryService.PublishBulk): one writer, the catalogue
// row, search index and table of each entry written by the code an approval runs.
func benchGenerateBulk(ctx context.Context, a *app, w io.Writer, opt benchOptions, from int) error {
	bp, ok := a.entries.(pubdata.EntryBulkPublisher)
	if !ok {
		return fmt.Errorf("bench search: the store cannot publish in bulk; use --workflow")
	}
	fmt.Fprintf(w, "generating entries %d…%d in bulk, %d a transaction\n", from+1, opt.Entries, opt.Batch)
	start, last := time.Now(), time.Now()
	batch := make([]pubdata.BulkEntry, 0, opt.Batch)
	done := 0
	for i := from; i < opt.Entries; {
		batch = batch[:0]
		for ; i < opt.Entries && len(batch) < opt.Batch; i++ {
			org, f := benchEntry(opt.Seed, i)
			batch = append(batch, pubdata.BulkEntry{Org: org, Fields: *f})
		}
		if _, err := bp.PublishBulk(ctx, batch); err != nil {
			return fmt.Errorf("entries %d…%d: %w", i-len(batch), i-1, err)
		}
		done += len(batch)
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			el := time.Since(start)
			fmt.Fprintf(w, "  %d/%d entries, %.0f entries/s, %s elapsed\n", from+done, opt.Entries, float64(done)/el.Seconds(), el.Round(time.Second))
		}
	}
	el := time.Since(start)
	fmt.Fprintf(w, "generated %d entries in %s (%.0f entries/s)\n", done, el.Round(time.Second), float64(done)/el.Seconds())
	return nil
}

// benchQuery is one timed search.
type benchQuery struct {
	kind string
	q    pubdata.CatalogQuery
}

func (b benchQuery) String() string {
	var parts []string
	if b.q.Q != "" {
		parts = append(parts, fmt.Sprintf("q=%q", b.q.Q))
	}
	for _, f := range b.q.Filters {
		vals := f.Values
		if len(vals) > 3 {
			vals = append(vals[:3:3], "…")
		}
		parts = append(parts, fmt.Sprintf("%s:%s", f.Field, strings.Join(vals, "|")))
	}
	if b.q.DivisionPrefix != "" {
		parts = append(parts, "division^"+b.q.DivisionPrefix)
	}
	if b.q.Facets {
		parts = append(parts, "facets")
	}
	if b.q.Offset > 0 {
		parts = append(parts, fmt.Sprintf("offset=%d", b.q.Offset))
	}
	if b.q.Sort != "" {
		parts = append(parts, "sort="+b.q.Sort)
	}
	return strings.Join(parts, " ")
}

// Query vocabulary.
var (
	benchWords2   = []string{"企业", "医疗", "交通", "登记", "许可", "人口", "空气", "学校", "社保", "处罚", "食品", "药品", "道路", "水质", "住房", "养老", "婚姻", "专利", "气象", "港口"}
	benchPhrases  = []string{"企业登记信息", "道路运输许可", "空气质量监测数据", "社会保险登记", "食品许可证照", "医疗机构名录", "不动产登记信息", "排污许可", "福州市公交站点", "学校名录", "住房公积金缴存"}
	benchEnglish  = []string{"enterprise", "registration", "permit", "air quality", "social insurance", "school directory", "penalty", "bus", "water quality monitoring", "patent"}
	benchKinds    = []string{"zh 2-char", "zh phrase", "english", "zh 2-char + facets", "zh + filters", "browse + facets", "zh 2-char, page 6"}
	benchFacetSet = []pubdata.CatalogFilter{
		{Field: "share_class", Values: []string{pubdata.ClassConditional}},
		{Field: "open_class", Values: []string{pubdata.ClassUnconditional, pubdata.ClassConditional}},
		{Field: "format", Values: []string{pubdata.FormatTable}},
		{Field: "update_cycle", Values: []string{"daily", "realtime"}},
	}
)

// benchQuerySet returns n queries, cycling through the kinds.
func benchQuerySet(seed uint64, n int, orgs []string) []benchQuery {
	r := rand.New(rand.NewPCG(seed, 1<<62))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	out := make([]benchQuery, 0, n)
	for i := 0; i < n; i++ {
		kind := benchKinds[i%len(benchKinds)]
		q := pubdata.CatalogQuery{Limit: 20}
		switch kind {
		case "zh 2-char":
			q.Q = pick(benchWords2)
		case "zh phrase":
			q.Q = pick(benchPhrases)
		case "english":
			q.Q = pick(benchEnglish)
		case "zh 2-char + facets":
			q.Q, q.Facets = pick(benchWords2), true
		case "zh + filters":
			q.Q = pick(append(slices.Clone(benchWords2), benchPhrases...))
			q.Filters = []pubdata.CatalogFilter{benchFacetSet[r.IntN(len(benchFacetSet))]}
			switch r.IntN(3) {
			case 0:
				q.Filters = append(q.Filters, pubdata.CatalogFilter{Field: "org", Values: []string{orgs[r.IntN(len(orgs))]}})
			case 1:
				q.DivisionPrefix = "3501"
			}
		case "browse + facets":
			q.Facets, q.Filters = true, []pubdata.CatalogFilter{pubdata.OpenCatalog}
			if r.IntN(2) == 0 {
				q.Filters = append(q.Filters, benchFacetSet[r.IntN(len(benchFacetSet))])
			}
		case "zh 2-char, page 6":
			q.Q, q.Offset = pick(benchWords2), 100
		}
		out = append(out, benchQuery{kind, q})
	}
	return out
}

type benchTiming struct {
	query     benchQuery
	took, cpu time.Duration // wall clock; the process's CPU time
	total     int
}

// benchQueries runs the queries one after another (after a warm-up) and prints the
// latency percentiles by kind and overall, and the slowest queries.
func benchQueries(ctx context.Context, a *app, w io.Writer, opt benchOptions, orgs []string) error {
	queries := benchQuerySet(opt.Seed, opt.Queries, orgs)
	if opt.Kind != "" {
		if !slices.Contains(benchKinds, opt.Kind) {
			return usagef("bench search: --kind must be one of %s", strings.Join(benchKinds, ", "))
		}
		queries = slices.DeleteFunc(queries, func(q benchQuery) bool { return q.kind != opt.Kind })
	}
	for _, q := range queries[:min(len(queries), 2*len(benchKinds))] { // warm-up
		if _, err := a.entries.SearchCatalog(ctx, q.q); err != nil {
			return fmt.Errorf("search %s: %w", q, err)
		}
	}
	if opt.CPUProfile != "" {
		f, err := os.Create(opt.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	timings := make([]benchTiming, 0, len(queries))
	for _, q := range queries {
		start, cpu := time.Now(), processCPU()
		res, err := a.entries.SearchCatalog(ctx, q.q)
		took, cpu := time.Since(start), processCPU()-cpu
		if err != nil {
			return fmt.Errorf("search %s: %w", q, err)
		}
		timings = append(timings, benchTiming{q, took, cpu, res.Total})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tqueries\tp50 ms\tp95 ms\tp99 ms\tmax ms\tcpu p50\tcpu p95\tcpu total s\tmean hits\t")
	line := func(kind string, ts []benchTiming) {
		ds, cs := make([]time.Duration, len(ts)), make([]time.Duration, len(ts))
		hits := 0
		var cpu time.Duration
		for i, t := range ts {
			ds[i], cs[i], hits, cpu = t.took, t.cpu, hits+t.total, cpu+t.cpu
		}
		slices.Sort(ds)
		slices.Sort(cs)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%d\t\n", kind, len(ds), ms(percentile(ds, 50)), ms(percentile(ds, 95)), ms(percentile(ds, 99)), ms(ds[len(ds)-1]),
			ms(percentile(cs, 50)), ms(percentile(cs, 95)), cpu.Seconds(), hits/len(ts))
	}
	for _, kind := range benchKinds {
		var ts []benchTiming
		for _, t := range timings {
			if t.query.kind == kind {
				ts = append(ts, t)
			}
		}
		if len(ts) > 0 {
			line(kind, ts)
		}
	}
	line("all", timings)
	tw.Flush()
	sort.SliceStable(timings, func(i, j int) bool { return timings[i].took > timings[j].took })
	fmt.Fprintf(w, "\nslowest queries of each kind:\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, kind := range benchKinds {
		shown := map[string]bool{}
		for _, t := range timings {
			if s := t.query.String(); t.query.kind == kind && !shown[s] && len(shown) < 3 {
				shown[s] = true
				fmt.Fprintf(tw, "  %s ms\t%d hits\t%s\t%s\n", ms(t.took), t.total, kind, s)
			}
		}
	}
	return tw.Flush()
}

// percentile returns the p-th percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted)+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
