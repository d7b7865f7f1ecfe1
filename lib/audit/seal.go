package audit

import (
	"crypto/hmac"
	"encoding/hex"
	"strconv"

	"github.com/emmansun/gmsm/sm3"
)

// Sealer keys the record's hashes. The SM3 leaf and tree hashes need no key, so whoever can
// write to the database could recompute them after an edit; a seal is an HMAC-SM3, under a
// key kept in the data folder and never in the database, of an event's sequence number,
// leaf hash and tree head (and of the log head), so that an event rewritten or appended
// without the key fails at its own sequence number.
type Sealer interface {
	// SealEvent returns the hex seal of the event seq with its leaf hash and the root after it.
	SealEvent(seq int64, leafHash, root string) string
	// SealHead returns the hex seal of the log head: its size and root.
	SealHead(size int64, root string) string
}

// sealKey derives the HMAC key from the SM2 private scalar, so that the seal needs no key
// file of its own: SM3("pubdata-audit-seal-key/v1" || d).
func sealKey(d []byte) []byte {
	h := sm3.New()
	h.Write([]byte("pubdata-audit-seal-key/v1"))
	h.Write(d)
	return h.Sum(nil)
}

func (k *Key) seal(kind string, n int64, a, b string) string {
	m := hmac.New(sm3.New, k.sealKey)
	m.Write([]byte("pubdata-audit-" + kind + "/v1\n" + strconv.FormatInt(n, 10) + "\n" + a + "\n" + b + "\n"))
	return hex.EncodeToString(m.Sum(nil))
}

// SealEvent implements Sealer.
func (k *Key) SealEvent(seq int64, leafHash, root string) string {
	return k.seal("event", seq, leafHash, root)
}

// SealHead implements Sealer.
func (k *Key) SealHead(size int64, root string) string { return k.seal("head", size, root, "") }
