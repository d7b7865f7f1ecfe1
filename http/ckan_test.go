package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/ckan"
	"github.com/pubdata/pubdata/http/web"
)

func TestParseSolrQuery(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []ckan.SolrClause
		err  string
	}{
		{in: "organization:fj-gat", want: []ckan.SolrClause{{Field: "organization", Values: []string{"fj-gat"}}}},
		{in: "organization:a OR organization:b", want: []ckan.SolrClause{{Field: "organization", Values: []string{"a", "b"}}}},
		{in: "organization:a || organization:b OR organization:a", want: []ckan.SolrClause{{Field: "organization", Values: []string{"a", "b"}}}},
		{in: "organization:(a OR b)", want: []ckan.SolrClause{{Field: "organization", Values: []string{"a", "b"}}}},
		{in: "(organization:a OR organization:b)", want: []ckan.SolrClause{{Field: "organization", Values: []string{"a", "b"}}}},
		{in: "-organization:x", want: []ckan.SolrClause{{Field: "organization", Values: []string{"x"}, Negate: true}}},
		{in: "NOT organization:x", want: []ckan.SolrClause{{Field: "organization", Values: []string{"x"}, Negate: true}}},
		{in: "+dataset_type:dataset -organization:x", want: []ckan.SolrClause{
			{Field: "dataset_type", Values: []string{"dataset"}},
			{Field: "organization", Values: []string{"x"}, Negate: true}}},
		{in: `tags:"企业 登记" AND groups:basic`, want: []ckan.SolrClause{
			{Field: "tags", Values: []string{"企业 登记"}}, {Field: "groups", Values: []string{"basic"}}}},
		{in: `tags:a\:b`, want: []ckan.SolrClause{{Field: "tags", Values: []string{"a:b"}}}},
		{in: "metadata_modified:[2024-01-01T00:00:00Z TO *]", want: []ckan.SolrClause{
			{Field: "metadata_modified", Range: true, From: "2024-01-01T00:00:00Z", To: "*"}}},
		{in: "metadata_modified:{2024-01-01 TO NOW]", want: []ckan.SolrClause{
			{Field: "metadata_modified", Range: true, From: "2024-01-01", To: "NOW", FromExcl: true}}},
		{in: `企业 "登记 信息"`, want: []ckan.SolrClause{{Values: []string{"企业"}}, {Values: []string{"登记 信息"}}}},
		{in: "ORGANIC food", want: []ckan.SolrClause{{Values: []string{"ORGANIC"}}, {Values: []string{"food"}}}},
		{in: "organization:a OR groups:b", err: "same field"},
		{in: "-organization:a OR organization:b", err: "same field"},
		{in: "OR organization:a", err: "between two"},
		{in: "organization:a OR", err: "between two"},
		{in: "organization:(a", err: "not closed"},
		{in: "organization:a)", err: "no \"(\""},
		{in: `tags:"open`, err: "not closed"},
		{in: "metadata_modified:[2024 TO", err: "not closed"},
		{in: "metadata_modified:[2024 *]", err: "[from TO to]"},
		{in: "organization: a", err: "no value"},
		{in: "(organization:a groups:b)", err: "one condition"},
		{in: "organization:(a AND b)", err: "AND"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ckan.ParseSolrQuery(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q (got %+v)", err, tc.err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestMapSolrClauses(t *testing.T) {
	now := time.Date(2024, 5, 10, 12, 30, 0, 0, time.UTC)
	at := func(s string) *time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return &t
	}
	for _, tc := range []struct {
		in   string
		want ckan.SolrMapped
		err  string
	}{
		{in: "organization:a OR organization:b", want: ckan.SolrMapped{Filters: []pubdata.CatalogFilter{{Field: "org", Values: []string{"a", "b"}}}}},
		{in: "-groups:basic", want: ckan.SolrMapped{Filters: []pubdata.CatalogFilter{{Field: "category", Values: []string{"1"}, Negate: true}}}},
		{in: "res_format:CSV OR res_format:api", want: ckan.SolrMapped{Filters: []pubdata.CatalogFilter{{Field: "format", Values: []string{"table", "service"}}}}},
		{in: "tags:企业 share_class:conditional", want: ckan.SolrMapped{Filters: []pubdata.CatalogFilter{
			{Field: "keyword", Values: []string{"企业"}}, {Field: "share_class", Values: []string{"conditional"}}}}},
		{in: "metadata_modified:[2024-01-01T00:00:00Z TO *]", want: ckan.SolrMapped{From: at("2024-01-01T00:00:00Z")}},
		{in: "metadata_modified:[* TO 2024-02-01]", want: ckan.SolrMapped{To: at("2024-02-01T23:59:59.999999Z")}},
		{in: "metadata_modified:{2024-01-01T00:00:00Z TO 2024-03-01T00:00:00Z}", want: ckan.SolrMapped{From: at("2024-01-01T00:00:00.000001Z"), To: at("2024-02-29T23:59:59.999999Z")}},
		{in: "metadata_modified:[NOW-7DAYS TO NOW]", want: ckan.SolrMapped{From: at("2024-05-03T12:30:00Z"), To: at("2024-05-10T12:30:00Z")}},
		{in: "metadata_modified:[NOW/DAY-1MONTH TO *]", want: ckan.SolrMapped{From: at("2024-04-10T00:00:00Z")}},
		{in: "+dataset_type:dataset +capacity:public -type:harvest site_id:x state:active", want: ckan.SolrMapped{}},
		{in: "capacity:private", want: ckan.SolrMapped{Empty: true}},
		{in: "-dataset_type:dataset", want: ckan.SolrMapped{Empty: true}},
		{in: `企业 title:登记 text:"信息"`, want: ckan.SolrMapped{Text: []string{"企业", "登记", "信息"}}},
		{in: "-企业", err: "not supported"},
		{in: "metadata_modified:2024-01-01", err: "takes a range"},
		{in: "-metadata_modified:[2024-01-01 TO *]", err: "takes a range"},
		{in: "metadata_modified:[yesterday TO *]", err: "not a time"},
		{in: "metadata_modified:[NOW-1FORTNIGHT TO *]", err: "unknown date unit"},
		{in: "author:x", err: "cannot filter"},
		{in: "organization:[a TO b]", err: "range"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			clauses, err := ckan.ParseSolrQuery(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ckan.MapSolrClauses(clauses, now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v (from %v to %v)\nwant %+v (from %v to %v)", got, got.From, got.To, tc.want, tc.want.From, tc.want.To)
			}
		})
	}
}

func TestCKANSort(t *testing.T) {
	for _, tc := range []struct{ sort, q, want, err string }{
		{"", "", "[{modified true}]", ""},
		{"", "企业", "[{relevance true} {modified true}]", ""},
		{"score desc, metadata_modified desc", "企业", "[{relevance true} {modified true}]", ""},
		{"score desc", "", "[{modified true}]", ""},
		{"metadata_modified desc", "", "[{modified true}]", ""},
		{"metadata_created desc", "", "[{created true}]", ""},
		{"metadata_modified asc", "", "[{modified false}]", ""},
		{"title_string asc", "", "[{title false}]", ""},
		{"id asc", "", "[{id false}]", ""},
		{"name", "", "[{code false}]", ""},
		{"name desc, metadata_created  asc", "", "[{code true} {created false}]", ""},
		{"views_recent desc", "", "[{popular true}]", ""},
		{"price asc", "", "", "cannot sort by \"price\""},
		{"name sideways", "", "", "is not \"field asc\""},
		{"name asc,", "", "", "is not \"field asc\""},
	} {
		got, err := ckan.CkanSort(tc.sort, tc.q)
		s := ""
		if err == nil {
			s = fmt.Sprint(got)
		}
		if s != tc.want || (tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err))) || (tc.err == "" && err != nil) {
			t.Errorf("CkanSort(%q, %q) = %s, %v; want %s, %q", tc.sort, tc.q, s, err, tc.want, tc.err)
		}
	}
}

// ckanReply is CKAN's envelope.
type ckanReply struct {
	Help    string          `json:"help"`
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"`
	Error   map[string]any  `json:"error"`
}

// ckan calls an action with GET and the parameters and checks the envelope and status.
func (e *env) ckan(status int, as, action string, params url.Values) ckanReply {
	e.t.Helper()
	path := "/api/3/action/" + action
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	w := e.do(req{path: path, as: as})
	if w.Code != status {
		e.t.Fatalf("%s: %d, want %d: %s", path, w.Code, status, w.Body)
	}
	r := decode[ckanReply](e.t, w)
	if r.Success != (status == 200) || !strings.HasSuffix(r.Help, "/api/3/action/help_show?name="+action) {
		e.t.Fatalf("%s: envelope %s", path, w.Body)
	}
	return r
}

func TestCKAN(t *testing.T) {
	e := newEnv(t)
	open := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业登记信息", "unconditional", "unconditional")).ID)
	condBody := entryBody("道路运输许可信息", "unconditional", "conditional")
	condBody["category"] = "101"
	condBody["format"] = "service"
	condBody["keywords"] = []string{"交通"}
	cond := e.publish(authEditor, e.createEntry(authEditor, condBody).ID)
	closed := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("户籍人口信息", "conditional", "none")).ID)
	e.createEntry(pbEditor, entryBody("草稿企业信息", "unconditional", "unconditional"))

	names := func(r ckanReply) []string {
		var res struct {
			Count   int `json:"count"`
			Results []struct {
				Name string `json:"name"`
			} `json:"results"`
		}
		if err := json.Unmarshal(r.Result, &res); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range res.Results {
			out = append(out, p.Name)
		}
		slices.Sort(out)
		return out
	}
	name := func(en *pubdata.Entry) string { return web.CkanName(en) }
	both := []string{name(open), name(cond)}
	slices.Sort(both)

	// status_show and the envelope.
	r := e.ckan(200, anonymous, "status_show", nil)
	var st map[string]any
	json.Unmarshal(r.Result, &st)
	if st["ckan_version"] != ckan.CkanVersion || st["site_url"] != "http://example.com" {
		t.Errorf("status_show: %s", r.Result)
	}
	if w := e.do(req{path: "/api/action/status_show"}); w.Code != 200 {
		t.Errorf("/api/action/status_show: %d", w.Code)
	}
	r = e.ckan(400, anonymous, "package_create", nil)
	if r.Error["__type"] != "Bad Request" {
		t.Errorf("unknown action: %v", r.Error)
	}

	// Anonymous callers, tokens and public bodies alike see the open catalogue only.
	for _, as := range []string{anonymous, citizen, pbMember, authAdmin} {
		if got := names(e.ckan(200, as, "package_search", nil)); !slices.Equal(got, both) {
			t.Errorf("package_search as %q: %v, want %v", as, got, both)
		}
	}
	search := func(params url.Values) []string { return names(e.ckan(200, anonymous, "package_search", params)) }
	for _, tc := range []struct {
		params url.Values
		want   []string
	}{
		{url.Values{"q": {"企业登记"}}, both},                                // the other through 企业 in its summary and items
		{url.Values{"q": {"企业登记"}, "rows": {"1"}}, []string{name(open)}}, // the title's match first
		{url.Values{"q": {"organization:fj-gat"}}, []string{name(open)}},
		{url.Values{"fq": {"organization:fj-gat OR organization:fj-dsj"}}, both},
		{url.Values{"fq": {"-organization:fj-gat"}}, []string{name(cond)}},
		{url.Values{"fq": {"+dataset_type:dataset groups:departmental"}}, []string{name(open)}},
		{url.Values{"fq": {"groups:basic"}}, []string{name(cond)}}, // category 101 is under 1
		{url.Values{"fq": {"-groups:basic"}}, []string{name(open)}},
		{url.Values{"fq": {"res_format:API"}}, []string{name(cond)}},
		{url.Values{"fq": {`tags:"交通"`}}, []string{name(cond)}},
		{url.Values{"fq": {"open_class:none"}}, nil},
		{url.Values{"fq": {"capacity:private"}}, nil},
		{url.Values{"fq": {"metadata_modified:[2000-01-01T00:00:00Z TO *]"}}, both},
		{url.Values{"fq": {"metadata_modified:[* TO 2000-01-01T00:00:00Z]"}}, nil},
		{url.Values{"fq_list": {`["organization:fj-gat","tags:企业"]`}}, []string{name(open)}},
		{url.Values{"rows": {"1"}, "sort": {"name asc"}, "start": {"1"}}, []string{both[1]}},
	} {
		if got := search(tc.params); !slices.Equal(got, tc.want) {
			t.Errorf("package_search %v: %v, want %v", tc.params, got, tc.want)
		}
	}
	// POST with a JSON body.
	w := e.do(req{method: "POST", path: "/api/3/action/package_search", body: map[string]any{"fq": "organization:fj-dsj", "rows": 5, "facet.field": []string{"organization"}}})
	if got := names(decode[ckanReply](t, w)); w.Code != 200 || !slices.Equal(got, []string{name(cond)}) {
		t.Errorf("POST package_search: %d %s", w.Code, w.Body)
	}
	// rows and facets.
	r = e.ckan(200, anonymous, "package_search", url.Values{"rows": {"5000"}, "facet.field": {`["organization","groups","tags","res_format","license_id"]`}, "facet.limit": {"1"}})
	var res struct {
		Count        int                       `json:"count"`
		Facets       map[string]map[string]int `json:"facets"`
		SearchFacets map[string]struct {
			Title string `json:"title"`
			Items []struct {
				Name        string `json:"name"`
				DisplayName string `json:"display_name"`
				Count       int    `json:"count"`
			} `json:"items"`
		} `json:"search_facets"`
	}
	json.Unmarshal(r.Result, &res)
	if res.Count != 2 || res.Facets["groups"]["basic"]+res.Facets["groups"]["departmental"] != 1 || len(res.Facets["organization"]) != 1 ||
		len(res.SearchFacets["organization"].Items) != 1 || res.SearchFacets["organization"].Items[0].Count != 1 || res.Facets["license_id"]["platform-terms"] != 2 {
		t.Errorf("facets: %s", r.Result)
	}
	r = e.ckan(200, anonymous, "package_search", url.Values{"facet.field": {`["organization","res_format"]`}})
	json.Unmarshal(r.Result, &res)
	if res.Facets["res_format"]["CSV"] != 1 || res.Facets["res_format"]["API"] != 1 || res.Facets["organization"]["fj-gat"] != 1 {
		t.Errorf("facet counts: %s", r.Result)
	}
	if !strings.Contains(string(r.Result), `"display_name":"福建省公安厅"`) {
		t.Errorf("organization facet without display names: %s", r.Result)
	}
	for _, bad := range []url.Values{{"rows": {"x"}}, {"start": {"-1"}}, {"fq": {"author:x"}}, {"sort": {"price asc"}}, {"fq": {"organization:(a"}}} {
		r := e.ckan(409, anonymous, "package_search", bad)
		if r.Error["__type"] != "Validation Error" || r.Error["message"] == "" {
			t.Errorf("%v: %v", bad, r.Error)
		}
	}

	// package_show by id, name or code; not for the closed entry or a draft.
	var pkg map[string]any
	for _, ref := range []string{open.ID, name(open), open.Code} {
		r := e.ckan(200, anonymous, "package_show", url.Values{"id": {ref}})
		json.Unmarshal(r.Result, &pkg)
		if pkg["id"] != open.ID || pkg["name"] != name(open) || pkg["title"] != "企业登记信息" {
			t.Errorf("package_show %s: %s", ref, r.Result)
		}
	}
	org, _ := pkg["organization"].(map[string]any)
	resources, _ := pkg["resources"].([]any)
	if org["name"] != "fj-gat" || org["title"] != "福建省公安厅" || len(resources) != 1 || pkg["metadata_modified"] == nil || pkg["num_tags"] != 2.0 {
		t.Errorf("package: %v", pkg)
	}
	res0, _ := resources[0].(map[string]any)
	if res0["format"] != "CSV" || !strings.HasSuffix(res0["url"].(string), "/api/v1/entries/"+open.ID+"/rows?_format=csv") {
		t.Errorf("resource: %v", res0)
	}
	var extras []map[string]string
	b, _ := json.Marshal(pkg["extras"])
	json.Unmarshal(b, &extras)
	if !slices.ContainsFunc(extras, func(x map[string]string) bool { return x["key"] == "share_class" && x["value"] == "unconditional" }) {
		t.Errorf("extras: %v", extras)
	}
	if !regexpCKANName.MatchString(name(open)) {
		t.Errorf("name %q is not a CKAN name", name(open))
	}
	for _, ref := range []string{closed.ID, name(closed), "nope", ""} {
		want := 404
		if ref == "" {
			want = 409
		}
		r := e.ckan(want, pbMember, "package_show", url.Values{"id": {ref}})
		if want == 404 && r.Error["__type"] != "Not Found Error" {
			t.Errorf("package_show %q: %v", ref, r.Error)
		}
	}

	// package_list, organizations, groups, tags, resources, datastore.
	var list []string
	json.Unmarshal(e.ckan(200, anonymous, "package_list", nil).Result, &list)
	if !slices.Equal(list, both) && !slices.Equal(list, []string{both[1], both[0]}) || len(list) != 2 {
		t.Errorf("package_list: %v", list)
	}
	json.Unmarshal(e.ckan(200, anonymous, "package_list", url.Values{"limit": {"1"}, "offset": {"1"}}).Result, &list)
	if len(list) != 1 {
		t.Errorf("package_list limit 1: %v", list)
	}
	json.Unmarshal(e.ckan(200, anonymous, "organization_list", nil).Result, &list)
	if !slices.Contains(list, "fj-gat") || !slices.Contains(list, "fz-dsj") || len(list) != 5 {
		t.Errorf("organization_list: %v", list)
	}
	var orgs []map[string]any
	json.Unmarshal(e.ckan(200, anonymous, "organization_list", url.Values{"all_fields": {"true"}, "sort": {"package_count desc"}, "limit": {"2"}}).Result, &orgs)
	if len(orgs) != 2 || orgs[0]["package_count"] != 1.0 || orgs[1]["package_count"] != 1.0 {
		t.Errorf("organization_list all_fields: %v", orgs)
	}
	r = e.ckan(200, anonymous, "organization_show", url.Values{"id": {"fj-gat"}, "include_datasets": {"true"}})
	var o map[string]any
	json.Unmarshal(r.Result, &o)
	if o["package_count"] != 1.0 || len(o["packages"].([]any)) != 1 {
		t.Errorf("organization_show: %s", r.Result)
	}
	e.ckan(404, anonymous, "organization_show", url.Values{"id": {"nope"}})
	var groups []map[string]any
	json.Unmarshal(e.ckan(200, anonymous, "group_list", url.Values{"all_fields": {"true"}, "sort": {"name asc"}}).Result, &groups)
	if len(groups) != 3 || groups[0]["name"] != "basic" || groups[0]["package_count"] != 1.0 || groups[1]["package_count"] != 1.0 {
		t.Errorf("group_list: %v", groups)
	}
	json.Unmarshal(e.ckan(200, anonymous, "group_show", url.Values{"id": {"basic"}, "include_datasets": {"true"}}).Result, &o)
	if o["package_count"] != 1.0 || len(o["packages"].([]any)) != 1 {
		t.Errorf("group_show: %v", o)
	}
	json.Unmarshal(e.ckan(200, anonymous, "tag_list", nil).Result, &list)
	if !slices.Equal(list, []string{"交通", "企业", "登记"}) {
		t.Errorf("tag_list: %v", list)
	}
	json.Unmarshal(e.ckan(200, anonymous, "tag_list", url.Values{"query": {"交"}}).Result, &list)
	if !slices.Equal(list, []string{"交通"}) {
		t.Errorf("tag_list query: %v", list)
	}
	r = e.ckan(200, anonymous, "resource_show", url.Values{"id": {cond.ID}})
	if !strings.Contains(string(r.Result), `"format":"API"`) || !strings.Contains(string(r.Result), `"package_id":"`+cond.ID+`"`) {
		t.Errorf("resource_show: %s", r.Result)
	}
	e.ckan(404, anonymous, "resource_show", url.Values{"id": {closed.ID}})
	r = e.ckan(200, anonymous, "datastore_search", url.Values{"resource_id": {open.ID}, "filters": {`{"uscc":"x"}`}})
	var ds struct {
		Fields  []map[string]any `json:"fields"`
		Records []any            `json:"records"`
		Total   int              `json:"total"`
		Limit   int              `json:"limit"`
	}
	json.Unmarshal(r.Result, &ds)
	if len(ds.Fields) != 3 || ds.Fields[1]["id"] != "uscc" || ds.Fields[1]["type"] != "text" || ds.Records == nil || ds.Total != 0 || ds.Limit != 100 {
		t.Errorf("datastore_search: %s", r.Result)
	}
	e.ckan(404, anonymous, "datastore_search", url.Values{"resource_id": {cond.ID}}) // a service, not a table
	e.ckan(404, anonymous, "datastore_search", url.Values{"resource_id": {closed.ID}})
	e.ckan(409, anonymous, "datastore_search", url.Values{"resource_id": {open.ID}, "filters": {"[1]"}})
	e.ckan(409, anonymous, "datastore_search", nil)
	var help string
	json.Unmarshal(e.ckan(200, anonymous, "help_show", url.Values{"name": {"package_search"}}).Result, &help)
	if !strings.Contains(help, "fq") {
		t.Errorf("help_show: %q", help)
	}
	// A bad token is refused, as everywhere.
	w = e.do(req{path: "/api/3/action/status_show", header: http.Header{"Authorization": {"Bearer nope"}}})
	if w.Code != 401 {
		t.Errorf("bad token: %d", w.Code)
	}
}

// regexpCKANName is what CKAN accepts as a name.
var regexpCKANName = regexp.MustCompile(`^[a-z0-9_-]{2,100}$`)

// TestCKANBareToken: CKAN clients send the token without "Bearer".
func TestCKANBareToken(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "/api/v1/me", header: http.Header{"Authorization": {e.tokens[pbEditor]}}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), pbEditor) {
		t.Fatalf("bare token: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: "/api/3/action/status_show", header: http.Header{"Authorization": {"pdt_unknown"}}})
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("bad bare token: %d", w.Code)
	}
	w = e.do(req{path: "/api/v1/me", header: http.Header{"Authorization": {"Basic abc"}}})
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("other scheme: %d", w.Code)
	}
}
