package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/division"
)

var _ pubdata.EntryService = (*EntryService)(nil)

// EntryService implements pubdata.EntryService: working copies in entries, published
// versions in entry_versions, the live catalogue with its search index in catalog*.
type EntryService struct {
	db        *DB
	divisions *division.Table
	// Profile is the platform's regional rules (profile.go; nil: the default, which takes
	// every class): an entry created or edited takes only the profile's share and open classes.
	Profile *pubdata.Profile
}

// NewEntryService returns the catalogue service; entry divisions are checked against the
// embedded GB/T 2260 table.
func NewEntryService(db *DB) *EntryService {
	return &EntryService{db: db, divisions: division.Default()}
}

const entryColumns = "e.id, e.code, e.org, COALESCE(o.name, ''), e.status, e.version, e.doc, e.flags, e.review_comment, COALESCE(e.published_on, ''), e.created_at, e.updated_at, e.submitted_at, e.peer"

const entryFrom = " FROM entries e LEFT JOIN orgs o ON o.code = e.org"

func scanEntry(s interface{ Scan(...any) error }) (*pubdata.Entry, error) {
	var e pubdata.Entry
	var doc, flags string
	var sub nullTime
	if err := s.Scan(&e.ID, &e.Code, &e.Org, &e.OrgName, &e.Status, &e.Version, &doc, &flags, &e.ReviewComment, &e.PublishedOn,
		timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}, &sub, &e.Platform); err != nil {
		return nil, err
	}
	e.SubmittedAt = sub.t
	if err := json.Unmarshal([]byte(doc), &e.EntryFields); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(flags), &e.Flags); err != nil {
		return nil, err
	}
	return &e, nil
}

func notFoundEntry(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Catalogue entry %q not found.", id).Keyed("error.entry.not_found_catalogue", "ID", id)
}

// FindEntryByID implements pubdata.EntryService.
func (s *EntryService) FindEntryByID(ctx context.Context, id string) (*pubdata.Entry, error) {
	e, err := scanEntry(s.db.queryRow(ctx, "SELECT "+entryColumns+entryFrom+" WHERE e.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundEntry(id)
	}
	return e, err
}

func (tx *Tx) entry(ctx context.Context, id string) (*pubdata.Entry, error) {
	e, err := scanEntry(tx.queryRow(ctx, "SELECT "+entryColumns+entryFrom+" WHERE e.id = ?"+tx.db.forUpdateOf("e"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundEntry(id)
	}
	return e, err
}

// FindEntries implements pubdata.EntryService.
func (s *EntryService) FindEntries(ctx context.Context, f pubdata.EntryFilter) ([]*pubdata.Entry, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var where []string
	var args []any
	if f.Org != "" {
		where, args = append(where, "e.org = ?"), append(args, f.Org)
	}
	if f.Status != "" {
		where, args = append(where, "e.status = ?"), append(args, string(f.Status))
	}
	if f.DivisionPrefix != "" {
		where, args = append(where, "e.division LIKE ? ESCAPE '\\'"), append(args, likePrefix(f.DivisionPrefix))
	}
	if f.Q != "" {
		where, args = append(where, "(LOWER(e.title) LIKE ? ESCAPE '\\' OR e.code LIKE ? ESCAPE '\\')"), append(args, likeContains(f.Q), likeContains(f.Q))
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM entries e"+whereClause(where), args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT "+entryColumns+entryFrom+whereClause(where)+" ORDER BY e.updated_at DESC, e.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanEntry)
	if err != nil {
		return nil, 0, "", err
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

// CreateEntry implements pubdata.EntryService.
func (s *EntryService) CreateEntry(ctx context.Context, orgCode, code string, f *pubdata.EntryFields) (*pubdata.Entry, error) {
	org, err := NewOrgService(s.db, s.divisions).FindOrgByCode(ctx, orgCode)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateEntry(org, f, s.divisions.Check); err != nil {
		return nil, err
	}
	if s.Profile != nil {
		if err := s.Profile.CheckEntryClasses(f); err != nil {
			return nil, err
		}
	}
	pubdata.DefaultDataLevel(f) // G1: every stored entry states its level
	if code != "" && !pubdata.ValidResourceCode(code) {
		return nil, pubdata.FieldErrorf("code", "Resource code %q is not of the form 分类码/顺序码 (e.g. 301001/00001).", code).Keyed("error.entry.code", "Code", code)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.checkLicense(ctx, f.License); err != nil {
		return nil, err
	}
	if code == "" {
		if code, err = tx.nextCode(ctx, pubdata.ResourceCodePrefix(f.Category)); err != nil {
			return nil, err
		}
	}
	doc, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	id := newID()
	_, err = tx.exec(ctx, "INSERT INTO entries (id, code, org, status, title, division, doc, license, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		id, code, org.Code, string(pubdata.StatusDraft), f.Title, f.Division, string(doc), f.License, fmtTime(tx.now), fmtTime(tx.now))
	if isUniqueViolation(err) {
		return nil, (&pubdata.Error{Code: pubdata.ECONFLICT, Field: "code", Message: "Resource code " + strconv.Quote(code) + " is already taken."}).
			Keyed("error.entry.code_taken", "Code", code)
	} else if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "entry.create", Object: "entry:" + id, Details: map[string]any{"code": code, "org": org.Code, "title": f.Title}}); err != nil {
		return nil, err
	}
	e, err := tx.entry(ctx, id)
	if err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// nextCode takes the next sequence number under prefix, skipping codes already used (given
// by hand).
func (tx *Tx) nextCode(ctx context.Context, prefix string) (string, error) {
	// Two first uses of a prefix at once: one inserts the row, the other waits on it.
	if _, err := tx.exec(ctx, "INSERT INTO code_sequences (prefix, n) VALUES (?, 0) ON CONFLICT (prefix) DO NOTHING", prefix); err != nil {
		return "", err
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT n FROM code_sequences WHERE prefix = ?"+tx.db.forUpdate(), prefix).Scan(&n); err != nil {
		return "", err
	}
	for {
		n++
		code := pubdata.FormatResourceCode(prefix, n)
		var used int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM entries WHERE code = ?", code).Scan(&used); err != nil {
			return "", err
		}
		if used == 0 {
			_, err := tx.exec(ctx, "UPDATE code_sequences SET n = ? WHERE prefix = ?", n, prefix)
			return code, err
		}
	}
}

// step moves an entry through the workflow in one transaction: it locks the entry, checks
// the transition, lets apply write what the step changes, and records the event.
func (s *EntryService) step(ctx context.Context, id string, action pubdata.EntryAction, apply func(tx *Tx, e *pubdata.Entry, next pubdata.EntryStatus) (map[string]any, error)) (*pubdata.Entry, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	e, err := tx.entry(ctx, id)
	if err != nil {
		return nil, err
	}
	next, err := pubdata.NextEntryStatus(e.Status, action)
	if err != nil {
		return nil, err
	}
	details, err := apply(tx, e, next)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE entries SET status = ?, updated_at = ? WHERE id = ?", string(next), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	if details == nil {
		details = map[string]any{}
	}
	details["from"], details["to"] = e.Status, next
	if err := tx.record(ctx, change{Action: "entry." + string(action), Object: "entry:" + id, Details: details}); err != nil {
		return nil, err
	}
	if e, err = tx.entry(ctx, id); err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// UpdateEntry implements pubdata.EntryService.
func (s *EntryService) UpdateEntry(ctx context.Context, id string, f *pubdata.EntryFields) (*pubdata.Entry, error) {
	cur, err := s.FindEntryByID(ctx, id)
	if err != nil {
		return nil, err
	}
	org, err := NewOrgService(s.db, s.divisions).FindOrgByCode(ctx, cur.Org)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateEntry(org, f, s.divisions.Check); err != nil {
		return nil, err
	}
	if s.Profile != nil {
		if err := s.Profile.CheckEntryClasses(f); err != nil {
			return nil, err
		}
	}
	pubdata.DefaultDataLevel(f) // G1: every stored entry states its level
	return s.step(ctx, id, pubdata.EntryEdit, func(tx *Tx, e *pubdata.Entry, _ pubdata.EntryStatus) (map[string]any, error) {
		if err := tx.checkLicense(ctx, f.License); err != nil {
			return nil, err
		}
		doc, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE entries SET doc = ?, title = ?, division = ?, license = ?, flags = '[]', review_comment = '' WHERE id = ?", string(doc), f.Title, f.Division, f.License, id); err != nil {
			return nil, err
		}
		return map[string]any{"changes": pubdata.DiffEntryFields(e.EntryFields, *f)}, nil
	})
}

// SubmitEntry implements pubdata.EntryService.
func (s *EntryService) SubmitEntry(ctx context.Context, id string) (*pubdata.Entry, error) {
	return s.step(ctx, id, pubdata.EntrySubmit, func(tx *Tx, e *pubdata.Entry, _ pubdata.EntryStatus) (map[string]any, error) {
		els, err := findElements(ctx, tx)
		if err != nil {
			return nil, err
		}
		byCode := map[string]*pubdata.DataElement{}
		for _, el := range els {
			byCode[el.Code] = el
		}
		flags := pubdata.SourceFlags(e.Org, e.Items, byCode)
		for i := range flags {
			if flags[i].SourceEntry != "" {
				tx.queryRow(ctx, "SELECT title FROM entries WHERE id = ?", flags[i].SourceEntry).Scan(&flags[i].EntryTitle)
			}
		}
		b, err := json.Marshal(flags)
		if err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE entries SET flags = ?, submitted_at = ? WHERE id = ?", string(b), fmtTime(tx.now), id); err != nil {
			return nil, err
		}
		return map[string]any{"flags": len(flags)}, nil
	})
}

// ReviewEntry implements pubdata.EntryService.
func (s *EntryService) ReviewEntry(ctx context.Context, id string, approve bool, comment string) (*pubdata.Entry, error) {
	return s.review(ctx, id, approve, comment, nil)
}

// ApproveEntryOverride implements pubdata.EntryService: the override is recorded with the
// approval's event (details "open_risk_override").
func (s *EntryService) ApproveEntryOverride(ctx context.Context, id, comment string, o *pubdata.OpenRiskOverride) (*pubdata.Entry, error) {
	if o == nil || strings.TrimSpace(o.Reason) == "" {
		return nil, pubdata.FieldErrorf("override_reason", "Overriding the pre-open check needs a reason.").Keyed("error.entry.override_reason")
	}
	return s.review(ctx, id, true, comment, o)
}

func (s *EntryService) review(ctx context.Context, id string, approve bool, comment string, o *pubdata.OpenRiskOverride) (*pubdata.Entry, error) {
	action := pubdata.EntryApprove
	if !approve {
		action = pubdata.EntryReject
		if comment == "" {
			return nil, pubdata.FieldErrorf("comment", "A rejection needs a comment telling the provider what to change.").Keyed("error.entry.reject_comment")
		}
	}
	return s.step(ctx, id, action, func(tx *Tx, e *pubdata.Entry, _ pubdata.EntryStatus) (map[string]any, error) {
		if !approve {
			_, err := tx.exec(ctx, "UPDATE entries SET review_comment = ? WHERE id = ?", comment, id)
			return map[string]any{"comment": comment}, err
		}
		// E3: data obtained by sharing is never opened as the unit's own.
		if err := pubdata.CheckObtainedNotOpen(&e.EntryFields); err != nil {
			return nil, err
		}
		v := e.Version + 1
		doc, err := json.Marshal(e.EntryFields)
		if err != nil {
			return nil, err
		}
		reviewer := pubdata.ActorFromContext(ctx).Username()
		if _, err := tx.exec(ctx, "INSERT INTO entry_versions (entry_id, version, doc, published_at, reviewer, comment) VALUES (?, ?, ?, ?, ?, ?)",
			id, v, string(doc), fmtTime(tx.now), reviewer, comment); err != nil {
			return nil, err
		}
		issued := e.PublishedOn
		if issued == "" {
			issued = tx.now.Format("2006-01-02")
		}
		if _, err := tx.exec(ctx, "UPDATE entries SET version = ?, published_on = ?, review_comment = ? WHERE id = ?", v, issued, comment, id); err != nil {
			return nil, err
		}
		e.Version, e.PublishedOn = v, issued
		if err := tx.publish(ctx, e); err != nil {
			return nil, err
		}
		// A table entry's table is created, or migrated to the new items, with its publication.
		if err := tx.ensureTable(ctx, e); err != nil {
			return nil, err
		}
		// E7: a new item of grade 3 or above in an open entry is withheld until reviewed.
		if err := tx.watchVersion(ctx, e); err != nil {
			return nil, err
		}
		details := map[string]any{"version": v, "comment": comment}
		// G1: the grading the authority approved with this version (grading.go).
		if e.DataLevel != "" || e.DataCategory != "" {
			details["grading"] = map[string]any{"data_level": e.DataLevel, "data_category": e.DataCategory, "highest_grade": pubdata.HighestGrade(e.Items)}
		}
		if o != nil {
			details["open_risk_override"] = map[string]any{"reason": strings.TrimSpace(o.Reason), "findings": o.Findings}
		}
		return details, nil
	})
}

// RetireEntry implements pubdata.EntryService.
func (s *EntryService) RetireEntry(ctx context.Context, id, reason string) (*pubdata.Entry, error) {
	if reason == "" {
		return nil, pubdata.FieldErrorf("reason", "Retiring an entry needs a reason.").Keyed("error.entry.retire_reason")
	}
	return s.step(ctx, id, pubdata.EntryRetire, func(tx *Tx, e *pubdata.Entry, _ pubdata.EntryStatus) (map[string]any, error) {
		return map[string]any{"reason": reason}, tx.unpublish(ctx, id)
	})
}

// FindEntryVersions implements pubdata.EntryService.
func (s *EntryService) FindEntryVersions(ctx context.Context, id string) ([]*pubdata.EntryVersion, error) {
	if _, err := s.FindEntryByID(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, "SELECT entry_id, version, doc, published_at, reviewer, comment FROM entry_versions WHERE entry_id = ? ORDER BY version DESC", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*pubdata.EntryVersion{}
	for rows.Next() {
		var v pubdata.EntryVersion
		var doc string
		if err := rows.Scan(&v.EntryID, &v.Version, &doc, timeCol{&v.PublishedAt}, &v.Reviewer, &v.Comment); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &v.Fields); err != nil {
			return nil, err
		}
		out = append(out, &v)
	}
	return out, rows.Err()
}

func decodeOffset(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(c)
	if err != nil || n < 0 {
		return 0, pubdata.Errorf(pubdata.EINVALID, "cursor %q is not valid.", c)
	}
	return n, nil
}

func nextOffset(offset, n, total int) string {
	if offset+n >= total || n == 0 {
		return ""
	}
	return strconv.Itoa(offset + n)
}
