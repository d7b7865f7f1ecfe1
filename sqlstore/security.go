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

var _ pubdata.SecurityService = (*SecurityService)(nil)

// SecurityService implements pubdata.SecurityService: the early-warning rules over the record,
// their alerts and the incident register (migration 0038).
type SecurityService struct{ db *DB }

// NewSecurityService returns the security service on db.
func NewSecurityService(db *DB) *SecurityService { return &SecurityService{db: db} }

// Settings implements pubdata.SecurityService.
func (s *SecurityService) Settings(ctx context.Context) (*pubdata.SecuritySettings, error) {
	return settingsOf(ctx, s.db.queryRow)
}

func settingsOf(ctx context.Context, queryRow func(ctx context.Context, q string, args ...any) *sql.Row) (*pubdata.SecuritySettings, error) {
	set := pubdata.DefaultSecuritySettings
	var doc, by string
	var at time.Time
	err := queryRow(ctx, "SELECT settings, updated_by, updated_at FROM security_settings WHERE id = 1").Scan(&doc, &by, timeCol{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return &set, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &set); err != nil {
		return nil, fmt.Errorf("security settings: %w", err)
	}
	set.UpdatedBy, set.UpdatedAt = by, at
	return &set, nil
}

// SetSettings implements pubdata.SecurityService.
func (s *SecurityService) SetSettings(ctx context.Context, set *pubdata.SecuritySettings) (*pubdata.SecuritySettings, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.IsPlatformAuthority(a) || a.Role() != pubdata.RoleAdmin {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the platform authority's admins set the early-warning thresholds.").Keyed("error.security.settings_forbidden")
	}
	if err := pubdata.ValidateSecuritySettings(set); err != nil {
		return nil, err
	}
	c := *set
	c.UpdatedBy, c.UpdatedAt = "", time.Time{}
	doc, _ := json.Marshal(c)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, "DELETE FROM security_settings WHERE id = 1"); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "INSERT INTO security_settings (id, settings, updated_by, updated_at) VALUES (1, ?, ?, ?)", string(doc), a.Username(), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	var details map[string]any
	_ = json.Unmarshal(doc, &details)
	if err := tx.record(ctx, change{Action: "security.settings", Object: "security:settings", Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Settings(ctx)
}

// Bucket names: "m" + the minute in UTC, "d" + the day in China Standard Time.
func minuteBucket(t time.Time) string { return "m" + t.UTC().Format("2006-01-02T15:04") }
func dayBucket(t time.Time) string    { return "d" + t.In(pubdata.ChinaTime).Format("2006-01-02") }

// Count kinds.
const (
	countPersonal = "personal"
	countReads    = "reads"
	countRefusals = "refusals"
)

// secEntry is what the rules need of an entry.
type secEntry struct {
	org, division, title string
	personal             bool
	grade                int
}

// scanState gathers one run's counts and evidence.
type scanState struct {
	counts   map[[3]string]int64 // subject, kind, bucket
	evidence map[[2]string][]int64
	orgs     map[[2]string][2]string // subject, kind -> org, entry
	touched  map[[2]string]bool
	single   []*pubdata.SecurityAlert // alerts of one event (off hours, whole table)
}

func (st *scanState) count(subject, kind, bucket string, seq int64) {
	st.counts[[3]string{subject, kind, bucket}]++
	k := [2]string{subject, kind}
	st.touched[k] = true
	if seq > 0 && len(st.evidence[k]) < pubdata.SecurityEvidenceN {
		st.evidence[k] = append(st.evidence[k], seq)
	}
}

type secEvent struct {
	seq                                       int64
	at                                        time.Time
	actor, org, division, action, object, adr string
	details                                   map[string]any
}

// readSubject is who a data read is counted against: its grant, else the signed-in user,
// else its address.
func readSubject(ev *secEvent) string {
	if g, _ := ev.details["grant"].(string); g != "" {
		return "grant:" + g
	}
	if ev.actor != "" {
		return "user:" + ev.actor
	}
	return "addr:" + ev.adr
}

// wholeTable reports whether a read's details say it read the whole table: a dump, or a
// rows download in a file format without a filter.
func wholeTable(d map[string]any) bool {
	path, _ := d["path"].(string)
	format, _ := d["format"].(string)
	_, filtered := d["filter"]
	switch path {
	case "datastore/dump":
		return !filtered
	case "rows":
		return format != "" && format != "json" && !filtered
	}
	return false
}

// Scan implements pubdata.SecurityService: it reads the events after the cursor (data.read,
// user.login_failed) up to the log's size when it starts, at most max, counts
// them into security_counts, moves the cursor, and then checks the rules of the subjects it
// counted.
func (s *SecurityService) Scan(ctx context.Context, now time.Time, max int, isWorkday func(time.Time) bool) (*pubdata.SecurityScanResult, error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if max <= 0 {
		max = 100000
	}
	res := &pubdata.SecurityScanResult{}
	var size int64
	if err := s.db.queryRow(ctx, "SELECT last_seq FROM security_cursor WHERE id = 1").Scan(&res.From); err != nil {
		return nil, err
	}
	if err := s.db.queryRow(ctx, "SELECT size FROM audit_head WHERE id = 1").Scan(&size); err != nil {
		return nil, err
	}
	res.To = size
	if size-res.From > int64(max) {
		res.To = res.From + int64(max)
	}
	if res.To <= res.From {
		return res, nil
	}
	rows, err := s.db.query(ctx, `SELECT seq, time, actor, org, division, action, object, client_addr, details FROM audit_events
		WHERE seq > ? AND seq <= ? AND action IN ('data.read', 'user.login_failed') ORDER BY seq`, res.From, res.To)
	if err != nil {
		return nil, err
	}
	var evs []*secEvent
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			ev := &secEvent{}
			var details string
			if err := rows.Scan(&ev.seq, timeCol{&ev.at}, &ev.actor, &ev.org, &ev.division, &ev.action, &ev.object, &ev.adr, &details); err != nil {
				return err
			}
			_ = json.Unmarshal([]byte(details), &ev.details)
			evs = append(evs, ev)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, err
	}
	res.Events = len(evs)
	st := &scanState{counts: map[[3]string]int64{}, evidence: map[[2]string][]int64{}, orgs: map[[2]string][2]string{}, touched: map[[2]string]bool{}}
	entries := map[string]*secEntry{}
	for _, ev := range evs {
		switch ev.action {
		case "user.login_failed": // refused reads (data.refused) are 403 answers, counted by the web layer
			if ev.adr != "" {
				st.count("addr:"+ev.adr, countRefusals, minuteBucket(ev.at), ev.seq)
			}
			continue
		}
		id := strings.TrimPrefix(ev.object, "entry:")
		e, ok := entries[id]
		if !ok {
			e = s.secEntry(ctx, id)
			entries[id] = e
		}
		subject := readSubject(ev)
		st.count(subject, countReads, minuteBucket(ev.at), ev.seq)
		st.orgs[[2]string{subject, countReads}] = [2]string{e.org, id}
		if e.personal {
			st.count(subject, countPersonal, minuteBucket(ev.at), ev.seq)
			st.count(subject, countPersonal, dayBucket(ev.at), 0)
			st.orgs[[2]string{subject, countPersonal}] = [2]string{e.org, id}
			if set.OffHours && !set.WorkingTime(ev.at, isWorkday) {
				st.single = append(st.single, &pubdata.SecurityAlert{Kind: pubdata.SecurityOffHours, Subject: subject, Org: e.org, Division: e.division, Entry: id,
					Period: dayBucket(ev.at)[1:], Count: 1, Seqs: []int64{ev.seq}, Detail: ev.at.In(pubdata.ChinaTime).Format("2006-01-02 15:04")})
			}
		}
		if e.grade >= set.WholeTableGrade && wholeTable(ev.details) {
			st.single = append(st.single, &pubdata.SecurityAlert{Kind: pubdata.SecurityWholeTable, Subject: subject, Org: e.org, Division: e.division, Entry: id,
				Period: fmt.Sprintf("seq:%d", ev.seq), Count: 1, Seqs: []int64{ev.seq}, Detail: e.title})
		}
	}
	if err := s.addCounts(ctx, st.counts, res.From, res.To, now); err != nil {
		return nil, err
	}
	alerts := st.single
	for k := range st.touched {
		a, err := s.check(ctx, set, k[0], k[1], now)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		a.Seqs = st.evidence[k]
		if o, ok := st.orgs[k]; ok {
			a.Org, a.Entry = o[0], o[1]
			if e := entries[o[1]]; e != nil {
				a.Division = e.division
			}
		}
		alerts = append(alerts, a)
	}
	for _, a := range alerts {
		raised, err := s.raise(ctx, a, now)
		if err != nil {
			return nil, err
		}
		if raised {
			res.Raised++
		}
	}
	return res, nil
}

// secEntry looks up what the rules need of an entry (a retired entry: nothing).
func (s *SecurityService) secEntry(ctx context.Context, id string) *secEntry {
	e, err := s.db.cachedPublished(ctx, id)
	if err != nil {
		return &secEntry{}
	}
	se := &secEntry{org: e.Org, title: e.Title}
	for _, it := range e.Items {
		se.personal = se.personal || it.Personal
		se.grade = max(se.grade, it.Grade)
	}
	_ = s.db.queryRow(ctx, "SELECT division FROM orgs WHERE code = ?", e.Org).Scan(&se.division)
	return se
}

// addCounts adds the run's counts, moves the cursor from from to to (refusing a cursor
// another server moved meanwhile) and drops old buckets, in one transaction.
func (s *SecurityService) addCounts(ctx context.Context, counts map[[3]string]int64, from, to int64, now time.Time) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := tx.exec(ctx, "UPDATE security_cursor SET last_seq = ? WHERE id = 1 AND last_seq = ?", to, from)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return nil // another server counted these events
	}
	for k, n := range counts {
		if _, err := tx.exec(ctx, `INSERT INTO security_counts (subject, kind, bucket, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (subject, kind, bucket) DO UPDATE SET n = security_counts.n + excluded.n`, k[0], k[1], k[2], n); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "DELETE FROM security_counts WHERE bucket >= 'm' AND bucket < ?", minuteBucket(now.Add(-2*time.Hour))); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM security_counts WHERE bucket < ?", dayBucket(now.AddDate(0, 0, -91))); err != nil {
		return err
	}
	return tx.Commit()
}

// CountRequests adds the web layer's counts of refused requests (401, 403) per address and
// of an API token's uses per address, then checks the refusals and token-address rules of
// the subjects counted. at is the minute counted.
func (s *SecurityService) CountRequests(ctx context.Context, now time.Time, refusals map[string]int64, tokenAddrs map[string][]string) (int, error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	m := minuteBucket(now)
	for addr, n := range refusals {
		if _, err := tx.exec(ctx, `INSERT INTO security_counts (subject, kind, bucket, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (subject, kind, bucket) DO UPDATE SET n = security_counts.n + excluded.n`, "addr:"+addr, countRefusals, m, n); err != nil {
			return 0, err
		}
	}
	for tok, addrs := range tokenAddrs {
		for _, addr := range addrs {
			if _, err := tx.exec(ctx, `INSERT INTO security_counts (subject, kind, bucket, n) VALUES (?, ?, ?, 1)
				ON CONFLICT (subject, kind, bucket) DO UPDATE SET n = security_counts.n + 1`, "token:"+tok, "addr:"+addr, m); err != nil {
				return 0, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	raised := 0
	check := func(subject, kind string) error {
		a, err := s.check(ctx, set, subject, kind, now)
		if err != nil || a == nil {
			return err
		}
		if strings.HasPrefix(subject, "token:") {
			_ = s.db.queryRow(ctx, "SELECT o.code, o.division FROM tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.code = u.org WHERE t.id = ?",
				strings.TrimPrefix(subject, "token:")).Scan(&a.Org, &a.Division)
		}
		ok, err := s.raise(ctx, a, now)
		if ok {
			raised++
		}
		return err
	}
	for addr := range refusals {
		if err := check("addr:"+addr, countRefusals); err != nil {
			return raised, err
		}
	}
	for tok := range tokenAddrs {
		if err := check("token:"+tok, "addr:"); err != nil {
			return raised, err
		}
	}
	return raised, nil
}

func (s *SecurityService) sum(ctx context.Context, subject, kind, from, to string) (int64, error) {
	var n int64
	err := s.db.queryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM security_counts WHERE subject = ? AND kind = ? AND bucket >= ? AND bucket < ?", subject, kind, from, to).Scan(&n)
	return n, err
}

// check applies the rule of a count kind to a subject at now and returns the alert to raise
// (without its evidence), or nil.
func (s *SecurityService) check(ctx context.Context, set *pubdata.SecuritySettings, subject, kind string, now time.Time) (*pubdata.SecurityAlert, error) {
	hour := now.UTC().Format("2006-01-02T15")
	switch kind {
	case countPersonal:
		last, err := s.sum(ctx, subject, kind, minuteBucket(now.Add(-time.Hour)), minuteBucket(now.Add(time.Minute)))
		if err != nil || last < int64(set.BulkMinReads) {
			return nil, err
		}
		days := set.BaselineDays
		base, err := s.sum(ctx, subject, kind, dayBucket(now.AddDate(0, 0, -days)), dayBucket(now))
		if err != nil || !set.BulkExceeded(last, base, days) {
			return nil, err
		}
		return &pubdata.SecurityAlert{Kind: pubdata.SecurityBulkRead, Subject: subject, Period: hour, Count: last, Baseline: float64(base) / float64(days)}, nil
	case countReads:
		var n int64
		if err := s.db.queryRow(ctx, "SELECT COALESCE(MAX(n), 0) FROM security_counts WHERE subject = ? AND kind = ? AND bucket >= ?", subject, kind, minuteBucket(now.Add(-time.Hour))).Scan(&n); err != nil {
			return nil, err
		}
		if n < int64(set.ScrapePerMinute) {
			return nil, nil
		}
		return &pubdata.SecurityAlert{Kind: pubdata.SecurityScraping, Subject: subject, Period: hour, Count: n}, nil
	case countRefusals:
		n, err := s.sum(ctx, subject, kind, minuteBucket(now.Add(-10*time.Minute)), minuteBucket(now.Add(time.Minute)))
		if err != nil || n < int64(set.Refusals) {
			return nil, err
		}
		return &pubdata.SecurityAlert{Kind: pubdata.SecurityRefusals, Subject: subject, Period: hour, Count: n}, nil
	case "addr:":
		var n int64
		if err := s.db.queryRow(ctx, "SELECT COUNT(DISTINCT kind) FROM security_counts WHERE subject = ? AND kind LIKE 'addr:%' AND bucket >= ?", subject, minuteBucket(now.Add(-time.Hour))).Scan(&n); err != nil {
			return nil, err
		}
		if n < int64(set.TokenAddresses) {
			return nil, nil
		}
		return &pubdata.SecurityAlert{Kind: pubdata.SecurityTokenAddrs, Subject: subject, Period: hour, Count: n}, nil
	}
	return nil, nil
}

// raise inserts the alert unless one of its kind, subject and period exists, and records it
// and notifies the unit's admins and the authority in the same transaction.
func (s *SecurityService) raise(ctx context.Context, a *pubdata.SecurityAlert, now time.Time) (bool, error) {
	if a.Seqs == nil {
		a.Seqs = []int64{}
	}
	seqs, _ := json.Marshal(a.Seqs)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	a.ID, a.RaisedAt = newID(), now.UTC()
	r, err := tx.exec(ctx, `INSERT INTO security_alerts (id, kind, subject, org, division, entry_id, period, count, baseline, seqs, detail, raised_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, subject, period) DO NOTHING`,
		a.ID, a.Kind, a.Subject, a.Org, a.Division, a.Entry, a.Period, a.Count, a.Baseline, string(seqs), a.Detail, fmtTime(now))
	if err != nil {
		return false, err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return false, nil
	}
	if err := tx.record(ctx, change{Actor: "system", Org: a.Org, Division: a.Division, Action: "security.alert", Object: "security_alert:" + a.ID,
		Details: map[string]any{"kind": a.Kind, "subject": a.Subject, "period": a.Period, "count": a.Count, "baseline": a.Baseline, "seqs": a.Seqs}}); err != nil {
		return false, err
	}
	auths, err := tx.securityAuthorities(ctx, a.Division)
	if err != nil {
		return false, err
	}
	n := pubdata.NewNotification(pubdata.NoticeSecurityAlert, map[string]string{"kind": a.Kind, "subject": a.Subject, "count": fmt.Sprint(a.Count)}, "/console/alerts/"+a.ID, "security_alert:"+a.ID)
	officer := ""
	if a.Org != "" { // the unit's security officer, when it names one (G8)
		if err := tx.queryRow(ctx, "SELECT security_officer FROM orgs WHERE code = ?", a.Org).Scan(&officer); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: a.Org, Authorities: auths, User: officer}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// securityAuthorities are the covering authority of division, or the platform authorities
// when there is no division (an address's alerts).
func (tx *Tx) securityAuthorities(ctx context.Context, division string) ([]string, error) {
	if division != "" {
		a, err := tx.coveringAuthority(ctx, division)
		return authorities(a), err
	}
	rows, err := tx.query(ctx, "SELECT code, division FROM orgs WHERE kind = 'authority' ORDER BY code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code, div string
		if err := rows.Scan(&code, &div); err != nil {
			return nil, err
		}
		if len(pubdata.DivisionPrefix(div)) <= 2 {
			out = append(out, code)
		}
	}
	return out, rows.Err()
}

const alertColumns = "id, kind, subject, org, division, entry_id, period, count, baseline, seqs, detail, raised_at, dismissed_at, dismissed_by, dismiss_reason"

func scanAlert(sc scanner) (*pubdata.SecurityAlert, error) {
	var a pubdata.SecurityAlert
	var seqs string
	if err := sc.Scan(&a.ID, &a.Kind, &a.Subject, &a.Org, &a.Division, &a.Entry, &a.Period, &a.Count, &a.Baseline, &seqs, &a.Detail,
		timeCol{&a.RaisedAt}, ptrTime{&a.DismissedAt}, &a.DismissedBy, &a.DismissReason); err != nil {
		return nil, err
	}
	return &a, json.Unmarshal([]byte(seqs), &a.Seqs)
}

// Alerts implements pubdata.SecurityService, newest first.
func (s *SecurityService) Alerts(ctx context.Context, f pubdata.SecurityAlertFilter) ([]*pubdata.SecurityAlert, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	var c conds
	c.eq("org", f.Org)
	c.eq("kind", f.Kind)
	if f.Scope != nil {
		scopeDivision(&c, f.Scope)
	}
	if f.Dismissed != nil {
		if *f.Dismissed {
			c.add("dismissed_at IS NOT NULL")
		} else {
			c.add("dismissed_at IS NULL")
		}
	}
	rows, err := s.db.query(ctx, "SELECT "+alertColumns+" FROM security_alerts"+c.sql()+" ORDER BY raised_at DESC, id DESC LIMIT ?", append(c.args, limit)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanAlert)
	if out == nil {
		out = []*pubdata.SecurityAlert{}
	}
	return out, err
}

// scopeDivision limits division to an authority's scope (rows without a division only for a
// province-level authority).
func scopeDivision(c *conds, sc *pubdata.Scope) {
	if sc.IncludeNoOrg {
		c.add("(division LIKE ? OR division = '')", sc.DivisionPrefix+"%")
	} else {
		c.add("division LIKE ?", sc.DivisionPrefix+"%")
	}
}

// Alert implements pubdata.SecurityService.
func (s *SecurityService) Alert(ctx context.Context, id string) (*pubdata.SecurityAlert, error) {
	a, err := scanAlert(s.db.queryRow(ctx, "SELECT "+alertColumns+" FROM security_alerts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Security alert %q not found.", id).Keyed("error.security.alert_not_found", "ID", id)
	}
	return a, err
}

// Dismiss implements pubdata.SecurityService: the caller must see the alert (the http layer
// checked who may act); a reason is required.
func (s *SecurityService) Dismiss(ctx context.Context, id, reason string) (*pubdata.SecurityAlert, error) {
	reason, err := pubdata.IncidentText("reason", reason)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := scanAlert(tx.queryRow(ctx, "SELECT "+alertColumns+" FROM security_alerts WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Security alert %q not found.", id).Keyed("error.security.alert_not_found", "ID", id)
	} else if err != nil {
		return nil, err
	}
	if a.DismissedAt != nil {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The alert was already dismissed.").Keyed("error.security.dismissed")
	}
	by := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE security_alerts SET dismissed_at = ?, dismissed_by = ?, dismiss_reason = ? WHERE id = ?", fmtTime(tx.now), by, reason, id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "security.alert_dismiss", Object: "security_alert:" + id, Details: map[string]any{"kind": a.Kind, "reason": reason}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Alert(ctx, id)
}

// ptrTime scans a nullable stored time into a *time.Time field.
type ptrTime struct{ p **time.Time }

func (p ptrTime) Scan(v any) error {
	var n nullTime
	if err := n.Scan(v); err != nil {
		return err
	}
	*p.p = n.t
	return nil
}
