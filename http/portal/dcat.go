package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/dcat"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/munnerz/goautoneg"
)

// datasetMediaTypes are what /dataset/{id} answers by Accept: the entry's page for a
// browser (first: also for */* and no Accept), else its description in a DCAT format.
var datasetMediaTypes = []string{"text/html", "application/xhtml+xml", "text/turtle", "application/ld+json", "application/rdf+xml"}

// DcatDataset answers a dataset's IRI, /dataset/{id}: 303 to the entry's page for a browser,
// its description in Turtle, JSON-LD or RDF/XML by Accept; and /dataset/{id}.ttl (.jsonld,
// .rdf) for one format.
func (s *Server) DcatDataset(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	i := strings.LastIndexByte(file, '.')
	var id, ext string
	if i <= 0 {
		id = file
		w.Header().Add("Vary", "Accept")
		switch goautoneg.Negotiate(r.Header.Get("Accept"), datasetMediaTypes) {
		case "text/turtle":
			ext = "ttl"
		case "application/ld+json":
			ext = "jsonld"
		case "application/rdf+xml":
			ext = "rdf"
		default:
			http.Redirect(w, r, "/catalog/"+url.PathEscape(id), http.StatusSeeOther)
			return nil
		}
		w.Header().Set("Content-Location", "/dataset/"+url.PathEscape(id)+"."+ext)
	} else {
		id, ext = file[:i], file[i+1:]
	}
	if !slices.ContainsFunc(web.DcatFormats, func(f web.DcatFormat) bool { return f.Ext == ext }) {
		return s.DcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s (ask for /dataset/{id}.ttl, .jsonld or .rdf)", r.URL.Path).
			Keyed("error.dcat.dataset_path", "Path", r.URL.Path))
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && (!web.OpenEntry(e) || e.ID != id)) {
		return s.DcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Dataset %q is not in the open catalogue.", id).
			Keyed("error.dcat.dataset", "ID", id))
	} else if err != nil {
		return err
	}
	site, err := s.DcatSite(r)
	if err != nil {
		return err
	}
	site.Related = s.RelatedResolver(r, site, []*pubdata.Entry{e})
	g := dcat.Dataset(site, e)
	if err := s.AddFileDistributions(r, site, g, []*pubdata.Entry{e}); err != nil {
		return err
	}
	return web.WriteGraph(w, ext, g)
}
