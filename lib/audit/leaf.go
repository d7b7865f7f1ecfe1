package audit

import (
	"encoding/hex"
	"encoding/json"
)

// Leaf is an event exactly as stored: every field as its stored text, so that the leaf can be
// recomputed from the database without any conversion. Time is in TimeFormat; Details is the
// stored JSON text.
type Leaf struct {
	Seq        int64  `json:"seq"`
	Time       string `json:"time"`
	Actor      string `json:"actor"`
	Org        string `json:"org"`
	Division   string `json:"division"`
	Action     string `json:"action"`
	Object     string `json:"object"`
	RequestID  string `json:"request_id"`
	ClientAddr string `json:"client_addr"`
	Purpose    string `json:"purpose"`
	Details    string `json:"details"`
}

// TimeFormat is the one text form of event and checkpoint times: UTC, microseconds, fixed
// width, so that it sorts and round-trips through either database unchanged.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Bytes returns the canonical encoding of the leaf: JSON with the fields in declaration order.
func (l Leaf) Bytes() []byte {
	b, err := json.Marshal(l)
	if err != nil {
		panic(err) // only strings and an int: cannot fail
	}
	return b
}

// Hash returns the hex SM3 leaf hash of the leaf.
func (l Leaf) Hash() string { return hex.EncodeToString(Hasher.HashLeaf(l.Bytes())) }
