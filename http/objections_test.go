package http

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/sqlstore"
	"github.com/xuri/excelize/v2"
)

// The acceptance of objections (C4): an objection on a record freezes it on every read path
// at once (one test per path); resolving it as corrected shows the corrected row.

const (
	frozenName = "冻结测试公司" // the name of the row objected to
	otherName  = "张三商贸公司"
)

// objectionEnv is an env with the evidence (extracts), access, application, notification
// and objection services, and an unconditionally shared and open table of fj-gat with three
// rows; the citizen objects to the row C002.
type objectionFixture struct {
	e     *env
	entry *pubdata.Entry
	first string // the first batch
	obj   *pubdata.Objection
}

func newObjectionFixture(t *testing.T) *objectionFixture {
	e := newEvidenceEnv(t)
	e.srv.MaskPolicies = sqlstore.NewMaskPolicyService(e.db)
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	e.srv.Objections = sqlstore.NewObjectionService(e.db)
	b := entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "code", "title": "企业编号", "type": "string", "key": true},
		{"name": "name", "title": "企业名称", "type": "string"},
		{"name": "city", "title": "城市", "type": "string"},
	}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv",
		[]byte("code,name,city\nC001,"+otherName+",福州\nC002,"+frozenName+",福州\nC003,王五实业公司,厦门\n"), nil), pbEditor, http.StatusCreated)
	f := &objectionFixture{e: e, entry: en, first: bt.ID}
	w := e.do(req{method: "POST", path: "/api/v1/objections", as: citizen, body: map[string]any{
		"entry": en.ID, "key": map[string]string{"code": "C002"}, "reason": "privacy", "detail": "该企业为个人独资企业，名称含本人姓名"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("file: %d %s", w.Code, w.Body)
	}
	f.obj = decode[*pubdata.Objection](t, w)
	return f
}

// frozen fails the test when body shows the frozen row, or not the others.
func (f *objectionFixture) frozen(t *testing.T, path string, body []byte) {
	t.Helper()
	if bytes.Contains(body, []byte(frozenName)) || bytes.Contains(body, []byte("C002")) {
		t.Errorf("%s returns the frozen row: %s", path, body)
	}
	if !bytes.Contains(body, []byte(otherName)) {
		t.Errorf("%s lost the other rows: %s", path, body)
	}
}

func (f *objectionFixture) rows(t *testing.T, query, as string, header http.Header) []byte {
	t.Helper()
	w := f.e.do(req{path: "/api/v1/entries/" + f.entry.ID + "/rows" + query, as: as, header: header})
	if w.Code != 200 {
		t.Fatalf("rows%s: %d %s", query, w.Code, w.Body)
	}
	return w.Body.Bytes()
}

func TestObjectionFreezesRowsJSON(t *testing.T) {
	f := newObjectionFixture(t)
	if f.obj.Status != pubdata.ObjectionOpen || f.obj.Rows != 1 || f.obj.Filer != citizen || f.obj.Provider != "fj-gat" {
		t.Fatalf("filed %+v", f.obj)
	}
	f.frozen(t, "rows", f.rows(t, "", anonymous, nil))
	f.frozen(t, "rows as the provider", f.rows(t, "", pbEditor, nil))
	f.frozen(t, "rows _as_of", f.rows(t, "?_as_of="+f.first, pbEditor, nil))
	if body := f.rows(t, "?_key=C002", anonymous, nil); bytes.Contains(body, []byte(frozenName)) {
		t.Errorf("key lookup returns the frozen row: %s", body)
	}
	if body := f.rows(t, "?name="+url.QueryEscape(frozenName), anonymous, nil); bytes.Contains(body, []byte(frozenName)) {
		t.Errorf("filter returns the frozen row: %s", body)
	}
}

func TestObjectionFreezesCSV(t *testing.T) {
	f := newObjectionFixture(t)
	f.frozen(t, "csv", f.rows(t, "?_format=csv", anonymous, nil))
}

func TestObjectionFreezesNDJSON(t *testing.T) {
	f := newObjectionFixture(t)
	f.frozen(t, "ndjson", f.rows(t, "?_format=ndjson", anonymous, nil))
}

func TestObjectionFreezesXLSX(t *testing.T) {
	f := newObjectionFixture(t)
	xf, err := excelize.OpenReader(bytes.NewReader(f.rows(t, "?_format=xlsx", anonymous, nil)))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := xf.GetRows(xf.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, r := range xrows {
		cells = append(cells, strings.Join(r, "|"))
	}
	f.frozen(t, "xlsx", []byte(strings.Join(cells, "\n")))
	if len(xrows) != 3 { // header + 2
		t.Errorf("xlsx rows: %v", xrows)
	}
}

func TestObjectionFreezesCKANSearch(t *testing.T) {
	f := newObjectionFixture(t)
	w := f.e.do(req{path: "/api/3/action/datastore_search?" + url.Values{"resource_id": {f.entry.ID}, "include_total": {"true"}}.Encode()})
	if w.Code != 200 {
		t.Fatalf("datastore_search: %d %s", w.Code, w.Body)
	}
	f.frozen(t, "datastore_search", w.Body.Bytes())
	var r struct {
		Result struct {
			Total int `json:"total"`
		} `json:"result"`
	}
	if json.Unmarshal(w.Body.Bytes(), &r) != nil || r.Result.Total != 2 {
		t.Errorf("datastore_search total: %s", w.Body)
	}
}

func TestObjectionFreezesCKANDump(t *testing.T) {
	f := newObjectionFixture(t)
	w := f.e.do(req{path: "/datastore/dump/" + f.entry.ID})
	if w.Code != 200 {
		t.Fatalf("dump: %d %s", w.Code, w.Body)
	}
	f.frozen(t, "dump", w.Body.Bytes())
}

func TestObjectionFreezesSharedRead(t *testing.T) {
	f := newObjectionFixture(t)
	f.frozen(t, "shared read", f.rows(t, "", "xm-scj-member", purposeHeader(sharePurpose)))
}

func TestObjectionFreezesConsolePreview(t *testing.T) {
	f := newObjectionFixture(t)
	w := f.e.do(req{path: "/console/entries/" + f.entry.ID + "/data", cookies: []*http.Cookie{f.e.login(pbMember)}})
	if w.Code != 200 {
		t.Fatalf("console preview: %d", w.Code)
	}
	f.frozen(t, "console preview", w.Body.Bytes())
	if !strings.Contains(w.Body.String(), `id="data-frozen"`) || !strings.Contains(w.Body.String(), "1 条记录因异议处理中已冻结") {
		t.Errorf("console preview does not count the frozen row")
	}
}

func TestObjectionFreezesPortalPreview(t *testing.T) {
	f := newObjectionFixture(t)
	w := f.e.do(req{path: "/catalog/" + f.entry.ID + "?lang=en"})
	if w.Code != 200 {
		t.Fatalf("portal preview: %d", w.Code)
	}
	body := w.Body.String()
	f.frozen(t, "portal preview", w.Body.Bytes())
	if !strings.Contains(body, "1 record is frozen by an objection and not shown") {
		t.Errorf("portal preview does not count the frozen row")
	}
	// A link to object to each row, and to the entry.
	if !strings.Contains(body, `href="/objections/new?entry=`+f.entry.ID+`&amp;key.code=C001"`) || !strings.Contains(body, `id="object-entry"`) {
		t.Errorf("portal preview has no objection links")
	}
}

func TestObjectionFreezesExtract(t *testing.T) {
	f := newObjectionFixture(t)
	sign := func(body map[string]string) extract.Document {
		t.Helper()
		w := f.e.do(req{method: "POST", path: "/api/v1/extracts", as: "fz-scj-member", body: body})
		if w.Code != http.StatusCreated {
			t.Fatalf("extract %v: %d %s", body, w.Code, w.Body)
		}
		var signed extract.Signed
		var doc extract.Document
		if json.Unmarshal(w.Body.Bytes(), &signed) != nil || json.Unmarshal(signed.Document, &doc) != nil {
			t.Fatalf("extract: %s", w.Body)
		}
		return doc
	}
	doc := sign(map[string]string{"entry": f.entry.ID, "filter": "city=福州", "purpose": "办理企业变更"})
	b, _ := json.Marshal(doc.Rows)
	f.frozen(t, "extract", b)
	if len(doc.Rows) != 1 {
		t.Errorf("extract rows: %v", doc.Rows)
	}
	w := f.e.do(req{method: "POST", path: "/api/v1/extracts", as: "fz-scj-member", body: map[string]string{"entry": f.entry.ID, "key": "C002", "purpose": "办理企业变更"}})
	if bytes.Contains(w.Body.Bytes(), []byte(frozenName)) {
		t.Errorf("extract by key returns the frozen row: %d %s", w.Code, w.Body)
	}
}

// Resolving as corrected after an upsert batch shows the corrected row; the filer is told.
func TestObjectionResolveCorrected(t *testing.T) {
	f := newObjectionFixture(t)
	e := f.e
	resolve := func(as string, body map[string]string) *http.Response {
		w := e.do(req{method: "POST", path: "/api/v1/objections/" + f.obj.ID + "/resolve", as: as, body: body})
		return w.Result()
	}
	// Forbidden: the filer, a member of the provider; another body does not see it.
	if r := resolve(citizen, map[string]string{"outcome": "corrected"}); r.StatusCode != 403 {
		t.Errorf("the filer resolved: %d", r.StatusCode)
	}
	if r := resolve(pbMember, map[string]string{"outcome": "corrected"}); r.StatusCode != 403 {
		t.Errorf("a member resolved: %d", r.StatusCode)
	}
	if r := resolve("xm-scj-member", map[string]string{"outcome": "corrected"}); r.StatusCode != 404 {
		t.Errorf("another body resolved: %d", r.StatusCode)
	}
	if w := e.do(req{path: "/api/v1/objections/" + f.obj.ID, as: "xm-scj-member"}); w.Code != 404 {
		t.Errorf("another body sees it: %d", w.Code)
	}
	// Corrected before a correction is loaded: conflict; rejected without reasons: invalid.
	if r := resolve(pbReviewer, map[string]string{"outcome": "corrected"}); r.StatusCode != 409 {
		t.Errorf("corrected without a batch: %d", r.StatusCode)
	}
	if r := resolve(pbReviewer, map[string]string{"outcome": "rejected"}); r.StatusCode != 400 {
		t.Errorf("rejected without a note: %d", r.StatusCode)
	}
	e.loadCSV(pbEditor, f.entry, "code,name,city\nC002,更正后企业,福州\n")
	if body := f.rows(t, "", anonymous, nil); bytes.Contains(body, []byte("更正后企业")) {
		t.Errorf("the corrected row shows while the objection is open: %s", body)
	}
	w := e.do(req{method: "POST", path: "/api/v1/objections/" + f.obj.ID + "/resolve", as: pbReviewer, body: map[string]string{"outcome": "corrected", "note": "已按营业执照更正"}})
	if w.Code != 200 || decode[*pubdata.Objection](t, w).Status != pubdata.ObjectionCorrected {
		t.Fatalf("resolve: %d %s", w.Code, w.Body)
	}
	for _, q := range []string{"", "?_format=csv", "?_key=C002"} {
		if body := f.rows(t, q, anonymous, nil); !bytes.Contains(body, []byte("更正后企业")) || bytes.Contains(body, []byte(frozenName)) {
			t.Errorf("rows%s after resolving: %s", q, body)
		}
	}
	w = e.do(req{path: "/api/v1/notifications", as: citizen})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "objection.resolved") {
		t.Errorf("the filer was not told: %s", w.Body)
	}
	if w := e.do(req{path: "/catalog/" + f.entry.ID}); strings.Contains(w.Body.String(), `id="data-frozen"`) {
		t.Errorf("the preview still counts a frozen row")
	}
}

// Who may file, see and list; what is refused.
func TestObjectionRules(t *testing.T) {
	f := newObjectionFixture(t)
	e := f.e
	file := func(as string, body map[string]any) *http.Response {
		return e.do(req{method: "POST", path: "/api/v1/objections", as: as, body: body}).Result()
	}
	good := func() map[string]any {
		return map[string]any{"entry": f.entry.ID, "key": map[string]string{"code": "C001"}, "reason": "error", "detail": "名称有误"}
	}
	if r := file(anonymous, good()); r.StatusCode != 401 {
		t.Errorf("anonymous: %d", r.StatusCode)
	}
	b := good()
	b["entry"] = "nope"
	if r := file(citizen, b); r.StatusCode != 400 {
		t.Errorf("unknown entry: %d", r.StatusCode)
	}
	b = good()
	b["key"] = map[string]string{"code": "C404"}
	w := e.do(req{method: "POST", path: "/api/v1/objections", as: citizen, body: b})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "No current record") {
		t.Errorf("a key no row has: %d %s", w.Code, w.Body)
	}
	b = good()
	b["key"] = map[string]string{"name": "x"}
	if r := file(citizen, b); r.StatusCode != 400 {
		t.Errorf("not the key: %d", r.StatusCode)
	}
	b = good()
	b["key"] = map[string]string{"code": "C002"}
	if r := file(citizen, b); r.StatusCode != 409 {
		t.Errorf("a second open objection on the same key: %d", r.StatusCode)
	}
	// Lists by role.
	list := func(as, query string) (int, int) {
		w := e.do(req{path: "/api/v1/objections" + query, as: as})
		var l struct {
			Total int `json:"total"`
		}
		json.Unmarshal(w.Body.Bytes(), &l)
		return w.Code, l.Total
	}
	if code, n := list(citizen, ""); code != 200 || n != 1 {
		t.Errorf("mine: %d %d", code, n)
	}
	if code, _ := list(citizen, "?role=incoming"); code != 403 {
		t.Errorf("a public user's incoming: %d", code)
	}
	if code, n := list(pbMember, "?role=incoming"); code != 200 || n != 1 {
		t.Errorf("incoming: %d %d", code, n)
	}
	if code, _ := list(pbMember, "?role=authority"); code != 403 {
		t.Errorf("a body's authority list: %d", code)
	}
	if code, n := list(authReviewer, "?role=authority&overdue=true"); code != 200 || n != 0 {
		t.Errorf("overdue before due: %d %d", code, n)
	}
	e.advance(30 * 24 * time.Hour)
	if code, n := list(authReviewer, "?role=authority&overdue=true"); code != 200 || n != 1 {
		t.Errorf("overdue after due: %d %d", code, n)
	}
	if w := e.do(req{path: "/api/v1/objections/" + f.obj.ID, as: authReviewer}); w.Code != 200 || !decode[*pubdata.Objection](t, w).Overdue {
		t.Errorf("authority's view: %d %s", w.Code, w.Body)
	}
	// The provider was notified with the deadline.
	w = e.do(req{path: "/api/v1/notifications", as: pbAdmin})
	if !strings.Contains(w.Body.String(), "objection.new") || !strings.Contains(w.Body.String(), f.obj.Due) {
		t.Errorf("provider's notifications: %s", w.Body)
	}
}

// The pages: file from the form, the filer's list, the console's list and resolve form.
func TestObjectionPages(t *testing.T) {
	f := newObjectionFixture(t)
	e := f.e
	form := "/objections/new?entry=" + f.entry.ID + "&key.code=C001"
	if w := e.do(req{path: form}); w.Code != 200 || !strings.Contains(w.Body.String(), `id="objection-sign-in"`) {
		t.Errorf("anonymous form: %d", w.Code)
	}
	cookie := e.login(citizen)
	w := e.do(req{path: form, cookies: []*http.Cookie{cookie}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="key.code" value="C001"`) || !strings.Contains(w.Body.String(), `<label for="objection-reason">`) {
		t.Fatalf("form: %d %s", w.Code, w.Body)
	}
	post := url.Values{"entry": {f.entry.ID}, "key.code": {"C001"}, "reason": {""}, "detail": {""}}
	w = e.do(req{method: "POST", path: "/objections/new", body: post, cookies: []*http.Cookie{cookie}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "请选择异议类型") {
		t.Errorf("bad form: %d", w.Code)
	}
	post.Set("reason", "error")
	post.Set("detail", "企业名称有误")
	w = e.do(req{method: "POST", path: "/objections/new", body: post, cookies: []*http.Cookie{cookie}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account/objections?filed=") {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	if body := string(f.rows(t, "", anonymous, nil)); strings.Contains(body, otherName) {
		t.Errorf("the row objected to from the form is not frozen")
	}
	w = e.do(req{path: w.Header().Get("Location"), cookies: []*http.Cookie{cookie}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="objection-filed"`) || strings.Count(w.Body.String(), "企业名录") < 2 {
		t.Errorf("my objections: %d", w.Code)
	}
	// The provider's console list and the resolve form.
	admin := e.login(pbAdmin)
	w = e.do(req{path: "/console/objections", cookies: []*http.Cookie{admin}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "/console/objections/"+f.obj.ID) {
		t.Fatalf("incoming list: %d", w.Code)
	}
	w = e.do(req{path: "/console/objections/" + f.obj.ID, cookies: []*http.Cookie{admin}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="outcome"`) {
		t.Fatalf("objection page: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/console/objections/" + f.obj.ID + "/resolve", body: url.Values{"outcome": {"rejected"}}, cookies: []*http.Cookie{admin}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "不予采纳须写明理由") {
		t.Errorf("rejected without a note: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/console/objections/" + f.obj.ID + "/resolve", body: url.Values{"outcome": {"rejected"}, "note": {"名称依据营业执照"}}, cookies: []*http.Cookie{admin}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("resolve: %d %s", w.Code, w.Body)
	}
	if body := string(f.rows(t, "", anonymous, nil)); !strings.Contains(body, frozenName) {
		t.Errorf("a rejected objection's row is still frozen")
	}
	// Another body's member does not see it; a member sees it without the form.
	if w := e.do(req{path: "/console/objections/" + f.obj.ID, cookies: []*http.Cookie{e.login("xm-scj-member")}}); w.Code != 404 {
		t.Errorf("another body: %d", w.Code)
	}
}
