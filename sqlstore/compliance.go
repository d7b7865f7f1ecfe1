package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Non-compliance and rectification (H3, pubdata/compliance.go): the facts of a division's
// units, gathered by plain queries (the findings are the domain's pure function of them),
// and rectification orders with their history, each step recorded and notified in its
// transaction.

// ComplianceService implements pubdata.ComplianceService.
type ComplianceService struct{ db *DB }

// NewComplianceService returns the compliance facts and rectification orders on db.
func NewComplianceService(db *DB) *ComplianceService { return &ComplianceService{db: db} }

// Facts implements pubdata.ComplianceService. Every query is limited to the division.
func (s *ComplianceService) Facts(ctx context.Context, division string, now time.Time) (*pubdata.ComplianceFacts, error) {
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	in := likePrefix(pubdata.DivisionPrefix(division))
	f := &pubdata.ComplianceFacts{}
	rows, err := tx.query(ctx, `SELECT o.code, o.name, o.division, (SELECT COUNT(*) FROM catalog c WHERE c.org = o.code), o.security_officer FROM orgs o
		WHERE o.kind = 'public_body' AND COALESCE(o.status, '') <> 'terminated' AND o.division LIKE ? ESCAPE '\' ORDER BY o.code`, in)
	if err != nil {
		return nil, err
	}
	if f.Units, err = scanRows(rows, func(sc scanner) (pubdata.UnitFact, error) {
		var u pubdata.UnitFact
		return u, sc.Scan(&u.Org, &u.Name, &u.Division, &u.Published, &u.SecurityOfficer)
	}); err != nil {
		return nil, err
	}
	// G8: the units' systems and their protection records.
	rows, err = tx.query(ctx, `SELECT s.id, s.name, s.org, o.name, o.division, s.protection_level, s.filing_number, s.filed_on
		FROM information_systems s JOIN orgs o ON o.code = s.org
		WHERE o.kind = 'public_body' AND COALESCE(o.status, '') <> 'terminated' AND o.division LIKE ? ESCAPE '\' ORDER BY s.org, s.name, s.id`, in)
	if err != nil {
		return nil, err
	}
	if f.Systems, err = scanRows(rows, func(sc scanner) (pubdata.SystemFact, error) {
		var s pubdata.SystemFact
		return s, sc.Scan(&s.ID, &s.Name, &s.Org, &s.OrgName, &s.Division, &s.Level, &s.FilingNumber, &s.FiledOn)
	}); err != nil {
		return nil, err
	}
	rows, err = tx.query(ctx, `SELECT c.entry_id, c.title, c.org, COALESCE(o.name, ''), c.division, c.update_cycle, t.last_loaded_at
		FROM catalog c LEFT JOIN data_tables t ON t.entry_id = c.entry_id LEFT JOIN orgs o ON o.code = c.org
		WHERE c.format = 'table' AND c.division LIKE ? ESCAPE '\' ORDER BY c.org, c.entry_id`, in)
	if err != nil {
		return nil, err
	}
	if f.Tables, err = scanRows(rows, func(sc scanner) (pubdata.TableFact, error) {
		var t pubdata.TableFact
		var last nullTime
		err := sc.Scan(&t.Entry, &t.Title, &t.Org, &t.OrgName, &t.Division, &t.UpdateCycle, &last)
		t.LastLoadedAt = last.t
		return t, err
	}); err != nil {
		return nil, err
	}
	due := func(q string) ([]pubdata.DueFact, error) {
		rows, err := tx.query(ctx, q, fmtTime(now), in)
		if err != nil {
			return nil, err
		}
		return scanRows(rows, func(sc scanner) (pubdata.DueFact, error) {
			var d pubdata.DueFact
			return d, sc.Scan(&d.ID, &d.Entry, &d.Title, &d.Org, &d.OrgName, &d.Division, timeCol{&d.Due})
		})
	}
	if f.Applications, err = due(`SELECT a.id, a.entry_id, a.entry_title, a.provider, COALESCE(o.name, ''), a.division, a.due_at
		FROM applications a LEFT JOIN orgs o ON o.code = a.provider
		WHERE a.status = 'pending' AND a.due_at < ? AND a.division LIKE ? ESCAPE '\' ORDER BY a.due_at`); err != nil {
		return nil, err
	}
	if f.Objections, err = due(`SELECT j.id, j.entry_id, j.entry_title, j.provider, COALESCE(o.name, ''), j.division, j.due_at
		FROM objections j LEFT JOIN orgs o ON o.code = j.provider
		WHERE j.status = 'open' AND j.due_at < ? AND j.division LIKE ? ESCAPE '\' ORDER BY j.due_at`); err != nil {
		return nil, err
	}
	// Problem tickets waiting for the provider's answer past their due time (ticket.go).
	if f.Tickets, err = due(`SELECT t.id, t.entry_id, t.entry_title, t.provider, COALESCE(o.name, ''), t.division, t.due_at
		FROM tickets t LEFT JOIN orgs o ON o.code = t.provider
		WHERE t.status IN ('open', 'reopened', 'escalated') AND t.due_at < ? AND t.division LIKE ? ESCAPE '\' ORDER BY t.due_at`); err != nil {
		return nil, err
	}
	rows, err = tx.query(ctx, `SELECT s.entry_id, c.title, c.org, COALESCE(o.name, ''), c.division, s.failures, s.last_failed_at
		FROM service_endpoints s JOIN catalog c ON c.entry_id = s.entry_id LEFT JOIN orgs o ON o.code = c.org
		WHERE s.failures >= ? AND c.division LIKE ? ESCAPE '\' ORDER BY c.org, s.entry_id`, pubdata.EndpointFailingCalls, in)
	if err != nil {
		return nil, err
	}
	if f.Endpoints, err = scanRows(rows, func(sc scanner) (pubdata.EndpointFact, error) {
		var e pubdata.EndpointFact
		var last nullTime
		err := sc.Scan(&e.Entry, &e.Title, &e.Org, &e.OrgName, &e.Division, &e.Failures, &last)
		e.LastFailedAt = last.t
		return e, err
	}); err != nil {
		return nil, err
	}
	// Open entries whose published version declares obtained codes (E3): the version's JSON
	// names "obtained" only when it holds some.
	rows, err = tx.query(ctx, `SELECT c.entry_id, c.title, c.org, COALESCE(o.name, ''), c.division, v.doc
		FROM catalog c JOIN entry_versions v ON v.entry_id = c.entry_id AND v.version = c.version LEFT JOIN orgs o ON o.code = c.org
		WHERE c.open_class IN ('unconditional', 'conditional') AND c.division LIKE ? ESCAPE '\' AND v.doc LIKE ? ORDER BY c.org, c.entry_id`, in, `%"obtained":[%`)
	if err != nil {
		return nil, err
	}
	if f.Opened, err = scanRows(rows, func(sc scanner) (pubdata.OpenedFact, error) {
		var o pubdata.OpenedFact
		var doc string
		if err := sc.Scan(&o.Entry, &o.Title, &o.Org, &o.OrgName, &o.Division, &doc); err != nil {
			return o, err
		}
		var fields pubdata.EntryFields
		err := json.Unmarshal([]byte(doc), &fields)
		o.Obtained = fields.Obtained
		return o, err
	}); err != nil {
		return nil, err
	}
	return f, nil
}

const rectColumns = "r.id, r.org, COALESCE(o.name, ''), r.division, r.authority, r.issued_by, r.findings, r.request, r.workdays, r.due, r.due_at, r.due_covered, r.status, r.answer, r.answered_by, r.answered_at, r.note, r.overdue, r.created_at, r.updated_at"

const rectFrom = " FROM rectifications r LEFT JOIN orgs o ON o.code = r.org"

func scanRectification(sc scanner) (*pubdata.Rectification, error) {
	r := &pubdata.Rectification{}
	var findings string
	var covered, overdue int
	var answered nullTime
	if err := sc.Scan(&r.ID, &r.Org, &r.OrgName, &r.Division, &r.Authority, &r.IssuedBy, &findings, &r.Request, &r.Workdays, &r.Due, timeCol{&r.DueAt}, &covered,
		&r.Status, &r.Answer, &r.AnsweredBy, &answered, &r.Note, &overdue, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}); err != nil {
		return nil, err
	}
	r.DueCovered, r.Overdue, r.AnsweredAt = covered != 0, overdue != 0, answered.t
	return r, json.Unmarshal([]byte(findings), &r.Findings)
}

func notFoundRectification(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Rectification order %q not found.", id).Keyed("error.rectification.not_found", "ID", id)
}

func rectLink(id string) string { return "/console/rectifications/" + id }

// rectEvent writes a step of an order's history.
func (tx *Tx) rectEvent(ctx context.Context, id, step string, from, to pubdata.RectificationStatus, actor, text string) error {
	_, err := tx.exec(ctx, "INSERT INTO rectification_events (id, rectification_id, step, from_status, to_status, actor, text, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		newID(), id, step, string(from), string(to), actor, text, fmtTime(tx.now))
	return err
}

func rectDetails(r *pubdata.Rectification) map[string]any {
	refs := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		refs[i] = f.Ref()
	}
	return map[string]any{"org": r.Org, "authority": r.Authority, "findings": refs, "request": r.Request, "workdays": r.Workdays,
		"due": r.Due, "due_covered": r.DueCovered, "status": r.Status}
}

// Issue implements pubdata.ComplianceService.
func (s *ComplianceService) Issue(ctx context.Context, c *pubdata.RectificationCreate, findings []pubdata.ComplianceFinding) (*pubdata.Rectification, error) {
	if err := pubdata.ValidateRectificationCreate(c); err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var division, name string
	err = tx.queryRow(ctx, "SELECT division, name FROM orgs WHERE code = ?", c.Org).Scan(&division, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", c.Org).Keyed("error.org.not_found", "Org", c.Org)
	} else if err != nil {
		return nil, err
	}
	cal, err := tx.calendar(ctx)
	if err != nil {
		return nil, err
	}
	dueAt := cal.AddWorkdays(tx.now, c.Workdays)
	r := &pubdata.Rectification{ID: newID(), Org: c.Org, OrgName: name, Division: division, Authority: a.OrgCode(), IssuedBy: a.Username(),
		Findings: findings, Request: c.Request, Workdays: c.Workdays, Due: pubdata.Today(dueAt), DueAt: dueAt.UTC(),
		DueCovered: cal.SpanCovered(tx.now, dueAt), Status: pubdata.RectificationIssued}
	doc, err := json.Marshal(findings)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO rectifications (id, org, division, authority, issued_by, findings, request, workdays, due, due_at, due_covered, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Org, r.Division, r.Authority, r.IssuedBy, string(doc), r.Request, r.Workdays, r.Due, fmtTime(r.DueAt), boolInt(r.DueCovered), string(r.Status),
		fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.rectEvent(ctx, r.ID, "issue", "", r.Status, r.IssuedBy, r.Request); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "rectification.issue", Object: "rectification:" + r.ID, Details: rectDetails(r)}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeRectificationIssued, map[string]string{"org": name, "count": strconv.Itoa(len(findings)), "due": r.Due},
		rectLink(r.ID), "rectification:"+r.ID)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: r.Org, Authorities: authorities(r.Authority)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Find(ctx, r.ID)
}

// Step implements pubdata.ComplianceService.
func (s *ComplianceService) Step(ctx context.Context, id string, step pubdata.RectificationStep, text string) (*pubdata.Rectification, error) {
	field := "note"
	if step == pubdata.RectificationAnswer {
		field = "answer"
	}
	text, err := pubdata.ValidateRectificationText(field, text, step != pubdata.RectificationClose)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := scanRectification(tx.queryRow(ctx, "SELECT "+rectColumns+rectFrom+" WHERE r.id = ?"+tx.db.forUpdateOf("r"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundRectification(id)
	} else if err != nil {
		return nil, err
	}
	next, err := pubdata.NextRectificationStatus(r.Status, step)
	if err != nil {
		return nil, err
	}
	if step == pubdata.RectificationAnswer {
		_, err = tx.exec(ctx, "UPDATE rectifications SET status = ?, answer = ?, answered_by = ?, answered_at = ?, updated_at = ? WHERE id = ?",
			string(next), text, a.Username(), fmtTime(tx.now), fmtTime(tx.now), id)
	} else {
		_, err = tx.exec(ctx, "UPDATE rectifications SET status = ?, note = ?, updated_at = ? WHERE id = ?", string(next), text, fmtTime(tx.now), id)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.rectEvent(ctx, id, string(step), r.Status, next, a.Username(), text); err != nil {
		return nil, err
	}
	details := map[string]any{"org": r.Org, "from": r.Status, "to": next, field: text, "late": r.Overdue}
	if err := tx.record(ctx, change{Action: "rectification." + string(step), Object: "rectification:" + id, Details: details}); err != nil {
		return nil, err
	}
	key := map[pubdata.RectificationStep]string{pubdata.RectificationAnswer: pubdata.NoticeRectificationAnswered,
		pubdata.RectificationClose: pubdata.NoticeRectificationClosed, pubdata.RectificationReturn: pubdata.NoticeRectificationReturned}[step]
	n := pubdata.NewNotification(key, map[string]string{"org": r.OrgName, "due": r.Due}, rectLink(id), "rectification:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: r.Org, Authorities: authorities(r.Authority)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Find(ctx, id)
}

// Find implements pubdata.ComplianceService.
func (s *ComplianceService) Find(ctx context.Context, id string) (*pubdata.Rectification, error) {
	r, err := scanRectification(s.db.queryRow(ctx, "SELECT "+rectColumns+rectFrom+" WHERE r.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundRectification(id)
	} else if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, "SELECT step, from_status, to_status, actor, text, time FROM rectification_events WHERE rectification_id = ? ORDER BY time, id", id)
	if err != nil {
		return nil, err
	}
	r.Events, err = scanRows(rows, func(sc scanner) (pubdata.RectificationEvent, error) {
		var e pubdata.RectificationEvent
		return e, sc.Scan(&e.Step, &e.From, &e.To, &e.Actor, &e.Text, timeCol{&e.Time})
	})
	return r, err
}

// List implements pubdata.ComplianceService.
func (s *ComplianceService) List(ctx context.Context, f pubdata.RectificationFilter) ([]*pubdata.Rectification, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	var c conds
	c.eq("r.org", f.Org)
	if f.DivisionPrefix != "" {
		c.add(`r.division LIKE ? ESCAPE '\'`, likePrefix(f.DivisionPrefix))
	}
	c.eq("r.status", f.Status)
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		at, id, _ := strings.Cut(after, "\x00")
		c.add("(r.created_at < ? OR (r.created_at = ? AND r.id < ?))", at, at, id)
	}
	rows, err := s.db.query(ctx, "SELECT "+rectColumns+rectFrom+c.sql()+" ORDER BY r.created_at DESC, r.id DESC LIMIT ?", append(c.args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	list, err := scanRows(rows, scanRectification)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor(fmtTime(last.CreatedAt) + "\x00" + last.ID)
	}
	return list, next, nil
}

// MarkOverdue implements pubdata.ComplianceService: each order is marked by one transaction
// that acts only while it is still unanswered and unmarked.
func (s *ComplianceService) MarkOverdue(ctx context.Context, now time.Time) (int, error) {
	return s.db.eachOnce(ctx, "SELECT id FROM rectifications WHERE status IN ('issued', 'returned') AND overdue = 0 AND due_at < ? ORDER BY due_at", []any{fmtTime(now)}, s.markOverdue)
}

func (s *ComplianceService) markOverdue(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE rectifications SET overdue = 1 WHERE id = ? AND status IN ('issued', 'returned') AND overdue = 0", id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	r, err := scanRectification(tx.queryRow(ctx, "SELECT "+rectColumns+rectFrom+" WHERE r.id = ?", id))
	if err != nil {
		return false, err
	}
	if err := tx.rectEvent(ctx, id, "overdue", r.Status, r.Status, "", ""); err != nil {
		return false, err
	}
	if err := tx.record(ctx, change{Actor: "system", Org: r.Org, Division: r.Division, Action: "rectification.overdue", Object: "rectification:" + id,
		Details: map[string]any{"org": r.Org, "authority": r.Authority, "due": r.Due, "status": r.Status}}); err != nil {
		return false, err
	}
	n := pubdata.NewNotification(pubdata.NoticeRectificationOverdue, map[string]string{"org": r.OrgName, "due": r.Due}, rectLink(id), "rectification:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: r.Org, Authorities: authorities(r.Authority)}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
