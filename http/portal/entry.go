package portal

import (
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"net/url"
	"slices"
)

// The entry page's parts beyond the catalogue's fields and the preview: download buttons
// with their estimated sizes, API examples, the link to apply for a conditional-open entry,
// the chart (portal_chart.go); and the download route the buttons use, which sends a
// permitted download to the rows API and answers a refused one with a page that says why
// and links to the application form.

// downloadFormats are the whole-table downloads the entry page offers, with the rows API's
// parameters and the message key of their label.
var downloadFormats = []struct {
	Format, Params, Key string
}{
	{Format: "csv", Params: "_format=csv", Key: "entry_page.download.csv"},
	{Format: "xlsx", Params: "_format=xlsx", Key: "entry_page.download.xlsx"},
	{Format: "json", Params: "_format=json", Key: "entry_page.download.json"},
}

// entryDownload is a download button.
type entryDownload struct {
	Format string
	Key    string
	URL    string // the portal's download route
	Size   string // "about 1.2 MB" (translated); "" when unknown
}

// entryAPI is the API part of the entry page.
type entryAPI struct {
	Examples []string // curl command lines
	KeyName  string   // the name of the signed-in user's newest live key; "" none
	KeysURL  string   // where the visitor manages keys (or signs in)
	Anon     bool
}

// entryExtras are the entry page's parts from this file.
type entryExtras struct {
	Downloads []entryDownload
	// CanDownload: the buttons lead to the data; else Refusal says why and ApplyURL (for a
	// conditional-open entry) leads to the application form.
	CanDownload bool
	Refusal     string
	ApplyURL    string
	API         *entryAPI
	Chart       *entryChart
}

// applyURL is the public application form for an entry (engineer P4's page).
func applyURL(entryID string) string { return web.WithQuery("/apply", "entry", entryID) }

// entryExtrasFor builds the extras of the published table entry e; preview is the page's
// preview (its first rows estimate the row width). Returns nil for an entry without a table.
func (s *Server) entryExtrasFor(r *http.Request, a *pubdata.Actor, e *pubdata.Entry, preview *web.DataPreview) (*entryExtras, error) {
	if s.Data == nil || preview == nil {
		return nil, nil
	}
	lang := web.LangFrom(r.Context())
	rd, err := s.OpenReadFor(r.Context(), e, preview.Purpose)
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	x := &entryExtras{CanDownload: d.Allow && d.Reason != pubdata.AccessShared}
	if !d.Allow {
		x.Refusal = web.DecisionText(web.LangFrom(r.Context()), d)
		if e.OpenClass == pubdata.ClassConditional && !pubdata.SeesWholeCatalog(a) {
			x.ApplyURL = applyURL(e.ID)
		}
	}
	csv, js := rowWidths(preview)
	for _, f := range downloadFormats {
		dl := entryDownload{Format: f.Format, Key: f.Key, URL: "/downloads/" + url.PathEscape(e.ID) + "/" + f.Format}
		if x.CanDownload && csv > 0 && preview.Rows > 0 {
			var bytes float64
			switch f.Format {
			case "csv":
				bytes = csv * float64(preview.Rows)
			case "json":
				bytes = js * float64(preview.Rows)
			case "xlsx":
				// Sheet XML (about twice the CSV) deflated to about a fifth, plus the package.
				bytes = csv*float64(preview.Rows)*0.45 + 6000
			}
			dl.Size = web.Translate(lang, "entry_page.about", "Size", HumanBytes(bytes))
		}
		x.Downloads = append(x.Downloads, dl)
	}
	// The API examples: the rows of the first page, a key lookup, a download.
	base := "http://" + r.Host
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		base = "https://" + r.Host
	}
	rows := base + "/api/v1/entries/" + url.PathEscape(e.ID) + "/rows"
	api := &entryAPI{Anon: a.Anonymous(), KeysURL: "/console/account"}
	if a.Anonymous() {
		api.KeysURL = web.WithQuery("/console/login", "next", r.URL.Path)
	}
	auth := ""
	if !a.Anonymous() || e.OpenClass != pubdata.ClassUnconditional {
		auth = `-H "Authorization: Bearer $PUBDATA_KEY" `
	}
	api.Examples = append(api.Examples, fmt.Sprintf(`curl %s"%s?_limit=10"`, auth, rows))
	if keys := pubdata.KeyItems(e.Items); len(keys) > 0 {
		api.Examples = append(api.Examples, fmt.Sprintf(`curl %s"%s?_key=…"`, auth, rows))
	}
	api.Examples = append(api.Examples, fmt.Sprintf(`curl %s-o data.csv "%s?_format=csv"`, auth, rows))
	if !a.Anonymous() && s.Tokens != nil {
		toks, err := s.Tokens.FindTokens(r.Context(), a.User.ID)
		if err != nil {
			return nil, err
		}
		now := s.Now()
		for _, t := range toks {
			if t.Active(now) {
				api.KeyName = t.Name
				break
			}
		}
	}
	// The API examples where the caller may read, or may apply to read (with a key, once
	// approved): not for an entry whose data is closed to them.
	if d.Allow || x.ApplyURL != "" {
		x.API = api
	}
	if x.Chart, err = s.entryChartFor(r, e, rd, preview.Rows); err != nil {
		return nil, err
	}
	return x, nil
}

// rowWidths estimates the bytes of an average row in CSV and in JSON from the preview's
// rows (values and separators; JSON adds each column's name and quotes). 0 without rows.
func rowWidths(p *web.DataPreview) (csv, js float64) {
	if len(p.Values) == 0 {
		return 0, 0
	}
	var c, j int
	for _, row := range p.Values {
		for i, v := range row {
			c += len(v) + 1
			j += len(v) + 4
			if i < len(p.Columns) {
				j += len(p.Columns[i].Name) + 3
			}
		}
		j += 2
	}
	n := float64(len(p.Values))
	return float64(c) / n, float64(j) / n
}

// HumanBytes shows a size in B, KB, MB or GB (powers of 1024, one decimal above KB).
func HumanBytes(b float64) string {
	switch {
	case b < 1024:
		return fmt.Sprintf("%.0f B", b)
	case b < 1<<20:
		return fmt.Sprintf("%.0f KB", b/1024)
	case b < 1<<30:
		return fmt.Sprintf("%.1f MB", b/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", b/(1<<30))
}

// downloadRefusedView is the page of a refused download.
type downloadRefusedView struct {
	web.Page
	Entry    web.EntryRow
	Reason   string
	ApplyURL string
	LoginURL string // for an anonymous visitor
}

// PageDownload sends a permitted whole-table download to the rows API (303) and answers a
// refused one with a 403 page naming why, with the link to apply (conditional-open).
func (s *Server) PageDownload(w http.ResponseWriter, r *http.Request) error {
	format := r.PathValue("format")
	i := slices.IndexFunc(downloadFormats, func(f struct{ Format, Params, Key string }) bool { return f.Format == format })
	if i < 0 || s.Data == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	a := pubdata.ActorFromContext(r.Context())
	e, err := s.Entries.FindPublishedEntry(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !pubdata.CanViewPublished(a, e) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	if _, err := pubdata.TableItems(e); err != nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q has no table to download.", e.ID).Keyed("error.entry.no_table", "ID", e.ID)
	}
	d, err := s.decideAccessFor(r.Context(), e, "")
	if err != nil {
		return err
	}
	if d.Allow && d.Reason != pubdata.AccessShared {
		web.Redirect(w, r, "/api/v1/entries/"+url.PathEscape(e.ID)+"/rows?"+downloadFormats[i].Params)
		return nil
	}
	v := downloadRefusedView{Page: s.Base(r, false), Entry: web.EntryRow{Entry: e}}
	v.Reason = web.DecisionText(v.Lang, d)
	if d.Reason == pubdata.AccessShared || d.Reason == pubdata.AccessNoPurpose {
		v.Reason = web.Translate(v.Lang, "entry_page.refused.purpose")
	}
	if e.OpenClass == pubdata.ClassConditional && !pubdata.SeesWholeCatalog(a) {
		v.ApplyURL = applyURL(e.ID)
	}
	if a.Anonymous() {
		v.LoginURL = web.WithQuery("/console/login", "next", "/catalog/"+e.ID)
	}
	v.Status = http.StatusForbidden
	return s.Render(w, r, "download_refused", http.StatusForbidden, v)
}
