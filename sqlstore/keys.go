package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
)

// Key rotation (pubdata keys rotate): the master key is replaced by re-wrapping every
// entry's keys under the new one (the values stay as they are); an entry's own keys are
// replaced by re-encrypting its values, reports, quality samples and stored keys.

// KeyStatus is how many entries' keys each master key wraps.
type KeyStatus struct {
	Current string         // the id of the master key new wraps use
	ByKey   map[string]int // master key id → entries whose keys it wraps
}

// KeyStatus returns the master keys in use.
func (d *DB) KeyStatus(ctx context.Context) (*KeyStatus, error) {
	st := &KeyStatus{ByKey: map[string]int{}}
	if d.crypto.svc != nil {
		st.Current = d.crypto.svc.KeyID()
	}
	rows, err := d.query(ctx, "SELECT master_key, COUNT(*) FROM data_keys GROUP BY master_key")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		st.ByKey[k] = n
	}
	return st, rows.Err()
}

// RewrapKeys re-wraps under the current master key every entry's keys that another master
// key wraps, in one transaction, recorded (data.keys_rewrap). It returns how many it
// re-wrapped.
func (d *DB) RewrapKeys(ctx context.Context) (int, error) {
	svc := d.crypto.svc
	if svc == nil {
		return 0, fmt.Errorf("no master key is configured")
	}
	tx, err := d.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT entry_id, master_key, wrapped FROM data_keys WHERE master_key <> ? ORDER BY entry_id"+d.forUpdate(), svc.KeyID())
	if err != nil {
		return 0, err
	}
	type old struct{ entry, mk, wrapped string }
	var list []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.entry, &o.mk, &o.wrapped); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	from := map[string]int{}
	for _, o := range list {
		b, err := base64.StdEncoding.DecodeString(o.wrapped)
		if err != nil {
			return 0, fmt.Errorf("data key of entry %s: corrupt", o.entry)
		}
		material, err := svc.Unwrap(o.mk, b)
		if err != nil {
			return 0, fmt.Errorf("entry %s: %w", o.entry, err)
		}
		w, err := svc.Wrap(material)
		if err != nil {
			return 0, err
		}
		if _, err := tx.exec(ctx, "UPDATE data_keys SET master_key = ?, wrapped = ?, rotated_at = ? WHERE entry_id = ?",
			svc.KeyID(), base64.StdEncoding.EncodeToString(w), fmtTime(tx.now), o.entry); err != nil {
			return 0, err
		}
		from[o.mk]++
	}
	if err := tx.record(ctx, change{Action: "data.keys_rewrap", Object: "master_key:" + svc.KeyID(), Details: map[string]any{"to": svc.KeyID(), "from": from, "entries": len(list)}}); err != nil {
		return 0, err
	}
	return len(list), tx.Commit()
}

// ReencryptEntry gives the entry new data and index keys and re-encrypts under them every
// value of its table (history included), its batch reports' sealed values, its quality
// samples and its objections' and tickets' sealed keys, in one transaction, recorded
// (data.key_rotate). It returns the cells re-encrypted.
func (d *DB) ReencryptEntry(ctx context.Context, entry string) (int64, error) {
	tx, err := d.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	m, err := tx.tableMeta(ctx, entry, true)
	if err != nil {
		return 0, err
	}
	if !m.hasEncrypted() {
		return 0, fmt.Errorf("entry %s stores no item encrypted", entry)
	}
	k0, err := d.entryKeys(ctx, tx, entry, m.keyVersion)
	if err != nil {
		return 0, err
	}
	material, err := envelope.NewEntryKeyMaterial()
	if err != nil {
		return 0, err
	}
	k1, err := envelope.NewEntryKeys(entry, material)
	if err != nil {
		return 0, err
	}
	w, err := d.crypto.svc.Wrap(material)
	if err != nil {
		return 0, err
	}
	version := m.keyVersion + 1
	if _, err := tx.exec(ctx, "UPDATE data_keys SET master_key = ?, wrapped = ?, version = ?, rotated_at = ? WHERE entry_id = ?",
		d.crypto.svc.KeyID(), base64.StdEncoding.EncodeToString(w), version, fmtTime(tx.now), entry); err != nil {
		return 0, err
	}
	var cells int64
	for _, c := range m.columns {
		if !c.Enc {
			continue
		}
		col, enc := quote(c.Name), quote(encColumn(c.Name))
		last := int64(-1 << 62)
		for {
			rows, err := tx.query(ctx, "SELECT _row, "+enc+" FROM "+m.tbl+" WHERE _row > ? AND "+enc+" IS NOT NULL ORDER BY _row LIMIT 1000", last)
			if err != nil {
				return 0, err
			}
			type cell struct {
				row int64
				v   string
			}
			var list []cell
			for rows.Next() {
				var x cell
				if err := rows.Scan(&x.row, &x.v); err != nil {
					rows.Close()
					return 0, err
				}
				list = append(list, x)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
			if len(list) == 0 {
				break
			}
			for _, x := range list {
				t, err := k0.Decrypt(c.Name, x.v)
				if err != nil {
					return 0, err
				}
				ct, err := k1.Encrypt(c.Name, t)
				if err != nil {
					return 0, err
				}
				if _, err := tx.exec(ctx, "UPDATE "+m.tbl+" SET "+col+" = ?, "+enc+" = ? WHERE _row = ?", k1.Index(c.Name, t), ct, x.row); err != nil {
					return 0, err
				}
				cells++
			}
			last = list[len(list)-1].row
		}
	}
	reseal := func(s string) (string, error) {
		t, err := openText(k0, s)
		if err != nil {
			return "", err
		}
		return sealText(k1, t)
	}
	// Batch reports and quality samples: (key, sealed text) pairs, rewritten one by one.
	type sealedRow struct{ a, b any }
	for _, q := range []struct{ sel, upd string }{
		{"SELECT e.batch_id, e.n, e.value FROM data_batch_errors e JOIN data_batches b ON b.id = e.batch_id WHERE b.entry_id = ? AND e.value LIKE ?",
			"UPDATE data_batch_errors SET value = ? WHERE batch_id = ? AND n = ?"},
		{"SELECT q.run_id, q.rule_id, q.sample FROM quality_results q JOIN quality_runs r ON r.id = q.run_id WHERE r.entry_id = ? AND q.sample LIKE ?",
			"UPDATE quality_results SET sample = ? WHERE run_id = ? AND rule_id = ?"},
	} {
		rows, err := tx.query(ctx, q.sel, entry, envelope.Prefix+"%")
		if err != nil {
			return 0, err
		}
		var list []struct {
			k sealedRow
			v string
		}
		for rows.Next() {
			var x struct {
				k sealedRow
				v string
			}
			if err := rows.Scan(&x.k.a, &x.k.b, &x.v); err != nil {
				rows.Close()
				return 0, err
			}
			list = append(list, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		for _, x := range list {
			v, err := reseal(x.v)
			if err != nil {
				return 0, err
			}
			if _, err := tx.exec(ctx, q.upd, v, normalizeStored(x.k.a), normalizeStored(x.k.b)); err != nil {
				return 0, err
			}
		}
	}
	// Objections' and tickets' keys: each sealed value of the JSON.
	for _, table := range []string{"objections", "tickets"} {
		rows, err := tx.query(ctx, "SELECT id, key_values FROM "+table+" WHERE entry_id = ? AND key_values LIKE ?", entry, "%"+envelope.Prefix+"%")
		if err != nil {
			return 0, err
		}
		type keyed struct{ id, key string }
		var list []keyed
		for rows.Next() {
			var x keyed
			if err := rows.Scan(&x.id, &x.key); err != nil {
				rows.Close()
				return 0, err
			}
			list = append(list, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		for _, x := range list {
			var key map[string]string
			if err := json.Unmarshal([]byte(x.key), &key); err != nil {
				return 0, err
			}
			for n, v := range key {
				if !strings.HasPrefix(v, envelope.Prefix) {
					continue
				}
				t, err := k0.Decrypt(n, v)
				if err != nil {
					return 0, err
				}
				if key[n], err = k1.Encrypt(n, t); err != nil {
					return 0, err
				}
			}
			if _, err := tx.exec(ctx, "UPDATE "+table+" SET key_values = ? WHERE id = ?", pubdata.ObjectionKeyJSON(key), x.id); err != nil {
				return 0, err
			}
		}
	}
	if _, err := tx.exec(ctx, "UPDATE data_tables SET key_version = ?, updated_at = ? WHERE entry_id = ?", version, fmtTime(tx.now), entry); err != nil {
		return 0, err
	}
	if err := tx.record(ctx, change{Action: "data.key_rotate", Object: "entry:" + entry, Details: map[string]any{"version": version, "master_key": d.crypto.svc.KeyID(), "cells": cells}}); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	d.crypto.cache.Store(entry, &cachedEntryKeys{version: version, keys: k1})
	return cells, nil
}

// TableEntries returns the ids of the entries that have a table.
func (d *DB) TableEntries(ctx context.Context) ([]string, error) {
	rows, err := d.query(ctx, "SELECT entry_id FROM data_tables ORDER BY entry_id")
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
}

// Vacuum rewrites the database so that no page freed by encrypting values in place keeps
// them in clear: SQLite's VACUUM (then the WAL checkpointed and truncated), PostgreSQL's
// VACUUM FULL of the important schema's tables (the old files are removed; the server's
// own WAL segments are recycled in time).
func (d *DB) Vacuum(ctx context.Context) error {
	if d.dialect != Postgres {
		if _, err := d.db.ExecContext(ctx, "VACUUM"); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
		_, err := d.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		return err
	}
	rows, err := d.query(ctx, "SELECT tbl FROM data_tables WHERE key_version > 0 ORDER BY tbl")
	if err != nil {
		return err
	}
	tables, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var t string
		return t, sc.Scan(&t)
	})
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := d.db.ExecContext(ctx, "VACUUM FULL "+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}
