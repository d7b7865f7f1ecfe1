package storetest

import (
	"sync"
	"testing"
	"time"
)

// clusterTests cover the store parts of the cluster (issue 17 item 6): the shared rate
// limits' counts.
var clusterTests = []namedTest{
	{"RateCounts", testRateCounts},
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
