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

const incidentColumns = `id, org, division, entry_id, grant_id, token_id, alert_id, kind, severity, description, status, reported_by,
	reported_at, report_due, assessment, assessed_at, containment, contained_at, subjects, notified_at, lessons, closed_at`

func scanIncident(sc scanner) (*pubdata.Incident, error) {
	var i pubdata.Incident
	var subjects string
	if err := sc.Scan(&i.ID, &i.Org, &i.Division, &i.Entry, &i.Grant, &i.Token, &i.Alert, &i.Kind, &i.Severity, &i.Description, &i.Status, &i.ReportedBy,
		timeCol{&i.ReportedAt}, timeCol{&i.ReportDue}, &i.Assessment, ptrTime{&i.AssessedAt}, &i.Containment, ptrTime{&i.ContainedAt}, &subjects,
		ptrTime{&i.NotifiedAt}, &i.Lessons, ptrTime{&i.ClosedAt}); err != nil {
		return nil, err
	}
	return &i, json.Unmarshal([]byte(subjects), &i.Subjects)
}

func notFoundIncident(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Incident %q not found.", id).Keyed("error.incident.not_found", "ID", id)
}

// ReportIncident implements pubdata.SecurityService: the unit named must exist; its covering
// authority is notified; the report is due ReportHours after now.
func (s *SecurityService) ReportIncident(ctx context.Context, r *pubdata.IncidentReport) (*pubdata.Incident, error) {
	if err := pubdata.ValidateIncidentReport(r); err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var division string
	if err := tx.queryRow(ctx, "SELECT division FROM orgs WHERE code = ?", r.Org).Scan(&division); errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.FieldErrorf("org", "Organisation %q not found.", r.Org).Keyed("error.sanction.org_not_found", "Org", r.Org)
	} else if err != nil {
		return nil, err
	}
	if r.Grant != "" {
		var entry string
		if err := tx.queryRow(ctx, "SELECT entry_id FROM grants WHERE id = ?", r.Grant).Scan(&entry); errors.Is(err, sql.ErrNoRows) {
			return nil, notFoundGrant(r.Grant)
		} else if err != nil {
			return nil, err
		}
		if r.Entry == "" {
			r.Entry = entry
		}
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanSeeSecurity(a, r.Org, division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's admins and the covering authority report its incidents.").Keyed("error.incident.forbidden")
	}
	id := newID()
	due := tx.now.Add(time.Duration(set.ReportHours) * time.Hour)
	if _, err := tx.exec(ctx, `INSERT INTO incidents (id, org, division, entry_id, grant_id, token_id, alert_id, kind, severity, description, status, reported_by, reported_at, report_due)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, r.Org, division, r.Entry, r.Grant, r.Token, r.Alert, r.Kind, r.Severity, r.Description,
		pubdata.IncidentReported, a.Username(), fmtTime(tx.now), fmtTime(due)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "incident.report", Object: "incident:" + id, Details: map[string]any{"org": r.Org, "entry": r.Entry, "grant": r.Grant,
		"token": r.Token, "alert": r.Alert, "kind": r.Kind, "severity": r.Severity, "report_due": fmtTime(due)}}); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, division)
	if err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeIncidentReport, map[string]string{"org": r.Org, "severity": r.Severity}, "/console/incidents/"+id, "incident:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: r.Org, Authorities: authorities(auth)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Incident(ctx, id)
}

// Incidents implements pubdata.SecurityService: newest first, within scope (nil: all) or of
// one unit.
func (s *SecurityService) Incidents(ctx context.Context, scope *pubdata.Scope, org string, limit int) ([]*pubdata.Incident, error) {
	limit, err := pubdata.PageLimit(limit)
	if err != nil {
		return nil, err
	}
	var c conds
	c.eq("org", org)
	if scope != nil {
		scopeDivision(&c, scope)
	}
	rows, err := s.db.query(ctx, "SELECT "+incidentColumns+" FROM incidents"+c.sql()+" ORDER BY reported_at DESC, id DESC LIMIT ?", append(c.args, limit)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanIncident)
	if out == nil {
		out = []*pubdata.Incident{}
	}
	return out, err
}

// Incident implements pubdata.SecurityService.
func (s *SecurityService) Incident(ctx context.Context, id string) (*pubdata.Incident, error) {
	i, err := scanIncident(s.db.queryRow(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundIncident(id)
	}
	return i, err
}

// step locks the incident, checks that the actor may act on it and that step may follow
// its status, runs fn and records "incident.<step>" with details, in one transaction.
func (s *SecurityService) step(ctx context.Context, id, step string, fn func(tx *Tx, i *pubdata.Incident) (map[string]any, error)) (*pubdata.Incident, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	i, err := scanIncident(tx.queryRow(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundIncident(id)
	} else if err != nil {
		return nil, err
	}
	if !pubdata.CanActOnIncident(pubdata.ActorFromContext(ctx), i.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins act on an incident.").Keyed("error.incident.act_forbidden")
	}
	if err := pubdata.NextIncidentStep(i.Status, step); err != nil {
		return nil, err
	}
	details, err := fn(tx, i)
	if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "incident." + step, Object: "incident:" + id, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Incident(ctx, id)
}

// AssessIncident implements pubdata.SecurityService.
func (s *SecurityService) AssessIncident(ctx context.Context, id, severity, assessment string) (*pubdata.Incident, error) {
	if err := securitySeverity(severity); err != nil {
		return nil, err
	}
	assessment, err := pubdata.IncidentText("assessment", assessment)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, id, "assess", func(tx *Tx, i *pubdata.Incident) (map[string]any, error) {
		_, err := tx.exec(ctx, "UPDATE incidents SET severity = ?, assessment = ?, assessed_at = ?, status = ? WHERE id = ?", severity, assessment, fmtTime(tx.now), pubdata.IncidentAssessed, id)
		return map[string]any{"severity": severity, "assessment": assessment}, err
	})
}

func securitySeverity(v string) error {
	r := pubdata.IncidentReport{Org: "x", Kind: pubdata.IncidentKinds[0], Severity: v, Description: "x"}
	return pubdata.ValidateIncidentReport(&r)
}

// ContainIncident implements pubdata.SecurityService: the step (the grant revoked, the token
// revoked, the unit's data service suspended, each by the code that does it elsewhere, with
// its own record) and the incident's containment in one transaction. The target defaults to
// the incident's grant, token or unit.
func (s *SecurityService) ContainIncident(ctx context.Context, id, step, target, reason string) (*pubdata.Incident, error) {
	reason, err := pubdata.IncidentText("reason", reason)
	if err != nil {
		return nil, err
	}
	if step != pubdata.ContainGrant && step != pubdata.ContainToken && step != pubdata.ContainUnit {
		return nil, pubdata.FieldErrorf("step", "step must be grant, token or unit.").Keyed("error.security.one_of", "Name", "step", "List", "grant, token, unit")
	}
	return s.step(ctx, id, "contain", func(tx *Tx, i *pubdata.Incident) (map[string]any, error) {
		target := strings.TrimSpace(target)
		if target == "" {
			target = map[string]string{pubdata.ContainGrant: i.Grant, pubdata.ContainToken: i.Token, pubdata.ContainUnit: i.Org}[step]
		}
		if target == "" {
			return nil, pubdata.FieldErrorf("target", "Name the %s to stop.", step).Keyed("error.security.required", "Name", "target")
		}
		why := "incident " + id + ": " + reason
		if err := tx.containReach(ctx, step, target); err != nil {
			return nil, err
		}
		switch step {
		case pubdata.ContainGrant:
			if err := tx.revokeGrant(ctx, target, why); err != nil {
				return nil, err
			}
		case pubdata.ContainToken:
			if _, err := tx.revokeToken(ctx, "", target); err != nil {
				return nil, err
			}
		case pubdata.ContainUnit:
			if _, err := tx.sanction(ctx, target, pubdata.OrgSuspend, why); err != nil {
				return nil, err
			}
		default:
			return nil, pubdata.FieldErrorf("step", "step must be grant, token or unit.").Keyed("error.security.one_of", "Name", "step", "List", "grant, token, unit")
		}
		c := step + ":" + target
		_, err := tx.exec(ctx, "UPDATE incidents SET containment = ?, contained_at = ?, status = ? WHERE id = ?", c, fmtTime(tx.now), pubdata.IncidentContained, id)
		return map[string]any{"containment": c, "reason": reason}, err
	})
}

// NotifyIncident implements pubdata.SecurityService: the subjects' list is stored, the
// authority and the unit notified; the record keeps how many subjects, not their keys.
func (s *SecurityService) NotifyIncident(ctx context.Context, id string, subjects []string) (*pubdata.Incident, error) {
	if subjects == nil {
		subjects = []string{}
	}
	if len(subjects) > pubdata.MaxIncidentSubjects {
		subjects = subjects[:pubdata.MaxIncidentSubjects]
	}
	doc, _ := json.Marshal(subjects)
	return s.step(ctx, id, "notify", func(tx *Tx, i *pubdata.Incident) (map[string]any, error) {
		status := i.Status
		if status != pubdata.IncidentReported && status != pubdata.IncidentAssessed {
			status = pubdata.IncidentNotified
		}
		if _, err := tx.exec(ctx, "UPDATE incidents SET subjects = ?, notified_at = ?, status = ? WHERE id = ?", string(doc), fmtTime(tx.now), status, id); err != nil {
			return nil, err
		}
		auth, err := tx.coveringAuthority(ctx, i.Division)
		if err != nil {
			return nil, err
		}
		n := pubdata.NewNotification(pubdata.NoticeIncidentNotify, map[string]string{"org": i.Org, "count": strconv.Itoa(len(subjects))}, "/console/incidents/"+id, "incident:"+id)
		if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: i.Org, Authorities: authorities(auth)}); err != nil {
			return nil, err
		}
		return map[string]any{"subjects": len(subjects)}, nil
	})
}

// CloseIncident implements pubdata.SecurityService.
func (s *SecurityService) CloseIncident(ctx context.Context, id, lessons string) (*pubdata.Incident, error) {
	lessons, err := pubdata.IncidentText("lessons", lessons)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, id, "close", func(tx *Tx, i *pubdata.Incident) (map[string]any, error) {
		_, err := tx.exec(ctx, "UPDATE incidents SET lessons = ?, closed_at = ?, status = ? WHERE id = ?", lessons, fmtTime(tx.now), pubdata.IncidentClosed, id)
		return map[string]any{"lessons": lessons}, err
	})
}

// AddEmergencyRecord implements pubdata.SecurityService: the unit's admins or the covering
// authority's admins record a plan or a drill.
func (s *SecurityService) AddEmergencyRecord(ctx context.Context, r *pubdata.EmergencyRecord) (*pubdata.EmergencyRecord, error) {
	if err := pubdata.ValidateEmergencyRecord(r); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var division string
	if err := tx.queryRow(ctx, "SELECT division FROM orgs WHERE code = ?", r.Org).Scan(&division); errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.FieldErrorf("org", "Organisation %q not found.", r.Org).Keyed("error.sanction.org_not_found", "Org", r.Org)
	} else if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanSeeSecurity(a, r.Org, division) || a.Role() != pubdata.RoleAdmin {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's admins and the covering authority's admins record its emergency plans and drills.").Keyed("error.incident.forbidden")
	}
	r.ID, r.CreatedBy, r.CreatedAt = newID(), a.Username(), tx.now
	if _, err := tx.exec(ctx, "INSERT INTO emergency_records (id, org, kind, title, on_date, notes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.Org, r.Kind, r.Title, r.Date, r.Notes, r.CreatedBy, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "emergency." + r.Kind, Object: "org:" + r.Org, Details: map[string]any{"id": r.ID, "title": r.Title, "date": r.Date}}); err != nil {
		return nil, err
	}
	return r, tx.Commit()
}

// EmergencyRecords implements pubdata.SecurityService: the unit's plans and drills, newest
// date first.
func (s *SecurityService) EmergencyRecords(ctx context.Context, org string) ([]*pubdata.EmergencyRecord, error) {
	rows, err := s.db.query(ctx, "SELECT id, org, kind, title, on_date, notes, created_by, created_at FROM emergency_records WHERE org = ? ORDER BY on_date DESC, id DESC LIMIT 500", org)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.EmergencyRecord, error) {
		var r pubdata.EmergencyRecord
		return &r, sc.Scan(&r.ID, &r.Org, &r.Kind, &r.Title, &r.Date, &r.Notes, &r.CreatedBy, timeCol{&r.CreatedAt})
	})
	if out == nil {
		out = []*pubdata.EmergencyRecord{}
	}
	return out, err
}

// containReach refuses a containment target outside the actor's division: a grant whose
// provider, a token whose owner's unit, or a unit that the actor's authority does not cover.
func (tx *Tx) containReach(ctx context.Context, step, target string) error {
	q := map[string]string{
		pubdata.ContainGrant: "SELECT o.division FROM grants g JOIN orgs o ON o.code = g.provider WHERE g.id = ?",
		pubdata.ContainToken: "SELECT COALESCE(o.division, '') FROM tokens t JOIN users u ON u.id = t.user_id LEFT JOIN orgs o ON o.code = u.org WHERE t.id = ?",
		pubdata.ContainUnit:  "SELECT division FROM orgs WHERE code = ?",
	}[step]
	var div string
	if err := tx.queryRow(ctx, q, target).Scan(&div); errors.Is(err, sql.ErrNoRows) {
		return nil // the step names it not found
	} else if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanActOnIncident(a, div) && !(div == "" && pubdata.IsPlatformAuthority(a)) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "%s %q is outside your division.", step, target).Keyed("error.incident.act_forbidden")
	}
	return nil
}
