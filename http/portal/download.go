package portal

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/datafile"
)

// Whole-table downloads from the pages: GET /downloads/{id}/{csv|xlsx|json|ndjson} streams
// every row the caller may read — through the one read path, restricted and masked,
// recorded and counted once — in constant memory. CSV is UTF-8 with a BOM unless ?bom=0
// (Excel needs the BOM; tools may not), and a text cell a spreadsheet would run as a
// formula is prefixed with ' (the API's formats stay exact); ?header=titles (the default) heads the columns of
// CSV and XLSX and keys the objects of JSON with the items' titles, ?header=names with
// their names (NDJSON, a machine format, always uses the names). A shared
// read takes the purpose the reader stated on the entry's page (web.ReadPurpose) or sent
// as X-Purpose. A refused download answers a page naming why, with the way forward.

// PageReadPurpose keeps the purpose a reader states for a shared read of an entry (a form
// on the entry's page; never in a URL) and goes back to the page.
func (s *Server) PageReadPurpose(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	entry := strings.TrimSpace(r.PostForm.Get("entry"))
	back := web.LocalPath(r.PostForm.Get("back"), "/catalog/"+entry)
	purpose := strings.TrimSpace(r.PostForm.Get("purpose"))
	switch {
	case entry == "":
		return pubdata.FieldErrorf("entry", "entry is required.").Keyed("error.read_purpose.entry")
	case purpose == "":
		return pubdata.FieldErrorf("purpose", "State the purpose of the read.").Keyed("error.read_purpose.required")
	case len([]rune(purpose)) > web.MaxPurposeLength:
		return pubdata.FieldErrorf("purpose", "The purpose must be at most %d characters.", web.MaxPurposeLength).Keyed("error.read_purpose.long", "Count", web.MaxPurposeLength)
	}
	s.SetReadPurpose(w, entry, purpose)
	web.Redirect(w, r, back)
	return nil
}

func (s *Server) PageDownload(w http.ResponseWriter, r *http.Request) error {
	format := r.PathValue("format")
	i := slices.IndexFunc(downloadFormats, func(f downloadFormat) bool { return f.Format == format })
	if i < 0 || s.Data == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	f := downloadFormats[i]
	q := r.URL.Query()
	header := q.Get("header")
	switch header {
	case "", "titles", "names":
	default:
		return web.ParamError("header", pubdata.NewMessage("error.param.header", "Value", header), "must be titles or names, not %q.", header)
	}
	bom := true
	switch q.Get("bom") {
	case "", "1", "true":
	case "0", "false":
		bom = false
	default:
		return web.ParamError("bom", pubdata.NewMessage("error.param.bom", "Value", q.Get("bom")), "must be 1 or 0, not %q.", q.Get("bom"))
	}
	a := pubdata.ActorFromContext(r.Context())
	e, err := s.Entries.FindPublishedEntry(r.Context(), r.PathValue("id"))
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && !pubdata.CanViewPublished(a, e)) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	} else if err != nil {
		return err
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q has no table to download.", e.ID).Keyed("error.entry.no_table", "ID", e.ID)
	}
	rd, err := s.OpenReadFor(r.Context(), e, web.ReadPurpose(r, e.ID))
	if err != nil {
		return err
	}
	kind := access.KindRows(f.Format)
	if !rd.Allowed() {
		if err := rd.Refused(r.Context(), kind, false); !web.ErrorIs(err, pubdata.EFORBIDDEN) {
			return err
		}
		return s.renderRefused(w, r, a, e, rd.Decision())
	}
	// The preview's filter, full text and order, as the rows API takes them; no paging.
	rq, err := pubdata.ParseRowQuery(items, q, []string{"bom", "header"}, false)
	if err != nil {
		return err
	}
	rq.Limit, rq.Cursor = 0, ""
	sel, err := rd.Select(r.Context(), rq, kind)
	if err != nil {
		return err
	}
	if err := sel.Record(r.Context()); err != nil {
		return err
	}
	var titles []string
	if header != "names" {
		for _, c := range sel.Columns {
			t := c
			if j := slices.IndexFunc(items, func(it pubdata.Item) bool { return it.Name == c }); j >= 0 && items[j].Title != "" {
				t = items[j].Title
			}
			titles = append(titles, t)
		}
	}
	if f.File == "" {
		d := web.Download{ContentType: "application/json; charset=utf-8", Filename: web.CkanName(e) + ".json"}
		return s.Stream(w, r, sel, d, &web.JSONArrayRows{Keys: titles})
	}
	enc := &web.FileRows{Format: f.File, BOM: bom && f.File == datafile.CSV, Titles: titles, Neutralise: f.File == datafile.CSV}
	if f.File == datafile.NDJSON {
		enc.Titles = nil // a machine format: its objects are keyed by the items' names
	}
	return s.Stream(w, r, sel, web.FileDownload(e, f.File), enc)
}

// renderRefused answers a refused download with a page naming why, and the way forward:
// the purpose form for a shared read, the application form for a conditional-open entry,
// sign-in for an anonymous visitor.
func (s *Server) renderRefused(w http.ResponseWriter, r *http.Request, a *pubdata.Actor, e *pubdata.Entry, d pubdata.AccessDecision) error {
	v := downloadRefusedView{Page: s.Base(r, false), Entry: web.EntryRow{Entry: e}}
	v.Reason = web.DecisionText(v.Lang, d)
	if d.Reason == pubdata.AccessNoPurpose {
		v.Reason = web.Translate(v.Lang, "entry_page.refused.purpose")
		v.NeedsPurpose = true
	}
	if e.OpenClass == pubdata.ClassConditional && !pubdata.SeesWholeCatalog(a) {
		v.ApplyURL = applyURL(e.ID)
	}
	if a.Anonymous() {
		v.LoginURL = web.LoginURL(r.URL.RequestURI())
	}
	v.Status = http.StatusForbidden
	return s.Render(w, r, "download_refused", http.StatusForbidden, v)
}
