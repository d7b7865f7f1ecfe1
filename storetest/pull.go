package storetest

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var pullTests = []namedTest{
	{"PullSources", testPullSources},
	{"PullSourceValidation", testPullSourceValidation},
	{"PullSourceRuns", testPullSourceRuns},
	{"PullSourceClaim", testPullSourceClaim},
}

const pullDSN = "scj:s3cret-pw@tcp(10.1.2.3:3306)/registry"

func pullSource() *pubdata.PullSource {
	return &pubdata.PullSource{Name: "登记系统", Driver: pubdata.DriverMySQL, Table: "reg.companies", UpdatedColumn: "updated_at",
		Columns: map[string]string{"name": "company_name"}, IntervalMinutes: 30, Enabled: true}
}

// testPullSources: create, read, update, delete; the DSN is sealed and never returned nor
// recorded.
func testPullSources(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	src, err := s.PullSources.CreatePullSource(editor, e, pullSource(), pullDSN)
	if err != nil {
		t.Fatal(err)
	}
	if src.DSN != "mysql://scj:***@10.1.2.3:3306/registry" || src.Org != "fz-scj" || src.Entry != e.ID || src.OnError != pubdata.OnErrorAbort || src.Watermark != "" {
		t.Fatalf("created %+v", src)
	}
	got, err := s.PullSources.FindPullSourceByID(system, src.ID)
	if err != nil || got.DSN != src.DSN || got.Columns["name"] != "company_name" || got.IntervalMinutes != 30 || !got.Enabled || !got.NextRunAt.Equal(src.NextRunAt) {
		t.Fatalf("found %+v %v", got, err)
	}
	list, err := s.PullSources.FindPullSources(system, e.ID)
	if err != nil || len(list) != 1 || list[0].ID != src.ID {
		t.Fatalf("list %v %v", list, err)
	}
	if list, _ := s.PullSources.FindPullSources(system, "other"); list == nil || len(list) != 0 {
		t.Fatalf("another entry's list: %v", list)
	}
	// Only a claim opens the DSN.
	_, dsn, err := s.PullSources.ClaimPullSource(system, src.ID, time.Minute)
	if err != nil || dsn != pullDSN {
		t.Fatalf("claim: %q %v", dsn, err)
	}
	if _, err := s.PullSources.RecordPullRun(system, src.ID, pubdata.PullRun{Batch: "b1", Watermark: "2024-05-01 10:00:00", Boundary: []string{"ab"}}); err != nil {
		t.Fatal(err)
	}

	// An update without a DSN keeps it; the watermark stays unless the table changes.
	up := *got
	up.Name, up.IntervalMinutes, up.Enabled = "登记系统（新）", 60, false
	upd, err := s.PullSources.UpdatePullSource(editor, e, &up, "", false)
	if err != nil || upd.Name != "登记系统（新）" || upd.Enabled || upd.Watermark != "2024-05-01 10:00:00" || upd.DSN != src.DSN {
		t.Fatalf("update: %+v %v", upd, err)
	}
	up.Table = "reg.companies_v2"
	upd, err = s.PullSources.UpdatePullSource(editor, e, &up, "postgres://x:y@h/db", false)
	if pubdata.ErrorCode(err) != pubdata.EINVALID { // a PostgreSQL DSN for a MySQL driver
		t.Fatalf("update with the wrong DSN form: %v", err)
	}
	upd, err = s.PullSources.UpdatePullSource(editor, e, &up, "scj:new-pw@tcp(10.1.2.4:3306)/registry", false)
	if err != nil || upd.Watermark != "" || upd.DSN != "mysql://scj:***@10.1.2.4:3306/registry" {
		t.Fatalf("update of the table: %+v %v", upd, err)
	}
	if got, _ := s.PullSources.FindPullSourceByID(system, src.ID); got.Watermark != "" || len(got.Boundary) != 0 || got.Table != "reg.companies_v2" {
		t.Fatalf("stored after the table changed: %+v", got)
	}
	if _, dsn, _ := s.PullSources.ClaimPullSource(system, src.ID, time.Minute); dsn != "scj:new-pw@tcp(10.1.2.4:3306)/registry" {
		t.Fatalf("new DSN %q", dsn)
	}
	// Bad input changes nothing.
	bad := up
	bad.UpdatedColumn = "updated at"
	if _, err := s.PullSources.UpdatePullSource(editor, e, &bad, "", false); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("bad update: %v", err)
	}
	if got, _ := s.PullSources.FindPullSourceByID(system, src.ID); got.UpdatedColumn != "updated_at" {
		t.Fatalf("a bad update wrote %q", got.UpdatedColumn)
	}
	up.ID = "missing"
	if _, err := s.PullSources.UpdatePullSource(editor, e, &up, "", false); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("update of a missing source: %v", err)
	}

	if err := s.PullSources.DeletePullSource(editor, src.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PullSources.FindPullSourceByID(system, src.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("after delete: %v", err)
	}
	wantCode(t, s.PullSources.DeletePullSource(editor, src.ID), pubdata.ENOTFOUND)

	// Every change is recorded, never with the password.
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "pull_source:" + src.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, ev := range evs {
		actions[ev.Action]++
		b, _ := json.Marshal(ev.Details)
		d := string(b)
		if strings.Contains(d, "s3cret") || strings.Contains(d, "new-pw") || strings.Contains(d, "sm4gcm") {
			t.Fatalf("event %s holds the DSN: %s", ev.Action, d)
		}
	}
	if actions["pull_source.create"] != 1 || actions["pull_source.update"] != 2 || actions["pull_source.delete"] != 1 || actions["pull_source.run"] != 1 {
		t.Fatalf("events %v", actions)
	}
}

func testPullSourceValidation(t *testing.T, s *Store) {
	editor, reviewer, e := dataSetup(t, s)
	for name, c := range map[string]struct {
		edit  func(*pubdata.PullSource)
		dsn   string
		field string
	}{
		"driver":        {func(p *pubdata.PullSource) { p.Driver = "oracle" }, pullDSN, "driver"},
		"dsn":           {func(p *pubdata.PullSource) {}, "", "dsn"},
		"dsn form":      {func(p *pubdata.PullSource) { p.Driver = pubdata.DriverPostgres }, pullDSN, "dsn"},
		"no table":      {func(p *pubdata.PullSource) { p.Table = "" }, pullDSN, "table"},
		"both":          {func(p *pubdata.PullSource) { p.Query = "SELECT 1" }, pullDSN, "query"},
		"table name":    {func(p *pubdata.PullSource) { p.Table = "a.b.c" }, pullDSN, "table"},
		"injection":     {func(p *pubdata.PullSource) { p.Table = "t; DROP TABLE t" }, pullDSN, "table"},
		"write query":   {func(p *pubdata.PullSource) { p.Table, p.Query = "", "DELETE FROM t" }, pullDSN, "query"},
		"two queries":   {func(p *pubdata.PullSource) { p.Table, p.Query = "", "SELECT 1; DROP TABLE t" }, pullDSN, "query"},
		"into":          {func(p *pubdata.PullSource) { p.Table, p.Query = "", "SELECT * INTO OUTFILE '/tmp/x' FROM t" }, pullDSN, "query"},
		"updated":       {func(p *pubdata.PullSource) { p.UpdatedColumn = "" }, pullDSN, "updated_column"},
		"unknown item":  {func(p *pubdata.PullSource) { p.Columns = map[string]string{"nope": "x"} }, pullDSN, "columns"},
		"bad column":    {func(p *pubdata.PullSource) { p.Columns = map[string]string{"name": "a`b"} }, pullDSN, "columns"},
		"interval low":  {func(p *pubdata.PullSource) { p.IntervalMinutes = 1 }, pullDSN, "interval_minutes"},
		"interval high": {func(p *pubdata.PullSource) { p.IntervalMinutes = 2000 }, pullDSN, "interval_minutes"},
		"on_error":      {func(p *pubdata.PullSource) { p.OnError = "ignore" }, pullDSN, "on_error"},
	} {
		p := pullSource()
		c.edit(p)
		_, err := s.PullSources.CreatePullSource(editor, e, p, c.dsn)
		if pubdata.ErrorFields(err)[c.field] == nil {
			t.Errorf("%s: %v, want a problem with %s", name, err, c.field)
		}
	}
	// A query that only reads is fine, with words such as "updated_at" and "deleted" in names.
	p := pullSource()
	p.Table, p.Query = "", "SELECT id, company_name AS name, updated_at FROM reg.companies WHERE deleted = 0 AND note <> 'DELETE';"
	if src, err := s.PullSources.CreatePullSource(editor, e, p, pullDSN); err != nil || strings.HasSuffix(src.Query, ";") {
		t.Fatalf("read-only query: %v", err)
	}
	// Only published table entries with a key.
	draft, err := s.Entries.CreateEntry(editor, "fz-scj", "", companyFields())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PullSources.CreatePullSource(editor, draft, pullSource(), pullDSN); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("draft entry: %v", err)
	}
	f := companyFields()
	f.Title = "无主键表"
	for i := range f.Items {
		f.Items[i].Key = false
	}
	nokey := publish(t, s, editor, reviewer, "fz-scj", f)
	if _, err := s.PullSources.CreatePullSource(editor, nokey, pullSource(), pullDSN); pubdata.ErrorFields(err)["entry"] == nil {
		t.Fatalf("entry without a key: %v", err)
	}
}

// testPullSourceRuns: the schedule after good and failed runs, and what is due.
func testPullSourceRuns(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	now := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
	s.SetNow(now)
	src, err := s.PullSources.CreatePullSource(editor, e, pullSource(), pullDSN)
	if err != nil {
		t.Fatal(err)
	}
	off := pullSource()
	off.Enabled = false
	if _, err := s.PullSources.CreatePullSource(editor, e, off, pullDSN); err != nil {
		t.Fatal(err)
	}
	due := func(at time.Time) int {
		t.Helper()
		list, err := s.PullSources.FindDuePullSources(system, at, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if n := due(now); n != 1 {
		t.Fatalf("due at creation: %d (the disabled one never is)", n)
	}
	// Three failures: retries after 1, 2, 4 minutes.
	at := now
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		s.SetNow(at)
		if _, _, err := s.PullSources.ClaimPullSource(system, src.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := due(at.Add(time.Hour - time.Second)); n != 0 {
			t.Fatalf("a claimed source is due")
		}
		r, err := s.PullSources.RecordPullRun(system, src.ID, pubdata.PullRun{At: at, Error: "Cannot connect to the source database: refused"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failures != i+1 || r.LastStatus != pubdata.PullFailed || !r.NextRunAt.Equal(at.Add(wait)) || r.RunningUntil != nil || r.Watermark != "" {
			t.Fatalf("failure %d: %+v", i+1, r)
		}
		if due(at.Add(wait-time.Second)) != 0 || due(at.Add(wait)) != 1 {
			t.Fatalf("failure %d: due before its retry", i+1)
		}
		at = at.Add(wait)
	}
	// A good run resets the failures and schedules one interval later.
	r, err := s.PullSources.RecordPullRun(system, src.ID, pubdata.PullRun{At: at, Batch: "b9", Watermark: "42", Boundary: []string{"f1", "f2"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.PullSources.FindPullSourceByID(system, src.ID)
	if r.Failures != 0 || got.Failures != 0 || got.LastStatus != pubdata.PullDone || got.LastError != "" || got.LastBatch != "b9" ||
		got.Watermark != "42" || len(got.Boundary) != 2 || !got.NextRunAt.Equal(at.Add(30*time.Minute)) || !got.LastRunAt.Equal(at) {
		t.Fatalf("after a good run: %+v", got)
	}
	// A failure keeps the watermark.
	if r, _ := s.PullSources.RecordPullRun(system, src.ID, pubdata.PullRun{At: at, Error: "x", Watermark: "99"}); r.Watermark != "42" || len(r.Boundary) != 2 {
		t.Fatalf("a failure moved the watermark: %+v", r)
	}
	wantCode(t, func() error { _, err := s.PullSources.RecordPullRun(system, "missing", pubdata.PullRun{}); return err }(), pubdata.ENOTFOUND)
}

// testPullSourceClaim: of many servers claiming a source at once, one wins; the claim
// lapses after its lease.
func testPullSourceClaim(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	src, err := s.PullSources.CreatePullSource(editor, e, pullSource(), pullDSN)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.PullSources.ClaimPullSource(system, src.ID, time.Hour)
			mu.Lock()
			defer mu.Unlock()
			switch pubdata.ErrorCode(err) {
			case "":
				won++
			case pubdata.ECONFLICT:
				lost++
			default:
				t.Errorf("claim: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || lost != 7 {
		t.Fatalf("won %d lost %d", won, lost)
	}
	got, _ := s.PullSources.FindPullSourceByID(system, src.ID)
	if got.RunningUntil == nil || !got.Running(time.Now()) {
		t.Fatalf("claimed source: %+v", got)
	}
	// After the lease another server may take it (the first died mid-run).
	s.SetNow(time.Now().Add(time.Hour + time.Minute))
	if _, _, err := s.PullSources.ClaimPullSource(system, src.ID, time.Hour); err != nil {
		t.Fatalf("claim after the lease: %v", err)
	}
	_, _, err = s.PullSources.ClaimPullSource(system, "missing", time.Hour)
	wantCode(t, err, pubdata.ENOTFOUND)
}
