package pubdata

import (
	"context"
	"time"
)

// Event is one entry of the record: a change or a data access. Events are the leaves of an
// append-only Merkle log; Seq numbers them from 1 without gaps.
type Event struct {
	Seq        int64          `json:"seq"`
	Time       time.Time      `json:"time"`
	Actor      string         `json:"actor"`          // username, "" for anonymous or the system
	Org        string         `json:"org"`            // the actor's organisation code
	Division   string         `json:"division"`       // the division of Org, for scoping reads
	Action     string         `json:"action"`         // e.g. "org.create"
	Object     string         `json:"object"`         // e.g. "org:330000-dsj"
	RequestID  string         `json:"request_id"`     //
	ClientAddr string         `json:"client_addr"`    //
	Purpose    string         `json:"purpose"`        // X-Purpose of a data access
	Details    map[string]any `json:"details"`        // what changed; never secrets
	LeafHash   string         `json:"leaf_hash"`      // hex SM3 leaf hash of the event
	Root       string         `json:"root,omitempty"` // hex tree head after this event
}

// Checkpoint is a signed tree head: the root of the first Size events, signed with the
// platform's SM2 key.
type Checkpoint struct {
	Size      int64     `json:"size"`
	Root      string    `json:"root"` // hex
	Time      time.Time `json:"time"`
	Signature string    `json:"signature"` // base64 SM2 signature over the checkpoint's body
	PublicKey string    `json:"public_key"`
}

// AuditFilter selects events. Empty fields do not filter.
type AuditFilter struct {
	Actor  string
	Action string
	Object string
	// Since and Until limit to events at or after Since and before Until; zero: no limit.
	Since, Until time.Time
	Scope        *Scope // limits to an authority's division; nil: everything
	Limit        int
	Cursor       string // events with Seq below the cursor
}

// AuditVerification is the outcome of checking the whole record.
type AuditVerification struct {
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	Checkpoints int    `json:"checkpoints"`
	FirstBad    int64  `json:"first_bad,omitempty"` // the first sequence number that fails
	Problem     string `json:"problem,omitempty"`
}

// AuditService reads and checks the record. Events are written by the other services in the
// same transaction as the changes they record.
type AuditService interface {
	// FindEvents returns a page of events, newest first, and the next cursor.
	FindEvents(ctx context.Context, f AuditFilter) ([]*Event, int, string, error)
	// Checkpoint signs the current tree head if it grew since the last checkpoint and returns
	// the newest checkpoint (nil while the record is empty).
	Checkpoint(ctx context.Context) (*Checkpoint, error)
	// Verify recomputes every leaf and root and checks every checkpoint's signature and root.
	Verify(ctx context.Context) (*AuditVerification, error)
}
