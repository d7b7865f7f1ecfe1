package http

import (
	"bytes"
	"html/template"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/entryfile"
	"github.com/xuri/excelize/v2"
)

// templateHeader is the header row of the catalogue template.
func templateHeader() string {
	hs := make([]string, len(entryfile.Columns))
	for i, c := range entryfile.Columns {
		hs[i] = c.Header
	}
	return strings.Join(hs, ",")
}

// catalogueCSV is a small catalogue: an entry with two items, one without items (its
// division left empty: the importer's) and an entry whose item names a data element by name.
func catalogueCSV() string {
	return templateHeader() + "\n" +
		"企业登记信息,,301001,企业登记摘要,库表,每日,无条件共享,,,有条件开放,签订协议后开放,,350000,企业；登记,,否,uscc,统一社会信用代码,字符型,18,是,uscc,1,否\n" +
		",,,,,,,,,,,,,,,,name,企业名称,字符型,200,否,,1,否\n" +
		"公交站点,,303001,,文件,不定期,无条件共享,,,无条件开放,,,,,,,,,,,,,,\n" +
		"户籍人口,,1,,服务接口,实时,有条件共享,依法履职需要,,不予开放,,个人信息保护法,350100,,,,resident_id,公民身份号码,C,18,是,公民身份号码,4,是\n"
}

type importReply struct {
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	DryRun    bool              `json:"dry_run"`
	Errors    []entryfile.Error `json:"errors"`
	Entries   []struct {
		Line   int    `json:"line"`
		Code   string `json:"code"`
		Action string `json:"action"`
		ID     string `json:"id"`
	} `json:"entries"`
}

// orgEntries returns the working copies of an organisation's entries.
func (e *env) orgEntries(org string) []*pubdata.Entry {
	e.t.Helper()
	es, err := entryfile.OrgEntries(system, e.srv.Entries, org)
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// upload posts a multipart form with the file as a browser would: with the session
// cookie, or as an API client: with the token of as.
func (e *env) upload(path string, cookie *http.Cookie, as string, lang string, filename string, data []byte, fields map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(data)
	}
	mw.Close()
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	if lang != "" {
		r.AddCookie(&http.Cookie{Name: web.LanguageCookie, Value: lang})
	}
	if as != "" {
		r.Header.Set("Authorization", "Bearer "+e.tokens[as])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func TestEntryImportAPI(t *testing.T) {
	e := newEnv(t)
	imp := func(as, query, body string) (*httptest.ResponseRecorder, importReply) {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/entries/import" + query, body: body, as: as})
		if w.Code != 200 && w.Code != 400 {
			return w, importReply{}
		}
		return w, decode[importReply](t, w)
	}

	// A dry run checks and writes nothing.
	w, rep := imp(pbEditor, "?dry_run=true", catalogueCSV())
	if w.Code != 200 || rep.Created != 3 || !rep.DryRun || len(rep.Entries) != 3 || len(e.orgEntries("fj-gat")) != 0 {
		t.Fatalf("dry run: %d %s", w.Code, w.Body)
	}

	// The import creates drafts with generated codes; names of data elements become codes.
	w, rep = imp(pbEditor, "", catalogueCSV())
	if w.Code != 200 || rep.Created != 3 || rep.Updated != 0 || len(rep.Errors) != 0 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	got := e.orgEntries("fj-gat")
	if len(got) != 3 {
		t.Fatalf("%d entries", len(got))
	}
	byTitle := map[string]*pubdata.Entry{}
	for _, x := range got {
		byTitle[x.Title] = x
		if x.Status != pubdata.StatusDraft || x.Org != "fj-gat" {
			t.Errorf("entry %s: %s of %s", x.Title, x.Status, x.Org)
		}
	}
	if x := byTitle["企业登记信息"]; x == nil || x.Code != "301001/00001" || len(x.Items) != 2 || !x.Items[0].Key || x.ShareClass != "unconditional" || x.OpenConditions != "签订协议后开放" {
		t.Errorf("企业登记信息: %+v", x)
	}
	if x := byTitle["公交站点"]; x == nil || x.Division != "350000" {
		t.Errorf("公交站点 takes the importer's division: %+v", x)
	}
	if x := byTitle["户籍人口"]; x == nil || x.Items[0].Element != "resident_id" || x.Items[0].Grade != 4 || !x.Items[0].Personal {
		t.Errorf("户籍人口: %+v", x)
	}

	// The same file again (without codes: entries are known by their titles) changes nothing.
	if w, rep = imp(pbEditor, "", catalogueCSV()); w.Code != 200 || rep.Unchanged != 3 || rep.Entries[0].Code != "301001/00001" {
		t.Fatalf("the same file again: %d %s", w.Code, w.Body)
	}

	// Export, import again: nothing changes. Change a cell: that entry is updated.
	w = e.do(req{path: "/api/v1/entries/export?format=csv", as: pbMember})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "catalogue-fj-gat-") {
		t.Fatalf("export: %d %v", w.Code, w.Header())
	}
	exported := w.Body.String()
	if !strings.Contains(exported, "301001/00001") || !strings.Contains(exported, "有条件开放") {
		t.Fatalf("export:\n%s", exported)
	}
	w, rep = imp(pbEditor, "", exported)
	if w.Code != 200 || rep.Unchanged != 3 || rep.Created+rep.Updated != 0 {
		t.Fatalf("re-import: %d %s", w.Code, w.Body)
	}
	w, rep = imp(pbEditor, "", strings.Replace(exported, "企业登记摘要", "全省企业登记摘要", 1))
	if w.Code != 200 || rep.Updated != 1 || rep.Unchanged != 2 {
		t.Fatalf("update: %d %s", w.Code, w.Body)
	}
	if x, _ := e.srv.Entries.FindEntryByID(system, byTitle["企业登记信息"].ID); x.Summary != "全省企业登记摘要" {
		t.Errorf("summary %q", x.Summary)
	}

	// XLSX in a multipart form.
	var xlsx bytes.Buffer
	entryfile.Encode(&xlsx, entryfile.XLSX, []*pubdata.Entry{{EntryFields: pubdata.EntryFields{
		Title: "医疗机构信息", Category: "3", Format: "table", UpdateCycle: "monthly", ShareClass: "unconditional",
		OpenClass: "unconditional", Division: "350000", Items: []pubdata.Item{{Name: "org_code", Title: "机构代码", Type: "string"}},
	}}})
	w = e.upload("/api/v1/entries/import", nil, pbEditor, "", "目录.xlsx", xlsx.Bytes(), nil)
	if rep := decode[importReply](t, w); w.Code != 200 || rep.Created != 1 {
		t.Fatalf("xlsx upload: %d %s", w.Code, w.Body)
	}
	if w := e.upload("/api/v1/entries/import", nil, pbEditor, "", "", nil, map[string]string{"x": "y"}); w.Code != 400 {
		t.Errorf("multipart without a file: %d %s", w.Code, w.Body)
	}
}

func TestEntryImportAllOrNothing(t *testing.T) {
	e := newEnv(t)
	other, err := e.srv.Entries.CreateEntry(system, "fz-scj", "301001/00099", &pubdata.EntryFields{
		Title: "别的单位的条目", Category: "3", Format: "file", UpdateCycle: "yearly", ShareClass: "unconditional", OpenClass: "unconditional", Division: "350100",
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/entries/import", body: catalogueCSV(), as: pbEditor}); w.Code != 200 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	mine := e.orgEntries("fj-gat")
	submitted := mine[0]
	if _, err := e.srv.Entries.SubmitEntry(system, submitted.ID); err != nil {
		t.Fatal(err)
	}
	bad := templateHeader() + "\n" +
		"新条目甲,,3,,文件,每年,无条件共享,,,无条件开放,,,350000,,,,,,,,,,,\n" + // fine
		"新条目乙,,3,,文件,每年,有条件共享,,,无条件开放,,,359999,,,,,,,,,,,\n" + // no conditions; unknown division
		"别的条目,301001/00099,3,,文件,每年,无条件共享,,,无条件开放,,,350000,,,,,,,,,,,\n" + // another body's code
		submitted.Title + "," + submitted.Code + ",3,,文件,每年,无条件共享,,,无条件开放,,,350000,,,,,,,,,,,\n" + // under review
		"新条目丙,,3,,库表,每年,无条件共享,,,无条件开放,,,350000,,,,bad name,名称,文本型,,,,,\n" + // bad item name and type
		"新条目甲,,3,,文件,每日,无条件共享,,,无条件开放,,,350000,,,,,,,,,,,\n" // the same title again
	w := e.do(req{method: "POST", path: "/api/v1/entries/import", body: bad, as: pbEditor})
	if w.Code != 400 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	rep := decode[importReply](t, w)
	want := map[string]string{
		"3 共享条件":   "conditions",
		"3 行政区划代码": "359999",
		"4 信息资源代码": "another organisation",
		"5 信息资源代码": "under review",
		"6 信息项名称":  "lower-case",
		"6 数据类型":   "文本型",
		"7 信息资源代码": "line 2 has the same title",
	}
	for _, x := range rep.Errors {
		k := strconv.Itoa(x.Line) + " " + x.Column
		if has, ok := want[k]; !ok || !strings.Contains(x.Message, has) {
			t.Errorf("unexpected problem %s: %s", k, x.Message)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("no problem reported at %s", k)
	}
	if rep.Created != 0 || len(e.orgEntries("fj-gat")) != len(mine) {
		t.Errorf("something was written: %s", w.Body)
	}
	if x, _ := e.srv.Entries.FindEntryByID(system, other.ID); x.Org != "fz-scj" || x.Title != "别的单位的条目" {
		t.Errorf("the other body's entry changed: %+v", x)
	}
	// An export imports back unchanged, with the entry in review among them.
	exported := e.do(req{path: "/api/v1/entries/export", as: pbEditor}).Body.String()
	if w := e.do(req{method: "POST", path: "/api/v1/entries/import", body: exported, as: pbEditor}); w.Code != 200 || decode[importReply](t, w).Unchanged != len(mine) {
		t.Errorf("export with an entry in review: %d %s", w.Code, w.Body)
	}
	// A file that cannot be read at all.
	w = e.do(req{method: "POST", path: "/api/v1/entries/import", body: "", as: pbEditor})
	if rep := decode[importReply](t, w); w.Code != 400 || len(rep.Errors) != 1 || rep.Errors[0].Line != 0 {
		t.Errorf("empty file: %d %s", w.Code, w.Body)
	}
}

func TestEntryImportExportAccess(t *testing.T) {
	e := newEnv(t)
	if w := e.do(req{method: "POST", path: "/api/v1/entries/import", body: catalogueCSV(), as: pbEditor}); w.Code != 200 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	cases := []struct {
		name, method, path, as string
		status                 int
	}{
		{"import anonymous", "POST", "/api/v1/entries/import", anonymous, 401},
		{"import member", "POST", "/api/v1/entries/import", pbMember, 403},
		{"import reviewer", "POST", "/api/v1/entries/import", pbReviewer, 403},
		{"import public user", "POST", "/api/v1/entries/import", citizen, 403},
		{"import bad dry_run", "POST", "/api/v1/entries/import?dry_run=maybe", pbEditor, 400},
		{"export anonymous", "GET", "/api/v1/entries/export", anonymous, 401},
		{"export public user", "GET", "/api/v1/entries/export", citizen, 403},
		{"export member", "GET", "/api/v1/entries/export", pbMember, 200},
		{"export own org named", "GET", "/api/v1/entries/export?org=fj-gat&format=xlsx", pbMember, 200},
		{"export other org", "GET", "/api/v1/entries/export?org=fz-scj", pbEditor, 403},
		{"export authority", "GET", "/api/v1/entries/export?org=fj-gat", authReviewer, 200},
		{"export authority outside", "GET", "/api/v1/entries/export?org=fj-gat", cityAdmin, 403},
		{"export unknown org", "GET", "/api/v1/entries/export?org=nobody", authAdmin, 404},
		{"export bad format", "GET", "/api/v1/entries/export?format=pdf", pbMember, 400},
		{"template anonymous", "GET", "/api/v1/entries/template?format=xlsx", anonymous, 200},
		{"template bad format", "GET", "/api/v1/entries/template?format=ods", anonymous, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.do(req{method: c.method, path: c.path, as: c.as, body: map[string]string{}})
			if c.method == "GET" {
				w = e.do(req{method: c.method, path: c.path, as: c.as})
			}
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
		})
	}
	// The authority's XLSX export of the body's entries reads back as the same entries.
	w := e.do(req{path: "/api/v1/entries/export?org=fj-gat&format=xlsx", as: authAdmin})
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	rows, errs, err := entryfile.Decode(bytes.NewReader(w.Body.Bytes()), entryfile.Options{})
	if err != nil || len(errs) > 0 || len(rows) != 3 {
		t.Errorf("xlsx export: %v %v %d rows", err, errs, len(rows))
	}
}

func TestEntryImportPage(t *testing.T) {
	e := newEnv(t)
	editor := e.login(pbEditor)
	member := e.login(pbMember)
	public := e.login(citizen)
	for _, lang := range web.Languages {
		t.Run(lang, func(t *testing.T) {
			check := func(w *httptest.ResponseRecorder, status int, has ...string) {
				t.Helper()
				if w.Code != status {
					t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
				}
				body := w.Body.String()
				checkPage(t, body, lang)
				for _, h := range has {
					if !strings.Contains(body, h) && !strings.Contains(body, template.HTMLEscapeString(h)) {
						t.Errorf("page lacks %q", h)
					}
				}
			}
			check(e.page("GET", "/console/entries/import", editor, lang, nil), 200, `enctype="multipart/form-data"`, "/api/v1/entries/template?format=xlsx")
			check(e.page("GET", "/console/entries/import", member, lang, nil), 200, web.Translate(lang, "import.not_editor"))
			if w := e.page("GET", "/console/entries/import", public, lang, nil); w.Code != 403 {
				t.Errorf("public user: %d", w.Code)
			}
			if w := e.page("GET", "/console/entries/import", nil, lang, nil); w.Code != 303 {
				t.Errorf("anonymous: %d", w.Code)
			}
			check(e.upload("/console/entries/import", editor, "", lang, "", nil, map[string]string{"dry_run": "true"}), 400, web.Translate(lang, "import.error.no_file"))
			bad := strings.Replace(catalogueCSV(), "依法履职需要", "", 1)
			check(e.upload("/console/entries/import", editor, "", lang, "bad.csv", []byte(bad), map[string]string{"dry_run": "true"}), 400,
				web.Translate(lang, "import.report.intro", "Count", 1), "<th scope=\"row\">5</th>", "<td>共享条件</td>")
			if lang == web.LangZH {
				check(e.upload("/console/entries/import", editor, "", lang, "ok.csv", []byte(catalogueCSV()), map[string]string{"dry_run": "true"}), 200,
					web.Translate(lang, "import.result.checked", "Created", 3, "Updated", 0, "Unchanged", 0))
				if n := len(e.orgEntries("fj-gat")); n != 0 {
					t.Fatalf("the dry run wrote %d entries", n)
				}
				check(e.upload("/console/entries/import", editor, "", lang, "ok.csv", []byte(catalogueCSV()), nil), 200,
					web.Translate(lang, "import.result.done", "Created", 3, "Updated", 0, "Unchanged", 0), "301001/00001")
			} else {
				check(e.upload("/console/entries/import", editor, "", lang, "ok.csv", []byte(catalogueCSV()), nil), 200,
					web.Translate(lang, "import.result.done", "Created", 0, "Updated", 0, "Unchanged", 3), "301001/00001")
			}
			if w := e.upload("/console/entries/import", member, "", lang, "ok.csv", []byte(catalogueCSV()), nil); w.Code != 403 {
				t.Errorf("member upload: %d", w.Code)
			}
		})
	}
}
