package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/dcat"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The DCAT-AP 3 export of the open catalogue (ckanext-dcat's URL scheme): /catalog.ttl,
// /catalog.jsonld and /catalog.rdf, paged with Hydra (?page=N, dcatPageSize entries a
// page), and /dataset/{id}.ttl (or .jsonld, .rdf) for one dataset. Only the open catalogue
// (open class unconditional or conditional) is exported, whoever asks: harvesters federate
// what the public may see.

// DcatPageSize is the number of datasets on a page of the catalogue.
const DcatPageSize = 100

func (s *Server) DcatCatalog(ext string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		pageNo := 1
		if v := q.Get("page"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > web.MaxSearchOffset/DcatPageSize {
				return s.DcatError(w, r, web.ParamError("page", pubdata.NewMessage("error.param.page", "Max", web.MaxSearchOffset/DcatPageSize, "Value", v),
					"must be a whole number from 1 to %d, not %q.", web.MaxSearchOffset/DcatPageSize, v))
			}
			pageNo = n
		}
		cq := pubdata.CatalogQuery{
			Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog},
			Sort:    "code",
			Offset:  (pageNo - 1) * DcatPageSize,
			Limit:   DcatPageSize,
		}
		if v := q.Get("modified_since"); v != "" {
			t, err := parseTimeParam(v)
			if err != nil {
				return s.DcatError(w, r, web.ParamError("modified_since", pubdata.NewMessage("error.param.modified_since", "Value", v),
					"must be a date (2024-01-31) or an RFC 3339 time, not %q.", v))
			}
			cq.ModifiedFrom = &t
		}
		res, err := s.Entries.SearchCatalog(r.Context(), cq)
		if err != nil {
			return err
		}
		last := max(1, (res.Total+DcatPageSize-1)/DcatPageSize)
		if pageNo > last {
			return s.DcatError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Page %d is past the last page, %d.", pageNo, last).
				Keyed("error.dcat.page_past", "Page", pageNo, "Last", last))
		}
		site, err := s.DcatSite(r)
		if err != nil {
			return err
		}
		site.Related = s.RelatedResolver(r, site, res.Items)
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
		g := dcat.Catalog(site, res.Items, page)
		if err := s.AddFileDistributions(r, site, g, res.Items); err != nil {
			return err
		}
		return web.WriteGraph(w, ext, g)
	}
}

// parseTimeParam reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func parseTimeParam(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}
