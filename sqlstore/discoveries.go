package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// Discovery of personal data (pubdata/discovery.go): inside every load's transaction the
// store samples the rows the batch wrote (its first pubdata.DiscoverySampleRows rows and as
// many chosen at random, by _row: one indexed lookup each) and keeps what
// pubdata.DiscoverItems finds in discoveries; DiscoverEntry does the same over the current
// rows (the command). Like the opened-data check, no value leaves this file: only the
// findings (items, kinds and counts). A finding in an open entry withholds its column from
// the public in the same transaction (tx.withhold, openwatch.go).

// DiscoveryService implements pubdata.DiscoveryService.
type DiscoveryService struct{ db *DB }

// NewDiscoveryService returns the discoveries on db.
func NewDiscoveryService(db *DB) *DiscoveryService { return &DiscoveryService{db: db} }

// discoveryTests are discovery's content tests: ident's validators.
var discoveryTests = pubdata.DiscoveryTests{
	ResidentID: func(v string) bool { return ident.ResidentID(v, time.Now()) == nil },
	Mobile:     func(v string) bool { return ident.Mobile(v) == nil },
	BankCard:   ident.BankCard,
	Email:      ident.Email,
}

// sampleRows reads the items' columns of e's table from the rows where selects (a condition,
// its order and limit) into sample.
func (tx *Tx) sampleRows(ctx context.Context, sample *pubdata.RowSample, tbl, where string, args ...any) error {
	rows, err := tx.query(ctx, "SELECT "+quoteAll(sample.Columns)+" FROM "+tbl+" WHERE "+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(sample.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
			case []byte:
				row[i] = string(x)
			case string:
				row[i] = x
			case int64:
				row[i] = strconv.FormatInt(x, 10)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		sample.Rows = append(sample.Rows, row)
	}
	return rows.Err()
}

// stringColumns are the items of e that the table holds and that may hold text: discovery
// looks at string columns only (a number column holds no name, and a resident ID or card
// number stored as a number is the definition's choice, which the pre-open check judges).
func stringColumns(e *pubdata.Entry, m *tableMeta) []string {
	var cols []string
	for _, it := range e.Items {
		if _, ok := m.columnsByName[it.Name]; ok && it.Type == "string" {
			cols = append(cols, it.Name)
		}
	}
	return cols
}

// discoverBatch samples the rows batch seq wrote (its rows' ordinals run from 1 to at most
// staged, the rows read) and keeps the findings.
func (tx *Tx) discoverBatch(ctx context.Context, e *pubdata.Entry, m *tableMeta, batch string, seq, staged int64) error {
	cols := stringColumns(e, m)
	if len(cols) == 0 {
		return nil
	}
	n := int64(pubdata.DiscoverySampleRows)
	sample := &pubdata.RowSample{Columns: cols}
	base := rowBase(seq)
	if err := tx.sampleRows(ctx, sample, m.tbl, fmt.Sprintf("_row >= ? AND _row < ? AND _to IS NULL ORDER BY _row LIMIT %d", n), base, rowBase(seq+1)); err != nil {
		return err
	}
	if staged > n {
		// As many again at random among the rest: distinct ordinals in (n, staged].
		picked := map[int64]bool{}
		args := []any{}
		for len(args) < int(min(n, staged-n)) {
			o := n + 1 + rand.Int64N(staged-n)
			if !picked[o] {
				picked[o] = true
				args = append(args, base+o)
			}
		}
		if err := tx.sampleRows(ctx, sample, m.tbl, "_to IS NULL AND _row IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+")", args...); err != nil {
			return err
		}
	}
	_, err := tx.discover(ctx, e, pubdata.DiscoveredByLoad, batch, sample)
	return err
}

// discover keeps what a sample shows: a new discovery per item and kind not seen before (an
// open one gets the new figures; a decided one is not raised again), the provider and the
// covering authority notified, and in an open entry the columns read in clear withheld from
// the public (openwatch.go). It returns the new discoveries' ids.
func (tx *Tx) discover(ctx context.Context, e *pubdata.Entry, source, batch string, sample *pubdata.RowSample) ([]string, error) {
	found := pubdata.DiscoverItems(&e.EntryFields, sample, discoveryTests)
	if len(found) == 0 {
		return nil, nil
	}
	var fresh []pubdata.DiscoveredItem
	var ids []string
	open := map[string]string{} // item\x00kind → id of the open discoveries (new or not)
	for _, d := range found {
		var id, status string
		err := tx.queryRow(ctx, "SELECT id, status FROM discoveries WHERE entry_id = ? AND item = ? AND kind = ?", e.ID, d.Item, d.Kind).Scan(&id, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id = newID()
			if _, err := tx.exec(ctx, `INSERT INTO discoveries (id, entry_id, org, division, item, item_title, kind, matched, sampled, grade, source, batch, status, found_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
				id, e.ID, e.Org, e.Division, d.Item, d.Title, d.Kind, d.Matched, d.Sampled, d.Grade, source, batch, fmtTime(tx.now)); err != nil {
				return nil, err
			}
			fresh, ids = append(fresh, d), append(ids, id)
			open[d.Item+"\x00"+d.Kind] = id
		case err != nil:
			return nil, err
		case status == pubdata.DiscoveryOpen:
			if _, err := tx.exec(ctx, "UPDATE discoveries SET matched = ?, sampled = ?, batch = ? WHERE id = ?", d.Matched, d.Sampled, batch, id); err != nil {
				return nil, err
			}
			open[d.Item+"\x00"+d.Kind] = id
		}
	}
	if err := tx.withholdDiscovered(ctx, e, source, batch, found, open); err != nil {
		return nil, err
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	if err := tx.record(ctx, change{Actor: systemActor(ctx), Org: e.Org, Division: e.Division, Action: "data.discover", Object: "entry:" + e.ID, Details: map[string]any{
		"source": source, "batch": batch, "found": fresh, "discoveries": ids, "rows_sampled": len(sample.Rows)}}); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, e.Division)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fresh))
	for i, d := range fresh {
		names[i] = d.Item
	}
	n := pubdata.NewNotification(pubdata.NoticeDiscoveryFound, map[string]string{"entry": e.Title, "items": strings.Join(names, ", ")},
		"/console/entries/"+e.ID+"#discoveries", "entry:"+e.ID)
	return ids, tx.notify(ctx, n, pubdata.NoticeParties{Provider: e.Org, Authorities: authorities(auth)})
}

// withholdDiscovered feeds the opened-data check: in an entry open to the public, the open
// discoveries whose items are read in clear (the effective mask policy masks them not),
// whose definition does not say they are personal (pubdata.DeclaredPersonal: the pre-open
// check judged those, as pubdata.WatchFindings has it), and not withheld yet — nor judged by the authority's resolution of an earlier finding — are
// withheld from the public at once (one opened-data finding), and marked withheld.
func (tx *Tx) withholdDiscovered(ctx context.Context, e *pubdata.Entry, source, batch string, found []pubdata.DiscoveredItem, open map[string]string) error {
	if !e.Watched() {
		return nil
	}
	var doc string
	if err := tx.queryRow(ctx, "SELECT withheld FROM data_tables WHERE entry_id = ?", e.ID).Scan(&doc); err != nil {
		return err
	}
	var withheld []string
	if err := json.Unmarshal([]byte(doc), &withheld); err != nil {
		return err
	}
	policy, err := tx.effectivePolicy(ctx, e.Org)
	if err != nil {
		return err
	}
	accepted, err := tx.acceptedItems(ctx, e.ID)
	if err != nil {
		return err
	}
	var items []pubdata.OpenRiskFinding
	for _, d := range found {
		id, ok := open[d.Item+"\x00"+d.Kind]
		if !ok {
			continue
		}
		i := slices.IndexFunc(e.Items, func(it pubdata.Item) bool { return it.Name == d.Item })
		mask := policy.ItemMask(e.Items[i])
		if mask != pubdata.MaskNone || pubdata.DeclaredPersonal(e.Items[i]) || accepted[d.Item+"\x00"+d.Kind] {
			continue
		}
		if !slices.Contains(withheld, d.Item) && !slices.ContainsFunc(items, func(x pubdata.OpenRiskFinding) bool { return x.Item == d.Item }) {
			items = append(items, pubdata.OpenRiskFinding{Item: d.Item, Title: d.Title, Kind: d.Kind, By: []string{pubdata.FoundByContent},
				Matched: d.Matched, Sampled: d.Sampled, Mask: mask, InClear: true})
		}
		if _, err := tx.exec(ctx, "UPDATE discoveries SET withheld = 1 WHERE id = ?", id); err != nil {
			return err
		}
	}
	watch := pubdata.WatchByLoad
	if source != pubdata.DiscoveredByLoad {
		watch = pubdata.WatchBySchedule
	}
	return tx.withhold(ctx, e, withheld, watch, batch, items)
}

const discoveryColumns = "d.id, d.entry_id, COALESCE(e.title, ''), d.org, d.division, d.item, d.item_title, d.kind, d.matched, d.sampled, d.grade, d.source, d.batch, d.status, d.withheld, d.found_at, d.decided_by, d.decided_at, d.reason"

const discoveryFrom = " FROM discoveries d LEFT JOIN entries e ON e.id = d.entry_id"

func scanDiscovery(sc scanner) (*pubdata.Discovery, error) {
	d := &pubdata.Discovery{}
	var decided nullTime
	var withheld int
	if err := sc.Scan(&d.ID, &d.Entry, &d.Title, &d.Org, &d.Division, &d.Item, &d.DiscoveredItem.Title, &d.Kind, &d.Matched, &d.Sampled, &d.Grade,
		&d.Source, &d.Batch, &d.Status, &withheld, timeCol{&d.FoundAt}, &d.DecidedBy, &decided, &d.Reason); err != nil {
		return nil, err
	}
	d.Withheld, d.DecidedAt = withheld != 0, decided.t
	return d, nil
}

func notFoundDiscovery(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Discovery %q not found.", id).Keyed("error.discovery.not_found", "ID", id)
}

// FindDiscoveries implements pubdata.DiscoveryService.
func (s *DiscoveryService) FindDiscoveries(ctx context.Context, f pubdata.DiscoveryFilter) ([]*pubdata.Discovery, error) {
	var where []string
	var args []any
	if f.Entry != "" {
		where, args = append(where, "d.entry_id = ?"), append(args, f.Entry)
	}
	if f.Org != "" {
		where, args = append(where, "d.org = ?"), append(args, f.Org)
	}
	if f.DivisionPrefix != "" {
		where, args = append(where, `d.division LIKE ? ESCAPE '\'`), append(args, likePrefix(f.DivisionPrefix))
	}
	if f.Status != "" {
		where, args = append(where, "d.status = ?"), append(args, f.Status)
	}
	q := "SELECT " + discoveryColumns + discoveryFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.query(ctx, q+" ORDER BY CASE WHEN d.status = 'open' THEN 0 ELSE 1 END, d.found_at DESC, d.id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanDiscovery)
}

// FindDiscovery implements pubdata.DiscoveryService.
func (s *DiscoveryService) FindDiscovery(ctx context.Context, id string) (*pubdata.Discovery, error) {
	d, err := scanDiscovery(s.db.queryRow(ctx, "SELECT "+discoveryColumns+discoveryFrom+" WHERE d.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundDiscovery(id)
	}
	return d, err
}

// decide locks an open discovery in tx; ECONFLICT when it was decided already.
func (tx *Tx) openDiscovery(ctx context.Context, id string) (*pubdata.Discovery, error) {
	d, err := scanDiscovery(tx.queryRow(ctx, "SELECT "+discoveryColumns+discoveryFrom+" WHERE d.id = ?"+tx.db.forUpdateOf("d"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundDiscovery(id)
	} else if err != nil {
		return nil, err
	}
	if d.Status != pubdata.DiscoveryOpen {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The discovery was decided already.").Keyed("error.discovery.decided")
	}
	return d, nil
}

// AcceptDiscovery implements pubdata.DiscoveryService: the mark is an edit of the working
// copy (recorded as entry.edit with its changes) in the transaction that accepts.
func (s *DiscoveryService) AcceptDiscovery(ctx context.Context, id string) (*pubdata.Discovery, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d, err := tx.openDiscovery(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := tx.entry(ctx, d.Entry)
	if err != nil {
		return nil, err
	}
	next, err := pubdata.NextEntryStatus(e.Status, pubdata.EntryEdit)
	if err != nil {
		return nil, err
	}
	f, err := pubdata.MarkDiscovered(e.EntryFields, &d.DiscoveredItem)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE entries SET doc = ?, flags = '[]', review_comment = '', status = ?, updated_at = ? WHERE id = ?", string(doc), string(next), fmtTime(tx.now), e.ID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "entry." + string(pubdata.EntryEdit), Object: "entry:" + e.ID, Details: map[string]any{
		"changes": pubdata.DiffEntryFields(e.EntryFields, f), "discovery": id, "from": e.Status, "to": next}}); err != nil {
		return nil, err
	}
	user := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE discoveries SET status = 'accepted', decided_by = ?, decided_at = ? WHERE id = ?", user, fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: d.Org, Division: d.Division, Action: "discovery.accept", Object: "entry:" + d.Entry, Details: map[string]any{
		"discovery": id, "item": d.Item, "kind": d.Kind, "grade": d.Grade}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindDiscovery(ctx, id)
}

// DismissDiscovery implements pubdata.DiscoveryService.
func (s *DiscoveryService) DismissDiscovery(ctx context.Context, id, reason string) (*pubdata.Discovery, error) {
	reason, err := pubdata.ValidateDismissReason(reason)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d, err := tx.openDiscovery(ctx, id)
	if err != nil {
		return nil, err
	}
	user := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE discoveries SET status = 'dismissed', decided_by = ?, decided_at = ?, reason = ? WHERE id = ?", user, fmtTime(tx.now), reason, id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: d.Org, Division: d.Division, Action: "discovery.dismiss", Object: "entry:" + d.Entry, Details: map[string]any{
		"discovery": id, "item": d.Item, "kind": d.Kind, "reason": reason}}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeDiscoveryDismissed, map[string]string{"entry": d.Title, "item": d.Item, "reason": reason},
		"/console/entries/"+d.Entry+"#discoveries", "entry:"+d.Entry)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: d.Org}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindDiscovery(ctx, id)
}

// DiscoverEntry implements pubdata.DiscoveryService: the first rows of the current table
// and as many at random (the database's random order).
func (s *DiscoveryService) DiscoverEntry(ctx context.Context, entryID string) ([]*pubdata.Discovery, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	e, err := scanCatalog(tx.queryRow(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id = ? OR c.code = ?", entryID, entryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundEntry(entryID)
	} else if err != nil {
		return nil, err
	}
	e.Status = pubdata.StatusPublished
	if e.Format != pubdata.FormatTable {
		return []*pubdata.Discovery{}, nil
	}
	m, err := tx.tableMeta(ctx, e.ID, true)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return []*pubdata.Discovery{}, nil
	} else if err != nil {
		return nil, err
	}
	cols := stringColumns(e, m)
	if len(cols) == 0 {
		return []*pubdata.Discovery{}, nil
	}
	sample := &pubdata.RowSample{Columns: cols}
	n := pubdata.DiscoverySampleRows
	if err := tx.sampleRows(ctx, sample, m.tbl, fmt.Sprintf("_to IS NULL ORDER BY _row LIMIT %d", n)); err != nil {
		return nil, err
	}
	if m.rowCount > int64(n) {
		if err := tx.sampleRows(ctx, sample, m.tbl, fmt.Sprintf("_to IS NULL ORDER BY random() LIMIT %d", n)); err != nil {
			return nil, err
		}
	}
	ids, err := tx.discover(ctx, e, pubdata.DiscoveredByCommand, "", sample)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	out := []*pubdata.Discovery{}
	for _, id := range ids {
		d, err := s.FindDiscovery(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
