package audit

import (
	"fmt"
	"sort"

	"github.com/pubdata/pubdata"
)

// StoredEvent is an event row as read back for verification: the leaf's fields and the leaf
// hash and root the store recorded when it appended the event.
type StoredEvent struct {
	Leaf     Leaf
	LeafHash string
	Root     string
}

// StoredCheckpoint is a checkpoint row as read back; Time is its stored text.
type StoredCheckpoint struct {
	Size      int64
	Root      string
	Time      string
	Signature string
	PublicKey string
}

// Verifier recomputes the log from the stored events, in sequence order, and checks each
// leaf, each recorded root and every checkpoint. Feed it with Add, then call Finish.
type Verifier struct {
	pub    string
	tree   *Tree
	cps    []StoredCheckpoint
	next   int // index into cps of the next checkpoint to check
	result pubdata.AuditVerification
	// lastGood is the size of the last checkpoint that matched: a mismatch at a later
	// checkpoint means an event after it was changed.
	lastGood int64
}

// NewVerifier returns a verifier that trusts only the public key pub (base64 PKIX DER) and
// checks the given checkpoints.
func NewVerifier(pub string, checkpoints []StoredCheckpoint) *Verifier {
	cps := append([]StoredCheckpoint(nil), checkpoints...)
	sort.Slice(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })
	return &Verifier{pub: pub, tree: NewTree(), cps: cps, result: pubdata.AuditVerification{OK: true, Checkpoints: len(cps)}}
}

func (v *Verifier) fail(seq int64, format string, args ...any) bool {
	v.result.OK = false
	v.result.FirstBad = seq
	v.result.Problem = fmt.Sprintf(format, args...)
	return false
}

// Add checks the next event. It returns false once a problem is found; later calls are no-ops.
func (v *Verifier) Add(e StoredEvent) bool {
	if !v.result.OK {
		return false
	}
	want := v.tree.Size() + 1
	switch {
	case e.Leaf.Seq < want:
		return v.fail(e.Leaf.Seq, "event %d appears twice or out of order", e.Leaf.Seq)
	case e.Leaf.Seq > want:
		return v.fail(want, "event %d is missing (the next event found is %d)", want, e.Leaf.Seq)
	}
	if got := e.Leaf.Hash(); got != e.LeafHash {
		return v.fail(e.Leaf.Seq, "event %d was altered: its content does not match its leaf hash", e.Leaf.Seq)
	}
	root, err := v.tree.Append(e.LeafHash)
	if err != nil {
		return v.fail(e.Leaf.Seq, "event %d: %v", e.Leaf.Seq, err)
	}
	if root != e.Root {
		return v.fail(e.Leaf.Seq, "event %d: the recorded tree head does not match the recomputed one", e.Leaf.Seq)
	}
	v.result.Events = e.Leaf.Seq
	for v.next < len(v.cps) && v.cps[v.next].Size == v.tree.Size() {
		if !v.checkpoint(v.cps[v.next], root) {
			return false
		}
		v.next++
	}
	return true
}

func (v *Verifier) checkpoint(cp StoredCheckpoint, root string) bool {
	if cp.PublicKey != v.pub {
		return v.fail(v.lastGood+1, "checkpoint at size %d was signed by another key", cp.Size)
	}
	if err := VerifySignature(v.pub, cp.Size, cp.Root, cp.Time, cp.Signature); err != nil {
		return v.fail(v.lastGood+1, "checkpoint at size %d: %v", cp.Size, err)
	}
	if cp.Root != root {
		return v.fail(v.lastGood+1, "checkpoint at size %d: the signed root does not match the events; an event from %d to %d was changed", cp.Size, v.lastGood+1, cp.Size)
	}
	v.lastGood = cp.Size
	return true
}

// Finish checks what remains after the last event: headSize is the size the store's log head
// claims; any checkpoint beyond the events read means events were deleted.
func (v *Verifier) Finish(headSize int64) pubdata.AuditVerification {
	if !v.result.OK {
		return v.result
	}
	n := v.tree.Size()
	if v.next < len(v.cps) {
		v.fail(n+1, "event %d is missing: a signed checkpoint covers %d events but only %d remain", n+1, v.cps[v.next].Size, n)
	} else if headSize > n {
		v.fail(n+1, "event %d is missing: the log head records %d events but only %d remain", n+1, headSize, n)
	} else if headSize < n {
		v.fail(headSize+1, "event %d was inserted outside the log: the log head records only %d events", headSize+1, headSize)
	}
	return v.result
}
