package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

// Sorting and range or pattern filters on encrypted columns (encryption.go): the database
// holds no order of those values, so the rows the other conditions select are read —
// at most pubdata.MaxDecryptedRows of them, else the query is refused with the bound — and
// decrypted, filtered and sorted in Go, NULLs last, ties by _row, then paged with the same
// keyset cursor (the last row's sort values and _row) as in the database.

// decrypting reports whether q needs the decrypted rows: a filter on the values of an
// encrypted column, or a sort by one.
func (r *rowSelect) decrypting(q *pubdata.RowQuery) bool {
	if len(r.post) > 0 {
		return true
	}
	for _, k := range q.Sort {
		if k.Column != pubdata.RowID && r.m.encrypted(k.Column) {
			return true
		}
	}
	return false
}

func errDecryptBound(column string) error {
	return pubdata.FieldErrorf(column, "Column %s is stored encrypted: sorting it, or filtering it by range or pattern, reads at most %d rows, and this query selects more; filter by other columns first.", column, pubdata.MaxDecryptedRows).
		Keyed("error.rows.encrypted_bound", "Column", column, "Max", pubdata.MaxDecryptedRows)
}

// decryptedRow is a row read for sorting in Go: _row and the values of the columns read.
type decryptedRow struct {
	row  int64
	vals []any
}

// readDecrypted reads the decrypted values of names of every row r selects that passes the
// Go-side filters, at most MaxDecryptedRows read.
func (s *DataService) readDecrypted(ctx context.Context, tx reader, r *rowSelect, names []string, why string) ([]decryptedRow, error) {
	sel := make([]string, 0, len(names)+1)
	sel = append(sel, "_row")
	for _, n := range names {
		sel = append(sel, r.selExpr(n))
	}
	bound := pubdata.MaxDecryptedRows
	rows, err := tx.query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+r.m.tbl+r.whereSQL()+" ORDER BY _row LIMIT ?", append(slices.Clone(r.args), bound+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	var out []decryptedRow
	raw := make([]any, len(sel))
	dest := make([]any, len(sel))
	for i := range raw {
		dest[i] = &raw[i]
	}
	read := 0
	for rows.Next() {
		if read++; read > bound {
			return nil, errDecryptBound(why)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		d := decryptedRow{row: storedValue("integer", raw[0]).(int64), vals: make([]any, len(names))}
		for i, n := range names {
			typ := r.colType(n)
			if d.vals[i], err = r.decode(n, typ, raw[i+1]); err != nil {
				return nil, err
			}
		}
		keep := true
		for _, f := range r.post {
			if !matchPost(f, d.vals[index[f.Column]]) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// matchPost applies a range or pattern filter to a decrypted value (NULL matches none; the
// patterns ignore case, as ILIKE and SQLite's LIKE do for ASCII).
func matchPost(f pubdata.RowFilter, v any) bool {
	if v == nil || len(f.Values) == 0 {
		return false
	}
	switch f.Op {
	case pubdata.OpGt:
		return compareValues(v, f.Values[0]) > 0
	case pubdata.OpGte:
		return compareValues(v, f.Values[0]) >= 0
	case pubdata.OpLt:
		return compareValues(v, f.Values[0]) < 0
	case pubdata.OpLte:
		return compareValues(v, f.Values[0]) <= 0
	case pubdata.OpContains, pubdata.OpPrefix:
		text, _ := v.(string)
		pat, _ := f.Values[0].(string)
		text, pat = strings.ToLower(text), strings.ToLower(pat)
		if f.Op == pubdata.OpPrefix {
			return strings.HasPrefix(text, pat)
		}
		return strings.Contains(text, pat)
	}
	return false
}

// compareValues orders two non-NULL domain values of one item type.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpOrdered(x, y)
		case float64:
			return cmpOrdered(float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmpOrdered(x, y)
		case int64:
			return cmpOrdered(x, float64(y))
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmpOrdered(boolInt(x), boolInt(y))
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	}
	return strings.Compare(pubdata.FormatItemValue(a), pubdata.FormatItemValue(b))
}

func cmpOrdered[T int | int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortCompare orders two rows by the sort keys' values (NULLs last in both directions),
// then by _row.
func sortCompare(keys []pubdata.SortKey, av []any, ar int64, bv []any, br int64) int {
	for i, k := range keys {
		a, b := av[i], bv[i]
		switch {
		case a == nil && b == nil:
			continue
		case a == nil:
			return 1
		case b == nil:
			return -1
		}
		c := compareValues(a, b)
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmpOrdered(ar, br)
}

// queryDecrypted is queryRows for a query that needs the decrypted rows.
func (s *DataService) queryDecrypted(ctx context.Context, tx reader, r *rowSelect, q *pubdata.RowQuery, cols []string, fn func(values []any) error) ([]string, string, error) {
	names := slices.Clone(cols)
	sortAt := make([]int, len(q.Sort))
	for i, k := range q.Sort {
		if k.Column == pubdata.RowID {
			sortAt[i] = -1
			continue
		}
		j := slices.Index(names, k.Column)
		if j < 0 {
			j = len(names)
			names = append(names, k.Column)
		}
		sortAt[i] = j
	}
	why := ""
	for _, k := range q.Sort {
		if why == "" && k.Column != pubdata.RowID && r.m.encrypted(k.Column) {
			why = k.Column
		}
	}
	for _, f := range r.post {
		if why == "" {
			why = f.Column
		}
		if !slices.Contains(names, f.Column) {
			names = append(names, f.Column)
		}
	}
	list, err := s.readDecrypted(ctx, tx, r, names, why)
	if err != nil {
		return nil, "", err
	}
	sortVals := func(d decryptedRow) []any {
		out := make([]any, len(sortAt))
		for i, j := range sortAt {
			if j < 0 {
				out[i] = d.row
			} else {
				out[i] = d.vals[j]
			}
		}
		return out
	}
	slices.SortStableFunc(list, func(a, b decryptedRow) int {
		return sortCompare(q.Sort, sortVals(a), a.row, sortVals(b), b.row)
	})
	start := 0
	if q.Cursor != "" {
		c, err := decodeRowCursor(q.Cursor, q.Sort, r.items)
		if err != nil {
			return nil, "", err
		}
		start, _ = slices.BinarySearchFunc(list, c, func(d decryptedRow, c *rowCursor) int {
			return sortCompare(q.Sort, sortVals(d), d.row, c.Vals, c.Row)
		})
		if start < len(list) && sortCompare(q.Sort, sortVals(list[start]), list[start].row, c.Vals, c.Row) == 0 {
			start++
		}
	}
	start += q.Offset
	next := ""
	out := make([]any, 0, len(cols)+1)
	for i := start; i < len(list); i++ {
		if q.Limit > 0 && i-start == q.Limit {
			last := list[i-1]
			next = encodeRowCursor(rowCursor{Sort: sortSpec(q.Sort), Row: last.row, Vals: sortVals(last)})
			break
		}
		out = out[:0]
		if q.WithRowID {
			out = append(out, list[i].row)
		}
		out = append(out, list[i].vals[:len(cols)]...)
		if err := fn(out); err != nil {
			return nil, "", err
		}
	}
	return cols, next, nil
}

// countDecrypted is countRows for a query with filters on encrypted values.
func (s *DataService) countDecrypted(ctx context.Context, tx reader, r *rowSelect, q *pubdata.RowQuery) (int64, error) {
	var names []string
	for _, f := range r.post {
		if !slices.Contains(names, f.Column) {
			names = append(names, f.Column)
		}
	}
	list, err := s.readDecrypted(ctx, tx, r, names, r.post[0].Column)
	if err != nil {
		return 0, err
	}
	n := int64(len(list))
	if q.CountLimit > 0 {
		n = min(n, int64(q.CountLimit)+1)
	}
	return n, nil
}
