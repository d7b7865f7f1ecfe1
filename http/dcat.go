package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/dcat"
)

// The DCAT-AP 3 export of the open catalogue (ckanext-dcat's URL scheme): /catalog.ttl,
// /catalog.jsonld and /catalog.rdf, paged with Hydra (?page=N, dcatPageSize entries a
// page), and /dataset/{id}.ttl (or .jsonld, .rdf) for one dataset. Only the open catalogue
// (open class unconditional or conditional) is exported, whoever asks: harvesters federate
// what the public may see.

// dcatPageSize is the number of datasets on a page of the catalogue.
const dcatPageSize = 100

// dcatFormat is a serialisation of the export.
type dcatFormat struct {
	ext, contentType string
	write            func(g *dcat.Graph, buf *bytes.Buffer) error
}

// dcatFormats are the serialisations, by file extension.
var dcatFormats = []dcatFormat{
	{"ttl", "text/turtle; charset=utf-8", func(g *dcat.Graph, b *bytes.Buffer) error { return g.WriteTurtle(b) }},
	{"jsonld", "application/ld+json", func(g *dcat.Graph, b *bytes.Buffer) error { return g.WriteJSONLD(b) }},
	{"rdf", "application/rdf+xml", func(g *dcat.Graph, b *bytes.Buffer) error { return g.WriteRDFXML(b) }},
}

// baseURL is the platform's URL as the request reached it: the scheme (https behind TLS
// or a proxy that says so in X-Forwarded-Proto) and the Host.
func baseURL(r *http.Request) string {
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

// dcatSite describes the platform for the export.
func (s *Server) dcatSite(r *http.Request) (*dcat.Site, error) {
	labels := func(key string, args ...any) []dcat.Label {
		return []dcat.Label{{Lang: "zh", Text: translate(LangZH, key, args...)}, {Lang: "en", Text: translate(LangEN, key, args...)}}
	}
	site := &dcat.Site{
		Base:          baseURL(r),
		Title:         labels(dcatTitleKey),
		Description:   labels(dcatDescriptionKey),
		SchemeTitle:   labels(dcatSchemeKey),
		Categories:    map[string][]dcat.Label{},
		Distributions: map[string][]dcat.Label{},
		Conditions: func(c string) []dcat.Label {
			return []dcat.Label{{Lang: "zh", Text: translate(LangZH, "dcat.rights.conditional", "Conditions", c)}}
		},
		DivisionName: func(code string) string {
			if d, ok := s.Divisions.Lookup(code); ok {
				return d.Name
			}
			return ""
		},
	}
	for _, c := range categoryLabels {
		site.Categories[c.Value] = labels(c.Key)
	}
	for _, d := range distributionOptions {
		site.Distributions[d.Value] = labels(d.Key)
	}
	top, err := s.platformAuthority(r)
	if err != nil {
		return nil, err
	}
	if top != nil {
		site.Publisher = dcat.Agent{Code: top.Code, Name: top.Name}
		site.Division = top.Division
	} else {
		site.Publisher = dcat.Agent{Code: "platform", Name: translate(LangZH, "site.name")}
	}
	return site, nil
}

// The message keys of the catalogue's own texts.
const dcatTitleKey = "dcat.catalog.title"

const dcatDescriptionKey = "dcat.catalog.description"

const dcatSchemeKey = "dcat.scheme.title"

// distributionOptions title each format's distribution (DCAT) or resource (CKAN).
var distributionOptions = []catOption{
	{Value: pubdata.FormatTable, Key: "dcat.dist.table"},
	{Value: pubdata.FormatFile, Key: "dcat.dist.file"},
	{Value: pubdata.FormatService, Key: "dcat.dist.service"},
}

// categoryLabels name the top categories as concepts (DCAT) and groups (CKAN).
var categoryLabels = []catOption{
	{Value: "1", Key: "dcat.category.basic"},
	{Value: "2", Key: "dcat.category.thematic"},
	{Value: "3", Key: "dcat.category.departmental"},
}

// categoryLabelKey returns the message key naming a top category.
func categoryLabelKey(top string) string { return optionKey(categoryLabels, top) }

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

// openEntry reports whether a published entry is in the open catalogue.
func openEntry(e *pubdata.Entry) bool {
	return slices.Contains(pubdata.OpenCatalog.Values, e.OpenClass)
}

// relatedResolver returns the Site.Related function for a set of exported entries: the
// dataset IRI of a related code when that entry is in the open catalogue.
func (s *Server) relatedResolver(r *http.Request, site *dcat.Site, entries []*pubdata.Entry) func(string) string {
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
		if e, err := s.Entries.FindPublishedEntry(r.Context(), code); err == nil && openEntry(e) {
			known[code] = site.DatasetIRI(e.ID)
		}
		return known[code]
	}
}

// dcatError answers an export request that failed: plain text for the caller's mistakes,
// the usual rendering (and log) for internal errors.
func (s *Server) dcatError(w http.ResponseWriter, r *http.Request, err error) error {
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

// writeGraph serialises g in the format of ext.
func writeGraph(w http.ResponseWriter, ext string, g *dcat.Graph) error {
	for _, f := range dcatFormats {
		if f.ext != ext {
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
	return pubdata.Errorf(pubdata.ENOTFOUND, "No such format: %s", ext)
}

func (s *Server) dcatCatalog(ext string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		pageNo := 1
		if v := q.Get("page"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxSearchOffset/dcatPageSize {
				return s.dcatError(w, r, paramError("page", "must be a whole number from 1 to %d, not %q.", maxSearchOffset/dcatPageSize, v))
			}
			pageNo = n
		}
		cq := pubdata.CatalogQuery{
			Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog},
			Sort:    "code",
			Offset:  (pageNo - 1) * dcatPageSize,
			Limit:   dcatPageSize,
		}
		if v := q.Get("modified_since"); v != "" {
			t, err := parseTimeParam(v)
			if err != nil {
				return s.dcatError(w, r, paramError("modified_since", "must be a date (2024-01-31) or an RFC 3339 time, not %q.", v))
			}
			cq.ModifiedFrom = &t
		}
		res, err := s.Entries.SearchCatalog(r.Context(), cq)
		if err != nil {
			return err
		}
		last := max(1, (res.Total+dcatPageSize-1)/dcatPageSize)
		if pageNo > last {
			return s.dcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Page %d is past the last page, %d.", pageNo, last))
		}
		site, err := s.dcatSite(r)
		if err != nil {
			return err
		}
		site.Related = s.relatedResolver(r, site, res.Items)
		page := &dcat.Page{Number: pageNo, Last: last, Total: res.Total, URL: func(n int) string {
			p := url.Values{}
			for k, v := range q {
				if k != "page" {
					p[k] = v
				}
			}
			p.Set("page", strconv.Itoa(n))
			return site.Base + "/catalog." + ext + "?" + p.Encode()
		}}
		return writeGraph(w, ext, dcat.Catalog(site, res.Items, page))
	}
}

func (s *Server) dcatDataset(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return s.dcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s (ask for /dataset/{id}.ttl, .jsonld or .rdf)", r.URL.Path))
	}
	id, ext := file[:i], file[i+1:]
	if !slices.ContainsFunc(dcatFormats, func(f dcatFormat) bool { return f.ext == ext }) {
		return s.dcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s (ask for /dataset/{id}.ttl, .jsonld or .rdf)", r.URL.Path))
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if errorIs(err, pubdata.ENOTFOUND) || (err == nil && (!openEntry(e) || e.ID != id)) {
		return s.dcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Dataset %q is not in the open catalogue.", id))
	} else if err != nil {
		return err
	}
	site, err := s.dcatSite(r)
	if err != nil {
		return err
	}
	site.Related = s.relatedResolver(r, site, []*pubdata.Entry{e})
	return writeGraph(w, ext, dcat.Dataset(site, e))
}

// parseTimeParam reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func parseTimeParam(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}
