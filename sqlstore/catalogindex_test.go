package sqlstore

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortTop: the first k of a partial sort are those of a full sort, in the same order
// (ties included: the order is total by value then index).
func TestSortTop(t *testing.T) {
	type v struct{ key, i int }
	order := func(a, b v) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 40, 1000} {
		for _, k := range []int{0, 1, 3, 20, 120, 2000} {
			s := make([]v, n)
			for i := range s {
				s[i] = v{r.IntN(n/3 + 1), i}
			}
			want := slices.Clone(s)
			slices.SortFunc(want, order)
			sortTop(s, k, order)
			m := min(k, n)
			if !slices.Equal(s[:m], want[:m]) {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, s[:m], want[:m])
			}
			rest := slices.Clone(s)
			slices.SortFunc(rest, order)
			if !slices.Equal(rest, want) {
				t.Fatalf("n=%d k=%d: elements lost", n, k)
			}
		}
	}
}
