package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

var _ pubdata.DevSpaceService = (*DevSpaceService)(nil)

// DevSpaceService implements pubdata.DevSpaceService (devspace.go) on devspaces,
// devspace_entries, devspace_reports, devspace_runs and devspace_operators.
type DevSpaceService struct{ db *DB }

// NewDevSpaceService returns the development spaces' service.
func NewDevSpaceService(db *DB) *DevSpaceService { return &DevSpaceService{db: db} }

const spaceColumns = `id, org, applicant, division, title, scenario, purpose, outputs, starts_on, ends_on, row_access, report_every, status,
	status_reason, decided_by, decided_at, status_by, status_at, next_report_due, reminded_due, uses, created_at, updated_at`

func scanSpace(sc scanner) (*pubdata.DevSpace, error) {
	var s pubdata.DevSpace
	var rows int
	if err := sc.Scan(&s.ID, &s.Org, &s.Applicant, &s.Division, &s.Title, &s.Scenario, &s.Purpose, &s.Outputs, &s.StartsOn, &s.EndsOn, &rows,
		&s.ReportEvery, &s.Status, &s.Reason, &s.DecidedBy, ptrTime{&s.DecidedAt}, &s.StatusBy, ptrTime{&s.StatusAt}, &s.NextDue, &s.RemindedDue,
		&s.Uses, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}); err != nil {
		return nil, err
	}
	s.RowAccess = rows != 0
	return &s, nil
}

func notFoundSpace(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Development space %q was not found.", id).Keyed("error.devspace.not_found", "ID", id)
}

// spaceEntries loads the entries of the spaces.
func spaceEntries(ctx context.Context, q func(ctx context.Context, q string, args ...any) (*sql.Rows, error), spaces ...*pubdata.DevSpace) error {
	if len(spaces) == 0 {
		return nil
	}
	byID := map[string]*pubdata.DevSpace{}
	ids := make([]any, len(spaces))
	for i, s := range spaces {
		byID[s.ID], ids[i] = s, s.ID
		s.Entries = []pubdata.DevSpaceEntry{}
	}
	rows, err := q(ctx, "SELECT space_id, entry_id, entry_title, provider, share_class, approval, decided_by, decided_at, reason FROM devspace_entries WHERE space_id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+") ORDER BY space_id, entry_id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sid string
		var e pubdata.DevSpaceEntry
		if err := rows.Scan(&sid, &e.EntryID, &e.EntryTitle, &e.Provider, &e.ShareClass, &e.Approval, &e.DecidedBy, ptrTime{&e.DecidedAt}, &e.Reason); err != nil {
			return err
		}
		byID[sid].Entries = append(byID[sid].Entries, e)
	}
	return rows.Err()
}

// ApplyForSpace implements pubdata.DevSpaceService.
func (s *DevSpaceService) ApplyForSpace(ctx context.Context, app *pubdata.DevSpaceApplication) (*pubdata.DevSpace, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanApplyForSpace(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only developers apply for development spaces: a company's or body's admins and editors, or a person signed in; authorities decide them.").Keyed("error.devspace.apply_forbidden")
	}
	if err := pubdata.ValidateDevSpaceApplication(app, pubdata.Today(s.db.Now())); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id, now := newID(), fmtTime(tx.now)
	org, division := a.OrgCode(), ""
	if a.Org != nil {
		division = a.Org.Division
	}
	var providers []string
	needs := false
	for _, eid := range app.Entries {
		var title, provider, format, share string
		err := tx.queryRow(ctx, "SELECT title, org, format, share_class FROM catalog WHERE entry_id = ? OR code = ?", eid, eid).Scan(&title, &provider, &format, &share)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, pubdata.FieldErrorf("entries", "No published catalogue entry %q.", eid).Keyed("error.entry.not_published", "ID", eid)
		} else if err != nil {
			return nil, err
		}
		if format != pubdata.FormatTable {
			return nil, pubdata.FieldErrorf("entries", "Entry %q is not a table (its format is %s): a space works on tables.", eid, format).Keyed("error.devspace.not_table", "Entry", eid, "Format", format)
		}
		approval := pubdata.ApprovalNotNeeded
		switch share {
		case pubdata.ClassUnconditional:
		case pubdata.ClassConditional:
			approval, needs = pubdata.ApprovalPending, true
			if !containsStr(providers, provider) {
				providers = append(providers, provider)
			}
		default:
			return nil, pubdata.FieldErrorf("entries", "Entry %q is not shared (share class %s): it cannot be developed.", eid, share).Keyed("error.devspace.not_shared", "Entry", eid)
		}
		if _, err := tx.exec(ctx, `INSERT INTO devspace_entries (space_id, entry_id, entry_title, provider, share_class, approval) VALUES (?, ?, ?, ?, ?, ?)`,
			id, eid, title, provider, share, string(approval)); err != nil {
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, `INSERT INTO devspaces (id, org, applicant, division, title, scenario, purpose, outputs, starts_on, ends_on, row_access, report_every, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, org, a.Username(), division, app.Title, app.Scenario, app.Purpose, app.Outputs,
		app.StartsOn, app.EndsOn, boolInt(app.RowAccess), string(app.ReportEvery), string(pubdata.SpacePending), now, now); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "devspace.apply", Object: "devspace:" + id, Details: map[string]any{"title": app.Title, "entries": app.Entries,
		"purpose": app.Purpose, "starts_on": app.StartsOn, "ends_on": app.EndsOn, "row_access": app.RowAccess, "report_every": app.ReportEvery, "providers": providers}}); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, division)
	if err != nil {
		return nil, err
	}
	params := map[string]string{"title": app.Title}
	n := pubdata.NewNotification(pubdata.NoticeSpaceNew, params, "/console/devspaces/"+id, "devspace:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
		return nil, err
	}
	if needs {
		for _, p := range providers {
			if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: p}); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Space(ctx, id)
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Space implements pubdata.DevSpaceService.
func (s *DevSpaceService) Space(ctx context.Context, id string) (*pubdata.DevSpace, error) {
	sp, err := scanSpace(s.db.queryRow(ctx, "SELECT "+spaceColumns+" FROM devspaces WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundSpace(id)
	} else if err != nil {
		return nil, err
	}
	return sp, spaceEntries(ctx, s.db.query, sp)
}

// Spaces implements pubdata.DevSpaceService.
func (s *DevSpaceService) Spaces(ctx context.Context, f pubdata.DevSpaceFilter) ([]*pubdata.DevSpace, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	var c conds
	c.eq("org", f.Org)
	if f.Applicant != "" {
		c.add("org = '' AND applicant = ?", f.Applicant)
	}
	c.eq("status", string(f.Status))
	if f.Provider != "" {
		c.add("id IN (SELECT space_id FROM devspace_entries WHERE provider = ?)", f.Provider)
	}
	if f.Scope != nil {
		scopeDivision(&c, f.Scope)
	}
	rows, err := s.db.query(ctx, "SELECT "+spaceColumns+" FROM devspaces"+c.sql()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(c.args, limit)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanSpace)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*pubdata.DevSpace{}
	}
	return out, spaceEntries(ctx, s.db.query, out...)
}

// lockedSpace reads a space for a change inside tx.
func (tx *Tx) lockedSpace(ctx context.Context, id string) (*pubdata.DevSpace, error) {
	sp, err := scanSpace(tx.queryRow(ctx, "SELECT "+spaceColumns+" FROM devspaces WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundSpace(id)
	} else if err != nil {
		return nil, err
	}
	return sp, spaceEntries(ctx, tx.query, sp)
}

// spaceStep locks the space, runs fn (which checks and changes it) and records
// "devspace.<step>" with fn's details in one transaction.
func (s *DevSpaceService) spaceStep(ctx context.Context, id, step string, fn func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error)) (*pubdata.DevSpace, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sp, err := tx.lockedSpace(ctx, id)
	if err != nil {
		return nil, err
	}
	details, err := fn(tx, sp)
	if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "devspace." + step, Object: "devspace:" + id, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Space(ctx, id)
}

// developerOf is the notification parties of the space's developer.
func developerOf(sp *pubdata.DevSpace) pubdata.NoticeParties {
	return pubdata.NoticeParties{Provider: sp.Org, User: sp.Applicant}
}

func spaceParams(sp *pubdata.DevSpace) map[string]string { return map[string]string{"title": sp.Title} }

func spaceLink(sp *pubdata.DevSpace) string { return "/devspaces/" + sp.ID }

// DecideSpaceEntry implements pubdata.DevSpaceService.
func (s *DevSpaceService) DecideSpaceEntry(ctx context.Context, spaceID, entryID string, approve bool, reason string) (*pubdata.DevSpace, error) {
	reason, err := pubdata.ValidateSpaceReason(reason, !approve)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	return s.spaceStep(ctx, spaceID, "entry_decide", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
		e := sp.Entry(entryID)
		if e == nil {
			return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not part of development space %q.", entryID, sp.ID).Keyed("error.devspace.entry_not_in_space", "Entry", entryID, "ID", sp.ID)
		}
		if !pubdata.CanDecideSpaceEntry(a, e.Provider) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins and reviewers of the entry's provider decide its use in a space.").Keyed("error.devspace.entry_forbidden")
		}
		if sp.Status != pubdata.SpacePending || e.Approval != pubdata.ApprovalPending {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "Entry %q of this space is not waiting for its provider's decision.", entryID).Keyed("error.devspace.entry_decided", "Entry", entryID)
		}
		to := pubdata.ApprovalRefused
		if approve {
			to = pubdata.ApprovalApproved
		}
		if _, err := tx.exec(ctx, "UPDATE devspace_entries SET approval = ?, decided_by = ?, decided_at = ?, reason = ? WHERE space_id = ? AND entry_id = ?",
			string(to), a.Username(), fmtTime(tx.now), reason, sp.ID, entryID); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE devspaces SET updated_at = ? WHERE id = ?", fmtTime(tx.now), sp.ID); err != nil {
			return nil, err
		}
		p := spaceParams(sp)
		p["entry"], p["decision"] = e.EntryTitle, string(to)
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeSpaceEntry, p, spaceLink(sp), "devspace:"+sp.ID), developerOf(sp)); err != nil {
			return nil, err
		}
		return map[string]any{"entry": entryID, "decision": string(to), "reason": reason}, nil
	})
}

// DecideSpace implements pubdata.DevSpaceService.
func (s *DevSpaceService) DecideSpace(ctx context.Context, id string, approve bool, reason string) (*pubdata.DevSpace, error) {
	reason, err := pubdata.ValidateSpaceReason(reason, !approve)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	return s.spaceStep(ctx, id, "decide", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
		if !pubdata.CanDecideSpace(a, sp) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins and reviewers of the authority covering the developer decide a development space.").Keyed("error.devspace.decide_forbidden")
		}
		if sp.Status != pubdata.SpacePending {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "Development space %q was already decided (%s).", sp.ID, sp.Status).Keyed("error.devspace.decided", "ID", sp.ID, "Status", string(sp.Status))
		}
		to, due := pubdata.SpaceRefused, ""
		if approve {
			if p := sp.PendingProviders(); len(p) > 0 {
				return nil, pubdata.Errorf(pubdata.ECONFLICT, "Waiting for the providers' decision on conditional entries: %s.", strings.Join(p, ", ")).
					Keyed("error.devspace.providers_pending", "Providers", strings.Join(p, ", "))
			}
			usable := false
			for _, e := range sp.Entries {
				usable = usable || e.Approval.Usable()
			}
			if !usable {
				return nil, pubdata.Errorf(pubdata.ECONFLICT, "The providers refused every entry of this space: it can only be refused.").Keyed("error.devspace.nothing_usable")
			}
			to, due = pubdata.SpaceApproved, pubdata.FirstReportDue(sp, pubdata.Today(tx.now))
		}
		now := fmtTime(tx.now)
		if _, err := tx.exec(ctx, "UPDATE devspaces SET status = ?, status_reason = ?, decided_by = ?, decided_at = ?, next_report_due = ?, updated_at = ? WHERE id = ?",
			string(to), reason, a.Username(), now, due, now, sp.ID); err != nil {
			return nil, err
		}
		p := spaceParams(sp)
		p["decision"], p["reason"] = string(to), reason
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeSpaceDecided, p, spaceLink(sp), "devspace:"+sp.ID), developerOf(sp)); err != nil {
			return nil, err
		}
		return map[string]any{"decision": string(to), "reason": reason, "next_report_due": due}, nil
	})
}

// SuspendSpace implements pubdata.DevSpaceService.
func (s *DevSpaceService) SuspendSpace(ctx context.Context, id, reason string) (*pubdata.DevSpace, error) {
	reason, err := pubdata.ValidateSpaceReason(reason, true)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	return s.spaceStep(ctx, id, "suspend", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
		if !a.Anonymous() && !pubdata.CanDecideSpace(a, sp) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins and reviewers of the authority covering the developer suspend a development space.").Keyed("error.devspace.suspend_forbidden")
		}
		return tx.suspendSpace(ctx, sp, reason)
	})
}

func (tx *Tx) suspendSpace(ctx context.Context, sp *pubdata.DevSpace, reason string) (map[string]any, error) {
	if sp.Status != pubdata.SpaceApproved {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Only an approved space can be suspended; development space %q is %s.", sp.ID, sp.Status).Keyed("error.devspace.not_suspendable", "ID", sp.ID, "Status", string(sp.Status))
	}
	now := fmtTime(tx.now)
	if _, err := tx.exec(ctx, "UPDATE devspaces SET status = ?, status_reason = ?, status_by = ?, status_at = ?, updated_at = ? WHERE id = ?",
		string(pubdata.SpaceSuspended), reason, pubdata.ActorFromContext(ctx).Username(), now, now, sp.ID); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, sp.Division)
	if err != nil {
		return nil, err
	}
	p := spaceParams(sp)
	p["reason"] = reason
	parties := developerOf(sp)
	parties.Authorities = authorities(auth)
	if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeSpaceSuspended, p, spaceLink(sp), "devspace:"+sp.ID), parties); err != nil {
		return nil, err
	}
	return map[string]any{"reason": reason, "next_report_due": sp.NextDue}, nil
}

// ReinstateSpace implements pubdata.DevSpaceService.
func (s *DevSpaceService) ReinstateSpace(ctx context.Context, id, reason string) (*pubdata.DevSpace, error) {
	reason, err := pubdata.ValidateSpaceReason(reason, true)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	return s.spaceStep(ctx, id, "reinstate", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
		if !pubdata.CanDecideSpace(a, sp) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins and reviewers of the authority covering the developer reinstate a development space.").Keyed("error.devspace.suspend_forbidden")
		}
		if sp.Status != pubdata.SpaceSuspended {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "Development space %q is not suspended.", sp.ID).Keyed("error.devspace.not_suspended", "ID", sp.ID)
		}
		now := fmtTime(tx.now)
		if _, err := tx.exec(ctx, "UPDATE devspaces SET status = ?, status_reason = ?, status_by = ?, status_at = ?, updated_at = ? WHERE id = ?",
			string(pubdata.SpaceApproved), reason, a.Username(), now, now, sp.ID); err != nil {
			return nil, err
		}
		p := spaceParams(sp)
		p["reason"] = reason
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeSpaceReinstated, p, spaceLink(sp), "devspace:"+sp.ID), developerOf(sp)); err != nil {
			return nil, err
		}
		return map[string]any{"reason": reason}, nil
	})
}

// CloseSpace implements pubdata.DevSpaceService.
func (s *DevSpaceService) CloseSpace(ctx context.Context, id, reason string) (*pubdata.DevSpace, error) {
	reason, err := pubdata.ValidateSpaceReason(reason, true)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	operator, err := s.IsOperator(ctx, a.OrgCode())
	if err != nil {
		return nil, err
	}
	return s.spaceStep(ctx, id, "close", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
		if !pubdata.CanCloseSpace(a, sp, operator) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the first-level operators and the authority covering the developer close a development space.").Keyed("error.devspace.close_forbidden")
		}
		if sp.Status != pubdata.SpaceApproved && sp.Status != pubdata.SpaceSuspended {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "Only an approved or suspended space can be closed; development space %q is %s.", sp.ID, sp.Status).Keyed("error.devspace.not_closable", "ID", sp.ID, "Status", string(sp.Status))
		}
		now := fmtTime(tx.now)
		if _, err := tx.exec(ctx, "UPDATE devspaces SET status = ?, status_reason = ?, status_by = ?, status_at = ?, next_report_due = '', updated_at = ? WHERE id = ?",
			string(pubdata.SpaceClosed), reason, a.Username(), now, now, sp.ID); err != nil {
			return nil, err
		}
		return map[string]any{"reason": reason, "operator": operator}, nil
	})
}

// FileSpaceReport implements pubdata.DevSpaceService.
func (s *DevSpaceService) FileSpaceReport(ctx context.Context, id, usage, outputs string) (*pubdata.DevSpaceReport, error) {
	usage, outputs = strings.TrimSpace(usage), strings.TrimSpace(outputs)
	if usage == "" {
		return nil, pubdata.FieldErrorf("usage", "Say how the space's data was used in the period.").Keyed("error.devspace.usage_required")
	}
	if len([]rune(usage)) > pubdata.MaxSpaceText || len([]rune(outputs)) > pubdata.MaxSpaceText {
		return nil, pubdata.FieldErrorf("usage", "A report's text is at most %d characters.", pubdata.MaxSpaceText).Keyed("error.devspace.too_long", "Field", "usage", "Max", pubdata.MaxSpaceText)
	}
	a := pubdata.ActorFromContext(ctx)
	var rep *pubdata.DevSpaceReport
	_, err := s.spaceStep(ctx, id, "report", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
		if !pubdata.IsSpaceDeveloper(a, sp) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the space's developer files its usage reports.").Keyed("error.devspace.developer_only")
		}
		if (sp.Status != pubdata.SpaceApproved && sp.Status != pubdata.SpaceSuspended) || sp.NextDue == "" {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "No usage report is due for development space %q.", sp.ID).Keyed("error.devspace.no_report_due", "ID", sp.ID)
		}
		rep = &pubdata.DevSpaceReport{ID: newID(), SpaceID: sp.ID, Due: sp.NextDue, Usage: usage, Outputs: outputs, Late: pubdata.Today(tx.now) > sp.NextDue,
			FiledBy: a.Username(), FiledAt: tx.now}
		if _, err := tx.exec(ctx, "INSERT INTO devspace_reports (id, space_id, due, usage_text, outputs, late, filed_by, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			rep.ID, rep.SpaceID, rep.Due, rep.Usage, rep.Outputs, boolInt(rep.Late), rep.FiledBy, fmtTime(tx.now)); err != nil {
			return nil, err
		}
		next := pubdata.NextReportDue(sp, sp.NextDue)
		if _, err := tx.exec(ctx, "UPDATE devspaces SET next_report_due = ?, updated_at = ? WHERE id = ?", next, fmtTime(tx.now), sp.ID); err != nil {
			return nil, err
		}
		return map[string]any{"report": rep.ID, "due": rep.Due, "late": rep.Late, "next_report_due": next}, nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// SpaceReports implements pubdata.DevSpaceService.
func (s *DevSpaceService) SpaceReports(ctx context.Context, id string) ([]*pubdata.DevSpaceReport, error) {
	rows, err := s.db.query(ctx, "SELECT id, space_id, due, usage_text, outputs, late, filed_by, filed_at FROM devspace_reports WHERE space_id = ? ORDER BY due DESC LIMIT ?", id, pubdata.MaxLimit)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (*pubdata.DevSpaceReport, error) {
		var r pubdata.DevSpaceReport
		var late int
		err := sc.Scan(&r.ID, &r.SpaceID, &r.Due, &r.Usage, &r.Outputs, &late, &r.FiledBy, timeCol{&r.FiledAt})
		r.Late = late != 0
		return &r, err
	})
	if out == nil {
		out = []*pubdata.DevSpaceReport{}
	}
	return out, err
}

// useChecked checks in tx that the actor may use the space for use on the entry, counts
// the use and records "devspace.use".
func (tx *Tx) useChecked(ctx context.Context, sp *pubdata.DevSpace, entryID, use string, details map[string]any) error {
	if !pubdata.IsSpaceDeveloper(pubdata.ActorFromContext(ctx), sp) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the space's developer works in it.").Keyed("error.devspace.developer_only")
	}
	if err := sp.CheckUse(tx.now, entryID, use); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "UPDATE devspaces SET uses = uses + 1 WHERE id = ?", sp.ID); err != nil {
		return err
	}
	d := map[string]any{"use": use, "entry": entryID}
	for k, v := range details {
		d[k] = v
	}
	return tx.record(ctx, change{Action: "devspace.use", Object: "devspace:" + sp.ID, Details: d})
}

// RecordSpaceUse implements pubdata.DevSpaceService.
func (s *DevSpaceService) RecordSpaceUse(ctx context.Context, spaceID, entryID, use string, details map[string]any) (*pubdata.DevSpace, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sp, err := tx.lockedSpace(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	if err := tx.useChecked(ctx, sp, entryID, use, details); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	sp.Uses++
	return sp, nil
}

// RecordSpaceRefusal implements pubdata.DevSpaceService.
func (s *DevSpaceService) RecordSpaceRefusal(ctx context.Context, spaceID, entryID, use string, refusal error) error {
	if refusal == nil {
		return nil
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sp, err := tx.lockedSpace(ctx, spaceID)
	if err != nil {
		return err
	}
	reason := refusal.Error()
	if r := []rune(reason); len(r) > pubdata.MaxSpaceReason {
		reason = string(r[:pubdata.MaxSpaceReason])
	}
	if err := tx.record(ctx, change{Action: "devspace.use_refused", Object: "devspace:" + sp.ID, Details: map[string]any{"use": use, "entry": entryID,
		"code": pubdata.ErrorCode(refusal), "reason": reason}}); err != nil {
		return err
	}
	return tx.Commit()
}

const runColumns = "id, space_id, entry_id, kind, config, report, blob, sha256, sm3, size, row_count, entry_version, batch_id, as_of, actor, created_at"

func scanRun(sc scanner) (*pubdata.DevSpaceRun, error) {
	var r pubdata.DevSpaceRun
	var cfg, rep string
	if err := sc.Scan(&r.ID, &r.SpaceID, &r.EntryID, &r.Kind, &cfg, &rep, &r.Blob, &r.SHA256, &r.SM3, &r.Size, &r.Rows, &r.EntryVersion, &r.BatchID,
		timeCol{&r.AsOf}, &r.Actor, timeCol{&r.CreatedAt}); err != nil {
		return nil, err
	}
	r.Config, r.Report = json.RawMessage(cfg), json.RawMessage(rep)
	return &r, nil
}

// AddSpaceRun implements pubdata.DevSpaceService.
func (s *DevSpaceService) AddSpaceRun(ctx context.Context, run *pubdata.DevSpaceRun) (*pubdata.DevSpaceRun, error) {
	if run.Kind != pubdata.SpaceUseAnonymise && run.Kind != pubdata.SpaceUseAggregate {
		return nil, pubdata.Errorf(pubdata.EINVALID, "A run is an anonymisation or an aggregate, not %q.", run.Kind).Keyed("error.devspace.run_kind", "Kind", run.Kind)
	}
	if !json.Valid(run.Config) || !json.Valid(run.Report) {
		return nil, errors.New("devspace run: config and report must be JSON")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sp, err := tx.lockedSpace(ctx, run.SpaceID)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.IsSpaceDeveloper(a, sp) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the space's developer works in it.").Keyed("error.devspace.developer_only")
	}
	if err := sp.CheckUse(tx.now, run.EntryID, run.Kind); err != nil {
		return nil, err
	}
	run.ID, run.Actor, run.CreatedAt = newID(), a.Username(), tx.now
	if run.AsOf.IsZero() {
		run.AsOf = tx.now
	}
	if _, err := tx.exec(ctx, "INSERT INTO devspace_runs ("+runColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		run.ID, run.SpaceID, run.EntryID, run.Kind, string(run.Config), string(run.Report), run.Blob, run.SHA256, run.SM3, run.Size, run.Rows,
		run.EntryVersion, run.BatchID, fmtTime(run.AsOf), run.Actor, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "devspace.run", Object: "devspace:" + sp.ID, Details: map[string]any{"run": run.ID, "kind": run.Kind,
		"entry": run.EntryID, "entry_version": run.EntryVersion, "batch": run.BatchID, "rows": run.Rows, "sha256": run.SHA256, "config": run.Config}}); err != nil {
		return nil, err
	}
	// The completed run is the use: counted and recorded with it.
	if err := tx.useChecked(ctx, sp, run.EntryID, run.Kind, map[string]any{"run": run.ID}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return run, nil
}

// SpaceRun implements pubdata.DevSpaceService.
func (s *DevSpaceService) SpaceRun(ctx context.Context, id string) (*pubdata.DevSpaceRun, error) {
	r, err := scanRun(s.db.queryRow(ctx, "SELECT "+runColumns+" FROM devspace_runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Run %q was not found.", id).Keyed("error.devspace.run_not_found", "ID", id)
	}
	return r, err
}

// SpaceRuns implements pubdata.DevSpaceService.
func (s *DevSpaceService) SpaceRuns(ctx context.Context, spaceID string) ([]*pubdata.DevSpaceRun, error) {
	rows, err := s.db.query(ctx, "SELECT "+runColumns+" FROM devspace_runs WHERE space_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", spaceID, pubdata.MaxLimit)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanRun)
	if out == nil {
		out = []*pubdata.DevSpaceRun{}
	}
	return out, err
}

// DesignateOperator implements pubdata.DevSpaceService.
func (s *DevSpaceService) DesignateOperator(ctx context.Context, org string) error {
	a := pubdata.ActorFromContext(ctx)
	if !a.Anonymous() && !pubdata.CanDesignateOperator(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the platform authority's admins name first-level operators.").Keyed("error.devspace.operator_forbidden")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var kind string
	if err := tx.queryRow(ctx, "SELECT kind FROM orgs WHERE code = ?", org).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
		return pubdata.FieldErrorf("org", "Organisation %q not found.", org).Keyed("error.sanction.org_not_found", "Org", org)
	} else if err != nil {
		return err
	}
	if kind == string(pubdata.KindAuthority) {
		return pubdata.FieldErrorf("org", "An authority decides spaces; name a public body or a company as operator.").Keyed("error.devspace.operator_authority")
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM devspace_operators WHERE org = ?", org).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.exec(ctx, "INSERT INTO devspace_operators (org, designated_by, designated_at) VALUES (?, ?, ?)", org, a.Username(), fmtTime(tx.now)); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "devspace.operator", Object: "org:" + org, Details: map[string]any{"designated": true}}); err != nil {
		return err
	}
	return tx.Commit()
}

// RemoveOperator implements pubdata.DevSpaceService.
func (s *DevSpaceService) RemoveOperator(ctx context.Context, org string) error {
	a := pubdata.ActorFromContext(ctx)
	if !a.Anonymous() && !pubdata.CanDesignateOperator(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the platform authority's admins name first-level operators.").Keyed("error.devspace.operator_forbidden")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "DELETE FROM devspace_operators WHERE org = ?", org)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q is not a first-level operator.", org).Keyed("error.devspace.not_operator", "Org", org)
	}
	if err := tx.record(ctx, change{Action: "devspace.operator", Object: "org:" + org, Details: map[string]any{"designated": false}}); err != nil {
		return err
	}
	return tx.Commit()
}

// Operators implements pubdata.DevSpaceService.
func (s *DevSpaceService) Operators(ctx context.Context) ([]string, error) {
	rows, err := s.db.query(ctx, "SELECT org FROM devspace_operators ORDER BY org")
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (string, error) {
		var o string
		return o, sc.Scan(&o)
	})
	if out == nil {
		out = []string{}
	}
	return out, err
}

// IsOperator implements pubdata.DevSpaceService.
func (s *DevSpaceService) IsOperator(ctx context.Context, org string) (bool, error) {
	if org == "" {
		return false, nil
	}
	var n int
	err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM devspace_operators WHERE org = ?", org).Scan(&n)
	return n > 0, err
}

// RunSchedule implements pubdata.DevSpaceService: each space's step in its own transaction.
func (s *DevSpaceService) RunSchedule(ctx context.Context, now time.Time) (reminded, suspended int, err error) {
	today := pubdata.Today(now)
	rows, err := s.db.query(ctx, "SELECT id FROM devspaces WHERE status = ? AND next_report_due <> '' ORDER BY next_report_due, id LIMIT ?", string(pubdata.SpaceApproved), 10000)
	if err != nil {
		return 0, 0, err
	}
	ids, err := scanRows(rows, func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	if err != nil {
		return 0, 0, err
	}
	sys := pubdata.NewContextWithActor(ctx, &pubdata.Actor{})
	for _, id := range ids {
		sp, err := s.Space(ctx, id)
		if err != nil {
			return reminded, suspended, err
		}
		switch pubdata.ScheduleStep(sp, today) {
		case pubdata.ScheduleRemind:
			if _, err := s.spaceStep(sys, id, "remind", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
				if pubdata.ScheduleStep(sp, today) != pubdata.ScheduleRemind {
					return nil, errSkip
				}
				if _, err := tx.exec(ctx, "UPDATE devspaces SET reminded_due = ? WHERE id = ?", sp.NextDue, sp.ID); err != nil {
					return nil, err
				}
				p := spaceParams(sp)
				p["due"] = sp.NextDue
				if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeSpaceReportDue, p, spaceLink(sp), "devspace:"+sp.ID), developerOf(sp)); err != nil {
					return nil, err
				}
				return map[string]any{"due": sp.NextDue}, nil
			}); err != nil && !errors.Is(err, errSkip) {
				return reminded, suspended, err
			} else if err == nil {
				reminded++
			}
		case pubdata.ScheduleSuspend:
			if _, err := s.spaceStep(sys, id, "suspend", func(tx *Tx, sp *pubdata.DevSpace) (map[string]any, error) {
				if pubdata.ScheduleStep(sp, today) != pubdata.ScheduleSuspend {
					return nil, errSkip
				}
				d, err := tx.suspendSpace(pubdata.NewContextWithActor(ctx, &pubdata.Actor{}), sp, "usage report due "+sp.NextDue+" is overdue")
				if d != nil {
					d["overdue"] = sp.NextDue
				}
				return d, err
			}); err != nil && !errors.Is(err, errSkip) {
				return reminded, suspended, err
			} else if err == nil {
				suspended++
			}
		}
	}
	return reminded, suspended, nil
}

// errSkip ends a schedule step whose space changed since it was listed.
var errSkip = errors.New("devspace: step no longer due")
