package sqlstore

import (
	"context"
)

// TableBytes returns the bytes an entry's table takes with its indexes and TOAST
// (pg_total_relation_size) on PostgreSQL, for sizing (pubdata bench size); 0 on SQLite, which
// does not tell one table's size cheaply.
func (d *DB) TableBytes(ctx context.Context, entryID string) (int64, error) {
	if d.dialect != Postgres {
		return 0, nil
	}
	name, err := tableName(entryID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = d.queryRow(ctx, "SELECT pg_total_relation_size(to_regclass(CAST(? AS text)))", name).Scan(&n)
	return n, err
}
