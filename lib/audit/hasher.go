// Package audit is the tamper-evident record's cryptography: an RFC 6962 Merkle tree with SM3
// leaf and node hashing, the canonical encoding of an event as a leaf, SM2-signed checkpoints,
// and the verifier that recomputes everything. It knows nothing of storage.
package audit

import (
	"github.com/emmansun/gmsm/sm3"
	"github.com/transparency-dev/merkle"
)

// RFC 6962 domain-separation prefixes.
const (
	leafPrefix = 0
	nodePrefix = 1
)

// Hasher is the SM3 RFC 6962 tree hasher: leaf = SM3(0x00 || data), node = SM3(0x01 || l || r).
var Hasher merkle.LogHasher = sm3Hasher{}

type sm3Hasher struct{}

func (sm3Hasher) EmptyRoot() []byte {
	s := sm3.Sum(nil)
	return s[:]
}

func (sm3Hasher) HashLeaf(leaf []byte) []byte {
	h := sm3.New()
	h.Write([]byte{leafPrefix})
	h.Write(leaf)
	return h.Sum(nil)
}

func (sm3Hasher) HashChildren(l, r []byte) []byte {
	h := sm3.New()
	h.Write([]byte{nodePrefix})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

func (sm3Hasher) Size() int { return sm3.Size }
