package sqlstore

import (
	"context"
	"errors"
	"time"
)

// RateCountService keeps the shared rate limits' counts (migration 0045): one row per key
// and window, incremented by one upsert that returns the new count, so two servers counting
// the same caller at once both see the sum.
type RateCountService struct{ db *DB }

// NewRateCountService returns the rate counts of db.
func NewRateCountService(db *DB) *RateCountService { return &RateCountService{db: db} }

// maxRateKey bounds a key's length (an address, a token or user id with a prefix).
const maxRateKey = 200

// CountRequest implements pubdata.RateCountService.
func (s *RateCountService) CountRequest(ctx context.Context, key string, start time.Time) (int, error) {
	if key == "" || len(key) > maxRateKey {
		return 0, errors.New("rate count: key empty or longer than 200 bytes")
	}
	var n int
	err := s.db.queryRow(ctx, `INSERT INTO rate_counts (rkey, window_start, n) VALUES (?, ?, 1)
		ON CONFLICT (rkey, window_start) DO UPDATE SET n = rate_counts.n + 1 RETURNING n`, key, fmtTime(start)).Scan(&n)
	return n, err
}

// PruneRateCounts implements pubdata.RateCountService.
func (s *RateCountService) PruneRateCounts(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.db.ExecContext(ctx, s.db.rebind("DELETE FROM rate_counts WHERE window_start < ?"), fmtTime(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
