package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/division"
)

var _ pubdata.OrgService = (*OrgService)(nil)

// OrgService implements pubdata.OrgService.
type OrgService struct {
	db        *DB
	divisions *division.Table
}

// NewOrgService returns the organisation service; divisions is the code list that new
// organisations' divisions are checked against.
func NewOrgService(db *DB, divisions *division.Table) *OrgService {
	return &OrgService{db: db, divisions: divisions}
}

// orgColumns are the columns scanOrg reads, in its order; every query of organisations
// selects them.
const orgColumns = "id, code, name, kind, division, COALESCE(parent, ''), status, status_reason, status_at, status_by, created_at, updated_at, security_officer"

func scanOrg(s interface{ Scan(...any) error }) (*Org, error) {
	var o Org
	var at nullTime
	err := s.Scan(&o.ID, &o.Code, &o.Name, &o.Kind, &o.Division, &o.Parent, &o.Status, &o.StatusReason, &at, &o.StatusBy, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, &o.SecurityOfficer)
	o.StatusAt = at.t
	return &o, err
}

// Org is a local name for the domain type, to keep signatures short.
type Org = pubdata.Org

// FindOrgByCode implements pubdata.OrgService.
func (s *OrgService) FindOrgByCode(ctx context.Context, code string) (*Org, error) {
	o, err := scanOrg(s.db.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE code = ?", code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", code).Keyed("error.org.not_found", "Org", code)
	}
	return o, err
}

// FindOrgs implements pubdata.OrgService.
func (s *OrgService) FindOrgs(ctx context.Context, f pubdata.OrgFilter) ([]*Org, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var where []string
	var args []any
	if f.Code != "" {
		where, args = append(where, "code = ?"), append(args, f.Code)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.DivisionPrefix != "" {
		where, args = append(where, "division LIKE ? ESCAPE '\\'"), append(args, likePrefix(f.DivisionPrefix))
	}
	if f.Parent != "" {
		where, args = append(where, "parent = ?"), append(args, f.Parent)
	}
	if f.Q != "" {
		where, args = append(where, "(LOWER(code) LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')"), append(args, likeContains(f.Q), likeContains(f.Q))
	}
	cond := whereClause(where)
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM orgs"+cond, args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	if after != "" {
		where, args = append(where, "code > ?"), append(args, after)
	}
	rows, err := s.db.query(ctx, "SELECT "+orgColumns+" FROM orgs"+whereClause(where)+" ORDER BY code LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanOrg)
	if err != nil {
		return nil, 0, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].Code)
	}
	return out, total, next, nil
}

// CreateOrg implements pubdata.OrgService.
func (s *OrgService) CreateOrg(ctx context.Context, o *Org) error {
	if err := pubdata.ValidateOrg(o); err != nil {
		return err
	}
	if err := s.divisions.Check(o.Division); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if o.Parent != "" {
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE code = ?", o.Parent).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return pubdata.Errorf(pubdata.EINVALID, "Parent organisation %q does not exist.", o.Parent).Keyed("error.org.parent.unknown", "Org", o.Parent)
		}
	}
	o.ID, o.CreatedAt, o.UpdatedAt = newID(), tx.now, tx.now
	o.Status, o.StatusReason, o.StatusAt, o.StatusBy = pubdata.OrgActive, "", nil, ""
	_, err = tx.exec(ctx, "INSERT INTO orgs (id, code, name, kind, division, parent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		o.ID, o.Code, o.Name, string(o.Kind), o.Division, nullString(o.Parent), fmtTime(tx.now), fmtTime(tx.now))
	if isUniqueViolation(err) {
		return pubdata.Errorf(pubdata.ECONFLICT, "Organisation code %q is already taken.", o.Code).Keyed("error.org.code.taken", "Code", o.Code)
	} else if err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "org.create", Object: "org:" + o.Code,
		Details: map[string]any{"code": o.Code, "name": o.Name, "kind": o.Kind, "division": o.Division, "parent": o.Parent}}); err != nil {
		return err
	}
	return tx.Commit()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// likeEscape escapes LIKE wildcards in user input; every LIKE here uses ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func likePrefix(s string) string { return likeEscape(s) + "%" }

func likeContains(s string) string { return "%" + likeEscape(strings.ToLower(s)) + "%" }

var _ pubdata.SecurityOfficerService = (*OrgService)(nil)

// SetSecurityOfficer implements pubdata.SecurityOfficerService (G8): the officer is checked
// to be a user of the unit in the transaction that names it.
func (s *OrgService) SetSecurityOfficer(ctx context.Context, code, username string) (*Org, error) {
	username = strings.TrimSpace(username)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := scanOrg(tx.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE code = ?"+s.db.forUpdate(), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", code).Keyed("error.org.not_found", "Org", code)
	} else if err != nil {
		return nil, err
	}
	var user *pubdata.User
	if username != "" {
		var org string
		err := tx.queryRow(ctx, "SELECT COALESCE(org, '') FROM users WHERE username = ?", username).Scan(&org)
		if err == nil {
			user = &pubdata.User{Username: username, OrgCode: org}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if err := pubdata.ValidateSecurityOfficer(code, username, user); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE orgs SET security_officer = ?, updated_at = ? WHERE code = ?", username, fmtTime(tx.now), code); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: code, Division: o.Division, Action: "org.security_officer", Object: "org:" + code,
		Details: map[string]any{"from": o.SecurityOfficer, "to": username}}); err != nil {
		return nil, err
	}
	o.SecurityOfficer, o.UpdatedAt = username, tx.now
	return o, tx.Commit()
}
