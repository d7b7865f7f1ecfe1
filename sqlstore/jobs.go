package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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

// ClaimJobLease takes the lease of the periodic work name (a job kind, or a kind and its
// object, "federation:PEER") until until, unless another holder's lease runs past now;
// reports whether this caller holds it. A server that dies holding it loses it at until.
// The lease is the queue's bookkeeping, not a change of the platform: the work done under
// it records its own events.
func (d *DB) ClaimJobLease(ctx context.Context, name string, now, until time.Time) (bool, error) {
	if _, err := d.db.ExecContext(ctx, d.rebind("INSERT INTO job_marks (name) VALUES (?) ON CONFLICT (name) DO NOTHING"), name); err != nil {
		return false, err
	}
	res, err := d.db.ExecContext(ctx, d.rebind("UPDATE job_marks SET lease_until = ? WHERE name = ? AND lease_until < ?"), fmtTime(until), name, fmtTime(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseJobLease gives the lease of name back (held until: the value ClaimJobLease set).
func (d *DB) ReleaseJobLease(ctx context.Context, name string, until time.Time) error {
	_, err := d.db.ExecContext(ctx, d.rebind("UPDATE job_marks SET lease_until = '' WHERE name = ? AND lease_until = ?"), name, fmtTime(until))
	return err
}

// JobMark returns when the periodic work name last did its work and the read generation it
// saw then (zero time: never).
func (d *DB) JobMark(ctx context.Context, name string) (time.Time, int64, error) {
	var at string
	var gen int64
	err := d.db.QueryRowContext(ctx, d.rebind("SELECT done_at, generation FROM job_marks WHERE name = ?"), name).Scan(&at, &gen)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && at == "") {
		return time.Time{}, 0, nil
	} else if err != nil {
		return time.Time{}, 0, err
	}
	t, err := parseTime(at)
	return t, gen, err
}

// MarkJob notes that the periodic work name did its work at at, with read generation gen.
func (d *DB) MarkJob(ctx context.Context, name string, at time.Time, gen int64) error {
	if _, err := d.db.ExecContext(ctx, d.rebind("INSERT INTO job_marks (name) VALUES (?) ON CONFLICT (name) DO NOTHING"), name); err != nil {
		return err
	}
	_, err := d.db.ExecContext(ctx, d.rebind("UPDATE job_marks SET done_at = ?, generation = ? WHERE name = ?"), fmtTime(at), gen, name)
	return err
}
