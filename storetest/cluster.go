package storetest

import (
	"sync"

	"github.com/pubdata/pubdata"
	"testing"
	"time"
)

// clusterTests cover the store parts of the cluster (issue 17 item 6): the shared rate
// limits' counts.
var clusterTests = []namedTest{
	{"RateCounts", testRateCounts},
	{"QueuedBatchNotStale", testQueuedBatchNotStale},
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
