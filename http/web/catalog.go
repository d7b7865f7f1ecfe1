package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The public catalogue pages: search with facets, an entry's page, and the published lists
// (share, open, negative, responsibility, demand). Anonymous visitors, public users and
// companies see the open catalogue; public bodies and authorities the whole published one.

// CatOption is a value of one of the catalogue's closed sets with the message key of its label.
type CatOption struct {
	Value string
	Key   string
}

// The labels of the catalogue's closed sets, in the order forms offer them.
var (
	EntryStatusOptions = []CatOption{
		{Value: string(pubdata.StatusDraft), Key: "entry.status.draft"},
		{Value: string(pubdata.StatusSubmitted), Key: "entry.status.submitted"},
		{Value: string(pubdata.StatusPublished), Key: "entry.status.published"},
		{Value: string(pubdata.StatusRejected), Key: "entry.status.rejected"},
		{Value: string(pubdata.StatusRetired), Key: "entry.status.retired"},
	}
	ShareClassOptions = []CatOption{
		{Value: pubdata.ClassUnconditional, Key: "entry.share.unconditional"},
		{Value: pubdata.ClassConditional, Key: "entry.share.conditional"},
		{Value: pubdata.ClassNone, Key: "entry.share.none"},
	}
	OpenClassOptions = []CatOption{
		{Value: pubdata.ClassUnconditional, Key: "entry.open.unconditional"},
		{Value: pubdata.ClassConditional, Key: "entry.open.conditional"},
		{Value: pubdata.ClassNone, Key: "entry.open.none"},
	}
	FormatOptions = []CatOption{
		{Value: pubdata.FormatTable, Key: "entry.format.table"},
		{Value: pubdata.FormatFile, Key: "entry.format.file"},
		{Value: pubdata.FormatService, Key: "entry.format.service"},
	}
	CycleOptions = []CatOption{
		{Value: "realtime", Key: "entry.cycle.realtime"},
		{Value: "daily", Key: "entry.cycle.daily"},
		{Value: "weekly", Key: "entry.cycle.weekly"},
		{Value: "monthly", Key: "entry.cycle.monthly"},
		{Value: "quarterly", Key: "entry.cycle.quarterly"},
		{Value: "semiannual", Key: "entry.cycle.semiannual"},
		{Value: "yearly", Key: "entry.cycle.yearly"},
		{Value: "irregular", Key: "entry.cycle.irregular"},
	}
	CategoryOptions = []CatOption{
		{Value: "1", Key: "entry.category.basic"},
		{Value: "2", Key: "entry.category.thematic"},
		{Value: "3", Key: "entry.category.departmental"},
	}
	ItemTypeOptions = []CatOption{
		{Value: "string", Key: "entry.itemtype.string"},
		{Value: "integer", Key: "entry.itemtype.integer"},
		{Value: "number", Key: "entry.itemtype.number"},
		{Value: "boolean", Key: "entry.itemtype.boolean"},
		{Value: "date", Key: "entry.itemtype.date"},
		{Value: "datetime", Key: "entry.itemtype.datetime"},
	}
	GradeOptions = []CatOption{
		{Value: "0", Key: "entry.grade.none"},
		{Value: "1", Key: "entry.grade.one"},
		{Value: "2", Key: "entry.grade.two"},
		{Value: "3", Key: "entry.grade.three"},
		{Value: "4", Key: "entry.grade.four"},
	}
	UnknownOption = CatOption{Key: "entry.unknown"}
)

// OptionKey returns the label key of value in opts (entry.unknown when it is not there).
func OptionKey(opts []CatOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Key
		}
	}
	return UnknownOption.Key
}

// CategoryKey labels a category by its class (its first digit).
func CategoryKey(category string) string {
	if category == "" {
		return UnknownOption.Key
	}
	return OptionKey(CategoryOptions, category[:1])
}

// EntryRow is an entry as the pages show it: its fields and the label keys of its values.
type EntryRow struct {
	*pubdata.Entry
	ElementNames map[string]string // data element code → name, for the items table; may be nil
}

func (e EntryRow) StatusKey() string { return OptionKey(EntryStatusOptions, string(e.Status)) }

func (e EntryRow) ShareKey() string { return OptionKey(ShareClassOptions, e.ShareClass) }

func (e EntryRow) OpenKey() string { return OptionKey(OpenClassOptions, e.OpenClass) }

func (e EntryRow) FormatKey() string { return OptionKey(FormatOptions, e.Format) }

func (e EntryRow) CycleKey() string { return OptionKey(CycleOptions, e.UpdateCycle) }

func (e EntryRow) CategoryKey() string { return CategoryKey(e.Category) }

// SubCategory is the category's sub-codes (项/目/细目) after its class, or "".
func (e EntryRow) SubCategory() string {
	if len(e.Category) > 1 {
		return e.Category[1:]
	}
	return ""
}

// Snippet is the start of the summary, for result lists.
func (e EntryRow) Snippet() string { return snippet(e.Summary, 120) }

// Items are the entry's data items with their labels.
func (e EntryRow) ItemRows() []itemRow {
	out := make([]itemRow, len(e.Items))
	for i, it := range e.Items {
		out[i] = itemRow{Item: it, N: i + 1, ElementName: e.ElementNames[it.Element]}
	}
	return out
}

// HasPersonal reports whether any item holds personal information.
func (e EntryRow) HasPersonal() bool {
	for _, it := range e.Items {
		if it.Personal {
			return true
		}
	}
	return false
}

func EntryRows(entries []*pubdata.Entry) []EntryRow {
	out := make([]EntryRow, len(entries))
	for i, e := range entries {
		out[i] = EntryRow{Entry: e}
	}
	return out
}

// ElementNames returns the names of the data elements in the page's language, by code.
func (s *Server) ElementNames(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	if s.Elements == nil {
		return out, nil
	}
	els, err := s.Elements.FindElements(r.Context())
	if err != nil {
		return nil, err
	}
	en := LangFrom(r.Context()) == LangEN
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

func (it itemRow) TypeKey() string { return OptionKey(ItemTypeOptions, it.Type) }

func (it itemRow) GradeKey() string { return OptionKey(GradeOptions, strconv.Itoa(it.Grade)) }

// snippet cuts text to at most n characters, marking a cut with an ellipsis.
func snippet(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return strings.TrimSpace(string(r[:n])) + "…"
}

// CatalogPageSize is the number of results on a page of the catalogue search.
const CatalogPageSize = 20

// OrgNames returns the names of the organisations, by code.
func (s *Server) OrgNames(r *http.Request) (map[string]string, error) {
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

// PageParam is the page parameter of a page number: none for the first page.
func PageParam(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// CatalogList is one of the published lists.
type CatalogList struct {
	Kind     string
	TitleKey string
	TextKey  string
}

// CatalogLists are the published lists (A5), in the order the pages show them.
var CatalogLists = []CatalogList{
	{Kind: "share", TitleKey: "lists.share.title", TextKey: "lists.share.text"},
	{Kind: "open", TitleKey: "lists.open.title", TextKey: "lists.open.text"},
	{Kind: "negative", TitleKey: "lists.negative.title", TextKey: "lists.negative.text"},
	{Kind: "responsibility", TitleKey: "lists.responsibility.title", TextKey: "lists.responsibility.text"},
	{Kind: "demand", TitleKey: "lists.demand.title", TextKey: "lists.demand.text"},
}

// ListsView is the view of the index of the lists (on the portal and in the console).
type ListsView struct {
	Page
	Lists []CatalogList
}

var DemandStatusOptions = []CatOption{
	{Value: "open", Key: "lists.demand.status.open"},
	{Value: "routed", Key: "demand.status.routed"},
	{Value: "planned", Key: "demand.status.planned"},
	{Value: "answered", Key: "lists.demand.status.answered"},
	{Value: "declined", Key: "lists.demand.status.declined"},
}
