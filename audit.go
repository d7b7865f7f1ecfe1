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

// Checkpoint is a signed tree head (RFC 6962/9162's STH): the root of the first Size events,
// signed with the platform's key. Time is the signed text (UTC, 2006-01-02T15:04:05.000000Z).
// Every checkpoint is also appended to the checkpoint log outside the database and
// published at /api/v1/audit/checkpoints; witnesses add their cosignatures.
type Checkpoint struct {
	Size         int64         `json:"size"`
	Root         string        `json:"root"` // hex
	Time         string        `json:"time"`
	KeyID        string        `json:"key_id"`    // hex SM3 of the public key's DER
	Signature    string        `json:"signature"` // base64 SM2 signature over the checkpoint's body
	PublicKey    string        `json:"public_key"`
	Cosignatures []Cosignature `json:"cosignatures,omitempty"`
}

// Cosignature is a witness's signature over a platform's checkpoint: the witness checked that
// the checkpoint is consistent with the last one it cosigned for the platform.
type Cosignature struct {
	Size      int64  `json:"size"`
	Root      string `json:"root"`
	Witness   string `json:"witness"` // the witness's name as the platform configured it
	KeyID     string `json:"key_id"`  // the witness's key id
	PublicKey string `json:"public_key"`
	Time      string `json:"time"` // when the witness signed, as signed
	Signature string `json:"signature"`
}

// InclusionProof proves that one event is a leaf of a published checkpoint: it holds
// everything a third party needs to check it offline (pubdata audit check).
type InclusionProof struct {
	Format     string      `json:"format"` // "pubdata-audit-proof/v1"
	Event      *ProofEvent `json:"event"`
	LeafHash   string      `json:"leaf_hash"`  // hex SM3(0x00 || canonical event)
	Index      int64       `json:"leaf_index"` // Seq - 1
	TreeSize   int64       `json:"tree_size"`
	Path       []string    `json:"inclusion_path"` // hex, RFC 6962 order
	Checkpoint *Checkpoint `json:"checkpoint"`
}

// ProofEvent is an event as stored, every field as its stored text (the canonical leaf).
type ProofEvent struct {
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

// WitnessRequest asks a witness to cosign a platform's checkpoint: Consistency is the
// consistency proof from OldSize (the size the witness last cosigned, 0 the first time).
type WitnessRequest struct {
	Checkpoint  *Checkpoint `json:"checkpoint"`
	OldSize     int64       `json:"old_size"`
	Consistency []string    `json:"consistency"` // hex
}

// WitnessService is this platform acting as a witness of other platforms' records: it
// cosigns their checkpoints and keeps its copies.
type WitnessService interface {
	// Cosign checks req against the last checkpoint cosigned for the platform of its key
	// and returns the cosignature, keeping the checkpoint.
	Cosign(ctx context.Context, req *WitnessRequest) (*Cosignature, error)
	// Witnessed returns the checkpoints cosigned for the platform of keyID, in size order,
	// after the given size, at most limit; and whether more follow.
	Witnessed(ctx context.Context, keyID string, after int64, limit int) ([]*Checkpoint, bool, error)
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
	OK          bool  `json:"ok"`
	Events      int64 `json:"events"`
	Checkpoints int   `json:"checkpoints"`
	FirstBad    int64 `json:"first_bad,omitempty"` // the first sequence number that fails
	// BadCheckpoint is the size of the first checkpoint that fails when the fault is a
	// checkpoint's (forged, missing from the checkpoint log, a fork), not an event's.
	BadCheckpoint int64 `json:"bad_checkpoint,omitempty"`
	// Log is where the checkpoint log was read; Witnesses the witness copies read.
	Log       string   `json:"log,omitempty"`
	Witnesses []string `json:"witnesses,omitempty"`
	Problem   string   `json:"problem,omitempty"`
}

// AuditService reads and checks the record. Events are written by the other services in the
// same transaction as the changes they record.
type AuditService interface {
	// FindEvents returns a page of events, newest first, and the next cursor.
	FindEvents(ctx context.Context, f AuditFilter) ([]*Event, int, string, error)
	// Checkpoint signs the current tree head if it grew since the last checkpoint and returns
	// the newest checkpoint (nil while the record is empty).
	Checkpoint(ctx context.Context) (*Checkpoint, error)
	// Verify recomputes every leaf, seal and root and checks them against every checkpoint
	// in the database, in the checkpoint log outside it and in the witnesses' copies.
	Verify(ctx context.Context) (*AuditVerification, error)
	// FindCheckpoints returns the published checkpoints in size order, after the size in
	// cursor, with their cosignatures, and the next cursor.
	FindCheckpoints(ctx context.Context, limit int, cursor string) ([]*Checkpoint, int, string, error)
	// LatestCheckpoint returns the newest published checkpoint (ENOTFOUND while there is none).
	LatestCheckpoint(ctx context.Context) (*Checkpoint, error)
	// Proof returns the inclusion proof of the event seq in the newest checkpoint that
	// covers it (ENOTFOUND: no such event; ECONFLICT: no checkpoint covers it yet). It does
	// not check who may see the event.
	Proof(ctx context.Context, seq int64) (*InclusionProof, error)
	// FindEvent returns one event (ENOTFOUND if none).
	FindEvent(ctx context.Context, seq int64) (*Event, error)
}
