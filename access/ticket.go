package access

import (
	"context"
	"slices"

	"github.com/pubdata/pubdata"
)

// TicketRow checks the row a problem ticket (C1) names by its key on the published table
// entry e, for the caller: the key (canonical, pubdata.TicketKey) must name a current row
// the caller reads, with the key columns in clear and within its grant's row filter. A
// caller who does not read such rows is refused whether or not the row exists (403, the
// same reply either way), so that a report cannot probe data the caller may not read (G7);
// a caller who does is told when no current row has the key (400, field key). Nothing but
// the row's existence is read, and it is not recorded as a read.
func (r *Reader) TicketRow(ctx context.Context, e *pubdata.Entry, key map[string]string, p Purpose) error {
	rd, err := r.Open(ctx, e, p)
	if err != nil {
		return err
	}
	d := rd.d
	unreadable := pubdata.Errorf(pubdata.EFORBIDDEN, "You may name a row of entry %s only if you read its rows with their key; report the problem with the entry instead.", e.ID).
		Keyed("error.ticket.row_unreadable", "Entry", e.ID)
	if !d.Allow {
		return unreadable
	}
	q := &pubdata.RowQuery{Limit: 1}
	for _, i := range pubdata.KeyItems(e.Items) {
		it := e.Items[i]
		if _, masked := d.Masks[it.Name]; masked || !slices.Contains(d.Columns, it.Name) {
			return unreadable
		}
		v, err := pubdata.ParseItemValue(it.Type, key[it.Name])
		if err != nil {
			return err
		}
		q.Fields = append(q.Fields, it.Name)
		q.Filters = append(q.Filters, pubdata.RowFilter{Column: it.Name, Op: pubdata.OpEq, Values: []any{v}})
	}
	if d.Filter != "" {
		if err := addGrantFilter(d, e.Items, q); err != nil {
			return err
		}
	}
	held, err := r.exists(ctx, e, q)
	if err != nil {
		return err
	}
	if !held {
		return pubdata.FieldErrorf("key", "No current row of entry %s has this key; check the key values against the data.", e.ID).Keyed("error.ticket.key.no_row", "Entry", e.ID)
	}
	return nil
}
