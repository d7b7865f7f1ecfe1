package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// An upload that asks to be answered at once (Prefer: respond-async, or ?async=1) gets 202
// and the batch as soon as the file is stored; the load runs in the background and the
// batch is followed until it ends. Without the preference the API keeps its behaviour.
func TestUploadRespondAsync(t *testing.T) {
	e := pdEnv(t) // BatchWait 5 minutes: a reply before the load ends is the preference's
	id := pdPublish(e, "居民身份证信息", nil)
	good := ident.CompleteResidentID("35010219900101001")
	csv := "id_number,full_name\n" + good + ",张三\n"

	// The API.
	for _, c := range []struct {
		path   string
		header http.Header
	}{
		{"/api/v1/entries/" + id + "/data?mode=upsert", http.Header{"Prefer": {"respond-async"}}},
		{"/api/v1/entries/" + id + "/data?mode=upsert&async=1", nil},
		{"/api/v1/entries/" + id + "/data?mode=upsert", http.Header{"Prefer": {"return=minimal, Respond-Async"}}},
	} {
		w := e.send("POST", c.path, pbEditor, "text/csv", []byte(csv), c.header)
		if w.Code != http.StatusAccepted || !strings.HasPrefix(w.Header().Get("Location"), "/api/v1/batches/") {
			t.Fatalf("%s %v: %d %v %s", c.path, c.header, w.Code, w.Header(), w.Body)
		}
		if b := e.batchOf(w, pbEditor, http.StatusAccepted); b.Status != pubdata.BatchDone || b.RowsIn != 1 {
			t.Fatalf("the batch answered at once: %+v", b)
		}
	}
	// Without it: the reply waits for the load (up to BatchWait), as before.
	w := e.send("POST", "/api/v1/entries/"+id+"/data?mode=upsert", pbEditor, "text/csv", []byte(csv), nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("synchronous load: %d %s", w.Code, w.Body)
	}
	// The preference does not open the door: a member, another organisation, nobody.
	for _, as := range []string{pbMember, "xm-scj-member", authAdmin} {
		if w := e.send("POST", "/api/v1/entries/"+id+"/data?async=1", as, "text/csv", []byte(csv), nil); w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
			t.Errorf("async load by %s: %d", as, w.Code)
		}
	}
	if w := e.send("POST", "/api/v1/entries/"+id+"/data?async=1", "", "text/csv", []byte(csv), nil); w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous async load: %d", w.Code)
	}

	// The console's upload page: its script asks for respond-async and gets 202 with the
	// batch page as Location (and the batch in JSON); the batch page follows the load.
	up := "/console/entries/" + id + "/data/upload"
	editor := e.login(pbEditor)
	w = e.page("GET", up, editor, "", nil)
	wantStatus(t, "upload page", w, 200)
	wantBody(t, "upload page", w, `id="upload-progress"`, `<progress id="upload-bar"`, `role="status"`, `aria-live="polite"`, "/assets/upload.", `data-sent="已上传 {p}%（{s} / {t}）"`)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("upload page CSP: %s", csp)
	}
	w = e.pdUpload(up, editor, url.Values{"mode": {"upsert"}}, "a.csv", csv, http.Header{"Prefer": {"respond-async"}})
	if w.Code != http.StatusAccepted || !strings.HasPrefix(w.Header().Get("Location"), "/console/batches/") {
		t.Fatalf("async upload: %d %v %s", w.Code, w.Header(), w.Body)
	}
	var reply struct{ ID, Status, Location string }
	if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil || reply.Location != w.Header().Get("Location") || reply.ID == "" {
		t.Fatalf("async upload reply %s: %v", w.Body, err)
	}
	for i := 0; i < 1000; i++ {
		if b, _ := e.srv.Data.FindBatchByID(system, reply.ID); b.Status != pubdata.BatchRunning {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantBody(t, "batch page", e.page("GET", reply.Location, editor, "", nil), "已完成", "a.csv")
	// Without a file the form comes back with its problem (no batch), script or not.
	w = e.pdUpload(up, editor, url.Values{"mode": {"upsert"}}, "", "", http.Header{"Prefer": {"respond-async"}})
	wantStatus(t, "async upload without a file", w, 400)
	wantBody(t, "async upload without a file", w, "请选择要上传的文件", `id="upload-form"`)
	// Forbidden alike: the provider's member, the authority, the public, nobody.
	for _, c := range []*http.Cookie{e.login(pbMember), e.login(authAdmin), e.login(citizen), nil} {
		w := e.pdUpload(up, c, nil, "a.csv", csv, http.Header{"Prefer": {"respond-async"}})
		if w.Code == http.StatusAccepted || w.Code < 300 || strings.HasPrefix(w.Header().Get("Location"), "/console/batches/") {
			t.Errorf("async upload by an outsider: %d %v", w.Code, w.Header())
		}
	}
}

// The batch report names the columns as the file's header did (issue 12 item 9): the
// checks of values (datafile) and the key rules (the store) alike.
func TestBatchReportNamesFileHeader(t *testing.T) {
	e := pdEnv(t)
	id := pdPublish(e, "居民身份证信息", nil)
	good := ident.CompleteResidentID("35010219900101001")
	bad := good[:17] + map[bool]string{true: "0", false: "1"}[good[17] != '0']
	csv := "ID_Number,姓名\n" + good + ",张三\n" + good + ",张三\n" + bad + ",李四\n"
	w := e.send("POST", "/api/v1/entries/"+id+"/data?on_error=skip&lang=zh-CN", pbEditor, "text/csv", []byte(csv), nil)
	b := e.batchOf(w, pbEditor, http.StatusCreated)
	if len(b.Errors) != 2 {
		t.Fatalf("errors: %+v", b.Errors)
	}
	for _, re := range b.Errors {
		if !strings.Contains(re.Message, "ID_Number") || strings.Contains(re.Message, "公民身份号码") {
			t.Errorf("row %d: %q does not name the file's header", re.Row, re.Message)
		}
	}
}
