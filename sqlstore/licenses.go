package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/pubdata/pubdata"
)

var _ pubdata.LicenseService = (*LicenseService)(nil)

// LicenseService implements pubdata.LicenseService on licenses and license_defaults.
type LicenseService struct {
	db *DB
}

// NewLicenseService returns the licence service on db.
func NewLicenseService(db *DB) *LicenseService { return &LicenseService{db: db} }

type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// licenseDefaults reads the default licence of each open class.
func licenseDefaults(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.query(ctx, "SELECT open_class, license_id FROM license_defaults")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, id string
		if err := rows.Scan(&c, &id); err != nil {
			return nil, err
		}
		out[c] = id
	}
	return out, rows.Err()
}

func scanLicense(s interface{ Scan(...any) error }) (*pubdata.License, error) {
	var l pubdata.License
	err := s.Scan(&l.ID, &l.Title, &l.TitleEn, &l.URL, timeCol{&l.CreatedAt}, timeCol{&l.UpdatedAt})
	return &l, err
}

const licenseColumns = "id, title, title_en, url, created_at, updated_at"

// FindLicenses implements pubdata.LicenseService: one snapshot of both tables.
func (s *LicenseService) FindLicenses(ctx context.Context) (*pubdata.LicenseList, error) {
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT "+licenseColumns+" FROM licenses ORDER BY id")
	if err != nil {
		return nil, err
	}
	list := &pubdata.LicenseList{}
	if list.Licenses, err = scanRows(rows, scanLicense); err != nil {
		return nil, err
	}
	if list.Defaults, err = licenseDefaults(ctx, tx); err != nil {
		return nil, err
	}
	return list, nil
}

// license reads one licence in tx, locking it on PostgreSQL; ENOTFOUND.
func (tx *Tx) license(ctx context.Context, id string) (*pubdata.License, error) {
	l, err := scanLicense(tx.queryRow(ctx, "SELECT "+licenseColumns+" FROM licenses WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No licence %q.", id).Keyed("error.license.not_found", "License", id)
	}
	return l, err
}

// checkLicense checks that an entry's licence is in the list ("" is the default), locking
// it so that it cannot be deleted before the entry commits.
func (tx *Tx) checkLicense(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if _, err := tx.license(ctx, id); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return pubdata.FieldErrorf("license", "No licence %q.", id).Keyed("error.entry.license", "License", id)
	} else if err != nil {
		return err
	}
	return nil
}

// PutLicense implements pubdata.LicenseService.
func (s *LicenseService) PutLicense(ctx context.Context, l *pubdata.License) (*pubdata.License, error) {
	if err := pubdata.ValidateLicense(l); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := tx.license(ctx, l.ID)
	details := map[string]any{"id": l.ID, "title": l.Title, "title_en": l.TitleEn, "url": l.URL}
	action := "license.updated"
	switch {
	case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
		action = "license.created"
		_, err = tx.exec(ctx, "INSERT INTO licenses ("+licenseColumns+") VALUES (?, ?, ?, ?, ?, ?)", l.ID, l.Title, l.TitleEn, l.URL, fmtTime(tx.now), fmtTime(tx.now))
	case err == nil:
		details["before"] = map[string]any{"title": old.Title, "title_en": old.TitleEn, "url": old.URL}
		_, err = tx.exec(ctx, "UPDATE licenses SET title = ?, title_en = ?, url = ?, updated_at = ? WHERE id = ?", l.Title, l.TitleEn, l.URL, fmtTime(tx.now), l.ID)
	}
	if isUniqueViolation(err) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Licence %q was created at the same time; try again.", l.ID).Keyed("error.license.conflict", "License", l.ID)
	} else if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: action, Object: pubdata.LicenseObject(l.ID), Details: details}); err != nil {
		return nil, err
	}
	out, err := tx.license(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// DeleteLicense implements pubdata.LicenseService.
func (s *LicenseService) DeleteLicense(ctx context.Context, id string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := tx.license(ctx, id)
	if err != nil {
		return err
	}
	defaults, err := licenseDefaults(ctx, tx)
	if err != nil {
		return err
	}
	for _, c := range pubdata.LicenseClasses {
		if defaults[c] == id {
			return pubdata.Errorf(pubdata.ECONFLICT, "Licence %q is the default of an open class; choose another default first.", id).Keyed("error.license.is_default", "License", id)
		}
	}
	var used int
	if err := tx.queryRow(ctx, "SELECT (SELECT COUNT(*) FROM entries WHERE license = ?) + (SELECT COUNT(*) FROM catalog WHERE license = ?)", id, id).Scan(&used); err != nil {
		return err
	}
	if used > 0 {
		return pubdata.Errorf(pubdata.ECONFLICT, "Licence %q is named by catalogue entries and cannot be deleted.", id).Keyed("error.license.in_use", "License", id)
	}
	if _, err := tx.exec(ctx, "DELETE FROM licenses WHERE id = ?", id); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "license.deleted", Object: pubdata.LicenseObject(id),
		Details: map[string]any{"id": id, "title": old.Title, "title_en": old.TitleEn, "url": old.URL}}); err != nil {
		return err
	}
	return tx.Commit()
}

// SetLicenseDefault implements pubdata.LicenseService. The catalogue's generation moves with
// it: the index counts entries by their effective licence.
func (s *LicenseService) SetLicenseDefault(ctx context.Context, openClass, id string) error {
	if !slices.Contains(pubdata.LicenseClasses, openClass) {
		return pubdata.FieldErrorf("open_class", "Open class %q has no default licence; use unconditional or conditional.", openClass).Keyed("error.license.class", "Class", openClass)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if id != "" {
		if _, err := tx.license(ctx, id); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return pubdata.FieldErrorf("license", "No licence %q.", id).Keyed("error.entry.license", "License", id)
		} else if err != nil {
			return err
		}
	}
	defaults, err := licenseDefaults(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM license_defaults WHERE open_class = ?", openClass); err != nil {
		return err
	}
	if id != "" {
		if _, err := tx.exec(ctx, "INSERT INTO license_defaults (open_class, license_id) VALUES (?, ?)", openClass, id); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "UPDATE catalog_state SET generation = generation + 1 WHERE id = 1"); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "license.default_set", Object: pubdata.LicenseObject("defaults"),
		Details: map[string]any{"open_class": openClass, "license": id, "before": defaults[openClass]}}); err != nil {
		return err
	}
	return tx.Commit()
}
