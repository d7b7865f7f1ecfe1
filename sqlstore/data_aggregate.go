package sqlstore

import (
	"context"
	"fmt"
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
