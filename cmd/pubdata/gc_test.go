package main

import "testing"

// TestServerMemoryLimit: the soft limit is 128 MiB for a small live heap and follows a large
// one (2.5 times it), so that the collector never runs without pause.
func TestServerMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, 128 << 20},
		{31 << 20, 128 << 20},
		{50 << 20, 128 << 20},
		{105 << 20, 105 << 20 * 5 / 2}, // 262.5 MiB
		{400 << 20, 1000 << 20},
	} {
		if got := serverMemoryLimit(c.live); got != c.want {
			t.Errorf("serverMemoryLimit(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
