package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/pubdata/pubdata"
)

// BackupService implements pubdata.BackupService.
type BackupService struct{ db *DB }

// NewBackupService returns the backup runs' service.
func NewBackupService(db *DB) *BackupService { return &BackupService{db: db} }

// StartBackup implements pubdata.BackupService. On PostgreSQL an advisory lock makes the
// claim one at a time across servers; on SQLite the writing transaction does.
func (s *BackupService) StartBackup(ctx context.Context, destination string, interval time.Duration) (*pubdata.BackupRun, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if s.db.dialect == Postgres {
		if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(7150033)"); err != nil {
			return nil, err
		}
	}
	var id, started, status string
	err = tx.queryRow(ctx, "SELECT id, started_at, status FROM backup_runs ORDER BY started_at DESC LIMIT 1").Scan(&id, &started, &status)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	if err == nil {
		t, perr := parseTime(started)
		if perr != nil {
			return nil, perr
		}
		age := tx.now.Sub(t)
		switch {
		case status == pubdata.BackupRunning && age < pubdata.BackupStaleAfter:
			return nil, nil
		case status == pubdata.BackupRunning:
			if _, err := tx.exec(ctx, "UPDATE backup_runs SET status = ?, finished_at = ?, problem = ? WHERE id = ?",
				pubdata.BackupFailed, fmtTime(tx.now), "the server stopped during the backup", id); err != nil {
				return nil, err
			}
		case age < interval:
			return nil, nil
		}
	}
	r := &pubdata.BackupRun{ID: newID(), Started: tx.now, Destination: destination, Status: pubdata.BackupRunning}
	if _, err := tx.exec(ctx, "INSERT INTO backup_runs (id, started_at, destination, status) VALUES (?, ?, ?, ?)",
		r.ID, fmtTime(r.Started), r.Destination, r.Status); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "backup.start", Object: "backup:" + r.ID, Details: map[string]any{"destination": destination}}); err != nil {
		return nil, err
	}
	return r, tx.Commit()
}

// FinishBackup implements pubdata.BackupService.
func (s *BackupService) FinishBackup(ctx context.Context, r *pubdata.BackupRun) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := tx.now
	r.Finished = &now
	if _, err := tx.exec(ctx, "UPDATE backup_runs SET finished_at = ?, name = ?, size = ?, parts = ?, status = ?, checked = ?, problem = ? WHERE id = ?",
		fmtTime(now), r.Name, r.Size, r.Parts, r.Status, r.Check, r.Problem, r.ID); err != nil {
		return err
	}
	action := "backup.done"
	if r.Status != pubdata.BackupDone {
		action = "backup.failed"
	}
	details := map[string]any{"destination": r.Destination, "name": r.Name, "size": r.Size, "parts": r.Parts, "check": r.Check}
	if r.Problem != "" {
		details["problem"] = r.Problem
	}
	if err := tx.record(ctx, change{Action: action, Object: "backup:" + r.ID, Details: details}); err != nil {
		return err
	}
	return tx.Commit()
}

// FindBackupRuns implements pubdata.BackupService.
func (s *BackupService) FindBackupRuns(ctx context.Context, limit int) ([]*pubdata.BackupRun, error) {
	if limit <= 0 || limit > pubdata.MaxLimit {
		limit = pubdata.MaxLimit
	}
	rows, err := s.db.query(ctx, "SELECT id, started_at, finished_at, destination, name, size, parts, status, checked, problem FROM backup_runs ORDER BY started_at DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.BackupRun, error) {
		r := &pubdata.BackupRun{}
		var fin nullTime
		if err := sc.Scan(&r.ID, timeCol{&r.Started}, &fin, &r.Destination, &r.Name, &r.Size, &r.Parts, &r.Status, &r.Check, &r.Problem); err != nil {
			return nil, err
		}
		r.Finished = fin.t
		return r, nil
	})
}
