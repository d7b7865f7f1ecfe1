// Package access is the one read path of entries' data. Every read of a table's rows — JSON
// pages, every download format, CKAN's datastore_search and dump, the portal's previews and
// charts, signed extracts, subject lookups — and every service-interface call opens a Read
// here for the caller (the actor in the context), the entry and the purpose:
//
//   - the decision is pubdata.DecideAccess's (visibility is the caller's job: an entry the
//     caller may not see is "not found" before a read is opened), with the caller's live
//     grants, the effective mask policy (the stricter of the platform's and the provider's)
//     and the suspension of the caller's organisation (sanctions);
//   - a Selection applies it to a query: only the decision's columns are returned (naming
//     another is refused), masked columns' values are masked in every format, a filter, sort
//     or key lookup on a masked or withheld column is refused, full text searches only the
//     unmasked columns, and the grant's row filter is ANDed with the caller's;
//   - rows frozen by open objections are never returned (the store leaves them out);
//   - the read is recorded once ("data.read", for shared reads and any read by the
//     authority, with the purpose) and its use counted once, before the first row;
//   - a refusal of purpose binding (D4: another purpose than the grant's, or a grant not
//     held) is recorded ("data.refused").
//
// Reader holds the store's raw row reader (Tables) and is the only holder of it: the store's
// DataService has no row-returning method, cmd/pubdata hands the raw reader to New alone,
// and the transports get a *Reader. A test in package http checks that the web layer can
// reach no raw reader.
package access

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/fingerprint"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/lib/mask"
)

// Tables is the store's raw reader of entries' tables: rows and counts with no access policy
// (sqlstore.RowReader). Only New takes one.
type Tables interface {
	// QueryRows runs q over the entry's table and calls fn with each row's values in the
	// order of the returned columns, streaming; it returns the columns and the next page's
	// cursor.
	QueryRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, fn func(values []any) error) ([]string, string, error)
	// CountRows returns how many rows q selects (at most q.CountLimit+1 when it is set).
	CountRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery) (int64, error)
	// GroupRows returns the groups of the rows q selects, as g asks.
	GroupRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrouping) ([]pubdata.RowGroup, error)
	// GridRows counts the rows q selects that hold coordinates in the cells of a grid.
	GridRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrid) (*pubdata.Grid, error)
}

// Summaries is what Tables may also do (sqlstore.RowReader): answer a grouping of every
// current row from the summary kept per table generation (aggregate.go's SummaryState says
// how it fared), for the noisy aggregates of usable-but-invisible entries.
type Summaries interface {
	SummaryGroups(ctx context.Context, e *pubdata.Entry, g pubdata.RowGrouping) ([]pubdata.RowGroup, pubdata.SummaryState, error)
}

// GrantFinder finds a caller's live grants (pubdata.ApplicationService).
type GrantFinder interface {
	LiveGrants(ctx context.Context, a *pubdata.Actor, entryID string, now time.Time) ([]*pubdata.Grant, error)
}

// Services are what a Reader needs besides the raw tables; the transport that serves the
// reads sets them (With).
type Services struct {
	// Data gives the tables' figures and records reads and refusals (required).
	Data pubdata.DataService
	// Grants finds the caller's live grants; nil: nobody holds a grant.
	Grants GrantFinder
	// MaskPolicies gives the effective mask policy; nil: pubdata.DefaultMaskPolicy.
	MaskPolicies pubdata.MaskPolicyService
	// CountUse counts a use of an entry; nil: uses are not counted.
	CountUse func(e *pubdata.Entry, kind pubdata.UseKind)
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Privacy keeps the privacy budgets of verifications and aggregates; nil: refused.
	Privacy pubdata.PrivacyService
	// FingerprintKey is the platform's secret of fingerprints (fingerprint.go); empty: no
	// copy is fingerprinted. Fingerprints gives the items a provider keeps unmarked and the
	// recipients of copies (traces); nil: none kept unmarked, nothing to trace.
	FingerprintKey []byte
	Fingerprints   pubdata.FingerprintService
	// ScanAggregates makes noisy aggregates scan the table even where the kept summary
	// would answer (the benchmark's baseline).
	ScanAggregates bool
	// SummaryWanted is told of an entry whose aggregate found its summary missing or stale
	// (the server queues its build); nil: nobody is told.
	SummaryWanted func(e *pubdata.Entry)
}

// Reader is the one read path. The zero value is not usable: New, then With.
type Reader struct {
	tables Tables
	blobs  Blobs
	svc    Services
	// products finds buyers' deliveries and records product reads (product.go).
	products ProductReads
}

// New returns a Reader on the store's raw tables. Call With before use.
func New(t Tables) *Reader { return &Reader{tables: t} }

// With returns a copy of r using the services s.
func (r *Reader) With(s Services) *Reader {
	c := *r
	c.svc = s
	return &c
}

func (r *Reader) now() time.Time {
	if r.svc.Now == nil {
		return time.Now()
	}
	return r.svc.Now()
}

// errNoTables answers the reads of a Reader without tables.
var errNoTables = pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no data tables.").Keyed("error.not_available.data")

// Purpose is what a read says it is for: the free text (X-Purpose) and the grant it names
// (X-Grant), either may be "".
type Purpose struct {
	Text  string
	Grant string
}

// RequestPurpose is the purpose of the request in ctx (its X-Purpose and X-Grant).
func RequestPurpose(ctx context.Context) Purpose {
	req := pubdata.RequestFromContext(ctx)
	return Purpose{Text: req.Purpose, Grant: req.Grant}
}

// Kind says how a read is served, for its record and its use count.
type Kind struct {
	Path   string          // rows, datastore_search, datastore/dump, preview, chart, extract, call
	Format string          // the download format, if any
	Use    pubdata.UseKind // the use counted; "": not counted
	// OwnRecord is set for the paths that keep their own record of the read (extracts,
	// service calls): no "data.read" is written for them.
	OwnRecord bool
	// Always records the read even when it is the provider's own (whole-table reads made to
	// derive something from the data: anonymisation).
	Always bool
	// Mark fingerprints the rows of a shared read for its recipient (copies of rows:
	// downloads, JSON pages, CKAN searches and dumps).
	Mark bool
}

// The kinds of the read paths.
var (
	KindPreview = Kind{Path: "preview"}
	KindChart   = Kind{Path: "chart"}
	KindExtract = Kind{Path: "extract", OwnRecord: true}
	KindCall    = Kind{Path: "call", Use: pubdata.UseAPICall, OwnRecord: true}
	KindSearch  = Kind{Path: "datastore_search", Use: pubdata.UseAPICall, Mark: true}
	// KindInfo is CKAN's datastore_info: the fields and the number of rows the caller reads.
	KindInfo = Kind{Path: "datastore_info", Use: pubdata.UseAPICall}
	KindFile = Kind{Path: "file", Use: pubdata.UseDownload}
	// KindAnonymise is a whole table read to be anonymised (pubdata anonymise --entry).
	KindAnonymise = Kind{Path: "anonymise", Use: pubdata.UseDownload, Always: true}
)

// KindRows is the kind of a rows read in format ("" or json: an API call, else a download).
func KindRows(format string) Kind {
	if format == "" {
		format = "json"
	}
	use := pubdata.UseDownload
	if format == "json" {
		use = pubdata.UseAPICall
	}
	return Kind{Path: "rows", Format: format, Use: use, Mark: true}
}

// KindDump is the kind of a CKAN dump in format.
func KindDump(format string) Kind {
	return Kind{Path: "datastore/dump", Format: format, Use: pubdata.UseDownload, Mark: true}
}

// Read is a caller's read of one entry: the decision, and the record and use count it
// writes once.
type Read struct {
	r        *Reader
	a        *pubdata.Actor
	e        *pubdata.Entry
	p        Purpose
	d        pubdata.AccessDecision
	recorded bool
}

// Open decides the caller's (the actor in ctx) read of the published entry e, which the
// caller may see, for purpose p. It fails only when the decision's inputs cannot be read;
// a refusal is the Read's (Allowed, Refused).
func (r *Reader) Open(ctx context.Context, e *pubdata.Entry, p Purpose) (*Read, error) {
	req, err := r.request(ctx, e, p)
	if err != nil {
		return nil, err
	}
	return &Read{r: r, a: req.Actor, e: e, p: p, d: pubdata.DecideAccess(req)}, nil
}

// request gathers the inputs of the caller's access decision on e.
func (r *Reader) request(ctx context.Context, e *pubdata.Entry, p Purpose) (pubdata.AccessRequest, error) {
	a := pubdata.ActorFromContext(ctx)
	req := pubdata.AccessRequest{Actor: a, Entry: e, Purpose: p.Text, Grant: p.Grant, Now: r.now()}
	if a.Org != nil {
		req.Suspended = a.Org.DataServiceStopped()
	}
	if !pubdata.CanReadAllData(a, e) {
		var err error
		if !a.Anonymous() && r.svc.Grants != nil {
			if req.Grants, err = r.svc.Grants.LiveGrants(ctx, a, e.ID, req.Now); err != nil {
				return req, err
			}
		}
		if req.Policy, err = r.MaskPolicy(ctx, e); err != nil {
			return req, err
		}
		if e.Watched() && r.svc.Data != nil { // the columns an opened-data finding withholds (E7)
			if req.Withheld, err = r.svc.Data.Withheld(ctx, e.ID); err != nil {
				return req, err
			}
		}
	}
	return req, nil
}

// MaskPolicy is the effective mask policy of the entry's reads: the stricter of the
// platform's and its provider's (DefaultMaskPolicy without a MaskPolicyService).
func (r *Reader) MaskPolicy(ctx context.Context, e *pubdata.Entry) (pubdata.MaskPolicy, error) {
	if r.svc.MaskPolicies == nil {
		return pubdata.DefaultMaskPolicy, nil
	}
	return r.svc.MaskPolicies.Effective(ctx, e.Org)
}

// Decision is the read's decision.
func (rd *Read) Decision() pubdata.AccessDecision { return rd.d }

// Allowed reports whether the caller may read.
func (rd *Read) Allowed() bool { return rd.d.Allow }

// Entry is the entry read.
func (rd *Read) Entry() *pubdata.Entry { return rd.e }

// Refused is the error of a refused read: 401 for an anonymous caller when signIn is set
// (the paths that ask callers to sign in), else 403 with the decision's sentence. A refusal
// of purpose binding is recorded ("data.refused") first, once per Read; kind names the path.
func (rd *Read) Refused(ctx context.Context, kind Kind, signIn bool) error {
	d := rd.d
	if pubdata.PurposeRefusal(d.Reason) && rd.r.svc.Data != nil && !rd.recorded {
		rd.recorded = true // once per Read, as its record
		details := map[string]any{"reason": d.Reason, "path": kind.Path}
		if kind.Format != "" {
			details["format"] = kind.Format
		}
		if rd.p.Grant != "" {
			details["grant"] = rd.p.Grant
		}
		req := pubdata.RequestFromContext(ctx)
		req.Purpose = rd.p.Text // the purpose refused, wherever it was given
		rctx := pubdata.NewContextWithRequest(context.WithoutCancel(ctx), req)
		if err := rd.r.svc.Data.RecordRefusal(rctx, rd.e, details); err != nil {
			return err
		}
	}
	msg := d.Msg
	if msg == nil {
		msg = pubdata.NewMessage("error.sentence", "Text", d.Message)
	}
	if signIn && rd.a.Anonymous() {
		return pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\": %s", d.Message).Keyed("error.access.sign_in", "Problem", msg)
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "%s", d.Message).Keyed("error.quoted", "Problem", msg)
}

// Serve records a read that returns no rows of the table through this package (a service
// call: the provider's service answers) and counts its use, once.
func (rd *Read) Serve(ctx context.Context, kind Kind) error {
	if !rd.d.Allow {
		return rd.Refused(ctx, kind, true)
	}
	return rd.record(ctx, kind, nil, nil)
}

// Context returns ctx whose request information carries the read's purpose (the grant's
// when the caller sent none), for the records written under it.
func (rd *Read) Context(ctx context.Context) context.Context {
	req := pubdata.RequestFromContext(ctx)
	if req.Purpose == "" && rd.d.Purpose != "" {
		req.Purpose = rd.d.Purpose
		return pubdata.NewContextWithRequest(ctx, req)
	}
	return ctx
}

// record writes the read's record (shared reads and any read by the authority, with the
// decision's purpose; not for kinds that keep their own) and counts its use, once per Read.
func (rd *Read) record(ctx context.Context, kind Kind, q *pubdata.RowQuery, extra map[string]any) error {
	if rd.recorded {
		return nil
	}
	rd.recorded = true
	d := rd.d
	if kind.Use != "" && rd.r.svc.CountUse != nil {
		rd.r.svc.CountUse(rd.e, kind.Use)
	}
	if kind.OwnRecord || (!d.Shared && d.Reason != pubdata.AccessAuthority && !kind.Always) || rd.r.svc.Data == nil {
		return nil
	}
	req := pubdata.RequestFromContext(ctx)
	req.Purpose = d.Purpose
	if req.Purpose == "" {
		req.Purpose = rd.p.Text
	}
	ctx = pubdata.NewContextWithRequest(context.WithoutCancel(ctx), req)
	details := map[string]any{"path": kind.Path, "reason": d.Reason}
	if kind.Format != "" || kind.Path == "rows" || kind.Path == "datastore/dump" {
		details["format"] = kind.Format
	}
	if q != nil {
		details["columns"] = q.Fields
		if f := filterNames(q); len(f) > 0 {
			details["filter"] = f // columns and operators, not the values looked up
		}
	}
	if len(d.Masks) > 0 {
		details["masked"] = d.Masks
	}
	if d.Grant != nil {
		details["grant"] = d.Grant.ID
	}
	if d.Filter != "" {
		details["grant_filter"] = d.Filter
	}
	for k, v := range extra {
		details[k] = v
	}
	return rd.r.svc.Data.RecordRead(ctx, rd.e, details)
}

// filterNames lists a query's conditions as col__op (and _q for full text).
func filterNames(q *pubdata.RowQuery) []string {
	var out []string
	for _, f := range q.Filters {
		out = append(out, f.Column+"__"+f.Op)
	}
	if q.Q != "" {
		out = append(out, "_q")
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Selection is a query restricted by a read's decision, ready to run.
type Selection struct {
	rd   *Read
	q    *pubdata.RowQuery
	kind Kind
	m    *mask.Columns
	fp   *fingerprint.Marker // nil: the rows are not fingerprinted
	// recipient is the recipient the rows are fingerprinted for ("" when they are not).
	recipient string
	// Columns are the reply's columns, in order; HasTable is false while the entry has no
	// table yet (no rows: Each yields none).
	Columns  []string
	HasTable bool
}

// Select applies the read's decision to q (parsed against the entry's items) and fixes its
// columns: those the caller asked for, else every readable column the table holds. EFORBIDDEN
// for a refused read or a withheld or masked column named.
func (rd *Read) Select(ctx context.Context, q *pubdata.RowQuery, kind Kind) (*Selection, error) {
	if !rd.d.Allow {
		return nil, rd.Refused(ctx, kind, false)
	}
	if rd.r.tables == nil || rd.r.svc.Data == nil {
		return nil, errNoTables
	}
	e, d := rd.e, rd.d
	if err := restrictQuery(d, e.Items, q); err != nil {
		return nil, err
	}
	cols, hasTable, err := rd.r.tableColumns(ctx, e, q)
	if err != nil {
		return nil, err
	}
	cols = slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return !slices.Contains(d.Columns, c) })
	if len(cols) == 0 {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "None of this entry's items may be read by you.").Keyed("error.access.no_items")
	}
	q.Fields = cols
	sel := &Selection{rd: rd, q: q, kind: kind, m: mask.ForColumns(e.Items, cols, d.Masks), Columns: cols, HasTable: hasTable}
	if err := sel.fingerprint(ctx); err != nil {
		return nil, err
	}
	return sel, nil
}

// Query is the restricted query.
func (s *Selection) Query() *pubdata.RowQuery { return s.q }

// Record writes the read's record and counts its use (once per Read; Each and Count do it
// too, before the first row).
func (s *Selection) Record(ctx context.Context) error {
	var extra map[string]any
	if s.fp != nil {
		extra = map[string]any{"fingerprint": s.recipient}
	}
	return s.rd.record(ctx, s.kind, s.q, extra)
}

// Each records the read (once), then runs the query and calls fn with each row's values,
// masked, in the order of Columns (after the row's number, an int64, when the query asks
// WithRowID); the values are valid only during the call. It returns
// the next page's cursor ("" on the last page, or for a query without a limit).
func (s *Selection) Each(ctx context.Context, fn func(values []any) error) (string, error) {
	if err := s.Record(ctx); err != nil {
		return "", err
	}
	if !s.HasTable {
		return "", nil
	}
	m, fp := s.m, s.fp
	if s.q.WithRowID { // the row's number first, then the columns' values, masked
		_, next, err := s.rd.r.tables.QueryRows(ctx, s.rd.e, s.q, func(values []any) error { fp.Row(m.Row(values[1:])); return fn(values) })
		return next, err
	}
	_, next, err := s.rd.r.tables.QueryRows(ctx, s.rd.e, s.q, func(values []any) error { v := m.Row(values); fp.Row(v); return fn(v) })
	return next, err
}

// Count records the read (once) and returns how many rows the restricted query selects.
func (s *Selection) Count(ctx context.Context) (int64, error) {
	if err := s.Record(ctx); err != nil {
		return 0, err
	}
	if !s.HasTable {
		return 0, nil
	}
	return s.rd.r.tables.CountRows(ctx, s.rd.e, s.q)
}

// CountUpTo records the read (once) and returns how many rows the restricted query selects,
// reading at most limit+1 of them: a result over limit means "more than limit".
func (s *Selection) CountUpTo(ctx context.Context, limit int) (int64, error) {
	if err := s.Record(ctx); err != nil {
		return 0, err
	}
	if !s.HasTable {
		return 0, nil
	}
	q := *s.q
	q.CountLimit = limit
	return s.rd.r.tables.CountRows(ctx, s.rd.e, &q)
}

// clearColumns refuses an aggregate over a column the caller does not read in clear (not
// among the decision's columns, or masked): an aggregate of masked values could tell them.
func (s *Selection) clearColumns(cols ...string) error {
	d := s.rd.d
	for _, c := range cols {
		if c == "" {
			continue
		}
		if _, masked := d.Masks[c]; masked || !slices.Contains(d.Columns, c) {
			return columnRefused("_aggregate", c, "aggregated", d)
		}
	}
	return nil
}

// Groups records the read (once) and returns the groups of the rows the restricted query
// selects (its filters, the grant's filter; frozen rows left out), computed by the
// database over all of them. The columns grouped and summed must be read in clear.
func (s *Selection) Groups(ctx context.Context, g pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
	if err := s.clearColumns(g.Column, g.Sum); err != nil {
		return nil, err
	}
	if err := s.Record(ctx); err != nil {
		return nil, err
	}
	if !s.HasTable {
		return nil, nil
	}
	return s.rd.r.tables.GroupRows(ctx, s.rd.e, s.q, g)
}

// Grid records the read (once) and counts the rows the restricted query selects that hold
// coordinates in the cells of a grid, computed by the database. The coordinate columns
// must be read in clear.
func (s *Selection) Grid(ctx context.Context, g pubdata.RowGrid) (*pubdata.Grid, error) {
	if err := s.clearColumns(g.X, g.Y); err != nil {
		return nil, err
	}
	if err := s.Record(ctx); err != nil {
		return nil, err
	}
	if !s.HasTable {
		return &pubdata.Grid{}, nil
	}
	return s.rd.r.tables.GridRows(ctx, s.rd.e, s.q, g)
}

// tableColumns fixes q.Fields to the columns the reply has (every item the table holds, in
// item order, when q names none) and returns them; ok is false when the entry has no table
// yet (no rows).
func (r *Reader) tableColumns(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery) (cols []string, ok bool, err error) {
	st, err := r.svc.Data.TableStats(ctx, e.ID)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		if len(q.Fields) > 0 {
			return q.Fields, false, nil
		}
		for _, it := range e.Items {
			cols = append(cols, it.Name)
		}
		return cols, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if len(q.Fields) == 0 {
		for _, it := range e.Items {
			if slices.Contains(st.Columns, it.Name) {
				q.Fields = append(q.Fields, it.Name)
			}
		}
	}
	return q.Fields, true, nil
}

// columnRefused is the refusal of a column the caller named.
func columnRefused(param, col, verb string, d pubdata.AccessDecision) error {
	msg := "Column " + col + " is not among the items you may read, so it cannot be " + verb + "."
	if _, masked := d.Masks[col]; masked {
		msg = "Column " + col + " is masked for you and cannot be " + verb + "."
	}
	return &pubdata.Error{Code: pubdata.EFORBIDDEN, Field: param, Message: msg}
}

// restrictQuery applies the decision to a parsed query before it runs: the caller's columns,
// filters and sort keys must be readable (filters and sort keys also unmasked), full text
// searches only unmasked columns, and the grant's row filter is added.
func restrictQuery(d pubdata.AccessDecision, items []pubdata.Item, q *pubdata.RowQuery) error {
	readable := func(c string) bool { return slices.Contains(d.Columns, c) }
	clear := func(c string) bool { _, m := d.Masks[c]; return readable(c) && !m }
	for _, c := range q.Fields {
		if !readable(c) {
			return columnRefused("_fields", c, "returned", d)
		}
	}
	for _, f := range q.Filters {
		if f.Column != pubdata.RowID && !clear(f.Column) { // a row's number tells nothing of its values
			return columnRefused(f.Column, f.Column, "filtered", d)
		}
	}
	for _, k := range q.Sort {
		if k.Column != pubdata.RowID && !clear(k.Column) {
			return columnRefused("_sort", k.Column, "sorted", d)
		}
	}
	if q.Distinct {
		// Distinct rows are grouped by their stored values: over a masked column they would
		// tell how many different values lie under the mask.
		cols := q.Fields
		if len(cols) == 0 {
			cols = d.Columns
		}
		for _, c := range cols {
			if !clear(c) {
				return columnRefused("fields", c, "returned as distinct values", d)
			}
		}
	}
	if len(d.Masks) > 0 || len(d.Columns) < len(items) {
		q.SearchColumns = []string{}
		for _, c := range d.Columns {
			if clear(c) {
				q.SearchColumns = append(q.SearchColumns, c)
			}
		}
	}
	return addGrantFilter(d, items, q)
}

// addGrantFilter ANDs the grant's row filter with q's filters.
func addGrantFilter(d pubdata.AccessDecision, items []pubdata.Item, q *pubdata.RowQuery) error {
	if d.Filter == "" {
		return nil
	}
	params, err := url.ParseQuery(d.Filter)
	if err == nil {
		var gq *pubdata.RowQuery
		if gq, err = pubdata.ParseRowQuery(items, params, nil, false); err == nil {
			q.Filters = append(q.Filters, gq.Filters...)
		}
	}
	if err != nil {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Your grant's row filter (%s) cannot be applied to this entry (%s); ask the provider to correct the grant.", d.Filter, pubdata.ErrorMessage(err)).
			Keyed("error.access.grant_filter", "Filter", d.Filter, "Problem", pubdata.MessageOf(err))
	}
	return nil
}

// --- keys ---

// NormalizeValue brings a value typed for item it to the stored form of its data element
// (ident.NormalizeByElement: full-width characters, spaces, the case of a check character);
// values of items without an element are returned as they are.
func NormalizeValue(it pubdata.Item, v string) string {
	if it.Element == "" {
		return v
	}
	return ident.NormalizeByElement(it.Element, v)
}

// KeyFilters reads a key as the rows API's _key (the key items' values, comma-separated),
// each value normalised by its item's element first, so that a key lookup finds exactly the
// rows an objection to the same key freezes.
func KeyFilters(items []pubdata.Item, raw string) ([]pubdata.RowFilter, error) {
	keys := pubdata.KeyItems(items)
	switch {
	case len(keys) == 1:
		raw = NormalizeValue(items[keys[0]], raw)
	case len(keys) > 1:
		if parts := strings.Split(raw, ","); len(parts) == len(keys) {
			for i, k := range keys {
				parts[i] = NormalizeValue(items[k], parts[i])
			}
			raw = strings.Join(parts, ",")
		}
	}
	return pubdata.KeyFilters(items, raw)
}

// NormalizeKey returns an objection's key (item name → value) with each value normalised
// by its item's element; names that are not items are kept as they are (the domain's
// validation names them).
func NormalizeKey(items []pubdata.Item, key map[string]string) map[string]string {
	out := make(map[string]string, len(key))
	for name, v := range key {
		out[name] = v
		for _, it := range items {
			if it.Name == name {
				out[name] = NormalizeValue(it, v)
			}
		}
	}
	return out
}

// Objection prepares the caller's objection (C4) to the rows of the published table entry e
// with key: the key normalised by the key items' elements (so that it freezes exactly the
// rows a read with that key finds), and whether the caller may read those rows with the key
// columns in clear. Only then may the filing say anything about the rows (a key no row has
// is refused, the reply tells how many rows were frozen); otherwise the reply is the same
// whether or not a row has the key (G7: filing cannot probe data).
func (r *Reader) Objection(ctx context.Context, e *pubdata.Entry, key map[string]string, p Purpose) (map[string]string, bool, error) {
	key = NormalizeKey(e.Items, key)
	rd, err := r.Open(ctx, e, p)
	if err != nil {
		return nil, false, err
	}
	d := rd.d
	if !d.Allow || d.Filter != "" {
		// A grant's row filter limits the rows the caller reads: whether a row outside it
		// has the key is not the caller's to learn.
		return key, false, nil
	}
	for _, i := range pubdata.KeyItems(e.Items) {
		name := e.Items[i].Name
		if _, masked := d.Masks[name]; masked || !slices.Contains(d.Columns, name) {
			return key, false, nil
		}
	}
	return key, true, nil
}

// --- subject lookups ---

// LookUpSubject tells whether the published table entry e holds a current row whose item
// equals key (a subject's standard identifier, D6), and the caller's read of e for purpose
// p. Only public bodies and authorities look up subjects (pubdata.CanLookUpSubjects). The
// lookup says which entries hold a subject so that the caller can read or apply for them;
// when the caller reads e under a grant with a row filter, the row must be within the
// filter (the lookup does not reach beyond what the grant covers). Frozen rows are never
// found. Nothing is read but the row's existence; the lookup keeps its own record.
func (r *Reader) LookUpSubject(ctx context.Context, e *pubdata.Entry, item, key string, p Purpose) (bool, *Read, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanLookUpSubjects(a) {
		return false, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies and authorities may look up which entries hold a subject's data.").Keyed("error.evidence.forbidden")
	}
	for _, it := range e.Items {
		if it.Name == item {
			key = NormalizeValue(it, key)
		}
	}
	q := &pubdata.RowQuery{Fields: []string{item}, Filters: []pubdata.RowFilter{{Column: item, Op: pubdata.OpEq, Values: []any{key}}}, Limit: 1}
	held, err := r.exists(ctx, e, q)
	if err != nil || !held {
		return false, nil, err
	}
	rd, err := r.Open(ctx, e, p)
	if err != nil {
		return false, nil, err
	}
	if rd.d.Allow && rd.d.Filter != "" {
		if err := addGrantFilter(rd.d, e.Items, q); err != nil {
			return false, nil, err
		}
		if held, err = r.exists(ctx, e, q); err != nil || !held {
			return false, nil, err
		}
	}
	return true, rd, nil
}

// exists reports whether q selects a row (false while e has no table).
func (r *Reader) exists(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery) (bool, error) {
	if r.tables == nil || r.svc.Data == nil {
		return false, errNoTables
	}
	if _, err := r.svc.Data.TableStats(ctx, e.ID); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	n := 0
	if _, _, err := r.tables.QueryRows(ctx, e, q, func([]any) error { n++; return nil }); err != nil {
		return false, err
	}
	return n > 0, nil
}

// --- the pre-open check ---

// openRiskTests are the content tests of the pre-open check: ident's validators.
var openRiskTests = pubdata.ValueTests{
	ResidentID: func(v string) bool { return ident.ResidentID(v, time.Now()) == nil },
	Mobile:     func(v string) bool { return ident.Mobile(v) == nil },
}

// OpenRisk runs the pre-open personal-data check (E7) on the working copy w: its items under
// the provider's effective mask policy, and the first pubdata.OpenRiskSampleRows rows of
// the published table of p (its latest published version; nil before its first
// publication). It is an internal check, not a read: the sampled values never leave this
// package (only the findings, which name items and count matches), so it is not recorded
// or counted. Only those who read the entry in clear anyway run it: its provider's users
// and the covering authority (pubdata.CanReadAllData).
func (r *Reader) OpenRisk(ctx context.Context, w, p *pubdata.Entry) (*pubdata.OpenRisk, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanReadAllData(a, w) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's users and the covering authority may run the pre-open check of entry %s.", w.ID).
			Keyed("error.access.open_risk_forbidden", "Entry", w.ID)

	}
	policy, err := r.MaskPolicy(ctx, w)
	if err != nil {
		return nil, err
	}
	var sample *pubdata.RowSample
	if p != nil && p.Format == pubdata.FormatTable && r.tables != nil {
		sample = &pubdata.RowSample{}
		cols, _, err := r.tables.QueryRows(ctx, p, &pubdata.RowQuery{Limit: pubdata.OpenRiskSampleRows}, func(values []any) error {
			row := make([]string, len(values))
			for i, v := range values {
				if v != nil {
					row[i] = fmt.Sprint(v)
				}
			}
			sample.Rows = append(sample.Rows, row)
			return nil
		})
		switch {
		case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
			sample = nil // no table yet
		case err != nil:
			return nil, err
		default:
			sample.Columns = cols
		}
	}
	return pubdata.CheckOpenRisk(&w.EntryFields, policy, sample, openRiskTests), nil
}

// Visible reports whether the caller may see the published entry e at all: the published
// catalogue's rule (pubdata.CanViewPublished), the provider and the covering authority, or a
// live grant of the caller on it (a party with a major interest may hold an open grant on a
// not-open entry, SX27). Every read path answers "not found" for an entry the caller may not
// see, as the catalogue does.
func (r *Reader) Visible(ctx context.Context, e *pubdata.Entry) (bool, error) {
	a := pubdata.ActorFromContext(ctx)
	if pubdata.CanViewPublished(a, e) || pubdata.CanReadAllData(a, e) {
		return true, nil
	}
	if a.Anonymous() || r.svc.Grants == nil {
		return false, nil
	}
	now := r.now()
	grants, err := r.svc.Grants.LiveGrants(ctx, a, e.ID, now)
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		if g.Entry == e.ID && g.Holds(a) && g.Live(now) {
			return true, nil
		}
	}
	return false, nil
}

// QualityFindings returns the rules' results of a quality run of the published entry e as
// the caller may see them: the failing rows' keys and values under the caller's read of the
// entry — columns the caller may not read are left out, masked ones masked, as the rows API
// would give them — and no rows at all to a caller who may not read the entry's rows. The
// provider and the covering authority see their own data in clear. Like OpenRisk it reads
// no table (the store's run kept the findings) and is not recorded or counted.
func (r *Reader) QualityFindings(ctx context.Context, e *pubdata.Entry, results []pubdata.QualityResult) ([]pubdata.QualityResult, error) {
	rd, err := r.Open(ctx, e, RequestPurpose(ctx))
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	kinds := map[string]mask.Kind{}
	for _, it := range e.Items {
		kinds[it.Name] = mask.KindOf(it)
	}
	show := func(col string, v string) *string {
		if !slices.Contains(d.Columns, col) {
			return nil
		}
		m, masked := d.Masks[col]
		if !masked {
			return &v
		}
		if s, ok := mask.Value(m, kinds[col], v).(string); ok {
			return &s
		}
		return nil
	}
	out := make([]pubdata.QualityResult, len(results))
	for i, res := range results {
		out[i] = res
		out[i].Sample = nil
		if !d.Allow {
			continue
		}
		for _, f := range res.Sample {
			g := pubdata.QualityFinding{Key: map[string]string{}}
			for k, v := range f.Key {
				if k == "_row" {
					g.Key[k] = v
				} else if s := show(k, v); s != nil {
					g.Key[k] = *s
				}
			}
			if f.Value != nil {
				g.Value = show(res.Column, *f.Value)
			}
			out[i].Sample = append(out[i].Sample, g)
		}
	}
	return out, nil
}
