package sqlstore

import (
	"context"
	"time"

	"github.com/pubdata/pubdata"
)

// MarkObjectionsOverdue implements pubdata.ObjectionService. Each objection is marked by
// one transaction that sets overdue_notified only if it is still open and unmarked, so that
// two servers (or two ticks) never notify twice.
func (s *ObjectionService) MarkObjectionsOverdue(ctx context.Context, now time.Time) (int, error) {
	return s.db.eachOnce(ctx, "SELECT id FROM objections WHERE status = 'open' AND overdue_notified = 0 AND due_at < ? ORDER BY due_at", []any{fmtTime(now)}, s.markOverdue)
}

func (s *ObjectionService) markOverdue(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE objections SET overdue_notified = 1 WHERE id = ? AND status = 'open' AND overdue_notified = 0", id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	o, err := scanObjection(tx.queryRow(ctx, "SELECT "+objColumns+objFrom+" WHERE o.id = ?", id))
	if err == nil {
		err = tx.db.openObjectionKey(ctx, tx, o)
	}
	if err != nil {
		return false, err
	}
	auth, err := tx.coveringAuthority(ctx, o.Division)
	if err != nil {
		return false, err
	}
	if err := tx.record(ctx, change{Org: o.Provider, Division: o.Division, Action: "objection.overdue", Object: "objection:" + id,
		Details: map[string]any{"entry": o.Entry, "provider": o.Provider, "due": o.Due, "authority": auth}}); err != nil {
		return false, err
	}
	provider := o.ProviderName
	if provider == "" {
		provider = o.Provider
	}
	note := pubdata.NewNotification(pubdata.NoticeObjectionOverdue, map[string]string{"provider": provider, "entry": o.EntryTitle, "due": o.Due},
		objLink(id), "objection:"+id)
	if err := tx.notify(ctx, note, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
