package sqlstore

import (
	"context"
	"strings"

	"github.com/pubdata/pubdata"
)

// UsageService implements pubdata.UsageService on usage_daily: one row per entry, day and
// kind, added to by upserts.
type UsageService struct{ db *DB }

var _ pubdata.UsageService = (*UsageService)(nil)

// NewUsageService returns the usage counts on db.
func NewUsageService(db *DB) *UsageService { return &UsageService{db: db} }

// AddUsage implements pubdata.UsageService.
func (s *UsageService) AddUsage(ctx context.Context, counts []pubdata.UsageCount) error {
	for _, c := range counts {
		if !c.Kind.Valid() {
			return pubdata.Errorf(pubdata.EINVALID, "Usage kind %q is not view, download or api.", c.Kind).Keyed("error.usage.kind", "Kind", c.Kind)
		}
		if len(c.Day) != len(pubdata.DateFormat) || c.Entry == "" {
			return pubdata.Errorf(pubdata.EINVALID, "Usage count needs an entry and a day (YYYY-MM-DD), not %q.", c.Day).Keyed("error.usage.count", "Day", c.Day)

		}
	}
	if len(counts) == 0 {
		return nil
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range counts {
		if c.N == 0 {
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO usage_daily (day, entry_id, kind, provider, n) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (entry_id, day, kind) DO UPDATE SET n = usage_daily.n + excluded.n`, c.Day, c.Entry, string(c.Kind), c.Provider, c.N); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// period adds the day bounds to where.
func period(where []string, args []any, from, to string) ([]string, []any) {
	if from != "" {
		where, args = append(where, "day >= ?"), append(args, from)
	}
	if to != "" {
		where, args = append(where, "day <= ?"), append(args, to)
	}
	return where, args
}

func (s *UsageService) totals(ctx context.Context, col, v, from, to string) (pubdata.UsageTotals, error) {
	var t pubdata.UsageTotals
	where, args := period([]string{col + " = ?"}, []any{v}, from, to)
	rows, err := s.db.query(ctx, "SELECT kind, SUM(n) FROM usage_daily WHERE "+strings.Join(where, " AND ")+" GROUP BY kind", args...)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return t, err
		}
		t.Add(pubdata.UseKind(kind), n)
	}
	return t, rows.Err()
}

// EntryUsage implements pubdata.UsageService.
func (s *UsageService) EntryUsage(ctx context.Context, entryID, from, to string) (pubdata.UsageTotals, error) {
	return s.totals(ctx, "entry_id", entryID, from, to)
}

// ProviderUsage implements pubdata.UsageService.
func (s *UsageService) ProviderUsage(ctx context.Context, org, from, to string) (pubdata.UsageTotals, error) {
	return s.totals(ctx, "provider", org, from, to)
}

// FindUsage implements pubdata.UsageService.
func (s *UsageService) FindUsage(ctx context.Context, entryID, org, from, to string) ([]pubdata.UsageCount, error) {
	var where []string
	var args []any
	if entryID != "" {
		where, args = append(where, "entry_id = ?"), append(args, entryID)
	}
	if org != "" {
		where, args = append(where, "provider = ?"), append(args, org)
	}
	where, args = period(where, args, from, to)
	rows, err := s.db.query(ctx, "SELECT day, entry_id, provider, kind, n FROM usage_daily"+whereClause(where)+" ORDER BY day, entry_id, kind", args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (pubdata.UsageCount, error) {
		var c pubdata.UsageCount
		var kind string
		err := sc.Scan(&c.Day, &c.Entry, &c.Provider, &kind, &c.N)
		c.Kind = pubdata.UseKind(kind)
		return c, err
	})
	if out == nil {
		out = []pubdata.UsageCount{}
	}
	return out, err
}
