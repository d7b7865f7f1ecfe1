package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
)

// TestCKANClients (issue 12 item 7): what ckanapi and ckanext-harvest send — POST JSON
// bodies (ckanapi's RemoteCKAN.call_action) and GET forms (get_only) — on SQLite and
// PostgreSQL: package_search's sort fields, name:/id: queries and fq on metadata_created,
// id and num_resources; resources of datasets the caller cannot read; datastore _id stable
// per row (filters, sort), records_format csv/tsv, distinct; datastore_info,
// package_activity_list and current_package_list_with_resources.
func TestCKANClients(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			testCKANClients(t, newEnvOn(t, dsn(t), func(s *Server) {
				s.BatchWait = 5 * time.Minute
				s.BatchDir = t.TempDir()
			}))
		})
	}
}

// ckanPost calls an action as ckanapi does: POST with a JSON body, on /api/action.
func (e *env) ckanPost(status int, as, action string, body map[string]any, header http.Header) ckanReply {
	e.t.Helper()
	w := e.do(req{method: "POST", path: "/api/action/" + action, body: body, as: as, header: header})
	if w.Code != status {
		e.t.Fatalf("POST %s %v: %d, want %d: %s", action, body, w.Code, status, w.Body)
	}
	r := decode[ckanReply](e.t, w)
	if r.Success != (status == 200) {
		e.t.Fatalf("POST %s: envelope %s", action, w.Body)
	}
	return r
}

func testCKANClients(t *testing.T, e *env) {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	e.now = start
	body := func(title, open string) map[string]any {
		b := entryBody(title, "unconditional", open)
		b["items"] = []map[string]any{
			{"name": "uscc", "title": "统一社会信用代码", "type": "string", "key": true},
			{"name": "name", "title": "企业名称", "type": "string"},
			{"name": "city", "title": "城市", "type": "string"},
		}
		return b
	}
	older := e.publish(pbEditor, e.createEntry(pbEditor, body("企业登记信息", "unconditional")).ID)
	e.advance(48 * time.Hour)
	newer := e.publish(pbEditor, e.createEntry(pbEditor, body("个体工商户登记信息", "conditional")).ID)
	rows := "uscc,name,city\nA1,甲公司,福州\nB2,乙公司,厦门\nC3,丙公司,福州\n"
	for _, en := range []*pubdata.Entry{older, newer} {
		e.loadCSV(pbEditor, en, rows)
	}
	result := func(r ckanReply, v any) {
		t.Helper()
		if err := json.Unmarshal(r.Result, v); err != nil {
			t.Fatalf("%v: %s", err, r.Result)
		}
	}
	type pkgs struct {
		Count   int `json:"count"`
		Results []struct {
			ID        string `json:"id"`
			Name      string `json:"name"`
			Resources []struct {
				URL             string `json:"url"`
				DatastoreActive bool   `json:"datastore_active"`
			} `json:"resources"`
		} `json:"results"`
	}
	names := func(r ckanReply) []string {
		t.Helper()
		var p pkgs
		result(r, &p)
		out := []string{}
		for _, x := range p.Results {
			out = append(out, x.Name)
		}
		return out
	}
	o, n := web.CkanName(older), web.CkanName(newer)

	// package_search: ckanapi's sort='metadata_created desc' (POST JSON), other fields,
	// several keys, and GET forms.
	for _, tc := range []struct {
		sort string
		want []string
	}{
		{"metadata_created desc", []string{n, o}},
		{"metadata_created asc", []string{o, n}},
		{"name desc", slices.Sorted(slices.Values([]string{n, o}))},
		{"title_string asc, metadata_created desc", nil},
		{"metadata_modified desc, name asc", []string{n, o}},
	} {
		got := names(e.ckanPost(200, anonymous, "package_search", map[string]any{"sort": tc.sort, "rows": 10}, nil))
		if tc.sort == "name desc" {
			slices.Reverse(tc.want)
		}
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("sort=%q: %v, want %v", tc.sort, got, tc.want)
		}
		if len(got) != 2 {
			t.Errorf("sort=%q: %v", tc.sort, got)
		}
	}
	// Byte for byte what ckanapi sends: json.dumps (ASCII, \u escapes), its bare key.
	w := e.do(req{method: "POST", path: "/api/action/package_search", body: `{"q": "\u4f01\u4e1a", "sort": "metadata_created desc"}`,
		header: http.Header{"Authorization": {e.tokens[citizen]}, "User-Agent": {"ckanapi/4.11 (+https://github.com/open-data/ckanapi)"}}})
	if got := names(decode[ckanReply](t, w)); w.Code != 200 || !slices.Equal(got, []string{n, o}) {
		t.Errorf("ckanapi's request: %d %v %s", w.Code, got, w.Body)
	}
	mid := start.Add(24 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		params url.Values
		want   []string
	}{
		{url.Values{"q": {"name:" + o}}, []string{o}},
		{url.Values{"q": {"id:" + newer.ID}}, []string{n}},
		{url.Values{"fq": {"-id:" + newer.ID}}, []string{o}},
		{url.Values{"fq": {"name:" + o + " OR name:" + n}, "sort": {"metadata_created desc"}}, []string{n, o}},
		{url.Values{"fq": {"metadata_created:[" + mid + " TO *]"}}, []string{n}},
		{url.Values{"fq": {"metadata_created:[* TO " + mid + "]"}}, []string{o}},
		{url.Values{"fq": {"num_resources:[1 TO *]"}, "sort": {"metadata_created asc"}}, []string{o, n}},
		{url.Values{"fq": {"num_resources:0"}}, []string{}},
		{url.Values{"fq": {"-num_resources:1"}}, []string{}},
	} {
		if got := names(e.ckan(200, anonymous, "package_search", tc.params)); !slices.Equal(got, tc.want) {
			t.Errorf("package_search %v: %v, want %v", tc.params, got, tc.want)
		}
	}
	// Bad sort fields and queries: CKAN's 409 naming the parameter, English by default,
	// Chinese when asked.
	for _, tc := range []struct {
		body      map[string]any
		field, en string
		zh        string
	}{
		{map[string]any{"sort": "price desc"}, "sort", `cannot sort by "price"`, "不能按“price”排序"},
		{map[string]any{"sort": "name sideways"}, "sort", `"name sideways" is not "field asc" or "field desc"`, "不是“字段 asc”"},
		{map[string]any{"fq": "metadata_created:2024"}, "fq", "metadata_created takes a range", "metadata_created 须为范围"},
		{map[string]any{"fq": "num_resources:[x TO *]"}, "fq", `"x" is not a whole number`, "“x”不是整数"},
		{map[string]any{"q": "organization:(a"}, "q", `a "(" is not closed`, "“(”没有闭合"},
	} {
		for _, lang := range []string{"", "zh-CN"} {
			var h http.Header
			want := tc.en
			if lang != "" {
				h, want = http.Header{"Accept-Language": {lang}}, tc.zh
			}
			r := e.ckanPost(http.StatusConflict, anonymous, "package_search", tc.body, h)
			msg, _ := r.Error["message"].(string)
			list, _ := r.Error[tc.field].([]any)
			if r.Error["__type"] != "Validation Error" || !strings.HasPrefix(msg, tc.field+": ") || !strings.Contains(msg, want) || len(list) != 1 {
				t.Errorf("%v (%q): %v, want %s: …%s…", tc.body, lang, r.Error, tc.field, want)
			}
		}
	}

	// Resources: a table the caller reads is datastore_active with its CSV; one it cannot
	// read (conditional, no grant) is not, and its URL is the entry's page, which answers.
	var p pkgs
	result(e.ckan(200, anonymous, "package_search", url.Values{"sort": {"metadata_created asc"}}), &p)
	ro, rn := p.Results[0].Resources[0], p.Results[1].Resources[0]
	if !ro.DatastoreActive || !strings.Contains(ro.URL, "/rows?_format=csv") || rn.DatastoreActive || strings.Contains(rn.URL, "/rows") {
		t.Errorf("resources: %+v %+v", ro, rn)
	}
	for _, res := range []string{ro.URL, rn.URL} {
		u, _ := url.Parse(res)
		if w := e.do(req{path: u.RequestURI()}); w.Code != http.StatusOK {
			t.Errorf("GET %s (anonymous): %d", u.RequestURI(), w.Code)
		}
	}
	var rs map[string]any
	result(e.ckan(200, anonymous, "resource_show", url.Values{"id": {newer.ID}}), &rs)
	if rs["datastore_active"] != false {
		t.Errorf("resource_show of a table the caller cannot read: %v", rs)
	}
	result(e.ckan(200, pbMember, "resource_show", url.Values{"id": {newer.ID}}), &rs) // the provider's own
	if rs["datastore_active"] != true {
		t.Errorf("resource_show for the provider: %v", rs)
	}

	// datastore_search: _id is the row's number, the same across requests and after a load
	// that leaves the row; filters and sort take it.
	type ds struct {
		Fields  []map[string]any `json:"fields"`
		Records json.RawMessage  `json:"records"`
		Total   int              `json:"total"`
	}
	search := func(params map[string]any) (ds, []map[string]any) {
		t.Helper()
		params["resource_id"] = older.ID
		var d ds
		result(e.ckanPost(200, anonymous, "datastore_search", params, nil), &d)
		var recs []map[string]any
		json.Unmarshal(d.Records, &recs)
		return d, recs
	}
	idsOf := func(recs []map[string]any) map[string]float64 {
		out := map[string]float64{}
		for _, r := range recs {
			out[r["uscc"].(string)] = r["_id"].(float64)
		}
		return out
	}
	_, recs := search(map[string]any{"sort": "uscc"})
	first := idsOf(recs)
	_, recs = search(map[string]any{"sort": "name desc"})
	if again := idsOf(recs); len(first) != 3 || !mapsEqual(first, again) {
		t.Fatalf("_id differs between requests: %v %v", first, again)
	}
	e.loadCSV(pbEditor, older, "uscc,name,city\nB2,乙公司（更名）,厦门\n")
	_, recs = search(map[string]any{})
	after := idsOf(recs)
	if after["A1"] != first["A1"] || after["C3"] != first["C3"] || after["B2"] == first["B2"] || after["B2"] <= 0 {
		t.Errorf("_id after an upsert of B2: %v, before %v", after, first)
	}
	if _, recs := search(map[string]any{"filters": map[string]any{"_id": first["C3"]}}); len(recs) != 1 || recs[0]["uscc"] != "C3" {
		t.Errorf("filters _id: %v", recs)
	}
	if _, recs := search(map[string]any{"filters": map[string]any{"_id": []any{first["A1"], after["B2"]}}, "sort": "_id desc"}); len(recs) != 2 || recs[0]["uscc"] != "B2" || recs[1]["uscc"] != "A1" {
		t.Errorf("filters _id list, sort _id desc: %v", recs)
	}
	// GET form, as ckanapi's get_only: filters as JSON text.
	r := e.ckan(200, anonymous, "datastore_search", url.Values{"resource_id": {older.ID}, "filters": {`{"_id":"` + strings.TrimSuffix(jsonNumber(first["A1"]), ".0") + `"}`}, "fields": {"uscc,_id"}})
	var d ds
	result(r, &d)
	if d.Total != 1 || len(d.Fields) != 2 || d.Fields[0]["id"] != "_id" {
		t.Errorf("GET filters _id, fields uscc,_id: %s", r.Result)
	}
	// records_format csv and tsv: one text, no header, _id first.
	for sep, format := range map[string]string{",": "csv", "\t": "tsv"} {
		d, _ := search(map[string]any{"records_format": format, "sort": "uscc", "fields": []string{"_id", "uscc", "city"}})
		var text string
		if err := json.Unmarshal(d.Records, &text); err != nil {
			t.Fatalf("records_format %s: %s", format, d.Records)
		}
		want := jsonNumber(first["A1"]) + sep + "A1" + sep + "福州\n"
		if !strings.HasPrefix(text, want) || strings.Count(text, "\n") != 3 {
			t.Errorf("records_format %s: %q, want it to start %q", format, text, want)
		}
	}
	// distinct: each city once; total counts the matching rows, as CKAN's.
	d, recs = search(map[string]any{"fields": []string{"city"}, "distinct": true, "sort": "city"})
	if len(recs) != 2 || d.Total != 3 || len(d.Fields) != 1 || recs[0]["_id"] != nil {
		t.Errorf("distinct cities: %v total %d fields %v", recs, d.Total, d.Fields)
	}
	for _, bad := range []map[string]any{
		{"fields": []string{"city"}, "distinct": true, "sort": "_id"},
		{"filters": map[string]any{"_id": "x"}},
		{"records_format": "xml"},
	} {
		bad["resource_id"] = older.ID
		if r := e.ckanPost(http.StatusConflict, anonymous, "datastore_search", bad, nil); r.Error["__type"] != "Validation Error" {
			t.Errorf("%v: %v", bad, r.Error)
		}
	}
	// The dump numbers rows as datastore_search does.
	w = e.do(req{path: "/datastore/dump/" + older.ID + "?format=json&sort=uscc"})
	if !strings.Contains(w.Body.String(), `[`+jsonNumber(first["A1"])+`,"A1"`) {
		t.Errorf("dump: %s", w.Body)
	}

	// datastore_info: the fields and the rows the caller reads; refused as search is.
	var info struct {
		Meta   map[string]any   `json:"meta"`
		Fields []map[string]any `json:"fields"`
	}
	result(e.ckanPost(200, anonymous, "datastore_info", map[string]any{"id": older.ID}, nil), &info)
	if info.Meta["count"] != 3.0 || len(info.Fields) != 3 || info.Fields[0]["id"] != "uscc" || info.Fields[0]["type"] != "text" {
		t.Errorf("datastore_info: %+v", info)
	}
	if r := e.ckanPost(http.StatusForbidden, anonymous, "datastore_info", map[string]any{"id": newer.ID}, nil); r.Error["__type"] != "Authorization Error" {
		t.Errorf("datastore_info of a conditional table, anonymous: %v", r.Error)
	}
	result(e.ckanPost(200, pbMember, "datastore_info", map[string]any{"id": newer.ID}, nil), &info)
	if info.Meta["count"] != 3.0 {
		t.Errorf("datastore_info for the provider: %+v", info)
	}
	e.ckanPost(http.StatusNotFound, anonymous, "datastore_info", map[string]any{"id": "nope"}, nil)
	e.ckanPost(http.StatusConflict, anonymous, "datastore_info", map[string]any{}, nil)

	// package_activity_list: the publications from the record, newest first; organisations,
	// not people.
	upd := e.do(req{method: "PATCH", path: "/api/v1/entries/" + older.ID, as: pbEditor, body: map[string]any{"summary": "更新后的摘要"}})
	if upd.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", upd.Code, upd.Body)
	}
	e.advance(time.Hour)
	e.publish(pbEditor, older.ID)
	ra := e.ckan(200, anonymous, "package_activity_list", url.Values{"id": {o}})
	var acts []map[string]any
	result(ra, &acts)
	if len(acts) != 2 || acts[0]["activity_type"] != "changed package" || acts[1]["activity_type"] != "new package" ||
		acts[0]["object_id"] != older.ID || acts[0]["user_id"] != "fj-dsj" || acts[0]["timestamp"] == nil {
		t.Errorf("package_activity_list: %s", ra.Result)
	}
	for _, u := range e.users {
		if strings.Contains(string(ra.Result), `"`+u.Username+`"`) || strings.Contains(string(ra.Result), u.ID) {
			t.Errorf("package_activity_list names user %s: %s", u.Username, ra.Result)
		}
	}
	result(e.ckan(200, anonymous, "package_activity_list", url.Values{"id": {older.ID}, "limit": {"1"}, "offset": {"1"}}), &acts)
	if len(acts) != 1 || acts[0]["activity_type"] != "new package" {
		t.Errorf("package_activity_list limit 1 offset 1: %v", acts)
	}
	result(e.ckan(200, anonymous, "package_activity_list", url.Values{"id": {older.ID}, "activity_types": {`["new package"]`}}), &acts)
	if len(acts) != 1 {
		t.Errorf("activity_types: %v", acts)
	}
	closed := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("户籍人口信息", "conditional", "none")).ID)
	e.ckan(404, anonymous, "package_activity_list", url.Values{"id": {closed.ID}})
	e.ckan(409, anonymous, "package_activity_list", url.Values{"id": {older.ID}, "offset": {"20000"}})

	// current_package_list_with_resources: pages, the latest change first, resources as
	// package_show gives them.
	var list []map[string]any
	result(e.ckanPost(200, anonymous, "current_package_list_with_resources", map[string]any{"limit": 1}, nil), &list)
	if len(list) != 1 || list[0]["name"] != o || len(list[0]["resources"].([]any)) != 1 {
		t.Errorf("current_package_list_with_resources limit 1: %v", list)
	}
	result(e.ckan(200, anonymous, "current_package_list_with_resources", url.Values{"limit": {"1"}, "page": {"2"}}), &list)
	if len(list) != 1 || list[0]["name"] != n || list[0]["resources"].([]any)[0].(map[string]any)["datastore_active"] != false {
		t.Errorf("current_package_list_with_resources page 2: %v", list)
	}
	result(e.ckan(200, anonymous, "current_package_list_with_resources", url.Values{"offset": {"2"}}), &list)
	if len(list) != 0 {
		t.Errorf("offset 2: %v", list)
	}
	e.ckan(409, anonymous, "current_package_list_with_resources", url.Values{"offset": {"100001"}})
}

// jsonNumber is a number as JSON writes a whole number.
func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
