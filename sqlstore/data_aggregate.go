package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/pubdata/pubdata"
)

// Aggregates over the entries' tables for the portal's pages.

// TotalRows returns the current rows of every entry's table, summed from the counts each
// batch keeps in data_tables (no table is scanned).
func (s *DataService) TotalRows(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.queryRow(ctx, "SELECT COALESCE(SUM(row_count), 0) FROM data_tables").Scan(&n); err != nil {
		return 0, fmt.Errorf("total rows: %w", err)
	}
	return n, nil
}

// The charts' and the map's aggregates (pubdata.RowGrouping, pubdata.RowGrid): one
// statement over every row q selects (the version, the filters, the grant's filter, frozen
// rows left out), grouped in the database; only the groups travel. They are the raw
// reader's (RowReader), handed to package access alone, which checks the caller's columns.

// aggregateColumn is the refusal of a column an aggregate cannot use.
func aggregateColumn(col string) error {
	return pubdata.FieldErrorf("_aggregate", "Aggregate: the table has no column %q of a type that can be used here.", col).
		Keyed("error.rows.aggregate.column", "Column", col)
}

// aggregateBound is the refusal of an aggregate's bound out of range.
func aggregateBound() error {
	return pubdata.FieldErrorf("_aggregate", "Aggregate: the number of groups or cells asked is out of range.").
		Keyed("error.rows.aggregate.bound")
}

// itemOf returns the column's item when its type is one of types.
func (r *rowSelect) itemOf(col string, types ...string) (pubdata.Item, error) {
	it, ok := r.items[col]
	if !ok || !slices.Contains(types, it.Type) {
		return it, aggregateColumn(col)
	}
	if r.m.encrypted(col) {
		return it, errEncryptedColumn("_aggregate", col, "_aggregate")
	}
	return it, nil
}

// GroupRows returns the groups of the rows q selects (its filters and version; not its
// fields, sort, cursor or limit), as g asks.
func (r *RowReader) GroupRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
	s := r.s
	if g.Limit < 1 || g.Limit > pubdata.MaxGroups {
		return nil, aggregateBound()
	}
	tx, done, err := s.readerFor(ctx, q)
	if err != nil {
		return nil, err
	}
	defer done()
	sel, err := s.rowSelect(ctx, tx, e, q)
	if err != nil {
		return nil, err
	}
	key := ""
	switch {
	case g.Column == "" && g.Prefix == 0:
		key = "''"
	case g.Prefix == 0:
		if _, err := sel.itemOf(g.Column, "string", "date", "datetime"); err != nil {
			return nil, err
		}
		key = quote(g.Column)
	case g.Prefix == pubdata.PrefixYear, g.Prefix == pubdata.PrefixMonth, g.Prefix == pubdata.PrefixDay, g.Prefix == pubdata.PrefixHour:
		if _, err := sel.itemOf(g.Column, "date", "datetime"); err != nil {
			return nil, err
		}
		key = fmt.Sprintf("substr(%s, 1, %d)", quote(g.Column), g.Prefix)
	default:
		return nil, aggregateBound()
	}
	sum := "0, 0"
	if g.Sum != "" {
		if _, err := sel.itemOf(g.Sum, "integer", "number"); err != nil {
			return nil, err
		}
		v := "CAST(" + quote(g.Sum) + " AS DOUBLE PRECISION)"
		if g.Clamp != nil {
			v = clampSQL(v, *g.Clamp)
		}
		sum = "COUNT(" + v + "), SUM(" + v + ")"
	}
	for _, m := range g.More {
		if _, err := sel.itemOf(m.Column, "integer", "number"); err != nil {
			return nil, err
		}
		v := "CAST(" + quote(m.Column) + " AS DOUBLE PRECISION)"
		if m.Clamp != nil {
			v = clampSQL(v, *m.Clamp)
		}
		sum += ", COUNT(" + v + "), SUM(" + v + ")"
	}
	order := "1 DESC"
	if g.ByRows {
		order = "2 DESC, 1 ASC"
	}
	if g.Column != "" {
		sel.add(quote(g.Column) + " IS NOT NULL")
	}
	query := "SELECT " + key + ", COUNT(*), " + sum + " FROM " + sel.m.tbl + sel.whereSQL() +
		" GROUP BY 1 ORDER BY " + order + " LIMIT ?"
	rows, err := tx.query(ctx, query, append(sel.args, g.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pubdata.RowGroup
	for rows.Next() {
		var k sql.NullString
		var grp pubdata.RowGroup
		var total sql.NullFloat64
		dest := []any{&k, &grp.Rows, &grp.N, &total}
		more := make([]sql.NullFloat64, len(g.More))
		if len(g.More) > 0 {
			grp.More = make([]pubdata.RowFigure, len(g.More))
			for i := range g.More {
				dest = append(dest, &grp.More[i].N, &more[i])
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		grp.Key, grp.Sum = k.String, total.Float64
		for i := range more {
			grp.More[i].Sum = more[i].Float64
		}
		out = append(out, grp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if g.Bins > 0 && g.Clamp != nil && g.Sum != "" && len(out) > 0 {
		if err := r.binRows(ctx, tx, sel, key, g, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// clampSQL clamps the SQL number v into c (bound as literals: they are numbers).
func clampSQL(v string, c [2]float64) string {
	lo, hi := strconv.FormatFloat(c[0], 'g', -1, 64), strconv.FormatFloat(c[1], 'g', -1, 64)
	return "(CASE WHEN " + v + " < " + lo + " THEN " + lo + " WHEN " + v + " > " + hi + " THEN " + hi + " ELSE " + v + " END)"
}

// binRows fills the histograms of the groups: the clamped Sum values counted into g.Bins
// equal-width bins over the clamp range, by one GROUP BY of group and bin.
func (r *RowReader) binRows(ctx context.Context, tx reader, sel *rowSelect, key string, g pubdata.RowGrouping, groups []pubdata.RowGroup) error {
	if g.Bins > 1024 || g.Clamp[1] <= g.Clamp[0] {
		return aggregateBound()
	}
	v := clampSQL("CAST("+quote(g.Sum)+" AS DOUBLE PRECISION)", *g.Clamp)
	lo := strconv.FormatFloat(g.Clamp[0], 'g', -1, 64)
	width := strconv.FormatFloat((g.Clamp[1]-g.Clamp[0])/float64(g.Bins), 'g', -1, 64)
	// The clamped value is at least lo: truncation is the floor (SQLite's CAST truncates,
	// PostgreSQL's rounds, hence FLOOR there).
	bin := "CAST((" + v + " - " + lo + ") / " + width + " AS BIGINT)"
	if r.s.db.dialect == Postgres {
		bin = "CAST(FLOOR((" + v + " - " + lo + ") / " + width + ") AS BIGINT)"
	}
	sel.add(quote(g.Sum) + " IS NOT NULL")
	query := "SELECT " + key + ", " + bin + ", COUNT(*) FROM " + sel.m.tbl + sel.whereSQL() + " GROUP BY 1, 2"
	rows, err := tx.query(ctx, query, sel.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	at := map[string]int{}
	for i := range groups {
		at[groups[i].Key] = i
		groups[i].Hist = make([]int64, g.Bins)
	}
	for rows.Next() {
		var k sql.NullString
		var b, n int64
		if err := rows.Scan(&k, &b, &n); err != nil {
			return err
		}
		i, ok := at[k.String]
		if !ok {
			continue // a group past the limit
		}
		if b >= int64(g.Bins) {
			b = int64(g.Bins) - 1
		}
		if b < 0 {
			b = 0
		}
		groups[i].Hist[b] += n
	}
	return rows.Err()
}

// GridRows counts the rows q selects that hold coordinates in the cells of a grid laid over
// their extent, as g asks: two statements, the extent then the cells.
func (r *RowReader) GridRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrid) (*pubdata.Grid, error) {
	s := r.s
	if g.Cols < 1 || g.Rows < 1 || g.Cols*g.Rows > pubdata.MaxGridCells {
		return nil, aggregateBound()
	}
	tx, done, err := s.readerFor(ctx, q)
	if err != nil {
		return nil, err
	}
	defer done()
	sel, err := s.rowSelect(ctx, tx, e, q)
	if err != nil {
		return nil, err
	}
	for _, c := range []string{g.X, g.Y} {
		if _, err := sel.itemOf(c, "integer", "number"); err != nil {
			return nil, err
		}
	}
	x := "CAST(" + quote(g.X) + " AS DOUBLE PRECISION)"
	y := "CAST(" + quote(g.Y) + " AS DOUBLE PRECISION)"
	sel.add(x + " BETWEEN -180 AND 180 AND " + y + " BETWEEN -90 AND 90")
	out := &pubdata.Grid{}
	var west, south, east, north sql.NullFloat64
	err = tx.queryRow(ctx, "SELECT COUNT(*), MIN("+x+"), MIN("+y+"), MAX("+x+"), MAX("+y+") FROM "+sel.m.tbl+sel.whereSQL(), sel.args...).
		Scan(&out.Points, &west, &south, &east, &north)
	if err != nil || out.Points == 0 {
		return out, err
	}
	out.West, out.South, out.East, out.North = west.Float64, south.Float64, east.Float64, north.Float64
	out.Cols, out.Rows = g.Cols, g.Rows
	out.CellW, out.CellH = pubdata.GridLayout(out.West, out.South, out.East, out.North, g.Cols, g.Rows)
	query := "SELECT CAST(FLOOR((" + x + " - ?) / ?) AS BIGINT), CAST(FLOOR((" + y + " - ?) / ?) AS BIGINT), COUNT(*), SUM(" + x + "), SUM(" + y + ")" +
		" FROM " + sel.m.tbl + sel.whereSQL() + " GROUP BY 1, 2"
	args := append([]any{out.West, out.CellW, out.South, out.CellH}, sel.args...)
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type sums struct {
		n    int64
		x, y float64
	}
	cells := map[[2]int]*sums{}
	var order [][2]int
	for rows.Next() {
		var c, rw, n int64
		var sx, sy float64
		if err := rows.Scan(&c, &rw, &n, &sx, &sy); err != nil {
			return nil, err
		}
		// Points on the east or north edge (and any a concurrent load put beyond the
		// extent) go to the last cell.
		k := [2]int{min(max(int(c), 0), g.Cols-1), min(max(int(rw), 0), g.Rows-1)}
		a := cells[k]
		if a == nil {
			a = &sums{}
			cells[k] = a
			order = append(order, k)
		}
		a.n += n
		a.x += sx
		a.y += sy
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(order, func(a, b [2]int) int {
		if a[1] != b[1] {
			return a[1] - b[1]
		}
		return a[0] - b[0]
	})
	for _, k := range order {
		a := cells[k]
		out.Cells = append(out.Cells, pubdata.GridCell{Col: k[0], Row: k[1], Points: a.n, X: a.x / float64(a.n), Y: a.y / float64(a.n)})
	}
	return out, nil
}
