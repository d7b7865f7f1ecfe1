package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pubdata/pubdata"
)

var _ pubdata.PrivacyService = (*PrivacyService)(nil)

// PrivacyService implements pubdata.PrivacyService: the privacy budgets of usable-but-
// invisible entries (migration 0037).
type PrivacyService struct{ db *DB }

// NewPrivacyService returns the privacy budgets on db.
func NewPrivacyService(db *DB) *PrivacyService { return &PrivacyService{db: db} }

// Spend implements pubdata.PrivacyService.
func (s *PrivacyService) Spend(ctx context.Context, e *pubdata.Entry, holder string, eps, budget int64, action string, details map[string]any) (int64, error) {
	if eps <= 0 || budget <= 0 {
		return 0, fmt.Errorf("privacy budget: spend %d of %d", eps, budget)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var spent int64
	err = tx.queryRow(ctx, "SELECT spent_milli FROM privacy_budgets WHERE entry_id = ? AND holder = ?"+s.db.forUpdate(), e.ID, holder).Scan(&spent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		spent = 0
		if _, err := tx.exec(ctx, "INSERT INTO privacy_budgets (entry_id, holder, spent_milli, updated_at) VALUES (?, ?, 0, ?)", e.ID, holder, fmtTime(tx.now)); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	}
	if spent+eps > budget {
		left := float64(budget-spent) / 1000
		return budget - spent, pubdata.Errorf(pubdata.EFORBIDDEN, "This query needs ε = %g, but only %g of the privacy budget %g is left.", float64(eps)/1000, left, float64(budget)/1000).
			Keyed("error.aggregate.budget", "Need", float64(eps)/1000, "Left", left, "Budget", float64(budget)/1000)
	}
	if _, err := tx.exec(ctx, "UPDATE privacy_budgets SET spent_milli = ?, updated_at = ? WHERE entry_id = ? AND holder = ?", spent+eps, fmtTime(tx.now), e.ID, holder); err != nil {
		return 0, err
	}
	d := map[string]any{"holder": holder, "epsilon": float64(eps) / 1000, "spent": float64(spent+eps) / 1000, "budget": float64(budget) / 1000}
	for k, v := range details {
		d[k] = v
	}
	if err := tx.record(ctx, change{Action: action, Object: "entry:" + e.ID, Details: d}); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return budget - spent - eps, nil
}

// Spent implements pubdata.PrivacyService.
func (s *PrivacyService) Spent(ctx context.Context, entryID, holder string) (int64, error) {
	var spent int64
	err := s.db.queryRow(ctx, "SELECT spent_milli FROM privacy_budgets WHERE entry_id = ? AND holder = ?", entryID, holder).Scan(&spent)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return spent, err
}
