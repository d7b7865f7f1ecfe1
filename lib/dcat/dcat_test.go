package dcat

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testSite is a site as the http package fills it.
func testSite() *Site {
	two := func(zh, en string) []Label { return []Label{{"zh", zh}, {"en", en}} }
	return &Site{
		Base:        "https://data.example.gov.cn",
		Title:       two("公共数据开放目录", "Open public data catalogue"),
		Description: two("向社会开放的信息资源。", "The open entries."),
		Publisher:   Agent{Code: "fj-dsj", Name: "福建省大数据管理局"},
		Division:    "350000",
		SchemeTitle: two("公共数据资源目录分类", "Categories"),
		Categories: map[string][]Label{
			"1": two("基础信息资源", "Basic"), "2": two("主题信息资源", "Thematic"), "3": two("部门信息资源", "Departmental"),
		},
		Distributions: map[string][]Label{"table": two("数据表", "Table"), "service": two("服务接口", "Service"), "file": two("文件", "Files")},
		Conditions:    func(c string) []Label { return []Label{{"zh", "有条件开放：" + c}} },
		DivisionName: func(code string) string {
			return map[string]string{"350000": "福建省", "350100": "福州市"}[code]
		},
		Related: func(code string) string {
			if code == "301001/00002" {
				return "https://data.example.gov.cn/dataset/e2"
			}
			return ""
		},
		Issued:   time.Date(2023, 12, 31, 20, 0, 0, 0, time.UTC),
		Modified: time.Date(2024, 3, 5, 8, 9, 10, 0, time.UTC),
		License:  &Licence{IRI: "https://data.example.gov.cn/licenses#platform-terms", ID: "platform-terms", Title: two("平台开放数据使用协议", "Platform terms")},
		EntryLicense: func(e *pubdata.Entry) *Licence {
			if e.License == "CC-BY-4.0" {
				return &Licence{IRI: "https://creativecommons.org/licenses/by/4.0/", ID: "CC-BY-4.0", Title: two("知识共享署名 4.0", "CC BY 4.0")}
			}
			return &Licence{IRI: "https://data.example.gov.cn/licenses#platform-terms", ID: "platform-terms", Title: two("平台开放数据使用协议", "Platform terms")}
		},
		DataModified: func(e *pubdata.Entry) *time.Time {
			if e.ID != "e1" {
				return nil
			}
			t := time.Date(2024, 4, 1, 1, 0, 0, 0, time.UTC)
			return &t
		},
		AgentType: func(code string) string {
			if code == "fj-dsj" {
				return PublisherTypes["province"]
			}
			return ""
		},
		DistributionDescriptions: map[string][]Label{"table": two("逐行查询", "Rows by API"), "service": two("接口", "The interface")},
		Downloads: []Download{
			{Format: "csv", Title: two("CSV", "CSV"), Description: two("整表下载", "The whole table")},
			{Format: "ndjson", Title: two("NDJSON", "NDJSON"), Description: two("整表下载", "The whole table")},
		},
	}
}

// testEntries are two open entries with text that needs escaping in every format.
func testEntries() []*pubdata.Entry {
	t := time.Date(2024, 3, 5, 8, 9, 10, 0, time.UTC)
	return []*pubdata.Entry{
		{
			ID: "e1", Code: "301001/00001", Org: "fj-scj", OrgName: "福建省市场监督管理局",
			EntryFields: pubdata.EntryFields{
				Title:    `企业"登记"信息 <A&B>`,
				Summary:  "第一行\n第二行\t\\ 反斜杠 \r 以及 \x01 控制字符",
				Category: "301001", Format: "table", UpdateCycle: "daily",
				ShareClass: "unconditional", OpenClass: "unconditional", Division: "350100",
				Keywords: []string{"企业", "登记"}, Related: []string{"301001/00002", "399999/00001"},
				Supplementary: true, License: "CC-BY-4.0", TemporalStart: "1990-01-01", TemporalEnd: "2023-12-31",
				ContactName: "数据管理科", ContactEmail: "data@scj.example.gov.cn", ContactPhone: "0591 1234567",
			},
			Version: 2, PublishedOn: "2024-01-15", UpdatedAt: t,
		},
		{
			ID: "e2", Code: "301001/00002", Org: "fj-jtt", OrgName: "福建省交通运输厅",
			EntryFields: pubdata.EntryFields{
				Title: "道路运输许可", Category: "1", Format: "service", UpdateCycle: "semiannual",
				ShareClass: "unconditional", OpenClass: "conditional", OpenConditions: "签订\"数据使用协议\"", Division: "350000",
			},
			Version: 1, PublishedOn: "2024-02-01", UpdatedAt: t,
		},
	}
}

func testPage() *Page {
	return &Page{Number: 2, Last: 3, Total: 250, URL: func(n int) string {
		return "https://data.example.gov.cn/catalog.ttl?page=" + string(rune('0'+n))
	}}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dcat -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./dcat -update rewrites it):\n%s", name, got)
	}
}

func TestCatalogGolden(t *testing.T) {
	g := Catalog(testSite(), testEntries(), testPage())
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"catalog.ttl", g.WriteTurtle},
		{"catalog.jsonld", g.WriteJSONLD},
		{"catalog.rdf", g.WriteRDFXML},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			t.Fatal(err)
		}
		golden(t, f.name, buf.Bytes())
	}
	var buf bytes.Buffer
	if err := Dataset(testSite(), testEntries()[1]).WriteTurtle(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "dataset.ttl", buf.Bytes())
}

func TestCatalogMapping(t *testing.T) {
	s := testSite()
	g := Catalog(s, testEntries(), testPage())
	d1, d2 := s.DatasetIRI("e1"), s.DatasetIRI("e2")
	for _, tr := range []Triple{
		{s.CatalogIRI(), NSRDF + "type", IRI(NSDCAT + "Catalog")},
		{s.CatalogIRI(), NSDCT + "publisher", IRI(s.AgentIRI("fj-dsj"))},
		{s.CatalogIRI(), NSDCAT + "dataset", IRI(d1)},
		{s.CatalogIRI(), NSHydra + "totalItems", Typed("250", NSXSD+"nonNegativeInteger")},
		{"https://data.example.gov.cn/catalog.ttl?page=2", NSHydra + "next", IRI("https://data.example.gov.cn/catalog.ttl?page=3")},
		{"https://data.example.gov.cn/catalog.ttl?page=2", NSHydra + "previous", IRI("https://data.example.gov.cn/catalog.ttl?page=1")},
		{"https://data.example.gov.cn/catalog.ttl?page=2", NSHydra + "first", IRI("https://data.example.gov.cn/catalog.ttl?page=1")},
		{"https://data.example.gov.cn/catalog.ttl?page=2", NSHydra + "last", IRI("https://data.example.gov.cn/catalog.ttl?page=3")},
		{d1, NSDCT + "accessRights", IRI(euAccessRight + "PUBLIC")},
		{d2, NSDCT + "accessRights", IRI(euAccessRight + "RESTRICTED")},
		{euAccessRight + "PUBLIC", NSRDF + "type", IRI(NSDCT + "RightsStatement")},
		{d1, NSDCT + "accrualPeriodicity", IRI(euFrequency + "DAILY")},
		{d2, NSDCT + "accrualPeriodicity", IRI(euFrequency + "ANNUAL_2")},
		{euFrequency + "DAILY", NSRDF + "type", IRI(NSDCT + "Frequency")},
		{d1, NSDCT + "issued", Typed("2024-01-15", NSXSD+"date")},
		{d1, NSDCT + "modified", Typed("2024-04-01T09:00:00+08:00", NSXSD+"dateTime")}, // the data's last batch, in China's time
		{d2, NSDCT + "modified", Typed("2024-03-05T16:09:10+08:00", NSXSD+"dateTime")}, // the metadata's
		{s.CatalogIRI(), NSDCT + "issued", Typed("2024-01-01", NSXSD+"date")},
		{s.CatalogIRI(), NSDCT + "modified", Typed("2024-03-05T16:09:10+08:00", NSXSD+"dateTime")},
		{s.CatalogIRI(), NSDCT + "license", IRI("https://data.example.gov.cn/licenses#platform-terms")},
		{d1, NSDCT + "license", IRI("https://creativecommons.org/licenses/by/4.0/")},
		{"https://creativecommons.org/licenses/by/4.0/", NSRDF + "type", IRI(NSDCT + "LicenseDocument")},
		{"https://creativecommons.org/licenses/by/4.0/", NSDCT + "type", IRI(admsLicence + "Attribution")},
		{d1 + "#distribution", NSDCT + "license", IRI("https://creativecommons.org/licenses/by/4.0/")},
		{d1 + "#distribution", NSDCT + "description", Text("逐行查询", "zh")},
		{d1 + "#distribution", NSDCATAP + "availability", IRI(euAvailable + "STABLE")},
		{d1 + "#download-csv", NSDCAT + "downloadURL", IRI(s.Base + "/downloads/e1/csv")},
		{d1 + "#download-csv", NSDCT + "format", IRI(euFileType + "CSV")},
		{d1 + "#download-csv", NSDCT + "modified", Typed("2024-04-01T09:00:00+08:00", NSXSD+"dateTime")},
		{d1 + "#download-ndjson", NSDCT + "description", Text("The whole table", "en")},
		{d1, NSDCAT + "contactPoint", IRI(d1 + "#contact")},
		{d1 + "#contact", NSVCard + "fn", Text("数据管理科", "zh")},
		{d1 + "#contact", NSVCard + "hasEmail", IRI("mailto:data@scj.example.gov.cn")},
		{d1 + "#contact", NSVCard + "hasTelephone", IRI("tel:05911234567")},
		{d2 + "#contact", NSVCard + "fn", Text("福建省交通运输厅", "zh")}, // no contact: the provider
		{d2 + "#contact", NSVCard + "hasURL", IRI(s.Base + "/orgs/fj-jtt")},
		{d1, NSDCT + "temporal", IRI(d1 + "#temporal")},
		{d1 + "#temporal", NSDCAT + "startDate", Typed("1990-01-01", NSXSD+"date")},
		{d1 + "#temporal", NSDCAT + "endDate", Typed("2023-12-31", NSXSD+"date")},
		{s.AgentIRI("fj-dsj"), NSDCT + "type", IRI(admsPublisher + "RegionalAuthority")},
		{d1, NSDCT + "identifier", Text("301001/00001", "")},
		{d1, NSDCAT + "keyword", Text("企业", "zh")},
		{d1, NSDCT + "relation", IRI(d2)},
		{d1, NSDCT + "spatial", IRI(s.Base + "/id/division/350100")},
		{s.Base + "/id/division/350100", NSSKOS + "prefLabel", Text("福州市", "zh")},
		{d1, NSDCAT + "theme", IRI(s.Base + "/id/category/301001")},
		{s.Base + "/id/category/301001", NSSKOS + "broader", IRI(s.Base + "/id/category/3")},
		{d1, NSDCT + "publisher", IRI(s.AgentIRI("fj-scj"))},
		{s.AgentIRI("fj-scj"), NSFOAF + "name", Text("福建省市场监督管理局", "zh")},
		{d1 + "#distribution", NSDCAT + "accessURL", IRI(s.Base + "/api/v1/entries/e1/rows")},
		{d1 + "#distribution", NSDCAT + "mediaType", IRI(ianaMediaType + "text/csv")},
		{ianaMediaType + "text/csv", NSRDF + "type", IRI(NSDCT + "MediaType")},
		{euFileType + "CSV", NSRDF + "type", IRI(NSDCT + "MediaTypeOrExtent")},
		{d2 + "#distribution", NSDCT + "rights", IRI(d2 + "#open-conditions")},
		{d2 + "#open-conditions", NSRDF + "type", IRI(NSDCT + "RightsStatement")},
		{d2, NSDCT + "description", Text("道路运输许可", "zh")}, // no summary: the title
		{d1, NSPD + "supplementary", Typed("true", NSXSD+"boolean")},
	} {
		if !g.Has(tr.S, tr.P, tr.O) {
			t.Errorf("missing %s %s %+v", tr.S, tr.P, tr.O)
		}
	}
	// An unresolved related code gives no relation; the first page has no previous.
	for _, tr := range g.Triples() {
		if tr.P == NSDCT+"relation" && tr.O.IRI != d2 {
			t.Errorf("unexpected relation %+v", tr)
		}
	}
	first := Catalog(s, nil, &Page{Number: 1, Last: 1, Total: 0, URL: testPage().URL})
	for _, tr := range first.Triples() {
		if tr.P == NSHydra+"previous" || tr.P == NSHydra+"next" {
			t.Errorf("single page has %s", tr.P)
		}
	}
}

func TestWritersEscape(t *testing.T) {
	g := NewGraph()
	s := "http://x.test/a b<c>"
	g.Add(s, NSDCT+"title", Text("q\"uote\\ \n\r\t \x01 中文 \xff", "zh"))
	g.Add(s, NSDCT+"description", Text("", "zh")) // empty: dropped
	var ttl, js, rdf bytes.Buffer
	if err := g.WriteTurtle(&ttl); err != nil {
		t.Fatal(err)
	}
	if err := g.WriteJSONLD(&js); err != nil {
		t.Fatal(err)
	}
	if err := g.WriteRDFXML(&rdf); err != nil {
		t.Fatal(err)
	}
	if want := `<http://x.test/a%20b%3Cc%3E>` + "\n" + `    dct:title "q\"uote\\ \n\r\t \u0001 中文 ` + "\uFFFD" + `"@zh .`; !strings.Contains(ttl.String(), want) {
		t.Errorf("turtle:\n%s\nwant\n%s", ttl.String(), want)
	}
	if strings.Contains(ttl.String(), "description") {
		t.Errorf("empty literal written")
	}
	var doc struct {
		Graph []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Graph) != 1 || doc.Graph[0]["@id"] != "http://x.test/a%20b%3Cc%3E" {
		t.Errorf("json-ld %v: %s", err, js.String())
	}
	rdfText := rdf.String()
	dec := xml.NewDecoder(&rdf)
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("RDF/XML is not well-formed: %v\n%s", err, rdfText)
		}
	}
	if !strings.Contains(rdfText, `<dct:title xml:lang="zh">q"uote\ `+"\n&#xD;\t \uFFFD 中文 \uFFFD</dct:title>") {
		t.Errorf("rdf/xml: %s", rdfText)
	}
}
