package audit

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pubdata/pubdata"
)

// StoredEvent is an event row as read back for verification: the leaf's fields and the leaf
// hash, root and seal the store recorded when it appended the event.
type StoredEvent struct {
	Leaf     Leaf
	LeafHash string
	Root     string
	Seal     string
}

// Head is the log head as stored: its size, tree state and seal.
type Head struct {
	Size  int64
	State string
	Seal  string
}

// WitnessCopy is what one witness keeps of this platform's checkpoints.
type WitnessCopy struct {
	Name        string
	Checkpoints []*pubdata.Checkpoint
	Err         error // the copy could not be read: reported, not a failure of the record
}

// Sources are the checkpoints a Verifier checks the events against.
type Sources struct {
	PublicKey string                // the platform's key: every checkpoint must be signed with it
	Sealer    Sealer                // checks the events' and the head's seals; nil: not checked
	DB        []*pubdata.Checkpoint // the database's copies
	Log       []Entry               // the checkpoint log outside the database
	LogWhere  string
	LogErr    error // the log could not be read or has a malformed line: a failure
	Witnesses []WitnessCopy
	// Now and Grace: a record whose first event is less than Grace old at Now (a brand-new
	// platform before its first checkpoint) may have no checkpoint yet. The events' times
	// are sealed, so this cannot be used to hide an older history without the key.
	Now   time.Time
	Grace time.Duration
}

type trusted struct {
	root  string
	where string
}

// Verifier recomputes the log from the stored events, in sequence order, and checks each
// leaf, seal and recorded root, and the root at every checkpoint size of the database, the
// checkpoint log and the witnesses' copies. Feed it with Add, then call Finish. Recomputing
// every root from the one sequence of events proves the checkpoints consistent with each
// other, as RFC 6962 consistency proofs would.
type Verifier struct {
	s        Sources
	tree     *Tree
	trusted  map[int64]trusted
	sizes    []int64 // of trusted, ascending
	next     int     // index into sizes of the next checkpoint to check
	maxSize  int64
	result   pubdata.AuditVerification
	lastGood int64  // the size of the last checkpoint that matched
	first    string // the first event's time
}

// NewVerifier checks the checkpoints among themselves — signatures, forks, a database
// checkpoint or a witness's missing from the checkpoint log — and returns the verifier of
// the events.
func NewVerifier(s Sources) *Verifier {
	v := &Verifier{s: s, tree: NewTree(), trusted: map[int64]trusted{}, result: pubdata.AuditVerification{OK: true, Log: s.LogWhere}}
	v.precheck()
	for size := range v.trusted {
		v.sizes = append(v.sizes, size)
	}
	sort.Slice(v.sizes, func(i, j int) bool { return v.sizes[i] < v.sizes[j] })
	if n := len(v.sizes); n > 0 {
		v.maxSize = v.sizes[n-1]
	}
	v.result.Checkpoints = len(v.sizes)
	return v
}

func (v *Verifier) fail(seq int64, format string, args ...any) bool {
	if v.result.OK {
		v.result.OK = false
		v.result.FirstBad = seq
		v.result.Problem = fmt.Sprintf(format, args...)
	}
	return false
}

func (v *Verifier) failCheckpoint(size int64, format string, args ...any) bool {
	if v.result.OK {
		v.fail(0, format, args...)
		v.result.BadCheckpoint = size
	}
	return false
}

// trust adds a checkpoint that verified; two roots for one size are a fork.
func (v *Verifier) trust(size int64, root, where string) bool {
	if t, ok := v.trusted[size]; ok {
		if t.root != root {
			return v.failCheckpoint(size, "fork: the checkpoints at size %d in %s and in %s have different roots", size, t.where, where)
		}
		return true
	}
	v.trusted[size] = trusted{root: root, where: where}
	return true
}

func (v *Verifier) precheck() {
	s := v.s
	var le *LineError
	if errors.As(s.LogErr, &le) {
		v.fail(0, "the checkpoint log is damaged: %v", s.LogErr)
		return
	} else if s.LogErr != nil {
		v.fail(0, "the checkpoint log cannot be read: %v", s.LogErr)
		return
	}
	inLog := map[int64]string{}
	for i, e := range s.Log {
		where := fmt.Sprintf("the checkpoint log (line %d)", i+1)
		if c := e.Checkpoint; c != nil {
			if err := VerifyCheckpoint(s.PublicKey, c); err != nil {
				v.failCheckpoint(c.Size, "the checkpoint at size %d in %s: %v", c.Size, where, err)
				return
			}
			if !v.trust(c.Size, c.Root, where) {
				return
			}
			inLog[c.Size] = c.Root
		}
	}
	for i, e := range s.Log {
		if c := e.Cosignature; c != nil {
			if err := VerifyBody(c.PublicKey, CosignatureBody(KeyID(s.PublicKey), c.Size, c.Root, c.Time), c.Signature); err != nil || c.KeyID != KeyID(c.PublicKey) {
				v.failCheckpoint(c.Size, "the cosignature of witness %s at size %d in the checkpoint log (line %d) does not verify", c.Witness, c.Size, i+1)
				return
			}
			if root, ok := inLog[c.Size]; !ok || root != c.Root {
				v.failCheckpoint(c.Size, "witness %s cosigned a checkpoint at size %d that the checkpoint log (line %d) does not hold", c.Witness, c.Size, i+1)
				return
			}
		}
	}
	for _, w := range s.Witnesses {
		if w.Err != nil {
			v.result.Witnesses = append(v.result.Witnesses, fmt.Sprintf("%s (not read: %v)", w.Name, w.Err))
			continue
		}
		v.result.Witnesses = append(v.result.Witnesses, fmt.Sprintf("%s (%d checkpoints)", w.Name, len(w.Checkpoints)))
		cps := sortedCopy(w.Checkpoints)
		for _, c := range cps {
			where := "witness " + w.Name + "'s copy"
			if err := VerifyCheckpoint(s.PublicKey, c); err != nil {
				v.failCheckpoint(c.Size, "the checkpoint at size %d in %s: %v", c.Size, where, err)
				return
			}
			if !v.trust(c.Size, c.Root, where) {
				return
			}
			if _, ok := inLog[c.Size]; !ok {
				v.failCheckpoint(c.Size, "the checkpoint at size %d that witness %s cosigned is missing from the checkpoint log: the log was shortened or replaced", c.Size, w.Name)
				return
			}
		}
	}
	for _, c := range sortedCopy(s.DB) {
		if err := VerifyCheckpoint(s.PublicKey, c); err != nil {
			v.failCheckpoint(c.Size, "the checkpoint at size %d in the database: %v", c.Size, err)
			return
		}
		if !v.trust(c.Size, c.Root, "the database") {
			return
		}
		if _, ok := inLog[c.Size]; !ok {
			v.failCheckpoint(c.Size, "the checkpoint at size %d in the database is missing from the checkpoint log: the log was shortened or the checkpoint forged", c.Size)
			return
		}
	}
}

// fresh reports whether the record began less than the grace period ago.
func (v *Verifier) fresh() bool {
	t, err := time.Parse(TimeFormat, v.first)
	return err == nil && v.s.Grace > 0 && v.s.Now.Sub(t) < v.s.Grace
}

func sortedCopy(cps []*pubdata.Checkpoint) []*pubdata.Checkpoint {
	out := append([]*pubdata.Checkpoint(nil), cps...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Size < out[j].Size })
	return out
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
	if v.s.Sealer != nil && v.s.Sealer.SealEvent(e.Leaf.Seq, e.LeafHash, e.Root) != e.Seal {
		return v.fail(e.Leaf.Seq, "event %d was not written by the platform: its seal does not match (changed or inserted and re-hashed without the key)", e.Leaf.Seq)
	}
	v.result.Events = e.Leaf.Seq
	if e.Leaf.Seq == 1 {
		v.first = e.Leaf.Time
	}
	if v.next < len(v.sizes) && v.sizes[v.next] == v.tree.Size() {
		t := v.trusted[v.tree.Size()]
		if t.root != root {
			v.fail(v.lastGood+1, "the checkpoint at size %d in %s does not match the events: an event from %d to %d was changed", v.tree.Size(), t.where, v.lastGood+1, v.tree.Size())
			v.result.BadCheckpoint = v.tree.Size()
			return false
		}
		v.lastGood = v.tree.Size()
		v.next++
	}
	return true
}

// Finish checks what remains after the last event: the log head the store recorded, and
// checkpoints beyond the events read (events were deleted).
func (v *Verifier) Finish(head Head) pubdata.AuditVerification {
	if !v.result.OK {
		return v.result
	}
	n := v.tree.Size()
	switch {
	case v.maxSize > n:
		v.fail(n+1, "event %d is missing: the checkpoint at size %d in %s covers %d events but only %d remain", n+1, v.maxSize, v.trusted[v.maxSize].where, v.maxSize, n)
	case head.Size > n:
		v.fail(n+1, "event %d is missing: the log head records %d events but only %d remain", n+1, head.Size, n)
	case head.Size < n:
		v.fail(head.Size+1, "event %d was inserted outside the log: the log head records only %d events", head.Size+1, head.Size)
	default:
		if t, err := RestoreTree(head.Size, head.State); err != nil || t.Root() != v.tree.Root() {
			v.fail(n+1, "the log head's tree state does not match the events")
		} else if v.s.Sealer != nil && v.s.Sealer.SealHead(n, v.tree.Root()) != head.Seal {
			v.fail(n+1, "event %d is missing, or the log head was rewritten: the head's seal does not match the %d events that remain", n+1, n)
		} else if n > 0 && len(v.sizes) == 0 && !v.fresh() {
			v.fail(1, "the checkpoint history is missing: %d events and no signed checkpoint in the database, the checkpoint log or a witness's copy", n)
		}
	}
	return v.result
}
