package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Aggregate summaries (issue 16, Performance; migration 0047). The noisy aggregates of a
// usable-but-invisible entry group every current row of its table; over a million rows the
// database's own GROUP BY costs seconds. The summary keeps, per entry and per generation of
// its table, the exact figures every such grouping needs:
//
//   - per group column the entry allows ("" is every row as one group) and per group value:
//     the group's rows, and for each number or integer column the count of its values, their
//     sum, least and greatest;
//   - per (group column, number column) pair with at most MaxSummaryValues distinct (group
//     value, value) pairs: every distinct value with its count in each group, from which a
//     sum clamped into any bounds and the histogram of any bins are exact.
//
// It is computed in one scan of the current rows (the rows a read without a filter selects:
// frozen rows left out), the generation's stamp read in the same snapshot, and replaced in
// one transaction. RowReader.SummaryGroups answers a RowGrouping from it with the figures
// GroupRows would compute, or says why it cannot: no summary, a stale one (its stamp is not
// the table's: never read), or one that does not cover the grouping. Sums are the float64
// sums of the same values, in another order: equal to the database's for whole numbers and
// other values whose partial sums are exact in float64 (below 2^53), within rounding
// otherwise.

// MaxSummaryValues bounds the distinct (group value, value) pairs kept for one group column
// and one number column; past it only the count, sum, least and greatest are kept, which
// answer sums and means whose bounds hold every value, and the scan answers the rest.
const MaxSummaryValues = 65536

// summaryCovers is what a summary holds (agg_summaries.covers).
type summaryCovers struct {
	Groups   []string `json:"groups"`
	Measures []string `json:"measures"`
}

// summaryStamp is the generation of the table sel reads: its last batch, a hash of its
// columns (types, encryption), of the freeze condition of open objections and of the entry's
// group columns.
func summaryStamp(sel *rowSelect, e *pubdata.Entry) string {
	h := sha256.New()
	cols, _ := json.Marshal(sel.m.columns)
	h.Write(cols)
	h.Write([]byte{0})
	h.Write([]byte(sel.frozen))
	for _, a := range sel.frozenArgs {
		fmt.Fprintf(h, "\x00%T:%v", a, a)
	}
	h.Write([]byte{0})
	h.Write([]byte(strings.Join(e.InvisibleTerms.GroupColumns, "\x00")))
	return fmt.Sprintf("%d-%x", sel.m.seq, h.Sum(nil)[:12])
}

// summaryFigure is a number column's figures in one group.
type summaryFigure struct {
	n         int64
	sum       float64
	lo, hi    float64
	valuesOff bool // the pair overflowed: values not kept
}

func (f *summaryFigure) add(v float64) {
	if f.n == 0 || v < f.lo {
		f.lo = v
	}
	if f.n == 0 || v > f.hi {
		f.hi = v
	}
	f.n++
	f.sum += v
}

// summaryGroup is one group of one group column being summarised.
type summaryGroup struct {
	rows   int64
	figs   []summaryFigure
	values []map[float64]int64 // per measure: value → count (nil once the pair overflowed)
}

// BuildAggregateSummary computes the entry's summary in one scan of its current rows and
// replaces the kept one, with its event on the record, unless the kept one is already of the
// table's current generation (Built false). ENOTFOUND when the entry has no table.
func (s *DataService) BuildAggregateSummary(ctx context.Context, e *pubdata.Entry) (*pubdata.AggregateSummary, error) {
	start := time.Now()
	snap, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer snap.Rollback()
	sel, err := s.rowSelect(ctx, snap, e, &pubdata.RowQuery{})
	if err != nil {
		return nil, err
	}
	stamp := summaryStamp(sel, e)
	out := &pubdata.AggregateSummary{Entry: e.ID, Stamp: stamp}
	var kept string
	switch err := snap.queryRow(ctx, "SELECT stamp FROM agg_summaries WHERE entry_id = ?", e.ID).Scan(&kept); {
	case err == nil && kept == stamp:
		return out, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	// The columns, those stored encrypted too: their values are decrypted here, as the
	// scan's grouping in Go does (access.groupInGo).
	of := func(c string, types ...string) bool {
		it, ok := sel.items[c]
		return ok && slices.Contains(types, it.Type)
	}
	groupCols := []string{""}
	for _, c := range e.InvisibleTerms.GroupColumns {
		if of(c, "string", "date", "datetime") && !slices.Contains(groupCols, c) {
			groupCols = append(groupCols, c)
		}
	}
	var measures []string
	for _, it := range e.Items {
		if of(it.Name, "integer", "number") {
			measures = append(measures, it.Name)
		}
	}
	var exprs []string
	for _, c := range groupCols[1:] {
		exprs = append(exprs, sel.selExpr(c))
	}
	for _, m := range measures {
		if sel.m.encrypted(m) {
			exprs = append(exprs, sel.selExpr(m))
		} else {
			exprs = append(exprs, "CAST("+quote(m)+" AS DOUBLE PRECISION)")
		}
	}
	if len(exprs) == 0 {
		exprs = []string{"1"}
	}
	groups := make([]map[string]*summaryGroup, len(groupCols))
	for i := range groups {
		groups[i] = map[string]*summaryGroup{}
	}
	tooMany := make([]bool, len(groupCols)) // more groups than MaxGroups: not kept
	pairs := make([][]int, len(groupCols))  // distinct (group value, value) pairs per measure
	overflow := make([][]bool, len(groupCols))
	for i := range pairs {
		pairs[i] = make([]int, len(measures))
		overflow[i] = make([]bool, len(measures))
	}
	keys := make([]sql.NullString, len(groupCols)-1)
	vals := make([]sql.NullFloat64, len(measures))
	sealed := make([]any, len(exprs)) // the ciphertexts of encrypted columns
	dest := make([]any, 0, len(exprs))
	for i := range keys {
		if sel.m.encrypted(groupCols[i+1]) {
			dest = append(dest, &sealed[len(dest)])
		} else {
			dest = append(dest, &keys[i])
		}
	}
	for i := range vals {
		if sel.m.encrypted(measures[i]) {
			dest = append(dest, &sealed[len(dest)])
		} else {
			dest = append(dest, &vals[i])
		}
	}
	if len(dest) == 0 {
		dest = append(dest, new(int64))
	}
	rows, err := snap.query(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+sel.m.tbl+sel.whereSQL(), sel.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err := openSummaryRow(sel, groupCols[1:], measures, sealed, keys, vals); err != nil {
			return nil, err
		}
		out.Rows++
		for gi := range groupCols {
			if tooMany[gi] {
				continue
			}
			key := ""
			if gi > 0 {
				if !keys[gi-1].Valid {
					continue
				}
				key = keys[gi-1].String
			}
			g := groups[gi][key]
			if g == nil {
				if len(groups[gi]) >= pubdata.MaxGroups {
					tooMany[gi], groups[gi] = true, nil
					continue
				}
				g = &summaryGroup{figs: make([]summaryFigure, len(measures)), values: make([]map[float64]int64, len(measures))}
				groups[gi][key] = g
			}
			g.rows++
			for mi, v := range vals {
				if !v.Valid {
					continue
				}
				g.figs[mi].add(v.Float64)
				if overflow[gi][mi] {
					continue
				}
				vm := g.values[mi]
				if vm == nil {
					vm = map[float64]int64{}
					g.values[mi] = vm
				}
				if _, ok := vm[v.Float64]; !ok {
					if pairs[gi][mi]++; pairs[gi][mi] > MaxSummaryValues {
						overflow[gi][mi] = true
						for _, og := range groups[gi] {
							og.values[mi] = nil
						}
						continue
					}
				}
				vm[v.Float64]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	snap.Rollback()

	covers := summaryCovers{Measures: measures}
	if covers.Measures == nil {
		covers.Measures = []string{}
	}
	for gi, c := range groupCols {
		if !tooMany[gi] {
			covers.Groups = append(covers.Groups, c)
		}
	}
	out.Groups, out.Measures = covers.Groups, covers.Measures

	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, t := range []string{"agg_summary_values", "agg_summary_groups"} {
		if _, err := tx.exec(ctx, "DELETE FROM "+t+" WHERE entry_id = ?", e.ID); err != nil {
			return nil, err
		}
	}
	ins := &multiInsert{tx: tx, head: "INSERT INTO agg_summary_groups (entry_id, stamp, group_col, group_key, measure_col, n, total, lo, hi, listed) VALUES ", cols: 10}
	vins := &multiInsert{tx: tx, head: "INSERT INTO agg_summary_values (entry_id, stamp, group_col, measure_col, group_key, vals) VALUES ", cols: 6, rows: 20}
	for gi, c := range groupCols {
		if tooMany[gi] {
			continue
		}
		keys := make([]string, 0, len(groups[gi]))
		for k := range groups[gi] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for mi := range measures {
			if !overflow[gi][mi] {
				out.Listed++
			}
		}
		for _, k := range keys {
			g := groups[gi][k]
			if err := ins.add(ctx, e.ID, stamp, c, k, "", g.rows, 0.0, 0.0, 0.0, 0); err != nil {
				return nil, err
			}
			for mi, m := range measures {
				f := g.figs[mi]
				listed := 0
				if !overflow[gi][mi] {
					listed = 1
				}
				if err := ins.add(ctx, e.ID, stamp, c, k, m, f.n, f.sum, f.lo, f.hi, listed); err != nil {
					return nil, err
				}
				if overflow[gi][mi] {
					continue
				}
				out.Values += int64(len(g.values[mi]))
				if err := vins.add(ctx, e.ID, stamp, c, m, k, encodeSummaryValues(g.values[mi])); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := ins.flush(ctx); err != nil {
		return nil, err
	}
	if err := vins.flush(ctx); err != nil {
		return nil, err
	}
	cov, _ := json.Marshal(covers)
	out.Took = time.Since(start)
	if _, err := tx.exec(ctx, `INSERT INTO agg_summaries (entry_id, stamp, batch_seq, covers, row_count, built_at, took_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (entry_id) DO UPDATE SET stamp = excluded.stamp, batch_seq = excluded.batch_seq, covers = excluded.covers,
		row_count = excluded.row_count, built_at = excluded.built_at, took_ms = excluded.took_ms`,
		e.ID, stamp, sel.m.seq, string(cov), out.Rows, fmtTime(tx.now), out.Took.Milliseconds()); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "aggregate_summary.build", Object: "entry:" + e.ID, Details: map[string]any{
		"stamp": stamp, "rows": out.Rows, "groups": out.Groups, "measures": out.Measures, "values": out.Values, "took_ms": out.Took.Milliseconds()}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	out.Built = true
	return out, nil
}

// StaleAggregateSummaries returns the entries whose kept summary is of an older batch than
// their table's (the scheduled job builds them again; other changes are found when a query
// reads the summary).
func (s *DataService) StaleAggregateSummaries(ctx context.Context) ([]string, error) {
	rows, err := s.db.query(ctx, "SELECT s.entry_id FROM agg_summaries s JOIN data_tables t ON t.entry_id = s.entry_id WHERE t.batch_seq <> s.batch_seq ORDER BY s.entry_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// multiInsert sends rows in multi-row INSERTs.
type multiInsert struct {
	tx   *Tx
	head string
	cols int
	rows int // rows an INSERT sends (0: summaryInsertRows)
	args []any
	n    int
}

// summaryInsertRows is how many rows one INSERT of a summary sends.
const summaryInsertRows = 200

func (m *multiInsert) add(ctx context.Context, vals ...any) error {
	m.args = append(m.args, vals...)
	if m.n++; m.n >= summaryInsertRows || (m.rows > 0 && m.n >= m.rows) {
		return m.flush(ctx)
	}
	return nil
}

func (m *multiInsert) flush(ctx context.Context) error {
	if m.n == 0 {
		return nil
	}
	row := "(" + placeholders(m.cols) + ")"
	q := m.head + strings.TrimSuffix(strings.Repeat(row+", ", m.n), ", ")
	_, err := m.tx.exec(ctx, q, m.args...)
	m.args, m.n = m.args[:0], 0
	return err
}

// SummaryGroups answers g over every current row of the entry's table (no filter) from the
// kept summary, with the figures GroupRows computes, when the summary is of the table's
// current generation and covers g (SummaryServed); otherwise it says why (nothing read from
// the table).
func (r *RowReader) SummaryGroups(ctx context.Context, e *pubdata.Entry, g pubdata.RowGrouping) ([]pubdata.RowGroup, pubdata.SummaryState, error) {
	s := r.s
	if g.Limit < 1 || g.Limit > pubdata.MaxGroups {
		return nil, 0, aggregateBound()
	}
	if g.Bins > 0 && g.Clamp != nil && g.Sum != "" && (g.Bins > 1024 || g.Clamp[1] <= g.Clamp[0]) {
		return nil, 0, aggregateBound()
	}
	if g.Prefix != 0 {
		return nil, pubdata.SummaryUncovered, nil
	}
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	sel, err := s.rowSelect(ctx, tx, e, &pubdata.RowQuery{})
	if err != nil {
		return nil, 0, err
	}
	stamp := summaryStamp(sel, e)
	var kept, cov string
	err = tx.queryRow(ctx, "SELECT stamp, covers FROM agg_summaries WHERE entry_id = ?", e.ID).Scan(&kept, &cov)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, pubdata.SummaryMissing, nil
	case err != nil:
		return nil, 0, err
	case kept != stamp:
		return nil, pubdata.SummaryStale, nil
	}
	var covers summaryCovers
	if err := json.Unmarshal([]byte(cov), &covers); err != nil {
		return nil, 0, fmt.Errorf("aggregate summary of %s: %w", e.ID, err)
	}
	if !slices.Contains(covers.Groups, g.Column) {
		return nil, pubdata.SummaryUncovered, nil
	}
	// The measures: g.Sum (with its histogram) first, then g.More.
	type measure struct {
		col   string
		clamp *[2]float64
		bins  int
	}
	var ms []measure
	if g.Sum != "" {
		m := measure{col: g.Sum, clamp: g.Clamp}
		if g.Clamp != nil {
			m.bins = g.Bins
		}
		ms = append(ms, m)
	}
	for _, m := range g.More {
		ms = append(ms, measure{col: m.Column, clamp: m.Clamp})
	}
	for _, m := range ms {
		if !slices.Contains(covers.Measures, m.col) {
			return nil, pubdata.SummaryUncovered, nil
		}
	}
	type fig struct {
		n            int64
		sum, lo, hi  float64
		listed       bool
		fromValues   bool
		hist         []int64
		clampedTotal float64
	}
	index := map[string]int{}
	var out []pubdata.RowGroup
	figs := map[string][]fig{} // group key → per measure of ms
	at := map[string]int{}     // measure column → first index in ms (a column may repeat)
	for i, m := range ms {
		if _, ok := at[m.col]; !ok {
			at[m.col] = i
		}
	}
	rows, err := tx.query(ctx, "SELECT group_key, measure_col, n, total, lo, hi, listed FROM agg_summary_groups WHERE entry_id = ? AND stamp = ? AND group_col = ?", e.ID, stamp, g.Column)
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		var key, col string
		var f fig
		var listed int
		if err := rows.Scan(&key, &col, &f.n, &f.sum, &f.lo, &f.hi, &listed); err != nil {
			rows.Close()
			return nil, 0, err
		}
		f.listed = listed == 1
		if col == "" {
			index[key] = len(out)
			out = append(out, pubdata.RowGroup{Key: key, Rows: f.n})
			continue
		}
		if _, ok := at[col]; !ok {
			continue
		}
		fs := figs[key]
		if fs == nil {
			fs = make([]fig, len(ms))
			figs[key] = fs
		}
		for i, m := range ms {
			if m.col == col {
				fs[i] = f
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	// A measure needs its values when it has bins, or bounds that clamp a value of a group.
	for i, m := range ms {
		need := m.bins > 0
		listed := true
		for _, fs := range figs {
			f := fs[i]
			listed = listed && f.listed
			if m.clamp != nil && f.n > 0 && (f.lo < m.clamp[0] || f.hi > m.clamp[1]) {
				need = true
			}
		}
		if !need {
			continue
		}
		if !listed {
			return nil, pubdata.SummaryUncovered, nil
		}
		for _, fs := range figs {
			fs[i].fromValues, fs[i].n, fs[i].clampedTotal = true, 0, 0
			if m.bins > 0 {
				fs[i].hist = make([]int64, m.bins)
			}
		}
		var lo, width float64
		if m.bins > 0 {
			lo, width = summaryBins(*m.clamp, m.bins)
		}
		vrows, err := tx.query(ctx, "SELECT group_key, vals FROM agg_summary_values WHERE entry_id = ? AND stamp = ? AND group_col = ? AND measure_col = ?", e.ID, stamp, g.Column, m.col)
		if err != nil {
			return nil, 0, err
		}
		for vrows.Next() {
			var key, text string
			if err := vrows.Scan(&key, &text); err != nil {
				vrows.Close()
				return nil, 0, err
			}
			fs := figs[key]
			if fs == nil {
				continue
			}
			f := &fs[i]
			err := decodeSummaryValues(text, func(v float64, n int64) {
				if m.clamp != nil {
					v = max(m.clamp[0], min(m.clamp[1], v))
				}
				f.n += n
				f.clampedTotal += float64(n) * v
				if m.bins > 0 {
					// As binRows: the bin of (v - lower) / width, truncated, into [0, bins).
					b := int64((v - lo) / width)
					f.hist[min(max(b, 0), int64(m.bins)-1)] += n
				}
			})
			if err != nil {
				vrows.Close()
				return nil, 0, fmt.Errorf("aggregate summary of %s: %w", e.ID, err)
			}
		}
		vrows.Close()
		if err := vrows.Err(); err != nil {
			return nil, 0, err
		}
	}
	for key, fs := range figs {
		i, ok := index[key]
		if !ok {
			continue
		}
		grp := &out[i]
		for j := range ms {
			f := fs[j]
			sum := f.sum
			if f.fromValues {
				sum = f.clampedTotal
			}
			if j == 0 && g.Sum != "" {
				grp.N, grp.Sum, grp.Hist = f.n, sum, f.hist
				continue
			}
			if grp.More == nil {
				grp.More = make([]pubdata.RowFigure, len(g.More))
			}
			k := j
			if g.Sum != "" {
				k--
			}
			grp.More[k] = pubdata.RowFigure{N: f.n, Sum: sum}
		}
	}
	if len(g.More) > 0 {
		for i := range out {
			if out[i].More == nil {
				out[i].More = make([]pubdata.RowFigure, len(g.More))
			}
		}
	}
	if g.Sum != "" && g.Bins > 0 && g.Clamp != nil {
		for i := range out {
			if out[i].Hist == nil {
				out[i].Hist = make([]int64, g.Bins)
			}
		}
	}
	slices.SortFunc(out, func(a, b pubdata.RowGroup) int {
		if g.ByRows {
			if a.Rows != b.Rows {
				if a.Rows > b.Rows {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Key, b.Key)
		}
		return strings.Compare(b.Key, a.Key)
	})
	if len(out) > g.Limit {
		out = out[:g.Limit]
	}
	return out, pubdata.SummaryServed, nil
}

// summaryBins are the lower bound and the width of binRows' bins, as the same float64 values
// that statement is given (its literals are these numbers' shortest text).
func summaryBins(c [2]float64, bins int) (lo, width float64) {
	lo, _ = strconv.ParseFloat(strconv.FormatFloat(c[0], 'g', -1, 64), 64)
	width, _ = strconv.ParseFloat(strconv.FormatFloat((c[1]-c[0])/float64(bins), 'g', -1, 64), 64)
	return lo, width
}

// openSummaryRow puts the decrypted values of the encrypted columns of a scanned row (in
// sealed, at their place in the statement's columns) into keys and vals, as the values a
// read returns: a key as its text (fmt.Sprint, as access.groupInGo keys), a number as a
// float64.
func openSummaryRow(sel *rowSelect, groupCols, measures []string, sealed []any, keys []sql.NullString, vals []sql.NullFloat64) error {
	if sel.keys == nil {
		return nil
	}
	for i, c := range groupCols {
		if !sel.m.encrypted(c) {
			continue
		}
		v, err := sel.decode(c, sel.items[c].Type, sealed[i])
		if err != nil {
			return err
		}
		keys[i] = sql.NullString{String: fmt.Sprint(v), Valid: v != nil}
	}
	for i, m := range measures {
		if !sel.m.encrypted(m) {
			continue
		}
		v, err := sel.decode(m, sel.items[m].Type, sealed[len(groupCols)+i])
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case int64:
			vals[i] = sql.NullFloat64{Float64: float64(x), Valid: true}
		case float64:
			vals[i] = sql.NullFloat64{Float64: x, Valid: true}
		default:
			vals[i] = sql.NullFloat64{}
		}
	}
	return nil
}

// encodeSummaryValues writes a group's distinct values and their counts as text: "v n;"
// pairs in increasing order of v, each v in the shortest form that reads back exactly.
func encodeSummaryValues(m map[float64]int64) string {
	vs := make([]float64, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	b := make([]byte, 0, len(vs)*8)
	for _, v := range vs {
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
		b = append(b, ' ')
		b = strconv.AppendInt(b, m[v], 10)
		b = append(b, ';')
	}
	return string(b)
}

// decodeSummaryValues calls fn with each value and count of encodeSummaryValues' text.
func decodeSummaryValues(s string, fn func(v float64, n int64)) error {
	for s != "" {
		sp := strings.IndexByte(s, ' ')
		end := strings.IndexByte(s, ';')
		if sp < 0 || end < sp {
			return errors.New("summary values: bad text")
		}
		v, err := strconv.ParseFloat(s[:sp], 64)
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(s[sp+1:end], 10, 64)
		if err != nil {
			return err
		}
		fn(v, n)
		s = s[end+1:]
	}
	return nil
}
