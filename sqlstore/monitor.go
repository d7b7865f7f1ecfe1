package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
)

// MonitorService implements pubdata.MonitorService (migration 0029): Refresh reads the
// platform's facts with a few grouped statements in one snapshot, computes the figures with
// the domain's rules (monitor.go) and writes the rows that changed; the readers read the
// snapshot rows only.
type MonitorService struct {
	db *DB
	mu sync.Mutex // one refresh at a time on this server
}

var _ pubdata.MonitorService = (*MonitorService)(nil)

// NewMonitorService returns the monitoring aggregates on db.
func NewMonitorService(db *DB) *MonitorService { return &MonitorService{db: db} }

// monitorFacts are what one refresh reads.
type monitorFacts struct {
	entries []pubdata.EntryFigures
	names   map[string]string // org code → name
	orgDiv  map[string]string // org code → division
	units   []string          // public bodies and organisations with published entries
	replies map[string]*replyFacts
	demands map[string][2]int // org → unmet, answered
	// today's figures per org
	failedToday    map[string]int
	usesToday      map[string]int64
	requestedToday map[string]int
}

type replyFacts struct {
	apps, objs, tickets           []float64
	appsLate, objsLate, ticksLate int
}

func (f *monitorFacts) reply(org string) *replyFacts {
	r := f.replies[org]
	if r == nil {
		r = &replyFacts{}
		f.replies[org] = r
	}
	return r
}

// gather reads the facts at now in one snapshot.
func (s *MonitorService) gather(ctx context.Context, now time.Time, pullAlert int) (*monitorFacts, error) {
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f := &monitorFacts{names: map[string]string{}, orgDiv: map[string]string{}, replies: map[string]*replyFacts{}, demands: map[string][2]int{},
		failedToday: map[string]int{}, usesToday: map[string]int64{}, requestedToday: map[string]int{}}
	window := fmtTime(now.Add(-pubdata.MonitorWindowDays * 24 * time.Hour))
	fromDay := pubdata.Today(now.Add(-(pubdata.MonitorWindowDays - 1) * 24 * time.Hour))
	today := pubdata.Today(now)
	dayStart, _ := time.ParseInLocation(pubdata.DateFormat, today, pubdata.ChinaTime)

	// Organisations: the units are the public bodies (not terminated) and whoever owns a
	// published entry.
	rows, err := tx.query(ctx, "SELECT code, name, division, kind, COALESCE(status, '') FROM orgs")
	if err != nil {
		return nil, err
	}
	unit := map[string]bool{}
	for rows.Next() {
		var code, name, div, kind, status string
		if err := rows.Scan(&code, &name, &div, &kind, &status); err != nil {
			rows.Close()
			return nil, err
		}
		f.names[code], f.orgDiv[code] = name, div
		if pubdata.IsFederatedOrgCode(code) {
			continue // a peer platform's organisation: a unit of its own platform's board
		}
		if kind == string(pubdata.KindPublicBody) && status != "terminated" {
			unit[code] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Published entries with their tables.
	rows, err = tx.query(ctx, `SELECT c.entry_id, c.title, c.org, c.division, c.category, c.format, c.update_cycle, COALESCE(t.row_count, 0), t.last_loaded_at
		FROM catalog c LEFT JOIN data_tables t ON t.entry_id = c.entry_id ORDER BY c.entry_id`)
	if err != nil {
		return nil, err
	}
	f.entries, err = scanRows(rows, func(sc scanner) (pubdata.EntryFigures, error) {
		var e pubdata.EntryFigures
		var last nullTime
		err := sc.Scan(&e.Entry, &e.Title, &e.Org, &e.Division, &e.Category, &e.Format, &e.UpdateCycle, &e.Rows, &last)
		e.LastLoadedAt = last.t
		return e, err
	})
	if err != nil {
		return nil, err
	}
	// Entries mirrored from a peer platform's catalogue (with the rows that flow back) are
	// the peer's units' entries: counted on the peer's board, not here.
	f.entries = slices.DeleteFunc(f.entries, func(e pubdata.EntryFigures) bool { return pubdata.IsFederatedOrgCode(e.Org) })
	idx := make(map[string]int, len(f.entries))
	for i := range f.entries {
		idx[f.entries[i].Entry] = i
		unit[f.entries[i].Org] = true
	}
	each := func(q string, args []any, fn func(sc scanner) error) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	byEntry := func(q string, args []any, set func(e *pubdata.EntryFigures, n int64)) error {
		return each(q, args, func(sc scanner) error {
			var id string
			var n sql.NullInt64
			if err := sc.Scan(&id, &n); err != nil {
				return err
			}
			if i, ok := idx[id]; ok && n.Valid {
				set(&f.entries[i], n.Int64)
			}
			return nil
		})
	}
	// The latest score of each entry's rules.
	if err := byEntry(`SELECT r.entry_id, r.score FROM quality_runs r WHERE r.status = 'done' AND r.score IS NOT NULL
		AND r.finished_at = (SELECT MAX(x.finished_at) FROM quality_runs x WHERE x.entry_id = r.entry_id AND x.status = 'done' AND x.score IS NOT NULL)`, nil,
		func(e *pubdata.EntryFigures, n int64) { q := int(n); e.Quality = &q }); err != nil {
		return nil, err
	}
	if err := byEntry("SELECT entry_id, COUNT(*) FROM data_batches WHERE status = 'failed' AND created_at >= ? GROUP BY entry_id", []any{window},
		func(e *pubdata.EntryFigures, n int64) { e.FailedLoads = int(n) }); err != nil {
		return nil, err
	}
	if err := byEntry("SELECT entry_id, SUM(rows_loaded) FROM data_batches WHERE status = 'done' AND finished_at >= ? GROUP BY entry_id", []any{window},
		func(e *pubdata.EntryFigures, n int64) { e.RowsAdded = n }); err != nil {
		return nil, err
	}
	if err := byEntry("SELECT entry_id, MAX(failures) FROM pull_sources WHERE enabled = 1 GROUP BY entry_id", nil,
		func(e *pubdata.EntryFigures, n int64) { e.PullFailures = int(n) }); err != nil {
		return nil, err
	}
	if err := each("SELECT entry_id, kind, SUM(n) FROM usage_daily WHERE day >= ? GROUP BY entry_id, kind", []any{fromDay}, func(sc scanner) error {
		var id, kind string
		var n int64
		if err := sc.Scan(&id, &kind, &n); err != nil {
			return err
		}
		if i, ok := idx[id]; ok {
			t := pubdata.UsageTotals{Views: f.entries[i].Views, Downloads: f.entries[i].Downloads, APICalls: f.entries[i].APICalls}
			t.Add(pubdata.UseKind(kind), n)
			f.entries[i].Views, f.entries[i].Downloads, f.entries[i].APICalls = t.Views, t.Downloads, t.APICalls
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for i := range f.entries {
		e := &f.entries[i]
		if e.Format == "table" {
			e.Freshness = pubdata.MonitorFreshness(e.UpdateCycle, e.LastLoadedAt, now)
		}
		e.Problem = pubdata.EntryProblem(e, pullAlert)
	}

	// Today's figures per unit.
	byOrg := func(q string, args []any, set func(org string, n int64)) error {
		return each(q, args, func(sc scanner) error {
			var org string
			var n int64
			if err := sc.Scan(&org, &n); err != nil {
				return err
			}
			set(org, n)
			return nil
		})
	}
	if err := byOrg("SELECT org, COUNT(*) FROM data_batches WHERE status = 'failed' AND created_at >= ? GROUP BY org", []any{fmtTime(dayStart)},
		func(org string, n int64) { f.failedToday[org] = int(n) }); err != nil {
		return nil, err
	}
	if err := byOrg("SELECT provider, SUM(n) FROM usage_daily WHERE day = ? GROUP BY provider", []any{today},
		func(org string, n int64) { f.usesToday[org] = n }); err != nil {
		return nil, err
	}
	if err := byOrg("SELECT provider, COUNT(*) FROM demands WHERE provider <> '' AND created_at >= ? GROUP BY provider", []any{fmtTime(dayStart)},
		func(org string, n int64) { f.requestedToday[org] = int(n) }); err != nil {
		return nil, err
	}
	if err := each("SELECT provider, status, COUNT(*) FROM demands WHERE provider <> '' GROUP BY provider, status", nil, func(sc scanner) error {
		var org, status string
		var n int
		if err := sc.Scan(&org, &status, &n); err != nil {
			return err
		}
		d := f.demands[org]
		switch status {
		case pubdata.DemandAnswered:
			d[1] += n
		case pubdata.DemandDeclined:
		default:
			d[0] += n
		}
		f.demands[org] = d
		return nil
	}); err != nil {
		return nil, err
	}

	// Reply times: answers given in the reply window, and what is past due unanswered.
	replyFrom, nowText := fmtTime(now.Add(-pubdata.MonitorReplyDays*24*time.Hour)), fmtTime(now)
	hours := func(q string, add func(r *replyFacts, h float64)) error {
		return each(q, []any{replyFrom}, func(sc scanner) error {
			var org string
			var from, to time.Time
			if err := sc.Scan(&org, timeCol{&from}, timeCol{&to}); err != nil {
				return err
			}
			add(f.reply(org), max(0, to.Sub(from).Hours()))
			return nil
		})
	}
	if err := hours("SELECT provider, created_at, decided_at FROM applications WHERE decided_at IS NOT NULL AND decided_at >= ?",
		func(r *replyFacts, h float64) { r.apps = append(r.apps, h) }); err != nil {
		return nil, err
	}
	if err := hours("SELECT provider, created_at, resolved_at FROM objections WHERE resolved_at IS NOT NULL AND resolved_at >= ?",
		func(r *replyFacts, h float64) { r.objs = append(r.objs, h) }); err != nil {
		return nil, err
	}
	if err := hours("SELECT provider, due_from, answered_at FROM tickets WHERE answered_at IS NOT NULL AND answered_at >= ?",
		func(r *replyFacts, h float64) { r.tickets = append(r.tickets, h) }); err != nil {
		return nil, err
	}
	late := func(q string, set func(r *replyFacts, n int)) error {
		return byOrg(q, []any{nowText}, func(org string, n int64) { set(f.reply(org), int(n)) })
	}
	if err := late("SELECT provider, COUNT(*) FROM applications WHERE status = 'pending' AND due_at < ? GROUP BY provider",
		func(r *replyFacts, n int) { r.appsLate = n }); err != nil {
		return nil, err
	}
	if err := late("SELECT provider, COUNT(*) FROM objections WHERE status = 'open' AND due_at < ? GROUP BY provider",
		func(r *replyFacts, n int) { r.objsLate = n }); err != nil {
		return nil, err
	}
	if err := late("SELECT provider, COUNT(*) FROM tickets WHERE status IN ('open', 'reopened', 'escalated') AND due_at < ? GROUP BY provider",
		func(r *replyFacts, n int) { r.ticksLate = n }); err != nil {
		return nil, err
	}
	for org := range unit {
		f.units = append(f.units, org)
	}
	sort.Strings(f.units)
	return f, nil
}

// unitFigures rolls the facts up per unit, with the topics.
func (f *monitorFacts) unitFigures(now time.Time, pullAlert int) ([]pubdata.UnitFigures, []pubdata.TopicFigures) {
	byOrg := map[string]*pubdata.UnitFigures{}
	qsum, qn := map[string]int{}, map[string]int{}
	topics := map[[2]string]*pubdata.TopicFigures{}
	for _, org := range f.units {
		byOrg[org] = &pubdata.UnitFigures{Org: org, OrgName: f.names[org], Division: f.orgDiv[org], RefreshedAt: now.UTC()}
	}
	for i := range f.entries {
		e := &f.entries[i]
		u := byOrg[e.Org]
		u.AddEntry(e, pullAlert)
		if e.Quality != nil {
			qsum[e.Org] += *e.Quality
			qn[e.Org]++
		}
		k := [2]string{e.Org, e.Category}
		t := topics[k]
		if t == nil {
			t = &pubdata.TopicFigures{Org: e.Org, Category: e.Category}
			topics[k] = t
		}
		t.Entries++
		t.Rows += e.Rows
		t.Uses += e.Uses()
	}
	units := make([]pubdata.UnitFigures, 0, len(f.units))
	for _, org := range f.units {
		u := byOrg[org]
		u.Finish(qsum[org], qn[org])
		if r := f.replies[org]; r != nil {
			u.Applications = pubdata.ReplyStats(r.apps, r.appsLate)
			u.Objections = pubdata.ReplyStats(r.objs, r.objsLate)
			u.Tickets = pubdata.ReplyStats(r.tickets, r.ticksLate)
		}
		d := f.demands[org]
		u.DemandsUnmet, u.DemandsAnswered = d[0], d[1]
		units = append(units, *u)
	}
	ts := make([]pubdata.TopicFigures, 0, len(topics))
	for _, t := range topics {
		ts = append(ts, *t)
	}
	return units, ts
}

const monitorEntryCols = "entry_id, title, org, division, category, format, update_cycle, row_count, rows_added, last_loaded_at, freshness, quality, failed_loads, pull_failures, views, downloads, api_calls, uses, problem"

func scanEntryFigures(sc scanner) (pubdata.EntryFigures, error) {
	var e pubdata.EntryFigures
	var last nullTime
	var q sql.NullInt64
	var uses int64
	err := sc.Scan(&e.Entry, &e.Title, &e.Org, &e.Division, &e.Category, &e.Format, &e.UpdateCycle, &e.Rows, &e.RowsAdded, &last, &e.Freshness, &q,
		&e.FailedLoads, &e.PullFailures, &e.Views, &e.Downloads, &e.APICalls, &uses, &e.Problem)
	e.LastLoadedAt = last.t
	if q.Valid {
		n := int(q.Int64)
		e.Quality = &n
	}
	return e, err
}

func entryArgs(e *pubdata.EntryFigures) []any {
	var q any
	if e.Quality != nil {
		q = *e.Quality
	}
	return []any{e.Entry, e.Title, e.Org, e.Division, e.Category, e.Format, e.UpdateCycle, e.Rows, e.RowsAdded, optTime(e.LastLoadedAt), e.Freshness, q,
		e.FailedLoads, e.PullFailures, e.Views, e.Downloads, e.APICalls, e.Uses(), e.Problem}
}

// sameFigures reports whether two rows of an entry hold the same figures.
func sameFigures(a, b *pubdata.EntryFigures) bool {
	qa, qb := -1, -1
	if a.Quality != nil {
		qa = *a.Quality
	}
	if b.Quality != nil {
		qb = *b.Quality
	}
	la, lb := "", ""
	if a.LastLoadedAt != nil {
		la = fmtTime(*a.LastLoadedAt)
	}
	if b.LastLoadedAt != nil {
		lb = fmtTime(*b.LastLoadedAt)
	}
	return a.Title == b.Title && a.Org == b.Org && a.Division == b.Division && a.Category == b.Category && a.Format == b.Format && a.UpdateCycle == b.UpdateCycle &&
		a.Rows == b.Rows && a.RowsAdded == b.RowsAdded && la == lb && a.Freshness == b.Freshness && qa == qb && a.FailedLoads == b.FailedLoads &&
		a.PullFailures == b.PullFailures && a.Views == b.Views && a.Downloads == b.Downloads && a.APICalls == b.APICalls && a.Problem == b.Problem
}

// UpsertEntryFigures writes entries' rows (the refresh's writer, and the board benchmark's
// generator).
func (tx *Tx) upsertEntryFigures(ctx context.Context, e *pubdata.EntryFigures, at time.Time) error {
	set := []string{}
	for _, c := range strings.Split(monitorEntryCols, ", ")[1:] {
		set = append(set, c+" = excluded."+c)
	}
	_, err := tx.exec(ctx, "INSERT INTO monitor_entries ("+monitorEntryCols+", refreshed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (entry_id) DO UPDATE SET "+strings.Join(set, ", ")+", refreshed_at = excluded.refreshed_at", append(entryArgs(e), fmtTime(at))...)
	return err
}

// areasOf are the area prefixes a unit's division lies in: its province's, its city's and
// its own (pubdata.DivisionPrefix of each level).
func areasOf(division string) []string {
	if len(division) != 6 {
		return []string{division}
	}
	out := []string{division[:2]}
	if p := pubdata.DivisionPrefix(division[:4] + "00"); p != out[0] {
		out = append(out, p)
	}
	if p := pubdata.DivisionPrefix(division); p != out[len(out)-1] {
		out = append(out, p)
	}
	return out
}

// areaDay sums units' days per area.
type areaDay struct {
	rows                                                int64
	tables, withData, stale, never, qsum, qn, fail, req int
	uses                                                int64
}

func (a *areaDay) add(d *pubdata.UnitDay) {
	a.rows += d.Rows
	a.tables += d.Tables
	a.withData += d.WithData
	a.stale += d.Stale
	a.never += d.Never
	a.uses += d.Uses
	a.fail += d.Failed
	a.req += d.Requested
	if d.Quality != nil {
		a.qsum += *d.Quality
		a.qn++
	}
}

// writeAreaDays replaces the area sums of the days given.
func (tx *Tx) writeAreaDays(ctx context.Context, sums map[[2]string]*areaDay) error {
	for k, a := range sums {
		if _, err := tx.exec(ctx, `INSERT INTO monitor_area_daily (area, day, row_count, tables, with_data, stale, never, quality_sum, quality_n, uses, failed, requested)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (area, day) DO UPDATE SET row_count = excluded.row_count, tables = excluded.tables,
			with_data = excluded.with_data, stale = excluded.stale, never = excluded.never, quality_sum = excluded.quality_sum, quality_n = excluded.quality_n,
			uses = excluded.uses, failed = excluded.failed, requested = excluded.requested`,
			k[0], k[1], a.rows, a.tables, a.withData, a.stale, a.never, a.qsum, a.qn, a.uses, a.fail, a.req); err != nil {
			return err
		}
	}
	return nil
}

// Refresh implements pubdata.MonitorService.
func (s *MonitorService) Refresh(ctx context.Context, now time.Time, pullAlert int) (*pubdata.RefreshResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	if pullAlert <= 0 {
		pullAlert = pubdata.DefaultPullAlertFailures
	}
	f, err := s.gather(ctx, now, pullAlert)
	if err != nil {
		return nil, fmt.Errorf("monitor facts: %w", err)
	}
	units, topics := f.unitFigures(now, pullAlert)
	res := &pubdata.RefreshResult{Entries: len(f.entries), Units: len(units)}

	// The stored rows, to write only what changed.
	rows, err := s.db.query(ctx, "SELECT "+monitorEntryCols+" FROM monitor_entries")
	if err != nil {
		return nil, err
	}
	stored, err := scanRows(rows, scanEntryFigures)
	if err != nil {
		return nil, err
	}
	old := make(map[string]*pubdata.EntryFigures, len(stored))
	for i := range stored {
		old[stored[i].Entry] = &stored[i]
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for i := range f.entries {
		e := &f.entries[i]
		if o, ok := old[e.Entry]; ok {
			delete(old, e.Entry)
			if sameFigures(o, e) {
				continue
			}
		}
		if err := tx.upsertEntryFigures(ctx, e, now); err != nil {
			return nil, err
		}
		res.Changed++
	}
	for id := range old { // retired since
		if _, err := tx.exec(ctx, "DELETE FROM monitor_entries WHERE entry_id = ?", id); err != nil {
			return nil, err
		}
		res.Changed++
	}
	if _, err := tx.exec(ctx, "DELETE FROM monitor_units"); err != nil {
		return nil, err
	}
	today := pubdata.Today(now)
	areas := map[[2]string]*areaDay{}
	for i := range units {
		u := &units[i]
		day := pubdata.UnitDay{Rows: u.Rows, Tables: u.Tables, WithData: u.WithData, Stale: u.Stale, Never: u.Never, Quality: u.Quality,
			Uses: f.usesToday[u.Org], Failed: f.failedToday[u.Org], Requested: f.requestedToday[u.Org]}
		for _, area := range areasOf(u.Division) {
			k := [2]string{area, today}
			if areas[k] == nil {
				areas[k] = &areaDay{}
			}
			areas[k].add(&day)
		}
		doc, err := json.Marshal(u)
		if err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "INSERT INTO monitor_units (org, division, figures, refreshed_at) VALUES (?, ?, ?, ?)", u.Org, u.Division, string(doc), fmtTime(now)); err != nil {
			return nil, err
		}
		var q any
		if u.Quality != nil {
			q = *u.Quality
		}
		if _, err := tx.exec(ctx, `INSERT INTO monitor_daily (day, org, division, row_count, tables, with_data, stale, never, quality, uses, failed, requested)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org, day) DO UPDATE SET division = excluded.division, row_count = excluded.row_count,
			tables = excluded.tables, with_data = excluded.with_data, stale = excluded.stale, never = excluded.never, quality = excluded.quality,
			uses = excluded.uses, failed = excluded.failed, requested = excluded.requested`,
			today, u.Org, u.Division, u.Rows, u.Tables, u.WithData, u.Stale, u.Never, q, f.usesToday[u.Org], f.failedToday[u.Org], f.requestedToday[u.Org]); err != nil {
			return nil, err
		}
	}
	// Today's sums of every area anew (a unit may have moved, or gone).
	if _, err := tx.exec(ctx, "DELETE FROM monitor_area_daily WHERE day = ?", today); err != nil {
		return nil, err
	}
	if err := tx.writeAreaDays(ctx, areas); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "DELETE FROM monitor_topics"); err != nil {
		return nil, err
	}
	for _, t := range topics {
		if _, err := tx.exec(ctx, "INSERT INTO monitor_topics (org, division, category, entries, row_count, uses) VALUES (?, ?, ?, ?, ?, ?)",
			t.Org, f.orgDiv[t.Org], t.Category, t.Entries, t.Rows, t.Uses); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if err := s.alerts(ctx, f, now, pullAlert, res); err != nil {
		return nil, fmt.Errorf("monitor alerts: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// alerts raises the alerts whose condition started and closes those whose condition ended,
// each in a transaction of its own with its event (and, raised, its notifications).
func (s *MonitorService) alerts(ctx context.Context, f *monitorFacts, now time.Time, pullAlert int, res *pubdata.RefreshResult) error {
	rows, err := s.db.query(ctx, "SELECT id, entry_id, kind FROM monitor_alerts WHERE closed_at IS NULL")
	if err != nil {
		return err
	}
	open := map[[2]string]string{}
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var id, entry, kind string
			if err := rows.Scan(&id, &entry, &kind); err != nil {
				return err
			}
			open[[2]string{entry, kind}] = id
		}
		return rows.Err()
	}()
	if err != nil {
		return err
	}
	for i := range f.entries {
		e := &f.entries[i]
		for _, kind := range pubdata.AlertConditions(e, pullAlert) {
			k := [2]string{e.Entry, kind}
			if _, ok := open[k]; ok {
				delete(open, k)
				continue
			}
			raised, err := s.raise(ctx, e, kind, now)
			if err != nil {
				return err
			}
			if raised {
				res.Opened++
			}
		}
	}
	for _, id := range open {
		closed, err := s.closeAlert(ctx, id, now)
		if err != nil {
			return err
		}
		if closed {
			res.Closed++
		}
	}
	return nil
}

func (s *MonitorService) raise(ctx context.Context, e *pubdata.EntryFigures, kind string, now time.Time) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	detail, key := e.UpdateCycle, pubdata.NoticeMonitorStale
	if kind == pubdata.AlertPullFailing {
		detail, key = strconv.Itoa(e.PullFailures), pubdata.NoticeMonitorPullFailing
	}
	id := newID()
	if _, err := tx.exec(ctx, "INSERT INTO monitor_alerts (id, entry_id, kind, org, division, title, detail, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		id, e.Entry, kind, e.Org, e.Division, e.Title, detail, fmtTime(now)); err != nil {
		if isUniqueViolation(err) { // another server raised it
			return false, nil
		}
		return false, err
	}
	if err := tx.record(ctx, change{Actor: "system", Org: e.Org, Division: e.Division, Action: "monitor.alert", Object: "entry:" + e.Entry,
		Details: map[string]any{"alert": id, "kind": kind, "detail": detail}}); err != nil {
		return false, err
	}
	auth, err := tx.coveringAuthority(ctx, e.Division)
	if err != nil {
		return false, err
	}
	n := pubdata.NewNotification(key, map[string]string{"entry": e.Title, "detail": detail}, "/console/monitoring/units/"+e.Org, "entry:"+e.Entry)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: e.Org, Authorities: authorities(auth)}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

func (s *MonitorService) closeAlert(ctx context.Context, id string, now time.Time) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var entry, kind, org, division string
	err = tx.queryRow(ctx, "SELECT entry_id, kind, org, division FROM monitor_alerts WHERE id = ? AND closed_at IS NULL", id).Scan(&entry, &kind, &org, &division)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if _, err := tx.exec(ctx, "UPDATE monitor_alerts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", fmtTime(now), id); err != nil {
		return false, err
	}
	if err := tx.record(ctx, change{Actor: "system", Org: org, Division: division, Action: "monitor.alert_closed", Object: "entry:" + entry,
		Details: map[string]any{"alert": id, "kind": kind}}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// scope adds the board's scope to c.
func scopeConds(c *conds, scope pubdata.MonitorScope, divCol, orgCol string) {
	c.eq(orgCol, scope.Org)
	if scope.Org == "" {
		c.inDivision(divCol, scope.Division)
	}
}

// Units implements pubdata.MonitorService.
func (s *MonitorService) Units(ctx context.Context, scope pubdata.MonitorScope) ([]pubdata.UnitFigures, error) {
	var c conds
	scopeConds(&c, scope, "division", "org")
	rows, err := s.db.query(ctx, "SELECT figures FROM monitor_units"+c.sql()+" ORDER BY org", c.args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (pubdata.UnitFigures, error) {
		var doc string
		var u pubdata.UnitFigures
		if err := sc.Scan(&doc); err != nil {
			return u, err
		}
		return u, json.Unmarshal([]byte(doc), &u)
	})
	if out == nil {
		out = []pubdata.UnitFigures{}
	}
	return out, err
}

// History implements pubdata.MonitorService: a unit's days, or an area's sums (one row a
// day, whatever the number of units).
func (s *MonitorService) History(ctx context.Context, scope pubdata.MonitorScope, from string) ([]pubdata.UnitDay, error) {
	q := "SELECT day, row_count, tables, with_data, stale, never, quality, CASE WHEN quality IS NULL THEN 0 ELSE 1 END, uses, failed, requested FROM monitor_daily WHERE org = ? AND day >= ? ORDER BY day"
	args := []any{scope.Org, from}
	if scope.Org == "" {
		q = "SELECT day, row_count, tables, with_data, stale, never, quality_sum, quality_n, uses, failed, requested FROM monitor_area_daily WHERE area = ? AND day >= ? ORDER BY day"
		args[0] = pubdata.DivisionPrefix(scope.Division)
	}
	rows, err := s.db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (pubdata.UnitDay, error) {
		d := pubdata.UnitDay{Org: scope.Org}
		var qsum sql.NullInt64
		var qn int
		err := sc.Scan(&d.Day, &d.Rows, &d.Tables, &d.WithData, &d.Stale, &d.Never, &qsum, &qn, &d.Uses, &d.Failed, &d.Requested)
		if qn > 0 && qsum.Valid {
			q := int(math.Round(float64(qsum.Int64) / float64(qn)))
			d.Quality = &q
		}
		return d, err
	})
	if out == nil {
		out = []pubdata.UnitDay{}
	}
	return out, err
}

// Topics implements pubdata.MonitorService.
func (s *MonitorService) Topics(ctx context.Context, scope pubdata.MonitorScope) ([]pubdata.TopicFigures, error) {
	var c conds
	scopeConds(&c, scope, "division", "org")
	rows, err := s.db.query(ctx, "SELECT category, SUM(entries), SUM(row_count), SUM(uses) FROM monitor_topics"+c.sql()+" GROUP BY category ORDER BY SUM(uses) DESC, category", c.args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (pubdata.TopicFigures, error) {
		var t pubdata.TopicFigures
		return t, sc.Scan(&t.Category, &t.Entries, &t.Rows, &t.Uses)
	})
	if out == nil {
		out = []pubdata.TopicFigures{}
	}
	return out, err
}

func (s *MonitorService) entries(ctx context.Context, c conds, order string, n int) ([]pubdata.EntryFigures, error) {
	rows, err := s.db.query(ctx, "SELECT "+monitorEntryCols+" FROM monitor_entries"+c.sql()+" ORDER BY "+order+" LIMIT ?", append(c.args, n)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanEntryFigures)
	if out == nil {
		out = []pubdata.EntryFigures{}
	}
	return out, err
}

// TopEntries implements pubdata.MonitorService.
func (s *MonitorService) TopEntries(ctx context.Context, scope pubdata.MonitorScope, n int) ([]pubdata.EntryFigures, error) {
	var c conds
	c.add("uses > 0")
	scopeConds(&c, scope, "division", "org")
	return s.entries(ctx, c, "uses DESC, entry_id", n)
}

// ProblemEntries implements pubdata.MonitorService.
func (s *MonitorService) ProblemEntries(ctx context.Context, scope pubdata.MonitorScope, n int) ([]pubdata.EntryFigures, error) {
	var c conds
	c.add("problem > 0")
	scopeConds(&c, scope, "division", "org")
	return s.entries(ctx, c, "problem DESC, entry_id DESC", n) // one index, read backwards
}

// Entries implements pubdata.MonitorService.
func (s *MonitorService) Entries(ctx context.Context, f pubdata.MonitorEntryFilter) ([]pubdata.EntryFigures, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	var c conds
	c.add("org = ?", f.Org)
	c.eq("freshness", f.Freshness)
	if f.Problems {
		c.add("problem > 0")
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		parts := strings.SplitN(after, "\x00", 3)
		if len(parts) != 3 {
			return nil, "", pubdata.Errorf(pubdata.EINVALID, "cursor %q is not valid.", f.Cursor)
		}
		p, _ := strconv.Atoi(parts[0])
		c.add("(problem < ? OR (problem = ? AND (title > ? OR (title = ? AND entry_id > ?))))", p, p, parts[1], parts[1], parts[2])
	}
	list, err := s.entries(ctx, c, "problem DESC, title, entry_id", limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor(strconv.Itoa(last.Problem) + "\x00" + last.Title + "\x00" + last.Entry)
	}
	return list, next, nil
}

// Demands implements pubdata.MonitorService: a bounded read of the demand list (its votes
// index).
func (s *MonitorService) Demands(ctx context.Context, scope pubdata.MonitorScope, unmet bool, n int) ([]pubdata.DemandFigure, error) {
	var c conds
	scopeConds(&c, scope, "division", "provider")
	order := "votes DESC, created_at DESC, id"
	if unmet {
		c.add("status IN ('open', 'routed', 'planned')")
		order = "votes DESC, created_at, id"
	}
	rows, err := s.db.query(ctx, "SELECT id, title, status, votes, provider, division, COALESCE(entry, ''), created_at FROM demands"+c.sql()+" ORDER BY "+order+" LIMIT ?", append(c.args, n)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (pubdata.DemandFigure, error) {
		var d pubdata.DemandFigure
		return d, sc.Scan(&d.ID, &d.Title, &d.Status, &d.Votes, &d.Provider, &d.Division, &d.Entry, timeCol{&d.CreatedAt})
	})
	if out == nil {
		out = []pubdata.DemandFigure{}
	}
	return out, err
}

// Alerts implements pubdata.MonitorService.
func (s *MonitorService) Alerts(ctx context.Context, scope pubdata.MonitorScope, n int) ([]pubdata.Alert, error) {
	var c conds
	c.add("closed_at IS NULL")
	scopeConds(&c, scope, "division", "org")
	rows, err := s.db.query(ctx, "SELECT id, kind, entry_id, title, org, division, detail, opened_at, closed_at FROM monitor_alerts"+c.sql()+" ORDER BY opened_at DESC, id LIMIT ?", append(c.args, n)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc scanner) (pubdata.Alert, error) {
		var a pubdata.Alert
		var closed nullTime
		err := sc.Scan(&a.ID, &a.Kind, &a.Entry, &a.Title, &a.Org, &a.Division, &a.Detail, timeCol{&a.OpenedAt}, &closed)
		a.ClosedAt = closed.t
		return a, err
	})
	if out == nil {
		out = []pubdata.Alert{}
	}
	return out, err
}

// SeedMonitorBench writes generated snapshot rows for the board's benchmark: units public
// bodies named bench-NNN under division, entries spread over them, days of history each —
// directly, without catalogue entries or tables. It replaces any snapshot.
func (s *MonitorService) SeedMonitorBench(ctx context.Context, division string, units, entries, days int, now time.Time) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range []string{"monitor_entries", "monitor_units", "monitor_topics", "monitor_daily", "monitor_area_daily", "monitor_alerts"} {
		if _, err := tx.exec(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	cycles := []string{"daily", "weekly", "monthly", "quarterly", "yearly"}
	freshness := []string{pubdata.MonitorOnTime, pubdata.MonitorOnTime, pubdata.MonitorOnTime, pubdata.MonitorLate, pubdata.MonitorStale, pubdata.MonitorNever}
	byUnit := make([]pubdata.UnitFigures, units)
	qsum, qn := make([]int, units), make([]int, units)
	topics := map[[2]string]*pubdata.TopicFigures{}
	areas := map[[2]string]*areaDay{}
	for u := range byUnit {
		org := fmt.Sprintf("bench-%03d", u)
		byUnit[u] = pubdata.UnitFigures{Org: org, OrgName: fmt.Sprintf("基准单位%03d", u), Division: division, RefreshedAt: now.UTC()}
	}
	for i := 0; i < entries; i++ {
		u := i % units
		org := byUnit[u].Org
		q := 50 + i%51
		last := now.Add(-time.Duration(i%400) * time.Hour)
		e := pubdata.EntryFigures{Entry: fmt.Sprintf("bench-entry-%07d", i), Title: fmt.Sprintf("基准目录%07d", i), Org: org, Division: division,
			Category: strconv.Itoa(1+i%3) + fmt.Sprintf("%02d", i%12), Format: "table", UpdateCycle: cycles[i%len(cycles)], Rows: int64(i%5000) * 37,
			RowsAdded: int64(i % 300), LastLoadedAt: &last, Freshness: freshness[i%len(freshness)], Quality: &q, FailedLoads: i % 7 / 6,
			PullFailures: i % 11 / 8 * 3, Views: int64(i % 97), Downloads: int64(i % 13), APICalls: int64(i % 29)}
		if e.Freshness == pubdata.MonitorNever {
			e.Rows, e.LastLoadedAt = 0, nil
		}
		e.Problem = pubdata.EntryProblem(&e, pubdata.DefaultPullAlertFailures)
		if err := tx.upsertEntryFigures(ctx, &e, now); err != nil {
			return err
		}
		byUnit[u].AddEntry(&e, pubdata.DefaultPullAlertFailures)
		qsum[u] += q
		qn[u]++
		k := [2]string{org, e.Category}
		if topics[k] == nil {
			topics[k] = &pubdata.TopicFigures{Org: org, Category: e.Category}
		}
		topics[k].Entries++
		topics[k].Rows += e.Rows
		topics[k].Uses += e.Uses()
	}
	for u := range byUnit {
		f := &byUnit[u]
		f.Finish(qsum[u], qn[u])
		f.Applications = pubdata.ReplyStats([]float64{4, 20, 30, 50, 70}, u%3)
		doc, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO monitor_units (org, division, figures, refreshed_at) VALUES (?, ?, ?, ?)", f.Org, division, string(doc), fmtTime(now)); err != nil {
			return err
		}
		for d := 0; d < days; d++ {
			ud := pubdata.UnitDay{Day: pubdata.Today(now.Add(-time.Duration(d) * 24 * time.Hour)), Rows: f.Rows - int64(d*100), Tables: f.Tables, WithData: f.WithData,
				Stale: f.Stale, Never: f.Never, Quality: f.Quality, Uses: int64(100 + d%7*10), Failed: d % 3, Requested: d % 2}
			if _, err := tx.exec(ctx, `INSERT INTO monitor_daily (day, org, division, row_count, tables, with_data, stale, never, quality, uses, failed, requested)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ud.Day, f.Org, division, ud.Rows, ud.Tables, ud.WithData, ud.Stale, ud.Never, *ud.Quality, ud.Uses, ud.Failed, ud.Requested); err != nil {
				return err
			}
			for _, area := range areasOf(division) {
				k := [2]string{area, ud.Day}
				if areas[k] == nil {
					areas[k] = &areaDay{}
				}
				areas[k].add(&ud)
			}
		}
	}
	for _, t := range topics {
		if _, err := tx.exec(ctx, "INSERT INTO monitor_topics (org, division, category, entries, row_count, uses) VALUES (?, ?, ?, ?, ?, ?)",
			t.Org, division, t.Category, t.Entries, t.Rows, t.Uses); err != nil {
			return err
		}
	}
	if err := tx.writeAreaDays(ctx, areas); err != nil {
		return err
	}
	return tx.Commit()
}

// Generation returns the store's read generation (read_state.gen), which every change of an
// entry, an organisation or a table moves: serve refreshes the aggregates soon after it moves
// (a load), besides every monitor_interval.
func (s *MonitorService) Generation(ctx context.Context) (int64, error) { return s.db.readGen(ctx) }
