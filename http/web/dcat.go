package web

import (
	"bytes"
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/dcat"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DcatFormat is a serialisation of the export.
type DcatFormat struct {
	Ext, contentType string
	write            func(g *dcat.Graph, buf *bytes.Buffer) error
}

// DcatFormats are the serialisations, by file extension.
var DcatFormats = []DcatFormat{
	{"ttl", "text/turtle; charset=utf-8", func(g *dcat.Graph, b *bytes.Buffer) error { return g.WriteTurtle(b) }},
	{"jsonld", "application/ld+json", func(g *dcat.Graph, b *bytes.Buffer) error { return g.WriteJSONLD(b) }},
	{"rdf", "application/rdf+xml", func(g *dcat.Graph, b *bytes.Buffer) error { return g.WriteRDFXML(b) }},
}

// BaseURL is the platform's URL as the request reached it: the scheme (https behind TLS
// or a proxy that says so in X-Forwarded-Proto) and the Host.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// DcatSite describes the platform for the export.
func (s *Server) DcatSite(r *http.Request) (*dcat.Site, error) {
	labels := func(key string, args ...any) []dcat.Label {
		return []dcat.Label{{Lang: "zh", Text: Translate(LangZH, key, args...)}, {Lang: "en", Text: Translate(LangEN, key, args...)}}
	}
	site := &dcat.Site{
		Base:          BaseURL(r),
		Title:         labels(dcatTitleKey),
		Description:   labels(dcatDescriptionKey),
		SchemeTitle:   labels(dcatSchemeKey),
		Categories:    map[string][]dcat.Label{},
		Distributions: map[string][]dcat.Label{},
		Conditions: func(c string) []dcat.Label {
			return []dcat.Label{{Lang: "zh", Text: Translate(LangZH, "dcat.rights.conditional", "Conditions", c)}}
		},
		DivisionName: func(code string) string {
			if d, ok := s.Divisions.Lookup(code); ok {
				return d.Name
			}
			return ""
		},
	}
	for _, c := range CategoryLabels {
		site.Categories[c.Value] = labels(c.Key)
	}
	site.DistributionDescriptions = map[string][]dcat.Label{}
	for _, d := range DistributionOptions {
		site.Distributions[d.Value] = labels(d.Key)
		site.DistributionDescriptions[d.Value] = labels(OptionKey(distributionDescriptions, d.Value))
	}
	for _, f := range DownloadFormats {
		site.Downloads = append(site.Downloads, dcat.Download{Format: f.Value, Title: labels(dcatDownloadTitleKey, "Format", strings.ToUpper(f.Value)),
			Description: labels(f.Key)})
	}
	top, err := s.platformAuthority(r)
	if err != nil {
		return nil, err
	}
	if top != nil {
		site.Publisher = dcat.Agent{Code: top.Code, Name: top.Name}
		site.Division = top.Division
		site.Issued = top.CreatedAt // the platform's start: its authority's record
	} else {
		site.Publisher = dcat.Agent{Code: "platform", Name: Translate(LangZH, "site.name")}
	}
	// The catalogue changed when its latest open entry did.
	latest, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Sort: "modified", Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(latest.Items) > 0 {
		site.Modified = latest.Items[0].UpdatedAt
	}
	if err := s.dcatLicenses(r, site); err != nil {
		return nil, err
	}
	site.DataModified = func(e *pubdata.Entry) *time.Time {
		t, err := s.DataUpdated(r.Context(), e)
		if err != nil {
			s.Logger.Warn("dcat: table figures", "entry", e.ID, "error", err)
		}
		return t
	}
	site.AgentType = s.agentTypes(r)
	return site, nil
}

// DownloadFormats are the path segments of the whole-table downloads,
// /downloads/{id}/{format}, which the DCAT export lists as distributions, with the message
// key of their description.
var DownloadFormats = []CatOption{
	{Value: "csv", Key: "dcat.download.description.csv"},
	{Value: "xlsx", Key: "dcat.download.description.xlsx"},
	{Value: "json", Key: "dcat.download.description.json"},
	{Value: "ndjson", Key: "dcat.download.description.ndjson"},
}

// distributionDescriptions describe each format's distribution.
var distributionDescriptions = []CatOption{
	{Value: pubdata.FormatTable, Key: "dcat.dist.table.description"},
	{Value: pubdata.FormatFile, Key: "dcat.dist.file.description"},
	{Value: pubdata.FormatService, Key: "dcat.dist.service.description"},
}

// The message key of a download's title.
const dcatDownloadTitleKey = "dcat.download.title"

// agentTypes returns the Site.AgentType of a request: an organisation's ADMS publisher type
// by its division's level, looked up once per organisation (at most 200 a request).
func (s *Server) agentTypes(r *http.Request) func(code string) string {
	known := map[string]string{}
	return func(code string) string {
		if t, ok := known[code]; ok || len(known) >= 200 {
			return t
		}
		known[code] = ""
		if o, err := s.Orgs.FindOrgByCode(r.Context(), code); err == nil && o.Kind != pubdata.KindCompany {
			if len(pubdata.DivisionPrefix(o.Division)) <= 2 {
				known[code] = dcat.PublisherTypes["province"]
			} else {
				known[code] = dcat.PublisherTypes["local"]
			}
		}
		return known[code]
	}
}

// The message keys of the catalogue's own texts.
const dcatTitleKey = "dcat.catalog.title"

const dcatDescriptionKey = "dcat.catalog.description"

const dcatSchemeKey = "dcat.scheme.title"

// DistributionOptions title each format's distribution (DCAT) or resource (CKAN).
var DistributionOptions = []CatOption{
	{Value: pubdata.FormatTable, Key: "dcat.dist.table"},
	{Value: pubdata.FormatFile, Key: "dcat.dist.file"},
	{Value: pubdata.FormatService, Key: "dcat.dist.service"},
}

// CategoryLabels name the top categories as concepts (DCAT) and groups (CKAN).
var CategoryLabels = []CatOption{
	{Value: "1", Key: "dcat.category.basic"},
	{Value: "2", Key: "dcat.category.thematic"},
	{Value: "3", Key: "dcat.category.departmental"},
}

// platformAuthority returns the authority that runs the platform: the one with the widest
// division (a province's before a city's), or nil when there is none yet.
func (s *Server) platformAuthority(r *http.Request) (*pubdata.Org, error) {
	orgs, _, _, err := s.Orgs.FindOrgs(r.Context(), pubdata.OrgFilter{Kind: pubdata.KindAuthority, Limit: pubdata.MaxLimit})
	if err != nil {
		return nil, err
	}
	var top *pubdata.Org
	for _, o := range orgs {
		if top == nil || len(pubdata.DivisionPrefix(o.Division)) < len(pubdata.DivisionPrefix(top.Division)) {
			top = o
		}
	}
	return top, nil
}

// OpenEntry reports whether a published entry is in the open catalogue.
func OpenEntry(e *pubdata.Entry) bool {
	return slices.Contains(pubdata.OpenCatalog.Values, e.OpenClass)
}

// RelatedResolver returns the Site.Related function for a set of exported entries: the
// dataset IRI of a related code when that entry is in the open catalogue.
func (s *Server) RelatedResolver(r *http.Request, site *dcat.Site, entries []*pubdata.Entry) func(string) string {
	known := map[string]string{}
	for _, e := range entries {
		known[e.Code] = site.DatasetIRI(e.ID)
	}
	lookups := 0
	return func(code string) string {
		if iri, ok := known[code]; ok {
			return iri
		}
		known[code] = ""
		if lookups++; lookups > 200 {
			return ""
		}
		if e, err := s.Entries.FindPublishedEntry(r.Context(), code); err == nil && OpenEntry(e) {
			known[code] = site.DatasetIRI(e.ID)
		}
		return known[code]
	}
}

// DcatError answers an export request that failed: plain text for the caller's mistakes,
// the usual rendering (and log) for internal errors.
func (s *Server) DcatError(w http.ResponseWriter, r *http.Request, err error) error {
	status := ErrorStatus(err)
	if status >= 500 {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, pubdata.ErrorMessage(err))
	return nil
}

// WriteGraph serialises g in the format of ext.
func WriteGraph(w http.ResponseWriter, ext string, g *dcat.Graph) error {
	for _, f := range DcatFormats {
		if f.Ext != ext {
			continue
		}
		var buf bytes.Buffer
		if err := f.write(g, &buf); err != nil {
			return err
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("Cache-Control", "public, max-age=60")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(buf.Bytes())
		return err
	}
	return pubdata.Errorf(pubdata.ENOTFOUND, "No such format: %s", ext).Keyed("error.dcat.format", "Format", ext)
}

// AddFileDistributions adds to g a distribution per current file of the file entries
// among entries (one query for them all).
func (s *Server) AddFileDistributions(r *http.Request, site *dcat.Site, g *dcat.Graph, entries []*pubdata.Entry) error {
	files, err := s.CurrentFilesOf(r, entries)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if fs := files[e.ID]; len(fs) > 0 {
			site.FileDistributions(g, e, fs)
		}
	}
	return nil
}

// CurrentFilesOf returns the current files of the file entries among entries, by entry
// (nil without a file service).
func (s *Server) CurrentFilesOf(r *http.Request, entries []*pubdata.Entry) (map[string][]*pubdata.EntryFile, error) {
	var ids []string
	for _, e := range entries {
		if e.Format == pubdata.FormatFile {
			ids = append(ids, e.ID)
		}
	}
	if s.Files == nil || len(ids) == 0 {
		return nil, nil
	}
	return s.Files.CurrentFiles(r.Context(), ids)
}
