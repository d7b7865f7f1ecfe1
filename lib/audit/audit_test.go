package audit

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// naiveRoot is the RFC 6962 definition of the tree hash, computed recursively.
func naiveRoot(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return Hasher.EmptyRoot()
	case 1:
		return Hasher.HashLeaf(leaves[0])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return Hasher.HashChildren(naiveRoot(leaves[:k]), naiveRoot(leaves[k:]))
}

func TestTreeMatchesRFC6962(t *testing.T) {
	tree := NewTree()
	var leaves [][]byte
	for i := 0; i < 70; i++ {
		data := []byte(fmt.Sprintf("leaf %d", i))
		leaves = append(leaves, data)
		root, err := tree.Append(hex.EncodeToString(Hasher.HashLeaf(data)))
		if err != nil {
			t.Fatal(err)
		}
		if want := hex.EncodeToString(naiveRoot(leaves)); root != want {
			t.Fatalf("size %d: root %s, want %s", i+1, root, want)
		}
		// The state round-trips.
		r2, err := RestoreTree(tree.Size(), tree.State())
		if err != nil || r2.Root() != root {
			t.Fatalf("size %d: restored root %v, %v", i+1, r2, err)
		}
	}
}

func TestSM3KnownAnswer(t *testing.T) {
	// GB/T 32905-2016 example 1: SM3("abc").
	h := Hasher.HashLeaf(nil)
	if len(h) != 32 {
		t.Fatalf("leaf hash length %d", len(h))
	}
	want := "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
	if s := hex.EncodeToString(sm3sum([]byte("abc"))); s != want {
		t.Fatalf("SM3(abc) = %s, want %s", s, want)
	}
	if bytes.Equal(Hasher.HashLeaf([]byte("x")), sm3sum([]byte("x"))) {
		t.Fatal("leaf hash lacks the 0x00 prefix")
	}
}

func TestSignAndVerify(t *testing.T) {
	dir := t.TempDir()
	k, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKey(dir)
	if err != nil || k2.PublicKey() != k.PublicKey() {
		t.Fatalf("reloaded key differs: %v", err)
	}
	now := time.Now()
	ts := now.UTC().Format(TimeFormat)
	sig, err := k.Sign(3, "abcd", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(k.PublicKey(), 3, "abcd", ts, sig); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if err := VerifySignature(k.PublicKey(), 4, "abcd", ts, sig); err == nil {
		t.Fatal("signature over another size verified")
	}
	other, _ := LoadOrCreateKey(t.TempDir())
	if err := VerifySignature(other.PublicKey(), 3, "abcd", ts, sig); err == nil {
		t.Fatal("signature verified under another key")
	}
}

// log builds n stored events and a checkpoint at every size in cps.
func buildLog(t *testing.T, k *Key, n int, cps ...int64) ([]StoredEvent, []StoredCheckpoint) {
	tree := NewTree()
	var evs []StoredEvent
	var out []StoredCheckpoint
	for i := 1; i <= n; i++ {
		l := Leaf{Seq: int64(i), Time: "2026-11-22T10:00:00.000000Z", Actor: "admin", Action: "org.create", Object: fmt.Sprintf("org:%d", i), Details: "{}"}
		h := l.Hash()
		root, _ := tree.Append(h)
		evs = append(evs, StoredEvent{Leaf: l, LeafHash: h, Root: root})
		for _, c := range cps {
			if c == int64(i) {
				ts := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
				sig, err := k.Sign(c, root, ts)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, StoredCheckpoint{Size: c, Root: root, Time: ts.Format(TimeFormat), Signature: sig, PublicKey: k.PublicKey()})
			}
		}
	}
	return evs, out
}

func run(k *Key, evs []StoredEvent, cps []StoredCheckpoint, head int64) (bool, int64, string) {
	v := NewVerifier(k.PublicKey(), cps)
	for _, e := range evs {
		if !v.Add(e) {
			break
		}
	}
	r := v.Finish(head)
	return r.OK, r.FirstBad, r.Problem
}

func TestVerifier(t *testing.T) {
	k, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	evs, cps := buildLog(t, k, 10, 4, 8)
	if ok, _, p := run(k, evs, cps, 10); !ok {
		t.Fatalf("intact log fails: %s", p)
	}
	cases := []struct {
		name    string
		mutate  func(evs []StoredEvent, cps []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64)
		bad     int64
		problem string
	}{
		{"altered", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			e[5].Leaf.Actor = "mallory"
			return e, c, 10
		}, 6, "altered"},
		{"altered with its leaf hash recomputed", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			e[5].Leaf.Actor = "mallory"
			e[5].LeafHash = e[5].Leaf.Hash()
			return e, c, 10
		}, 6, "tree head"},
		{"deleted in the middle", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			return append(e[:2:2], e[3:]...), c, 10
		}, 3, "missing"},
		{"deleted at the end", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			return e[:9], c, 10
		}, 10, "missing"},
		{"deleted back to before a checkpoint, head rewritten", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			return e[:6], c, 6
		}, 7, "checkpoint"},
		{"inserted at the end", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			l := Leaf{Seq: 11, Time: "2026-11-22T10:00:00.000000Z", Action: "org.create", Details: "{}"}
			return append(e, StoredEvent{Leaf: l, LeafHash: "00"}), c, 10
		}, 11, "altered"},
		{"inserted with correct hashes but outside the head", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			l := Leaf{Seq: 11, Time: "2026-11-22T10:00:00.000000Z", Action: "org.create", Details: "{}"}
			full, _ := buildLog(t, k, 10)
			tree := NewTree()
			for _, x := range full {
				tree.Append(x.LeafHash)
			}
			root, _ := tree.Append(l.Hash())
			return append(e, StoredEvent{Leaf: l, LeafHash: l.Hash(), Root: root}), c, 10
		}, 11, "inserted"},
		{"checkpoint forged", func(e []StoredEvent, c []StoredCheckpoint) ([]StoredEvent, []StoredCheckpoint, int64) {
			c[1].Root = strings.Repeat("0", 64)
			return e, c, 10
		}, 5, "checkpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, c := buildLog(t, k, 10, 4, 8)
			e, c, head := tc.mutate(e, c)
			ok, bad, problem := run(k, e, c, head)
			if ok || bad != tc.bad || !strings.Contains(problem, tc.problem) {
				t.Fatalf("got ok=%v first bad=%d problem=%q; want first bad %d, problem containing %q", ok, bad, problem, tc.bad, tc.problem)
			}
		})
	}
}

func sm3sum(b []byte) []byte {
	s := sm3.Sum(b)
	return s[:]
}
