package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// TestKillDuringIngest is issue 12 item 6: "pubdata ingest" killed in the middle of a load
// leaves the table as it was, and running it again with the same file, as the interrupted
// batch's message says, resumes that batch (the same batch, once); a third run reports the
// load without loading it twice.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() && !testdb.InCI() {
		t.Skip("generates a large file: not in -short (always in CI)")
	}
	forEachStore(t, func(t *testing.T, s store) {
		ctx := systemContext(context.Background())
		a := s.open(t)
		e, err := benchDataEntry(ctx, a, "企业登记信息")
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		big := filepath.Join(t.TempDir(), "big.csv")
		const n = 400000
		if err := writeBenchCSV(big, n, 0, 1); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"ingest", "--entry", e.ID, big}, s.args()...)

		// Run ingest in a process of its own and kill it once it has read some rows.
		js, _ := json.Marshal(args)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "PUBDATA_TEST_EXEC_MAIN="+string(js))
		pipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		re := regexp.MustCompile(`^ingest: (\d+) rows`)
		killed := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(pipe)
			var seen []string
			for sc.Scan() {
				seen = append(seen, sc.Text())
				if m := re.FindStringSubmatch(sc.Text()); m != nil {
					if k, _ := strconv.Atoi(m[1]); k > 10000 {
						cmd.Process.Kill()
						killed <- ""
						return
					}
				}
			}
			killed <- strings.Join(seen, "\n")
		}()
		select {
		case out := <-killed:
			if out != "" {
				t.Fatalf("ingest ended before it could be killed:\n%s", out)
			}
		case <-time.After(3 * time.Minute):
			t.Fatal("ingest showed no progress")
		}
		cmd.Wait()

		a = s.open(t)
		list, _, err := a.data.FindBatches(ctx, e.ID, 10, "")
		if err != nil || len(list) != 1 || list[0].Status != pubdata.BatchRunning || list[0].Attempts != 1 {
			t.Fatalf("after the kill the batches are %+v %v, want one left running", list, err)
		}
		killedID := list[0].ID
		if c, err := a.rows.CountRows(ctx, e, &pubdata.RowQuery{}); err != nil || c != 0 {
			t.Fatalf("after the kill the table has %d rows (%v), want none", c, err)
		}
		if s.name == "postgres" {
			// Another process may still be loading it: its heartbeat is recent. The message says
			// what to do.
			code, _, stderr := runCLI(t, args...)
			if code != 1 || !strings.Contains(stderr, killedID) || !strings.Contains(stderr, "run this command again after 3m0s") {
				t.Fatalf("retry while the heartbeat is recent: exit %d\n%s", code, stderr)
			}
			// Three minutes later (the heartbeat is 20 s): make it now.
			if _, err := a.data.FailStaleBatches(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			b, err := a.data.FindBatchByID(ctx, killedID)
			if err != nil || b.Status != pubdata.BatchFailed || !strings.Contains(b.Message, "Run pubdata ingest again with the same file") {
				t.Fatalf("the interrupted batch: %+v %v", b, err)
			}
		}
		a.Close()

		// The retry the message names: the same command, the same file.
		code, stdout, stderr := runCLI(t, args...)
		var b pubdata.Batch
		if err := json.Unmarshal([]byte(stdout), &b); code != 0 || err != nil {
			t.Fatalf("retry: exit %d %v\n%s\n%s", code, err, stdout, stderr)
		}
		if b.ID != killedID || b.Status != pubdata.BatchDone || b.RowsLoaded != n || b.Attempts != 2 || !strings.Contains(stderr, "resuming batch "+killedID) {
			t.Fatalf("retry: %+v\n%s", b, stderr)
		}
		// Once more: nothing loaded twice.
		code, _, stderr = runCLI(t, args...)
		if code != 0 || !strings.Contains(stderr, "already loaded this file") || !strings.Contains(stderr, "--again") {
			t.Fatalf("a third run: exit %d\n%s", code, stderr)
		}
		a = s.open(t)
		if c, err := a.rows.CountRows(ctx, e, &pubdata.RowQuery{}); err != nil || c != n {
			t.Fatalf("the table has %d rows (%v), want %d", c, err, n)
		}
		if list, _, _ := a.data.FindBatches(ctx, e.ID, 10, ""); len(list) != 1 {
			t.Fatalf("%d batches, want the one", len(list))
		}
	})
}
