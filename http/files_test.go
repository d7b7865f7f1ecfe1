package http

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/sqlstore"
)

// The files of file entries (issue 11 item 4): uploads sniffed and bounded, versions,
// downloads byte for byte under the entry's access rule, the forbidden cases, the pages in
// both languages, DCAT and CKAN pointing at the downloads.

// newFilesEnv is an env on dsn with the file service, its blobs and the applications.
func newFilesEnv(t *testing.T, dsn string) *env {
	e := newEnvOn(t, dsn, nil)
	dir := blob.New(t.TempDir())
	e.srv.Files = sqlstore.NewFileService(e.db)
	e.srv.FileStore = dir
	e.srv.Reads = e.srv.Reads.WithBlobs(dir)
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.addUser("xm-editor", "xm-scj", pubdata.RoleEditor)
	return e
}

// fileEntry publishes a file entry of fj-gat.
func (e *env) fileEntry(title, share, open string) *pubdata.Entry {
	e.t.Helper()
	body := entryBody(title, share, open)
	body["format"] = pubdata.FormatFile
	delete(body, "items")
	en := e.createEntry(pbEditor, body)
	return e.publish(pbEditor, en.ID)
}

// testPDF is a small valid PDF (one page saying text), with its cross-reference table.
func testPDF(text string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	stream := "BT /F1 18 Tf 72 770 Td (" + text + ") Tj ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// multipartFile builds a multipart form with fields and a "file" part.
func multipartFile(fields map[string]string, name string, data []byte) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if data != nil || name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// uploadFile posts a file to path as the user (a token) with the fields.
func (e *env) uploadFile(path, as string, fields map[string]string, name string, data []byte, header http.Header) *httptest.ResponseRecorder {
	e.t.Helper()
	ct, body := multipartFile(fields, name, data)
	return e.send("POST", path, as, ct, body, header)
}

// fileReplyOf decodes a file reply.
type fileReplyJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Issued      string `json:"issued"`
	Status      string `json:"status"`
	Version     int    `json:"version"`
	DownloadURL string `json:"download_url"`
	Latest      struct {
		FileName  string `json:"file_name"`
		Format    string `json:"format"`
		MediaType string `json:"media_type"`
		Size      int64  `json:"size"`
		SHA256    string `json:"sha256"`
		SM3       string `json:"sm3"`
	} `json:"latest"`
	Versions []struct {
		Version     int    `json:"version"`
		DownloadURL string `json:"download_url"`
	} `json:"versions"`
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFilesUploadDownload(t *testing.T) { testFilesUploadDownload(t, testdb.SQLite(t)) }

func TestFilesUploadDownloadPostgres(t *testing.T) {
	testdb.RequirePostgres(t)
	testFilesUploadDownload(t, testdb.Postgres(t))
}

func testFilesUploadDownload(t *testing.T, dsn string) {
	e := newFilesEnv(t, dsn)
	en := e.fileEntry("市场主体年度报告", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	files := "/api/v1/entries/" + en.ID + "/files"
	pdf := testPDF("Annual report 2024")

	w := e.uploadFile(files, pbEditor, map[string]string{"description": "2024 年度报告全文", "issued": "2024-03-08"}, "年度报告 2024.pdf", pdf, nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	f := decode[fileReplyJSON](t, w)
	if f.Title != "年度报告 2024" || f.Issued != "2024-03-08" || f.Version != 1 || f.Latest.Format != "PDF" || f.Latest.MediaType != "application/pdf" ||
		f.Latest.Size != int64(len(pdf)) || f.Latest.SHA256 != sha256Hex(pdf) || len(f.Latest.SM3) != 64 || f.Latest.FileName != "年度报告 2024.pdf" ||
		!strings.HasSuffix(f.DownloadURL, "/downloads/"+en.ID+"/files/"+f.ID) {
		t.Fatalf("uploaded %+v", f)
	}
	download := "/downloads/" + en.ID + "/files/" + f.ID

	// Anyone downloads an open entry's file, byte for byte, as an attachment of the sniffed type.
	w = e.do(req{path: download})
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("download: %d, %d bytes (want %d)", w.Code, w.Body.Len(), len(pdf))
	}
	h := w.Header()
	if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") != `"`+sha256Hex(pdf)+`"` ||
		h.Get("Content-Disposition") != `attachment; filename="____ 2024.pdf"; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A%202024.pdf` {
		t.Fatalf("headers %v", h)
	}
	// Ranges and conditional requests.
	w = e.do(req{path: download, header: http.Header{"Range": {"bytes=0-7"}}})
	if w.Code != http.StatusPartialContent || w.Body.String() != "%PDF-1.4" {
		t.Fatalf("range: %d %q", w.Code, w.Body)
	}
	w = e.do(req{path: download, header: http.Header{"If-None-Match": {`"` + sha256Hex(pdf) + `"`}}})
	if w.Code != http.StatusNotModified {
		t.Fatalf("if-none-match: %d", w.Code)
	}

	// A new version as a raw body; the first stays downloadable.
	pdf2 := testPDF("Annual report 2024, corrected")
	w = e.send("POST", files+"/"+f.ID+"/versions?note="+url.QueryEscape("更正第 3 页")+"&file_name=report.pdf", pbEditor, "application/pdf", pdf2, nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("version: %d %s", w.Code, w.Body)
	}
	if f2 := decode[fileReplyJSON](t, w); f2.Version != 2 || f2.Latest.SHA256 != sha256Hex(pdf2) || len(f2.Versions) != 2 || f2.Versions[1].Version != 1 ||
		!strings.HasSuffix(f2.Versions[1].DownloadURL, download+"?version=1") {
		t.Fatalf("version reply %+v", f2)
	}
	if w = e.do(req{path: download}); !bytes.Equal(w.Body.Bytes(), pdf2) {
		t.Fatalf("latest is not version 2: %d", w.Code)
	}
	if w = e.do(req{path: download + "?version=1"}); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("version 1: %d", w.Code)
	}
	if w = e.do(req{path: download + "?version=9"}); w.Code != 404 {
		t.Fatalf("version 9: %d", w.Code)
	}
	if w = e.do(req{path: download + "?version=x"}); w.Code != 400 {
		t.Fatalf("version x: %d", w.Code)
	}

	// The metadata: the list and the file with its versions, for anyone.
	if w = e.do(req{path: files}); w.Code != 200 || !strings.Contains(w.Body.String(), f.ID) || !strings.Contains(w.Body.String(), `"total":1`) {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	// Describe; then withdraw: readers no longer see it, the provider does.
	w = e.do(req{method: "PATCH", path: files + "/" + f.ID, as: pbEditor, body: map[string]any{"title": "2024 年度报告", "issued": "2024-03-09"}})
	if w.Code != 200 || decode[fileReplyJSON](t, w).Title != "2024 年度报告" {
		t.Fatalf("patch: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: files + "/" + f.ID + "/withdraw", as: pbEditor, body: map[string]any{"reason": "已发布新报告"}})
	if w.Code != 200 || decode[fileReplyJSON](t, w).Status != "withdrawn" {
		t.Fatalf("withdraw: %d %s", w.Code, w.Body)
	}
	if w = e.do(req{path: files}); !strings.Contains(w.Body.String(), `"total":0`) {
		t.Fatalf("list after withdrawal: %s", w.Body)
	}
	wantError(t, e.do(req{path: files + "/" + f.ID}), 404, pubdata.ENOTFOUND)
	if w = e.do(req{path: download}); w.Code != 404 {
		t.Fatalf("anonymous download of a withdrawn file: %d", w.Code)
	}
	if w = e.do(req{path: files + "/" + f.ID, as: pbMember}); w.Code != 200 {
		t.Fatalf("the provider sees a withdrawn file: %d", w.Code)
	}
	if w = e.do(req{path: download + "?version=1", as: pbMember}); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("the provider downloads a withdrawn file's versions: %d", w.Code)
	}
	// Every change is in the record.
	for _, action := range []string{"file.create", "file.version", "file.update", "file.withdraw"} {
		evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: action, Object: "file:" + f.ID, Limit: 10})
		if err != nil || len(evs) != 1 {
			t.Errorf("%s events: %v %v", action, evs, err)
		}
	}
}

func TestFilesForbidden(t *testing.T) {
	e := newFilesEnv(t, testdb.SQLite(t))
	// Shared between public bodies without conditions, not open to the public.
	en := e.fileEntry("内部工作文件", pubdata.ClassUnconditional, pubdata.ClassNone)
	files := "/api/v1/entries/" + en.ID + "/files"
	pdf := testPDF("internal")

	// Another organisation's editor, the provider's member, the authority, anonymous: refused.
	wantError(t, e.uploadFile(files, "xm-editor", nil, "a.pdf", pdf, nil), 403, pubdata.EFORBIDDEN)
	wantError(t, e.uploadFile(files, pbMember, nil, "a.pdf", pdf, nil), 403, pubdata.EFORBIDDEN)
	wantError(t, e.uploadFile(files, authAdmin, nil, "a.pdf", pdf, nil), 403, pubdata.EFORBIDDEN)
	wantError(t, e.uploadFile(files, citizen, nil, "a.pdf", pdf, nil), 404, pubdata.ENOTFOUND) // not in the public's catalogue
	wantError(t, e.uploadFile(files, anonymous, nil, "a.pdf", pdf, nil), 401, pubdata.EUNAUTHORIZED)

	w := e.uploadFile(files, pbEditor, nil, "内部.pdf", pdf, nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	f := decode[fileReplyJSON](t, w)
	download := "/downloads/" + en.ID + "/files/" + f.ID
	wantError(t, e.do(req{method: "PATCH", path: files + "/" + f.ID, as: "xm-editor", body: map[string]any{"title": "x"}}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "POST", path: files + "/" + f.ID + "/withdraw", as: "xm-editor"}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.send("POST", files+"/"+f.ID+"/versions", "xm-editor", "application/pdf", pdf, nil), 403, pubdata.EFORBIDDEN)

	// An anonymous reader and a citizen cannot download it (nor see it).
	for _, as := range []string{anonymous, citizen} {
		w := e.do(req{path: download, as: as})
		if w.Code != 404 || bytes.Contains(w.Body.Bytes(), []byte("%PDF")) {
			t.Fatalf("%q downloads a file shared only between bodies: %d", as, w.Code)
		}
		if w := e.do(req{path: files, as: as}); w.Code != 404 {
			t.Fatalf("%q lists its files: %d", as, w.Code)
		}
	}
	// Another public body reads it with a purpose, recorded; without one, it is refused.
	if w := e.do(req{path: download, as: "xm-scj-member"}); w.Code != 403 || bytes.Contains(w.Body.Bytes(), []byte("%PDF")) {
		t.Fatalf("a shared read without purpose: %d", w.Code)
	}
	w = e.do(req{path: download, as: "xm-scj-member", header: http.Header{"X-Purpose": {"核对企业年报"}}})
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("a shared read with purpose: %d", w.Code)
	}
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.read", Object: "entry:" + en.ID, Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].Purpose != "核对企业年报" || evs[0].Details["path"] != "file" || evs[0].Details["file"] != f.ID {
		t.Fatalf("read record %+v %v", evs, err)
	}
	// A stopped organisation's users lose the download (a data route).
	if _, err := e.srv.Orgs.SuspendOrg(e.actorCtx(authAdmin), "xm-scj", "违规"); err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{path: download, as: "xm-scj-member", header: http.Header{"X-Purpose": {"核对企业年报"}}}); w.Code != 403 {
		t.Fatalf("a suspended body downloads: %d", w.Code)
	}
}

// docx builds a minimal Office Open XML word document (the names the sniffer reads).
func docx() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	zw.Close()
	return b.Bytes()
}

func TestFilesTypesAndLimits(t *testing.T) {
	e := newFilesEnv(t, testdb.SQLite(t))
	en := e.fileEntry("文件类型", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	files := "/api/v1/entries/" + en.ID + "/files"
	en2 := e.do(req{path: "/api/v1/entries/" + en.ID}) // sanity: the entry exists
	if en2.Code != 200 {
		t.Fatal(en2.Code)
	}
	// The type comes from the bytes: an executable named .pdf is refused, naming what it is,
	// in the reader's language.
	exe := append([]byte("MZ\x90\x00\x03"), bytes.Repeat([]byte{0}, 100)...)
	w := e.uploadFile(files, pbEditor, nil, "report.pdf", exe, http.Header{"Accept-Language": {"en"}})
	wantError(t, w, 400, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), "The file is EXE by its content") {
		t.Fatalf("en: %s", w.Body)
	}
	w = e.uploadFile(files, pbEditor, nil, "report.pdf", exe, http.Header{"Accept-Language": {"zh-CN"}})
	if !strings.Contains(w.Body.String(), "按内容识别，该文件为 EXE") {
		t.Fatalf("zh: %s", w.Body)
	}
	w = e.uploadFile(files, pbEditor, nil, "page.txt", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), nil)
	if wantError(t, w, 400, pubdata.EINVALID); !strings.Contains(w.Body.String(), "HTML") {
		t.Fatalf("html: %s", w.Body)
	}
	w = e.uploadFile(files, pbEditor, nil, "x.bin", []byte{0x00, 0x01, 0x02, 0xff}, nil)
	wantError(t, w, 400, pubdata.EINVALID)
	wantError(t, e.uploadFile(files, pbEditor, map[string]string{"title": "无文件"}, "", nil, nil), 400, pubdata.EINVALID)
	wantError(t, e.uploadFile(files, pbEditor, nil, "empty.pdf", []byte{}, nil), 400, pubdata.EINVALID)
	// A DOCX named .bin is a DOCX, served as one, named with its extension.
	d := docx()
	w = e.uploadFile(files, pbEditor, map[string]string{"title": "通知"}, "notice.bin", d, nil)
	if w.Code != 201 {
		t.Fatalf("docx: %d %s", w.Code, w.Body)
	}
	f := decode[fileReplyJSON](t, w)
	if f.Latest.Format != "DOCX" || f.Latest.FileName != "notice.bin.docx" {
		t.Fatalf("docx %+v", f.Latest)
	}
	w = e.do(req{path: "/downloads/" + en.ID + "/files/" + f.ID})
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" || !bytes.Equal(w.Body.Bytes(), d) {
		t.Fatalf("docx download: %d %v", w.Code, w.Header())
	}
	// CSV and images.
	for name, data := range map[string][]byte{
		"名单.csv":   []byte("名称,代码\n甲,1\n"),
		"logo.png": append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...),
	} {
		if w := e.uploadFile(files, pbEditor, nil, name, data, nil); w.Code != 201 {
			t.Fatalf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	// The size limit: 413 naming it, nothing kept.
	e.srv.MaxFileBytes = 1024
	big := append(testPDF("big"), bytes.Repeat([]byte(" "), 2048)...)
	w = e.uploadFile(files, pbEditor, nil, "big.pdf", big, http.Header{"Accept-Language": {"en"}})
	if wantError(t, w, 413, pubdata.ETOOLARGE); !strings.Contains(w.Body.String(), "1.0 KB") {
		t.Fatalf("too large: %s", w.Body)
	}
	if w := e.do(req{path: files}); !strings.Contains(w.Body.String(), `"total":3`) {
		t.Fatalf("files after refusals: %s", w.Body)
	}
	// A table entry holds no files.
	table := e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	e.publish(pbEditor, table.ID)
	wantError(t, e.do(req{path: "/api/v1/entries/" + table.ID + "/files"}), 404, pubdata.ENOTFOUND)
	wantError(t, e.uploadFile("/api/v1/entries/"+table.ID+"/files", pbEditor, nil, "a.pdf", testPDF("x"), nil), 404, pubdata.ENOTFOUND)
}

func TestFilesPagesAndExports(t *testing.T) {
	e := newFilesEnv(t, testdb.SQLite(t))
	en := e.fileEntry("政策文件汇编", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	editor := e.login(pbEditor)

	// The console: the provider's editor uploads through the form.
	pdf := testPDF("Policy")
	ct, body := multipartFile(map[string]string{"title": "促进数据开放的通知", "description": "全文", "issued": "2024-05-06"}, "通知.pdf", pdf)
	post := func(ct string, body []byte, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		hr := httptest.NewRequest("POST", "/console/entries/"+en.ID+"/files", bytes.NewReader(body))
		hr.Header.Set("Content-Type", ct)
		hr.Header.Set("Sec-Fetch-Site", "same-origin")
		for _, c := range cookies {
			hr.AddCookie(c)
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, hr)
		return w
	}
	w := post(ct, body, editor)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "done=uploaded") {
		t.Fatalf("console upload: %d %s", w.Code, w.Body)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.page("GET", "/console/entries/"+en.ID+"/files", editor, lang, nil)
		want := map[string][]string{"zh-CN": {"上传新文件", "促进数据开放的通知", "撤回文件"}, "en": {"Upload a new file", "促进数据开放的通知", "Withdraw the file"}}[lang]
		for _, s := range want {
			if w.Code != 200 || !strings.Contains(w.Body.String(), s) || strings.Contains(w.Body.String(), "⟦missing") {
				t.Fatalf("console %s: %d, no %q: %s", lang, w.Code, s, w.Body)
			}
		}
	}
	// The console refuses another organisation's editor.
	if w := post(ct, body, e.login("xm-editor")); w.Code != 403 && w.Code != 404 {
		t.Fatalf("another org's editor on the console: %d", w.Code)
	}
	// A refused type re-renders the form with the reason.
	ct, body = multipartFile(nil, "x.pdf", []byte("MZ\x90\x00"))
	w = post(ct, body, editor, &http.Cookie{Name: "pubdata_lang", Value: "en"})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "The file is EXE by its content") {
		t.Fatalf("console refusal: %d", w.Code)
	}

	// The portal's page lists it with type, measured size, dates and the link, in both languages.
	list := decode[struct{ Items []fileReplyJSON }](t, e.do(req{path: "/api/v1/entries/" + en.ID + "/files"}))
	if len(list.Items) != 1 {
		t.Fatalf("files %+v", list)
	}
	f := list.Items[0]
	link := "/downloads/" + en.ID + "/files/" + f.ID
	for lang, words := range map[string][]string{"zh-CN": {"文件", "下载", "发布日期"}, "en": {"Files", "Download", "Issued"}} {
		w := e.page("GET", "/catalog/"+en.ID, nil, lang, nil)
		b := w.Body.String()
		if w.Code != 200 || strings.Contains(b, "⟦missing") || !strings.Contains(b, link) || !strings.Contains(b, "PDF") ||
			!strings.Contains(b, "2024-05-06") || !strings.Contains(b, fmt.Sprintf(`<data value="%d">`, len(pdf))) {
			t.Fatalf("portal %s: %d", lang, w.Code)
		}
		for _, word := range words {
			if !strings.Contains(b, word) {
				t.Fatalf("portal %s: no %q", lang, word)
			}
		}
	}
	if w := e.do(req{path: link}); !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("the page's link: %d", w.Code)
	}

	// DCAT: a distribution per file with its download URL, type and size.
	w = e.do(req{path: "/dataset/" + en.ID + ".ttl"})
	ttl := w.Body.String()
	for _, s := range []string{"dcat:downloadURL <http://example.com" + link + ">", "file-type/PDF", "media-types/application/pdf", fmt.Sprintf(`"%d"^^xsd:nonNegativeInteger`, len(pdf)), "促进数据开放的通知"} {
		if !strings.Contains(ttl, s) {
			t.Fatalf("dataset.ttl has no %q:\n%s", s, ttl)
		}
	}
	if w := e.do(req{path: "/catalog.ttl"}); !strings.Contains(w.Body.String(), link) {
		t.Fatalf("catalog.ttl has no file distribution")
	}
	// CKAN: a resource per file at its download URL, without a datastore.
	var pkg struct{ Resources []map[string]any }
	json.Unmarshal(e.ckan(200, "", "package_show", url.Values{"id": {en.ID}}).Result, &pkg)
	res := pkg.Resources
	r0 := map[string]any{}
	if len(res) > 0 {
		r0 = res[0]
	}
	if len(res) != 1 || r0["url"] != "http://example.com"+link || r0["format"] != "PDF" || r0["datastore_active"] != false || r0["size"] != float64(len(pdf)) {
		t.Fatalf("ckan resources %v", res)
	}
	var rs map[string]any
	json.Unmarshal(e.ckan(200, "", "resource_show", url.Values{"id": {f.ID}}).Result, &rs)
	if rs["url"] != "http://example.com"+link {
		t.Fatalf("resource_show %v", rs)
	}
}
