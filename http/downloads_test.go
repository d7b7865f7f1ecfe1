package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// TestDownloadsWholeTable (issue 11 item 3): /downloads/{id}/{format} is the whole table
// the caller may read, streamed: JSON holds every row (not a page of 100 and a cursor),
// CSV starts with a BOM unless bom=0, columns are headed by titles unless header=names.
func TestDownloadsWholeTable(t *testing.T) {
	e := newAccessEnv(t)
	b := entryBody("全市公园名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "code", "title": "公园编号", "type": "string", "key": true},
		{"name": "name", "title": "公园名称", "type": "string"},
		{"name": "area", "title": "面积（公顷）", "type": "number"},
	}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	var csv strings.Builder
	csv.WriteString("code,name,area\n")
	const n = 250
	for i := range n {
		fmt.Fprintf(&csv, "P%04d,公园%d,%d.5\n", i, i, i)
	}
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(csv.String()), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v", bt)
	}
	get := func(path string) *bytes.Buffer {
		t.Helper()
		w := e.do(req{path: path})
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", path, w.Code, w.Body)
		}
		return w.Body
	}
	dl := "/downloads/" + en.ID
	var rows []map[string]any
	if err := json.Unmarshal(get(dl+"/json").Bytes(), &rows); err != nil || len(rows) != n {
		t.Fatalf("JSON download: %d rows, %v", len(rows), err)
	}
	if rows[0]["公园名称"] == nil {
		t.Errorf("JSON download is not keyed by titles: %v", rows[0])
	}
	if err := json.Unmarshal(get(dl+"/json?header=names").Bytes(), &rows); err != nil || len(rows) != n || rows[0]["name"] == nil {
		t.Errorf("JSON download by names: %d rows, %v", len(rows), err)
	}
	body := get(dl + "/csv").String()
	if !strings.HasPrefix(body, "\uFEFF公园编号,公园名称,面积（公顷）\r\n") || strings.Count(body, "\n") != n+1 {
		t.Errorf("CSV download: %.80q, %d lines", body, strings.Count(body, "\n"))
	}
	if body := get(dl + "/csv?bom=0&header=names").String(); !strings.HasPrefix(body, "code,name,area\r\n") {
		t.Errorf("CSV without BOM, by names: %.40q", body)
	}
	if body := get(dl + "/ndjson").String(); strings.Count(body, "\n") != n || !strings.Contains(body, `"name":"公园0"`) {
		t.Errorf("NDJSON download: %d lines", strings.Count(body, "\n"))
	}
	if body := get(dl + "/xlsx").Bytes(); !bytes.HasPrefix(body, []byte("PK")) {
		t.Error("XLSX download is not a zip")
	}
	for _, bad := range []string{"/csv?bom=yes", "/csv?header=both"} {
		if w := e.do(req{path: dl + bad, header: http.Header{"Accept-Language": {"zh-CN"}}}); w.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, w.Code)
		}
	}
	// The entry page offers the four downloads, with no guessed sizes.
	w := e.do(req{path: "/catalog/" + en.ID})
	for _, f := range []string{"csv", "xlsx", "json", "ndjson"} {
		if !strings.Contains(w.Body.String(), `href="`+dl+`/`+f+`"`) {
			t.Errorf("the entry page does not offer %s", f)
		}
	}
	if strings.Contains(w.Body.String(), `class="size"`) {
		t.Error("the entry page shows a guessed size")
	}
}

// TestDownloadsNeutraliseFormulas (issue 12 item 6): the pages' CSV download, meant for
// spreadsheets, keeps a cell from running as a formula; the API's CSV stays exact.
func TestDownloadsNeutraliseFormulas(t *testing.T) {
	e := newAccessEnv(t)
	b := entryBody("意见反馈", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "code", "title": "编号", "type": "string", "key": true},
		{"name": "text", "title": "内容", "type": "string"},
		{"name": "n", "title": "数量", "type": "integer"},
	}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	body := "code,text,n\nA1,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",-5\nA2,@SUM(1),3\nA3,plain,1\n"
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(body), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v", bt)
	}
	page := e.do(req{path: "/downloads/" + en.ID + "/csv"}).Body.String()
	if !strings.Contains(page, `"'=HYPERLINK(`) || !strings.Contains(page, "'@SUM(1)") || !strings.Contains(page, ",-5") || strings.Contains(page, "'plain") {
		t.Errorf("the page's CSV: %q", page)
	}
	api := e.do(req{path: "/api/v1/entries/" + en.ID + "/rows?_format=csv"}).Body.String()
	if strings.Contains(api, "'=") || !strings.Contains(api, `"=HYPERLINK(`) {
		t.Errorf("the API's CSV is not exact: %q", api)
	}
}
