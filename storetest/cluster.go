package storetest

import (
	"sync"
	"sync/atomic"

	"github.com/pubdata/pubdata"
	"testing"
	"time"
)

// clusterTests cover the store parts of the cluster (issue 17 item 6): the shared rate
// limits' counts.
var clusterTests = []namedTest{
	{"RateCounts", testRateCounts},
	{"QueuedBatchNotStale", testQueuedBatchNotStale},
	{"JobLeases", testJobLeases},
}

// testJobLeases: of servers claiming one periodic job's lease at once, one holds it; it is
// free again when given back or when it ran out (its holder died); marks keep the last run.
func testJobLeases(t *testing.T, s *Store) {
	if s.JobLeases == nil {
		t.Fatal("the store keeps no job leases")
	}
	now := time.Now()
	until := now.Add(time.Minute)
	const n = 8
	var won atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.JobLeases.ClaimJobLease(system, "federation:p1", now, until)
			if err != nil {
				errs <- err
			} else if ok {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if won.Load() != 1 {
		t.Fatalf("%d holders of one lease, want 1", won.Load())
	}
	if ok, _ := s.JobLeases.ClaimJobLease(system, "federation:p2", now, until); !ok {
		t.Fatal("another peer's lease is taken")
	}
	// A stale release (of an earlier holder's lease) does not free it.
	if err := s.JobLeases.ReleaseJobLease(system, "federation:p1", now); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.JobLeases.ClaimJobLease(system, "federation:p1", now.Add(time.Second), until); ok {
		t.Fatal("a held lease was claimed again")
	}
	if err := s.JobLeases.ReleaseJobLease(system, "federation:p1", until); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.JobLeases.ClaimJobLease(system, "federation:p1", now.Add(time.Second), until); !ok {
		t.Fatal("a lease given back cannot be claimed")
	}
	// Its holder died: the lease runs out.
	if ok, _ := s.JobLeases.ClaimJobLease(system, "federation:p1", until.Add(time.Second), until.Add(time.Minute)); !ok {
		t.Fatal("a lease that ran out cannot be claimed")
	}
	if at, gen, err := s.JobLeases.JobMark(system, "monitor_refresh"); err != nil || !at.IsZero() || gen != 0 {
		t.Fatalf("the mark of a job never run: %v %d %v", at, gen, err)
	}
	if err := s.JobLeases.MarkJob(system, "monitor_refresh", now, 42); err != nil {
		t.Fatal(err)
	}
	if at, gen, err := s.JobLeases.JobMark(system, "monitor_refresh"); err != nil || !at.Equal(now.Truncate(time.Microsecond)) || gen != 42 {
		t.Fatalf("the mark: %v %d %v, want %v 42", at, gen, err, now)
	}
}

// testQueuedBatchNotStale: a batch created but not yet claimed (queued: its upload is being
// fetched by whichever server's worker took the job) is not failed as interrupted with the
// started ones, only when it has waited an hour longer.
func testQueuedBatchNotStale(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	b, _, err := s.Data.CreateBatch(editor, e, pubdata.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Data.FailStaleBatches(system, time.Now().Add(time.Minute)); err != nil || n != 0 {
		t.Fatalf("a queued batch was failed: %d %v", n, err)
	}
	if n, err := s.Data.FailStaleBatches(system, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("a queued batch lost for hours: %d %v", n, err)
	}
	got, _ := s.Data.FindBatchByID(system, b.ID)
	if got.Status != pubdata.BatchFailed {
		t.Fatalf("batch %+v", got)
	}
}

func testRateCounts(t *testing.T, s *Store) {
	if s.RateCounts == nil {
		t.Fatal("the store keeps no rate counts")
	}
	w1 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	w2 := w1.Add(time.Minute)
	// Concurrent counts of one key and window (two servers) add up, each sees its own.
	const n = 20
	seen := make([]int, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.RateCounts.CountRequest(system, "a:203.0.113.9", w1)
			if err != nil {
				errs <- err
				return
			}
			seen[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := map[int]bool{}
	for _, c := range seen {
		got[c] = true
	}
	for c := 1; c <= n; c++ {
		if !got[c] {
			t.Fatalf("counts seen %v: %d missing (each request must see a distinct count)", seen, c)
		}
	}
	// Another window and another key count apart.
	if c, err := s.RateCounts.CountRequest(system, "a:203.0.113.9", w2); err != nil || c != 1 {
		t.Fatalf("next window: %d %v", c, err)
	}
	if c, err := s.RateCounts.CountRequest(system, "t:tok", w1); err != nil || c != 1 {
		t.Fatalf("other key: %d %v", c, err)
	}
	// Pruning drops ended windows only.
	if d, err := s.RateCounts.PruneRateCounts(system, w2); err != nil || d != 2 {
		t.Fatalf("prune: %d %v", d, err)
	}
	if c, err := s.RateCounts.CountRequest(system, "a:203.0.113.9", w2); err != nil || c != 2 {
		t.Fatalf("kept window: %d %v", c, err)
	}
	if _, err := s.RateCounts.CountRequest(system, "", w1); err == nil {
		t.Fatal("an empty key was counted")
	}
}
