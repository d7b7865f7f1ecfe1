package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
)

// Reading an entry's table: filters, full text, sort and keyset pagination (the cursor holds
// the last row's sort values and _row, never an OFFSET), streamed row by row. NULLs sort
// last in both directions on both databases.

// rowCursor is the decoded form of a rows cursor.
type rowCursor struct {
	Sort string `json:"s"` // the sort the cursor belongs to
	Vals []any  `json:"v"` // the last row's sort values
	Row  int64  `json:"r"` // the last row's _row
}

func sortSpec(keys []pubdata.SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Column
		if k.Desc {
			parts[i] = "-" + k.Column
		}
	}
	return strings.Join(parts, ",")
}

func encodeRowCursor(c rowCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor() error {
	return pubdata.FieldErrorf("_cursor", "The cursor is not valid for this query; start again from the first page.").Keyed("error.rows.cursor")
}

// decodeRowCursor reads a cursor for the sort, typing its values by the sort columns' items.
func decodeRowCursor(s string, sortKeys []pubdata.SortKey, items map[string]pubdata.Item) (*rowCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, badCursor()
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var c rowCursor
	if err := d.Decode(&c); err != nil || c.Sort != sortSpec(sortKeys) || len(c.Vals) != len(sortKeys) {
		return nil, badCursor()
	}
	for i, k := range sortKeys {
		v := c.Vals[i]
		if v == nil {
			continue
		}
		var text string
		switch x := v.(type) {
		case json.Number:
			text = x.String()
		case string:
			text = x
		case bool:
			text = fmt.Sprint(x)
		default:
			return nil, badCursor()
		}
		typ := items[k.Column].Type
		if k.Column == pubdata.RowID {
			typ = "integer"
		}
		tv, err := pubdata.ParseItemValue(typ, text)
		if err != nil {
			return nil, badCursor()
		}
		c.Vals[i] = tv
	}
	return &c, nil
}

// rowSelect is a query over an entry's table being built.
type rowSelect struct {
	db    *DB
	m     *tableMeta
	items map[string]pubdata.Item
	where []string
	args  []any
	// frozen is the condition matching the rows open objections freeze ("" none), with
	// frozenArgs; the query excludes them (objections.go).
	frozen     string
	frozenArgs []any
	// keys are the entry's keys when the table has encrypted columns (encryption.go).
	keys *envelope.EntryKeys
	// post are the filters on encrypted columns that need the values (ranges, contains,
	// prefix): applied in Go to the decrypted rows, a bounded number (decrypted.go).
	post []pubdata.RowFilter
}

// decode turns the scanned value of column c (the ciphertext of an encrypted one) into the
// domain's value of type typ.
func (r *rowSelect) decode(c, typ string, v any) (any, error) {
	if r.keys != nil && c != pubdata.RowID && r.m.encrypted(c) {
		return openValue(r.keys, c, typ, v)
	}
	return storedValue(typ, v), nil
}

// selExpr is the SQL that reads column c's value: the ciphertext of an encrypted one.
func (r *rowSelect) selExpr(c string) string {
	if c != pubdata.RowID && r.m.encrypted(c) {
		return quote(encColumn(c))
	}
	return colExpr(c)
}

// arg converts a domain value for the database (booleans are 0/1 on SQLite).
func (r *rowSelect) arg(v any) any {
	if b, ok := v.(bool); ok && r.db.dialect != Postgres {
		if b {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// colExpr is the SQL of a column named in a query: the quoted item, or _row for RowID.
func colExpr(name string) string {
	if name == pubdata.RowID {
		return "_row"
	}
	return quote(name)
}

// colType is the item type of a column named in a query ("integer" for RowID).
func (r *rowSelect) colType(name string) string {
	if name == pubdata.RowID {
		return "integer"
	}
	return r.items[name].Type
}

// known reports whether a query may name the column: an item the table holds, or RowID.
func (r *rowSelect) known(name string) bool {
	_, ok := r.items[name]
	return ok || name == pubdata.RowID
}

func (r *rowSelect) add(cond string, args ...any) {
	r.where = append(r.where, cond)
	for _, a := range args {
		r.args = append(r.args, r.arg(a))
	}
}

func (r *rowSelect) like() string {
	if r.db.dialect == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// build adds the conditions of q: the version (current or as of a batch), the filters and
// the full-text search.
// reader runs reads: the database itself (one statement is one snapshot) or a read-only
// transaction (several statements that must agree, as for _as_of).
type reader interface {
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// readerFor returns the reader of q and a function to call when done: a snapshot for _as_of
// (the batch and the rows must agree), else the database, to spare a key lookup the
// transaction's round trips.
func (s *DataService) readerFor(ctx context.Context, q *pubdata.RowQuery) (reader, func(), error) {
	if q.AsOf == "" {
		return s.db, func() {}, nil
	}
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	return tx, func() { tx.Rollback() }, nil
}

func (s *DataService) rowSelect(ctx context.Context, tx reader, e *pubdata.Entry, q *pubdata.RowQuery) (*rowSelect, error) {
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	var m *tableMeta
	if tx == reader(s.db) {
		m, err = s.db.cachedTableMeta(ctx, e.ID) // readcache.go
	} else {
		m, err = scanTableMeta(tx.queryRow(ctx, tableMetaQuery, e.ID), e.ID)
	}
	if err != nil {
		return nil, err
	}
	r := &rowSelect{db: s.db, m: m, items: map[string]pubdata.Item{}}
	for _, it := range items {
		if _, ok := m.columnsByName[it.Name]; ok {
			r.items[it.Name] = it
		}
	}
	if m.hasEncrypted() {
		if r.keys, err = s.db.entryKeys(ctx, tx, e.ID, m.keyVersion); err != nil {
			return nil, err
		}
	}
	if q.WrittenBy > 0 || q.SupersededBy > 0 || q.CurrentAfter > 0 {
		switch {
		case q.WrittenBy > 0:
			r.add("_from = ?", q.WrittenBy)
		case q.SupersededBy > 0:
			r.add("_to = ?", q.SupersededBy)
		default:
			if q.CurrentAfter < m.purged {
				return nil, pubdata.Errorf(pubdata.ECONFLICT, "The table's history before batch #%d was purged by the authority; it cannot be read as of then.", q.CurrentAfter).
					Keyed("error.rows.as_of.purged", "ID", fmt.Sprintf("#%d", q.CurrentAfter))
			}
			r.add("_from <= ? AND (_to IS NULL OR _to > ?)", q.CurrentAfter, q.CurrentAfter)
		}
	} else if q.AsOf != "" {
		var seq int64
		var entry string
		err := tx.queryRow(ctx, "SELECT seq, entry_id FROM data_batches WHERE id = ?", q.AsOf).Scan(&seq, &entry)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && entry != e.ID):
			return nil, pubdata.FieldErrorf("_as_of", "_as_of: batch %q of this entry was not found.", q.AsOf).Keyed("error.rows.as_of.not_found", "ID", q.AsOf)
		case err != nil:
			return nil, err
		case seq == 0:
			return nil, pubdata.FieldErrorf("_as_of", "_as_of: batch %q never wrote to the table (it failed or is running).", q.AsOf).Keyed("error.rows.as_of.no_write", "ID", q.AsOf)
		case seq < m.purged:
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The table's history before batch %q was purged by the authority; it cannot be read as of then.", q.AsOf).
				Keyed("error.rows.as_of.purged", "ID", q.AsOf)
		}
		r.add("_from <= ? AND (_to IS NULL OR _to > ?)", seq, seq)
	} else {
		r.add("_to IS NULL")
	}
	if err := r.excludeFrozen(ctx, tx); err != nil {
		return nil, err
	}
	for _, f := range q.Filters {
		if !r.known(f.Column) {
			return nil, pubdata.FieldErrorf(f.Column, "Filter: the table has no column %q.", f.Column).Keyed("error.rows.filter.no_column", "Column", f.Column)
		}
		c := colExpr(f.Column)
		if f.Column != pubdata.RowID && r.m.encrypted(f.Column) {
			// Equality on the blind index; nothing else runs on an encrypted column.
			switch f.Op {
			case pubdata.OpEq, "", pubdata.OpNe, pubdata.OpIn:
				vals := make([]any, len(f.Values))
				for i, v := range f.Values {
					vals[i] = indexValue(r.keys, f.Column, v)
				}
				f = pubdata.RowFilter{Column: f.Column, Op: f.Op, Values: vals}
			case pubdata.OpNull:
			default:
				r.post = append(r.post, f) // on the decrypted values (decrypted.go)
				continue
			}
		}
		switch f.Op {
		case pubdata.OpEq, "":
			r.add(c+" = ?", f.Values[0])
		case pubdata.OpNe:
			r.add(c+" <> ?", f.Values[0])
		case pubdata.OpGt:
			r.add(c+" > ?", f.Values[0])
		case pubdata.OpGte:
			r.add(c+" >= ?", f.Values[0])
		case pubdata.OpLt:
			r.add(c+" < ?", f.Values[0])
		case pubdata.OpLte:
			r.add(c+" <= ?", f.Values[0])
		case pubdata.OpIn:
			r.add(c+" IN ("+placeholders(len(f.Values))+")", f.Values...)
		case pubdata.OpContains, pubdata.OpPrefix:
			v, _ := f.Values[0].(string)
			pat := likeEscape(v) + "%"
			if f.Op == pubdata.OpContains {
				pat = "%" + pat
			}
			r.add(c+" "+r.like()+` ? ESCAPE '\'`, pat)
		case pubdata.OpNull:
			if isNull, _ := f.Values[0].(bool); isNull {
				r.add(c + " IS NULL")
			} else {
				r.add(c + " IS NOT NULL")
			}
		default:
			return nil, pubdata.FieldErrorf(f.Column, "Filter on %s: operator %q is not known.", f.Column, f.Op).Keyed("error.rows.filter.unknown_operator", "Column", f.Column, "Op", f.Op)
		}
	}
	if q.Q != "" {
		var ors []string
		var args []any
		pat := "%" + likeEscape(q.Q) + "%"
		for _, it := range items {
			if q.SearchColumns != nil && !slices.Contains(q.SearchColumns, it.Name) {
				continue // a column the reader may not search (masked)
			}
			if _, ok := r.items[it.Name]; ok && it.Type == "string" && !r.m.encrypted(it.Name) { // not encrypted ones
				ors = append(ors, quote(it.Name)+" "+r.like()+` ? ESCAPE '\'`)
				args = append(args, pat)
			}
		}
		if len(ors) == 0 {
			r.add("1 = 0")
		} else {
			r.add("("+strings.Join(ors, " OR ")+")", args...)
		}
	}
	return r, nil
}

func (r *rowSelect) whereSQL() string { return " WHERE " + strings.Join(r.where, " AND ") }

// RowReader is the raw reader of the entries' tables: rows and counts with no access policy
// applied (frozen rows are always left out). It is handed only to package access, the one
// read path (cmd/pubdata wires it); DataService itself has no method returning rows, so a
// transport holding the DataService cannot read around the policy.
type RowReader struct{ s *DataService }

// NewRowReader returns the raw row reader on db.
func NewRowReader(db *DB) *RowReader { return &RowReader{s: NewDataService(db)} }

// CountRows returns how many rows q selects (the cached count when q has no filter).
func (r *RowReader) CountRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery) (int64, error) {
	return r.s.countRows(ctx, e, q)
}

// QueryRows runs q over the entry's table and calls fn with each row's values in the order
// of the returned columns, streaming; the values are valid only during the call. It returns
// the columns and the cursor of the next page ("" on the last page or when q.Limit is 0).
func (r *RowReader) QueryRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, fn func(values []any) error) ([]string, string, error) {
	return r.s.queryRows(ctx, e, q, fn)
}

// countRows is RowReader.CountRows.
func (s *DataService) countRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery) (int64, error) {
	tx, done, err := s.readerFor(ctx, q)
	if err != nil {
		return 0, err
	}
	defer done()
	r, err := s.rowSelect(ctx, tx, e, q)
	if err != nil {
		return 0, err
	}
	capped := func(n int64) int64 {
		if q.CountLimit > 0 {
			return min(n, int64(q.CountLimit)+1)
		}
		return n
	}
	if len(r.post) > 0 {
		return s.countDecrypted(ctx, tx, r, q) // decrypted.go
	}
	if len(q.Filters) == 0 && q.Q == "" && q.AsOf == "" && q.WrittenBy == 0 && q.SupersededBy == 0 && q.CurrentAfter == 0 {
		if r.frozen == "" {
			return capped(r.m.rowCount), nil
		}
		frozen, err := countFrozen(ctx, tx, r.m, r.frozen, r.frozenArgs)
		return capped(r.m.rowCount - frozen), err
	}
	var n int64
	if q.CountLimit > 0 {
		// A bounded count reads at most CountLimit+1 rows.
		err = tx.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 AS one FROM "+r.m.tbl+r.whereSQL()+" LIMIT ?) bounded", append(slices.Clone(r.args), q.CountLimit+1)...).Scan(&n)
		return n, err
	}
	err = tx.queryRow(ctx, "SELECT COUNT(*) FROM "+r.m.tbl+r.whereSQL(), r.args...).Scan(&n)
	return n, err
}

// queryRows is RowReader.QueryRows. fn's values are valid only during the call.
func (s *DataService) queryRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, fn func(values []any) error) ([]string, string, error) {
	tx, done, err := s.readerFor(ctx, q)
	if err != nil {
		return nil, "", err
	}
	defer done()
	r, err := s.rowSelect(ctx, tx, e, q)
	if err != nil {
		return nil, "", err
	}
	cols := q.Fields
	if len(cols) == 0 {
		for _, it := range e.Items {
			if _, ok := r.items[it.Name]; ok {
				cols = append(cols, it.Name)
			}
		}
	}
	for _, c := range cols {
		if _, ok := r.items[c]; !ok {
			return nil, "", pubdata.FieldErrorf("_fields", "_fields: the table has no column %q.", c).Keyed("error.rows.fields.column", "Column", c)
		}
	}
	for _, k := range q.Sort {
		if !r.known(k.Column) {
			return nil, "", pubdata.FieldErrorf("_sort", "_sort: the table has no column %q.", k.Column).Keyed("error.rows.sort.column", "Column", k.Column)
		}
		if k.Column != pubdata.RowID && r.m.encrypted(k.Column) && q.Distinct {
			return nil, "", errEncryptedColumn("_sort", k.Column, "_sort")
		}
		if q.Distinct && !slices.Contains(cols, k.Column) {
			return nil, "", pubdata.FieldErrorf("sort", "Distinct rows are sorted by their returned columns only; %q is not one of them.", k.Column).Keyed("error.rows.distinct.sort", "Column", k.Column)
		}
	}
	if q.Distinct && (q.Cursor != "" || q.WithRowID) {
		return nil, "", pubdata.FieldErrorf("distinct", "Distinct rows have no row numbers and no cursor; page them by offset.").Keyed("error.rows.distinct.paging")
	}
	if q.Distinct && len(r.post) > 0 {
		return nil, "", errEncryptedColumn(r.post[0].Column, r.post[0].Column, r.post[0].Op)
	}
	if q.Distinct {
		return s.queryDistinct(ctx, tx, r, q, cols, fn)
	}
	if r.decrypting(q) {
		return s.queryDecrypted(ctx, tx, r, q, cols, fn) // decrypted.go
	}
	if q.Cursor != "" {
		c, err := decodeRowCursor(q.Cursor, q.Sort, r.items)
		if err != nil {
			return nil, "", err
		}
		r.afterCursor(q.Sort, c)
	}
	order := make([]string, 0, len(q.Sort)+1)
	for _, k := range q.Sort {
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		order = append(order, colExpr(k.Column)+dir+" NULLS LAST")
	}
	order = append(order, "_row ASC")
	sel := []string{"_row"}
	for _, c := range cols {
		sel = append(sel, r.selExpr(c))
	}
	for _, k := range q.Sort {
		sel = append(sel, colExpr(k.Column))
	}
	query := "SELECT " + strings.Join(sel, ", ") + " FROM " + r.m.tbl + r.whereSQL() + " ORDER BY " + strings.Join(order, ", ")
	args := r.args
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit+1)
	} else if q.Offset > 0 {
		query += " LIMIT -1"
		if s.db.dialect == Postgres {
			query = strings.TrimSuffix(query, " LIMIT -1") + " LIMIT ALL"
		}
	}
	if q.Offset > 0 {
		query += " OFFSET ?"
		args = append(args, q.Offset)
	}
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	types := make([]string, 0, len(sel))
	types = append(types, "integer")
	for _, c := range cols {
		types = append(types, r.items[c].Type)
	}
	for _, k := range q.Sort {
		types = append(types, r.colType(k.Column))
	}
	raw := make([]any, len(sel))
	dest := make([]any, len(sel))
	for i := range raw {
		dest[i] = &raw[i]
	}
	var n int
	var last rowCursor
	next := ""
	for rows.Next() {
		if q.Limit > 0 && n == q.Limit {
			next = encodeRowCursor(last)
			break
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, "", err
		}
		for i := range raw {
			if i >= 1 && i <= len(cols) {
				if raw[i], err = r.decode(cols[i-1], types[i], raw[i]); err != nil {
					return nil, "", err
				}
				continue
			}
			raw[i] = storedValue(types[i], raw[i])
		}
		vals := raw[1 : 1+len(cols)]
		if q.WithRowID {
			vals = raw[:1+len(cols)]
		}
		if err := fn(vals); err != nil {
			return nil, "", err
		}
		n++
		if q.Limit > 0 {
			last = rowCursor{Sort: sortSpec(q.Sort), Row: raw[0].(int64), Vals: append([]any(nil), raw[1+len(cols):]...)}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	return cols, next, nil
}

// queryDistinct is queryRows for q.Distinct: each distinct row of cols once, ordered by the
// sort keys then by every column (a stable order for offset paging), without row numbers.
func (s *DataService) queryDistinct(ctx context.Context, tx reader, r *rowSelect, q *pubdata.RowQuery, cols []string, fn func(values []any) error) ([]string, string, error) {
	sel := make([]string, len(cols))
	types := make([]string, len(cols))
	grouped := false // an encrypted column: distinct blind indexes, one ciphertext of each
	for i, c := range cols {
		sel[i], types[i] = quote(c), r.items[c].Type
		if r.m.encrypted(c) {
			sel[i], grouped = "MIN("+quote(encColumn(c))+")", true
		}
	}
	order := make([]string, 0, len(q.Sort)+len(cols))
	for _, k := range q.Sort {
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		order = append(order, quote(k.Column)+dir+" NULLS LAST")
	}
	for _, c := range cols {
		order = append(order, quote(c)+" ASC NULLS LAST")
	}
	query := "SELECT DISTINCT " + strings.Join(sel, ", ") + " FROM " + r.m.tbl + r.whereSQL() + " ORDER BY " + strings.Join(order, ", ")
	if grouped {
		query = "SELECT " + strings.Join(sel, ", ") + " FROM " + r.m.tbl + r.whereSQL() + " GROUP BY " + quoteAll(cols) + " ORDER BY " + strings.Join(order, ", ")
	}
	args := slices.Clone(r.args)
	switch {
	case q.Limit > 0:
		query += " LIMIT ?"
		args = append(args, q.Limit)
	case q.Offset > 0 && s.db.dialect == Postgres:
		query += " LIMIT ALL"
	case q.Offset > 0:
		query += " LIMIT -1"
	}
	if q.Offset > 0 {
		query += " OFFSET ?"
		args = append(args, q.Offset)
	}
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	raw := make([]any, len(sel))
	dest := make([]any, len(sel))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, "", err
		}
		for i := range raw {
			if raw[i], err = r.decode(cols[i], types[i], raw[i]); err != nil {
				return nil, "", err
			}
		}
		if err := fn(raw); err != nil {
			return nil, "", err
		}
	}
	return cols, "", rows.Err()
}

// afterCursor limits the query to the rows after the cursor's row in the sort order (NULLs
// last): for each sort key, the rows equal on the keys before it and after it on this one;
// then the rows equal on every key with a greater _row.
func (r *rowSelect) afterCursor(keys []pubdata.SortKey, c *rowCursor) {
	var ors []string
	var args []any
	var eq []string
	var eqArgs []any
	for i, k := range keys {
		col := colExpr(k.Column)
		v := c.Vals[i]
		if v != nil {
			op := " > ?"
			if k.Desc {
				op = " < ?"
			}
			ors = append(ors, "("+strings.Join(append(append([]string{}, eq...), "("+col+op+" OR "+col+" IS NULL)"), " AND ")+")")
			args = append(args, eqArgs...)
			args = append(args, r.arg(v))
			eq = append(eq, col+" = ?")
			eqArgs = append(eqArgs, r.arg(v))
		} else {
			eq = append(eq, col+" IS NULL")
		}
	}
	ors = append(ors, "("+strings.Join(append(append([]string{}, eq...), "_row > ?"), " AND ")+")")
	args = append(args, eqArgs...)
	args = append(args, c.Row)
	r.where = append(r.where, "("+strings.Join(ors, " OR ")+")")
	r.args = append(r.args, args...)
}

// storedValue turns a scanned value into the domain's Go value for the item type.
func storedValue(typ string, v any) any {
	v = normalizeStored(v)
	switch typ {
	case "integer":
		switch x := v.(type) {
		case float64:
			return int64(x)
		case int32:
			return int64(x)
		}
	case "number":
		switch x := v.(type) {
		case int64:
			return float64(x)
		case float32:
			return float64(x)
		}
	case "boolean":
		if x, ok := v.(int64); ok {
			return x != 0
		}
	case "string", "date", "datetime":
		switch x := v.(type) {
		case int64, float64, bool:
			return pubdata.FormatItemValue(x)
		}
	}
	return v
}
