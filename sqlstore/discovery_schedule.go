package sqlstore

import (
	"context"
	"time"
)

// Discovery on a schedule (issue 15 item 3): besides each load's sample, serve samples every
// published table's current rows again every discovery_interval, so that personal data left
// by loads before discovery existed, or by a sample that missed it, is found. The last
// sample of each entry is kept in discovery_samples (migration 0042).

// DueDiscoveries returns up to max published table entries with data whose current rows were
// not sampled by the schedule since before (never sampled first, then the oldest).
func (s *DiscoveryService) DueDiscoveries(ctx context.Context, before time.Time, max int) ([]string, error) {
	rows, err := s.db.query(ctx, `SELECT c.entry_id FROM catalog c JOIN data_tables t ON t.entry_id = c.entry_id
		LEFT JOIN discovery_samples d ON d.entry_id = c.entry_id
		WHERE d.sampled_at IS NULL OR d.sampled_at < ? ORDER BY COALESCE(d.sampled_at, ''), c.entry_id LIMIT ?`, fmtTime(before), max)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
}

// ClaimDiscovery marks entry sampled at now if it is still due (its last sample before
// before, or none): of two servers only one claims it. It returns whether this one did.
func (s *DiscoveryService) ClaimDiscovery(ctx context.Context, entry string, before, now time.Time) (bool, error) {
	res, err := s.db.db.ExecContext(ctx, s.db.rebind(`INSERT INTO discovery_samples (entry_id, sampled_at) VALUES (?, ?)
		ON CONFLICT (entry_id) DO UPDATE SET sampled_at = excluded.sampled_at WHERE discovery_samples.sampled_at < ?`), entry, fmtTime(now), fmtTime(before))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
