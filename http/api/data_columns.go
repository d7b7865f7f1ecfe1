package api

import (
	"context"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"slices"
)

// tableColumns fixes q.Fields to the columns the reply has (every item the table holds, in
// item order, when q names none) and returns them; ok is false when the entry has no table
// yet (no rows).
func (s *Server) tableColumns(ctx context.Context, e *pubdata.Entry, items []pubdata.Item, q *pubdata.RowQuery) (cols []string, ok bool, err error) {
	st, err := s.Data.TableStats(ctx, e.ID)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		if len(q.Fields) > 0 {
			return q.Fields, false, nil
		}
		for _, it := range items {
			cols = append(cols, it.Name)
		}
		return cols, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if len(q.Fields) == 0 {
		for _, it := range items {
			if slices.Contains(st.Columns, it.Name) {
				q.Fields = append(q.Fields, it.Name)
			}
		}
	}
	return q.Fields, true, nil
}
