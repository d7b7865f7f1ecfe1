package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// licensedEntry publishes an unconditional open table under CC BY 4.0 with a temporal
// coverage and a contact point, and loads a row into it.
func licensedEntry(e *env) *pubdata.Entry {
	e.t.Helper()
	b := entryBody("空气质量监测数据", "unconditional", "unconditional")
	b["items"] = []map[string]any{{"name": "station", "title": "监测点", "type": "string", "key": true}, {"name": "aqi", "title": "空气质量指数", "type": "integer"}}
	b["license"], b["temporal_start"], b["temporal_end"] = "nope", "2013-03-01", "2013-04-30"
	b["contact_name"], b["contact_email"], b["contact_phone"] = "数据管理处", "data@gat.example.gov.cn", "0591-87000000"
	w := e.do(req{method: "POST", path: "/api/v1/entries", body: b, as: pbEditor})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"license"`) {
		e.t.Fatalf("an unknown licence: %d %s", w.Code, w.Body)
	}
	b["license"] = "CC-BY-4.0"
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	e.loadCSV(pbEditor, en, "station,aqi\n奥体中心,57\n")
	return en
}

// CKAN: the entry's licence, the license_id facet and filter, license_list.
func TestLicenseCKAN(t *testing.T) {
	e := newEnv(t)
	en := licensedEntry(e)
	other := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业登记信息", "unconditional", "unconditional")).ID)

	var pkg map[string]any
	json.Unmarshal(e.ckan(200, anonymous, "package_show", url.Values{"id": {en.ID}}).Result, &pkg)
	if pkg["license_id"] != "CC-BY-4.0" || pkg["license_url"] != "https://creativecommons.org/licenses/by/4.0/" || pkg["isopen"] != true ||
		!strings.Contains(pkg["license_title"].(string), "4.0") || pkg["maintainer_email"] != "data@gat.example.gov.cn" || pkg["maintainer"] != "数据管理处" {
		t.Errorf("package_show: %v", pkg)
	}
	json.Unmarshal(e.ckan(200, anonymous, "package_show", url.Values{"id": {other.ID}}).Result, &pkg)
	if pkg["license_id"] != "platform-terms" || pkg["license_url"] != "http://example.com/licenses#platform-terms" || pkg["isopen"] != false {
		t.Errorf("the default licence: %v", pkg)
	}

	var res struct {
		Count   int                       `json:"count"`
		Facets  map[string]map[string]int `json:"facets"`
		Results []map[string]any          `json:"results"`
	}
	json.Unmarshal(e.ckan(200, anonymous, "package_search", url.Values{"fq": {"license_id:CC-BY-4.0"}, "facet.field": {`["license_id"]`}}).Result, &res)
	if res.Count != 1 || res.Results[0]["id"] != en.ID || res.Facets["license_id"]["CC-BY-4.0"] != 1 {
		t.Errorf("fq license_id: %+v", res)
	}
	json.Unmarshal(e.ckan(200, anonymous, "package_search", url.Values{"fq": {"-license_id:CC-BY-4.0"}, "facet.field": {`["license_id"]`}}).Result, &res)
	if res.Count != 1 || res.Results[0]["id"] != other.ID || res.Facets["license_id"]["platform-terms"] != 1 {
		t.Errorf("fq -license_id: %+v", res)
	}

	var list []map[string]any
	json.Unmarshal(e.ckan(200, anonymous, "license_list", nil).Result, &list)
	ids := map[string]bool{}
	for _, l := range list {
		ids[l["id"].(string)] = true
	}
	if len(list) != 4 || !ids["CC-BY-4.0"] || !ids["CC0-1.0"] || !ids["ODC-By-1.0"] || !ids["platform-terms"] {
		t.Errorf("license_list: %v", list)
	}

	// The JSON API's list, for anyone.
	w := e.do(req{path: "/api/v1/licenses"})
	l := decode[pubdata.LicenseList](t, w)
	if w.Code != 200 || len(l.Licenses) != 4 || l.Defaults["unconditional"] != "platform-terms" {
		t.Errorf("GET /api/v1/licenses: %d %s", w.Code, w.Body)
	}
}

// DCAT: the dataset's licence, contact point, temporal coverage and downloads; the dataset
// IRI negotiates.
func TestLicenseDCAT(t *testing.T) {
	e := newEnv(t)
	en := licensedEntry(e)
	closed := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("户籍人口信息", "conditional", "none")).ID)
	base := "http://example.com"
	w := e.do(req{path: "/dataset/" + en.ID + ".ttl"})
	body := w.Body.String()
	for _, want := range []string{
		"dct:license <https://creativecommons.org/licenses/by/4.0/>",
		"<https://creativecommons.org/licenses/by/4.0/>\n    a dct:LicenseDocument",
		"dcat:contactPoint <" + base + "/dataset/" + en.ID + "#contact>",
		`vcard:fn "数据管理处"@zh`,
		"vcard:hasEmail <mailto:data@gat.example.gov.cn>",
		`dcat:startDate "2013-03-01"^^xsd:date`,
		`dcat:endDate "2013-04-30"^^xsd:date`,
		"dcat:downloadURL <" + base + "/downloads/" + en.ID + "/csv>",
		"dcat:downloadURL <" + base + "/downloads/" + en.ID + "/ndjson>",
		"dcatap:availability <http://publications.europa.eu/resource/authority/planned-availability/STABLE>",
		"+08:00\"^^xsd:dateTime",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dataset.ttl lacks %q:\n%s", want, body)
		}
	}
	// Each downloadURL leads to the data.
	for _, f := range []string{"csv", "xlsx", "json", "ndjson"} {
		if w := e.do(req{path: "/downloads/" + en.ID + "/" + f}); w.Code >= 400 {
			t.Errorf("download %s: %d", f, w.Code)
		}
	}
	cat := e.do(req{path: "/catalog.ttl"}).Body.String()
	for _, want := range []string{"<" + base + "/catalog>\n    a dcat:Catalog", "dct:issued", "dct:modified", "dct:license <" + base + "/licenses#platform-terms>"} {
		if !strings.Contains(cat, want) {
			t.Errorf("catalog.ttl lacks %q", want)
		}
	}

	// /dataset/{id}: Turtle, JSON-LD, RDF/XML by Accept; the entry's page for a browser.
	for accept, ctype := range map[string]string{
		"text/turtle":                          "text/turtle",
		"application/ld+json":                  "application/ld+json",
		"application/rdf+xml;q=0.9, */*;q=0.1": "application/rdf+xml",
		"text/html;q=0.5, text/turtle":         "text/turtle",
	} {
		w := e.do(req{path: "/dataset/" + en.ID, header: http.Header{"Accept": {accept}}})
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), ctype) || !slices.Contains(w.Header().Values("Vary"), "Accept") ||
			!strings.Contains(w.Body.String(), base+"/dataset/"+en.ID) {
			t.Errorf("Accept %s: %d %v", accept, w.Code, w.Header())
		}
	}
	for _, accept := range []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", "*/*"} {
		w := e.do(req{path: "/dataset/" + en.ID, header: http.Header{"Accept": {accept}}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/catalog/"+en.ID {
			t.Errorf("a browser (%q): %d %v", accept, w.Code, w.Header())
		}
	}
	if w := e.do(req{path: "/dataset/" + closed.ID, header: http.Header{"Accept": {"text/turtle"}}}); w.Code != 404 {
		t.Errorf("a dataset not in the open catalogue: %d", w.Code)
	}
}

// The entry page shows the licence, the data's last update apart from the metadata's, the
// temporal coverage and the contact point, in China's time, in Chinese and English.
func TestLicenseEntryPage(t *testing.T) {
	e := newEnv(t)
	en := licensedEntry(e)
	zh := e.page("GET", "/catalog/"+en.ID, nil, "zh-CN", nil).Body.String()
	for _, want := range []string{"许可协议", "知识共享署名 4.0 国际许可协议", `href="https://creativecommons.org/licenses/by/4.0/"`, "数据更新时间", "目录更新时间", "（北京时间）",
		"2013-03-01 至 2013-04-30", "数据管理处", "mailto:data@gat.example.gov.cn"} {
		if !strings.Contains(zh, want) {
			t.Errorf("the Chinese page lacks %q", want)
		}
	}
	en2 := e.page("GET", "/catalog/"+en.ID, nil, "en", nil).Body.String()
	for _, want := range []string{"Licence", "Creative Commons Attribution 4.0 International", "Data updated", "Metadata updated", "(China Standard Time, UTC", "2013-03-01 to 2013-04-30"} {
		if !strings.Contains(en2, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
	// The public licence page, at the anchor of a licence without its own URL.
	if w := e.page("GET", "/licenses", nil, "zh-CN", nil); w.Code != 200 || !strings.Contains(w.Body.String(), `id="platform-terms"`) {
		t.Errorf("/licenses: %d", w.Code)
	}
	// The editor offers the licences, the coverage and the contact.
	w := e.page("GET", "/console/entries/"+en.ID+"/edit", e.login(pbEditor), "zh-CN", nil)
	for _, want := range []string{`name="license"`, `<option value="CC-BY-4.0" selected>`, `name="temporal_start"`, `value="2013-03-01"`, `name="contact_email"`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the editor lacks %q", want)
		}
	}
}

// The licence list's console page: read by government users, changed by the platform
// authority's admins only, every change recorded; a licence in use or a default stays.
func TestLicenseConsole(t *testing.T) {
	e := newEnv(t)
	en := licensedEntry(e)
	admin := e.login(authAdmin)
	w := e.page("GET", "/console/licenses", admin, "zh-CN", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `action="/console/licenses/defaults"`) {
		t.Fatalf("the admin's page: %d", w.Code)
	}
	w = e.page("GET", "/console/licenses", e.login(pbAdmin), "en", nil)
	if w.Code != 200 || strings.Contains(w.Body.String(), `action="/console/licenses/defaults"`) || !strings.Contains(w.Body.String(), "CC-BY-4.0") {
		t.Errorf("a provider's admin reads without forms: %d", w.Code)
	}
	if w := e.page("GET", "/console/licenses", e.login(citizen), "zh-CN", nil); w.Code != http.StatusForbidden {
		t.Errorf("a public user: %d", w.Code)
	}
	if w := e.page("GET", "/console/licenses", nil, "zh-CN", nil); w.Code < 300 || w.Code == 200 {
		t.Errorf("anonymous: %d", w.Code)
	}
	form := url.Values{"id": {"fj-open-1.0"}, "title": {"福建省公共数据开放协议"}, "title_en": {"Fujian open data licence"}, "url": {"https://data.fujian.gov.cn/terms"}}
	for _, who := range []string{cityAdmin, pbAdmin, authReviewer} {
		if w := e.page("POST", "/console/licenses", e.login(who), "zh-CN", form); w.Code != http.StatusForbidden {
			t.Errorf("save as %s: %d", who, w.Code)
		}
		if w := e.page("POST", "/console/licenses/CC0-1.0/delete", e.login(who), "zh-CN", url.Values{}); w.Code != http.StatusForbidden {
			t.Errorf("delete as %s: %d", who, w.Code)
		}
		if w := e.page("POST", "/console/licenses/defaults", e.login(who), "zh-CN", url.Values{"default_unconditional": {"CC0-1.0"}}); w.Code != http.StatusForbidden {
			t.Errorf("defaults as %s: %d", who, w.Code)
		}
	}
	if w := e.page("POST", "/console/licenses", nil, "zh-CN", form); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Errorf("anonymous save: %d %v", w.Code, w.Header())
	}
	bad := url.Values{"id": {"bad id"}, "title": {""}, "title_en": {"x"}, "url": {"ftp://x"}}
	if w := e.page("POST", "/console/licenses", admin, "zh-CN", bad); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "协议标识须为") {
		t.Errorf("an invalid licence: %d", w.Code)
	}
	if w := e.page("POST", "/console/licenses", admin, "zh-CN", form); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	if w := e.page("POST", "/console/licenses/CC-BY-4.0/delete", admin, "en", url.Values{}); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "is named by catalogue entries") {
		t.Errorf("delete a licence in use: %d", w.Code)
	}
	if w := e.page("POST", "/console/licenses/defaults", admin, "zh-CN", url.Values{"default_unconditional": {"fj-open-1.0"}, "default_conditional": {"platform-terms"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("defaults: %d %s", w.Code, w.Body)
	}
	if w := e.page("POST", "/console/licenses/fj-open-1.0/delete", admin, "zh-CN", url.Values{}); w.Code != http.StatusConflict {
		t.Errorf("delete a default: %d", w.Code)
	}
	if w := e.page("POST", "/console/licenses/ODC-By-1.0/delete", admin, "zh-CN", url.Values{}); w.Code != http.StatusSeeOther {
		t.Errorf("delete: %d", w.Code)
	}
	for action, n := range map[string]int{"license.created": 1, "license.default_set": 1, "license.deleted": 1} {
		if evs := e.events(action); len(evs) != n || evs[0].Actor != authAdmin {
			t.Errorf("%s events: %+v", action, evs)
		}
	}
	// An open entry without a licence of its own follows the new default.
	other := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业登记信息", "unconditional", "unconditional")).ID)
	var pkg map[string]any
	json.Unmarshal(e.ckan(200, anonymous, "package_show", url.Values{"id": {other.ID}}).Result, &pkg)
	if pkg["license_id"] != "fj-open-1.0" {
		t.Errorf("the new default: %v", pkg["license_id"])
	}
	json.Unmarshal(e.ckan(200, anonymous, "package_show", url.Values{"id": {en.ID}}).Result, &pkg)
	if pkg["license_id"] != "CC-BY-4.0" {
		t.Errorf("an entry's own licence: %v", pkg["license_id"])
	}
}
