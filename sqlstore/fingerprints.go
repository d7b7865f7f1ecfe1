package sqlstore

import (
	"context"
	"slices"

	"github.com/pubdata/pubdata"
)

var _ pubdata.FingerprintService = (*FingerprintService)(nil)

// FingerprintService implements pubdata.FingerprintService (migration 0039).
type FingerprintService struct{ db *DB }

// NewFingerprintService returns the fingerprints' recipients and exclusions on db.
func NewFingerprintService(db *DB) *FingerprintService { return &FingerprintService{db: db} }

// recordRecipient notes, in the read's transaction, that the actor's organisation or person
// received a copy of e fingerprinted for recipient (under the read's grant, if any).
func recordRecipient(ctx context.Context, tx *Tx, e *pubdata.Entry, recipient string, details map[string]any) error {
	a := pubdata.ActorFromContext(ctx)
	grant, _ := details["grant"].(string)
	now := fmtTime(tx.now)
	_, err := tx.exec(ctx, `INSERT INTO fingerprint_recipients (entry_id, recipient, grant_id, org, username, reads, first_at, last_at)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (entry_id, recipient, grant_id) DO UPDATE SET reads = fingerprint_recipients.reads + 1,
			username = excluded.username, last_at = excluded.last_at`,
		e.ID, recipient, grant, a.OrgCode(), a.Username(), now, now)
	return err
}

// Recipients implements pubdata.FingerprintService.
func (s *FingerprintService) Recipients(ctx context.Context, entryID string) ([]pubdata.FingerprintRecipient, error) {
	rows, err := s.db.query(ctx, `SELECT recipient, grant_id, org, username, reads, first_at, last_at
		FROM fingerprint_recipients WHERE entry_id = ? ORDER BY first_at, recipient, grant_id`, entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pubdata.FingerprintRecipient
	for rows.Next() {
		r := pubdata.FingerprintRecipient{Entry: entryID}
		var first, last string
		if err := rows.Scan(&r.Recipient, &r.Grant, &r.Org, &r.Username, &r.Reads, &first, &last); err != nil {
			return nil, err
		}
		if r.FirstAt, err = parseTime(first); err != nil {
			return nil, err
		}
		if r.LastAt, err = parseTime(last); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Entries implements pubdata.FingerprintService.
func (s *FingerprintService) Entries(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.db.query(ctx, `SELECT entry_id FROM fingerprint_recipients GROUP BY entry_id ORDER BY MAX(last_at) DESC, entry_id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Excluded implements pubdata.FingerprintService.
func (s *FingerprintService) Excluded(ctx context.Context, entryID string) ([]string, error) {
	rows, err := s.db.query(ctx, "SELECT item FROM fingerprint_exclusions WHERE entry_id = ? ORDER BY item", entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var it string
		if err := rows.Scan(&it); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// SetExcluded implements pubdata.FingerprintService.
func (s *FingerprintService) SetExcluded(ctx context.Context, e *pubdata.Entry, items []string) error {
	if !pubdata.CanExcludeFromFingerprint(pubdata.ActorFromContext(ctx), e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's admins and editors choose the items kept out of fingerprints.").Keyed("error.fingerprint.exclude_forbidden")
	}
	if err := pubdata.ValidateFingerprintExclusions(e, items); err != nil {
		return err
	}
	items = slices.Compact(slices.Sorted(slices.Values(items)))
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, "DELETE FROM fingerprint_exclusions WHERE entry_id = ?", e.ID); err != nil {
		return err
	}
	for _, it := range items {
		if _, err := tx.exec(ctx, "INSERT INTO fingerprint_exclusions (entry_id, item) VALUES (?, ?)", e.ID, it); err != nil {
			return err
		}
	}
	if err := tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "fingerprint.exclude", Object: "entry:" + e.ID, Details: map[string]any{"excluded": items}}); err != nil {
		return err
	}
	return tx.Commit()
}

// RecordTrace implements pubdata.FingerprintService.
func (s *FingerprintService) RecordTrace(ctx context.Context, e *pubdata.Entry, details map[string]any) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "fingerprint.trace", Object: "entry:" + e.ID, Details: details}); err != nil {
		return err
	}
	return tx.Commit()
}
