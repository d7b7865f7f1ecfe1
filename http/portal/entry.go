package portal

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/datafile"
)

// The entry page's parts beyond the catalogue's fields and the preview: download buttons
// with their estimated sizes, API examples, the link to apply for a conditional-open entry,
// the chart (chart.go) and the map (map.go); and the download route the buttons use, which sends a
// permitted download to the rows API and answers a refused one with a page that says why
// and links to the application form.

// downloadFormat is a whole-table download's format: its path segment, the message key of
// its label, and its data file format ("" for JSON).
type downloadFormat struct {
	Format, Key string
	File        datafile.Format
}

// downloadFormats are the whole-table downloads (GET /downloads/{id}/{format}), with the
// message key of their label and their data file format.
var downloadFormats = []downloadFormat{
	{Format: "csv", Key: "entry_page.download.csv", File: datafile.CSV},
	{Format: "xlsx", Key: "entry_page.download.xlsx", File: datafile.XLSX},
	{Format: "json", Key: "entry_page.download.json"},
	{Format: "ndjson", Key: "entry_page.download.ndjson", File: datafile.NDJSON},
}

// entryDownload is a download button.
type entryDownload struct {
	Format string
	Key    string
	URL    string // the portal's download route
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
	Map         *entryMap
}

// applyURL is the public application form for an entry (engineer P4's page).
func applyURL(entryID string) string { return web.WithQuery("/apply", "entry", entryID) }

// entryExtrasFor builds the extras of the published table entry e; preview is the page's
// preview (its first rows estimate the row width). Returns nil for an entry without a table.
func (s *Server) entryExtrasFor(r *http.Request, a *pubdata.Actor, e *pubdata.Entry, preview *web.DataPreview) (*entryExtras, error) {
	if s.Data == nil || preview == nil {
		return nil, nil
	}
	rd, err := s.OpenReadFor(r.Context(), e, preview.Purpose)
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	x := &entryExtras{CanDownload: d.Allow}
	if !d.Allow {
		x.Refusal = web.DecisionText(web.LangFrom(r.Context()), d)
		if e.OpenClass == pubdata.ClassConditional && !pubdata.SeesWholeCatalog(a) {
			x.ApplyURL = applyURL(e.ID)
		}
	}
	for _, f := range downloadFormats {
		x.Downloads = append(x.Downloads, entryDownload{Format: f.Format, Key: f.Key, URL: "/downloads/" + url.PathEscape(e.ID) + "/" + f.Format})
	}
	// The API examples: the rows of the first page, a key lookup, a download.
	base := "http://" + r.Host
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		base = "https://" + r.Host
	}
	rows := base + "/api/v1/entries/" + url.PathEscape(e.ID) + "/rows"
	api := &entryAPI{Anon: a.Anonymous(), KeysURL: "/account/settings#account-tokens"}
	if a.IsGovernment() {
		api.KeysURL = "/console/account#account-tokens"
	}
	if a.Anonymous() {
		api.KeysURL = web.WithQuery("/login", "next", r.URL.Path)
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
	if x.Map, err = s.entryMapFor(r, e, rd, preview.Rows); err != nil {
		return nil, err
	}
	return x, nil
}

// downloadRefusedView is the page of a refused download.
type downloadRefusedView struct {
	web.Page
	Entry        web.EntryRow
	Reason       string
	NeedsPurpose bool // a shared read: the form to state the purpose
	ApplyURL     string
	LoginURL     string // for an anonymous visitor
}
