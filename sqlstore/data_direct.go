package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

// directWriter is SQLite's batch path: rows go straight into the entry's table in 64-row
// INSERTs inside the batch's transaction, and the table's unique key index over the current
// rows finds the conflicts. A chunk that conflicts stops at the row at fault (INSERT OR
// FAIL, insertSQL); its rows not written are then written row by row to report the rows at
// fault, each as the staging path would (data_stage.go): a key twice in the
// batch (RuleUnique, naming the first row), a key the table already has in append mode
// (RuleExists), a delete of a key the table does not have (RuleNotFound).
//
// _row is seq << 32 + the row's number in its file, so the first row of a repeated key is
// read back from the row that holds the key; the source's row numbers must increase.
type directWriter struct {
	tx          *Tx
	tbl         string
	items       []pubdata.Item
	names       []string
	keys        []string
	seq         int64
	mode        pubdata.LoadMode
	abort       bool // all or nothing: after the first key error, write nothing more
	keyIdx      []int
	keyMask     bool
	deleted     map[string]bool // keys this batch deleted: a later row with one is a repeat
	lastNum     int64
	pending     []*pubdata.SourceRow
	full        *sql.Stmt
	args        []any
	errs        []pubdata.RowError
	loaded      int64
	superseded  int64
	failedWrite bool
	enc         *batchEncoder // the batch's encryption (nil: none): rows come encrypted
	deferKey    bool          // the key index is dropped for the load and built after it (deferKeyIndex)
	bigCache    bool          // the connection's page cache is 64 MiB for the load (the caller shrinks it after)
}

const directChunk = 64

func (d *directWriter) run(ctx context.Context, next func() (*pubdata.SourceRow, error)) error {
	for i, it := range d.items {
		if it.Key {
			d.keyIdx = append(d.keyIdx, i)
			if it.Personal || it.Element != "" {
				d.keyMask = true
			}
		}
	}
	d.deleted = map[string]bool{}
	if err := d.deferKeyIndex(ctx); err != nil {
		return err
	}
	if d.mode == pubdata.ModeReplace {
		if err := d.supersedeAll(ctx); err != nil {
			return err
		}
	}
	if d.enc.keyed(d.keys) && !d.deferKey {
		// The encrypted key's index is kept during the load (an append to current rows, an
		// upsert): its blind indexes arrive in random order, so its pages are written all
		// over the file. A larger page cache for this connection keeps them in memory. (A
		// deferred index needs none: the table's pages are appended, and a larger cache
		// only costs its allocation and release, page by page, in modernc's allocator.)
		if _, err := d.tx.exec(ctx, "PRAGMA cache_size = -65536"); err != nil {
			return err
		}
		d.bigCache = true
	}
	var err error
	if d.full, err = d.tx.PrepareContext(ctx, d.insertSQL(directChunk)); err != nil {
		return err
	}
	defer d.full.Close()
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			if err := d.flush(ctx); err != nil {
				return err
			}
			return d.buildKeyIndex(ctx)
		} else if err != nil {
			return err
		}
		if r.Num <= d.lastNum || r.Num >= 1<<32 {
			return fmt.Errorf("row numbers of a batch must increase and stay below 2^32 (row %d after %d)", r.Num, d.lastNum)
		}
		d.lastNum = r.Num
		if d.abort && len(d.errs) > 0 {
			continue // the batch will fail: nothing more to write
		}
		if r.Delete {
			if err := d.flush(ctx); err != nil {
				return err
			}
			if err := d.buildKeyIndex(ctx); err != nil { // a delete looks its key up
				return err
			}
			if d.abort && len(d.errs) > 0 {
				continue
			}
			if err := d.delete(ctx, r); err != nil {
				return err
			}
			continue
		}
		if len(d.deleted) > 0 && d.deleted[d.keyOf(r.Values)] {
			d.fail(r, pubdata.RuleUnique, pubdata.NewMessage("row.key.again_deleted", "Key", keyTitles(d.items, d.keys)))
			continue
		}
		d.pending = append(d.pending, r)
		if len(d.pending) == directChunk {
			if err := d.flush(ctx); err != nil {
				return err
			}
		}
	}
}

// deferKeyIndex drops the table's unique key index for the load, to be built after it
// (buildKeyIndex), when dropKeyIndex allows. The repeats a batch holds are then found with one
// sort, reported as the index would have (the later rows, naming the first) and removed
// before the index is built.
func (d *directWriter) deferKeyIndex(ctx context.Context) error {
	dropped, err := d.tx.dropKeyIndex(ctx, d.tbl, d.enc, d.keys, d.mode)
	d.deferKey = dropped
	return err
}

// dropKeyIndex drops the table's unique key index for a load that builds it after its rows,
// and reports whether it did: when every key column is encrypted and the table has no
// current rows (an append into an empty table, or a replace, which supersedes them after the
// drop). The blind indexes arrive in random order, so each row's index entry lands on a
// random page of the index, while an index built after the load sorts them once and writes
// its pages in order (SQLite, and PostgreSQL's COPY: 4.8 + 1.2 s of the server's time against
// 8.2 s for 980,000 rows). The drop, the rows and the new index are one transaction: a reader
// sees the table before the load, with its index, until it commits. An upsert (which looks
// each key up) keeps the index; so does a clear key, whose values usually arrive in order
// and append to the index.
func (tx *Tx) dropKeyIndex(ctx context.Context, tbl string, enc *batchEncoder, keys []string, mode pubdata.LoadMode) (bool, error) {
	if enc == nil || len(keys) == 0 || (mode != pubdata.ModeAppend && mode != pubdata.ModeReplace) {
		return false, nil
	}
	for _, k := range keys {
		if !slices.Contains(enc.cols, k) {
			return false, nil
		}
	}
	name := bareTable(tbl) + "_key"
	q, args := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?", []any{name}
	if tx.db.dialect == Postgres {
		q, args = "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = COALESCE(NULLIF(?, ''), current_schema()) AND indexname = ?", []any{tableSchema(tbl), name}
	}
	var n int
	if err := tx.queryRow(ctx, q, args...).Scan(&n); err != nil || n == 0 {
		return false, err
	}
	if mode == pubdata.ModeAppend { // a replace supersedes every current row first
		var one int
		err := tx.queryRow(ctx, "SELECT 1 FROM "+tbl+" WHERE _to IS NULL LIMIT 1").Scan(&one)
		if err == nil {
			return false, nil // current rows: an append keeps the index that checks them
		} else if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	if s := tableSchema(tbl); s != "" {
		name = s + "." + name
	}
	if _, err := tx.exec(ctx, "DROP INDEX "+name); err != nil {
		return false, err
	}
	return true, nil
}

// buildKeyIndex builds the key index deferKeyIndex dropped: at the end of the load, or
// before its first delete (which looks its key up). A batch that holds a key twice fails
// to build it; its repeats are then reported and removed, and the index is built again.
func (d *directWriter) buildKeyIndex(ctx context.Context) error {
	if !d.deferKey {
		return nil
	}
	d.deferKey = false
	err := d.tx.createKeyIndex(ctx, d.tbl, d.keys)
	if pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		return err
	}
	// The later rows of each key, with the first: NULL keys are distinct, as in the index.
	part, notNull := quoteAll(d.keys), make([]string, len(d.keys))
	for i, k := range d.keys {
		notNull[i] = quote(k) + " IS NOT NULL"
	}
	rows, err := d.tx.query(ctx, "SELECT _row, first FROM (SELECT _row, MIN(_row) OVER (PARTITION BY "+part+") AS first FROM "+d.tbl+
		" WHERE _to IS NULL AND "+strings.Join(notNull, " AND ")+") WHERE _row > first ORDER BY _row")
	if err != nil {
		return err
	}
	type repeat struct{ row, first int64 }
	var repeats []repeat
	for rows.Next() {
		var r repeat
		if err := rows.Scan(&r.row, &r.first); err != nil {
			rows.Close()
			return err
		}
		repeats = append(repeats, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	base, cols := rowBase(d.seq), quoteAll(d.names)
	keyList := keyTitles(d.items, d.keys)
	for _, r := range repeats {
		if d.abort && len(d.errs) > 0 {
			return nil // the batch fails: it reports its first key error, as with the index
		}
		vals := make([]any, len(d.names))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := d.tx.queryRow(ctx, "SELECT "+cols+" FROM "+d.tbl+" WHERE _row = ?", r.row).Scan(ptrs...); err != nil {
			return err
		}
		if _, err := d.tx.exec(ctx, "DELETE FROM "+d.tbl+" WHERE _row = ?", r.row); err != nil {
			return err
		}
		d.loaded--
		d.fail(&pubdata.SourceRow{Num: r.row - base, Values: vals}, pubdata.RuleUnique, pubdata.NewMessage("row.key.again", "Key", keyList, "First", r.first-base))
	}
	if d.abort && len(d.errs) > 0 {
		return nil
	}
	return d.tx.createKeyIndex(ctx, d.tbl, d.keys)
}

// insertSQL is the INSERT of n rows. It is INSERT OR FAIL: a key conflict stops the
// statement at the row at fault and keeps the rows before it, so SQLite keeps no statement
// journal for it. (With the default ABORT it copies the original of every page a statement
// changes, to undo the statement: an encrypted key's blind indexes land on a random page
// of the key index each, so a 64-row statement changed about 64 pages and the journal
// spilled to a temporary file — about a fifth of an encrypted load's CPU.) flush finds the
// rows that were not written by their _row.
func (d *directWriter) insertSQL(n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", 2+len(d.names)), ", ") + ")"
	return "INSERT OR FAIL INTO " + d.tbl + " (_row, _from, " + quoteAll(d.names) + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

func (d *directWriter) appendArgs(r *pubdata.SourceRow) {
	d.args = append(d.args, rowBase(d.seq)+r.Num, d.seq)
	for i := range d.items {
		var v any
		if i < len(r.Values) {
			v = r.Values[i]
		}
		if b, ok := v.(bool); ok {
			if b {
				v = int64(1)
			} else {
				v = int64(0)
			}
		}
		d.args = append(d.args, v)
	}
}

// keyOf is the key of a row's values as text (for the deleted set and reports).
func (d *directWriter) keyOf(vals []any) string {
	parts := make([]string, len(d.keyIdx))
	for i, k := range d.keyIdx {
		if k < len(vals) {
			parts[i] = fmt.Sprint(vals[k])
		}
	}
	return strings.Join(parts, ",")
}

// plainKey is keyOf with the values of encrypted key items in clear, for reports.
func (d *directWriter) plainKey(vals []any) string {
	if d.enc == nil {
		return d.keyOf(vals)
	}
	parts := make([]string, len(d.keyIdx))
	for i, k := range d.keyIdx {
		if k < len(vals) {
			parts[i] = fmt.Sprint(d.enc.plain(vals, k))
		}
	}
	return strings.Join(parts, ",")
}

func (d *directWriter) keyArgs(vals []any) []any {
	out := make([]any, len(d.keyIdx))
	for i, k := range d.keyIdx {
		if k < len(vals) {
			out[i] = vals[k]
		}
	}
	return out
}

func (d *directWriter) keyCond(alias string) string {
	parts := make([]string, len(d.keys))
	for i, k := range d.keys {
		parts[i] = alias + quote(k) + " = ?"
	}
	return strings.Join(parts, " AND ")
}

func (d *directWriter) fail(r *pubdata.SourceRow, code string, m *pubdata.Message) {
	// The key as given, marked Sensitive when personal: masked for other readers on display.
	e := rowError(r.Num, strings.Join(d.keys, ", "), code, m, pubdata.CutRowErrorValue(d.plainKey(r.Values)))
	e.Sensitive = d.keyMask
	d.errs = append(d.errs, e)
}

// flush writes the pending rows: in upsert mode it first supersedes the current rows of
// earlier batches with their keys; then one INSERT, or row by row when it conflicts.
func (d *directWriter) flush(ctx context.Context) error {
	rows := d.pending
	if len(rows) == 0 {
		return nil
	}
	d.pending = d.pending[:0]
	if d.mode == pubdata.ModeUpsert && len(d.keys) > 0 {
		if err := d.supersede(ctx, rows); err != nil {
			return err
		}
	}
	d.args = d.args[:0]
	for _, r := range rows {
		d.appendArgs(r)
	}
	var err error
	if len(rows) == directChunk {
		_, err = d.full.ExecContext(ctx, d.args...)
	} else {
		_, err = d.tx.ExecContext(ctx, d.insertSQL(len(rows)), d.args...)
	}
	if err == nil {
		d.loaded += int64(len(rows))
		return nil
	}
	if !isUniqueViolation(err) {
		return err
	}
	// The statement stopped at a conflict (OR FAIL): the rows before it are written. The
	// others are written one by one, to find the rows at fault.
	written, err := d.writtenRows(ctx, rows)
	if err != nil {
		return err
	}
	d.loaded += int64(len(written))
	for _, r := range rows {
		if written[r.Num] {
			continue
		}
		if d.abort && len(d.errs) > 0 {
			return nil
		}
		d.args = d.args[:0]
		d.appendArgs(r)
		_, err := d.tx.ExecContext(ctx, d.insertSQL(1), d.args...)
		switch {
		case err == nil:
			d.loaded++
		case isUniqueViolation(err):
			if err := d.conflict(ctx, r); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// writtenRows returns the numbers of the rows (of one chunk, in order) that are in the
// table: this batch's rows have _row = rowBase(seq) + their number.
func (d *directWriter) writtenRows(ctx context.Context, rows []*pubdata.SourceRow) (map[int64]bool, error) {
	base := rowBase(d.seq)
	res, err := d.tx.query(ctx, "SELECT _row FROM "+d.tbl+" WHERE _row >= ? AND _row <= ?", base+rows[0].Num, base+rows[len(rows)-1].Num)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := map[int64]bool{}
	for res.Next() {
		var row int64
		if err := res.Scan(&row); err != nil {
			return nil, err
		}
		out[row-base] = true
	}
	return out, res.Err()
}

// supersedeStep bounds the rows of one statement of supersedeAll.
const supersedeStep = 8192

// supersedeAll closes every current row (a replace), in statements of at most
// supersedeStep rows by _row: one statement over the whole table would keep a copy of every
// page of it in its statement journal, which the batch keeps in memory (load).
func (d *directWriter) supersedeAll(ctx context.Context) error {
	last := int64(math.MinInt64)
	for {
		hi := int64(math.MaxInt64)
		err := d.tx.queryRow(ctx, "SELECT _row FROM "+d.tbl+" WHERE _row > ? ORDER BY _row LIMIT 1 OFFSET ?", last, supersedeStep-1).Scan(&hi)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err := d.tx.exec(ctx, "UPDATE "+d.tbl+" SET _to = ? WHERE _row > ? AND _row <= ? AND _to IS NULL", d.seq, last, hi)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		d.superseded += n
		if hi == math.MaxInt64 {
			return nil
		}
		last = hi
	}
}

// supersede closes the current rows of earlier batches that the rows' keys replace.
func (d *directWriter) supersede(ctx context.Context, rows []*pubdata.SourceRow) error {
	var cond string
	args := []any{d.seq, d.seq}
	if len(d.keys) == 1 {
		cond = quote(d.keys[0]) + " IN (" + placeholders(len(rows)) + ")"
		for _, r := range rows {
			args = append(args, d.keyArgs(r.Values)...)
		}
	} else {
		one := "(" + placeholders(len(d.keys)) + ")"
		cond = "(" + quoteAll(d.keys) + ") IN (VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ") + ")"
		for _, r := range rows {
			args = append(args, d.keyArgs(r.Values)...)
		}
	}
	res, err := d.tx.exec(ctx, "UPDATE "+d.tbl+" SET _to = ? WHERE _to IS NULL AND _from < ? AND "+cond, args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	d.superseded += n
	return nil
}

// conflict reports the row whose key a current row already has: a row of this batch
// (RuleUnique) or of an earlier one (RuleExists, in append mode).
func (d *directWriter) conflict(ctx context.Context, r *pubdata.SourceRow) error {
	var from, row int64
	err := d.tx.queryRow(ctx, "SELECT _from, _row FROM "+d.tbl+" WHERE _to IS NULL AND "+d.keyCond(""), d.keyArgs(r.Values)...).Scan(&from, &row)
	if err != nil {
		return fmt.Errorf("key conflict of row %d: %w", r.Num, err)
	}
	keyList := keyTitles(d.items, d.keys)
	if from == d.seq {
		d.fail(r, pubdata.RuleUnique, pubdata.NewMessage("row.key.again", "Key", keyList, "First", row-rowBase(d.seq)))
	} else {
		d.fail(r, pubdata.RuleExists, pubdata.NewMessage("row.key.exists", "Key", keyList))
	}
	return nil
}

// delete supersedes the current row of an earlier batch with the row's key.
func (d *directWriter) delete(ctx context.Context, r *pubdata.SourceRow) error {
	keyList := keyTitles(d.items, d.keys)
	args := append([]any{d.seq, d.seq}, d.keyArgs(r.Values)...)
	res, err := d.tx.exec(ctx, "UPDATE "+d.tbl+" SET _to = ? WHERE _to IS NULL AND _from < ? AND "+d.keyCond(""), args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		d.superseded += n
		d.deleted[d.keyOf(r.Values)] = true
		return nil
	}
	var row int64
	err = d.tx.queryRow(ctx, "SELECT _row FROM "+d.tbl+" WHERE _to IS NULL AND _from = ? AND "+d.keyCond(""), append([]any{d.seq}, d.keyArgs(r.Values)...)...).Scan(&row)
	switch {
	case err == nil:
		d.fail(r, pubdata.RuleUnique, pubdata.NewMessage("row.key.again", "Key", keyList, "First", row-rowBase(d.seq)))
	case errors.Is(err, sql.ErrNoRows):
		d.fail(r, pubdata.RuleNotFound, pubdata.NewMessage("row.key.not_found", "Key", keyList))
	default:
		return err
	}
	return nil
}
