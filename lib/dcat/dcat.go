package dcat

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// EU vocabularies (publications.europa.eu authority tables) and IANA media types.
const (
	euAccessRight = "http://publications.europa.eu/resource/authority/access-right/"
	euFrequency   = "http://publications.europa.eu/resource/authority/frequency/"
	euFileType    = "http://publications.europa.eu/resource/authority/file-type/"
	euLanguage    = "http://publications.europa.eu/resource/authority/language/"
	euAvailable   = "http://publications.europa.eu/resource/authority/planned-availability/"
	ianaMediaType = "http://www.iana.org/assignments/media-types/"
	admsPublisher = "http://purl.org/adms/publishertype/"
	admsLicence   = "http://purl.org/adms/licencetype/"
)

// vocabularyLabels are the English labels of the EU and ADMS concepts the export names.
var vocabularyLabels = map[string]string{
	admsPublisher + "RegionalAuthority": "Regional authority",
	admsPublisher + "LocalAuthority":    "Local authority",
	admsLicence + "Attribution":         "Attribution",
	admsLicence + "ShareAlike":          "Share-alike",
	admsLicence + "PublicDomain":        "Public domain",
	euAvailable + "STABLE":              "stable",
}

// vocabularyConcept adds a concept of a controlled vocabulary and returns its IRI.
func vocabularyConcept(g *Graph, iri string) string {
	g.Type(iri, NSSKOS+"Concept")
	if l, ok := vocabularyLabels[iri]; ok {
		g.Add(iri, NSSKOS+"prefLabel", Text(l, "en"))
	}
	return iri
}

// Zone is China's time zone: the export's times are written in it (+08:00).
var Zone = time.FixedZone("UTC+8", 8*3600)

// PublisherTypes are the ADMS publisher types of organisations by the level of their
// division: a province's bodies are regional authorities, a city's or county's local ones.
var PublisherTypes = map[string]string{
	"province": admsPublisher + "RegionalAuthority",
	"local":    admsPublisher + "LocalAuthority",
}

// LicenceTypes are the ADMS licence types of well-known licences, by SPDX id.
var LicenceTypes = map[string][]string{
	"CC-BY-4.0":    {admsLicence + "Attribution"},
	"CC-BY-SA-4.0": {admsLicence + "Attribution", admsLicence + "ShareAlike"},
	"ODC-By-1.0":   {admsLicence + "Attribution"},
	"CC0-1.0":      {admsLicence + "PublicDomain"},
	"PDDL-1.0":     {admsLicence + "PublicDomain"},
}

// AccessRights maps an open class to the EU access-right concept: 无条件开放 PUBLIC,
// 有条件开放 RESTRICTED, 不予开放 NON_PUBLIC.
var AccessRights = map[string]string{
	pubdata.ClassUnconditional: euAccessRight + "PUBLIC",
	pubdata.ClassConditional:   euAccessRight + "RESTRICTED",
	pubdata.ClassNone:          euAccessRight + "NON_PUBLIC",
}

// Frequencies maps an update cycle to the EU frequency concept.
var Frequencies = map[string]string{
	"realtime":   euFrequency + "UPDATE_CONT",
	"daily":      euFrequency + "DAILY",
	"weekly":     euFrequency + "WEEKLY",
	"monthly":    euFrequency + "MONTHLY",
	"quarterly":  euFrequency + "QUARTERLY",
	"semiannual": euFrequency + "ANNUAL_2",
	"yearly":     euFrequency + "ANNUAL",
	"irregular":  euFrequency + "IRREG",
}

// distributionTypes are the media type (IANA) and file type (EU) of each format's
// distribution; files have none, being of any type.
var distributionTypes = map[string]struct{ mediaType, fileType string }{
	pubdata.FormatTable:   {ianaMediaType + "text/csv", euFileType + "CSV"},
	pubdata.FormatService: {ianaMediaType + "application/json", euFileType + "JSON"},
}

// Lang is the language tag of the catalogue's texts (titles, summaries, keywords).
const Lang = "zh"

// Label is a text in one language.
type Label struct{ Lang, Text string }

// Site says where the platform lives and names what the export refers to. The http package
// fills it per request.
type Site struct {
	// Base is the platform's URL, scheme and host without a trailing slash:
	// https://data.example.gov.cn. Every IRI of the export starts with it.
	Base string
	// Title and Description of the catalogue.
	Title, Description []Label
	// Publisher of the catalogue: the authority that runs the platform.
	Publisher Agent
	// Division of the catalogue (its dct:spatial), "" for none.
	Division string
	// SchemeTitle is the title of the concept scheme of the categories.
	SchemeTitle []Label
	// Categories labels the top categories ("1" 基础, "2" 主题, "3" 部门).
	Categories map[string][]Label
	// Distributions titles each format's distribution.
	Distributions map[string][]Label
	// Conditions labels a conditional open class's conditions (a RightsStatement).
	Conditions func(conditions string) []Label
	// DivisionName names a division code ("" if unknown).
	DivisionName func(code string) string
	// Related returns the dataset IRI of a related resource code, or "" when it is not in
	// the export; nil: no dct:relation.
	Related func(code string) string
	// Issued and Modified date the catalogue (zero: left out).
	Issued, Modified time.Time
	// License is the licence of the catalogue's own metadata (nil: none).
	License *Licence
	// EntryLicense returns an entry's licence (nil: none, or nil func).
	EntryLicense func(e *pubdata.Entry) *Licence
	// DataModified returns when an entry's data last changed (its last batch); nil: unknown.
	DataModified func(e *pubdata.Entry) *time.Time
	// AgentType returns an organisation's ADMS publisher type IRI ("" unknown).
	AgentType func(code string) string
	// DistributionDescriptions describe each format's distribution.
	DistributionDescriptions map[string][]Label
	// Downloads are the whole-table downloads of a table entry (/downloads/{id}/{format}).
	Downloads []Download
}

// Licence is a licence document: its IRI (the licence's URL, or the platform's page of it),
// its SPDX-style id and titles.
type Licence struct {
	IRI, ID string
	Title   []Label
}

// Download is a whole-table download format: its path segment (csv, xlsx, json, ndjson),
// title and description.
type Download struct {
	Format             string
	Title, Description []Label
}

// downloadTypes are the media type (IANA, "" none registered) and file type (EU) of each
// download format.
var downloadTypes = map[string]struct{ mediaType, fileType string }{
	"csv":    {ianaMediaType + "text/csv", euFileType + "CSV"},
	"xlsx":   {ianaMediaType + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", euFileType + "XLSX"},
	"json":   {ianaMediaType + "application/json", euFileType + "JSON"},
	"ndjson": {"", euFileType + "JSON"},
}

// DownloadURL is where a table entry's whole table is downloaded in a format.
func (s *Site) DownloadURL(id, format string) string {
	return s.Base + "/downloads/" + url.PathEscape(id) + "/" + url.PathEscape(format)
}

// licenceIRI adds a licence document and returns its IRI.
func (s *Site) licence(g *Graph, l *Licence) string {
	g.Type(l.IRI, NSDCT+"LicenseDocument")
	for _, t := range l.Title {
		g.Add(l.IRI, NSDCT+"title", Text(t.Text, t.Lang))
	}
	if l.ID != "" {
		g.Add(l.IRI, NSDCT+"identifier", Text(l.ID, ""))
	}
	for _, t := range LicenceTypes[l.ID] {
		g.Add(l.IRI, NSDCT+"type", IRI(vocabularyConcept(g, t)))
	}
	return l.IRI
}

// dateTime writes a time in China's time zone.
func dateTime(t time.Time) Term { return Typed(t.In(Zone).Format(time.RFC3339), NSXSD+"dateTime") }

// Agent is an organisation as a foaf:Agent.
type Agent struct {
	Code, Name string
}

// Page is one page of a paged catalogue (Hydra).
type Page struct {
	Number, Last int                // 1-based
	Total        int                // entries in the whole catalogue
	URL          func(n int) string // the document of page n
}

// IRIs of the export's resources.

// CatalogIRI is the catalogue's IRI.
func (s *Site) CatalogIRI() string { return s.Base + "/catalog" }

// DatasetIRI is the IRI of an entry's dataset; /dataset/{id}.ttl describes it.
func (s *Site) DatasetIRI(id string) string { return s.Base + "/dataset/" + url.PathEscape(id) }

// LandingPage is an entry's page on the portal.
func (s *Site) LandingPage(id string) string { return s.Base + "/catalog/" + url.PathEscape(id) }

// AccessURL is where an entry's data is reached: the rows API for a table, the entry's
// page for files and service interfaces.
func (s *Site) AccessURL(e *pubdata.Entry) string {
	if e.Format == pubdata.FormatTable {
		return s.Base + "/api/v1/entries/" + url.PathEscape(e.ID) + "/rows"
	}
	return s.LandingPage(e.ID)
}

// AgentIRI is an organisation's IRI: its record in the API.
func (s *Site) AgentIRI(code string) string { return s.Base + "/api/v1/orgs/" + url.PathEscape(code) }

func (s *Site) schemeIRI() string { return s.Base + "/id/category" }

func (s *Site) conceptIRI(category string) string {
	return s.Base + "/id/category/" + url.PathEscape(category)
}

func (s *Site) locationIRI(code string) string {
	return s.Base + "/id/division/" + url.PathEscape(code)
}

// Catalog returns the graph of a page of the catalogue: the catalogue with its datasets,
// and the agents, concepts, locations and distributions they refer to. page may be nil for
// an unpaged catalogue.
func Catalog(site *Site, entries []*pubdata.Entry, page *Page) *Graph {
	g := NewGraph()
	c := site.CatalogIRI()
	g.Type(c, NSDCAT+"Catalog")
	for _, l := range site.Title {
		g.Add(c, NSDCT+"title", Text(l.Text, l.Lang))
	}
	for _, l := range site.Description {
		g.Add(c, NSDCT+"description", Text(l.Text, l.Lang))
	}
	if !site.Issued.IsZero() {
		g.Add(c, NSDCT+"issued", Typed(site.Issued.In(Zone).Format(time.DateOnly), NSXSD+"date"))
	}
	if !site.Modified.IsZero() {
		g.Add(c, NSDCT+"modified", dateTime(site.Modified))
	}
	if site.License != nil {
		g.Add(c, NSDCT+"license", IRI(site.licence(g, site.License)))
	}
	g.Add(c, NSDCT+"publisher", IRI(site.AgentIRI(site.Publisher.Code)))
	site.agent(g, site.Publisher)
	home := site.Base + "/"
	g.Add(c, NSFOAF+"homepage", IRI(home))
	g.Type(home, NSFOAF+"Document")
	site.language(g, c)
	g.Add(c, NSDCAT+"themeTaxonomy", IRI(site.schemeIRI()))
	site.scheme(g)
	if site.Division != "" {
		g.Add(c, NSDCT+"spatial", IRI(site.locationIRI(site.Division)))
		site.location(g, site.Division)
	}
	for _, e := range entries {
		g.Add(c, NSDCAT+"dataset", IRI(site.DatasetIRI(e.ID)))
	}
	if page != nil {
		view := page.URL(page.Number)
		g.Add(c, NSHydra+"totalItems", Typed(strconv.Itoa(page.Total), NSXSD+"nonNegativeInteger"))
		g.Add(c, NSHydra+"view", IRI(view))
		g.Type(view, NSHydra+"PartialCollectionView")
		g.Add(view, NSHydra+"first", IRI(page.URL(1)))
		g.Add(view, NSHydra+"last", IRI(page.URL(page.Last)))
		if page.Number > 1 {
			g.Add(view, NSHydra+"previous", IRI(page.URL(page.Number-1)))
		}
		if page.Number < page.Last {
			g.Add(view, NSHydra+"next", IRI(page.URL(page.Number+1)))
		}
	}
	for _, e := range entries {
		site.dataset(g, e)
	}
	return g
}

// Dataset returns the graph of one entry's dataset.
func Dataset(site *Site, e *pubdata.Entry) *Graph {
	g := NewGraph()
	site.dataset(g, e)
	return g
}

func (s *Site) agent(g *Graph, a Agent) {
	iri := s.AgentIRI(a.Code)
	g.Type(iri, NSFOAF+"Agent")
	name := a.Name
	if name == "" {
		name = a.Code
	}
	g.Add(iri, NSFOAF+"name", Text(name, Lang))
	g.Add(iri, NSDCT+"identifier", Text(a.Code, ""))
	if s.AgentType != nil {
		if t := s.AgentType(a.Code); t != "" {
			g.Add(iri, NSDCT+"type", IRI(vocabularyConcept(g, t)))
		}
	}
}

func (s *Site) language(g *Graph, subject string) {
	lang := euLanguage + "ZHO"
	g.Add(subject, NSDCT+"language", IRI(lang))
	g.Type(lang, NSDCT+"LinguisticSystem")
}

func (s *Site) scheme(g *Graph) {
	iri := s.schemeIRI()
	g.Type(iri, NSSKOS+"ConceptScheme")
	for _, l := range s.SchemeTitle {
		g.Add(iri, NSDCT+"title", Text(l.Text, l.Lang))
	}
	if len(s.SchemeTitle) == 0 {
		g.Add(iri, NSDCT+"title", Text("Categories", "en"))
	}
}

// concept adds the concept of a category (and of its top class, for a sub-category) and
// returns its IRI.
func (s *Site) concept(g *Graph, category string) string {
	s.scheme(g)
	top := category[:1]
	iri := s.conceptIRI(category)
	g.Type(iri, NSSKOS+"Concept")
	g.Add(iri, NSSKOS+"inScheme", IRI(s.schemeIRI()))
	g.Add(iri, NSSKOS+"notation", Text(category, ""))
	for _, l := range s.Categories[top] {
		text := l.Text
		if category != top {
			text += " " + category
		}
		g.Add(iri, NSSKOS+"prefLabel", Text(text, l.Lang))
	}
	if len(s.Categories[top]) == 0 {
		g.Add(iri, NSSKOS+"prefLabel", Text(category, ""))
	}
	if category != top {
		g.Add(iri, NSSKOS+"broader", IRI(s.concept(g, top)))
	} else {
		g.Add(s.schemeIRI(), NSSKOS+"hasTopConcept", IRI(iri))
		g.Add(iri, NSSKOS+"topConceptOf", IRI(s.schemeIRI()))
	}
	return iri
}

func (s *Site) location(g *Graph, code string) string {
	iri := s.locationIRI(code)
	g.Type(iri, NSDCT+"Location")
	g.Add(iri, NSDCT+"identifier", Text(code, ""))
	if s.DivisionName != nil {
		if name := s.DivisionName(code); name != "" {
			g.Add(iri, NSSKOS+"prefLabel", Text(name, Lang))
		}
	}
	return iri
}

func (s *Site) dataset(g *Graph, e *pubdata.Entry) {
	d := s.DatasetIRI(e.ID)
	g.Type(d, NSDCAT+"Dataset")
	g.Add(d, NSDCT+"title", Text(e.Title, Lang))
	desc := strings.TrimSpace(e.Summary)
	if desc == "" {
		desc = e.Title // DCAT-AP requires a description
	}
	g.Add(d, NSDCT+"description", Text(desc, Lang))
	g.Add(d, NSDCT+"identifier", Text(e.Code, ""))
	g.Add(d, NSDCT+"publisher", IRI(s.AgentIRI(e.Org)))
	s.agent(g, Agent{Code: e.Org, Name: e.OrgName})
	if len(e.Category) > 0 {
		g.Add(d, NSDCAT+"theme", IRI(s.concept(g, e.Category)))
	}
	if ar, ok := AccessRights[e.OpenClass]; ok {
		g.Add(d, NSDCT+"accessRights", IRI(ar))
		g.Type(ar, NSDCT+"RightsStatement")
	}
	if f, ok := Frequencies[e.UpdateCycle]; ok {
		g.Add(d, NSDCT+"accrualPeriodicity", IRI(f))
		g.Type(f, NSDCT+"Frequency")
	}
	if e.PublishedOn != "" {
		g.Add(d, NSDCT+"issued", Typed(e.PublishedOn, NSXSD+"date"))
	}
	var data *time.Time
	if s.DataModified != nil {
		data = s.DataModified(e)
	}
	// The dataset changed with its metadata or its data, whichever is later.
	if modified := e.UpdatedAt; !modified.IsZero() || data != nil {
		if data != nil && data.After(modified) {
			modified = *data
		}
		g.Add(d, NSDCT+"modified", dateTime(modified))
	}
	if e.Version > 0 {
		g.Add(d, NSDCAT+"version", Text(strconv.Itoa(e.Version), ""))
	}
	for _, k := range e.Keywords {
		g.Add(d, NSDCAT+"keyword", Text(k, Lang))
	}
	if e.Division != "" {
		g.Add(d, NSDCT+"spatial", IRI(s.location(g, e.Division)))
	}
	if s.Related != nil {
		for _, code := range e.Related {
			if iri := s.Related(code); iri != "" {
				g.Add(d, NSDCT+"relation", IRI(iri))
			}
		}
	}
	page := s.LandingPage(e.ID)
	g.Add(d, NSDCAT+"landingPage", IRI(page))
	g.Type(page, NSFOAF+"Document")
	s.language(g, d)
	g.Add(d, NSPD+"shareClass", Text(e.ShareClass, ""))
	g.Add(d, NSPD+"shareConditions", Text(e.ShareConditions, Lang))
	g.Add(d, NSPD+"openClass", Text(e.OpenClass, ""))
	g.Add(d, NSPD+"openConditions", Text(e.OpenConditions, Lang))
	g.Add(d, NSPD+"updateCycle", Text(e.UpdateCycle, ""))
	g.Add(d, NSPD+"format", Text(e.Format, ""))
	if e.Supplementary {
		g.Add(d, NSPD+"supplementary", Typed("true", NSXSD+"boolean"))
	}

	s.contactPoint(g, d, e)
	if e.TemporalStart != "" || e.TemporalEnd != "" {
		t := d + "#temporal"
		g.Add(d, NSDCT+"temporal", IRI(t))
		g.Type(t, NSDCT+"PeriodOfTime")
		if e.TemporalStart != "" {
			g.Add(t, NSDCAT+"startDate", Typed(e.TemporalStart, NSXSD+"date"))
		}
		if e.TemporalEnd != "" {
			g.Add(t, NSDCAT+"endDate", Typed(e.TemporalEnd, NSXSD+"date"))
		}
	}
	var lic string
	if s.EntryLicense != nil {
		if l := s.EntryLicense(e); l != nil {
			lic = s.licence(g, l)
			g.Add(d, NSDCT+"license", IRI(lic))
		}
	}
	s.distributions(g, d, e, lic, data)
}

// contactPoint adds the dataset's contact point: the entry's contact, else its provider.
func (s *Site) contactPoint(g *Graph, d string, e *pubdata.Entry) {
	c := d + "#contact"
	g.Add(d, NSDCAT+"contactPoint", IRI(c))
	g.Type(c, NSVCard+"Kind")
	if e.ContactName == "" && e.ContactEmail == "" && e.ContactPhone == "" {
		g.Type(c, NSVCard+"Organization")
		name := e.OrgName
		if name == "" {
			name = e.Org
		}
		g.Add(c, NSVCard+"fn", Text(name, Lang))
		g.Add(c, NSVCard+"hasURL", IRI(s.Base+"/orgs/"+url.PathEscape(e.Org)))
		return
	}
	name := e.ContactName
	if name == "" {
		name = e.OrgName
	}
	g.Add(c, NSVCard+"fn", Text(name, Lang))
	if e.ContactName != "" && e.OrgName != "" {
		g.Add(c, NSVCard+"organization-name", Text(e.OrgName, Lang))
	}
	if e.ContactEmail != "" {
		g.Add(c, NSVCard+"hasEmail", IRI("mailto:"+e.ContactEmail))
	}
	if e.ContactPhone != "" {
		g.Add(c, NSVCard+"hasTelephone", IRI("tel:"+strings.ReplaceAll(e.ContactPhone, " ", "")))
	}
}

// distributions adds an entry's distributions: where its data is reached (the rows API, or
// the entry's page), and for a table each whole-table download. lic is the licence's IRI
// ("" none); data when the data last changed (nil unknown).
func (s *Site) distributions(g *Graph, d string, e *pubdata.Entry, lic string, data *time.Time) {
	common := func(dist string) {
		g.Add(d, NSDCAT+"distribution", IRI(dist))
		g.Type(dist, NSDCAT+"Distribution")
		if lic != "" {
			g.Add(dist, NSDCT+"license", IRI(lic))
		}
		g.Add(dist, NSDCATAP+"availability", IRI(vocabularyConcept(g, euAvailable+"STABLE")))
		if data != nil {
			g.Add(dist, NSDCT+"modified", dateTime(*data))
		}
		if e.OpenClass == pubdata.ClassConditional && e.OpenConditions != "" && s.Conditions != nil {
			rights := d + "#open-conditions"
			g.Add(dist, NSDCT+"rights", IRI(rights))
			g.Type(rights, NSDCT+"RightsStatement")
			for _, l := range s.Conditions(e.OpenConditions) {
				g.Add(rights, NSRDFS+"label", Text(l.Text, l.Lang))
			}
		}
	}
	typed := func(dist, mediaType, fileType string) {
		if mediaType != "" {
			g.Add(dist, NSDCAT+"mediaType", IRI(mediaType))
			g.Type(mediaType, NSDCT+"MediaType")
		}
		g.Add(dist, NSDCT+"format", IRI(fileType))
		g.Type(fileType, NSDCT+"MediaTypeOrExtent")
	}

	dist := d + "#distribution"
	common(dist)
	g.Add(dist, NSDCAT+"accessURL", IRI(s.AccessURL(e)))
	for _, l := range s.Distributions[e.Format] {
		g.Add(dist, NSDCT+"title", Text(l.Text, l.Lang))
	}
	for _, l := range s.DistributionDescriptions[e.Format] {
		g.Add(dist, NSDCT+"description", Text(l.Text, l.Lang))
	}
	if t, ok := distributionTypes[e.Format]; ok {
		typed(dist, t.mediaType, t.fileType)
	}
	if e.Format != pubdata.FormatTable {
		return
	}
	for _, dl := range s.Downloads {
		t, ok := downloadTypes[dl.Format]
		if !ok {
			continue
		}
		dist := d + "#download-" + dl.Format
		common(dist)
		u := s.DownloadURL(e.ID, dl.Format)
		g.Add(dist, NSDCAT+"accessURL", IRI(u))
		g.Add(dist, NSDCAT+"downloadURL", IRI(u))
		for _, l := range dl.Title {
			g.Add(dist, NSDCT+"title", Text(l.Text, l.Lang))
		}
		for _, l := range dl.Description {
			g.Add(dist, NSDCT+"description", Text(l.Text, l.Lang))
		}
		typed(dist, t.mediaType, t.fileType)
	}
}
