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

var (
	_ pubdata.ApplicationService  = (*ApplicationService)(nil)
	_ pubdata.NotificationService = (*NotificationService)(nil)
)

// ApplicationService implements pubdata.ApplicationService: applications, their transitions
// (application_events), the grants approvals make, and the notifications each transition
// sends, all written with the audit event in the transaction of the change.
type ApplicationService struct {
	db      *DB
	entries *EntryService
	// ReplyDays are the settings that due dates are counted with (zero: the profile's).
	ReplyDays pubdata.ReplyDays
	// Profile is the platform's regional rules (profile.go; nil: the default): its reply
	// days, under the division rules stored in division_rules, and its negative-list regime.
	Profile *pubdata.Profile
}

// NewApplicationService returns the application service on db.
func NewApplicationService(db *DB) *ApplicationService {
	return &ApplicationService{db: db, entries: NewEntryService(db)}
}

const appColumns = "a.id, a.kind, a.entry_id, a.entry_title, a.division, a.provider, COALESCE(po.name, ''), a.applicant, a.applicant_org, COALESCE(ao.name, ''), " +
	"a.items, a.purpose, a.basis, a.until, a.accept_terms, a.status, a.due, a.due_at, a.overdue, a.escalated, a.reason, a.decision_basis, a.decided_by, a.decided_at, " +
	"a.dispute_reason, a.disputed_at, a.grant_id, a.created_at, a.updated_at, a.demand_type, a.major_interest, a.due_covered"

const appFrom = " FROM applications a LEFT JOIN orgs po ON po.code = a.provider LEFT JOIN orgs ao ON ao.code = a.applicant_org"

func scanApplication(sc interface{ Scan(...any) error }) (*pubdata.Application, error) {
	var a pubdata.Application
	var items string
	var terms, overdue, escalated, covered int
	var decided, disputed nullTime
	err := sc.Scan(&a.ID, &a.Kind, &a.Entry, &a.EntryTitle, &a.Division, &a.Provider, &a.ProviderName, &a.Applicant, &a.ApplicantOrg, &a.ApplicantOrgName,
		&items, &a.Purpose, &a.Basis, &a.Until, &terms, &a.Status, &a.Due, timeCol{&a.DueAt}, &overdue, &escalated, &a.Reason, &a.DecBasis, &a.DecidedBy, &decided,
		&a.DisputeReason, &disputed, &a.Grant, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.DemandType, &a.MajorInterest, &covered)
	if err != nil {
		return nil, err
	}
	a.AcceptTerms, a.Overdue, a.Escalated, a.DecidedAt, a.DisputedAt, a.DueCovered = terms != 0, overdue != 0, escalated != 0, decided.t, disputed.t, covered != 0
	if err := json.Unmarshal([]byte(items), &a.Items); err != nil {
		return nil, fmt.Errorf("application %s items: %w", a.ID, err)
	}
	if a.Items == nil {
		a.Items = []string{}
	}
	return &a, nil
}

func notFoundApplication(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Application %q not found.", id).Keyed("error.application.not_found", "ID", id)
}

func notFoundGrant(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Grant %q not found.", id).Keyed("error.grant.not_found", "ID", id)
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// application reads an application inside tx, locking its row.
func (tx *Tx) application(ctx context.Context, id string) (*pubdata.Application, error) {
	a, err := scanApplication(tx.queryRow(ctx, "SELECT "+appColumns+appFrom+" WHERE a.id = ?"+tx.db.forUpdateOf("a"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundApplication(id)
	}
	return a, err
}

// appEvent writes one transition of app.
func (tx *Tx) appEvent(ctx context.Context, appID, action string, from, to pubdata.ApplicationStatus, reason string) error {
	a := pubdata.ActorFromContext(ctx)
	_, err := tx.exec(ctx, "INSERT INTO application_events (id, application_id, action, from_status, to_status, actor, org, reason, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		newID(), appID, action, string(from), string(to), a.Username(), a.OrgCode(), reason, fmtTime(tx.now))
	return err
}

// notify writes the notification to its recipients, as the domain's rule for its key names
// them from the event's parties (pubdata.NoticeRecipients).
func (tx *Tx) notify(ctx context.Context, n *pubdata.Notification, parties pubdata.NoticeParties) error {
	params, _ := json.Marshal(n.Params)
	for _, t := range pubdata.NoticeRecipients(n.Key, parties) {
		if t.User == "" && t.Org == "" {
			continue
		}
		if _, err := tx.exec(ctx, "INSERT INTO notifications (id, username, org, role, nkey, params, link, object, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			newID(), t.User, t.Org, string(t.Role), n.Key, string(params), n.Link, n.Object, fmtTime(tx.now)); err != nil {
			return fmt.Errorf("notification: %w", err)
		}
	}
	return nil
}

// authorities is the parties' authority list of one covering authority ("" none).
func authorities(code string) []string {
	if code == "" {
		return nil
	}
	return []string{code}
}

// coveringAuthority returns the code of the nearest authority whose division covers
// division ("" when none).
func (tx *Tx) coveringAuthority(ctx context.Context, division string) (string, error) {
	rows, err := tx.query(ctx, "SELECT code, division FROM orgs WHERE kind = 'authority' ORDER BY code")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	best, bestDiv := "", ""
	for rows.Next() {
		var code, div string
		if err := rows.Scan(&code, &div); err != nil {
			return "", err
		}
		if !pubdata.DivisionCovers(div, division) {
			continue
		}
		if best == "" || len(pubdata.DivisionPrefix(div)) > len(pubdata.DivisionPrefix(bestDiv)) {
			best, bestDiv = code, div
		}
	}
	return best, rows.Err()
}

func appLink(id string) string   { return "/console/applications/" + id }
func grantLink(id string) string { return "/console/grants/" + id }

func applicantName(app *pubdata.Application) string {
	if app.ApplicantOrgName != "" {
		return app.ApplicantOrgName
	}
	return app.Applicant
}

func appDetails(app *pubdata.Application) map[string]any {
	return map[string]any{"kind": app.Kind, "entry": app.Entry, "provider": app.Provider, "applicant": app.Applicant, "applicant_org": app.ApplicantOrg,
		"items": app.Items, "purpose": app.Purpose, "basis": app.Basis, "until": app.Until, "status": app.Status, "due": app.Due}
}

func grantDetails(g *pubdata.Grant) map[string]any {
	return map[string]any{"application": g.Application, "kind": g.Kind, "entry": g.Entry, "provider": g.Provider, "consumer": g.Consumer, "consumer_user": g.ConsumerUser,
		"items": g.Items, "clear_items": g.ClearItems, "row_filter": g.RowFilter, "purpose": g.Purpose, "expires": fmtTime(g.Expires)}
}

// CreateApplication implements pubdata.ApplicationService.
func (s *ApplicationService) CreateApplication(ctx context.Context, e *pubdata.Entry, c *pubdata.ApplicationCreate) (*pubdata.Application, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateApplicationCreate(a, e, c, s.db.Now()); err != nil {
		return nil, err
	}
	if err := pubdata.CheckNegativeList(s.Profile, e, c); err != nil {
		return nil, err
	}
	// What the application combines with the applicant's grants and open applications (G6),
	// assessed before the transaction (its reads go through the entries' cache).
	appID := newID()
	asm, err := s.assessAggregation(ctx, &pubdata.Application{ID: appID, Entry: e.ID, EntryTitle: e.Title, Division: e.Division, Applicant: a.Username(),
		ApplicantOrg: a.OrgCode(), Status: pubdata.AppPending}, e, c.Items, pubdata.AggregationAtSubmit)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cal, err := tx.calendar(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := findDivisionRules(ctx, tx)
	if err != nil {
		return nil, err
	}
	reply := pubdata.ReplyFor(s.Profile, s.ReplyDays, rules, c.Kind, e.Division)
	dueAt := cal.AddWorkdays(tx.now, reply.Days)
	app := &pubdata.Application{ID: appID, Kind: c.Kind, Entry: e.ID, EntryTitle: e.Title, Division: e.Division, Provider: e.Org, ProviderName: e.OrgName,
		Applicant: a.Username(), ApplicantOrg: a.OrgCode(), Items: c.Items, Purpose: c.Purpose, Basis: c.Basis, Until: c.Until, AcceptTerms: c.AcceptTerms,
		DemandType: c.DemandType, MajorInterest: c.MajorInterest, Status: pubdata.AppPending, Due: pubdata.Today(dueAt), DueAt: dueAt.UTC(),
		DueCovered: cal.SpanCovered(tx.now, dueAt)}
	if a.Org != nil {
		app.ApplicantOrgName = a.Org.Name
	}
	if _, err := tx.exec(ctx, `INSERT INTO applications (id, kind, entry_id, entry_title, division, provider, applicant, applicant_org, items, purpose, basis, until, accept_terms, status, due, due_at, created_at, updated_at, demand_type, major_interest, due_covered)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		app.ID, string(app.Kind), app.Entry, app.EntryTitle, app.Division, app.Provider, app.Applicant, app.ApplicantOrg, jsonList(app.Items), app.Purpose, app.Basis, app.Until,
		boolInt(app.AcceptTerms), string(app.Status), app.Due, fmtTime(app.DueAt), fmtTime(tx.now), fmtTime(tx.now), app.DemandType, app.MajorInterest, boolInt(app.DueCovered)); err != nil {
		return nil, err
	}
	if err := tx.appEvent(ctx, app.ID, "create", "", pubdata.AppPending, ""); err != nil {
		return nil, err
	}
	if _, err := tx.saveAggregation(ctx, app, asm, false); err != nil { // aggregation.go
		return nil, err
	}
	details := appDetails(app)
	details["due_rule"] = dueRuleDetails(reply)
	if asm.Entries > 1 {
		details["aggregation"] = aggregationDetails(asm)
	}
	if app.DemandType != "" {
		details["demand_type"] = app.DemandType
	}
	if app.MajorInterest != "" {
		details["major_interest"] = app.MajorInterest
	}
	if app.AcceptTerms {
		// The usage agreement as accepted (E: accept_terms).
		details["accept_terms"], details["terms"], details["terms_text"] = true, e.Terms, e.TermsText
	}
	if err := tx.record(ctx, change{Action: "application.create", Object: "application:" + app.ID, Details: details}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeApplicationNew, map[string]string{"applicant": applicantName(app), "entry": app.EntryTitle, "due": app.Due}, appLink(app.ID), "application:"+app.ID)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: app.Provider}); err != nil {
		return nil, err
	}
	if s.Profile != nil && s.Profile.Answerer(app.Kind).Who == pubdata.AnswererAuthority {
		// The profile has the authority answer (FJ15, JL19): its deciders are told too.
		auth, err := tx.coveringAuthority(ctx, app.Division)
		if err != nil {
			return nil, err
		}
		if auth != "" {
			if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: auth}); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, app.ID)
}

// FindApplicationByID implements pubdata.ApplicationService.
func (s *ApplicationService) FindApplicationByID(ctx context.Context, id string) (*pubdata.Application, error) {
	a, err := scanApplication(s.db.queryRow(ctx, "SELECT "+appColumns+appFrom+" WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundApplication(id)
	} else if err != nil {
		return nil, err
	}
	return a, s.fillAggregations(ctx, a)
}

// FindApplications implements pubdata.ApplicationService.
func (s *ApplicationService) FindApplications(ctx context.Context, f pubdata.ApplicationFilter) ([]*pubdata.Application, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var c conds
	c.eq("a.applicant", f.Applicant)
	c.eq("a.applicant_org", f.ApplicantOrg)
	c.eq("a.provider", f.Provider)
	c.eq("a.status", string(f.Status))
	c.eq("a.kind", string(f.Kind))
	c.inDivision("a.division", f.Division)
	if f.Overdue {
		c.add("a.overdue = 1")
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM applications a"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	order := " ORDER BY a.created_at DESC, a.id DESC"
	if f.Status == pubdata.AppPending {
		order = " ORDER BY a.due_at, a.id"
	}
	rows, err := s.db.query(ctx, "SELECT "+appColumns+appFrom+c.sql()+order+" LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanApplication)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Application{}
	}
	if err := s.fillAggregations(ctx, out...); err != nil {
		return nil, 0, "", err
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

// step runs one transition of application id: it locks the row, checks the workflow, lets
// apply write the change (returning the event's reason and the audit details to add), then
// writes the event and the audit record and commits.
func (s *ApplicationService) step(ctx context.Context, id string, action pubdata.ApplicationAction,
	apply func(tx *Tx, app *pubdata.Application, next pubdata.ApplicationStatus) (string, map[string]any, error)) (*pubdata.Application, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	app, err := tx.application(ctx, id)
	if err != nil {
		return nil, err
	}
	next, err := pubdata.NextApplicationStatus(app.Status, action, app.DisputedAt != nil)
	if err != nil {
		return nil, err
	}
	reason, details, err := apply(tx, app, next)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?", string(next), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	if err := tx.appEvent(ctx, id, string(action), app.Status, next, reason); err != nil {
		return nil, err
	}
	if details == nil {
		details = map[string]any{}
	}
	details["entry"], details["from"], details["to"] = app.Entry, app.Status, next
	if reason != "" {
		details["reason"] = reason
	}
	if err := tx.record(ctx, change{Action: "application." + string(action), Object: "application:" + id, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, id)
}

// DecideApplication implements pubdata.ApplicationService. The scope of an approval is
// checked against the entry's published version; an entry no longer published can only be
// rejected.
func (s *ApplicationService) DecideApplication(ctx context.Context, id string, d *pubdata.ApplicationDecision) (*pubdata.Application, error) {
	app, err := s.FindApplicationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := s.entries.FindPublishedEntry(ctx, app.Entry)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		e, err = nil, nil
	} else if err != nil {
		return nil, err
	}
	if e == nil {
		if strings.TrimSpace(d.Decision) == "approve" {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "Entry %q is no longer published; the application can only be rejected.", app.Entry).Keyed("error.application.entry_withdrawn", "Entry", app.Entry)
		}
		e = &pubdata.Entry{ID: app.Entry}
	}
	if err := pubdata.ValidateApplicationDecision(e, app, d, s.db.Now()); err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if d.Decision == "reject" {
		return s.step(ctx, id, pubdata.AppReject, func(tx *Tx, app *pubdata.Application, next pubdata.ApplicationStatus) (string, map[string]any, error) {
			if _, err := tx.exec(ctx, "UPDATE applications SET reason = ?, decision_basis = ?, decided_by = ?, decided_at = ? WHERE id = ?",
				d.Reason, d.Basis, a.Username(), fmtTime(tx.now), id); err != nil {
				return "", nil, err
			}
			n := pubdata.NewNotification(pubdata.NoticeApplicationRejected, map[string]string{"entry": app.EntryTitle, "reason": d.Reason}, appLink(id), "application:"+id)
			if err := tx.notify(ctx, n, pubdata.NoticeParties{User: app.Applicant}); err != nil {
				return "", nil, err
			}
			return d.Reason, map[string]any{"basis": d.Basis}, nil
		})
	}
	// The grant's scope combined with the applicant's others (G6): above the threshold it
	// waits for the authority's review (aggregation.go).
	granted := d.Items
	if len(granted) == 0 {
		granted = app.Items
	}
	if err := s.gateAggregation(ctx, app, e, granted); err != nil {
		return nil, err
	}
	return s.step(ctx, id, pubdata.AppApprove, func(tx *Tx, app *pubdata.Application, next pubdata.ApplicationStatus) (string, map[string]any, error) {
		if ag, err := tx.aggregation(ctx, id); err != nil {
			return "", nil, err
		} else if ag != nil && ag.Review == pubdata.AggregationRequired {
			return "", nil, pubdata.ErrAggregationReview(ag.Score, ag.Threshold)
		}
		g, err := pubdata.GrantOfApproval(app, d)
		if err != nil {
			return "", nil, err
		}
		g.ID, g.CreatedAt = newID(), tx.now
		if _, err := tx.exec(ctx, `INSERT INTO grants (id, application_id, kind, entry_id, entry_title, division, provider, consumer, consumer_user, items, clear_items, row_filter, purpose, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.Application, string(g.Kind), g.Entry, g.EntryTitle, app.Division, g.Provider, g.Consumer, g.ConsumerUser, jsonList(g.Items), jsonList(g.ClearItems), g.RowFilter, g.Purpose,
			fmtTime(g.Expires), fmtTime(tx.now)); err != nil {
			return "", nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE applications SET reason = ?, decision_basis = ?, decided_by = ?, decided_at = ?, grant_id = ? WHERE id = ?",
			d.Reason, d.Basis, a.Username(), fmtTime(tx.now), g.ID, id); err != nil {
			return "", nil, err
		}
		if err := tx.record(ctx, change{Action: "grant.create", Object: "grant:" + g.ID, Details: grantDetails(g)}); err != nil {
			return "", nil, err
		}
		until := pubdata.Today(g.Expires.Add(-time.Second))
		n := pubdata.NewNotification(pubdata.NoticeApplicationApproved, map[string]string{"entry": app.EntryTitle, "until": until}, appLink(id), "application:"+id)
		if err := tx.notify(ctx, n, pubdata.NoticeParties{User: app.Applicant}); err != nil {
			return "", nil, err
		}
		return d.Reason, map[string]any{"grant": g.ID, "basis": d.Basis}, nil
	})
}

// DisputeApplication implements pubdata.ApplicationService.
func (s *ApplicationService) DisputeApplication(ctx context.Context, id, reason string) (*pubdata.Application, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, pubdata.FieldErrorf("reason", "A dispute needs a reason.").Keyed("error.application.dispute.reason")
	}
	if len([]rune(reason)) > 2000 {
		return nil, pubdata.FieldErrorf("reason", "The reason must be at most 2000 characters.").Keyed("error.reason.too_long", "Max", 2000)
	}
	return s.step(ctx, id, pubdata.AppDispute, func(tx *Tx, app *pubdata.Application, next pubdata.ApplicationStatus) (string, map[string]any, error) {
		if _, err := tx.exec(ctx, "UPDATE applications SET dispute_reason = ?, disputed_at = ? WHERE id = ?", reason, fmtTime(tx.now), id); err != nil {
			return "", nil, err
		}
		auth, err := tx.coveringAuthority(ctx, app.Division)
		if err != nil {
			return "", nil, err
		}
		n := pubdata.NewNotification(pubdata.NoticeApplicationDisputed, map[string]string{"applicant": applicantName(app), "entry": app.EntryTitle, "reason": reason}, appLink(id), "application:"+id)
		if err := tx.notify(ctx, n, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
			return "", nil, err
		}
		return reason, map[string]any{"authority": auth}, nil
	})
}

// WithdrawApplication implements pubdata.ApplicationService.
func (s *ApplicationService) WithdrawApplication(ctx context.Context, id string) (*pubdata.Application, error) {
	return s.step(ctx, id, pubdata.AppWithdraw, func(tx *Tx, app *pubdata.Application, next pubdata.ApplicationStatus) (string, map[string]any, error) {
		return "", nil, nil
	})
}

// MarkOverdue implements pubdata.ApplicationService. Each application is flagged by one
// conditional UPDATE in its own transaction, so of two servers only one records it.
func (s *ApplicationService) MarkOverdue(ctx context.Context, now time.Time) (int, error) {
	return s.db.eachOnce(ctx, "SELECT id FROM applications WHERE status = 'pending' AND overdue = 0 AND due_at < ? AND id NOT IN (SELECT application_id FROM aggregation_assessments WHERE review = 'required') ORDER BY due_at", []any{fmtTime(now)}, s.markOverdue)
}

func (s *ApplicationService) markOverdue(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE applications SET overdue = 1, escalated = 1, updated_at = ? WHERE id = ? AND status = 'pending' AND overdue = 0", fmtTime(tx.now), id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	app, err := tx.application(ctx, id)
	if err != nil {
		return false, err
	}
	if err := tx.appEvent(ctx, id, "overdue", app.Status, app.Status, "no answer by "+app.Due); err != nil {
		return false, err
	}
	auth, err := tx.coveringAuthority(ctx, app.Division)
	if err != nil {
		return false, err
	}
	if err := tx.record(ctx, change{Org: app.Provider, Division: app.Division, Action: "application.overdue", Object: "application:" + id,
		Details: map[string]any{"entry": app.Entry, "provider": app.Provider, "due": app.Due, "authority": auth}}); err != nil {
		return false, err
	}
	n := pubdata.NewNotification(pubdata.NoticeApplicationOverdue, map[string]string{"provider": app.ProviderName, "applicant": applicantName(app), "entry": app.EntryTitle, "due": app.Due},
		appLink(id), "application:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: app.Provider, Authorities: authorities(auth)}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// ExpireGrants implements pubdata.ApplicationService: each grant past its expiry (and not
// revoked) is ended once, and its application becomes expired.
func (s *ApplicationService) ExpireGrants(ctx context.Context, now time.Time) (int, error) {
	return s.db.eachOnce(ctx, "SELECT id FROM grants WHERE expired = 0 AND expires_at <= ? AND revoked_at IS NULL ORDER BY expires_at", []any{fmtTime(now)}, s.expireGrant)
}

func (s *ApplicationService) expireGrant(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE grants SET expired = 1 WHERE id = ? AND expired = 0 AND revoked_at IS NULL", id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	g, err := scanGrant(tx.queryRow(ctx, "SELECT "+grantColumns+" FROM grants g WHERE g.id = ?", id))
	if err != nil {
		return false, err
	}
	if err := tx.record(ctx, change{Org: g.Provider, Action: "grant.expire", Object: "grant:" + id, Details: map[string]any{"entry": g.Entry, "application": g.Application, "expires": fmtTime(g.Expires)}}); err != nil {
		return false, err
	}
	app, err := tx.application(ctx, g.Application)
	if err != nil {
		return false, err
	}
	if app.Status == pubdata.AppApproved && app.Grant == id {
		if _, err := tx.exec(ctx, "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?", string(pubdata.AppExpired), fmtTime(tx.now), app.ID); err != nil {
			return false, err
		}
		if err := tx.appEvent(ctx, app.ID, string(pubdata.AppExpire), app.Status, pubdata.AppExpired, ""); err != nil {
			return false, err
		}
		if err := tx.record(ctx, change{Org: app.Provider, Division: app.Division, Action: "application.expire", Object: "application:" + app.ID,
			Details: map[string]any{"entry": app.Entry, "grant": id, "from": app.Status, "to": pubdata.AppExpired}}); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

// FindApplicationEvents implements pubdata.ApplicationService.
func (s *ApplicationService) FindApplicationEvents(ctx context.Context, id string) ([]*pubdata.ApplicationEvent, error) {
	rows, err := s.db.query(ctx, "SELECT application_id, action, from_status, to_status, actor, org, reason, time FROM application_events WHERE application_id = ? ORDER BY time, id", id)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.ApplicationEvent, error) {
		var e pubdata.ApplicationEvent
		return &e, sc.Scan(&e.Application, &e.Action, &e.From, &e.To, &e.Actor, &e.Org, &e.Reason, timeCol{&e.Time})
	})
	if out == nil {
		out = []*pubdata.ApplicationEvent{}
	}
	return out, err
}

// OverdueCounts implements pubdata.ApplicationService.
func (s *ApplicationService) OverdueCounts(ctx context.Context, division string) (map[string]int, error) {
	var c conds
	c.add("overdue = 1")
	c.inDivision("division", division)
	rows, err := s.db.query(ctx, "SELECT provider, COUNT(*) FROM applications"+c.sql()+" GROUP BY provider", c.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[p] = n
	}
	return out, rows.Err()
}

// --- grants ---

const grantColumns = "g.id, g.application_id, g.kind, g.entry_id, g.entry_title, g.provider, g.consumer, g.consumer_user, g.items, g.clear_items, g.row_filter, g.purpose, " +
	"g.expires_at, g.revoked_at, g.revoked_by, g.revoke_reason, g.created_at"

func scanGrant(sc interface{ Scan(...any) error }) (*pubdata.Grant, error) {
	var g pubdata.Grant
	var items, clear string
	var revoked nullTime
	err := sc.Scan(&g.ID, &g.Application, &g.Kind, &g.Entry, &g.EntryTitle, &g.Provider, &g.Consumer, &g.ConsumerUser, &items, &clear, &g.RowFilter, &g.Purpose,
		timeCol{&g.Expires}, &revoked, &g.RevokedBy, &g.RevokeReason, timeCol{&g.CreatedAt})
	if err != nil {
		return nil, err
	}
	g.RevokedAt = revoked.t
	if err := json.Unmarshal([]byte(items), &g.Items); err != nil {
		return nil, fmt.Errorf("grant %s items: %w", g.ID, err)
	}
	if err := json.Unmarshal([]byte(clear), &g.ClearItems); err != nil {
		return nil, fmt.Errorf("grant %s clear items: %w", g.ID, err)
	}
	return &g, nil
}

// FindGrants implements pubdata.ApplicationService.
func (s *ApplicationService) FindGrants(ctx context.Context, f pubdata.GrantFilter) ([]*pubdata.Grant, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var c conds
	c.eq("g.consumer", f.Consumer)
	c.eq("g.consumer_user", f.ConsumerUser)
	c.eq("g.provider", f.Provider)
	c.eq("g.entry_id", f.Entry)
	if f.Division != "" {
		var d conds
		d.inDivision("ga.division", f.Division)
		c.add("EXISTS (SELECT 1 FROM applications ga WHERE ga.id = g.application_id AND "+d.where[0]+")", d.args...)
	}
	if f.LiveAt != nil {
		c.add("g.revoked_at IS NULL AND g.expires_at > ?", fmtTime(*f.LiveAt))
	}
	rows, err := s.db.query(ctx, "SELECT "+grantColumns+" FROM grants g"+c.sql()+" ORDER BY g.created_at DESC, g.id DESC LIMIT ? OFFSET ?", append(c.args, limit+1, offset)...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, scanGrant)
	if err != nil {
		return nil, "", err
	}
	out, next := offsetPage(out, limit, offset)
	return out, next, nil
}

// FindGrantByID implements pubdata.ApplicationService.
func (s *ApplicationService) FindGrantByID(ctx context.Context, id string) (*pubdata.Grant, error) {
	g, err := scanGrant(s.db.queryRow(ctx, "SELECT "+grantColumns+" FROM grants g WHERE g.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundGrant(id)
	}
	return g, err
}

// LiveGrants implements pubdata.ApplicationService: one indexed lookup by (entry, consumer
// organisation) and one by (entry, public user).
func (s *ApplicationService) LiveGrants(ctx context.Context, a *pubdata.Actor, entryID string, now time.Time) ([]*pubdata.Grant, error) {
	return s.db.liveGrants(ctx, a, "SELECT "+grantColumns+" FROM grants g WHERE g.entry_id = ?", "g", entryID, 17, now, scanGrant)
}

// liveGrants returns the live (unexpired, unrevoked) grants or deliveries of sel (a SELECT of
// the alias t's rows on object obj, "… WHERE t.<object> = ?") that actor a holds: its
// organisation's (not a person's) and its own as a person, newest first by column order.
func (d *DB) liveGrants(ctx context.Context, a *pubdata.Actor, sel, t, obj string, order int, now time.Time, scan func(interface{ Scan(...any) error }) (*pubdata.Grant, error)) ([]*pubdata.Grant, error) {
	if a.Anonymous() {
		return []*pubdata.Grant{}, nil
	}
	var parts []string
	var args []any
	live := " AND " + t + ".expires_at > ? AND " + t + ".revoked_at IS NULL"
	if org := a.OrgCode(); org != "" {
		parts = append(parts, sel+" AND "+t+".consumer = ? AND "+t+".consumer_user = ''"+live)
		args = append(args, obj, org, fmtTime(now))
	}
	parts = append(parts, sel+" AND "+t+".consumer_user = ?"+live)
	args = append(args, obj, a.Username(), fmtTime(now))
	rows, err := d.query(ctx, strings.Join(parts, " UNION ALL ")+fmt.Sprintf(" ORDER BY %d DESC", order), args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scan)
	if out == nil {
		out = []*pubdata.Grant{}
	}
	return out, err
}

// RevokeGrant implements pubdata.ApplicationService.
func (s *ApplicationService) RevokeGrant(ctx context.Context, id, reason string) (*pubdata.Grant, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.revokeGrant(ctx, id, reason); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindGrantByID(ctx, id)
}

// revokeGrant revokes a live grant inside tx: the grant, the application's history, the
// record ("grant.revoke") and the applicant's notification (also an incident's containment).
func (tx *Tx) revokeGrant(ctx context.Context, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return pubdata.FieldErrorf("reason", "A revocation needs a reason.").Keyed("error.grant.revoke.reason")
	}
	if len([]rune(reason)) > 2000 {
		return pubdata.FieldErrorf("reason", "The reason must be at most 2000 characters.").Keyed("error.reason.too_long", "Max", 2000)
	}
	g, err := scanGrant(tx.queryRow(ctx, "SELECT "+grantColumns+" FROM grants g WHERE g.id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return notFoundGrant(id)
	} else if err != nil {
		return err
	}
	switch {
	case g.RevokedAt != nil:
		return pubdata.Errorf(pubdata.ECONFLICT, "Grant %q was already revoked.", id).Keyed("error.grant.already_revoked", "ID", id)
	case !g.Live(tx.now):
		return pubdata.Errorf(pubdata.ECONFLICT, "Grant %q has expired; there is nothing to revoke.", id).Keyed("error.grant.expired", "ID", id)
	}
	a := pubdata.ActorFromContext(ctx)
	if _, err := tx.exec(ctx, "UPDATE grants SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?", fmtTime(tx.now), a.Username(), reason, id); err != nil {
		return err
	}
	app, err := tx.application(ctx, g.Application)
	if err != nil {
		return err
	}
	if err := tx.appEvent(ctx, app.ID, "revoke", app.Status, app.Status, reason); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "grant.revoke", Object: "grant:" + id, Details: map[string]any{"entry": g.Entry, "application": g.Application, "provider": g.Provider,
		"consumer": g.Consumer, "consumer_user": g.ConsumerUser, "reason": reason}}); err != nil {
		return err
	}
	n := pubdata.NewNotification(pubdata.NoticeGrantRevoked, map[string]string{"entry": g.EntryTitle, "reason": reason}, grantLink(id), "grant:"+id)
	return tx.notify(ctx, n, pubdata.NoticeParties{User: app.Applicant})
}

// --- notifications ---

// NotificationService implements pubdata.NotificationService.
type NotificationService struct{ db *DB }

// NewNotificationService returns the notification service on db.
func NewNotificationService(db *DB) *NotificationService { return &NotificationService{db: db} }

// noticeFor is the condition selecting the actor's notifications (alias n) and its args.
func noticeFor(a *pubdata.Actor) (string, []any) {
	return "(n.username = ? OR (n.org <> '' AND n.org = ? AND (n.role = '' OR n.role = ?)))", []any{a.Username(), a.OrgCode(), string(a.Role())}
}

// FindNotifications implements pubdata.NotificationService.
func (s *NotificationService) FindNotifications(ctx context.Context, unread bool, limit int, cursor string) ([]*pubdata.Notification, int, string, error) {
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return nil, 0, "", pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to see your notifications.").Keyed("error.notification.sign_in")
	}
	limit, err := pubdata.PageLimit(limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(cursor)
	if err != nil {
		return nil, 0, "", err
	}
	cond, args := noticeFor(a)
	from := " FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.username = ? WHERE " + cond
	args = append([]any{a.Username()}, args...)
	var unreadCount int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*)"+from+" AND r.username IS NULL", args...).Scan(&unreadCount); err != nil {
		return nil, 0, "", err
	}
	q := "SELECT n.id, n.username, n.org, n.role, n.nkey, n.params, n.link, n.object, n.created_at, r.username" + from
	if unread {
		q += " AND r.username IS NULL"
	}
	rows, err := s.db.query(ctx, q+" ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?", append(args, limit+1, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.Notification, error) {
		var n pubdata.Notification
		var params string
		var reader sql.NullString
		if err := sc.Scan(&n.ID, &n.User, &n.Org, &n.Role, &n.Key, &params, &n.Link, &n.Object, timeCol{&n.CreatedAt}, &reader); err != nil {
			return nil, err
		}
		n.Read = reader.Valid
		if err := json.Unmarshal([]byte(params), &n.Params); err != nil {
			return nil, fmt.Errorf("notification %s params: %w", n.ID, err)
		}
		return &n, nil
	})
	if err != nil {
		return nil, 0, "", err
	}
	out, next := offsetPage(out, limit, offset)
	return out, unreadCount, next, nil
}

// MarkNotificationRead implements pubdata.NotificationService. Reading is the user's own
// state, not a change of the record: it writes no audit event.
func (s *NotificationService) MarkNotificationRead(ctx context.Context, id string) error {
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to see your notifications.").Keyed("error.notification.sign_in")
	}
	cond, args := noticeFor(a)
	var n int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM notifications n WHERE n.id = ? AND "+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Notification %q not found.", id).Keyed("error.notification.not_found", "ID", id)
	}
	err := s.db.Exec(ctx, "INSERT INTO notification_reads (notification_id, username, read_at) VALUES (?, ?, ?)", id, a.Username(), fmtTime(s.db.Now()))
	if isUniqueViolation(err) {
		return nil
	}
	return err
}

// dueRuleDetails is where an application's reply days came from, as the record keeps it:
// the days and "setting", "division:<code>" or "profile:<name> <doc+article>".
func dueRuleDetails(r pubdata.ReplyDue) map[string]any {
	d := map[string]any{"days": r.Days, "source": r.Source}
	switch r.Source {
	case pubdata.ReplyFromDivision:
		d["division"], d["basis"] = r.Division, r.Basis
	case pubdata.ReplyFromProfile:
		if ref := r.Cite.Ref(); ref != "" {
			d["article"] = ref
		} else {
			d["note"] = r.Cite.Note
		}
	}
	return d
}
