package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
	"github.com/pubdata/pubdata/lib/ident"
)

var _ pubdata.ObjectionService = (*ObjectionService)(nil)

// ObjectionService implements pubdata.ObjectionService. An open objection is the freeze:
// every read of the entry's table (rowSelect, the cached count, TableStats.Frozen) looks up
// the entry's open objections through the partial index objections_open and excludes the
// rows whose key columns equal an objection's key. The lookup is one indexed query per read
// and the exclusion is an equality on the key columns, which the key index serves.
type ObjectionService struct {
	db *DB
	// ReplyDays are the settings that due dates are counted with (zero: the defaults).
	ReplyDays pubdata.ReplyDays
}

// NewObjectionService returns the objection service on db.
func NewObjectionService(db *DB) *ObjectionService { return &ObjectionService{db: db} }

const objColumns = "o.id, o.entry_id, o.entry_title, o.division, o.provider, COALESCE(po.name, ''), o.key_values, o.reason, o.detail, o.filer, o.status, " +
	"o.row_count, o.due, o.due_at, o.note, o.batch_id, o.resolved_by, o.resolved_at, o.created_at, o.updated_at, o.due_covered"

const objFrom = " FROM objections o LEFT JOIN orgs po ON po.code = o.provider"

func scanObjection(sc interface{ Scan(...any) error }) (*pubdata.Objection, error) {
	var o pubdata.Objection
	var key string
	var resolved nullTime
	var covered int
	err := sc.Scan(&o.ID, &o.Entry, &o.EntryTitle, &o.Division, &o.Provider, &o.ProviderName, &key, &o.Reason, &o.Detail, &o.Filer, &o.Status,
		&o.Rows, &o.Due, timeCol{&o.DueAt}, &o.Note, &o.Batch, &o.ResolvedBy, &resolved, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, &covered)
	if err != nil {
		return nil, err
	}
	o.ResolvedAt, o.DueCovered = resolved.t, covered != 0
	if err := json.Unmarshal([]byte(key), &o.Key); err != nil {
		return nil, fmt.Errorf("objection %s key: %w", o.ID, err)
	}
	return &o, nil
}

func notFoundObjection(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Objection %q not found.", id).Keyed("error.objection.not_found", "ID", id)
}

func objLink(id string) string { return "/console/objections/" + id }

// frozenKeys returns the condition matching the rows of m's table that open objections of
// its entry freeze ("" when none), with its arguments converted for the database. Key
// columns the table no longer has are left out of an objection's match; an objection none
// of whose columns remain freezes nothing.
func frozenKeys(ctx context.Context, rd reader, d *DB, m *tableMeta) (string, []any, error) {
	rows, err := rd.query(ctx, "SELECT key_values FROM objections WHERE entry_id = ? AND status = 'open'", m.entry)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var keys []map[string]string
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return "", nil, err
		}
		if seen[text] {
			continue
		}
		seen[text] = true
		var k map[string]string
		if err := json.Unmarshal([]byte(text), &k); err != nil {
			return "", nil, fmt.Errorf("objection key: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	var ors []string
	var args []any
	var ek *envelope.EntryKeys
	if len(keys) > 0 && m.hasEncrypted() {
		if ek, err = d.entryKeys(ctx, rd, m.entry, m.keyVersion); err != nil {
			return "", nil, err
		}
	}
	for _, k := range keys {
		names := make([]string, 0, len(k))
		for n := range k {
			if _, ok := m.columnsByName[n]; ok {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			continue
		}
		slices.Sort(names)
		ands := make([]string, 0, len(names))
		for _, n := range names {
			text := k[n]
			if strings.HasPrefix(text, envelope.Prefix) { // a sealed key value (encryption.go)
				if ek == nil {
					if ek, err = d.entryKeys(ctx, rd, m.entry, m.keyVersion); err != nil {
						return "", nil, err
					}
				}
				if text, err = ek.Decrypt(n, text); err != nil {
					return "", nil, err
				}
			}
			v, err := pubdata.ParseItemValue(m.columnsByName[n].Type, text)
			if err != nil {
				return "", nil, fmt.Errorf("objection key %s: %w", n, err)
			}
			ands = append(ands, quote(n)+" = ?")
			if m.encrypted(n) {
				args = append(args, indexValue(ek, n, v)) // the blind index (encryption.go)
				continue
			}
			args = append(args, d.sqlValue(v))
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return strings.Join(ors, " OR "), args, nil
}

// sqlValue converts a domain value for the database (booleans are 0/1 on SQLite).
func (d *DB) sqlValue(v any) any {
	if b, ok := v.(bool); ok && d.dialect != Postgres {
		if b {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// excludeFrozen adds to r the exclusion of the rows open objections freeze.
func (r *rowSelect) excludeFrozen(ctx context.Context, rd reader) error {
	var cond string
	var args []any
	var err error
	if rd == reader(r.db) {
		cond, args, err = r.db.cachedFrozen(ctx, r.m) // readcache.go
	} else {
		cond, args, err = frozenKeys(ctx, rd, r.db, r.m)
	}
	if err != nil || cond == "" {
		return err
	}
	r.frozen, r.frozenArgs = cond, args
	r.where = append(r.where, "NOT ("+cond+")")
	r.args = append(r.args, args...)
	return nil
}

// countFrozen counts the current rows of m's table matching the freeze condition cond.
func countFrozen(ctx context.Context, rd reader, m *tableMeta, cond string, args []any) (int64, error) {
	var n int64
	err := rd.queryRow(ctx, "SELECT COUNT(*) FROM "+m.tbl+" WHERE _to IS NULL AND ("+cond+")", args...).Scan(&n)
	return n, err
}

// objectionDetails are the audit details of an objection; key values of personal or
// standard-identifier items are masked, as row errors' are.
func objectionDetails(o *pubdata.Objection, items []pubdata.Item) map[string]any {
	key := map[string]string{}
	for name, v := range o.Key {
		key[name] = v
		for _, it := range items {
			if it.Name == name && (it.Personal || it.Element != "") {
				key[name] = ident.Mask(v)
			}
		}
	}
	return map[string]any{"entry": o.Entry, "provider": o.Provider, "key": key, "reason": o.Reason, "filer": o.Filer, "status": o.Status, "due": o.Due}
}

// FileObjection implements pubdata.ObjectionService.
func (s *ObjectionService) FileObjection(ctx context.Context, e *pubdata.Entry, c *pubdata.ObjectionCreate, requireRow bool) (*pubdata.Objection, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateObjectionCreate(a, e, c); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	keyJSON := pubdata.ObjectionKeyJSON(c.Key)
	storedKey, err := tx.sealObjectionKey(ctx, e.ID, c.Key)
	if err != nil {
		return nil, err
	}
	dup, err := tx.hasOpenObjection(ctx, e.ID, a.Username(), keyJSON)
	if err != nil {
		return nil, err
	}
	if dup {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "You already have an open objection to this record; its rows stay frozen until the provider answers.").Keyed("error.objection.duplicate")
	}
	var rowsWithKey, seq int64
	m, err := tx.tableMeta(ctx, e.ID, false)
	switch {
	case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
		// no table yet: nothing to freeze now; a later load of the key is frozen at once
	case err != nil:
		return nil, err
	default:
		seq = m.seq
		var ands []string
		var args []any
		for name, v := range c.Key {
			col, ok := m.columnsByName[name]
			if !ok {
				continue
			}
			tv, err := pubdata.ParseItemValue(col.Type, v)
			if err != nil {
				return nil, err
			}
			ands = append(ands, quote(name)+" = ?")
			if col.Enc {
				k, err := s.db.entryKeys(ctx, tx, e.ID, m.keyVersion)
				if err != nil {
					return nil, err
				}
				args = append(args, indexValue(k, name, tv))
				continue
			}
			args = append(args, s.db.sqlValue(tv))
		}
		if len(ands) > 0 {
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM "+m.tbl+" WHERE _to IS NULL AND "+strings.Join(ands, " AND "), args...).Scan(&rowsWithKey); err != nil {
				return nil, err
			}
		}
	}
	if requireRow && rowsWithKey == 0 {
		return nil, pubdata.FieldErrorf("key", "No current record of entry %q has this key; check the key values against the data.", e.ID).Keyed("error.objection.key.no_record", "Entry", e.ID)
	}
	cal, err := tx.calendar(ctx)
	if err != nil {
		return nil, err
	}
	dueAt := cal.AddWorkdays(tx.now, s.ReplyDays.ForObjection())
	o := &pubdata.Objection{ID: newID(), Entry: e.ID, EntryTitle: e.Title, Division: e.Division, Provider: e.Org, ProviderName: e.OrgName,
		Key: c.Key, Reason: c.Reason, Detail: c.Detail, Filer: a.Username(), Status: pubdata.ObjectionOpen, Rows: rowsWithKey,
		Due: pubdata.Today(dueAt), DueAt: dueAt.UTC()}
	o.DueCovered = cal.SpanCovered(tx.now, dueAt)
	if _, err := tx.exec(ctx, `INSERT INTO objections (id, entry_id, entry_title, division, provider, key_values, reason, detail, filer, status, row_count, filed_seq, due, due_at, created_at, updated_at, due_covered)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Entry, o.EntryTitle, o.Division, o.Provider, storedKey, string(o.Reason), o.Detail, o.Filer, string(o.Status), o.Rows, seq, o.Due, fmtTime(o.DueAt),
		fmtTime(tx.now), fmtTime(tx.now), boolInt(o.DueCovered)); err != nil {
		return nil, err
	}
	details := objectionDetails(o, e.Items)
	details["rows"] = o.Rows
	if err := tx.record(ctx, change{Action: "objection.file", Object: "objection:" + o.ID, Org: o.Provider, Division: o.Division, Details: details}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeObjectionNew, map[string]string{"entry": o.EntryTitle, "key": strings.Join(keyNames(e.Items), ", "),
		"reason": string(o.Reason), "due": o.Due}, objLink(o.ID), "objection:"+o.ID)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: o.Provider}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindObjectionByID(ctx, o.ID)
}

// FindObjectionByID implements pubdata.ObjectionService.
func (s *ObjectionService) FindObjectionByID(ctx context.Context, id string) (*pubdata.Objection, error) {
	o, err := scanObjection(s.db.queryRow(ctx, "SELECT "+objColumns+objFrom+" WHERE o.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundObjection(id)
	} else if err == nil {
		err = s.db.openObjectionKey(ctx, s.db, o)
	}
	if err != nil {
		return nil, err
	}
	s.overdue(o)
	return o, nil
}

func (s *ObjectionService) overdue(o *pubdata.Objection) {
	o.Overdue = o.Status == pubdata.ObjectionOpen && s.db.Now().After(o.DueAt)
}

// FindObjections implements pubdata.ObjectionService.
func (s *ObjectionService) FindObjections(ctx context.Context, f pubdata.ObjectionFilter) ([]*pubdata.Objection, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var c conds
	c.eq("o.filer", f.Filer)
	c.eq("o.provider", f.Provider)
	c.eq("o.entry_id", f.Entry)
	c.eq("o.status", string(f.Status))
	c.inDivision("o.division", f.Division)
	if f.Overdue {
		now := f.Now
		if now.IsZero() {
			now = s.db.Now()
		}
		c.add("o.status = 'open' AND o.due_at < ?", fmtTime(now))
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM objections o"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	order := " ORDER BY CASE WHEN o.status = 'open' THEN 0 ELSE 1 END, CASE WHEN o.status = 'open' THEN o.due_at ELSE '' END, o.created_at DESC, o.id DESC"
	rows, err := s.db.query(ctx, "SELECT "+objColumns+objFrom+c.sql()+order+" LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanObjection)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Objection{}
	}
	for _, o := range out {
		if err := s.db.openObjectionKey(ctx, s.db, o); err != nil {
			return nil, 0, "", err
		}
		s.overdue(o)
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

// ResolveObjection implements pubdata.ObjectionService.
func (s *ObjectionService) ResolveObjection(ctx context.Context, id string, r *pubdata.ObjectionResolution) (*pubdata.Objection, error) {
	pre, err := s.FindObjectionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	var items []pubdata.Item
	if e, err := NewEntryService(s.db).FindPublishedEntry(ctx, pre.Entry); err == nil {
		items = e.Items
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := scanObjection(tx.queryRow(ctx, "SELECT "+objColumns+objFrom+" WHERE o.id = ?"+tx.db.forUpdateOf("o"), id))
	if err == nil {
		err = tx.db.openObjectionKey(ctx, tx, o)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundObjection(id)
	} else if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateObjectionResolution(o, r); err != nil {
		return nil, err
	}
	batch := ""
	if r.Outcome == pubdata.ObjectionCorrected {
		var filedSeq int64
		if err := tx.queryRow(ctx, "SELECT filed_seq FROM objections WHERE id = ?", id).Scan(&filedSeq); err != nil {
			return nil, err
		}
		err := tx.queryRow(ctx, "SELECT id FROM data_batches WHERE entry_id = ? AND status = 'done' AND seq > ? ORDER BY seq DESC LIMIT 1", o.Entry, filedSeq).Scan(&batch)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "No batch was loaded into the entry's table since the objection was filed; load the corrected record first, then resolve it as corrected.").Keyed("error.objection.no_batch")
		} else if err != nil {
			return nil, err
		}
	}
	a := pubdata.ActorFromContext(ctx)
	if _, err := tx.exec(ctx, "UPDATE objections SET status = ?, note = ?, batch_id = ?, resolved_by = ?, resolved_at = ?, updated_at = ? WHERE id = ?",
		string(r.Outcome), r.Note, batch, a.Username(), fmtTime(tx.now), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	details := objectionDetails(o, items)
	details["status"], details["note"], details["batch"] = r.Outcome, r.Note, batch
	if err := tx.record(ctx, change{Action: "objection.resolve", Object: "objection:" + id, Org: o.Provider, Division: o.Division, Details: details}); err != nil {
		return nil, err
	}
	params := map[string]string{"entry": o.EntryTitle, "outcome": string(r.Outcome), "note": r.Note}
	n := pubdata.NewNotification(pubdata.NoticeObjectionResolved, params, "/account/objections", "objection:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{User: o.Filer}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindObjectionByID(ctx, id)
}
