package audit

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/transparency-dev/merkle/compact"
)

var factory = &compact.RangeFactory{Hash: Hasher.HashChildren}

// Tree is the right edge of the log: enough to append a leaf and compute the root, in
// O(log n) hashes. Its State round-trips through storage.
type Tree struct {
	r *compact.Range
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{r: factory.NewEmptyRange(0)} }

// RestoreTree rebuilds a tree of size leaves from a State string.
func RestoreTree(size int64, state string) (*Tree, error) {
	var hashes [][]byte
	if state != "" {
		for _, s := range strings.Split(state, ",") {
			b, err := hex.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("audit tree state: %w", err)
			}
			hashes = append(hashes, b)
		}
	}
	r, err := factory.NewRange(0, uint64(size), hashes)
	if err != nil {
		return nil, fmt.Errorf("audit tree state of size %d: %w", size, err)
	}
	return &Tree{r: r}, nil
}

// Size returns the number of leaves.
func (t *Tree) Size() int64 { return int64(t.r.End()) }

// State returns the tree's right-edge hashes as comma-separated hex.
func (t *Tree) State() string {
	var parts []string
	for _, h := range t.r.Hashes() {
		parts = append(parts, hex.EncodeToString(h))
	}
	return strings.Join(parts, ",")
}

// Append adds a hex leaf hash and returns the new hex root.
func (t *Tree) Append(leafHash string) (string, error) {
	b, err := hex.DecodeString(leafHash)
	if err != nil || len(b) != Hasher.Size() {
		return "", fmt.Errorf("audit: bad leaf hash %q", leafHash)
	}
	if err := t.r.Append(b, nil); err != nil {
		return "", err
	}
	return t.Root(), nil
}

// Root returns the hex root hash (the SM3 of the empty string for an empty tree).
func (t *Tree) Root() string {
	if t.r.End() == 0 {
		return hex.EncodeToString(Hasher.EmptyRoot())
	}
	root, err := t.r.GetRootHash(nil)
	if err != nil {
		panic(err) // a range starting at 0 always has a root
	}
	return hex.EncodeToString(root)
}
