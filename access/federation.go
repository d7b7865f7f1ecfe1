package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

// FlowBack reads what the table's batch seq changed, for a child platform of division
// peerDivision (B5): first the rows the batch wrote whose column lies in the division
// (fn(values, false): upserts there), then the keys of the division's rows it superseded
// and did not write again in the division (fn(values, true): deletes there, since the row
// was deleted or moved out). Values come in the order of the returned columns (the table's
// items) and are valid only during the call.
//
// It is the platform's delivery to its peer platform, decided by the authority that made
// the entry flow back, not a user's read: no grant, and no mask, since the receiving
// platform keeps the entry's share class and items and its own read path masks the same
// way. It is recorded once ("data.read", path "flowback", with the peer and the batch).
// The keys of the batch's upserts in the division are held in memory until its deletes are
// read.
//
// A table without a key has no identity to follow a row by (a row "moved" or "deleted" is
// just gone), so for it each batch sends the division's whole rows as they stand right
// after the batch (fn(values, false) only), and the child replaces its copy with them
// (pubdata.FlowbackMode): after every batch the child's table equals the parent's rows of
// its divisions, version for version, at the cost of sending the division's rows again.
func (r *Reader) FlowBack(ctx context.Context, e *pubdata.Entry, seq int64, column, peerDivision string, fn func(values []any, del bool) error) ([]string, error) {
	if r.tables == nil {
		return nil, errNoTables
	}
	if err := pubdata.ValidateFlowback(e, column); err != nil {
		return nil, err
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, it := range items {
		cols = append(cols, it.Name)
	}
	col := slices.Index(cols, column)
	var keyIdx []int
	for _, i := range pubdata.KeyItems(items) {
		keyIdx = append(keyIdx, i)
	}
	keyOf := func(values []any) string {
		var b strings.Builder
		for _, i := range keyIdx {
			fmt.Fprint(&b, values[i])
			b.WriteByte(0)
		}
		return b.String()
	}
	var upserts, deletes int64
	mode := pubdata.FlowbackMode(items)
	send := func(values []any) error {
		if !pubdata.FlowbackCovers(peerDivision, values[col]) {
			return nil
		}
		upserts++
		return fn(values, false)
	}
	if mode == pubdata.ModeReplace {
		if _, _, err := r.tables.QueryRows(ctx, e, &pubdata.RowQuery{Fields: cols, CurrentAfter: seq}, send); err != nil {
			return nil, err
		}
	} else {
		written := map[string]bool{}
		if _, _, err := r.tables.QueryRows(ctx, e, &pubdata.RowQuery{Fields: cols, WrittenBy: seq}, func(values []any) error {
			if pubdata.FlowbackCovers(peerDivision, values[col]) {
				written[keyOf(values)] = true
			}
			return send(values)
		}); err != nil {
			return nil, err
		}
		if _, _, err := r.tables.QueryRows(ctx, e, &pubdata.RowQuery{Fields: cols, SupersededBy: seq}, func(values []any) error {
			if !pubdata.FlowbackCovers(peerDivision, values[col]) {
				return nil
			}
			k := keyOf(values)
			if written[k] {
				return nil
			}
			written[k] = true // a key superseded twice is deleted once
			deletes++
			return fn(values, true)
		}); err != nil {
			return nil, err
		}
	}
	if r.svc.Data != nil {
		if err := r.svc.Data.RecordRead(ctx, e, map[string]any{"path": "flowback", "peer": peerDivision, "batch_seq": seq, "column": column,
			"rows": upserts, "deletes": deletes, "mode": mode}); err != nil {
			return nil, err
		}
	}
	return cols, nil
}
