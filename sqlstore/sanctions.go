package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pubdata/pubdata"
)

// SuspendOrg implements pubdata.OrgService.
func (s *OrgService) SuspendOrg(ctx context.Context, code, reason string) (*Org, error) {
	return s.sanction(ctx, code, pubdata.OrgSuspend, reason)
}

// ResumeOrg implements pubdata.OrgService.
func (s *OrgService) ResumeOrg(ctx context.Context, code, reason string) (*Org, error) {
	return s.sanction(ctx, code, pubdata.OrgResume, reason)
}

// TerminateOrg implements pubdata.OrgService.
func (s *OrgService) TerminateOrg(ctx context.Context, code, reason string) (*Org, error) {
	return s.sanction(ctx, code, pubdata.OrgTerminate, reason)
}

// sanction steps the organisation's status by pubdata.NextOrgStatus under a row lock and
// records "org.<action>" with the reason in the same transaction.
func (s *OrgService) sanction(ctx context.Context, code string, action pubdata.OrgAction, reason string) (*Org, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := tx.sanction(ctx, code, action, reason)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return o, nil
}

// sanction is OrgService.sanction inside tx (also an incident's containment).
func (tx *Tx) sanction(ctx context.Context, code string, action pubdata.OrgAction, reason string) (*Org, error) {
	reason, err := pubdata.ValidateSanctionReason(reason)
	if err != nil {
		return nil, err
	}
	o, err := scanOrg(tx.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE code = ?"+tx.db.forUpdate(), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", code).Keyed("error.sanction.org_not_found", "Org", code)
	} else if err != nil {
		return nil, err
	}
	next, err := pubdata.NextOrgStatus(o.Status, action)
	if err != nil {
		return nil, err
	}
	by := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE orgs SET status = ?, status_reason = ?, status_at = ?, status_by = ?, updated_at = ? WHERE code = ?",
		next, reason, fmtTime(tx.now), by, fmtTime(tx.now), code); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "org." + string(action), Object: "org:" + code,
		Details: map[string]any{"from": o.Status, "status": next, "reason": reason}}); err != nil {
		return nil, err
	}
	now := tx.now
	o.Status, o.StatusReason, o.StatusAt, o.StatusBy, o.UpdatedAt = next, reason, &now, by, now
	return o, nil
}
