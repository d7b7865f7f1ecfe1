package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/pubdata/pubdata"
)

var _ pubdata.DivisionRuleService = (*DivisionRuleService)(nil)

// DivisionRuleService implements pubdata.DivisionRuleService on division_rules
// (profile.go): a division's own reply days on a shared platform.
type DivisionRuleService struct {
	db *DB
}

// NewDivisionRuleService returns the division-rule service on db.
func NewDivisionRuleService(db *DB) *DivisionRuleService { return &DivisionRuleService{db: db} }

type rowQuerier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// findDivisionRules reads every rule by division (in a transaction or not).
func findDivisionRules(ctx context.Context, q rowQuerier) ([]*pubdata.DivisionRule, error) {
	rows, err := q.query(ctx, "SELECT division, share_reply_days, open_reply_days, basis, updated_by, updated_at FROM division_rules ORDER BY division")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*pubdata.DivisionRule{}
	for rows.Next() {
		var r pubdata.DivisionRule
		if err := rows.Scan(&r.Division, &r.ShareReplyDays, &r.OpenReplyDays, &r.Basis, &r.UpdatedBy, timeCol{&r.UpdatedAt}); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// FindDivisionRules implements pubdata.DivisionRuleService.
func (s *DivisionRuleService) FindDivisionRules(ctx context.Context) ([]*pubdata.DivisionRule, error) {
	return findDivisionRules(ctx, s.db)
}

func divisionRuleDetails(r *pubdata.DivisionRule) map[string]any {
	return map[string]any{"division": r.Division, "share_reply_days": r.ShareReplyDays, "open_reply_days": r.OpenReplyDays, "basis": r.Basis}
}

// SetDivisionRule implements pubdata.DivisionRuleService.
func (s *DivisionRuleService) SetDivisionRule(ctx context.Context, r *pubdata.DivisionRule) (*pubdata.DivisionRule, error) {
	if err := pubdata.ValidateDivisionRule(r); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var old pubdata.DivisionRule
	err = tx.queryRow(ctx, "SELECT share_reply_days, open_reply_days, basis FROM division_rules WHERE division = ?"+s.db.forUpdate(), r.Division).
		Scan(&old.ShareReplyDays, &old.OpenReplyDays, &old.Basis)
	existed := err == nil
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	out := &pubdata.DivisionRule{Division: r.Division, ShareReplyDays: r.ShareReplyDays, OpenReplyDays: r.OpenReplyDays, Basis: r.Basis,
		UpdatedBy: pubdata.ActorFromContext(ctx).Username(), UpdatedAt: tx.now.UTC()}
	if existed {
		_, err = tx.exec(ctx, "UPDATE division_rules SET share_reply_days = ?, open_reply_days = ?, basis = ?, updated_by = ?, updated_at = ? WHERE division = ?",
			out.ShareReplyDays, out.OpenReplyDays, out.Basis, out.UpdatedBy, fmtTime(tx.now), out.Division)
	} else {
		_, err = tx.exec(ctx, "INSERT INTO division_rules (division, share_reply_days, open_reply_days, basis, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			out.Division, out.ShareReplyDays, out.OpenReplyDays, out.Basis, out.UpdatedBy, fmtTime(tx.now))
	}
	if err != nil {
		return nil, err
	}
	details := divisionRuleDetails(out)
	if existed {
		old.Division = out.Division
		details["before"] = divisionRuleDetails(&old)
	}
	if err := tx.record(ctx, change{Action: "division_rule.set", Object: "division:" + out.Division, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveDivisionRule implements pubdata.DivisionRuleService.
func (s *DivisionRuleService) RemoveDivisionRule(ctx context.Context, division string) error {
	division = strings.TrimSpace(division)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var old pubdata.DivisionRule
	err = tx.queryRow(ctx, "SELECT division, share_reply_days, open_reply_days, basis FROM division_rules WHERE division = ?"+s.db.forUpdate(), division).
		Scan(&old.Division, &old.ShareReplyDays, &old.OpenReplyDays, &old.Basis)
	if err == sql.ErrNoRows {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Division %s has no rule.", division).Keyed("error.division_rule.not_found", "Division", division)
	} else if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM division_rules WHERE division = ?", division); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "division_rule.remove", Object: "division:" + division, Details: map[string]any{"before": divisionRuleDetails(&old)}}); err != nil {
		return err
	}
	return tx.Commit()
}
