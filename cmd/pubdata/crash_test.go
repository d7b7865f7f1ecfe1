package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// startProcess runs "pubdata serve" in a process of its own (the test binary, see TestMain)
// and returns its URL and the process, which the test may kill.
func startProcess(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	a, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// No rate limits: the test polls the API faster than a client would.
	cmd.Env = append(os.Environ(), "PUBDATA_TEST_EXEC_MAIN="+string(a), "PUBDATA_RATE_LIMIT=0", "PUBDATA_ANON_RATE_LIMIT=0")
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

// awaitServing waits for the serving line of a started "pubdata serve": its URL, or the
// process's end (its output closes) failing the test with what it wrote. It waits for one
// of those two states, not for a time: a loaded machine only makes it slower (the test's
// own -timeout bounds it).
func awaitServing(t *testing.T, cmd *exec.Cmd, out io.Reader, stderr *bytes.Buffer) (string, *exec.Cmd) {
	t.Helper()
	urls := make(chan string, 1)
	go func() {
		defer close(urls)
		re := regexp.MustCompile(`serving on (http://\S+) `)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	u, ok := <-urls
	if !ok {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("serve ended without serving: %s", stderr.String())
	}
	return u, cmd
}

// waitState polls cond until it holds (a state, not a time: the test's own -timeout bounds
// the wait); what says what is waited for when the test is stopped there.
func waitState(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if d, ok := t.Deadline(); ok && time.Until(d) < 10*time.Second {
			t.Fatalf("still waiting at the test's deadline: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillDuringLoad is the acceptance test of issue 4: killing the server in the middle of
// a large load leaves the table exactly as before the load; retrying the batch loads it once.
func TestKillDuringLoad(t *testing.T) {
	if testing.Short() && !testdb.InCI() {
		t.Skip("generates a large file: not in -short (always in CI)")
	}
	forEachStore(t, func(t *testing.T, s store) {
		ctx := systemContext(context.Background())
		a := s.open(t)
		e, err := benchDataEntry(ctx, a, "企业登记信息") // of the organisation bench-data
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
		dir := t.TempDir()
		big := filepath.Join(dir, "big.csv")
		const n = 600000
		if err := writeBenchCSV(big, n, 0, 1); err != nil {
			t.Fatal(err)
		}
		// The table before: rows from a first batch, with keys the big file does not have.
		before := []*pubdata.SourceRow{}
		for i := range 3 {
			vals := make([]any, len(ingestItems))
			vals[0] = benchUSCC(n + 10 + i)
			vals[1] = fmt.Sprintf("既有企业%d", i)
			before = append(before, &pubdata.SourceRow{Num: int64(i + 2), Values: vals})
		}
		b0, _, _ := a.data.CreateBatch(ctx, e, pubdata.LoadOptions{})
		if b, err := a.data.RunBatch(ctx, e, b0.ID, rowsOf(before), pubdata.LoadOptions{}); err != nil || b.Status != pubdata.BatchDone {
			t.Fatalf("first batch %+v %v", b, err)
		}
		a.Close()

		base, proc := startProcess(t, s.args()...)
		call := func(method, path string, body io.Reader) (int, map[string]any) {
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
		go func() {
			f, _ := os.Open(big)
			defer f.Close()
			call("POST", "/api/v1/entries/"+e.ID+"/data", f)
		}()
		// Kill the server once the batch has loaded some rows.
		var batchID string
		var m map[string]any
		waitState(t, "the batch's progress past 10000 rows", func() bool {
			_, m = call("GET", "/api/v1/entries/"+e.ID+"/batches", nil)
			items, _ := m["items"].([]any)
			for _, it := range items {
				b := it.(map[string]any)
				if b["status"] == "done" && b["rows_in"].(float64) == n {
					t.Fatal("the load finished before the server could be killed; make the file larger")
				}
				if p, _ := b["progress"].(map[string]any); b["status"] == "running" && p != nil && p["rows"].(float64) > 10000 {
					batchID = b["id"].(string)
				}
			}
			return batchID != ""
		})
		proc.Process.Kill()
		proc.Wait()

		a = s.open(t)
		count := func() int64 {
			t.Helper()
			got, err := a.entries.FindPublishedEntry(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			c, err := a.rows.CountRows(ctx, got, &pubdata.RowQuery{})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		var names []string
		a.rows.QueryRows(ctx, e, &pubdata.RowQuery{Fields: []string{"name"}}, func(v []any) error { names = append(names, v[0].(string)); return nil })
		if c := count(); c != 3 || strings.Join(names, ",") != "既有企业0,既有企业1,既有企业2" {
			t.Fatalf("after the kill the table has %d rows %v, want the 3 it had", c, names)
		}
		if s.name == "postgres" {
			// Another server fails a batch without a heartbeat after a few minutes; make it now.
			if _, err := a.data.FailStaleBatches(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		a.Close()

		// Restart: the interrupted batch is failed (on SQLite at start-up); retry it.
		base, _ = startProcess(t, s.args()...)
		_, m = call("GET", "/api/v1/batches/"+batchID, nil)
		if m["status"] != "failed" || !strings.Contains(fmt.Sprint(m["message"]), "interrupted") {
			t.Fatalf("after the restart the batch is %v", m)
		}
		// The retry is a new attempt: wait for that attempt to end, not for the batch to
		// leave "running" (the retry's job may not have claimed the batch yet, which then
		// still shows the interrupted attempt's failure — the flake of a loaded machine).
		attempts := m["attempts"].(float64)
		if code, m := call("POST", "/api/v1/batches/"+batchID+"/retry", nil); code >= 300 {
			t.Fatalf("retry: %d %v", code, m)
		}
		waitState(t, "the retried attempt's end", func() bool {
			_, m = call("GET", "/api/v1/batches/"+batchID, nil)
			att, _ := m["attempts"].(float64)
			return att > attempts && m["status"] != "running"
		})
		if m["status"] != "done" || m["rows_loaded"].(float64) != n {
			t.Fatalf("retried batch %v", m)
		}
		if code, _ := call("POST", "/api/v1/batches/"+batchID+"/retry", nil); code != http.StatusConflict {
			t.Fatalf("a second retry of a done batch: %d, want 409", code)
		}
		_, m = call("GET", "/api/v1/entries/"+e.ID+"/table", nil)
		if m["rows"].(float64) != n+3 {
			t.Fatalf("table after the retry: %v, want %d rows", m, n+3)
		}
	})
}

// rowsOf is a RowSource over ready rows.
type sliceRows struct {
	rows []*pubdata.SourceRow
	i    int
}

func rowsOf(r []*pubdata.SourceRow) *sliceRows { return &sliceRows{rows: r} }

func (s *sliceRows) Next() (*pubdata.SourceRow, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.i++
	return s.rows[s.i-1], nil
}
func (s *sliceRows) Read() int64 { return int64(s.i) }
func (s *sliceRows) Size() int64 { return int64(len(s.rows)) }
