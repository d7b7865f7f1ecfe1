package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"math"
	"net/http"
	"strconv"
)

// The provider's page on the portal: the organisation, its entries in the visitor's
// catalogue (the open ones for the public) with their counts by open class and format.

// portalOrgView is the view of a provider's page.
type portalOrgView struct {
	web.Page
	Org      *pubdata.Org
	Division string
	Entries  []web.EntryRow
	Total    int
	ByOpen   []facetValue // entries by open class
	ByFormat []facetValue // entries by format
	PageNo   int
	Pages    int
	PrevURL  string
	NextURL  string
	OpenOnly bool
	Search   string               // the catalogue search of the provider's entries
	Usage    *pubdata.UsageTotals // uses of its entries; nil: not counted
}

func (s *Server) PagePortalOrg(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	o, err := s.Orgs.FindOrgByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	v := portalOrgView{Page: s.Base(r, false), Org: o, Division: s.DivisionName(o.Division), PageNo: 1,
		OpenOnly: !pubdata.SeesWholeCatalog(a), Search: web.WithQuery("/catalog", "org", o.Code)}
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			return web.ParamError("page", pubdata.NewMessage("error.param.page", "Max", 10000, "Value", p), "must be a whole number from 1 to %d, not %q.", 10000, p)
		}
		v.PageNo = n
	}
	q := pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "org", Values: []string{o.Code}}},
		Sort: "modified", Offset: (v.PageNo - 1) * web.CatalogPageSize, Limit: web.CatalogPageSize, Facets: true}
	if v.OpenOnly {
		q.Filters = append(q.Filters, pubdata.OpenCatalog)
	}
	res, err := s.Entries.SearchCatalog(r.Context(), q)
	if err != nil {
		return err
	}
	v.Entries, v.Total = web.EntryRows(res.Items), res.Total
	v.Pages = max(1, int(math.Ceil(float64(res.Total)/float64(web.CatalogPageSize))))
	if v.PageNo > 1 {
		v.PrevURL = web.PageLink(r, "page", web.PageParam(v.PageNo-1))
	}
	if v.PageNo < v.Pages {
		v.NextURL = web.PageLink(r, "page", strconv.Itoa(v.PageNo+1))
	}
	for _, o := range web.OpenClassOptions {
		if n := res.Facets["open_class"][o.Value]; n > 0 {
			v.ByOpen = append(v.ByOpen, facetValue{Value: o.Value, Label: web.Translate(v.Lang, s.LabelKey(o.Key)), Count: n, URL: web.WithQuery("/catalog", "org", v.Org.Code, "open_class", o.Value)})
		}
	}
	for _, o := range web.FormatOptions {
		if n := res.Facets["format"][o.Value]; n > 0 {
			v.ByFormat = append(v.ByFormat, facetValue{Value: o.Value, Label: web.Translate(v.Lang, o.Key), Count: n, URL: web.WithQuery("/catalog", "org", v.Org.Code, "format", o.Value)})
		}
	}
	v.Usage = s.ProviderUsage(r, o.Code)
	return s.Render(w, r, "portal_org", http.StatusOK, v)
}
