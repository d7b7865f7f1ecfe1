package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
)

var _ pubdata.AuditService = (*AuditService)(nil)

// AuditService implements pubdata.AuditService over the events the other services write.
type AuditService struct {
	db *DB
	// Log is the checkpoint log outside the database: every checkpoint is appended to it
	// before it is stored, and Verify checks the record against it. By default the file
	// checkpoints.log in the data folder (the key's folder).
	Log audit.Log
	// Signer signs the checkpoints: by default the SM2 key in the data folder.
	Signer audit.Signer
	// Witnesses cosign every new checkpoint, and Verify reads their copies.
	Witnesses []audit.Witness
}

// NewRecordGrace is how long a brand-new record may go without a checkpoint: twice the
// longest checkpoint interval.
const NewRecordGrace = 2 * time.Minute

// NewAuditService returns the audit service.
func NewAuditService(db *DB) *AuditService {
	return &AuditService{db: db, Log: audit.NewFileLog(filepath.Join(db.keyDir, audit.LogFile)), Signer: db.key}
}

const eventColumns = "seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root, seal"

func scanLeaf(s interface{ Scan(...any) error }) (audit.StoredEvent, error) {
	var e audit.StoredEvent
	l := &e.Leaf
	err := s.Scan(&l.Seq, &l.Time, &l.Actor, &l.Org, &l.Division, &l.Action, &l.Object, &l.RequestID, &l.ClientAddr, &l.Purpose, &l.Details, &e.LeafHash, &e.Root, &e.Seal)
	return e, err
}

func toEvent(se audit.StoredEvent) (*pubdata.Event, error) {
	l := se.Leaf
	e := &pubdata.Event{Seq: l.Seq, Actor: l.Actor, Org: l.Org, Division: l.Division, Action: l.Action, Object: l.Object,
		RequestID: l.RequestID, ClientAddr: l.ClientAddr, Purpose: l.Purpose, LeafHash: se.LeafHash, Root: se.Root}
	var err error
	if e.Time, err = parseTime(l.Time); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(l.Details), &e.Details); err != nil {
		return nil, err
	}
	return e, nil
}

// FindEvents implements pubdata.AuditService.
func (s *AuditService) FindEvents(ctx context.Context, f pubdata.AuditFilter) ([]*pubdata.Event, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"actor", f.Actor}, {"action", f.Action}, {"object", f.Object}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	if !f.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, fmtTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "time < ?"), append(args, fmtTime(f.Until))
	}
	if f.Scope != nil {
		c := "division LIKE ? ESCAPE '\\'"
		if f.Scope.IncludeNoOrg {
			c = "(" + c + " OR org = '')"
		}
		where, args = append(where, c), append(args, likePrefix(f.Scope.DivisionPrefix))
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM audit_events"+whereClause(where), args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	if f.Cursor != "" {
		before, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || before < 1 {
			return nil, 0, "", pubdata.Errorf(pubdata.EINVALID, "cursor %q is not valid.", f.Cursor)
		}
		where, args = append(where, "seq < ?"), append(args, before)
	}
	rows, err := s.db.query(ctx, "SELECT "+eventColumns+" FROM audit_events"+whereClause(where)+" ORDER BY seq DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, 0, "", err
	}
	defer rows.Close()
	var out []*pubdata.Event
	for rows.Next() {
		se, err := scanLeaf(rows)
		if err != nil {
			return nil, 0, "", err
		}
		e, err := toEvent(se)
		if err != nil {
			return nil, 0, "", err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(out[limit-1].Seq, 10)
	}
	return out, total, next, nil
}

// FindEvent implements pubdata.AuditService.
func (s *AuditService) FindEvent(ctx context.Context, seq int64) (*pubdata.Event, error) {
	se, err := scanLeaf(s.db.queryRow(ctx, "SELECT "+eventColumns+" FROM audit_events WHERE seq = ?", seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "There is no event %d.", seq).Keyed("error.audit.no_event", "Seq", seq)
	} else if err != nil {
		return nil, err
	}
	return toEvent(se)
}

// Checkpoint implements pubdata.AuditService: it signs the head if it grew, appends the
// checkpoint to the checkpoint log (first: a checkpoint is never in the database without
// being in the log), stores it, and asks every witness to cosign it. Two nodes
// checkpointing the same size at once both succeed: the second insert is ignored. A witness
// that fails does not undo the checkpoint: the checkpoint is returned with the error.
func (s *AuditService) Checkpoint(ctx context.Context) (*pubdata.Checkpoint, error) {
	var size int64
	var state string
	if err := s.db.queryRow(ctx, "SELECT size, state FROM audit_head WHERE id = 1").Scan(&size, &state); err != nil {
		return nil, err
	}
	last, err := s.latest(ctx)
	if err != nil {
		return nil, err
	}
	if size == 0 || (last != nil && last.Size >= size) {
		return last, nil
	}
	tree, err := audit.RestoreTree(size, state)
	if err != nil {
		return nil, err
	}
	ts := fmtTime(s.db.Now())
	t, _ := parseTime(ts) // sign exactly the stored text
	sig, err := s.Signer.Sign(size, tree.Root(), t)
	if err != nil {
		return nil, err
	}
	cp := &pubdata.Checkpoint{Size: size, Root: tree.Root(), Time: ts, KeyID: s.Signer.KeyID(), Signature: sig, PublicKey: s.Signer.PublicKey()}
	if err := s.Log.Append(ctx, audit.Entry{Checkpoint: cp}); err != nil {
		return nil, fmt.Errorf("checkpoint log: %w", err)
	}
	if err := s.db.Exec(ctx, "INSERT INTO audit_checkpoints (size, root, time, signature, public_key, key_id, state) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
		cp.Size, cp.Root, cp.Time, cp.Signature, cp.PublicKey, cp.KeyID, state); err != nil {
		return nil, err
	}
	var errs []error
	for _, w := range s.Witnesses {
		if err := s.cosign(ctx, w, cp); err != nil {
			errs = append(errs, fmt.Errorf("witness %s: %w", w.Name(), err))
		}
	}
	return cp, errors.Join(errs...)
}

// cosign asks w to cosign cp, with the consistency proof from the last size w cosigned
// (retrying once from the size w says it holds), and keeps the cosignature in the log and
// the database.
func (s *AuditService) cosign(ctx context.Context, w audit.Witness, cp *pubdata.Checkpoint) error {
	var old int64
	if err := s.db.queryRow(ctx, "SELECT COALESCE(MAX(size), 0) FROM audit_cosignatures WHERE witness_key_id = ?", w.KeyID()).Scan(&old); err != nil {
		return err
	}
	var cs *pubdata.Cosignature
	for try := 0; ; try++ {
		req := &pubdata.WitnessRequest{Checkpoint: cp, OldSize: old}
		if old > 0 && old < cp.Size {
			p, err := s.consistency(ctx, old, cp.Size)
			if err != nil {
				return err
			}
			req.Consistency = p
		}
		var err error
		cs, err = w.Cosign(ctx, req)
		var conflict *audit.WitnessConflict
		if errors.As(err, &conflict) && try == 0 && conflict.Size >= 0 && conflict.Size <= cp.Size && conflict.Size != old {
			old = conflict.Size
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if err := s.Log.Append(ctx, audit.Entry{Cosignature: cs}); err != nil {
		return fmt.Errorf("checkpoint log: %w", err)
	}
	return s.db.Exec(ctx, "INSERT INTO audit_cosignatures (size, witness_key_id, witness, root, public_key, time, signature) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (size, witness_key_id) DO NOTHING",
		cs.Size, cs.KeyID, cs.Witness, cs.Root, cs.PublicKey, cs.Time, cs.Signature)
}

// consistency builds the consistency proof from old to size: from the tree state kept with
// the checkpoint at old and the leaves after it (rebuilding that state from the first leaf
// when no checkpoint at old keeps it).
func (s *AuditService) consistency(ctx context.Context, old, size int64) ([]string, error) {
	var state string
	err := s.db.queryRow(ctx, "SELECT state FROM audit_checkpoints WHERE size = ? AND state <> ''", old).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		t := audit.NewTree()
		if err := s.leaves(ctx, 1, old, func(h string) error { _, err := t.Append(h); return err }); err != nil {
			return nil, err
		}
		state = t.State()
	} else if err != nil {
		return nil, err
	}
	b, err := audit.NewConsistencyBuilder(old, state, size)
	if err != nil {
		return nil, err
	}
	if err := s.leaves(ctx, old+1, size, b.Add); err != nil {
		return nil, err
	}
	return b.Proof()
}

// leaves calls f with the leaf hashes of the events from to to, in order.
func (s *AuditService) leaves(ctx context.Context, from, to int64, f func(string) error) error {
	rows, err := s.db.query(ctx, "SELECT seq, leaf_hash FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq", from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	want := from
	for rows.Next() {
		var seq int64
		var h string
		if err := rows.Scan(&seq, &h); err != nil {
			return err
		}
		if seq != want {
			return fmt.Errorf("audit: event %d is missing", want)
		}
		want++
		if err := f(h); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if want != to+1 {
		return fmt.Errorf("audit: event %d is missing", want)
	}
	return nil
}

const checkpointColumns = "size, root, time, key_id, signature, public_key"

func scanCheckpoint(s interface{ Scan(...any) error }) (*pubdata.Checkpoint, error) {
	var c pubdata.Checkpoint
	err := s.Scan(&c.Size, &c.Root, &c.Time, &c.KeyID, &c.Signature, &c.PublicKey)
	if c.KeyID == "" { // checkpoints signed before key ids were stored
		c.KeyID = audit.KeyID(c.PublicKey)
	}
	return &c, err
}

func (s *AuditService) latest(ctx context.Context) (*pubdata.Checkpoint, error) {
	c, err := scanCheckpoint(s.db.queryRow(ctx, "SELECT "+checkpointColumns+" FROM audit_checkpoints ORDER BY size DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// LatestCheckpoint implements pubdata.AuditService.
func (s *AuditService) LatestCheckpoint(ctx context.Context) (*pubdata.Checkpoint, error) {
	c, err := s.latest(ctx)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No checkpoint has been signed yet.").Keyed("error.audit.no_checkpoint")
	}
	return c, s.withCosignatures(ctx, []*pubdata.Checkpoint{c})
}

func (s *AuditService) withCosignatures(ctx context.Context, cps []*pubdata.Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	lo, hi := cps[0].Size, cps[0].Size
	by := map[int64]*pubdata.Checkpoint{}
	for _, c := range cps {
		lo, hi = min(lo, c.Size), max(hi, c.Size)
		by[c.Size] = c
	}
	rows, err := s.db.query(ctx, "SELECT size, root, witness, witness_key_id, public_key, time, signature FROM audit_cosignatures WHERE size >= ? AND size <= ? ORDER BY size, witness_key_id", lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c pubdata.Cosignature
		if err := rows.Scan(&c.Size, &c.Root, &c.Witness, &c.KeyID, &c.PublicKey, &c.Time, &c.Signature); err != nil {
			return err
		}
		if cp := by[c.Size]; cp != nil {
			cp.Cosignatures = append(cp.Cosignatures, c)
		}
	}
	return rows.Err()
}

// FindCheckpoints implements pubdata.AuditService.
func (s *AuditService) FindCheckpoints(ctx context.Context, limit int, cursor string) ([]*pubdata.Checkpoint, int, string, error) {
	limit, err := pubdata.PageLimit(limit)
	if err != nil {
		return nil, 0, "", err
	}
	var after int64
	if cursor != "" {
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil || after < 1 {
			return nil, 0, "", pubdata.Errorf(pubdata.EINVALID, "cursor %q is not valid.", cursor)
		}
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM audit_checkpoints").Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT "+checkpointColumns+" FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?", after, limit+1)
	if err != nil {
		return nil, 0, "", err
	}
	var out []*pubdata.Checkpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			rows.Close()
			return nil, 0, "", err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(out[limit-1].Size, 10)
	}
	return out, total, next, s.withCosignatures(ctx, out)
}

// Proof implements pubdata.AuditService: the inclusion proof of the event in the newest
// checkpoint, built from the tree state kept with the last checkpoint before the event and
// the leaf hashes after it, streamed up to the newest checkpoint's size.
func (s *AuditService) Proof(ctx context.Context, seq int64) (*pubdata.InclusionProof, error) {
	se, err := scanLeaf(s.db.queryRow(ctx, "SELECT "+eventColumns+" FROM audit_events WHERE seq = ?", seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "There is no event %d.", seq).Keyed("error.audit.no_event", "Seq", seq)
	} else if err != nil {
		return nil, err
	}
	cp, err := s.latest(ctx)
	if err != nil {
		return nil, err
	}
	if cp == nil || cp.Size < seq {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Event %d is not in a signed checkpoint yet: ask again after the next checkpoint (at most a minute).", seq).
			Keyed("error.audit.not_checkpointed", "Seq", seq)
	}
	if err := s.withCosignatures(ctx, []*pubdata.Checkpoint{cp}); err != nil {
		return nil, err
	}
	// Start from the tree state of the last checkpoint at or before the event's index.
	var from int64
	var state string
	err = s.db.queryRow(ctx, "SELECT size, state FROM audit_checkpoints WHERE size <= ? AND state <> '' ORDER BY size DESC LIMIT 1", seq-1).Scan(&from, &state)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	b, err := audit.NewInclusionBuilderFrom(seq-1, cp.Size, from, state)
	if err != nil {
		return nil, err
	}
	if err := s.leaves(ctx, from+1, cp.Size, b.Add); err != nil {
		return nil, err
	}
	path, err := b.Proof()
	if err != nil {
		return nil, err
	}
	l := se.Leaf
	return &pubdata.InclusionProof{
		Format: audit.ProofFormat,
		Event: &pubdata.ProofEvent{Seq: l.Seq, Time: l.Time, Actor: l.Actor, Org: l.Org, Division: l.Division, Action: l.Action,
			Object: l.Object, RequestID: l.RequestID, ClientAddr: l.ClientAddr, Purpose: l.Purpose, Details: l.Details},
		LeafHash: se.LeafHash, Index: seq - 1, TreeSize: cp.Size, Path: path, Checkpoint: cp,
	}, nil
}

// Verify implements pubdata.AuditService: it reads every event in sequence order and every
// checkpoint of the database, the checkpoint log and the witnesses' copies, and recomputes
// the log against the key in the data folder.
func (s *AuditService) Verify(ctx context.Context) (*pubdata.AuditVerification, error) {
	src := audit.Sources{PublicKey: s.Signer.PublicKey(), Sealer: s.db.key, LogWhere: s.Log.String(),
		Now: s.db.Now(), Grace: NewRecordGrace}
	src.Log, src.LogErr = s.Log.Entries(ctx)
	for _, w := range s.Witnesses {
		cps, err := w.Copy(ctx, s.Signer.KeyID())
		src.Witnesses = append(src.Witnesses, audit.WitnessCopy{Name: w.Name(), Checkpoints: cps, Err: err})
	}
	// One snapshot: events appended while we read are neither seen nor counted in the head.
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT "+checkpointColumns+" FROM audit_checkpoints ORDER BY size")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		src.DB = append(src.DB, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var head audit.Head
	if err := tx.queryRow(ctx, "SELECT size, state, seal FROM audit_head WHERE id = 1").Scan(&head.Size, &head.State, &head.Seal); err != nil {
		return nil, err
	}
	v := audit.NewVerifier(src)
	rows, err = tx.query(ctx, "SELECT "+eventColumns+" FROM audit_events ORDER BY seq")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanLeaf(rows)
		if err != nil {
			return nil, err
		}
		if !v.Add(e) {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r := v.Finish(head)
	return &r, nil
}
