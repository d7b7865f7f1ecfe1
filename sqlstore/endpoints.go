package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/sealed"
)

var _ pubdata.EndpointService = (*EndpointService)(nil)

// EndpointService implements pubdata.EndpointService on service_endpoints. Secrets are
// sealed with the key before they are written and opened when read.
type EndpointService struct {
	db  *DB
	key *sealed.Key
}

// NewEndpointService returns the service-endpoint service; key seals the credentials.
func NewEndpointService(db *DB, key *sealed.Key) *EndpointService {
	return &EndpointService{db: db, key: key}
}

const endpointColumns = "entry_id, base_url, methods, credential_header, credential, timeout_seconds, status, confirmed_by, confirmed_at, updated_by, created_at, updated_at"

// scanEndpoint reads a row and opens its secret.
func (s *EndpointService) scanEndpoint(row interface{ Scan(...any) error }) (*pubdata.ServiceEndpoint, error) {
	var e pubdata.ServiceEndpoint
	var methods, credential string
	var confirmed nullTime
	if err := row.Scan(&e.EntryID, &e.BaseURL, &methods, &e.CredentialHeader, &credential, &e.TimeoutSeconds, &e.Status,
		&e.ConfirmedBy, &confirmed, &e.UpdatedBy, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}); err != nil {
		return nil, err
	}
	e.ConfirmedAt = confirmed.t
	e.Methods = strings.Split(methods, ",")
	if credential != "" {
		plain, err := s.key.Open(credential)
		if err != nil {
			return nil, fmt.Errorf("service endpoint of entry %s: %w", e.EntryID, err)
		}
		e.Secret, e.CredentialSet = plain, true
	}
	return &e, nil
}

func notFoundEndpoint(entryID string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q has no service interface registered.", entryID).Keyed("error.endpoint.none", "Entry", entryID)
}

// FindEndpoint implements pubdata.EndpointService.
func (s *EndpointService) FindEndpoint(ctx context.Context, entryID string) (*pubdata.ServiceEndpoint, error) {
	e, err := s.scanEndpoint(s.db.queryRow(ctx, "SELECT "+endpointColumns+" FROM service_endpoints WHERE entry_id = ?", entryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundEndpoint(entryID)
	}
	return e, err
}

// endpoint reads the entry's endpoint inside tx (nil when none).
func (s *EndpointService) endpoint(ctx context.Context, tx *Tx, entryID string) (*pubdata.ServiceEndpoint, error) {
	e, err := s.scanEndpoint(tx.queryRow(ctx, "SELECT "+endpointColumns+" FROM service_endpoints WHERE entry_id = ?"+tx.db.forUpdate(), entryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return e, err
}

// SetEndpoint implements pubdata.EndpointService.
func (s *EndpointService) SetEndpoint(ctx context.Context, entryID string, c *pubdata.EndpointChange) (*pubdata.ServiceEndpoint, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	entry, err := tx.entry(ctx, entryID)
	if err != nil {
		return nil, err
	}
	switch {
	case entry.Format != pubdata.FormatService:
		return nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a service interface (its format is %s); only service entries have an endpoint.", entryID, entry.Format).
			Keyed("error.endpoint.not_service", "Entry", entryID, "Format", entry.Format)
	case entry.Status == pubdata.StatusRetired:
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Entry %q is retired; its service interface cannot be changed.", entryID).Keyed("error.endpoint.retired", "Entry", entryID)
	}
	cur, err := s.endpoint(ctx, tx, entryID)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateServiceEndpoint(c, cur != nil && cur.CredentialSet); err != nil {
		return nil, err
	}
	status := pubdata.EndpointConfirmed
	if pubdata.EndpointNeedsConfirmation(cur, c) {
		status = pubdata.EndpointPending
	}
	// The stored secret: a new one sealed, the current one kept, or none.
	credential, credentialChanged := "", false
	switch {
	case c.CredentialHeader == "":
		credentialChanged = cur != nil && cur.CredentialSet
	case c.Secret != "" && (cur == nil || c.Secret != cur.Secret):
		if credential, err = s.key.Seal(c.Secret); err != nil {
			return nil, err
		}
		credentialChanged = true
	default:
		if credential, err = s.key.Seal(cur.Secret); err != nil {
			return nil, err
		}
	}
	actor := pubdata.ActorFromContext(ctx).Username()
	methods := strings.Join(c.Methods, ",")
	now := fmtTime(tx.now)
	if cur == nil {
		_, err = tx.exec(ctx, "INSERT INTO service_endpoints ("+endpointColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL, ?, ?, ?)",
			entryID, c.BaseURL, methods, c.CredentialHeader, credential, c.TimeoutSeconds, string(status), actor, now, now)
	} else if status == pubdata.EndpointPending {
		_, err = tx.exec(ctx, `UPDATE service_endpoints SET base_url = ?, methods = ?, credential_header = ?, credential = ?, timeout_seconds = ?,
			status = ?, confirmed_by = '', confirmed_at = NULL, updated_by = ?, updated_at = ? WHERE entry_id = ?`,
			c.BaseURL, methods, c.CredentialHeader, credential, c.TimeoutSeconds, string(status), actor, now, entryID)
	} else {
		_, err = tx.exec(ctx, `UPDATE service_endpoints SET base_url = ?, methods = ?, credential_header = ?, credential = ?, timeout_seconds = ?,
			updated_by = ?, updated_at = ? WHERE entry_id = ?`,
			c.BaseURL, methods, c.CredentialHeader, credential, c.TimeoutSeconds, actor, now, entryID)
	}
	if err != nil {
		return nil, err
	}
	// The event names what changed, never the secret.
	if err := tx.record(ctx, change{Action: "service.endpoint.set", Object: "entry:" + entryID, Details: map[string]any{
		"base_url": c.BaseURL, "methods": c.Methods, "credential_header": c.CredentialHeader,
		"credential_changed": credentialChanged, "timeout_seconds": c.TimeoutSeconds, "status": status,
	}}); err != nil {
		return nil, err
	}
	e, err := s.endpoint(ctx, tx, entryID)
	if err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// ConfirmEndpoint implements pubdata.EndpointService.
func (s *EndpointService) ConfirmEndpoint(ctx context.Context, entryID string) (*pubdata.ServiceEndpoint, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cur, err := s.endpoint(ctx, tx, entryID)
	switch {
	case err != nil:
		return nil, err
	case cur == nil:
		return nil, notFoundEndpoint(entryID)
	case cur.Status == pubdata.EndpointConfirmed:
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The service interface of entry %q is already confirmed.", entryID).Keyed("error.endpoint.confirmed", "Entry", entryID)
	}
	actor := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE service_endpoints SET status = ?, confirmed_by = ?, confirmed_at = ? WHERE entry_id = ?",
		string(pubdata.EndpointConfirmed), actor, fmtTime(tx.now), entryID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "service.endpoint.confirm", Object: "entry:" + entryID, Details: map[string]any{
		"base_url": cur.BaseURL, "methods": cur.Methods, "credential_header": cur.CredentialHeader,
	}}); err != nil {
		return nil, err
	}
	e, err := s.endpoint(ctx, tx, entryID)
	if err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// RecordCall implements pubdata.EndpointService.
func (s *EndpointService) RecordCall(ctx context.Context, c *pubdata.ServiceCall) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	path := c.Path
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i] // the query may hold keys: never recorded
	}
	details := map[string]any{"entry": c.Entry, "method": c.Method, "path": path, "status": c.Status,
		"duration_ms": c.DurationMS, "bytes": c.Bytes}
	if c.Error != "" {
		details["error"] = c.Error
	}
	if err := tx.record(ctx, change{Action: "service.call", Object: "entry:" + c.Entry, Details: details}); err != nil {
		return err
	}
	// The calls in a row that failed (H3: a failing service interface is a finding).
	if c.Failed() {
		_, err = tx.exec(ctx, "UPDATE service_endpoints SET failures = failures + 1, last_failed_at = ? WHERE entry_id = ?", fmtTime(tx.now), c.Entry)
	} else {
		_, err = tx.exec(ctx, "UPDATE service_endpoints SET failures = 0 WHERE entry_id = ? AND failures <> 0", c.Entry)
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}
