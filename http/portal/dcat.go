package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/dcat"
	"net/http"
	"slices"
	"strings"
)

func (s *Server) DcatDataset(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return s.DcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s (ask for /dataset/{id}.ttl, .jsonld or .rdf)", r.URL.Path).
			Keyed("error.dcat.dataset_path", "Path", r.URL.Path))
	}
	id, ext := file[:i], file[i+1:]
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
