package audit

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/pubdata/pubdata"
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

// buildLog builds n sealed stored events and a checkpoint at every size in cps.
func buildLog(t *testing.T, k *Key, n int, cps ...int64) ([]StoredEvent, []*pubdata.Checkpoint) {
	tree := NewTree()
	var evs []StoredEvent
	var out []*pubdata.Checkpoint
	for i := 1; i <= n; i++ {
		l := Leaf{Seq: int64(i), Time: "2026-11-22T10:00:00.000000Z", Actor: "admin", Action: "org.create", Object: fmt.Sprintf("org:%d", i), Details: "{}"}
		h := l.Hash()
		root, _ := tree.Append(h)
		evs = append(evs, StoredEvent{Leaf: l, LeafHash: h, Root: root, Seal: k.SealEvent(l.Seq, h, root)})
		for _, c := range cps {
			if c == int64(i) {
				ts := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
				sig, err := k.Sign(c, root, ts)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, &pubdata.Checkpoint{Size: c, Root: root, Time: ts.Format(TimeFormat), Signature: sig, PublicKey: k.PublicKey(), KeyID: k.KeyID()})
			}
		}
	}
	return evs, out
}

func logOf(cps []*pubdata.Checkpoint) []Entry {
	var out []Entry
	for _, c := range cps {
		out = append(out, Entry{Checkpoint: c})
	}
	return out
}

func headOf(k *Key, evs []StoredEvent, size int64) Head {
	tree := NewTree()
	for _, e := range evs[:size] {
		tree.Append(e.LeafHash)
	}
	return Head{Size: size, State: tree.State(), Seal: k.SealHead(size, tree.Root())}
}

func run(k *Key, evs []StoredEvent, cps []*pubdata.Checkpoint, log []*pubdata.Checkpoint, head Head) pubdata.AuditVerification {
	v := NewVerifier(Sources{PublicKey: k.PublicKey(), Sealer: k, DB: cps, Log: logOf(log)})
	for _, e := range evs {
		if !v.Add(e) {
			break
		}
	}
	return v.Finish(head)
}

func TestVerifier(t *testing.T) {
	k, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	evs, cps := buildLog(t, k, 10, 4, 8)
	if r := run(k, evs, cps, cps, headOf(k, evs, 10)); !r.OK || r.Checkpoints != 2 {
		t.Fatalf("intact log fails: %+v", r)
	}
	// rehash recomputes the leaf hashes and roots from event i on, as an intruder without the key would.
	rehash := func(e []StoredEvent) []StoredEvent {
		tree := NewTree()
		for i := range e {
			e[i].LeafHash = e[i].Leaf.Hash()
			e[i].Root, _ = tree.Append(e[i].LeafHash)
		}
		return e
	}
	cases := []struct {
		name      string
		mutate    func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head)
		bad, badC int64
		problem   string
	}{
		{"altered", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			h := headOf(k, e, 10)
			e[5].Leaf.Actor = "mallory"
			return e, db, log, h
		}, 6, 0, "altered"},
		{"altered and re-hashed", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			e[5].Leaf.Actor = "mallory"
			e = rehash(e)
			return e, nil, log, Head{Size: 10, State: "", Seal: ""}
		}, 6, 0, "seal"},
		{"deleted in the middle", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			return append(e[:2:2], e[3:]...), db, log, headOf(k, e, 10)
		}, 3, 0, "missing"},
		{"deleted back to before a checkpoint, head rewritten", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			return e[:6], db[:1], log, headOf(k, e, 6)
		}, 7, 0, "checkpoint log"},
		{"tail deleted, head rewritten", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			h := headOf(k, e, 9)
			h.Seal = "forged"
			return e[:9], db, log, h
		}, 10, 0, "seal"},
		{"checkpoint forged in the database", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			f := *db[1]
			f.Root = strings.Repeat("0", 64)
			return e, []*pubdata.Checkpoint{db[0], &f}, log, headOf(k, e, 10)
		}, 0, 8, "signature"},
		{"log shortened", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			return e, db, log[:1], headOf(k, e, 10)
		}, 0, 8, "missing from the checkpoint log"},
		{"no checkpoint anywhere", func(e []StoredEvent, db, log []*pubdata.Checkpoint) ([]StoredEvent, []*pubdata.Checkpoint, []*pubdata.Checkpoint, Head) {
			return e, nil, nil, headOf(k, e, 10)
		}, 1, 0, "history is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, c := buildLog(t, k, 10, 4, 8)
			e, db, log, head := tc.mutate(e, c, c)
			r := run(k, e, db, log, head)
			if r.OK || r.FirstBad != tc.bad || r.BadCheckpoint != tc.badC || !strings.Contains(r.Problem, tc.problem) {
				t.Fatalf("got %+v; want first bad %d, checkpoint %d, problem containing %q", r, tc.bad, tc.badC, tc.problem)
			}
		})
	}
}

func TestProofs(t *testing.T) {
	k, _ := LoadOrCreateKey(t.TempDir())
	evs, _ := buildLog(t, k, 37)
	for _, size := range []int64{1, 2, 7, 8, 9, 16, 37} {
		root := evs[size-1].Root
		for idx := int64(0); idx < size; idx++ {
			b, err := NewInclusionBuilder(idx, size)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs[:size] {
				if err := b.Add(e.LeafHash); err != nil {
					t.Fatal(err)
				}
			}
			p, err := b.Proof()
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(evs[idx].LeafHash, idx, size, p, root); err != nil {
				t.Fatalf("inclusion %d in %d: %v", idx, size, err)
			}
			if err := VerifyInclusion(evs[(idx+1)%size].LeafHash, idx, size, p, root); err == nil && size > 1 {
				t.Fatalf("inclusion %d in %d verifies another leaf", idx, size)
			}
			// The same proof from every tree state up to the leaf.
			for from := int64(1); from <= idx; from++ {
				tree := NewTree()
				for _, e := range evs[:from] {
					tree.Append(e.LeafHash)
				}
				b, err := NewInclusionBuilderFrom(idx, size, from, tree.State())
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs[from:size] {
					b.Add(e.LeafHash)
				}
				p2, err := b.Proof()
				if err != nil || fmt.Sprint(p2) != fmt.Sprint(p) {
					t.Fatalf("inclusion %d in %d from %d: %v, %v", idx, size, from, p2, err)
				}
			}
		}
		for old := int64(1); old <= size; old++ {
			tree := NewTree()
			for _, e := range evs[:old] {
				tree.Append(e.LeafHash)
			}
			b, err := NewConsistencyBuilder(old, tree.State(), size)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs[old:size] {
				b.Add(e.LeafHash)
			}
			p, err := b.Proof()
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(old, size, p, evs[old-1].Root, root); err != nil {
				t.Fatalf("consistency %d to %d: %v", old, size, err)
			}
			if old > 1 && old < size {
				if err := VerifyConsistency(old, size, p, evs[old-2].Root, root); err == nil {
					t.Fatalf("consistency %d to %d verifies another old root", old, size)
				}
			}
		}
	}
}

func sm3sum(b []byte) []byte {
	s := sm3.Sum(b)
	return s[:]
}
