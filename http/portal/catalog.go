package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/cjk"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// facetFields are the facets the search page shows, in order, with their headings. The
// share class is the public bodies' business, not the public's: it is offered only to those
// who see the whole catalogue (the API still filters on it for everyone).
var facetFields = []web.CatOption{
	{Value: "org", Key: "catalog.facet.org"},
	{Value: "category", Key: "catalog.facet.category"},
	shareFacet,
	{Value: "open_class", Key: "catalog.facet.open_class"},
	{Value: "format", Key: "catalog.facet.format"},
	{Value: "update_cycle", Key: "catalog.facet.update_cycle"},
	{Value: "division", Key: "catalog.facet.division"},
}

// sortOptions are the orders the search offers.
var sortOptions = []web.CatOption{
	{Value: "relevance", Key: "catalog.sort.relevance"},
	{Value: "modified", Key: "catalog.sort.modified"},
	{Value: "popular", Key: "catalog.sort.popular"},
	{Value: "title", Key: "catalog.sort.title"},
	{Value: "code", Key: "catalog.sort.code"},
}

// facetValue is one value of a facet: its label, count and the link that adds or removes
// it from the search.
type facetValue struct {
	Value  string
	Label  string // already translated, or a name
	Count  int
	Active bool
	URL    string
}

// facetGroup is one facet of the search page.
type facetGroup struct {
	Field  string
	Key    string
	Values []facetValue
}

// activeFilter is a filter in force, with the link that removes it.
type activeFilter struct {
	FieldKey string
	Label    string
	URL      string
}

// catalogView is the view of the catalogue search.
type catalogView struct {
	web.Page
	Q          string
	Sort       string
	Sorts      []web.CatOption
	Hidden     []hiddenParam // the active filters, kept when the text is searched again
	Results    []web.EntryRow
	Total      int
	Facets     []facetGroup
	Active     []activeFilter
	ClearURL   string
	PageNo     int
	Pages      int
	PrevURL    string
	NextURL    string
	PageLinks  []pageLink                     // numbered pages
	OpenOnly   bool                           // the visitor sees the open catalogue only
	QError     string                         // a problem with the search text
	Searching  bool                           // a text or a filter was given
	InTitle    bool                           // the text must be in titles or keywords (the home page's topics)
	InTitleURL string                         // the same search everywhere
	Usage      map[string]pubdata.UsageTotals // by entry id, for the results' counts
	// When nothing is found: other spellings, the catalogue's popular entries and the
	// demand form.
	Spellings []hiddenParam // word and its search link
	Popular   []web.EntryRow
}

// pageLink is a numbered page link; Gap marks an ellipsis between numbers.
type pageLink struct {
	No      int
	URL     string
	Current bool
	Gap     bool
}

// pageLinks returns the numbered links of a search's pages: the first, the last and two
// either side of the current one, with gaps.
func pageLinks(r *http.Request, pageNo, pages int) []pageLink {
	if pages <= 1 {
		return nil
	}
	var out []pageLink
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < pageNo-2 || n > pageNo+2) {
			continue
		}
		if last != 0 && n > last+1 {
			out = append(out, pageLink{Gap: true})
		}
		out = append(out, pageLink{No: n, URL: web.PageLink(r, "page", web.PageParam(n)), Current: n == pageNo})
		last = n
	}
	return out
}

// UsageOf returns an entry's uses, for its result.
func (v catalogView) UsageOf(id string) pubdata.UsageTotals { return v.Usage[id] }

// hiddenParam is a query parameter carried by a form as a hidden input.
type hiddenParam struct{ Name, Value string }

// catalogQuery reads the search page's parameters.
func catalogQuery(q url.Values) (pubdata.CatalogQuery, int, error) {
	cq := pubdata.CatalogQuery{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Limit: web.CatalogPageSize, Facets: true}
	cq.InTitle = q.Get("in") == "title" && cq.Q != ""
	if cq.Sort == "relevance" && cq.Q == "" {
		cq.Sort = ""
	}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return cq, 0, web.ParamError("page", pubdata.NewMessage("error.param.page", "Max", 10000, "Value", v), "must be a whole number from 1 to %d, not %q.", 10000, v)
		}
		pageNo = n
	}
	cq.Offset = (pageNo - 1) * web.CatalogPageSize
	for _, f := range pubdata.CatalogFields {
		var vals []string
		for _, v := range q[f] {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			cq.Filters = append(cq.Filters, pubdata.CatalogFilter{Field: f, Values: vals})
		}
	}
	return cq, pageNo, nil
}

// toggleLink returns the search URL with value added to or removed from the field's filter,
// back on the first page.
func toggleLink(r *http.Request, field, value string) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "lang" && k != "page" {
			q[k] = slices.Clone(v)
		}
	}
	vals := q[field]
	if i := slices.Index(vals, value); i >= 0 {
		vals = slices.Delete(vals, i, i+1)
	} else {
		vals = append(vals, value)
	}
	if len(vals) == 0 {
		q.Del(field)
	} else {
		q[field] = vals
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

// facetLabel returns the shown label of a facet value.
func (s *Server) facetLabel(lang, field, value string, names map[string]string) string {
	switch field {
	case "org":
		if n, ok := names[value]; ok {
			return n
		}
		return value
	case "category":
		// The facet counts classes (one letter) by name; a sub-category's code (from an
		// entry's page) is shown after its class's name.
		l := web.Translate(lang, web.CategoryKey(value))
		if len(value) > 1 {
			l += " · " + value
		}
		return l
	case "share_class":
		return web.Translate(lang, s.LabelKey(web.OptionKey(web.ShareClassOptions, value)))
	case "open_class":
		return web.Translate(lang, s.LabelKey(web.OptionKey(web.OpenClassOptions, value)))
	case "format":
		return web.Translate(lang, web.OptionKey(web.FormatOptions, value))
	case "update_cycle":
		return web.Translate(lang, web.OptionKey(web.CycleOptions, value))
	case "division":
		return s.DivisionName(value)
	case "supplementary":
		if value == "true" {
			return web.Translate(lang, "catalog.supplementary")
		}
		return web.Translate(lang, "catalog.not_supplementary")
	}
	return value
}

func (s *Server) PageCatalog(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	q := r.URL.Query()
	cq, pageNo, err := catalogQuery(q)
	if err != nil {
		return err
	}
	v := catalogView{
		Page:      s.Base(r, false),
		Q:         cq.Q,
		Sort:      q.Get("sort"),
		Sorts:     sortOptions,
		OpenOnly:  !pubdata.SeesWholeCatalog(a),
		PageNo:    pageNo,
		Searching: cq.Q != "" || len(cq.Filters) > 0,
		InTitle:   cq.InTitle,
	}
	if cq.InTitle {
		v.Hidden = append(v.Hidden, hiddenParam{"in", "title"})
		v.InTitleURL = web.PageLink(r, "in", "", "page", "")
	}
	if v.Sort == "" {
		v.Sort = "modified"
		if cq.Q != "" {
			v.Sort = "relevance"
		}
	}
	for _, f := range cq.Filters {
		for _, val := range f.Values {
			v.Hidden = append(v.Hidden, hiddenParam{f.Field, val})
		}
	}
	query := cq
	if v.OpenOnly {
		query.Filters = append(slices.Clone(cq.Filters), pubdata.OpenCatalog)
	}
	status := http.StatusOK
	if err := pubdata.ValidateCatalogQuery(&query); err != nil {
		if fe := pubdata.ErrorFields(err); fe["q"] != nil {
			v.QError = web.Translate(v.Lang, "catalog.error.q")
			return s.Render(w, r, "catalog", http.StatusBadRequest, v)
		}
		return err
	}
	res, err := s.Entries.SearchCatalog(r.Context(), query)
	if err != nil {
		if fe := pubdata.ErrorFields(err); fe["q"] != nil {
			v.QError = web.Translate(v.Lang, "catalog.error.q")
			return s.Render(w, r, "catalog", http.StatusBadRequest, v)
		}
		return err
	}
	v.Results, v.Total = web.EntryRows(res.Items), res.Total
	v.Pages = max(1, int(math.Ceil(float64(res.Total)/float64(web.CatalogPageSize))))
	if pageNo > 1 {
		v.PrevURL = web.PageLink(r, "page", web.PageParam(pageNo-1))
	}
	if pageNo < v.Pages {
		v.NextURL = web.PageLink(r, "page", strconv.Itoa(pageNo+1))
	}
	v.PageLinks = pageLinks(r, pageNo, v.Pages)
	if s.Usage != nil && len(res.Items) > 0 {
		v.Usage = map[string]pubdata.UsageTotals{}
		for _, e := range res.Items {
			if v.Usage[e.ID], err = s.Usage.EntryUsage(r.Context(), e.ID, "", ""); err != nil {
				return err
			}
		}
	}
	if res.Total == 0 && cq.Q != "" {
		if err := s.noResults(r, &v, query); err != nil {
			return err
		}
	}
	if counts := res.Facets["category"]; counts != nil {
		res.Facets["category"] = categoryClasses(counts)
	}

	var names map[string]string
	if len(res.Facets["org"]) > 0 || slices.ContainsFunc(cq.Filters, func(f pubdata.CatalogFilter) bool { return f.Field == "org" }) {
		if names, err = s.OrgNames(r); err != nil {
			return err
		}
	}
	active := map[string][]string{}
	for _, f := range cq.Filters {
		active[f.Field] = f.Values
		fieldKey := web.OptionKey(append(slices.Clip(facetFields), keywordFacet, supplementaryFacet), f.Field)
		for _, val := range f.Values {
			v.Active = append(v.Active, activeFilter{FieldKey: fieldKey, Label: s.facetLabel(v.Lang, f.Field, val, names), URL: toggleLink(r, f.Field, val)})
		}
	}
	if len(v.Active) > 0 {
		v.ClearURL = web.WithQuery("/catalog", "q", cq.Q)
	}
	for _, ff := range facetFields {
		if ff == shareFacet && v.OpenOnly {
			continue
		}
		g := facetGroup{Field: ff.Value, Key: ff.Key}
		counts := res.Facets[ff.Value]
		for val, n := range counts {
			g.Values = append(g.Values, facetValue{Value: val, Count: n})
		}
		// Active values stay visible (to be removed) even when they match nothing.
		for _, val := range active[ff.Value] {
			if _, ok := counts[val]; !ok {
				g.Values = append(g.Values, facetValue{Value: val})
			}
		}
		for i := range g.Values {
			fv := &g.Values[i]
			fv.Label = s.facetLabel(v.Lang, ff.Value, fv.Value, names)
			fv.Active = slices.Contains(active[ff.Value], fv.Value)
			fv.URL = toggleLink(r, ff.Value, fv.Value)
		}
		sort.SliceStable(g.Values, func(i, j int) bool {
			if g.Values[i].Count != g.Values[j].Count {
				return g.Values[i].Count > g.Values[j].Count
			}
			return g.Values[i].Value < g.Values[j].Value
		})
		if len(g.Values) > 0 {
			v.Facets = append(v.Facets, g)
		}
	}
	return s.Render(w, r, "catalog", status, v)
}

// categoryClasses sums the counts of categories by class (their first letter): the facet
// offers the classes by name, and filtering on a class finds its sub-categories.
func categoryClasses(counts map[string]int) map[string]int {
	out := map[string]int{}
	for c, n := range counts {
		if c != "" {
			out[c[:1]] += n
		}
	}
	return out
}

// noResults fills a search that found nothing with other spellings of its English words
// (from the synonym table), the catalogue's most used entries and, in the template, the
// demand form's link.
func (s *Server) noResults(r *http.Request, v *catalogView, q pubdata.CatalogQuery) error {
	seen := map[string]bool{}
	for _, word := range strings.Fields(q.Q) {
		for _, sp := range cjk.Spellings(word) {
			if !seen[sp] && len(v.Spellings) < 5 {
				seen[sp] = true
				v.Spellings = append(v.Spellings, hiddenParam{Name: sp, Value: web.WithQuery("/catalog", "q", sp)})
			}
		}
	}
	var filters []pubdata.CatalogFilter
	if v.OpenOnly {
		filters = []pubdata.CatalogFilter{pubdata.OpenCatalog}
	}
	res, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{Filters: filters, Sort: "popular", Limit: 5})
	if err != nil {
		return err
	}
	v.Popular = web.EntryRows(res.Items)
	return nil
}

var shareFacet = web.CatOption{Value: "share_class", Key: "catalog.facet.share_class"}

// keywordFacet and supplementaryFacet name the filters the search accepts without showing
// them as facets (from links on entry pages).
var (
	keywordFacet       = web.CatOption{Value: "keyword", Key: "catalog.facet.keyword"}
	supplementaryFacet = web.CatOption{Value: "supplementary", Key: "catalog.facet.supplementary"}
)

// relatedLink is a related entry on an entry's page.
type relatedLink struct {
	Code  string
	Title string // "" when the entry is not in the visitor's catalogue
	URL   string
}

// catalogEntryView is the view of a published entry's page.
type catalogEntryView struct {
	web.Page
	Entry    web.EntryRow
	Division string
	Related  []relatedLink
	OrgURL   string
	Keywords []hiddenParam    // keyword and its search link
	CanSee   bool             // the visitor sees the whole catalogue
	Console  string           // the entry in the console, for its provider and authority
	Data     *web.DataPreview // the table's preview (portal_data.go); nil: no table
	Extras   *entryExtras     // downloads, API, chart (portal_entry.go); nil: no table
	Files    *entryFilesView  // a file entry's files (files.go); nil: not a file entry
	Feedback *feedbackView    // usage, ratings and comments (feedback.go); nil: not kept
	// License is the entry's licence (nil: none); DataUpdated when its data last changed
	// (its last batch; nil: no table or never loaded).
	License     *web.EntryLicenseView
	DataUpdated *time.Time
	Quality     *entryQuality   // the score of an open entry (quality.go); nil: none
	Ticket      *web.TicketForm // the "report a problem" form (tickets.go); nil: no tickets
	// Contribution is a non-public body's terms on the entry (B7); nil: none.
	Contribution *pubdata.Contribution
}

func (s *Server) PageCatalogEntry(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	ref := r.PathValue("ref")
	e, err := s.Entries.FindPublishedEntry(r.Context(), ref)
	if err != nil {
		return err
	}
	if !pubdata.CanViewPublished(a, e) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	names, err := s.ElementNames(r)
	if err != nil {
		return err
	}
	v := catalogEntryView{
		Page:     s.Base(r, false),
		Entry:    web.EntryRow{Entry: e, ElementNames: names},
		Division: s.DivisionName(e.Division),
		OrgURL:   web.WithQuery("/catalog", "org", e.Org),
		CanSee:   pubdata.SeesWholeCatalog(a),
	}
	for _, k := range e.Keywords {
		v.Keywords = append(v.Keywords, hiddenParam{Name: k, Value: web.WithQuery("/catalog", "keyword", k)})
	}
	for i, code := range e.Related {
		l := relatedLink{Code: code}
		if i < 50 {
			if re, err := s.Entries.FindPublishedEntry(r.Context(), code); err == nil && pubdata.CanViewPublished(a, re) {
				l.Title, l.URL = re.Title, "/catalog/"+re.ID
			} else if err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND) {
				return err
			}
		}
		v.Related = append(v.Related, l)
	}
	if pubdata.CanViewWorkingCopy(a, e) {
		v.Console = "/console/entries/" + e.ID
	}
	licenses, err := s.LicenseList(r.Context())
	if err != nil {
		return err
	}
	v.License = web.EntryLicense(licenses, &e.EntryFields, v.Lang)
	if v.DataUpdated, err = s.DataUpdated(r.Context(), e); err != nil {
		return err
	}
	if v.Data, err = s.DataPreview(r, a, e, r.URL.Path); err != nil {
		return err
	}
	if v.Extras, err = s.entryExtrasFor(r, a, e, v.Data); err != nil {
		return err
	}
	if v.Files, err = s.entryFilesFor(r, a, e); err != nil {
		return err
	}
	if v.Quality, err = s.entryQualityFor(r, e); err != nil {
		return err
	}
	if v.Contribution, err = s.ContributionOf(r.Context(), e.ID); err != nil {
		return err
	}
	s.CountUse(e, pubdata.UseView)
	v.Feedback = s.FeedbackView(r, e)
	if s.Tickets != nil {
		v.Ticket = s.TicketFormFor(r, e, nil)
	}
	return s.Render(w, r, "catalog_entry", http.StatusOK, v)
}

func (s *Server) PageLists(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "lists", http.StatusOK, web.ListsView{Page: s.Base(r, false), Lists: web.CatalogLists})
}

// listPageSize is the number of rows on a page of a list.
const listPageSize = 100

// listView is the view of one published list.
type listView struct {
	web.Page
	List      web.CatalogList
	Entries   []web.EntryRow
	Demands   []demandRow
	Total     int
	PageNo    int
	Pages     int
	PrevURL   string
	NextURL   string
	OpenOnly  bool // the visitor sees the open catalogue's part of the list only
	SeesWhole bool // the visitor sees the whole published catalogue (links every entry)
}

// demandRow is a demand as the demand list shows it.
type demandRow struct {
	*pubdata.Demand
}

// StatusKey labels the demand's status.
func (d demandRow) StatusKey() string { return web.OptionKey(web.DemandStatusOptions, d.Status) }

func (s *Server) PageList(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	i := slices.IndexFunc(web.CatalogLists, func(l web.CatalogList) bool { return l.Kind == kind })
	if i < 0 {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	a := pubdata.ActorFromContext(r.Context())
	v := listView{Page: s.Base(r, false), List: web.CatalogLists[i], PageNo: 1}
	q := r.URL.Query()
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			return web.ParamError("page", pubdata.NewMessage("error.param.page", "Max", 10000, "Value", p), "must be a whole number from 1 to %d, not %q.", 10000, p)
		}
		v.PageNo = n
	}
	if kind == "demand" {
		// The demand list pages by cursor.
		limit, cursor, err := web.PageParams(q)
		if err != nil {
			return err
		}
		demands, total, next, err := s.Demands.FindDemands(r.Context(), limit, cursor)
		if err != nil {
			return err
		}
		for _, d := range demands {
			v.Demands = append(v.Demands, demandRow{d})
		}
		v.Total = total
		if next != "" {
			v.NextURL = web.PageLink(r, "cursor", next)
		}
		if cursor != "" {
			v.PrevURL = web.PageLink(r, "cursor", "")
		}
		return s.Render(w, r, "lists_detail", http.StatusOK, v)
	}
	// The same query as the list's download (entries.go): the negative list and the open
	// catalogue are public as a whole (SX27); the others show each visitor its part.
	cq := web.ListQuery(kind, a)
	cq.Offset, cq.Limit = (v.PageNo-1)*listPageSize, listPageSize
	v.OpenOnly = kind != "negative" && kind != "open" && !pubdata.SeesWholeCatalog(a)
	v.SeesWhole = pubdata.SeesWholeCatalog(a)
	res, err := s.Entries.SearchCatalog(r.Context(), cq)
	if err != nil {
		return err
	}
	v.Entries, v.Total = web.EntryRows(res.Items), res.Total
	v.Pages = max(1, int(math.Ceil(float64(res.Total)/float64(listPageSize))))
	if v.PageNo > 1 {
		v.PrevURL = web.PageLink(r, "page", web.PageParam(v.PageNo-1))
	}
	if v.PageNo < v.Pages {
		v.NextURL = web.PageLink(r, "page", strconv.Itoa(v.PageNo+1))
	}
	return s.Render(w, r, "lists_detail", http.StatusOK, v)
}
