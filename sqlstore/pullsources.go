package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/sealed"
)

var _ pubdata.PullSourceService = (*PullSourceService)(nil)

// PullSourceService implements pubdata.PullSourceService. DSNs are sealed with key; only
// ClaimPullSource opens them.
type PullSourceService struct {
	db  *DB
	key *sealed.Key
}

// NewPullSourceService returns the pull-source service on db, sealing DSNs with key.
func NewPullSourceService(db *DB, key *sealed.Key) *PullSourceService {
	return &PullSourceService{db: db, key: key}
}

const pullColumns = "id, entry_id, org, name, driver, dsn_redacted, tbl, query, updated_column, columns, interval_minutes, on_error, enabled, " +
	"watermark, boundary, last_run_at, last_batch, last_status, last_error, failures, next_run_at, running_until, created_at, updated_at"

func scanPullSource(sc interface{ Scan(...any) error }) (*pubdata.PullSource, error) {
	var s pubdata.PullSource
	var cols, boundary, onError string
	var enabled int
	var last, running nullTime
	err := sc.Scan(&s.ID, &s.Entry, &s.Org, &s.Name, &s.Driver, &s.DSN, &s.Table, &s.Query, &s.UpdatedColumn, &cols, &s.IntervalMinutes, &onError, &enabled,
		&s.Watermark, &boundary, &last, &s.LastBatch, &s.LastStatus, &s.LastError, &s.Failures, timeCol{&s.NextRunAt}, &running, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
	if err != nil {
		return nil, err
	}
	s.OnError, s.Enabled, s.LastRunAt, s.RunningUntil = pubdata.OnError(onError), enabled != 0, last.t, running.t
	if err := json.Unmarshal([]byte(cols), &s.Columns); err != nil {
		return nil, fmt.Errorf("pull source %s columns: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(boundary), &s.Boundary); err != nil {
		return nil, fmt.Errorf("pull source %s boundary: %w", s.ID, err)
	}
	return &s, nil
}

func notFoundPullSource(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Pull source %q not found.", id).Keyed("error.source.not_found", "ID", id)
}

func (tx *Tx) pullSource(ctx context.Context, id string) (*pubdata.PullSource, error) {
	s, err := scanPullSource(tx.queryRow(ctx, "SELECT "+pullColumns+" FROM pull_sources WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPullSource(id)
	}
	return s, err
}

// pullDetails is what the record keeps of a source's settings (never the DSN, only its
// redacted form).
func pullDetails(s *pubdata.PullSource) map[string]any {
	return map[string]any{"entry": s.Entry, "name": s.Name, "driver": s.Driver, "dsn": s.DSN, "table": s.Table, "query": s.Query,
		"updated_column": s.UpdatedColumn, "columns": s.Columns, "interval_minutes": s.IntervalMinutes, "on_error": s.OnError, "enabled": s.Enabled}
}

func (s *PullSourceService) checkEntry(e *pubdata.Entry) ([]pubdata.Item, error) {
	if e.Status != pubdata.StatusPublished && e.Version == 0 {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not published; only a published table entry has a table to pull into.", e.ID).Keyed("error.source.entry_not_published", "Entry", e.ID)
	}
	return pubdata.TableItems(e)
}

// CreatePullSource implements pubdata.PullSourceService.
func (s *PullSourceService) CreatePullSource(ctx context.Context, e *pubdata.Entry, src *pubdata.PullSource, dsn string) (*pubdata.PullSource, error) {
	items, err := s.checkEntry(e)
	if err != nil {
		return nil, err
	}
	pubdata.NormalizePullSource(src)
	if err := pubdata.ValidatePullSource(src, items, dsn, true); err != nil {
		return nil, err
	}
	redacted, _ := pubdata.RedactDSN(src.Driver, dsn)
	sealedDSN, err := s.key.Seal(dsn)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := *src
	out.ID, out.Entry, out.Org, out.DSN = newID(), e.ID, e.Org, redacted
	out.Watermark, out.Boundary, out.LastRunAt, out.LastBatch, out.LastStatus, out.LastError, out.Failures, out.RunningUntil = "", nil, nil, "", "", "", 0, nil
	now := tx.now.Truncate(time.Microsecond) // as stored
	out.NextRunAt, out.CreatedAt, out.UpdatedAt = now, now, now
	cols, _ := json.Marshal(out.Columns)
	if _, err := tx.exec(ctx, `INSERT INTO pull_sources (id, entry_id, org, name, driver, dsn_sealed, dsn_redacted, tbl, query, updated_column, columns, interval_minutes, on_error, enabled, next_run_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		out.ID, out.Entry, out.Org, out.Name, out.Driver, sealedDSN, out.DSN, out.Table, out.Query, out.UpdatedColumn, string(cols), out.IntervalMinutes, string(out.OnError), boolInt(out.Enabled),
		fmtTime(out.NextRunAt), fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "pull_source.create", Object: "pull_source:" + out.ID, Details: pullDetails(&out)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UpdatePullSource implements pubdata.PullSourceService.
func (s *PullSourceService) UpdatePullSource(ctx context.Context, e *pubdata.Entry, src *pubdata.PullSource, dsn string, reset bool) (*pubdata.PullSource, error) {
	items, err := s.checkEntry(e)
	if err != nil {
		return nil, err
	}
	pubdata.NormalizePullSource(src)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := tx.pullSource(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	if old.Entry != e.ID {
		return nil, notFoundPullSource(src.ID)
	}
	if dsn == "" && src.Driver != old.Driver {
		return nil, pubdata.FieldErrorf("dsn", "A new driver needs a new connection string (DSN).").Keyed("error.source.dsn.new_driver")
	}
	if err := pubdata.ValidatePullSource(src, items, dsn, false); err != nil {
		return nil, err
	}
	out := *old
	out.Name, out.Driver, out.Table, out.Query, out.UpdatedColumn, out.Columns = src.Name, src.Driver, src.Table, src.Query, src.UpdatedColumn, src.Columns
	out.IntervalMinutes, out.OnError, out.Enabled, out.UpdatedAt = src.IntervalMinutes, src.OnError, src.Enabled, tx.now.Truncate(time.Microsecond)
	q := "UPDATE pull_sources SET name = ?, driver = ?, tbl = ?, query = ?, updated_column = ?, columns = ?, interval_minutes = ?, on_error = ?, enabled = ?, updated_at = ?"
	cols, _ := json.Marshal(out.Columns)
	args := []any{out.Name, out.Driver, out.Table, out.Query, out.UpdatedColumn, string(cols), out.IntervalMinutes, string(out.OnError), boolInt(out.Enabled), fmtTime(tx.now)}
	details := pullDetails(&out)
	if dsn != "" {
		redacted, _ := pubdata.RedactDSN(out.Driver, dsn)
		sealedDSN, err := s.key.Seal(dsn)
		if err != nil {
			return nil, err
		}
		out.DSN = redacted
		details["dsn"] = redacted
		details["dsn_changed"] = true
		q += ", dsn_sealed = ?, dsn_redacted = ?"
		args = append(args, sealedDSN, redacted)
	}
	if reset || out.Table != old.Table || out.Query != old.Query || out.UpdatedColumn != old.UpdatedColumn {
		out.Watermark, out.Boundary = "", nil
		details["watermark_reset"] = true
		q += ", watermark = '', boundary = '[]'"
	}
	if out.IntervalMinutes != old.IntervalMinutes && out.LastRunAt != nil {
		// The schedule follows the new interval from the last run.
		out.NextRunAt = pubdata.NextPullRun(*out.LastRunAt, out.Failures, out.Interval())
		q += ", next_run_at = ?"
		args = append(args, fmtTime(out.NextRunAt))
	}
	q += " WHERE id = ?"
	args = append(args, out.ID)
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "pull_source.update", Object: "pull_source:" + out.ID, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePullSource implements pubdata.PullSourceService.
func (s *PullSourceService) DeletePullSource(ctx context.Context, id string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := tx.pullSource(ctx, id)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM pull_sources WHERE id = ?", id); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Org: old.Org, Action: "pull_source.delete", Object: "pull_source:" + id, Details: pullDetails(old)}); err != nil {
		return err
	}
	return tx.Commit()
}

// FindPullSourceByID implements pubdata.PullSourceService.
func (s *PullSourceService) FindPullSourceByID(ctx context.Context, id string) (*pubdata.PullSource, error) {
	src, err := scanPullSource(s.db.queryRow(ctx, "SELECT "+pullColumns+" FROM pull_sources WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPullSource(id)
	}
	return src, err
}

// FindPullSources implements pubdata.PullSourceService.
func (s *PullSourceService) FindPullSources(ctx context.Context, entryID string) ([]*pubdata.PullSource, error) {
	rows, err := s.db.query(ctx, "SELECT "+pullColumns+" FROM pull_sources WHERE entry_id = ? ORDER BY created_at, id", entryID)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanPullSource)
	if out == nil {
		out = []*pubdata.PullSource{}
	}
	return out, err
}

// FindDuePullSources implements pubdata.PullSourceService.
func (s *PullSourceService) FindDuePullSources(ctx context.Context, now time.Time, limit int) ([]*pubdata.PullSource, error) {
	rows, err := s.db.query(ctx, "SELECT "+pullColumns+" FROM pull_sources WHERE enabled = 1 AND next_run_at <= ? AND (running_until IS NULL OR running_until <= ?) ORDER BY next_run_at, id LIMIT ?",
		fmtTime(now), fmtTime(now), limit)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanPullSource)
}

// ClaimPullSource implements pubdata.PullSourceService. The claim is one conditional
// UPDATE: of two servers claiming at once, one changes the row and the other none.
func (s *PullSourceService) ClaimPullSource(ctx context.Context, id string, lease time.Duration) (*pubdata.PullSource, string, error) {
	now := s.db.Now().UTC()
	res, err := s.db.db.ExecContext(ctx, s.db.rebind("UPDATE pull_sources SET running_until = ? WHERE id = ? AND (running_until IS NULL OR running_until <= ?)"),
		fmtTime(now.Add(lease)), id, fmtTime(now))
	if err != nil {
		return nil, "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := s.FindPullSourceByID(ctx, id); err != nil {
			return nil, "", err
		}
		return nil, "", pubdata.Errorf(pubdata.ECONFLICT, "Pull source %q is running; try again when the run has finished.", id).Keyed("error.source.running", "ID", id)
	}
	var sealedDSN string
	if err := s.db.queryRow(ctx, "SELECT dsn_sealed FROM pull_sources WHERE id = ?", id).Scan(&sealedDSN); err != nil {
		return nil, "", err
	}
	src, err := s.FindPullSourceByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	dsn, err := s.key.Open(sealedDSN)
	if err != nil {
		// The claim is released with the failure, so the provider sees it.
		msg := "The stored connection string cannot be decrypted (the platform's secrets key changed); enter the DSN again."
		if _, rerr := s.RecordPullRun(ctx, id, pubdata.PullRun{At: now, Error: msg}); rerr != nil {
			return nil, "", errors.Join(err, rerr)
		}
		return nil, "", pubdata.Errorf(pubdata.EINVALID, "%s", msg).Keyed("error.source.dsn.undecryptable")

	}
	return src, dsn, nil
}

// RecordPullRun implements pubdata.PullSourceService.
func (s *PullSourceService) RecordPullRun(ctx context.Context, id string, r pubdata.PullRun) (*pubdata.PullSource, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	src, err := tx.pullSource(ctx, id)
	if err != nil {
		return nil, err
	}
	at := r.At.UTC()
	if at.IsZero() {
		at = tx.now
	}
	at = at.Truncate(time.Microsecond) // as stored
	src.LastRunAt, src.LastBatch, src.RunningUntil, src.UpdatedAt = &at, r.Batch, nil, tx.now.Truncate(time.Microsecond)
	details := map[string]any{"entry": src.Entry, "batch": r.Batch}
	if r.Error == "" {
		src.LastStatus, src.LastError, src.Failures = pubdata.PullDone, "", 0
		src.Watermark, src.Boundary = r.Watermark, r.Boundary
		details["watermark"] = r.Watermark
	} else {
		src.LastStatus, src.LastError = pubdata.PullFailed, r.Error
		src.Failures++
		details["error"] = r.Error
		details["failures"] = src.Failures
	}
	if src.Boundary == nil {
		src.Boundary = []string{}
	}
	src.NextRunAt = pubdata.NextPullRun(at, src.Failures, src.Interval())
	details["status"] = src.LastStatus
	details["next_run_at"] = fmtTime(src.NextRunAt)
	boundary, _ := json.Marshal(src.Boundary)
	if _, err := tx.exec(ctx, `UPDATE pull_sources SET watermark = ?, boundary = ?, last_run_at = ?, last_batch = ?, last_status = ?, last_error = ?, failures = ?,
		next_run_at = ?, running_until = NULL, updated_at = ? WHERE id = ?`,
		src.Watermark, string(boundary), fmtTime(at), src.LastBatch, src.LastStatus, src.LastError, src.Failures, fmtTime(src.NextRunAt), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: src.Org, Action: "pull_source.run", Object: "pull_source:" + id, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return src, nil
}
