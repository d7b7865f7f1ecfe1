package web

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The data preview (汇聚 data on the pages): the first rows of a published table entry with
// a filter form, sorting by column, keyset paging and download links to the rows API. The
// console's data page and the portal's entry page both show it.

// previewRows is how many rows a preview page shows.
const previewRows = 20

// Preview parameters of the page's query string. The filter is one column, one operator
// and one value (col, op, val), turned into the rows API's col__op=val; _q, _sort and
// _cursor are the rows API's own.
const (
	previewCol    = "col"
	previewOp     = "op"
	previewVal    = "val"
	previewQ      = "_q"
	previewSort   = "_sort"
	previewCursor = "_cursor"
	// previewStart is the number of rows before the page (with _cursor), to show the
	// page's place among the matching rows.
	previewStart = "_start"
)

// previewAnchor is the preview's section: every link and the filter form of the preview
// return the reader to it rather than to the top of the page.
const previewAnchor = "#data-preview"

// previewCountLimit bounds the count of the matching rows: a filter matching more shows
// "more than" this many.
const previewCountLimit = 100000

// previewOps are the filter operators the form offers.
var previewOps = []CatOption{
	{Value: pubdata.OpEq, Key: "data.op.eq"},
	{Value: pubdata.OpNe, Key: "data.op.ne"},
	{Value: pubdata.OpContains, Key: "data.op.contains"},
	{Value: pubdata.OpPrefix, Key: "data.op.prefix"},
	{Value: pubdata.OpGt, Key: "data.op.gt"},
	{Value: pubdata.OpGte, Key: "data.op.gte"},
	{Value: pubdata.OpLt, Key: "data.op.lt"},
	{Value: pubdata.OpLte, Key: "data.op.lte"},
	{Value: pubdata.OpIn, Key: "data.op.in"},
	{Value: pubdata.OpNull, Key: "data.op.null"},
}

// previewFormats are the download links of the preview's selection (every matching row,
// GET /downloads/{id}/{format} with the preview's filter).
var previewFormats = []struct{ Key, Format, Params string }{
	{Key: "data.download.csv_bom", Format: "csv"},
	{Key: "data.download.csv", Format: "csv", Params: "bom=0"},
	{Key: "data.download.xlsx", Format: "xlsx"},
	{Key: "data.download.json", Format: "json"},
	{Key: "data.download.ndjson", Format: "ndjson"},
}

// previewColumn is a column of the preview table.
type previewColumn struct {
	Name, Title string
	SortURL     string // the page sorted by this column (the other way when it is the sort)
	Sort        string // "ascending", "descending" or "" (aria-sort)
	// Masked columns show masked values and can be neither filtered nor sorted.
	Masked bool
}

// dataLink is a labelled link.
type dataLink struct {
	Key, URL string
}

// DataPreview is the view of a table's preview.
type DataPreview struct {
	EntryID string
	Action  string // the page the filter form submits to
	Rows    int64  // the table's current rows
	CanRead bool   // the visitor may see rows; else a notice shows instead
	// Refusal is why the visitor may not (DecideAccess's sentence); NeedsPurpose asks a
	// public body for the purpose of a shared read (the purpose parameter).
	Refusal      string
	NeedsPurpose bool
	Purpose      string
	Columns      []previewColumn
	Values       [][]string
	Col          string
	Op           string
	Val          string
	Q            string
	Sort         string
	Ops          []CatOption
	Error        string // the filter's problem, shown next to the form
	NextURL      string
	// FirstURL returns to the first page; ResetURL also drops the filters.
	FirstURL string
	// Matching is how many rows the filter (and the reader's access) selects, counted up to
	// previewCountLimit (MatchingMore: more than that); From and To number the page's rows
	// among them.
	Matching     int64
	MatchingMore bool
	From, To     int
	ResetURL     string
	Filtered     bool
	Downloads    []dataLink
	// Frozen is how many rows open objections freeze (counted in Rows, not shown);
	// ObjectURLs are the links to object to each row of Values (console and portal objections.go).
	Frozen     int64
	ObjectURLs []string
	ObjectURL  string // the form to object to a record of the entry
}

// previewParams turns the preview's query string into the rows API's parameters.
func previewParams(q url.Values) url.Values {
	out := url.Values{}
	col, op, val := strings.TrimSpace(q.Get(previewCol)), q.Get(previewOp), q.Get(previewVal)
	if op == "" {
		op = pubdata.OpEq
	}
	if col != "" && (val != "" || op == pubdata.OpNull) {
		name := col
		if op != pubdata.OpEq {
			name += "__" + op
		}
		out.Set(name, val)
	}
	for _, k := range []string{previewQ, previewSort} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// DataPreview builds the preview of the published entry e for the request: the filter
// from the query string (a bad one is the view's Error, not a failure), the first rows or
// the page after _cursor. action is the page's path. Returns nil when the entry has no table.
func (s *Server) DataPreview(r *http.Request, a *pubdata.Actor, e *pubdata.Entry, action string) (*DataPreview, error) {
	if s.Data == nil {
		return nil, nil
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, nil
	}
	lang := LangFrom(r.Context())
	q := r.URL.Query()
	purpose := ReadPurpose(r, e.ID)
	rd, err := s.OpenReadFor(r.Context(), e, purpose)
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	if pubdata.PurposeRefusal(d.Reason) {
		// A purpose other than the grant's (D4): the page shows the refusal, recorded here.
		if err := rd.Refused(r.Context(), access.KindPreview, false); !ErrorIs(err, pubdata.EFORBIDDEN) {
			return nil, err
		}
	}
	v := &DataPreview{
		EntryID: e.ID, Action: action, CanRead: d.Allow, Ops: previewOps,
		Col: strings.TrimSpace(q.Get(previewCol)), Op: q.Get(previewOp), Val: q.Get(previewVal),
		Q: strings.TrimSpace(q.Get(previewQ)), Purpose: purpose,
		Refusal: DecisionText(lang, d), NeedsPurpose: d.Reason == pubdata.AccessNoPurpose,
	}
	if v.Op == "" {
		v.Op = pubdata.OpEq
	}
	if s.Objections != nil {
		v.ObjectURL = objectionLink(e.ID, nil)
	}
	st, err := s.Data.TableStats(r.Context(), e.ID)
	switch {
	case ErrorIs(err, pubdata.ENOTFOUND):
	case err != nil:
		return nil, err
	default:
		v.Rows = st.Rows
		if d.Allow {
			// How many rows objections freeze is shown only to those who read the rows:
			// otherwise comparing it before and after filing would tell whether a key exists.
			v.Frozen = st.Frozen
		}
	}
	if !v.CanRead {
		return v, nil
	}
	params := previewParams(q)
	v.Filtered = len(params) > 0 && !(len(params) == 1 && params.Has(previewSort))
	sortBy := params.Get(previewSort)
	v.Sort = sortBy
	// The downloads of the selection: a shared read's purpose goes with them in its cookie.
	for _, f := range previewFormats {
		link := url.Values{}
		for k, vs := range params {
			link[k] = vs
		}
		if f.Params != "" {
			extra, _ := url.ParseQuery(f.Params)
			for k, vs := range extra {
				link[k] = vs
			}
		}
		u := "/downloads/" + url.PathEscape(e.ID) + "/" + f.Format
		if enc := link.Encode(); enc != "" {
			u += "?" + enc
		}
		v.Downloads = append(v.Downloads, dataLink{Key: f.Key, URL: u})
	}
	keep := func(kv ...string) string {
		return PageLink(r, append(kv, previewCursor, "", previewStart, "")...) + previewAnchor
	}
	v.ResetURL = action + previewAnchor
	for _, it := range items {
		if !slices.Contains(d.Columns, it.Name) {
			continue
		}
		if _, masked := d.Masks[it.Name]; masked {
			v.Columns = append(v.Columns, previewColumn{Name: it.Name, Title: it.Title, Masked: true})
			continue
		}
		c := previewColumn{Name: it.Name, Title: it.Title, SortURL: keep(previewSort, it.Name)}
		switch sortBy {
		case it.Name:
			c.Sort, c.SortURL = "ascending", keep(previewSort, "-"+it.Name)
		case "-" + it.Name:
			c.Sort = "descending"
		}
		v.Columns = append(v.Columns, c)
	}
	params.Set("_limit", strconv.Itoa(previewRows))
	cursor, start := q.Get(previewCursor), 0
	if cursor != "" {
		params.Set(previewCursor, cursor)
		v.FirstURL = keep()
		// The rows before the page, as the link to it said (a number altered by hand only
		// numbers the rows wrongly).
		if n, err := strconv.Atoi(q.Get(previewStart)); err == nil && n > 0 && n < 1<<40 {
			start = n
		}
	}
	rq, err := pubdata.ParseRowQuery(items, params, nil, true)
	if err != nil {
		if !ErrorIs(err, pubdata.EINVALID) {
			return nil, err
		}
		v.Error = previewError(lang, err)
		return v, nil
	}
	sel, err := rd.Select(r.Context(), rq, access.KindPreview)
	if err != nil {
		if !ErrorIs(err, pubdata.EINVALID) && !ErrorIs(err, pubdata.EFORBIDDEN) {
			return nil, err
		}
		v.Error = previewError(lang, err)
		return v, nil
	}
	if err := sel.Record(r.Context()); err != nil {
		return nil, err
	}
	next, err := sel.Each(r.Context(), func(vals []any) error {
		row := make([]string, len(vals))
		for i, x := range vals {
			row[i] = pubdata.FormatItemValue(x)
		}
		v.Values = append(v.Values, row)
		return nil
	})
	if err != nil {
		if !ErrorIs(err, pubdata.EINVALID) {
			return nil, err
		}
		v.Error = previewError(lang, err)
		return v, nil
	}
	if len(v.Values) > 0 {
		v.From, v.To = start+1, start+len(v.Values)
	}
	if next != "" {
		v.NextURL = PageLink(r, previewCursor, next, previewStart, strconv.Itoa(v.To)) + previewAnchor
	}
	// The matching rows, through the read path (the grant's filter, frozen rows left out),
	// counted up to a bound.
	n, err := sel.CountUpTo(r.Context(), previewCountLimit)
	if err != nil {
		return nil, err
	}
	v.Matching, v.MatchingMore = min(n, previewCountLimit), n > previewCountLimit
	if s.Objections != nil {
		v.ObjectURLs = previewObjectionLinks(e, v.Columns, v.Values)
	}
	return v, nil
}

// previewError is the message shown for a bad filter: a translated lead and the domain's
// sentences naming what is wrong.
func previewError(lang string, err error) string {
	return Translate(lang, "data.preview.bad_filter", "Problem", ErrorText(lang, err))
}
