package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pubdata/pubdata"
)

// stage is a batch's temporary staging table pd_stage: _i (the row's ordinal in the batch,
// from 1), _n (the row's number in its file),
// _del (1: a delete by key), _bad (1: rejected by a key rule) and the item columns. It
// lives on the batch's connection inside its transaction.
type stage struct {
	tx    *Tx
	conn  *sql.Conn
	items []pubdata.Item
	names []string
	made  bool
	n     int64         // rows staged
	enc   *batchEncoder // the batch's encryption (nil: none): items holds the stored items
}

func (st *stage) create(ctx context.Context) error {
	var b strings.Builder
	b.WriteString("CREATE TEMP TABLE pd_stage (_i BIGINT NOT NULL, _n BIGINT NOT NULL, _del SMALLINT NOT NULL DEFAULT 0, _bad SMALLINT NOT NULL DEFAULT 0")
	for _, it := range st.items {
		b.WriteString(", " + quote(it.Name) + " " + st.tx.db.columnType(it.Type))
	}
	b.WriteString(")")
	if st.tx.db.dialect == Postgres {
		b.WriteString(" ON COMMIT DROP")
	} else if _, err := st.tx.exec(ctx, "DROP TABLE IF EXISTS temp.pd_stage"); err != nil {
		return err
	}
	if _, err := st.tx.exec(ctx, b.String()); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	st.made = true
	return nil
}

// errKeyConflict: a COPY straight into the table met a key conflict (or a delete, which
// COPY cannot do); the batch must take the staging path.
var errKeyConflict = errors.New("sqlstore: key conflict on the fast path")

// copyInto copies the rows straight into the entry's table tbl (PostgreSQL), after
// superseding every current row for a replace, inside a savepoint: a key conflict rolls the
// savepoint back and returns errKeyConflict. An encrypted key's index is built after the
// rows where dropKeyIndex allows; a batch that repeats a key then fails to build it, which is
// a key conflict too.
func (st *stage) copyInto(ctx context.Context, tbl string, keys []string, seq int64, mode pubdata.LoadMode, next func() (*pubdata.SourceRow, error)) (loaded, superseded int64, err error) {
	tx := st.tx
	if _, err := tx.exec(ctx, "SAVEPOINT pd_fast"); err != nil {
		return 0, 0, err
	}
	dropped, err := tx.dropKeyIndex(ctx, tbl, st.enc, keys, mode)
	if err != nil {
		return 0, 0, err
	}
	if mode == pubdata.ModeReplace {
		res, err := tx.exec(ctx, "UPDATE "+tbl+" SET _to = ? WHERE _to IS NULL", seq)
		if err != nil {
			return 0, 0, err
		}
		superseded, _ = res.RowsAffected()
	}
	cs := &tableCopy{st: st, next: next, base: rowBase(seq), seq: seq}
	err = st.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy: unexpected driver connection %T", dc)
		}
		loaded, err = c.Conn().CopyFrom(ctx, pgx.Identifier(strings.Split(tbl, ".")), append([]string{"_row", "_from"}, st.names...), cs)
		return err
	})
	switch {
	case cs.err != nil && !errors.Is(cs.err, errKeyConflict):
		return 0, 0, cs.err // the source's own error
	case errors.Is(cs.err, errKeyConflict) || isUniqueViolation(err):
		if _, rerr := tx.exec(ctx, "ROLLBACK TO SAVEPOINT pd_fast"); rerr != nil {
			return 0, 0, rerr
		}
		return 0, 0, errKeyConflict
	case err != nil:
		return 0, 0, err
	}
	if dropped {
		if err := tx.createKeyIndex(ctx, tbl, keys); pubdata.ErrorCode(err) == pubdata.ECONFLICT {
			if _, rerr := tx.exec(ctx, "ROLLBACK TO SAVEPOINT pd_fast"); rerr != nil {
				return 0, 0, rerr
			}
			return 0, 0, errKeyConflict
		} else if err != nil {
			return 0, 0, err
		}
	}
	_, err = tx.exec(ctx, "RELEASE SAVEPOINT pd_fast")
	return loaded, superseded, err
}

// tableCopy feeds COPY into an entry's table: _row, _from and the item values.
type tableCopy struct {
	st        *stage
	next      func() (*pubdata.SourceRow, error)
	base, seq int64
	n         int64
	vals      []any
	err       error
}

func (c *tableCopy) Next() bool {
	r, err := c.next()
	if errors.Is(err, io.EOF) {
		return false
	} else if err != nil {
		c.err = err
		return false
	}
	if r.Delete {
		c.err = errKeyConflict
		return false
	}
	c.n++
	c.vals = append(c.vals[:0], c.base+c.n, c.seq)
	c.vals = append(c.vals, r.Values...)
	return true
}

func (c *tableCopy) Values() ([]any, error) { return c.vals, nil }
func (c *tableCopy) Err() error             { return c.err }

// drop removes the staging table (PostgreSQL drops it at commit; a rollback undoes its
// creation on both).
func (st *stage) drop() error {
	if !st.made || st.tx.db.dialect == Postgres {
		return nil
	}
	st.made = false
	_, err := st.tx.exec(context.Background(), "DROP TABLE IF EXISTS temp.pd_stage")
	return err
}

// rowValues returns the staged values of r: the item values (a delete's non-key values may
// be missing), with booleans as 0/1 on SQLite.
func (st *stage) rowValues(r *pubdata.SourceRow, out []any) []any {
	del := 0
	if r.Delete {
		del = 1
	}
	st.n++
	out = append(out[:0], st.n, r.Num, del)
	for i := range st.items {
		var v any
		if i < len(r.Values) {
			v = r.Values[i]
		}
		if b, ok := v.(bool); ok && st.tx.db.dialect != Postgres {
			if b {
				v = int64(1)
			} else {
				v = int64(0)
			}
		}
		out = append(out, v)
	}
	return out
}

// fill writes the rows next yields into the staging table until next returns io.EOF
// (then fill returns nil) or another error.
func (st *stage) fill(ctx context.Context, next func() (*pubdata.SourceRow, error)) error {
	if st.tx.db.dialect == Postgres {
		return st.copyIn(ctx, next)
	}
	return st.insert(ctx, next)
}

// copyIn streams the rows with COPY on the batch's connection.
func (st *stage) copyIn(ctx context.Context, next func() (*pubdata.SourceRow, error)) error {
	cs := &copySource{st: st, next: next}
	err := st.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("staging: unexpected driver connection %T", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"pd_stage"}, append([]string{"_i", "_n", "_del"}, st.names...), cs)
		return err
	})
	if cs.err != nil {
		return cs.err // the source's error, which aborted the COPY
	}
	return err
}

type copySource struct {
	st   *stage
	next func() (*pubdata.SourceRow, error)
	vals []any
	err  error
}

func (c *copySource) Next() bool {
	r, err := c.next()
	if errors.Is(err, io.EOF) {
		return false
	} else if err != nil {
		c.err = err
		return false
	}
	c.vals = c.st.rowValues(r, c.vals)
	return true
}

func (c *copySource) Values() ([]any, error) { return c.vals, nil }
func (c *copySource) Err() error             { return c.err }

// insert writes the rows with multi-row INSERTs of up to stageChunk rows (SQLite).
const stageChunk = 64

func (st *stage) insert(ctx context.Context, next func() (*pubdata.SourceRow, error)) error {
	ncol := 3 + len(st.items)
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncol), ", ") + ")"
	head := "INSERT INTO pd_stage (_i, _n, _del, " + quoteAll(st.names) + ") VALUES "
	full, err := st.tx.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(one+", ", stageChunk), ", "))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, ncol*stageChunk)
	var row []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		var err error
		if n == stageChunk {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = st.tx.ExecContext(ctx, head+strings.TrimSuffix(strings.Repeat(one+", ", n), ", "), args...)
		}
		args, n = args[:0], 0
		return err
	}
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			return flush()
		} else if err != nil {
			return err
		}
		row = st.rowValues(r, row)
		args = append(args, row...)
		if n++; n == stageChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// checkKeys applies the key rules to the staged rows, marking the rows that break them
// _bad and reporting them: a key twice in the batch (the later rows), in append mode a key
// the table already has, and a delete of a key the table does not have.
func (st *stage) checkKeys(ctx context.Context, tbl string, items []pubdata.Item, keys []string, mode pubdata.LoadMode, tableHasRows, hasDeletes bool, es *errorSet) error {
	tx := st.tx
	if tx.db.dialect == Postgres {
		if _, err := tx.exec(ctx, "ANALYZE pd_stage"); err != nil {
			return err
		}
	}
	// A cheap probe first: most batches have no key twice, and then need no index.
	var dup int
	err := tx.queryRow(ctx, "SELECT 1 FROM pd_stage GROUP BY "+quoteAll(keys)+" HAVING COUNT(*) > 1 LIMIT 1").Scan(&dup)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	hasDups := err == nil
	if hasDups {
		if _, err := tx.exec(ctx, "CREATE INDEX pd_stage_key ON pd_stage ("+quoteAll(keys)+", _i)"); err != nil {
			return err
		}
	}
	keyCols := make([]string, len(keys))
	keyEnc := make([]bool, len(keys))
	for i, k := range keys {
		keyCols[i] = "s." + quote(k)
		for _, c := range st.enc.columns() {
			if c == k { // the report shows the value: the ciphertext, decrypted
				keyCols[i], keyEnc[i] = "s."+quote(encColumn(k)), true
			}
		}
	}
	sel := strings.Join(keyCols, ", ")
	mask := false
	for _, it := range st.items {
		if it.Key && (it.Personal || it.Element != "") {
			mask = true
		}
	}
	keyText := func(vals []any) string {
		parts := make([]string, len(vals))
		for i, v := range vals {
			if keyEnc[i] && v != nil {
				t, err := st.enc.keys.Decrypt(keys[i], fmt.Sprint(normalizeStored(v)))
				if err != nil {
					t = "?"
				}
				v = t
			}
			parts[i] = fmt.Sprint(normalizeStored(v))
		}
		// The key as given (masked for other readers on display: Sensitive).
		return pubdata.CutRowErrorValue(strings.Join(parts, ","))
	}
	check := func(query, update string, report func(n, first int64, key string) pubdata.RowError) error {
		rows, err := tx.query(ctx, query)
		if err != nil {
			return err
		}
		var found []pubdata.RowError
		for rows.Next() {
			var n, first int64
			vals := make([]any, len(keys))
			dest := []any{&n, &first}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			re := report(n, first, keyText(vals))
			re.Sensitive = mask
			found = append(found, re)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(found) == 0 {
			return nil
		}
		for _, e := range found {
			es.add(e)
		}
		_, err = tx.exec(ctx, update)
		return err
	}
	keyList, keyTitle := strings.Join(keys, ", "), keyTitles(items, keys)
	if hasDups {
		if err := check(
			"SELECT s._n, MIN(t._n), "+sel+" FROM pd_stage s JOIN pd_stage t ON "+keyEq("t", "s", keys)+" AND t._i < s._i GROUP BY s._n, "+sel+" ORDER BY s._n",
			"UPDATE pd_stage SET _bad = 1 WHERE EXISTS (SELECT 1 FROM pd_stage t WHERE "+keyEq("t", "pd_stage", keys)+" AND t._i < pd_stage._i)",
			func(n, first int64, key string) pubdata.RowError {
				return rowError(n, keyList, pubdata.RuleUnique, pubdata.NewMessage("row.key.again", "Key", keyTitle, "First", first), key)
			}); err != nil {
			return err
		}
	}
	current := "EXISTS (SELECT 1 FROM " + tbl + " d WHERE d._to IS NULL AND " + keyEq("d", "s", keys) + ")"
	if mode == pubdata.ModeAppend && tableHasRows {
		if err := check(
			"SELECT s._n, 0, "+sel+" FROM pd_stage s WHERE s._bad = 0 AND s._del = 0 AND "+current+" ORDER BY s._n",
			"UPDATE pd_stage SET _bad = 1 WHERE _bad = 0 AND _del = 0 AND EXISTS (SELECT 1 FROM "+tbl+" d WHERE d._to IS NULL AND "+keyEq("d", "pd_stage", keys)+")",
			func(n, _ int64, key string) pubdata.RowError {
				return rowError(n, keyList, pubdata.RuleExists, pubdata.NewMessage("row.key.exists", "Key", keyTitle), key)
			}); err != nil {
			return err
		}
	}
	if !hasDeletes {
		return nil
	}
	return check(
		"SELECT s._n, 0, "+sel+" FROM pd_stage s WHERE s._bad = 0 AND s._del = 1 AND NOT "+current+" ORDER BY s._n",
		"UPDATE pd_stage SET _bad = 1 WHERE _bad = 0 AND _del = 1 AND NOT EXISTS (SELECT 1 FROM "+tbl+" d WHERE d._to IS NULL AND "+keyEq("d", "pd_stage", keys)+")",
		func(n, _ int64, key string) pubdata.RowError {
			return rowError(n, keyList, pubdata.RuleNotFound, pubdata.NewMessage("row.key.not_found", "Key", keyTitle), key)
		})
}

// normalizeStored turns a driver's value into the domain's: []byte → string.
func normalizeStored(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}
