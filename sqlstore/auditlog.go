package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
)

var _ pubdata.AuditService = (*AuditService)(nil)

// AuditService implements pubdata.AuditService over the events the other services write.
type AuditService struct{ db *DB }

// NewAuditService returns the audit service.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

const eventColumns = "seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root"

func scanLeaf(s interface{ Scan(...any) error }) (audit.StoredEvent, error) {
	var e audit.StoredEvent
	l := &e.Leaf
	err := s.Scan(&l.Seq, &l.Time, &l.Actor, &l.Org, &l.Division, &l.Action, &l.Object, &l.RequestID, &l.ClientAddr, &l.Purpose, &l.Details, &e.LeafHash, &e.Root)
	return e, err
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
		l := se.Leaf
		e := &pubdata.Event{Seq: l.Seq, Actor: l.Actor, Org: l.Org, Division: l.Division, Action: l.Action, Object: l.Object,
			RequestID: l.RequestID, ClientAddr: l.ClientAddr, Purpose: l.Purpose, LeafHash: se.LeafHash, Root: se.Root}
		if e.Time, err = parseTime(l.Time); err != nil {
			return nil, 0, "", err
		}
		if err := json.Unmarshal([]byte(l.Details), &e.Details); err != nil {
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

// Checkpoint implements pubdata.AuditService. Two nodes checkpointing the same size at once
// both succeed: the second insert is ignored.
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
	now := s.db.Now().UTC()
	ts := fmtTime(now)
	t, _ := parseTime(ts) // sign exactly the stored text
	sig, err := s.db.key.Sign(size, tree.Root(), t)
	if err != nil {
		return nil, err
	}
	if err := s.db.Exec(ctx, "INSERT INTO audit_checkpoints (size, root, time, signature, public_key) VALUES (?, ?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
		size, tree.Root(), ts, sig, s.db.key.PublicKey()); err != nil {
		return nil, err
	}
	return s.latest(ctx)
}

func (s *AuditService) latest(ctx context.Context) (*pubdata.Checkpoint, error) {
	var c pubdata.Checkpoint
	var ts string
	err := s.db.queryRow(ctx, "SELECT size, root, time, signature, public_key FROM audit_checkpoints ORDER BY size DESC LIMIT 1").
		Scan(&c.Size, &c.Root, &ts, &c.Signature, &c.PublicKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	c.Time, err = parseTime(ts)
	return &c, err
}

// Verify implements pubdata.AuditService: it reads every event in sequence order and every
// checkpoint, and recomputes the log against the key in the data folder.
func (s *AuditService) Verify(ctx context.Context) (*pubdata.AuditVerification, error) {
	// One snapshot: events appended while we read are neither seen nor counted in the head.
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var cps []audit.StoredCheckpoint
	rows, err := tx.query(ctx, "SELECT size, root, time, signature, public_key FROM audit_checkpoints ORDER BY size")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c audit.StoredCheckpoint
		if err := rows.Scan(&c.Size, &c.Root, &c.Time, &c.Signature, &c.PublicKey); err != nil {
			rows.Close()
			return nil, err
		}
		cps = append(cps, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var head int64
	if err := tx.queryRow(ctx, "SELECT size FROM audit_head WHERE id = 1").Scan(&head); err != nil {
		return nil, err
	}
	v := audit.NewVerifier(s.db.key.PublicKey(), cps)
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
