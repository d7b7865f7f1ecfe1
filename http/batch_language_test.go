package http

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// TestBatchReportLanguage (issue 10, item 7): a batch report's messages reach each reader
// in their language, and name the column by its title as the provider wrote it.
func TestBatchReportLanguage(t *testing.T) {
	e := newDataEnv(t)
	body := entryBody("企业登记信息", pubdata.ClassUnconditional, pubdata.ClassNone)
	body["items"] = []map[string]any{
		{"name": "uscc", "title": "统一社会信用代码", "type": "string", "key": true, "element": "uscc"},
		{"name": "name", "title": "企业名称", "type": "string"},
	}
	entry := e.publish(pbEditor, e.createEntry(pbEditor, body).ID)
	csv := "统一社会信用代码,企业名称\n91350100M000100Y43,甲公司\n91350100M000100Y44,乙公司\n"
	b := e.batchOf(e.send("POST", "/api/v1/entries/"+entry.ID+"/data?on_error=skip", pbEditor, "text/csv", []byte(csv),
		http.Header{"Accept-Language": {"zh-CN"}}), pbEditor, http.StatusCreated)
	if len(b.Errors) != 1 {
		t.Fatalf("errors %+v", b.Errors)
	}
	if m := b.Errors[0].Message; m != "统一社会信用代码不是有效的统一社会信用代码：校验码应为 3，而不是 4。" {
		t.Errorf("zh-CN: %q", m)
	}
	get := func(lang string) string {
		t.Helper()
		h := http.Header{}
		if lang != "" {
			h.Set("Accept-Language", lang)
		}
		got := decode[*pubdata.Batch](t, e.send("GET", "/api/v1/batches/"+b.ID, pbEditor, "", nil, h))
		return got.Errors[0].Message
	}
	en := "Column 统一社会信用代码 is not a valid unified social credit code: check character is 3, not 4."
	if m := get("en"); m != en {
		t.Errorf("en: %q", m)
	}
	if m := get(""); m != en {
		t.Errorf("no Accept-Language: %q, want the English as before", m)
	}
	if m := get("zh-CN,zh;q=0.9"); !strings.HasPrefix(m, "统一社会信用代码不是有效的") {
		t.Errorf("zh-CN again: %q", m)
	}
	// A batch that aborts says why in the reader's language too, with plural forms.
	abort := e.batchOf(e.send("POST", "/api/v1/entries/"+entry.ID+"/data", pbEditor, "text/csv", []byte(csv),
		http.Header{"Accept-Language": {"zh-CN"}}), pbEditor, http.StatusCreated)
	if abort.Status != pubdata.BatchFailed || abort.Message != "2 行中有 1 行无效，因此未加载任何数据（全部加载或全部不加载）。请更正这些行，或以“跳过错误行”（on_error=skip）方式加载有效的行。" {
		t.Errorf("zh-CN abort: %s %q", abort.Status, abort.Message)
	}
	if got := decode[*pubdata.Batch](t, e.send("GET", "/api/v1/batches/"+abort.ID, pbEditor, "", nil, nil)); !strings.HasPrefix(got.Message, "1 of 2 rows is not valid") {
		t.Errorf("en abort: %q", got.Message)
	}
	if got := decode[*pubdata.Batch](t, e.send("GET", "/api/v1/batches/"+b.ID, pbEditor, "", nil, http.Header{"Accept-Language": {"en"}})); got.Message != "1 row was rejected and skipped (on_error=skip)." {
		t.Errorf("en skip: %q", got.Message)
	}

	// The key rules name the key columns by their titles as well.
	dup := e.batchOf(e.send("POST", "/api/v1/entries/"+entry.ID+"/data?on_error=skip&mode=upsert", pbEditor, "text/csv",
		[]byte("统一社会信用代码,企业名称\n91350100M000100Y43,丙公司\n91350100M000100Y43,丁公司\n"),
		http.Header{"Accept-Language": {"zh-CN"}}), pbEditor, http.StatusCreated)
	if len(dup.Errors) != 1 || !strings.HasPrefix(dup.Errors[0].Message, "键（统一社会信用代码）在本批次中再次出现") {
		t.Errorf("zh-CN key rule: %+v", dup.Errors)
	}

	// The batch page and its CSV report follow the page language.
	session := e.login(pbEditor)
	for lang, want := range map[string]string{web.LangZH: "统一社会信用代码不是有效的统一社会信用代码", web.LangEN: en} {
		w := e.page("GET", "/console/batches/"+b.ID, session, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s batch page: %d, without %q", lang, w.Code, want)
		}
		w = e.page("GET", "/console/batches/"+b.ID+"/report.csv", session, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s report.csv: %d, without %q", lang, w.Code, want)
		}
	}
}
