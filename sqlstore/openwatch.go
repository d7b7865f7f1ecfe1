package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
	"github.com/pubdata/pubdata/lib/ident"
)

// Opened data stays checked (E7, pubdata/openwatch.go): the pre-open check runs on the rows
// a batch wrote into an open entry inside the batch's transaction (watchRows, called by
// load), on a sample of the current rows of every open table once a day (RecheckOpened),
// and on a newly published version's items (watchVersion, called by the approval). A
// finding is a row of open_findings; the columns of the open ones are data_tables.withheld,
// read with the table's row through the read cache by every open read (package access).
// Both the finding and its resolution are recorded ("data.withhold", "data.withhold.resolve":
// data.* events bump the read cache's generation).
//
// The check is the store's own look at rows it holds, like the key rules of a batch: no
// value leaves this file, only the findings (items and counts).

// OpenWatchService implements pubdata.OpenWatchService.
type OpenWatchService struct{ db *DB }

// NewOpenWatchService returns the opened-data findings on db.
func NewOpenWatchService(db *DB) *OpenWatchService { return &OpenWatchService{db: db} }

// watchTests are the check's content tests: ident's validators.
var watchTests = pubdata.ValueTests{
	ResidentID: func(v string) bool { return ident.ResidentID(v, time.Now()) == nil },
	Mobile:     func(v string) bool { return ident.Mobile(v) == nil },
}

// Withheld implements pubdata.DataService.
func (s *DataService) Withheld(ctx context.Context, entryID string) ([]string, error) {
	m, err := s.db.cachedTableMeta(ctx, entryID) // readcache.go
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return m.withheld, nil
}

// effectivePolicy reads org's effective mask policy inside tx.
func (tx *Tx) effectivePolicy(ctx context.Context, org string) (pubdata.MaskPolicy, error) {
	platform, err := findPolicy(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	if platform == nil {
		platform = pubdata.CompleteMaskPolicy(nil, pubdata.DefaultMaskPolicy)
	}
	own, err := findPolicy(ctx, tx, org)
	if err != nil {
		return nil, err
	}
	return pubdata.EffectiveMaskPolicy(platform, own), nil
}

// watchRows samples at most pubdata.OpenRiskSampleRows rows of e's table selected by where
// (a condition and its order) and runs the check; findings not withheld yet (nor accepted
// by a resolution before) are withheld (pubdata.WatchFindings: content findings in items
// whose definition does not say they are personal).
func (tx *Tx) watchRows(ctx context.Context, e *pubdata.Entry, m *tableMeta, source, batch, where string, args ...any) error {
	var cols []string
	for _, it := range e.Items {
		if _, ok := m.columnsByName[it.Name]; ok {
			cols = append(cols, it.Name)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = quote(c)
		if m.encrypted(c) { // the check looks at the values: decrypted in Go (encryption.go)
			sel[i] = quote(encColumn(c))
		}
	}
	var ek *envelope.EntryKeys
	if m.hasEncrypted() {
		var err error
		if ek, err = tx.db.entryKeys(ctx, tx, m.entry, m.keyVersion); err != nil {
			return err
		}
	}
	rows, err := tx.query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+m.tbl+" WHERE "+where+fmt.Sprintf(" LIMIT %d", pubdata.OpenRiskSampleRows), args...)
	if err != nil {
		return err
	}
	sample := &pubdata.RowSample{Columns: cols}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v != nil && m.encrypted(cols[i]) {
				t, err := ek.Decrypt(cols[i], fmt.Sprint(normalizeStored(v)))
				if err != nil {
					rows.Close()
					return err
				}
				v = t
			}
			switch x := v.(type) {
			case nil:
			case []byte:
				row[i] = string(x)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		sample.Rows = append(sample.Rows, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(sample.Rows) == 0 {
		return nil
	}
	policy, err := tx.effectivePolicy(ctx, e.Org)
	if err != nil {
		return err
	}
	risk := pubdata.CheckOpenRisk(&e.EntryFields, policy, sample, watchTests)
	accepted, err := tx.acceptedItems(ctx, e.ID)
	if err != nil {
		return err
	}
	var found []pubdata.OpenRiskFinding
	for _, f := range pubdata.WatchFindings(risk, &e.EntryFields, m.withheld) {
		if !accepted[f.Item+"\x00"+f.Kind] {
			found = append(found, f)
		}
	}
	return tx.withhold(ctx, e, m.withheld, source, batch, found)
}

// acceptedItems are the item and kind pairs of the entry's resolved findings: the authority
// has judged them, so the checks do not raise them again.
func (tx *Tx) acceptedItems(ctx context.Context, entryID string) (map[string]bool, error) {
	rows, err := tx.query(ctx, "SELECT items FROM open_findings WHERE entry_id = ? AND status = 'resolved'", entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var items []pubdata.OpenRiskFinding
		if err := json.Unmarshal([]byte(doc), &items); err != nil {
			return nil, err
		}
		for _, it := range items {
			out[it.Item+"\x00"+it.Kind] = true
		}
	}
	return out, rows.Err()
}

// withhold records a finding of items (none: nothing to do) and withholds their columns
// from the public, notifying the provider and the covering authority.
func (tx *Tx) withhold(ctx context.Context, e *pubdata.Entry, withheld []string, source, batch string, items []pubdata.OpenRiskFinding) error {
	if len(items) == 0 {
		return nil
	}
	f := &pubdata.OpenFinding{ID: newID(), Entry: e.ID, Title: e.Title, Org: e.Org, Division: e.Division, Source: source, Batch: batch,
		Items: items, Status: pubdata.OpenFindingOpen, FoundAt: tx.now}
	doc, err := json.Marshal(items)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "INSERT INTO open_findings (id, entry_id, org, division, source, batch, items, status, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		f.ID, f.Entry, f.Org, f.Division, f.Source, f.Batch, string(doc), f.Status, fmtTime(tx.now)); err != nil {
		return err
	}
	cols := slices.Clone(withheld)
	names := make([]string, 0, len(items))
	for _, it := range items {
		names = append(names, it.Item)
		if !slices.Contains(cols, it.Item) {
			cols = append(cols, it.Item)
		}
	}
	slices.Sort(cols)
	if _, err := tx.exec(ctx, "UPDATE data_tables SET withheld = ? WHERE entry_id = ?", jsonList(cols), e.ID); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Actor: systemActor(ctx), Org: e.Org, Division: e.Division, Action: "data.withhold", Object: "entry:" + e.ID, Details: map[string]any{
		"finding": f.ID, "source": source, "batch": batch, "items": items, "withheld": cols}}); err != nil {
		return err
	}
	auth, err := tx.coveringAuthority(ctx, e.Division)
	if err != nil {
		return err
	}
	n := pubdata.NewNotification(pubdata.NoticeOpenRiskFound, map[string]string{"entry": e.Title, "items": strings.Join(names, ", "), "source": source},
		"/console/entries/"+e.ID, "entry:"+e.ID)
	return tx.notify(ctx, n, pubdata.NoticeParties{Provider: e.Org, Authorities: authorities(auth)})
}

// systemActor is the actor recorded for a check: the request's user, or "system" for the
// scheduled one.
func systemActor(ctx context.Context) string {
	if u := pubdata.ActorFromContext(ctx).Username(); u != "" {
		return u
	}
	return "system"
}

// watchVersion withholds the items of grade pubdata.WatchGrade or above that the newly
// published version e (version > 1) adds to an open entry (approval's transaction).
func (tx *Tx) watchVersion(ctx context.Context, e *pubdata.Entry) error {
	if e.Version < 2 || !e.Watched() {
		return nil
	}
	var doc string
	if err := tx.queryRow(ctx, "SELECT doc FROM entry_versions WHERE entry_id = ? AND version = ?", e.ID, e.Version-1).Scan(&doc); err != nil {
		return err
	}
	var old pubdata.EntryFields
	if err := json.Unmarshal([]byte(doc), &old); err != nil {
		return err
	}
	if !old.Watched() {
		return nil // the entry is newly opened: the pre-open check judged it
	}
	m, err := tx.tableMeta(ctx, e.ID, false)
	if err != nil {
		return err
	}
	return tx.withhold(ctx, e, m.withheld, pubdata.WatchByVersion, "", pubdata.NewGradedItems(&old, &e.EntryFields, m.withheld))
}

const openFindingColumns = "f.id, f.entry_id, COALESCE(e.title, ''), f.org, f.division, f.source, f.batch, f.items, f.status, f.found_at, f.resolved_by, f.resolved_at, f.note"

const openFindingFrom = " FROM open_findings f LEFT JOIN entries e ON e.id = f.entry_id"

func scanOpenFinding(sc interface{ Scan(...any) error }) (*pubdata.OpenFinding, error) {
	f := &pubdata.OpenFinding{}
	var items string
	var resolved nullTime
	if err := sc.Scan(&f.ID, &f.Entry, &f.Title, &f.Org, &f.Division, &f.Source, &f.Batch, &items, &f.Status, timeCol{&f.FoundAt}, &f.ResolvedBy, &resolved, &f.Note); err != nil {
		return nil, err
	}
	f.ResolvedAt = resolved.t
	return f, json.Unmarshal([]byte(items), &f.Items)
}

func notFoundOpenFinding(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Opened-data finding %q not found.", id).Keyed("error.open_finding.not_found", "ID", id)
}

// FindOpenFindings implements pubdata.OpenWatchService.
func (s *OpenWatchService) FindOpenFindings(ctx context.Context, entryID string) ([]*pubdata.OpenFinding, error) {
	rows, err := s.db.query(ctx, "SELECT "+openFindingColumns+openFindingFrom+" WHERE f.entry_id = ? ORDER BY CASE WHEN f.status = 'open' THEN 0 ELSE 1 END, f.found_at DESC, f.id LIMIT 100", entryID)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanOpenFinding)
}

// FindOpenFinding implements pubdata.OpenWatchService.
func (s *OpenWatchService) FindOpenFinding(ctx context.Context, id string) (*pubdata.OpenFinding, error) {
	f, err := scanOpenFinding(s.db.queryRow(ctx, "SELECT "+openFindingColumns+openFindingFrom+" WHERE f.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundOpenFinding(id)
	}
	return f, err
}

// ResolveOpenFinding implements pubdata.OpenWatchService.
func (s *OpenWatchService) ResolveOpenFinding(ctx context.Context, id, note string) (*pubdata.OpenFinding, error) {
	note, err := pubdata.ValidateRectificationText("note", note, true)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := scanOpenFinding(tx.queryRow(ctx, "SELECT "+openFindingColumns+openFindingFrom+" WHERE f.id = ?"+tx.db.forUpdateOf("f"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundOpenFinding(id)
	} else if err != nil {
		return nil, err
	}
	if f.Status != pubdata.OpenFindingOpen {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The finding was resolved already.").Keyed("error.open_finding.resolved")
	}
	if _, err := tx.exec(ctx, "UPDATE open_findings SET status = 'resolved', resolved_by = ?, resolved_at = ?, note = ? WHERE id = ?",
		pubdata.ActorFromContext(ctx).Username(), fmtTime(tx.now), note, id); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, "SELECT "+openFindingColumns+openFindingFrom+" WHERE f.entry_id = ? AND f.status = 'open'", f.Entry)
	if err != nil {
		return nil, err
	}
	open, err := scanRows(rows, scanOpenFinding)
	if err != nil {
		return nil, err
	}
	cols := pubdata.WithheldAfter(open)
	if _, err := tx.exec(ctx, "UPDATE data_tables SET withheld = ? WHERE entry_id = ?", jsonList(cols), f.Entry); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: f.Org, Division: f.Division, Action: "data.withhold.resolve", Object: "entry:" + f.Entry,
		Details: map[string]any{"finding": id, "note": note, "withheld": cols}}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeOpenRiskResolved, map[string]string{"entry": f.Title, "note": note}, "/console/entries/"+f.Entry, "entry:"+f.Entry)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: f.Org}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindOpenFinding(ctx, id)
}

// RecheckOpened implements pubdata.OpenWatchService. Each table is claimed by setting its
// watched_at in the transaction of its check, so that two servers do not check it twice.
func (s *OpenWatchService) RecheckOpened(ctx context.Context, now time.Time, limit int) (int, error) {
	before := fmtTime(now.Add(-pubdata.WatchInterval))
	rows, err := s.db.query(ctx, `SELECT c.entry_id FROM catalog c JOIN data_tables t ON t.entry_id = c.entry_id
		WHERE c.format = 'table' AND c.open_class IN ('unconditional', 'conditional') AND t.row_count > 0 AND (t.watched_at IS NULL OR t.watched_at < ?)
		ORDER BY t.watched_at, c.entry_id LIMIT ?`, before, limit)
	if err != nil {
		return 0, err
	}
	ids, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) { var id string; return id, sc.Scan(&id) })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := s.recheck(ctx, id, before, now)
		if err != nil {
			return n, fmt.Errorf("recheck %s: %w", id, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (s *OpenWatchService) recheck(ctx context.Context, id, before string, now time.Time) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE data_tables SET watched_at = ? WHERE entry_id = ? AND (watched_at IS NULL OR watched_at < ?)", fmtTime(now), id, before)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	e, err := scanCatalog(tx.queryRow(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id = ?", id))
	if err != nil {
		return false, err
	}
	e.Status = pubdata.StatusPublished
	if !e.Watched() {
		return false, tx.Commit()
	}
	m, err := tx.tableMeta(ctx, id, true)
	if err != nil {
		return false, err
	}
	// The latest rows: what was loaded most recently is what has not been checked yet.
	if err := tx.watchRows(ctx, e, m, pubdata.WatchBySchedule, "", "_to IS NULL ORDER BY _row DESC"); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
