package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// The job queue (issue 17 item 6) keeps its jobs in this database, in the tables of its own
// migrations (riverqueue/river: river_job, river_leader, river_queue …), run by cmd/pubdata
// after the platform's. The queue works on the store's own connection pool, so that an
// operator's change of a job and its record commit in one transaction.

// SQL is the database/sql handle of the store (for the job queue's driver).
func (d *DB) SQL() *sql.DB { return d.db }

// JobAction runs do (the queue's change of job id, on the transaction) and records action
// ("job.retry", "job.cancel") with the job's kind in the same transaction, as the actor in
// ctx.
func (d *DB) JobAction(ctx context.Context, action string, id int64, kind string, do func(*sql.Tx) error) error {
	tx, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := do(tx.Tx); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: action, Object: fmt.Sprintf("job:%d", id), Details: map[string]any{"kind": kind}}); err != nil {
		return err
	}
	return tx.Commit()
}

// JobCounts counts the queue's jobs by state.
func (d *DB) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT state, COUNT(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
