package sqlstore

import (
	"container/heap"
	"context"
	"fmt"
	"hash/maphash"
	"regexp"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// One scan for every row rule (issue 13's performance goal: a full run over 1,000,000 rows
// in under 10 s). The table's current rows are read once, in one statement that returns
// each row's _row, the values of the columns the Go rules check (pattern, element, and
// unique over a plain text column) and one 0/1 flag per rule SQL decides (not_null, range,
// allowed, reference, and unique over any other column): the flags are the rules' failing
// conditions, evaluated by the database as it reads the row. Each rule counts its failures
// and keeps the _row of its first pubdata.QualitySampleRows failing rows (the smallest); the
// samples' keys and values are read afterwards by _row, one statement per failing rule. A
// unique rule on a text column hashes the values in Go: when no hash repeats, no value does
// and the rule passes; otherwise its exact count and sample come from the GROUP BY statement
// (condition), as before.

// rowHeap keeps the smallest _row values (a max-heap of at most QualitySampleRows).
type rowHeap []int64

func (h rowHeap) Len() int           { return len(h) }
func (h rowHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h rowHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rowHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *rowHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// keep records a failing row.
func (h *rowHeap) keep(row int64) {
	if h.Len() < pubdata.QualitySampleRows {
		heap.Push(h, row)
	} else if row < (*h)[0] {
		(*h)[0] = row
		heap.Fix(h, 0)
	}
}

// scanRule is one rule's part of the combined scan.
type scanRule struct {
	rule   pubdata.QualityRule
	res    pubdata.QualityResult
	flag   int               // index of its flag in the row, or -1
	col    int               // index of its column's value in the row (Go rules), or -1
	ok     func(string) bool // the Go check (pattern, element), nil otherwise
	hashes map[uint64]uint32 // unique in Go: the values' hashes and counts
	rows   rowHeap           // the first failing rows
	exact  bool              // unique in Go found a repeated hash: count again in SQL
	cond   string            // the SQL condition (for the exact unique statement)
	args   []any             // its arguments
	seed   maphash.Seed      // the hashes' seed
}

// checkRows runs the row rules in one scan of the table and returns their results (table
// rules are left to the caller). done names rules already checked (a resumed run), which are
// skipped; save, when set, is called once with the results.
func (c *checker) checkRows(ctx context.Context, rules []pubdata.QualityRule, done map[string]bool, save func([]pubdata.QualityResult) error) (checked int64, results map[string]pubdata.QualityResult, err error) {
	results = map[string]pubdata.QualityResult{}
	result := func(r pubdata.QualityRule) pubdata.QualityResult {
		return pubdata.QualityResult{ID: r.ID, Kind: r.Kind, Column: r.Column, Dimension: pubdata.RuleDimension(r.Kind), Status: pubdata.QualityPass, Reject: r.Reject}
	}
	var skipped []pubdata.QualityResult
	var srs []*scanRule
	sel := []string{"t._row"}
	var selArgs []any
	colIndex := map[string]int{}
	addCol := func(name string) int {
		if i, ok := colIndex[name]; ok {
			return i
		}
		colIndex[name] = len(sel)
		sel = append(sel, c.valueCol(name))
		return len(sel) - 1
	}
	for _, r := range rules {
		if !r.RowCounted() || done[r.ID] {
			continue
		}
		it := c.item(r.Column)
		runnable := it != nil
		// Encrypted columns keep no order, and their blind indexes are keyed per entry: a
		// range or a reference cannot run on one (documented; equality rules do).
		if runnable && c.enc(r.Column) && (r.Kind == pubdata.RuleRange || r.Kind == pubdata.RuleReference) {
			runnable = false
		}
		if runnable && r.Kind == pubdata.RuleReference {
			tbl, err := c.refTable(ctx, r)
			if err != nil {
				return 0, nil, err
			}
			runnable = tbl != ""
		}
		if !runnable {
			res := result(r)
			res.Status = pubdata.QualitySkipped
			skipped = append(skipped, res)
			continue
		}
		sr := &scanRule{rule: r, res: result(r), flag: -1, col: -1}
		switch r.Kind {
		case pubdata.RulePattern:
			re, err := regexp.Compile(r.Pattern)
			if err != nil {
				return 0, nil, err
			}
			sr.ok, sr.col = re.MatchString, addCol(r.Column)
		case pubdata.RuleStdElem:
			el := r.Element
			if el == "" {
				el = it.Element
			}
			v, ok := ident.ByElement(el)
			if !ok {
				sr.res.Status = pubdata.QualitySkipped
				skipped = append(skipped, sr.res)
				continue
			}
			sr.ok, sr.col = func(s string) bool { return v(s) == nil }, addCol(r.Column)
		case pubdata.RuleUniqueCol:
			cond, args, _, err := c.condition(r)
			if err != nil {
				return 0, nil, err
			}
			sr.cond, sr.args = cond, args
			if it.Type == "string" && !c.enc(r.Column) {
				sr.col, sr.hashes, sr.seed = addCol(r.Column), map[uint64]uint32{}, maphash.MakeSeed()
				break
			}
			sr.flag = len(sel)
			sel = append(sel, "CASE WHEN "+cond+" THEN 1 ELSE 0 END")
			selArgs = append(selArgs, args...)
		default: // not_null, range, allowed, reference
			cond, args, ok, err := c.condition(r)
			if err != nil {
				return 0, nil, err
			}
			if !ok {
				return 0, nil, fmt.Errorf("quality rule %s: no condition for kind %q", r.ID, r.Kind)
			}
			sr.cond, sr.args = cond, args
			sr.flag = len(sel)
			sel = append(sel, "CASE WHEN "+cond+" THEN 1 ELSE 0 END")
			selArgs = append(selArgs, args...)
		}
		srs = append(srs, sr)
	}
	sctx, cancel := c.stmtCtx(ctx)
	defer cancel()
	rows, err := c.q.QueryContext(sctx, c.d.rebind("SELECT "+strings.Join(sel, ", ")+c.base()), append(selArgs, c.scope.args...)...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	vals := make([]any, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	texts := make([]*string, len(sel)) // the Go columns' texts of the current row, when read
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, err
		}
		checked++
		row := asInt64(vals[0])
		clear(texts)
		for _, sr := range srs {
			if sr.flag >= 0 {
				if asInt64(vals[sr.flag]) != 0 {
					sr.res.FailedRows++
					sr.rows.keep(row)
				}
				continue
			}
			v := vals[sr.col]
			if v == nil {
				continue
			}
			s := texts[sr.col]
			if s == nil {
				if s, err = c.scanText(sr.rule.Column, v); err != nil {
					return 0, nil, err
				}
				texts[sr.col] = s
			}
			if sr.hashes != nil {
				sr.hashes[maphash.String(sr.seed, *s)]++
				continue
			}
			if !sr.ok(*s) {
				sr.res.FailedRows++
				sr.rows.keep(row)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	rows.Close()
	cancel()
	var out []pubdata.QualityResult
	for _, sr := range srs {
		if sr.hashes != nil {
			for _, n := range sr.hashes {
				if n > 1 {
					sr.exact = true
					break
				}
			}
			sr.hashes = nil
		}
		res := sr.res
		res.Checked = checked
		switch {
		case checked == 0:
			res.Status = pubdata.QualitySkipped
		case sr.exact:
			// A repeated hash: the exact count and sample from the database.
			cctx, cancel := c.stmtCtx(ctx)
			err := c.q.QueryRowContext(cctx, c.d.rebind("SELECT COUNT(*)"+c.base()+" AND ("+sr.cond+")"), append(append([]any{}, c.scope.args...), sr.args...)...).Scan(&res.FailedRows)
			cancel()
			if err != nil {
				return 0, nil, err
			}
			if res.FailedRows > 0 {
				res.Status = pubdata.QualityFail
				if res.Sample, err = c.sample(ctx, sr.rule, sr.cond, sr.args); err != nil {
					return 0, nil, err
				}
			}
		case res.FailedRows > 0:
			res.Status = pubdata.QualityFail
			rs := slices.Clone(sr.rows)
			slices.Sort(rs)
			args := make([]any, len(rs))
			for i, r := range rs {
				args[i] = r
			}
			if res.Sample, err = c.sample(ctx, sr.rule, "t._row IN ("+placeholders(len(rs))+")", args); err != nil {
				return 0, nil, err
			}
		}
		out = append(out, res)
	}
	for _, r := range skipped {
		r.Checked = checked
		out = append(out, r)
	}
	for _, r := range out {
		results[r.ID] = r
	}
	if save != nil && len(out) > 0 {
		if err := save(out); err != nil {
			return 0, nil, err
		}
	}
	return checked, results, nil
}

// scanText is the text a Go rule checks of the scanned value of column name: decrypted when
// the column is stored encrypted.
func (c *checker) scanText(name string, v any) (*string, error) {
	if c.enc(name) {
		return c.text(name, v)
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return storedText(v), nil
	}
	return &s, nil
}

// asInt64 reads an integer the drivers return as int64 (or, for computed columns, as
// another numeric type).
func asInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case []byte:
		var n int64
		fmt.Sscan(string(x), &n)
		return n
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	return 0
}
