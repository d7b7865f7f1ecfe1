package pull_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/pull"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
)

var system = pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{})

// platform is the platform's store (SQLite) with one published table entry.
type platform struct {
	db      *sqlstore.DB
	entries pubdata.EntryService
	data    pubdata.DataService
	rows    *sqlstore.RowReader
	sources *sqlstore.PullSourceService
	entry   *pubdata.Entry
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, testdb.SQLite(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	key, err := sealed.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &platform{db: db, entries: sqlstore.NewEntryService(db), data: sqlstore.NewDataService(db), rows: sqlstore.NewRowReader(db), sources: sqlstore.NewPullSourceService(db, key)}
	if err := sqlstore.NewOrgService(db, division.Default()).CreateOrg(system, &pubdata.Org{Code: "fz-scj", Name: "福州市市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
		t.Fatal(err)
	}
	f := &pubdata.EntryFields{Title: "企业名录", Summary: "企业", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "daily",
		ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional, Keywords: []string{"企业"},
		Items: []pubdata.Item{
			{Name: "id", Title: "编号", Type: "integer", Key: true},
			{Name: "name", Title: "名称", Type: "string", Length: 20},
			{Name: "amount", Title: "金额", Type: "number"},
			{Name: "active", Title: "存续", Type: "boolean"},
			{Name: "born", Title: "成立日期", Type: "date"},
			{Name: "changed", Title: "变更时间", Type: "datetime"},
		}}
	e, err := p.entries.CreateEntry(system, "fz-scj", "", f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.entries.SubmitEntry(system, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.entries.ReviewEntry(system, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if p.entry, err = p.entries.FindPublishedEntry(system, e.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

// current returns the table's current rows as "id=name" in id order.
func (p *platform) current(t *testing.T) []string {
	t.Helper()
	var out []string
	_, _, err := p.rows.QueryRows(system, p.entry, &pubdata.RowQuery{Fields: []string{"id", "name", "changed"}, Sort: []pubdata.SortKey{{Column: "id"}}}, func(v []any) error {
		out = append(out, fmt.Sprintf("%v=%v@%v", v[0], v[1], v[2]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, p *platform, src *pubdata.PullSource, dsn string) *pubdata.Batch {
	t.Helper()
	b, err := pull.Run(system, src, dsn, p.entry, p.data, testHosts)
	if err != nil {
		if b != nil {
			t.Fatalf("run: %v; errors %+v", err, b.Errors)
		}
		t.Fatalf("run: %v", err)
	}
	return b
}

func exec(t *testing.T, db *sql.DB, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// incremental is the acceptance test on one source database: N rows, then 2 updated and
// 1 inserted, then a row committed late at the watermark's second.
func incremental(t *testing.T, p *platform, driver, dsn string, db *sql.DB, table string) {
	src := &pubdata.PullSource{Driver: driver, Table: table, UpdatedColumn: "updated_at", Columns: map[string]string{"name": "title"}, IntervalMinutes: 60}
	pubdata.NormalizePullSource(src)
	const n = 5
	for i := 1; i <= n; i++ {
		// Rows 4 and 5 share the last second.
		sec := min(i, 4)
		exec(t, db, fmt.Sprintf("INSERT INTO %s (id, title, amount, active, born, changed, updated_at) VALUES (%d, '企业%d', %d.50, %s, '2020-01-0%d', '2024-05-01 08:00:0%d', '2024-05-01 10:00:0%d')",
			table, i, i, i*100, []string{"true", "false"}[i%2], i, i, sec))
	}
	b := run(t, p, src, dsn)
	if b.RowsIn != n || b.RowsLoaded != n || b.Source != pubdata.SourcePull || b.Mode != pubdata.ModeUpsert {
		t.Fatalf("first run: %+v", b)
	}
	if src.Watermark != "2024-05-01 10:00:04" || len(src.Boundary) != 2 {
		t.Fatalf("first watermark %q boundary %v", src.Watermark, src.Boundary)
	}
	got := p.current(t)
	if len(got) != n || got[0] != "1=企业1@2024-05-01T00:00:01Z" {
		t.Fatalf("after the first run: %v", got)
	}

	// Nothing changed: an empty batch, the same watermark.
	if b := run(t, p, src, dsn); b.RowsIn != 0 || b.RowsLoaded != 0 || src.Watermark != "2024-05-01 10:00:04" {
		t.Fatalf("idle run: %+v, watermark %q", b, src.Watermark)
	}

	exec(t, db,
		"UPDATE "+table+" SET title = '更名2', updated_at = '2024-05-01 11:00:00' WHERE id = 2",
		"UPDATE "+table+" SET title = '更名4', updated_at = '2024-05-01 11:00:00' WHERE id = 4",
		"INSERT INTO "+table+" (id, title, amount, active, born, changed, updated_at) VALUES (6, '企业6', 1, true, '2021-02-03', '2024-05-01 09:00:00', '2024-05-01 11:00:01')")
	b = run(t, p, src, dsn)
	if b.RowsIn != 3 || b.RowsLoaded != 3 || b.RowsSuperseded != 2 {
		t.Fatalf("second run: in %d loaded %d superseded %d, want 3, 3, 2", b.RowsIn, b.RowsLoaded, b.RowsSuperseded)
	}
	got = p.current(t)
	want := []string{"1=企业1@2024-05-01T00:00:01Z", "2=更名2@2024-05-01T00:00:02Z", "3=企业3@2024-05-01T00:00:03Z", "4=更名4@2024-05-01T00:00:04Z", "5=企业5@2024-05-01T00:00:05Z", "6=企业6@2024-05-01T01:00:00Z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after the second run:\n got %v\nwant %v", got, want)
	}
	if src.Watermark != "2024-05-01 11:00:01" {
		t.Fatalf("second watermark %q", src.Watermark)
	}

	// A row committed after the run with the watermark's own second is not lost, and the
	// row already read at that second is not read again.
	exec(t, db, "INSERT INTO "+table+" (id, title, amount, active, born, changed, updated_at) VALUES (7, '企业7', 2, false, '2022-03-04', '2024-05-01 09:00:00', '2024-05-01 11:00:01')")
	b = run(t, p, src, dsn)
	if b.RowsIn != 1 || b.RowsLoaded != 1 || len(p.current(t)) != 7 {
		t.Fatalf("late row at the watermark: %+v, rows %v", b, p.current(t))
	}
	if b := run(t, p, src, dsn); b.RowsIn != 0 {
		t.Fatalf("run after the late row read %d rows", b.RowsIn)
	}
}

func TestMariaDB(t *testing.T) {
	testdb.RequireMySQL(t)
	dsn := testdb.MySQL(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec(t, db, "CREATE TABLE companies (id INT PRIMARY KEY, title VARCHAR(50), amount DECIMAL(10,2), active TINYINT(1), born DATE, changed DATETIME, updated_at DATETIME NOT NULL)")
	p := newPlatform(t)
	incremental(t, p, pubdata.DriverMySQL, dsn, db, "companies")

	t.Run("query and mysql URL", func(t *testing.T) {
		cfg, _ := mysql.ParseDSN(dsn)
		u := "mysql://" + cfg.User + "@" + cfg.Addr + "/" + cfg.DBName
		src := &pubdata.PullSource{Driver: pubdata.DriverMySQL, Query: "SELECT id, title AS name, amount, active, born, changed, updated_at FROM companies WHERE id > 5", UpdatedColumn: "updated_at"}
		pubdata.NormalizePullSource(src)
		if b := run(t, p, src, u); b.RowsIn != 2 || b.RowsLoaded != 2 {
			t.Fatalf("query source: %+v", b)
		}
	})

	t.Run("bad rows are reported", func(t *testing.T) {
		exec(t, db, "CREATE TABLE bad (id INT, title VARCHAR(50), amount DECIMAL(10,2), active TINYINT(1), born DATE, changed DATETIME, updated_at DATETIME)",
			"INSERT INTO bad VALUES (NULL, 'no key', 1, 1, NULL, NULL, '2024-01-01 00:00:00'), (8, 'a name much longer than twenty characters', 1, 1, NULL, NULL, '2024-01-01 00:00:00')")
		src := &pubdata.PullSource{Driver: pubdata.DriverMySQL, Table: "bad", UpdatedColumn: "updated_at", Columns: map[string]string{"name": "title"}}
		pubdata.NormalizePullSource(src)
		b, err := pull.Run(system, src, dsn, p.entry, p.data, testHosts)
		if err == nil || b == nil || b.Status != pubdata.BatchFailed || b.RowsRejected != 2 || len(b.Errors) != 2 ||
			b.Errors[0].Code != pubdata.RuleRequired || b.Errors[1].Code != pubdata.RuleLength {
			t.Fatalf("bad rows: %v %+v", err, b)
		}
		if src.Watermark != "" {
			t.Fatalf("a failed batch moved the watermark to %q", src.Watermark)
		}
	})

	t.Run("writes are refused", func(t *testing.T) {
		// A query that passed the check still runs in a read-only transaction.
		tx, err := pull.Open(pubdata.DriverMySQL, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Close()
		rtx, err := tx.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer rtx.Rollback()
		if _, err := rtx.Exec("UPDATE companies SET title = 'x'"); err == nil {
			t.Fatal("an UPDATE ran in the read-only transaction")
		}
	})
}

func TestPostgresSource(t *testing.T) {
	testdb.RequirePostgres(t)
	dsn := testdb.Postgres(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec(t, db, "CREATE SCHEMA biz",
		`CREATE TABLE biz.companies (id INT PRIMARY KEY, title VARCHAR(50), amount NUMERIC(10,2), active BOOLEAN, born DATE, changed TIMESTAMP, updated_at TIMESTAMP NOT NULL)`)
	p := newPlatform(t)
	incremental(t, p, pubdata.DriverPostgres, dsn, db, "biz.companies")

	t.Run("timestamptz watermark", func(t *testing.T) {
		exec(t, db, `CREATE TABLE tz (id INT PRIMARY KEY, name TEXT, amount FLOAT8, active BOOLEAN, born DATE, changed TIMESTAMPTZ, "Updated" TIMESTAMPTZ)`,
			`INSERT INTO tz VALUES (1, 'a', 1.5, true, '2020-01-01', '2024-05-01 08:00:00+08', '2024-05-01 10:00:00.123456+08')`)
		src := &pubdata.PullSource{Driver: pubdata.DriverPostgres, Table: "tz", UpdatedColumn: "Updated"}
		pubdata.NormalizePullSource(src)
		run(t, p, src, dsn)
		w, err := time.Parse(time.RFC3339Nano, src.Watermark)
		if err != nil || !w.Equal(time.Date(2024, 5, 1, 2, 0, 0, 123456000, time.UTC)) {
			t.Fatalf("watermark %q", src.Watermark)
		}
		if b := run(t, p, src, dsn); b.RowsIn != 0 {
			t.Fatalf("second run read %d rows", b.RowsIn)
		}
	})
}

func TestUnreachable(t *testing.T) {
	p := newPlatform(t)
	for name, c := range map[string]struct{ driver, dsn string }{
		"mysql":    {pubdata.DriverMySQL, "root:wrong@tcp(127.0.0.1:1)/x"},
		"postgres": {pubdata.DriverPostgres, "postgres://u:p@127.0.0.1:1/x"},
	} {
		t.Run(name, func(t *testing.T) {
			src := &pubdata.PullSource{Driver: c.driver, Table: "t", UpdatedColumn: "u"}
			pubdata.NormalizePullSource(src)
			b, err := pull.Run(system, src, c.dsn, p.entry, p.data, testHosts)
			if b != nil || pubdata.ErrorCode(err) != pubdata.EINVALID || !strings.Contains(pubdata.ErrorMessage(err), "Cannot connect") {
				t.Fatalf("%v %v", b, err)
			}
			if strings.Contains(pubdata.ErrorMessage(err), "wrong") || strings.Contains(pubdata.ErrorMessage(err), ":p@") {
				t.Fatalf("the message shows the password: %s", pubdata.ErrorMessage(err))
			}
		})
	}
}

// TestScheduler: a due source runs once through the scheduler; a wrong password is
// recorded and retried with backoff; a claimed source is not run twice.
func TestScheduler(t *testing.T) {
	testdb.RequireMySQL(t)
	dsn := testdb.MySQL(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec(t, db, "CREATE TABLE c (id INT PRIMARY KEY, name VARCHAR(50), amount DOUBLE, active BOOLEAN, born DATE, changed DATETIME, updated_at DATETIME)",
		"INSERT INTO c VALUES (1, 'a', 1, 1, '2020-01-01', NULL, '2024-01-01 00:00:00'), (2, 'b', 2, 0, NULL, NULL, '2024-01-02 00:00:00')")
	p := newPlatform(t)
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	p.db.Now = func() time.Time { return now }
	s := &pull.Scheduler{Sources: p.sources, Entries: p.entries, Data: p.data, Now: func() time.Time { return now }, Hosts: testHosts}

	good, err := p.sources.CreatePullSource(system, p.entry, &pubdata.PullSource{Name: "登记系统", Driver: pubdata.DriverMySQL, Table: "c", UpdatedColumn: "updated_at", IntervalMinutes: 15, Enabled: true}, dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := mysql.ParseDSN(dsn)
	cfg.Passwd = "wrong-password"
	bad, err := p.sources.CreatePullSource(system, p.entry, &pubdata.PullSource{Driver: pubdata.DriverMySQL, Table: "c", UpdatedColumn: "updated_at", IntervalMinutes: 15, Enabled: true}, cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Tick(system); n != 2 {
		t.Fatalf("first tick ran %d", n)
	}
	g, _ := p.sources.FindPullSourceByID(system, good.ID)
	if g.LastStatus != pubdata.PullDone || g.Failures != 0 || g.Watermark != "2024-01-02 00:00:00" || g.LastBatch == "" || !g.NextRunAt.Equal(now.Add(15*time.Minute)) || g.RunningUntil != nil {
		t.Fatalf("good source after its run: %+v", g)
	}
	if b, _ := p.data.FindBatchByID(system, g.LastBatch); b.RowsLoaded != 2 {
		t.Fatalf("good source's batch: %+v", b)
	}
	f, _ := p.sources.FindPullSourceByID(system, bad.ID)
	if f.LastStatus != pubdata.PullFailed || f.Failures != 1 || !strings.Contains(f.LastError, "Cannot connect to the source database") || !f.NextRunAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("bad source after its run: %+v", f)
	}
	if strings.Contains(f.LastError, "wrong-password") {
		t.Fatal("the error shows the password")
	}
	// Nothing is due a minute minus a second later; at a minute the bad one retries.
	now = now.Add(59 * time.Second)
	if n := s.Tick(system); n != 0 {
		t.Fatalf("ran %d before the retry", n)
	}
	now = now.Add(time.Second)
	if n := s.Tick(system); n != 1 {
		t.Fatalf("retry tick ran %d", n)
	}
	f, _ = p.sources.FindPullSourceByID(system, bad.ID)
	if f.Failures != 2 || !f.NextRunAt.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("after the second failure: failures %d next %v", f.Failures, f.NextRunAt)
	}

	// A source held by another server's claim is not run.
	if _, _, err := p.sources.ClaimPullSource(system, good.ID, pull.Lease()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunSource(system, good.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("run of a claimed source: %v", err)
	}
}

func TestQueryQuoting(t *testing.T) {
	items := []pubdata.Item{{Name: "id", Type: "integer", Key: true}, {Name: "name", Type: "string"}}
	src := &pubdata.PullSource{Driver: pubdata.DriverMySQL, Table: "biz.Orders", UpdatedColumn: "UpdatedAt", Columns: map[string]string{"name": "Title"}, Watermark: "2024-05-01 10:00:00"}
	q, args := pull.Query(src, items)
	if q != "SELECT `id`, `Title`, `UpdatedAt` FROM `biz`.`Orders` WHERE `UpdatedAt` >= ? ORDER BY `UpdatedAt`" || len(args) != 1 {
		t.Fatalf("mysql: %s %v", q, args)
	}
	if ts, ok := args[0].(time.Time); !ok || !ts.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("watermark argument %#v", args[0])
	}
	src = &pubdata.PullSource{Driver: pubdata.DriverPostgres, Query: "SELECT * FROM v", UpdatedColumn: "version", Watermark: "42"}
	q, args = pull.Query(src, items)
	if q != `SELECT "id", "name", "version" FROM (SELECT * FROM v) pd_src WHERE "version" >= $1 ORDER BY "version"` || args[0] != int64(42) {
		t.Fatalf("postgres: %s %v", q, args)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an unvalidated identifier reached SQL")
		}
	}()
	pull.Query(&pubdata.PullSource{Driver: pubdata.DriverMySQL, Table: "t`; DROP TABLE x", UpdatedColumn: "u"}, items)
}

func TestRecord(t *testing.T) {
	items := []pubdata.Item{{Name: "id", Type: "string", Key: true, Element: "uscc", Personal: false}, {Name: "n", Type: "integer"}}
	r := pull.Record(items, []string{"91350100M000100Y43", "12"}, []bool{false, false}, 1)
	if len(r.Errors) != 0 || r.Values[0] != "91350100M000100Y43" || r.Values[1] != int64(12) {
		t.Fatalf("good row: %+v", r)
	}
	// The bad identifier is kept as given, marked sensitive (masked on display for all but
	// the provider's admins and editors).
	r = pull.Record(items, []string{"91350100M000100Y44", "x"}, []bool{false, false}, 2)
	if len(r.Errors) != 2 || r.Errors[0].Code != pubdata.RuleElement || r.Errors[0].Value != "91350100M000100Y44" || !r.Errors[0].Sensitive || r.Errors[1].Code != pubdata.RuleType {
		t.Fatalf("bad row: %+v", r)
	}
}

// testHosts lets the tests' pulls reach the test databases on this machine.
var testHosts = pull.Hosts{Allowed: []string{"127.0.0.1", "localhost", "::1"}}

// TestHostsGuard (issue 12 item 4): a pull never connects to a host the authority did not
// allow, nor to the platform's own database, and says so before connecting; with no
// allow-list nothing is reached.
func TestHostsGuard(t *testing.T) {
	p := newPlatform(t)
	own := pull.Hosts{Allowed: []string{"127.0.0.1", "10.0.0.0/8", "*.gov.example"}, Own: []string{"localhost:5432/pubdata"}}
	for _, c := range []struct {
		name, driver, dsn string
		hosts             pull.Hosts
		want              string // in the message
	}{
		{"no allow-list", pubdata.DriverPostgres, "postgres://u:p@127.0.0.1:1/x", pull.Hosts{}, "not among the hosts"},
		{"another host", pubdata.DriverPostgres, "postgres://u:p@203.0.113.5:5432/x", own, "203.0.113.5"},
		{"the platform's own database", pubdata.DriverPostgres, "postgres://u:p@127.0.0.1:5432/pubdata", own, "platform's own database"},
		{"mysql host", pubdata.DriverMySQL, "u:p@tcp(db.example.com:3306)/x", own, "db.example.com"},
	} {
		src := &pubdata.PullSource{Driver: c.driver, Table: "t", UpdatedColumn: "u"}
		pubdata.NormalizePullSource(src)
		b, err := pull.Run(system, src, c.dsn, p.entry, p.data, c.hosts)
		if b != nil || pubdata.ErrorCode(err) != pubdata.EFORBIDDEN || !strings.Contains(pubdata.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v %v", c.name, b, err)
		}
	}
	for _, c := range []struct{ host string }{{"10.1.2.3"}, {"db.gov.example"}} {
		if err := own.Check(pubdata.DriverPostgres, "postgres://u:p@"+c.host+":5432/x"); err != nil {
			t.Errorf("%s is allowed but refused: %v", c.host, err)
		}
	}
}
