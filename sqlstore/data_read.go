package sqlstore

import (
	"context"

	"github.com/pubdata/pubdata"
)

// RecordRead implements pubdata.DataService: "data.read" of "entry:<id>" in a transaction
// of its own, by the actor of ctx with the request's purpose.
func (s *DataService) RecordRead(ctx context.Context, e *pubdata.Entry, details map[string]any) error {
	return s.recordAccess(ctx, "data.read", e, details)
}

// RecordRefusal implements pubdata.DataService: "data.refused" of "entry:<id>" in a
// transaction of its own, by the actor of ctx with the request's purpose.
func (s *DataService) RecordRefusal(ctx context.Context, e *pubdata.Entry, details map[string]any) error {
	return s.recordAccess(ctx, "data.refused", e, details)
}

// recordAccess records action on the entry with details and its provider.
func (s *DataService) recordAccess(ctx context.Context, action string, e *pubdata.Entry, details map[string]any) error {
	d := make(map[string]any, len(details)+1)
	for k, v := range details {
		d[k] = v
	}
	d["provider"] = e.Org
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.record(ctx, change{Action: action, Object: "entry:" + e.ID, Details: d}); err != nil {
		return err
	}
	if r, _ := d["fingerprint"].(string); action == "data.read" && r != "" {
		if err := recordRecipient(ctx, tx, e, r, d); err != nil {
			return err
		}
	}
	return tx.Commit()
}
