package http

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
)

// The public catalogue pages: search with facets, an entry's page, and the published lists
// (share, open, negative, responsibility, demand). Anonymous visitors, public users and
// companies see the open catalogue; public bodies and authorities the whole published one.

// catOption is a value of one of the catalogue's closed sets with the message key of its label.
type catOption struct {
	Value string
	Key   string
}

// The labels of the catalogue's closed sets, in the order forms offer them.
var (
	entryStatusOptions = []catOption{
		{Value: string(pubdata.StatusDraft), Key: "entry.status.draft"},
		{Value: string(pubdata.StatusSubmitted), Key: "entry.status.submitted"},
		{Value: string(pubdata.StatusPublished), Key: "entry.status.published"},
		{Value: string(pubdata.StatusRejected), Key: "entry.status.rejected"},
		{Value: string(pubdata.StatusRetired), Key: "entry.status.retired"},
	}
	shareClassOptions = []catOption{
		{Value: pubdata.ClassUnconditional, Key: "entry.share.unconditional"},
		{Value: pubdata.ClassConditional, Key: "entry.share.conditional"},
		{Value: pubdata.ClassNone, Key: "entry.share.none"},
	}
	openClassOptions = []catOption{
		{Value: pubdata.ClassUnconditional, Key: "entry.open.unconditional"},
		{Value: pubdata.ClassConditional, Key: "entry.open.conditional"},
		{Value: pubdata.ClassNone, Key: "entry.open.none"},
	}
	formatOptions = []catOption{
		{Value: pubdata.FormatTable, Key: "entry.format.table"},
		{Value: pubdata.FormatFile, Key: "entry.format.file"},
		{Value: pubdata.FormatService, Key: "entry.format.service"},
	}
	cycleOptions = []catOption{
		{Value: "realtime", Key: "entry.cycle.realtime"},
		{Value: "daily", Key: "entry.cycle.daily"},
		{Value: "weekly", Key: "entry.cycle.weekly"},
		{Value: "monthly", Key: "entry.cycle.monthly"},
		{Value: "quarterly", Key: "entry.cycle.quarterly"},
		{Value: "semiannual", Key: "entry.cycle.semiannual"},
		{Value: "yearly", Key: "entry.cycle.yearly"},
		{Value: "irregular", Key: "entry.cycle.irregular"},
	}
	categoryOptions = []catOption{
		{Value: "1", Key: "entry.category.basic"},
		{Value: "2", Key: "entry.category.thematic"},
		{Value: "3", Key: "entry.category.departmental"},
	}
	itemTypeOptions = []catOption{
		{Value: "string", Key: "entry.itemtype.string"},
		{Value: "integer", Key: "entry.itemtype.integer"},
		{Value: "number", Key: "entry.itemtype.number"},
		{Value: "boolean", Key: "entry.itemtype.boolean"},
		{Value: "date", Key: "entry.itemtype.date"},
		{Value: "datetime", Key: "entry.itemtype.datetime"},
	}
	gradeOptions = []catOption{
		{Value: "0", Key: "entry.grade.none"},
		{Value: "1", Key: "entry.grade.one"},
		{Value: "2", Key: "entry.grade.two"},
		{Value: "3", Key: "entry.grade.three"},
		{Value: "4", Key: "entry.grade.four"},
	}
	unknownOption = catOption{Key: "entry.unknown"}
)

// optionKey returns the label key of value in opts (entry.unknown when it is not there).
func optionKey(opts []catOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Key
		}
	}
	return unknownOption.Key
}

// categoryKey labels a category by its class (its first digit).
func categoryKey(category string) string {
	if category == "" {
		return unknownOption.Key
	}
	return optionKey(categoryOptions, category[:1])
}

// entryRow is an entry as the pages show it: its fields and the label keys of its values.
type entryRow struct {
	*pubdata.Entry
	elementNames map[string]string // data element code → name, for the items table; may be nil
}

func (e entryRow) StatusKey() string   { return optionKey(entryStatusOptions, string(e.Status)) }
func (e entryRow) ShareKey() string    { return optionKey(shareClassOptions, e.ShareClass) }
func (e entryRow) OpenKey() string     { return optionKey(openClassOptions, e.OpenClass) }
func (e entryRow) FormatKey() string   { return optionKey(formatOptions, e.Format) }
func (e entryRow) CycleKey() string    { return optionKey(cycleOptions, e.UpdateCycle) }
func (e entryRow) CategoryKey() string { return categoryKey(e.Category) }

// SubCategory is the category's sub-codes (项/目/细目) after its class, or "".
func (e entryRow) SubCategory() string {
	if len(e.Category) > 1 {
		return e.Category[1:]
	}
	return ""
}

// Snippet is the start of the summary, for result lists.
func (e entryRow) Snippet() string { return snippet(e.Summary, 120) }

// Items are the entry's data items with their labels.
func (e entryRow) ItemRows() []itemRow {
	out := make([]itemRow, len(e.Items))
	for i, it := range e.Items {
		out[i] = itemRow{Item: it, N: i + 1, ElementName: e.elementNames[it.Element]}
	}
	return out
}

// HasPersonal reports whether any item holds personal information.
func (e entryRow) HasPersonal() bool {
	for _, it := range e.Items {
		if it.Personal {
			return true
		}
	}
	return false
}

func entryRows(entries []*pubdata.Entry) []entryRow {
	out := make([]entryRow, len(entries))
	for i, e := range entries {
		out[i] = entryRow{Entry: e}
	}
	return out
}

// elementNames returns the names of the data elements in the page's language, by code.
func (s *Server) elementNames(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	if s.Elements == nil {
		return out, nil
	}
	els, err := s.Elements.FindElements(r.Context())
	if err != nil {
		return nil, err
	}
	en := langFrom(r.Context()) == LangEN
	for _, el := range els {
		out[el.Code] = el.Name
		if en && el.NameEn != "" {
			out[el.Code] = el.NameEn
		}
	}
	return out, nil
}

// itemRow is a data item as the pages show it.
type itemRow struct {
	pubdata.Item
	N           int    // 1-based position
	ElementName string // the name of its data element, when known
}

func (it itemRow) TypeKey() string  { return optionKey(itemTypeOptions, it.Type) }
func (it itemRow) GradeKey() string { return optionKey(gradeOptions, strconv.Itoa(it.Grade)) }

// snippet cuts text to at most n characters, marking a cut with an ellipsis.
func snippet(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return strings.TrimSpace(string(r[:n])) + "…"
}

// catalogPageSize is the number of results on a page of the catalogue search.
const catalogPageSize = 20

// facetFields are the facets the search page shows, in order, with their headings.
var facetFields = []catOption{
	{Value: "org", Key: "catalog.facet.org"},
	{Value: "category", Key: "catalog.facet.category"},
	{Value: "share_class", Key: "catalog.facet.share_class"},
	{Value: "open_class", Key: "catalog.facet.open_class"},
	{Value: "format", Key: "catalog.facet.format"},
	{Value: "update_cycle", Key: "catalog.facet.update_cycle"},
	{Value: "division", Key: "catalog.facet.division"},
}

// sortOptions are the orders the search offers.
var sortOptions = []catOption{
	{Value: "relevance", Key: "catalog.sort.relevance"},
	{Value: "modified", Key: "catalog.sort.modified"},
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
	page
	Q         string
	Sort      string
	Sorts     []catOption
	Hidden    []hiddenParam // the active filters, kept when the text is searched again
	Results   []entryRow
	Total     int
	Facets    []facetGroup
	Active    []activeFilter
	ClearURL  string
	PageNo    int
	Pages     int
	PrevURL   string
	NextURL   string
	OpenOnly  bool   // the visitor sees the open catalogue only
	QError    string // a problem with the search text
	Searching bool   // a text or a filter was given
}

// hiddenParam is a query parameter carried by a form as a hidden input.
type hiddenParam struct{ Name, Value string }

// catalogQuery reads the search page's parameters.
func catalogQuery(q url.Values) (pubdata.CatalogQuery, int, error) {
	cq := pubdata.CatalogQuery{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Limit: catalogPageSize, Facets: true}
	if cq.Sort == "relevance" && cq.Q == "" {
		cq.Sort = ""
	}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return cq, 0, pubdata.Errorf(pubdata.EINVALID, "Parameter page must be a whole number from 1 to 10000, not %q.", v)
		}
		pageNo = n
	}
	cq.Offset = (pageNo - 1) * catalogPageSize
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

// orgNames returns the names of the organisations, by code.
func (s *Server) orgNames(r *http.Request) (map[string]string, error) {
	orgs, _, _, err := s.Orgs.FindOrgs(r.Context(), pubdata.OrgFilter{Limit: pubdata.MaxLimit})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(orgs))
	for _, o := range orgs {
		out[o.Code] = o.Name
	}
	return out, nil
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
		l := translate(lang, categoryKey(value))
		if len(value) > 1 {
			l += " · " + value
		}
		return l
	case "share_class":
		return translate(lang, optionKey(shareClassOptions, value))
	case "open_class":
		return translate(lang, optionKey(openClassOptions, value))
	case "format":
		return translate(lang, optionKey(formatOptions, value))
	case "update_cycle":
		return translate(lang, optionKey(cycleOptions, value))
	case "division":
		return s.divisionName(value)
	case "supplementary":
		if value == "true" {
			return translate(lang, "catalog.supplementary")
		}
		return translate(lang, "catalog.not_supplementary")
	}
	return value
}

func (s *Server) pageCatalog(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	q := r.URL.Query()
	cq, pageNo, err := catalogQuery(q)
	if err != nil {
		return err
	}
	v := catalogView{
		page:      s.base(r, false),
		Q:         cq.Q,
		Sort:      q.Get("sort"),
		Sorts:     sortOptions,
		OpenOnly:  !pubdata.SeesWholeCatalog(a),
		PageNo:    pageNo,
		Searching: cq.Q != "" || len(cq.Filters) > 0,
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
			v.QError = translate(v.Lang, "catalog.error.q")
			return s.render(w, r, "catalog", http.StatusBadRequest, v)
		}
		return err
	}
	res, err := s.Entries.SearchCatalog(r.Context(), query)
	if err != nil {
		if fe := pubdata.ErrorFields(err); fe["q"] != nil {
			v.QError = translate(v.Lang, "catalog.error.q")
			return s.render(w, r, "catalog", http.StatusBadRequest, v)
		}
		return err
	}
	v.Results, v.Total = entryRows(res.Items), res.Total
	v.Pages = max(1, int(math.Ceil(float64(res.Total)/float64(catalogPageSize))))
	if pageNo > 1 {
		v.PrevURL = pageLink(r, "page", pageParam(pageNo-1))
	}
	if pageNo < v.Pages {
		v.NextURL = pageLink(r, "page", strconv.Itoa(pageNo+1))
	}

	var names map[string]string
	if len(res.Facets["org"]) > 0 || slices.ContainsFunc(cq.Filters, func(f pubdata.CatalogFilter) bool { return f.Field == "org" }) {
		if names, err = s.orgNames(r); err != nil {
			return err
		}
	}
	active := map[string][]string{}
	for _, f := range cq.Filters {
		active[f.Field] = f.Values
		fieldKey := optionKey(append(slices.Clip(facetFields), keywordFacet, supplementaryFacet), f.Field)
		for _, val := range f.Values {
			v.Active = append(v.Active, activeFilter{FieldKey: fieldKey, Label: s.facetLabel(v.Lang, f.Field, val, names), URL: toggleLink(r, f.Field, val)})
		}
	}
	if len(v.Active) > 0 {
		v.ClearURL = withQuery("/catalog", "q", cq.Q)
	}
	for _, ff := range facetFields {
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
	return s.render(w, r, "catalog", status, v)
}

// keywordFacet and supplementaryFacet name the filters the search accepts without showing
// them as facets (from links on entry pages).
var (
	keywordFacet       = catOption{Value: "keyword", Key: "catalog.facet.keyword"}
	supplementaryFacet = catOption{Value: "supplementary", Key: "catalog.facet.supplementary"}
)

// pageParam is the page parameter of a page number: none for the first page.
func pageParam(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// relatedLink is a related entry on an entry's page.
type relatedLink struct {
	Code  string
	Title string // "" when the entry is not in the visitor's catalogue
	URL   string
}

// catalogEntryView is the view of a published entry's page.
type catalogEntryView struct {
	page
	Entry    entryRow
	Division string
	Related  []relatedLink
	OrgURL   string
	Keywords []hiddenParam // keyword and its search link
	CanSee   bool          // the visitor sees the whole catalogue
	Console  string        // the entry in the console, for its provider and authority
	Data     *dataPreview  // the table's preview (portal_data.go); nil: no table
	Extras   *entryExtras  // downloads, API, chart (portal_entry.go); nil: no table
	Feedback *feedbackView // usage, ratings and comments (feedback.go); nil: not kept
}

func (s *Server) pageCatalogEntry(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	ref := r.PathValue("ref")
	e, err := s.Entries.FindPublishedEntry(r.Context(), ref)
	if err != nil {
		return err
	}
	if !pubdata.CanViewPublished(a, e) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	names, err := s.elementNames(r)
	if err != nil {
		return err
	}
	v := catalogEntryView{
		page:     s.base(r, false),
		Entry:    entryRow{Entry: e, elementNames: names},
		Division: s.divisionName(e.Division),
		OrgURL:   withQuery("/catalog", "org", e.Org),
		CanSee:   pubdata.SeesWholeCatalog(a),
	}
	for _, k := range e.Keywords {
		v.Keywords = append(v.Keywords, hiddenParam{Name: k, Value: withQuery("/catalog", "keyword", k)})
	}
	for i, code := range e.Related {
		l := relatedLink{Code: code}
		if i < 50 {
			if re, err := s.Entries.FindPublishedEntry(r.Context(), code); err == nil && pubdata.CanViewPublished(a, re) {
				l.Title, l.URL = re.Title, "/catalog/"+re.ID
			} else if err != nil && !errorIs(err, pubdata.ENOTFOUND) {
				return err
			}
		}
		v.Related = append(v.Related, l)
	}
	if pubdata.CanViewWorkingCopy(a, e) {
		v.Console = "/console/entries/" + e.ID
	}
	if v.Data, err = s.dataPreview(r, a, e, r.URL.Path); err != nil {
		return err
	}
	if v.Extras, err = s.entryExtrasFor(r, a, e, v.Data); err != nil {
		return err
	}
	s.countUse(e, pubdata.UseView)
	v.Feedback = s.FeedbackView(r, e)
	return s.render(w, r, "catalog_entry", http.StatusOK, v)
}

// catalogList is one of the published lists.
type catalogList struct {
	Kind     string
	TitleKey string
	TextKey  string
}

// catalogLists are the published lists (A5), in the order the pages show them.
var catalogLists = []catalogList{
	{Kind: "share", TitleKey: "lists.share.title", TextKey: "lists.share.text"},
	{Kind: "open", TitleKey: "lists.open.title", TextKey: "lists.open.text"},
	{Kind: "negative", TitleKey: "lists.negative.title", TextKey: "lists.negative.text"},
	{Kind: "responsibility", TitleKey: "lists.responsibility.title", TextKey: "lists.responsibility.text"},
	{Kind: "demand", TitleKey: "lists.demand.title", TextKey: "lists.demand.text"},
}

// listsView is the view of the index of the lists (on the portal and in the console).
type listsView struct {
	page
	Lists []catalogList
}

func (s *Server) pageLists(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "lists", http.StatusOK, listsView{page: s.base(r, false), Lists: catalogLists})
}

// listPageSize is the number of rows on a page of a list.
const listPageSize = 100

// listView is the view of one published list.
type listView struct {
	page
	List      catalogList
	Entries   []entryRow
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
func (d demandRow) StatusKey() string { return optionKey(demandStatusOptions, d.Status) }

var demandStatusOptions = []catOption{
	{Value: "open", Key: "lists.demand.status.open"},
	{Value: "routed", Key: "demand.status.routed"},
	{Value: "planned", Key: "demand.status.planned"},
	{Value: "answered", Key: "lists.demand.status.answered"},
	{Value: "declined", Key: "lists.demand.status.declined"},
}

func (s *Server) pageList(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	i := slices.IndexFunc(catalogLists, func(l catalogList) bool { return l.Kind == kind })
	if i < 0 {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
	}
	a := pubdata.ActorFromContext(r.Context())
	v := listView{page: s.base(r, false), List: catalogLists[i], PageNo: 1}
	q := r.URL.Query()
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			return pubdata.Errorf(pubdata.EINVALID, "Parameter page must be a whole number from 1 to 10000, not %q.", p)
		}
		v.PageNo = n
	}
	if kind == "demand" {
		// The demand list pages by cursor.
		limit, cursor, err := pageParams(q)
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
			v.NextURL = pageLink(r, "cursor", next)
		}
		if cursor != "" {
			v.PrevURL = pageLink(r, "cursor", "")
		}
		return s.render(w, r, "lists_detail", http.StatusOK, v)
	}
	// The same query as the list's download (entries.go): the negative list and the open
	// catalogue are public as a whole (SX27); the others show each visitor its part.
	cq := listQuery(kind, a)
	cq.Offset, cq.Limit = (v.PageNo-1)*listPageSize, listPageSize
	v.OpenOnly = kind != "negative" && kind != "open" && !pubdata.SeesWholeCatalog(a)
	v.SeesWhole = pubdata.SeesWholeCatalog(a)
	res, err := s.Entries.SearchCatalog(r.Context(), cq)
	if err != nil {
		return err
	}
	v.Entries, v.Total = entryRows(res.Items), res.Total
	v.Pages = max(1, int(math.Ceil(float64(res.Total)/float64(listPageSize))))
	if v.PageNo > 1 {
		v.PrevURL = pageLink(r, "page", pageParam(v.PageNo-1))
	}
	if v.PageNo < v.Pages {
		v.NextURL = pageLink(r, "page", strconv.Itoa(v.PageNo+1))
	}
	return s.render(w, r, "lists_detail", http.StatusOK, v)
}
