package http

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/ident"
)

// pdEnv is an env for the aggregation pages: uploads kept in a test folder, load requests
// waiting for their batches (so that the redirect goes to a finished batch).
func pdEnv(t *testing.T) *env {
	return newEnvWith(t, func(s *Server) {
		s.BatchWait = 5 * time.Minute
		s.BatchDir = t.TempDir()
	})
}

// pdPublish publishes a table entry of fj-gat (the testEntryFields items: id_number, the
// key, a resident ID number; full_name), changed by edit.
func pdPublish(e *env, title string, edit func(*pubdata.EntryFields)) string {
	e.t.Helper()
	f := testEntryFields(title)
	if edit != nil {
		edit(f)
	}
	ed, rev := e.as(pbEditor), e.as(authReviewer)
	x, err := e.srv.Entries.CreateEntry(ed, "fj-gat", "", f)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.srv.Entries.SubmitEntry(ed, x.ID); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.srv.Entries.ReviewEntry(rev, x.ID, true, ""); err != nil {
		e.t.Fatal(err)
	}
	return x.ID
}

// pdUpload posts the upload form as the session's user: mode and on_error, then the file.
func (e *env) pdUpload(path string, as *http.Cookie, fields url.Values, fileName, content string, header http.Header) *httptest.ResponseRecorder {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range []string{"mode", "on_error"} {
		if v := fields.Get(k); v != "" {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	r := httptest.NewRequest("POST", path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, vs := range header {
		r.Header[k] = vs
	}
	if as != nil {
		r.AddCookie(as)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

var batchLocation = regexp.MustCompile(`^/console/batches/([^/?]+)`)

// pdBatchID returns the batch of a redirect to its page.
func pdBatchID(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: %s", w.Code, w.Body)
	}
	m := batchLocation.FindStringSubmatch(w.Header().Get("Location"))
	if m == nil {
		t.Fatalf("redirect to %q, not a batch page", w.Header().Get("Location"))
	}
	return m[1]
}

func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%s: status %d, want %d: %.600s", what, w.Code, status, w.Body)
	}
}

func wantBody(t *testing.T, what string, w *httptest.ResponseRecorder, in ...string) {
	t.Helper()
	body := w.Body.String()
	for _, s := range in {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q", what, s)
		}
	}
}

func wantNotBody(t *testing.T, what string, w *httptest.ResponseRecorder, out ...string) {
	t.Helper()
	body := w.Body.String()
	for _, s := range out {
		if strings.Contains(body, s) {
			t.Errorf("%s: page shows %q", what, s)
		}
	}
}

func TestDataPagesFlow(t *testing.T) {
	e := pdEnv(t)
	id := pdPublish(e, "居民身份证信息", nil) // open unconditionally, updated daily
	editor, member, admin := e.login(pbEditor), e.login(pbMember), e.login(pbAdmin)
	authority, city, public, other := e.login(authAdmin), e.login(cityAdmin), e.login(citizen), e.login("xm-scj-member")

	// Before any load, the panel says so and offers the upload to the provider's editors.
	w := e.page("GET", "/console/entries/"+id, editor, "", nil)
	wantStatus(t, "entry page", w, 200)
	wantBody(t, "entry page", w, `id="entry-data"`, "从未汇聚", "/console/entries/"+id+"/data/upload", "/console/entries/"+id+"/batches")
	w = e.page("GET", "/console/entries/"+id, member, "", nil)
	wantBody(t, "entry page (member)", w, `id="entry-data"`)
	wantNotBody(t, "entry page (member)", w, "/data/upload")

	// The upload page: the provider's admins and editors only.
	up := "/console/entries/" + id + "/data/upload"
	for _, c := range []struct {
		who    string
		cookie *http.Cookie
	}{{"member", member}, {"authority", authority}, {"public user", public}, {"other org", other}, {"city", city}} {
		if w := e.page("GET", up, c.cookie, "", nil); w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
			t.Errorf("upload page as %s: %d", c.who, w.Code)
		}
		if w := e.pdUpload(up, c.cookie, nil, "a.csv", "id_number,full_name\n", nil); w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
			t.Errorf("upload as %s: %d", c.who, w.Code)
		}
	}
	if w := e.page("GET", up, nil, "", nil); w.Code == 200 {
		t.Errorf("upload page for an anonymous visitor: %d", w.Code)
	}
	if w := e.pdUpload(up, nil, nil, "a.csv", "id_number,full_name\n", nil); w.Code < 300 || strings.HasPrefix(w.Header().Get("Location"), "/console/batches/") {
		t.Errorf("anonymous upload: %d %v", w.Code, w.Header())
	}
	if w := e.pdUpload(up, editor, nil, "a.csv", "id_number,full_name\n", http.Header{"Sec-Fetch-Site": {"cross-site"}}); w.Code != http.StatusForbidden {
		t.Errorf("cross-site upload: %d", w.Code)
	}
	w = e.page("GET", up, admin, "", nil)
	wantStatus(t, "upload page (admin)", w, 200)
	wantBody(t, "upload page", w, `enctype="multipart/form-data"`, `name="mode"`, `value="upsert"`, `name="on_error"`, `value="skip"`, `type="file"`)

	// No file: the form again, with the problem.
	w = e.pdUpload(up, editor, url.Values{"mode": {"append"}}, "", "", nil)
	wantStatus(t, "upload without a file", w, 400)
	wantBody(t, "upload without a file", w, "请选择要上传的文件")
	if batches, _, _ := e.srv.Data.FindBatches(system, id, 10, ""); len(batches) != 0 {
		t.Fatalf("an upload without a file made %d batches", len(batches))
	}

	// The provider uploads a CSV with one bad resident ID number, skipping bad rows.
	good1, good2 := ident.CompleteResidentID("35010219900101001"), ident.CompleteResidentID("35010219851231002")
	bad := good1[:17] + map[bool]string{true: "0", false: "1"}[good1[17] != '0'] // wrong check digit
	csv := "id_number,full_name\n" + good1 + ",张三\n" + good2 + ",李四\n" + bad + ",王五\n"
	w = e.pdUpload(up, editor, url.Values{"mode": {"append"}, "on_error": {"skip"}}, "persons.csv", csv, nil)
	batch := pdBatchID(t, w)
	w = e.page("GET", "/console/batches/"+batch, editor, "", nil)
	wantStatus(t, "batch page", w, 200)
	// The provider's editor sees its own rejected value in clear (issue 12 item 9).
	wantBody(t, "batch page", w, "已完成", "被拒绝的行", bad, "persons.csv", "/console/batches/"+batch+"/report.csv", `id="rollback-reason"`)
	wantNotBody(t, "batch page", w, ident.Mask(bad), `id="batch-progress"`)
	if b, _ := e.srv.Data.FindBatchByID(system, batch); b.RowsLoaded != 2 || b.RowsRejected != 1 || b.Source != pubdata.SourceUpload {
		t.Fatalf("batch: %+v", b)
	}
	// The full report as CSV, in clear for the editor too.
	w = e.page("GET", "/console/batches/"+batch+"/report.csv", editor, "", nil)
	wantStatus(t, "report", w, 200)
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Body.String(), bad) {
		t.Errorf("report: %v %s", w.Header(), w.Body)
	}
	// Who sees the batch: the provider and the covering authority.
	// (the value masked for them: they did not load it).
	if w := e.page("GET", "/console/batches/"+batch, authority, "", nil); w.Code != 200 || strings.Contains(w.Body.String(), `id="rollback-reason"`) ||
		strings.Contains(w.Body.String(), bad) || !strings.Contains(w.Body.String(), ident.Mask(bad)) {
		t.Errorf("batch page for the authority: %d (or with the rollback form, or the value in clear)", w.Code)
	}
	if w := e.page("GET", "/console/batches/"+batch, member, "", nil); w.Code != 200 || strings.Contains(w.Body.String(), `id="rollback-reason"`) ||
		strings.Contains(w.Body.String(), bad) || !strings.Contains(w.Body.String(), ident.Mask(bad)) {
		t.Errorf("batch page for a member: %d (or with the rollback form, or the value in clear)", w.Code)
	}
	for _, c := range []*http.Cookie{other, city, public, nil} {
		if w := e.page("GET", "/console/batches/"+batch, c, "", nil); w.Code == 200 {
			t.Errorf("batch page for an outsider: %d", w.Code)
		}
	}

	// The panel after the load: the count, the time and the freshness against the cycle.
	w = e.page("GET", "/console/entries/"+id, editor, "", nil)
	wantBody(t, "entry page after the load", w, "<dd>2</dd>", "按时更新", "每日")

	// The preview with a filter, sorting and downloads; a bad filter shows its problem.
	data := "/console/entries/" + id + "/data"
	w = e.page("GET", data+"?col=full_name&op=eq&val="+url.QueryEscape("张三"), member, "", nil)
	wantStatus(t, "preview", w, 200)
	wantBody(t, "preview", w, "<td>张三</td>", "/downloads/"+id+"/xlsx?full_name=", "/downloads/"+id+"/json?full_name=", "bom=0")
	wantNotBody(t, "preview", w, "<td>李四</td>")
	// The preview's downloads hold the selection: every matching row, no other.
	if w := e.page("GET", "/downloads/"+id+"/csv?full_name="+url.QueryEscape("张三"), member, "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "张三") || strings.Contains(w.Body.String(), "李四") {
		t.Errorf("the preview's filtered download: %d %.200s", w.Code, w.Body)
	}
	w = e.page("GET", data+"?_sort=-full_name", editor, "", nil)
	body := w.Body.String()
	if i, j := strings.Index(body, "<td>李四</td>"), strings.Index(body, "<td>张三</td>"); i < 0 || j < 0 || i > j {
		t.Errorf("sorted by full_name descending (李 U+674E after 张 U+5F20): 张三 at %d, 李四 at %d", j, i)
	}
	wantBody(t, "sorted", w, `aria-sort="descending"`)
	w = e.page("GET", data+"?col=full_name&op=gt&val=%E5%BC%A0&_q=%E6%9D%8E", editor, "", nil)
	wantBody(t, "filter and search", w, "清除筛选")
	w = e.page("GET", data+"?col=no_such&val=1", editor, "", nil)
	wantStatus(t, "bad filter", w, 400)
	wantBody(t, "bad filter", w, `id="preview-error"`, "no_such", "筛选条件有误")
	w = e.page("GET", data+"?col=full_name&op=bogus&val=1", editor, web.LangEN, nil)
	wantStatus(t, "bad operator", w, 400)
	wantBody(t, "bad operator", w, "The filter is not valid", "bogus")
	// Paging: one page of previewRows, then the next by cursor.
	if w := e.page("GET", data+"?_cursor=nonsense", editor, "", nil); w.Code != 400 {
		t.Errorf("bad cursor: %d", w.Code)
	}
	if w := e.page("GET", data, other, "", nil); w.Code == 200 {
		t.Errorf("console data page for another organisation: %d", w.Code)
	}

	// The portal's entry page shows the rows of an open entry to everyone, personal items
	// masked (issue 5); a masked column cannot be filtered; the provider sees them in clear.
	w = e.page("GET", "/catalog/"+id, nil, "", nil)
	wantStatus(t, "portal entry", w, 200)
	wantBody(t, "portal entry", w, `id="data-preview"`, "<td>张*</td>", "/api/v1/entries/"+id+"/rows?_format=csv")
	wantNotBody(t, "portal entry", w, "<td>张三</td>")
	w = e.page("GET", "/catalog/"+id+"?col=full_name&val="+url.QueryEscape("李四"), nil, "", nil)
	wantBody(t, "portal entry filtered on a masked column", w, "full_name is masked for you")
	wantNotBody(t, "portal entry filtered on a masked column", w, "<td>李*</td>")
	w = e.page("GET", "/catalog/"+id+"?col=full_name&val="+url.QueryEscape("李四"), editor, "", nil)
	wantBody(t, "portal entry filtered", w, "<td>李四</td>")
	wantNotBody(t, "portal entry filtered", w, "<td>张三</td>")

	// History: newest first; the purge form for the covering authority's admin only.
	hist := "/console/entries/" + id + "/batches"
	w = e.page("GET", hist, editor, "", nil)
	wantStatus(t, "history", w, 200)
	wantBody(t, "history", w, "/console/batches/"+batch, "页面或接口上传", "追加")
	wantNotBody(t, "history", w, `id="purge-reason"`)
	w = e.page("GET", hist, authority, "", nil)
	wantBody(t, "history (authority)", w, `id="purge-reason"`, `id="purge-through"`)
	for _, c := range []*http.Cookie{other, city, public} {
		if w := e.page("GET", hist, c, "", nil); w.Code == 200 {
			t.Errorf("history for an outsider: %d", w.Code)
		}
	}

	// Roll back: the provider's editors, with a reason.
	rb := "/console/batches/" + batch + "/rollback"
	for _, c := range []*http.Cookie{member, authority, other} {
		if w := e.page("POST", rb, c, "", url.Values{"reason": {"错误数据"}, "confirm": {"1"}}); w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
			t.Errorf("rollback by the wrong role: %d", w.Code)
		}
	}
	w = e.page("POST", rb, editor, "", url.Values{"reason": {"  "}})
	wantStatus(t, "rollback without a reason", w, 400)
	wantBody(t, "rollback without a reason", w, "请填写回滚原因", `aria-invalid="true"`)
	wantBody(t, "batch page", e.page("GET", "/console/batches/"+batch, editor, "", nil), `id="rollback-confirm" name="confirm"`)
	w = e.page("POST", rb, editor, "", url.Values{"reason": {"上传了错误的文件"}})
	wantStatus(t, "rollback unconfirmed", w, 400)
	wantBody(t, "rollback unconfirmed", w, `id="rollback-confirm-error"`, "请勾选确认后再执行此操作")
	wantNotBody(t, "rollback unconfirmed", w, "请填写回滚原因")
	if st, _ := e.srv.Data.TableStats(system, id); st.Rows == 0 {
		t.Error("an unconfirmed rollback rolled back")
	}
	w = e.page("POST", rb, editor, "", url.Values{"reason": {"上传了错误的文件"}, "confirm": {"1"}})
	rollback := pdBatchID(t, w)
	w = e.page("GET", w.Header().Get("Location"), editor, "", nil)
	wantBody(t, "rollback batch", w, "已回滚。", "上传了错误的文件", "/console/batches/"+batch)
	if st, _ := e.srv.Data.TableStats(system, id); st.Rows != 0 {
		t.Errorf("rows after the rollback: %d", st.Rows)
	}
	// The rolled-back batch no longer offers a rollback.
	wantNotBody(t, "rolled back batch", e.page("GET", "/console/batches/"+batch, editor, "", nil), `id="rollback-reason"`)

	// Purge: the covering authority's admin, through a batch, with a reason.
	pg := "/console/entries/" + id + "/batches/purge"
	for _, c := range []*http.Cookie{editor, admin, city, e.login(authReviewer)} {
		want := http.StatusForbidden
		if c == city {
			want = http.StatusNotFound // the city authority does not cover the entry: it does not see it
		}
		if w := e.page("POST", pg, c, "", url.Values{"through": {rollback}, "reason": {"到期"}, "confirm": {"1"}}); w.Code != want {
			t.Errorf("purge by the wrong role: %d, want %d", w.Code, want)
		}
	}
	w = e.page("POST", pg, authority, "", url.Values{"through": {rollback}})
	wantStatus(t, "purge without a reason", w, 400)
	wantBody(t, "purge without a reason", w, "请填写清除原因")
	w = e.page("POST", pg, authority, "", url.Values{"through": {"nosuch"}, "reason": {"到期"}, "confirm": {"1"}})
	wantStatus(t, "purge through an unknown batch", w, 400)
	w = e.page("POST", pg, authority, "", url.Values{"through": {rollback}, "reason": {"保存期限届满"}})
	wantStatus(t, "purge unconfirmed", w, 400)
	wantBody(t, "purge unconfirmed", w, `id="purge-confirm-error"`, `name="confirm"`, "请勾选确认后再执行此操作")
	w = e.page("POST", pg, authority, "", url.Values{"through": {rollback}, "reason": {"保存期限届满"}, "confirm": {"1"}})
	wantStatus(t, "purge", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); !strings.Contains(loc, "purged=2") {
		t.Errorf("purge went to %q, want purged=2", loc)
	}

	// Freshness against the daily cycle (sessions expire meanwhile: sign in again).
	e.advance(30 * time.Hour)
	wantBody(t, "a day later", e.page("GET", "/console/entries/"+id, e.login(pbEditor), "", nil), "待更新")
	e.advance(48 * time.Hour)
	wantBody(t, "three days later", e.page("GET", "/console/entries/"+id, e.login(pbEditor), "", nil), "已逾期未更新")
}

func TestDataPagesRetryAndAccess(t *testing.T) {
	e := pdEnv(t)
	id := pdPublish(e, "居民身份证信息", nil)
	closed := pdPublish(e, "人口基础信息", func(f *pubdata.EntryFields) {
		f.OpenClass, f.OpenConditions = pubdata.ClassConditional, "仅限科研用途"
	})
	editor := e.login(pbEditor)

	// All or nothing: one bad row fails the batch; its file is kept for a retry.
	good := ident.CompleteResidentID("35010219900101001")
	csv := "id_number,full_name\n" + good + ",张三\n" + good + ",张三\n"
	w := e.pdUpload("/console/entries/"+id+"/data/upload", editor, url.Values{"mode": {"append"}, "on_error": {"abort"}}, "dup.csv", csv, nil)
	batch := pdBatchID(t, w)
	w = e.page("GET", "/console/batches/"+batch, editor, "", nil)
	wantBody(t, "failed batch", w, "失败", "批次内主键重复", `action="/console/batches/`+batch+`/retry"`)
	if w := e.page("POST", "/console/batches/"+batch+"/retry", e.login(pbMember), "", url.Values{}); w.Code != http.StatusForbidden {
		t.Errorf("retry by a member: %d", w.Code)
	}
	w = e.page("POST", "/console/batches/"+batch+"/retry", editor, "", url.Values{})
	wantStatus(t, "retry", w, http.StatusSeeOther)
	if b, _ := e.srv.Data.FindBatchByID(system, batch); b.Attempts != 2 || b.Status != pubdata.BatchFailed || b.RowsLoaded != 0 {
		t.Errorf("after the retry: %+v", b)
	}
	if st, _ := e.srv.Data.TableStats(system, id); st.Rows != 0 {
		t.Errorf("rows after a failed retry: %d", st.Rows)
	}

	// A running batch: its page follows the progress with the site's script (allowed by the
	// page's CSP), with a refresh for browsers without scripts.
	running, _, err := e.srv.Data.CreateBatch(e.as(pbEditor), mustPublished(e, id), pubdata.LoadOptions{Mode: pubdata.ModeAppend, Source: pubdata.SourceUpload})
	if err != nil {
		t.Fatal(err)
	}
	w = e.page("GET", "/console/batches/"+running.ID, editor, "", nil)
	wantStatus(t, "running batch", w, 200)
	wantBody(t, "running batch", w, `id="batch-progress"`, `data-api="/api/v1/batches/`+running.ID+`"`, "<progress", `http-equiv="refresh"`, "/assets/batch.")
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "'unsafe-inline'") {
		t.Errorf("running batch CSP: %s", csp)
	}
	if csp := e.page("GET", "/console/batches/"+batch, editor, "", nil).Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("batch CSP: %s", csp)
	}
	if m := regexp.MustCompile(`src="(/assets/batch\.[0-9a-f]+\.js)"`).FindStringSubmatch(w.Body.String()); m == nil {
		t.Errorf("no hashed script")
	} else if w := e.page("GET", m[1], nil, "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "/api/v1/batches/") && !strings.Contains(w.Body.String(), "data-api") {
		t.Errorf("script: %d", w.Code)
	}

	// A table the public may not read: the count, a notice, no rows, no downloads.
	w = e.page("GET", "/catalog/"+closed, nil, "", nil)
	wantStatus(t, "closed entry", w, 200)
	wantBody(t, "closed entry", w, `id="data-preview"`, "您无权查看")
	// (The page may show how to call the API once an application is approved, but offers no
	// download and no preview.)
	wantNotBody(t, "closed entry", w, `href="/api/v1/entries/`+closed+`/rows?_format=csv`, `id="preview-col"`)
	// Its provider sees the rows.
	wantBody(t, "closed entry (provider)", e.page("GET", "/catalog/"+closed, editor, "", nil), `id="preview-col"`)
}

// TestDataPagesTranslated renders every aggregation page in both languages and checks it.
func mustPublished(e *env, id string) *pubdata.Entry {
	e.t.Helper()
	p, err := e.srv.Entries.FindPublishedEntry(system, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func TestDataPagesTranslated(t *testing.T) {
	e := pdEnv(t)
	id := pdPublish(e, "居民身份证信息", nil)
	editor, authority := e.login(pbEditor), e.login(authAdmin)
	good := ident.CompleteResidentID("35010219900101001")
	w := e.pdUpload("/console/entries/"+id+"/data/upload", editor, url.Values{"on_error": {"skip"}}, "a.csv",
		"id_number,full_name\n"+good+",张三\n123,李四\n", nil)
	batch := pdBatchID(t, w)
	for _, lang := range web.Languages {
		for _, p := range []struct {
			path string
			as   *http.Cookie
		}{
			{"/console/entries/" + id, editor},
			{"/console/entries/" + id + "/data", editor},
			{"/console/entries/" + id + "/data?col=full_name&op=bogus&val=1", editor},
			{"/console/entries/" + id + "/data/upload", editor},
			{"/console/entries/" + id + "/batches", authority},
			{"/console/batches/" + batch, editor},
			{"/catalog/" + id, nil},
		} {
			t.Run(lang+p.path, func(t *testing.T) {
				w := e.page("GET", p.path, p.as, lang, nil)
				if w.Code != 200 && w.Code != 400 {
					t.Fatalf("status %d: %.500s", w.Code, w.Body)
				}
				checkPage(t, w.Body.String(), lang)
			})
		}
	}
}
