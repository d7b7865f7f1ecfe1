package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// TableBytes returns the bytes an entry's table takes with its indexes and TOAST
// (pg_total_relation_size) on PostgreSQL, for sizing (pubdata bench size); 0 on SQLite, which
// does not tell one table's size cheaply, and for an entry without a table.
func (d *DB) TableBytes(ctx context.Context, entryID string) (int64, error) {
	if d.dialect != Postgres {
		return 0, nil
	}
	var tbl string
	err := d.queryRow(ctx, "SELECT tbl FROM data_tables WHERE entry_id = ?", entryID).Scan(&tbl)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	var n int64
	err = d.queryRow(ctx, "SELECT COALESCE(pg_total_relation_size(to_regclass(CAST(? AS text))), 0)", tbl).Scan(&n)
	return n, err
}
