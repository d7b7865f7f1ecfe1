package audit

import (
	"fmt"
	"testing"
)

// BenchmarkAppend is the cost an event adds to its transaction: the leaf hash and the tree
// append (the baseline, before issue 14) and the seals of the event and the head (after).
func BenchmarkAppend(b *testing.B) {
	k, err := LoadOrCreateKey(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	l := Leaf{Seq: 1, Time: "2026-11-22T10:00:00.000000Z", Actor: "admin", Action: "org.create", Object: "org:x", Details: `{"name":"福州市"}`}
	for _, sealed := range []bool{false, true} {
		b.Run(fmt.Sprintf("sealed=%v", sealed), func(b *testing.B) {
			tree := NewTree()
			for i := 0; i < b.N; i++ {
				l.Seq = int64(i + 1)
				h := l.Hash()
				root, _ := tree.Append(h)
				if sealed {
					_ = k.SealEvent(l.Seq, h, root)
					_ = k.SealHead(l.Seq, root)
				}
			}
		})
	}
}

// BenchmarkInclusionProof builds the proof of a leaf near the end of a tree of 100 000
// leaves, as GET /api/v1/audit/{seq}/proof does: from the first leaf (the baseline), and
// from the tree state of a checkpoint 1 000 leaves before it.
func BenchmarkInclusionProof(b *testing.B) {
	const n, index = 100000, 99500
	hashes := make([]string, n)
	tree := NewTree()
	var state string
	for i := range hashes {
		hashes[i] = Leaf{Seq: int64(i + 1), Details: "{}"}.Hash()
		tree.Append(hashes[i])
		if i+1 == index-1000 {
			state = tree.State()
		}
	}
	for _, from := range []int64{0, index - 1000} {
		b.Run(fmt.Sprintf("from=%d", from), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				st := ""
				if from > 0 {
					st = state
				}
				pb, err := NewInclusionBuilderFrom(index, n, from, st)
				if err != nil {
					b.Fatal(err)
				}
				for _, h := range hashes[from:] {
					if err := pb.Add(h); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := pb.Proof(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
