package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pubdata/pubdata"
)

// RemindOverdueIncidents reminds, once each, the unit's admins, its security officer and the
// covering authority of the incidents still not assessed when their report deadline passed
// before now (issue 15 item 5; migration 0042's reminded_at). Each is one conditional
// UPDATE in its own transaction with its audit event, so of two servers only one reminds.
// Returns how many it reminded.
func (s *SecurityService) RemindOverdueIncidents(ctx context.Context, now time.Time) (int, error) {
	return s.db.eachOnce(ctx, "SELECT id FROM incidents WHERE status = 'reported' AND reminded_at IS NULL AND report_due < ? ORDER BY report_due",
		[]any{fmtTime(now)}, s.remindIncident)
}

func (s *SecurityService) remindIncident(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE incidents SET reminded_at = ? WHERE id = ? AND status = 'reported' AND reminded_at IS NULL", fmtTime(tx.now), id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	i, err := scanIncident(tx.queryRow(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = ?", id))
	if err != nil {
		return false, err
	}
	due := fmtTime(i.ReportDue)
	if err := tx.record(ctx, change{Actor: "system", Org: i.Org, Division: i.Division, Action: "incident.overdue", Object: "incident:" + id,
		Details: map[string]any{"org": i.Org, "report_due": due, "severity": i.Severity}}); err != nil {
		return false, err
	}
	auths, err := tx.securityAuthorities(ctx, i.Division)
	if err != nil {
		return false, err
	}
	officer := ""
	if err := tx.queryRow(ctx, "SELECT security_officer FROM orgs WHERE code = ?", i.Org).Scan(&officer); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	n := pubdata.NewNotification(pubdata.NoticeIncidentOverdue, map[string]string{"org": i.Org, "severity": i.Severity,
		"due": i.ReportDue.In(pubdata.ChinaTime).Format("2006-01-02 15:04")}, "/console/incidents/"+id, "incident:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: i.Org, Authorities: auths, User: officer}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
