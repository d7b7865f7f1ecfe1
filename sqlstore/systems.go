package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

var _ pubdata.SystemService = (*SystemService)(nil)

// SystemService implements pubdata.SystemService: the systems register (H4, migration 0028).
type SystemService struct{ db *DB }

// NewSystemService returns the systems register on db.
func NewSystemService(db *DB) *SystemService { return &SystemService{db: db} }

const systemColumns = "id, org, name, description, owner, kind, pull_sources, tokens, created_at, updated_at, protection_level, filing_number, filed_on"

func scanSystem(sc scanner) (*pubdata.InformationSystem, error) {
	var s pubdata.InformationSystem
	var pulls, tokens string
	if err := sc.Scan(&s.ID, &s.Org, &s.Name, &s.Description, &s.Owner, &s.Kind, &pulls, &tokens, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, &s.ProtectionLevel, &s.FilingNumber, &s.FiledOn); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(pulls), &s.PullSources); err != nil {
		return nil, fmt.Errorf("system %s pull_sources: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(tokens), &s.Tokens); err != nil {
		return nil, fmt.Errorf("system %s tokens: %w", s.ID, err)
	}
	s.Entries = []string{}
	return &s, nil
}

func notFoundSystem(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Information system %q not found.", id).Keyed("error.system.not_found", "ID", id)
}

type systemQuerier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// systemEntries fills the entries of the systems.
func systemEntries(ctx context.Context, q systemQuerier, systems ...*pubdata.InformationSystem) error {
	if len(systems) == 0 {
		return nil
	}
	by := map[string]*pubdata.InformationSystem{}
	args := make([]any, len(systems))
	for i, s := range systems {
		by[s.ID], args[i] = s, s.ID
	}
	rows, err := q.query(ctx, "SELECT system_id, entry_id FROM information_system_entries WHERE system_id IN ("+marks(len(args))+") ORDER BY system_id, entry_id", args...)
	if err != nil {
		return err
	}
	links, err := scanRows(rows, func(sc scanner) ([2]string, error) {
		var l [2]string
		return l, sc.Scan(&l[0], &l[1])
	})
	if err != nil {
		return err
	}
	for _, l := range links {
		by[l[0]].Entries = append(by[l[0]].Entries, l[1])
	}
	return nil
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// checkLinks checks that every id the system lists is its unit's: entries, pull sources,
// and the API tokens of the unit's users.
func (tx *Tx) checkSystemLinks(ctx context.Context, s *pubdata.InformationSystem) error {
	check := func(field, q string, ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		args := []any{s.Org}
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := tx.query(ctx, q+" IN ("+marks(len(ids))+")", args...)
		if err != nil {
			return err
		}
		found, err := scanRows(rows, func(sc scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !contains(found, id) {
				return pubdata.UnknownSystemLink(field, id)
			}
		}
		return nil
	}
	if err := check("entries", "SELECT id FROM entries WHERE org = ? AND id", s.Entries); err != nil {
		return err
	}
	if err := check("pull_sources", "SELECT id FROM pull_sources WHERE org = ? AND id", s.PullSources); err != nil {
		return err
	}
	return check("tokens", "SELECT t.id FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.org = ? AND t.id", s.Tokens)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func systemDetails(s *pubdata.InformationSystem) map[string]any {
	return map[string]any{"name": s.Name, "description": s.Description, "owner": s.Owner, "kind": s.Kind,
		"pull_sources": s.PullSources, "tokens": s.Tokens, "entries": s.Entries,
		"protection_level": s.ProtectionLevel, "filing_number": s.FilingNumber, "filed_on": s.FiledOn}
}

func (tx *Tx) writeSystemEntries(ctx context.Context, s *pubdata.InformationSystem) error {
	if _, err := tx.exec(ctx, "DELETE FROM information_system_entries WHERE system_id = ?", s.ID); err != nil {
		return err
	}
	for _, e := range s.Entries {
		if _, err := tx.exec(ctx, "INSERT INTO information_system_entries (system_id, entry_id) VALUES (?, ?)", s.ID, e); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) orgDivision(ctx context.Context, org string) (string, error) {
	var division string
	err := tx.queryRow(ctx, "SELECT division FROM orgs WHERE code = ?", org).Scan(&division)
	if errors.Is(err, sql.ErrNoRows) {
		return "", pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", org).Keyed("error.org.not_found", "Org", org)
	}
	return division, err
}

func jsonIDs(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// CreateSystem implements pubdata.SystemService.
func (s *SystemService) CreateSystem(ctx context.Context, in *pubdata.InformationSystem) (*pubdata.InformationSystem, error) {
	out := *in
	pubdata.NormalizeSystem(&out)
	if err := pubdata.ValidateSystem(&out); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	division, err := tx.orgDivision(ctx, out.Org)
	if err != nil {
		return nil, err
	}
	if err := tx.checkSystemLinks(ctx, &out); err != nil {
		return nil, err
	}
	now := tx.now.Truncate(time.Microsecond)
	out.ID, out.CreatedAt, out.UpdatedAt = newID(), now, now
	if _, err := tx.exec(ctx, `INSERT INTO information_systems (id, org, name, description, owner, kind, pull_sources, tokens, created_at, updated_at, protection_level, filing_number, filed_on)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, out.Org, out.Name, out.Description, out.Owner, out.Kind, jsonIDs(out.PullSources), jsonIDs(out.Tokens),
		fmtTime(now), fmtTime(now), out.ProtectionLevel, out.FilingNumber, out.FiledOn); err != nil {
		return nil, err
	}
	if err := tx.writeSystemEntries(ctx, &out); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: out.Org, Division: division, Action: "system.create", Object: "system:" + out.ID, Details: systemDetails(&out)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &out, nil
}

func (tx *Tx) system(ctx context.Context, id string) (*pubdata.InformationSystem, error) {
	old, err := scanSystem(tx.queryRow(ctx, "SELECT "+systemColumns+" FROM information_systems WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundSystem(id)
	} else if err != nil {
		return nil, err
	}
	return old, systemEntries(ctx, tx, old)
}

// UpdateSystem implements pubdata.SystemService.
func (s *SystemService) UpdateSystem(ctx context.Context, in *pubdata.InformationSystem) (*pubdata.InformationSystem, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := tx.system(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := *in
	out.Org, out.CreatedAt = old.Org, old.CreatedAt
	pubdata.NormalizeSystem(&out)
	if err := pubdata.ValidateSystem(&out); err != nil {
		return nil, err
	}
	division, err := tx.orgDivision(ctx, out.Org)
	if err != nil {
		return nil, err
	}
	if err := tx.checkSystemLinks(ctx, &out); err != nil {
		return nil, err
	}
	out.UpdatedAt = tx.now.Truncate(time.Microsecond)
	if _, err := tx.exec(ctx, "UPDATE information_systems SET name = ?, description = ?, owner = ?, kind = ?, pull_sources = ?, tokens = ?, updated_at = ?, protection_level = ?, filing_number = ?, filed_on = ? WHERE id = ?",
		out.Name, out.Description, out.Owner, out.Kind, jsonIDs(out.PullSources), jsonIDs(out.Tokens), fmtTime(out.UpdatedAt), out.ProtectionLevel, out.FilingNumber, out.FiledOn, out.ID); err != nil {
		return nil, err
	}
	if err := tx.writeSystemEntries(ctx, &out); err != nil {
		return nil, err
	}
	details := systemDetails(&out)
	details["before"] = systemDetails(old)
	if err := tx.record(ctx, change{Org: out.Org, Division: division, Action: "system.update", Object: "system:" + out.ID, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSystem implements pubdata.SystemService.
func (s *SystemService) DeleteSystem(ctx context.Context, id string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := tx.system(ctx, id)
	if err != nil {
		return err
	}
	division, err := tx.orgDivision(ctx, old.Org)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM information_system_entries WHERE system_id = ?", id); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM information_systems WHERE id = ?", id); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Org: old.Org, Division: division, Action: "system.delete", Object: "system:" + id, Details: systemDetails(old)}); err != nil {
		return err
	}
	return tx.Commit()
}

// FindSystemByID implements pubdata.SystemService.
func (s *SystemService) FindSystemByID(ctx context.Context, id string) (*pubdata.InformationSystem, error) {
	out, err := scanSystem(s.db.queryRow(ctx, "SELECT "+systemColumns+" FROM information_systems WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundSystem(id)
	} else if err != nil {
		return nil, err
	}
	return out, systemEntries(ctx, s.db, out)
}

// FindSystems implements pubdata.SystemService.
func (s *SystemService) FindSystems(ctx context.Context, org string) ([]*pubdata.InformationSystem, error) {
	rows, err := s.db.query(ctx, "SELECT "+systemColumns+" FROM information_systems WHERE org = ? ORDER BY name, id", org)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanSystem)
	if err != nil {
		return nil, err
	}
	return out, systemEntries(ctx, s.db, out...)
}

// SystemChoices implements pubdata.SystemService.
func (s *SystemService) SystemChoices(ctx context.Context, org string) (*pubdata.SystemChoices, error) {
	choices := func(q string, args ...any) ([]pubdata.SystemChoice, error) {
		rows, err := s.db.query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return scanRows(rows, func(sc scanner) (pubdata.SystemChoice, error) {
			var c pubdata.SystemChoice
			return c, sc.Scan(&c.ID, &c.Label, &c.Note)
		})
	}
	var out pubdata.SystemChoices
	var err error
	if out.Entries, err = choices("SELECT id, title, code FROM entries WHERE org = ? AND status <> 'retired' ORDER BY title, id", org); err != nil {
		return nil, err
	}
	if out.PullSources, err = choices(`SELECT p.id, CASE WHEN p.name = '' THEN p.id ELSE p.name END, COALESCE(e.title, '') FROM pull_sources p
		LEFT JOIN entries e ON e.id = p.entry_id WHERE p.org = ? ORDER BY p.name, p.id`, org); err != nil {
		return nil, err
	}
	if out.Tokens, err = choices(`SELECT t.id, t.name || ' (' || t.prefix || '…)', u.username FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE u.org = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) ORDER BY u.username, t.name, t.id`, org, fmtTime(s.db.Now().UTC())); err != nil {
		return nil, err
	}
	return &out, nil
}

// Connections implements pubdata.SystemService: one query over the catalogue, each
// connection an EXISTS on an indexed table.
func (s *SystemService) Connections(ctx context.Context, division string, limit int) ([]pubdata.EntryConnection, bool, error) {
	if limit <= 0 || limit > pubdata.MaxSystemFacts {
		limit = pubdata.MaxSystemFacts
	}
	rows, err := s.db.query(ctx, `SELECT c.entry_id, c.title, c.org, o.name, o.division,
		EXISTS (SELECT 1 FROM information_system_entries l WHERE l.entry_id = c.entry_id),
		EXISTS (SELECT 1 FROM pull_sources p WHERE p.entry_id = c.entry_id),
		EXISTS (SELECT 1 FROM data_batches b WHERE b.entry_id = c.entry_id AND b.source = 'push' AND b.status = 'done')
		FROM catalog c JOIN orgs o ON o.code = c.org
		WHERE o.kind = 'public_body' AND COALESCE(o.status, '') <> 'terminated' AND o.division LIKE ? ESCAPE '\'
		ORDER BY c.org, c.title, c.entry_id LIMIT ?`, likePrefix(pubdata.DivisionPrefix(division)), limit+1)
	if err != nil {
		return nil, false, err
	}
	out, err := scanRows(rows, func(sc scanner) (pubdata.EntryConnection, error) {
		var e pubdata.EntryConnection
		var listed, pulled, pushed any
		err := sc.Scan(&e.Entry, &e.Title, &e.Org, &e.OrgName, &e.Division, &listed, &pulled, &pushed)
		e.Listed, e.Pulled, e.Pushed = truthy(listed), truthy(pulled), truthy(pushed)
		return e, err
	})
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// truthy reads a boolean expression's value: a bool on PostgreSQL, an integer on SQLite.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case []byte:
		return string(x) == "1" || string(x) == "t" || string(x) == "true"
	case string:
		return x == "1" || x == "t" || x == "true"
	}
	return false
}
