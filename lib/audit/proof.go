package audit

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/pubdata/pubdata"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// ProofFormat names the version of an inclusion proof bundle.
const ProofFormat = "pubdata-audit-proof/v1"

// ProofBuilder collects the node hashes of an RFC 6962 inclusion or consistency proof while
// the leaf hashes stream past: start from the tree state at some size (the right edge of
// the tree, as a checkpoint keeps it) and Add the leaves after it, in order, up to the
// proof's tree size.
type ProofBuilder struct {
	nodes proof.Nodes
	want  map[compact.NodeID]int
	got   [][]byte
	r     *compact.Range
	size  uint64
}

func newProofBuilder(n proof.Nodes, from int64, state string, size int64) (*ProofBuilder, error) {
	b := &ProofBuilder{nodes: n, want: map[compact.NodeID]int{}, got: make([][]byte, len(n.IDs)), size: uint64(size)}
	for i, id := range n.IDs {
		b.want[id] = i
	}
	if from == 0 {
		b.r = factory.NewEmptyRange(0)
		return b, nil
	}
	// The range [0, from) goes on growing: its appends report every new node, including
	// those that join leaves before from with leaves after it.
	base, err := RestoreTree(from, state)
	if err != nil {
		return nil, err
	}
	ids := compact.RangeNodes(0, uint64(from), nil)
	for i, h := range base.r.Hashes() {
		b.visit(ids[i], h)
	}
	b.r = base.r
	return b, nil
}

func (b *ProofBuilder) visit(id compact.NodeID, h []byte) {
	if i, ok := b.want[id]; ok {
		b.got[i] = append([]byte(nil), h...)
	}
}

// NewInclusionBuilder returns a builder of the inclusion proof of leaf index (seq - 1) in
// the tree of size leaves; Add every leaf hash from the first.
func NewInclusionBuilder(index, size int64) (*ProofBuilder, error) {
	return NewInclusionBuilderFrom(index, size, 0, "")
}

// NewInclusionBuilderFrom is NewInclusionBuilder starting from the tree state at size from
// (at most index, e.g. a checkpoint's): Add the leaf hashes after from. Every node of the
// proof left of from is a node of that state, so the leaves before from are not read.
func NewInclusionBuilderFrom(index, size, from int64, state string) (*ProofBuilder, error) {
	if index < 0 || index >= size {
		return nil, fmt.Errorf("audit: leaf %d is not in a tree of %d", index, size)
	}
	if from < 0 || from > index {
		return nil, fmt.Errorf("audit: cannot prove leaf %d from the tree state at %d", index, from)
	}
	n, err := proof.Inclusion(uint64(index), uint64(size))
	if err != nil {
		return nil, err
	}
	return newProofBuilder(n, from, state, size)
}

// NewConsistencyBuilder returns a builder of the consistency proof from size old (whose tree
// state is oldState) to size; Add the leaf hashes after old.
func NewConsistencyBuilder(old int64, oldState string, size int64) (*ProofBuilder, error) {
	if old < 0 || old > size {
		return nil, fmt.Errorf("audit: no consistency proof from %d to %d", old, size)
	}
	n, err := proof.Consistency(uint64(old), uint64(size))
	if err != nil {
		return nil, err
	}
	return newProofBuilder(n, old, oldState, size)
}

// Next is the index of the next leaf Add expects.
func (b *ProofBuilder) Next() int64 { return int64(b.r.End()) }

// Add appends the next hex leaf hash.
func (b *ProofBuilder) Add(leafHash string) error {
	if b.r.End() >= b.size {
		return errors.New("audit: proof builder: more leaves than the tree size")
	}
	h, err := hex.DecodeString(leafHash)
	if err != nil || len(h) != Hasher.Size() {
		return fmt.Errorf("audit: bad leaf hash %q", leafHash)
	}
	return b.r.Append(h, b.visit)
}

// Proof returns the proof's hashes in hex, once every leaf up to the tree size was added.
func (b *ProofBuilder) Proof() ([]string, error) {
	if b.r.End() != b.size {
		return nil, fmt.Errorf("audit: proof builder has %d of %d leaves", b.r.End(), b.size)
	}
	for i, h := range b.got {
		if h == nil {
			return nil, fmt.Errorf("audit: proof node %v not seen", b.nodes.IDs[i])
		}
	}
	hs, err := b.nodes.Rehash(b.got, Hasher.HashChildren)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h)
	}
	return out, nil
}

func decodeHashes(hs []string) ([][]byte, error) {
	out := make([][]byte, len(hs))
	for i, s := range hs {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != Hasher.Size() {
			return nil, fmt.Errorf("proof hash %d is not a hex SM3 hash", i+1)
		}
		out[i] = b
	}
	return out, nil
}

// VerifyInclusion checks that leafHash is leaf index of the tree of size leaves with root.
func VerifyInclusion(leafHash string, index, size int64, path []string, root string) error {
	lh, err1 := hex.DecodeString(leafHash)
	r, err2 := hex.DecodeString(root)
	p, err3 := decodeHashes(path)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	if index < 0 || size < 1 {
		return errors.New("bad leaf index or tree size")
	}
	return proof.VerifyInclusion(Hasher, uint64(index), uint64(size), lh, p, r)
}

// VerifyConsistency checks that the tree of size with root extends the tree of old with
// oldRoot.
func VerifyConsistency(old, size int64, path []string, oldRoot, root string) error {
	r1, err1 := hex.DecodeString(oldRoot)
	r2, err2 := hex.DecodeString(root)
	p, err3 := decodeHashes(path)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	if old < 0 || size < old {
		return errors.New("bad tree sizes")
	}
	return proof.VerifyConsistency(Hasher, uint64(old), uint64(size), p, r1, r2)
}

// LeafOf returns the leaf of a proof's event.
func LeafOf(e *pubdata.ProofEvent) Leaf {
	return Leaf{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Org: e.Org, Division: e.Division, Action: e.Action,
		Object: e.Object, RequestID: e.RequestID, ClientAddr: e.ClientAddr, Purpose: e.Purpose, Details: e.Details}
}

// CheckProof checks an inclusion proof bundle offline: the event's content gives its leaf
// hash, the path leads from it to the checkpoint's root, and the checkpoint is signed by the
// public key pub (the bundle's own key when pub is ""; compare its key id with one you trust).
func CheckProof(p *pubdata.InclusionProof, pub string) error {
	if p == nil || p.Format != ProofFormat {
		return fmt.Errorf("not a %s bundle", ProofFormat)
	}
	if p.Event == nil || p.Checkpoint == nil {
		return errors.New("the bundle lacks its event or checkpoint")
	}
	if pub == "" {
		pub = p.Checkpoint.PublicKey
	}
	if err := VerifyCheckpoint(pub, p.Checkpoint); err != nil {
		return fmt.Errorf("checkpoint at size %d: %w", p.Checkpoint.Size, err)
	}
	if p.Index != p.Event.Seq-1 || p.TreeSize != p.Checkpoint.Size {
		return errors.New("the proof's leaf index or tree size does not match its event and checkpoint")
	}
	if got := LeafOf(p.Event).Hash(); got != p.LeafHash {
		return fmt.Errorf("event %d does not match its leaf hash: its content was changed", p.Event.Seq)
	}
	if err := VerifyInclusion(p.LeafHash, p.Index, p.TreeSize, p.Path, p.Checkpoint.Root); err != nil {
		return fmt.Errorf("event %d is not in the checkpoint at size %d: %w", p.Event.Seq, p.TreeSize, err)
	}
	return nil
}
