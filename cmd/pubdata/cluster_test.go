package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/audit"
)

// startNode runs "pubdata serve" in a process of its own, as startProcess does, with env
// added to (and overriding) the test's environment; it returns its URL and the process.
func startNode(t *testing.T, env []string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	a, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "PUBDATA_TEST_EXEC_MAIN="+string(a)), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return awaitServing(t, cmd, out, &stderr)
}

// TestCluster is issue 17 item 6's acceptance: two `pubdata serve` processes on one
// PostgreSQL database and one S3 bucket (SeaweedFS in CI), each with its own job-queue
// worker. The anonymous rate limit holds across both; a scheduled pull runs once per
// schedule, not once per node; an upload through node A, killed mid-load, is retried
// through node B and loads every row once.
func TestCluster(t *testing.T) {
	dsn := testdb.Postgres(t)
	s3 := testdb.S3(t)
	srcDSN := testdb.Postgres(t) // the provider's database the pull reads
	ctx := systemContext(context.Background())

	// The platform, set up in-process through node A's data folder.
	dirA, dirB := t.TempDir(), t.TempDir()
	cfg := DefaultConfig()
	cfg.Data, cfg.DB, cfg.Blob = dirA, dsn, s3
	a, err := openApp(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	big, err := benchDataEntry(ctx, a, "企业登记信息")
	if err != nil {
		t.Fatal(err)
	}
	small, err := benchDataEntryOf(ctx, a, "企业名录（汇聚）", []pubdata.Item{
		{Name: "uscc", Title: "统一社会信用代码", Type: "string", Length: 18, Key: true, Element: "uscc"},
		{Name: "name", Title: "企业名称", Type: "string", Length: 200},
		{Name: "updated_at", Title: "更新时间", Type: "datetime"},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.users.CreateUser(ctx, &pubdata.UserCreate{Username: "scj-editor", Password: "correct horse battery", OrgCode: "bench-data", Role: pubdata.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.tokens.CreateToken(ctx, u.ID, "push", 0)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sql.Open("pgx", srcDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Exec(`CREATE TABLE firms (uscc TEXT PRIMARY KEY, name TEXT, updated_at TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := src.Exec(`INSERT INTO firms VALUES ($1, $2, '2026-11-01 09:00:00')`, benchUSCC(900+i), fmt.Sprintf("源企业%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := a.pullSources.CreatePullSource(ctx, small, &pubdata.PullSource{Name: "登记系统", Driver: pubdata.DriverPostgres, Table: "firms",
		UpdatedColumn: "updated_at", IntervalMinutes: 60, Enabled: true}, srcDSN)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	// Every node needs the same keys (docs/OPERATIONS.md, "A cluster").
	files, _ := os.ReadDir(dirA)
	for _, f := range files {
		if f.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dirA, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dirB, f.Name()), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The file of the load, written while nothing runs yet.
	const n = 300000
	bigFile := filepath.Join(t.TempDir(), "big.csv")
	if err := writeBenchCSV(bigFile, n, 0, 7); err != nil {
		t.Fatal(err)
	}

	env := []string{"PUBDATA_RATE_LIMIT=0", "PUBDATA_ANON_RATE_LIMIT=5", "PUBDATA_BATCH_STALE_AFTER=6s",
		"PUBDATA_PULL_CHECK_INTERVAL=1s", "PUBDATA_PULL_HOSTS=127.0.0.1"}
	baseA, procA := startNode(t, env, "--data", dirA, "--db", dsn, "--blob", s3)
	baseB, _ := startNode(t, env, "--data", dirB, "--db", dsn, "--blob", s3)

	call := func(base, method, path string, body io.Reader) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int {
		t.Helper()
		var c int
		if err := db.QueryRow(q, args...).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("anonymous rate limit across nodes", func(t *testing.T) {
		// The five requests of the limit in one minute's window.
		if s := time.Now().Second(); s > 50 {
			time.Sleep(time.Duration(61-s) * time.Second)
		}
		anon := func(base string) int {
			resp, err := http.Get(base + "/api/v1/entries?limit=1")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for i, base := range []string{baseA, baseB, baseA, baseB, baseA} {
			if code := anon(base); code != http.StatusOK {
				t.Fatalf("request %d: %d, want 200", i+1, code)
			}
		}
		// Counted per node, each would still have requests left.
		if code := anon(baseB); code != http.StatusTooManyRequests {
			t.Fatalf("the sixth request, on node B: %d, want 429 (the limit of 5 holds across both nodes)", code)
		}
		if code := anon(baseA); code != http.StatusTooManyRequests {
			t.Fatalf("the seventh request, on node A: %d, want 429", code)
		}
	})

	t.Run("scheduled pull once per schedule", func(t *testing.T) {
		// Each run of the source is on the record (pull_source.run).
		pulls := func() int {
			return count("SELECT COUNT(*) FROM audit_events WHERE action = 'pull_source.run' AND object = $1", "pull_source:"+ps.ID)
		}
		waitFor := func(want int) {
			t.Helper()
			for deadline := time.Now().Add(2 * time.Minute); pulls() < want; {
				if time.Now().After(deadline) {
					t.Fatalf("%d pull runs, want %d", pulls(), want)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
		waitFor(1)
		// Both nodes' workers look for due sources every second (the leader's periodic job):
		// a schedule's run must not happen twice.
		time.Sleep(5 * time.Second)
		if got := pulls(); got != 1 {
			t.Fatalf("%d pull runs after the first schedule, want 1", got)
		}
		// The next schedule comes: one more run, not two.
		due := time.Now().Add(-time.Minute).UTC().Format(audit.TimeFormat)
		if _, err := db.Exec("UPDATE pull_sources SET next_run_at = $1 WHERE id = $2", due, ps.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(2)
		time.Sleep(5 * time.Second)
		if got := pulls(); got != 2 {
			t.Fatalf("%d pull runs after the second schedule, want 2", got)
		}
		if got := count("SELECT COUNT(*) FROM pull_sources WHERE id = $1 AND last_status = 'done'", ps.ID); got != 1 {
			t.Fatalf("the pull source's last run did not succeed (%d)", got)
		}
		if got := count("SELECT COUNT(*) FROM data_batches WHERE entry_id = $1 AND source = 'pull'", small.ID); got > 2 {
			t.Fatalf("%d pull batches for two runs", got)
		}
		// The periodic job is inserted once per period, whichever node leads.
		if dup := count("SELECT COUNT(*) FROM (SELECT unique_key FROM river_job WHERE kind = 'pull_due' GROUP BY unique_key HAVING COUNT(*) > 1) d"); dup != 0 {
			t.Fatalf("%d periods with more than one pull_due job", dup)
		}
	})

	t.Run("periodic work once across nodes", func(t *testing.T) {
		// The monitoring refresh, checkpoints, the calendar's warning, discovery and the
		// development spaces' schedule are periodic jobs too: each period's job is inserted
		// once whichever node leads, run by one node, and the refresh is noted once in the
		// database (both nodes started with it due).
		for deadline := time.Now().Add(2 * time.Minute); count("SELECT COUNT(*) FROM job_marks WHERE name = 'monitor_refresh' AND done_at <> ''") == 0; {
			if time.Now().After(deadline) {
				t.Fatal("no monitoring refresh ran")
			}
			time.Sleep(200 * time.Millisecond)
		}
		kinds := []any{"checkpoint", "monitor_refresh", "calendar_ending", "devspace_schedule", "discovery_due"}
		if dup := count("SELECT COUNT(*) FROM (SELECT kind, unique_key FROM river_job WHERE kind IN ($1, $2, $3, $4, $5) GROUP BY kind, unique_key HAVING COUNT(*) > 1) d", kinds...); dup != 0 {
			t.Fatalf("%d periods with more than one job of a kind", dup)
		}
		if twice := count("SELECT COUNT(*) FROM river_job WHERE kind IN ($1, $2, $3, $4, $5) AND cardinality(attempted_by) > 1", kinds...); twice != 0 {
			t.Fatalf("%d periodic jobs run by more than one node", twice)
		}
	})

	t.Run("upload killed on node A, retried through node B", func(t *testing.T) {
		go func() {
			f, _ := os.Open(bigFile)
			defer f.Close()
			call(baseA, "POST", "/api/v1/entries/"+big.ID+"/data", f)
		}()
		// Node B sees node A's batch progress (the database); kill A mid-load.
		var batchID string
		var m map[string]any
		for deadline := time.Now().Add(3 * time.Minute); batchID == ""; {
			if time.Now().After(deadline) {
				t.Fatalf("the batch never showed progress: %v", m)
			}
			time.Sleep(20 * time.Millisecond)
			_, m = call(baseB, "GET", "/api/v1/entries/"+big.ID+"/batches", nil)
			items, _ := m["items"].([]any)
			for _, it := range items {
				b := it.(map[string]any)
				if b["status"] == "done" {
					t.Fatal("the load finished before node A could be killed; make the file larger")
				}
				// Claimed by a worker (progress is known only to the node that runs it).
				if att, _ := b["attempts"].(float64); b["status"] == "running" && att > 0 {
					batchID = b["id"].(string)
				}
			}
		}
		// Let it load some rows, then kill node A.
		time.Sleep(2 * time.Second)
		procA.Process.Kill()
		procA.Wait()
		_, m = call(baseB, "GET", "/api/v1/batches/"+batchID, nil)
		t.Logf("node A killed at %s; the batch: %v", time.Now().UTC().Format(time.RFC3339Nano), m)
		if got := count("SELECT COUNT(*) FROM data_batches WHERE id = $1 AND status = 'done'", batchID); got != 0 {
			t.Fatal("the load finished before node A was killed; nothing was retried: make the file larger")
		}

		// Node B fails the batch once its heartbeat is stale (batch_stale_after 6s) …
		for deadline := time.Now().Add(2 * time.Minute); ; {
			if time.Now().After(deadline) {
				t.Fatalf("node B never failed the interrupted batch: %v", m)
			}
			_, m = call(baseB, "GET", "/api/v1/batches/"+batchID, nil)
			if m["status"] == "failed" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		// … and retries it from the upload A kept in the bucket.
		if code, m := call(baseB, "POST", "/api/v1/batches/"+batchID+"/retry", nil); code >= 300 {
			t.Fatalf("retry through node B: %d %v", code, m)
		}
		for deadline := time.Now().Add(5 * time.Minute); ; {
			if time.Now().After(deadline) {
				t.Fatalf("the retried batch did not finish: %v", m)
			}
			_, m = call(baseB, "GET", "/api/v1/batches/"+batchID, nil)
			if att, _ := m["attempts"].(float64); m["status"] != "running" && att > 1 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if m["status"] != "done" || m["rows_loaded"].(float64) != n {
			t.Fatalf("retried batch %v", m)
		}
		_, m = call(baseB, "GET", "/api/v1/entries/"+big.ID+"/table", nil)
		if m["rows"].(float64) != n {
			t.Fatalf("table after the retry: %v, want %d rows (no duplicates)", m, n)
		}
		if got := count("SELECT COUNT(*) FROM data_batches WHERE entry_id = $1 AND status = 'done'", big.ID); got != 1 {
			t.Fatalf("%d done batches, want 1", got)
		}
	})
}
