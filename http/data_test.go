package http

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// residentID returns a valid resident ID number of Fuzhou Gulou (350102).
func residentID(birth string, seq int) string {
	return ident.CompleteResidentID(fmt.Sprintf("350102%s%03d", birth, seq))
}

// personBody is a table of persons keyed by resident ID number.
func personBody(title, open string) map[string]any {
	b := entryBody(title, pubdata.ClassUnconditional, open)
	b["items"] = []map[string]any{
		{"name": "id_no", "title": "身份证号", "type": "string", "key": true, "element": "resident_id", "personal": true},
		{"name": "name", "title": "姓名", "type": "string"},
		{"name": "age", "title": "年龄", "type": "integer"},
		{"name": "city", "title": "城市", "type": "string"},
		{"name": "reg_date", "title": "登记日期", "type": "date"},
	}
	return b
}

// newDataEnv is an env whose load requests wait for their batches (so that replies are
// final) and keep uploads in a test folder.
func newDataEnv(t *testing.T) *env {
	return newEnvWith(t, func(s *Server) {
		s.BatchWait = 5 * time.Minute
		s.BatchDir = t.TempDir()
	})
}

// send runs a request with a raw body and content type as the user.
func (e *env) send(method, path, as, contentType string, body []byte, header http.Header) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if as != "" {
		r.Header.Set("Authorization", "Bearer "+e.tokens[as])
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// batchOf decodes a batch reply, following a running batch until it ends.
func (e *env) batchOf(w *httptest.ResponseRecorder, as string, want int) *pubdata.Batch {
	e.t.Helper()
	if w.Code != want && !(w.Code == http.StatusAccepted && want == http.StatusCreated) {
		e.t.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
	}
	b := decode[*pubdata.Batch](e.t, w)
	for i := 0; b.Status == pubdata.BatchRunning && i < 6000; i++ {
		time.Sleep(10 * time.Millisecond)
		b = decode[*pubdata.Batch](e.t, e.do(req{path: "/api/v1/batches/" + b.ID, as: as}))
	}
	return b
}

// rowsOf returns the items of a JSON rows page and its next cursor.
func (e *env) rowsOf(path, as string) ([]map[string]any, string) {
	e.t.Helper()
	w := e.do(req{path: path, as: as})
	if w.Code != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	var page struct {
		Items []map[string]any `json:"items"`
		Next  *string          `json:"next"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || page.Items == nil || page.Next == nil {
		e.t.Fatalf("GET %s: not a rows page (%v): %s", path, err, w.Body)
	}
	return page.Items, *page.Next
}

func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{0x84, 0x31, 0x95, 0x33}, b...)
}

func TestDataLoadQueryAndHistory(t *testing.T) {
	e := newDataEnv(t)
	entry := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	base := "/api/v1/entries/" + entry.ID
	ids := []string{residentID("19800101", 1), residentID("19900215", 2), residentID("19751231", 3), residentID("20000606", 4), residentID("19850505", 5)}
	bad1, bad2 := ids[0][:17]+"0", "35010219800101001" // wrong check character; too short
	if bad1 == ids[0] {
		bad1 = ids[0][:17] + "1"
	}
	csv := "身份证号,姓名,年龄,城市,登记日期\r\n" +
		ids[0] + ",张三,44,福州,2024-01-02\r\n" +
		"\r\n" +
		ids[1] + ",李四,34,厦门,2024/1/3\r\n" +
		bad1 + ",坏甲,50,福州,2024-01-04\r\n" +
		ids[2] + ",王五,48,福州,2024-01-05\r\n" +
		"\r\n" +
		bad2 + ",坏乙,20,泉州,2024-01-06\r\n" +
		ids[3] + ",赵六,24,泉州,2024-01-07\r\n" +
		ids[4] + ",钱七,39,福州,2024-01-08\r\n"

	// A GB18030 file with a BOM, Chinese headers and blank lines; the bad ID numbers are
	// reported with their rows, the rest loads.
	first := e.batchOf(e.send("POST", base+"/data?on_error=skip", pbEditor, "text/csv", gb18030(t, csv), nil), pbEditor, http.StatusCreated)
	if first.Status != pubdata.BatchDone || first.RowsLoaded != 5 || first.RowsRejected != 2 || first.Source != pubdata.SourcePush || first.Format != "csv" {
		t.Fatalf("first batch: %+v", first)
	}
	var badRows []int64
	for i, re := range first.Errors {
		// The provider's editor reads its own rejected values in clear (issue 12 item 9).
		if re.Column != "id_no" || re.Code == "" || re.Message == "" || re.Value != []string{bad1, bad2}[min(i, 1)] {
			t.Errorf("row error %+v: want column id_no, a code, a message and the value as sent", re)
		}
		badRows = append(badRows, re.Row)
	}
	// The covering authority reads them masked.
	for i, re := range e.batchOf(e.do(req{path: "/api/v1/batches/" + first.ID, as: authReviewer}), authReviewer, http.StatusOK).Errors {
		if strings.Contains(re.Value, "19800101") || re.Value != ident.Mask([]string{bad1, bad2}[min(i, 1)]) {
			t.Errorf("row error for the authority %+v: want the value masked", re)
		}
	}
	if !slices.Equal(badRows, []int64{5, 8}) {
		t.Errorf("bad rows %v, want [5 8] (the header is row 1, blank lines count): %+v", badRows, first.Errors)
	}

	// Filters, sort, fields.
	items, next := e.rowsOf(base+"/rows?city=福州&_sort=-age&_fields=name,age", anonymous)
	if len(items) != 3 || items[0]["name"] != "王五" || items[0]["age"] != 48.0 || items[2]["name"] != "钱七" || len(items[0]) != 2 || next != "" {
		t.Errorf("filtered rows: %v next %q", items, next)
	}
	items, _ = e.rowsOf(base+"/rows?age__gte=39&reg_date__lt=2024-01-08&_sort=reg_date", anonymous)
	if len(items) != 2 || items[0]["name"] != "张三" || items[1]["reg_date"] != "2024-01-05" {
		t.Errorf("range rows: %v", items)
	}
	// The key is a personal item, masked for the public (issue 5): the provider looks rows up
	// by it, the public may not probe it.
	items, _ = e.rowsOf(base+"/rows?_key="+ids[1], pbEditor)
	if len(items) != 1 || items[0]["name"] != "李四" || items[0]["reg_date"] != "2024-01-03" {
		t.Errorf("row by key: %v", items)
	}
	wantError(t, e.do(req{path: base + "/rows?_key=" + ids[1]}), http.StatusForbidden, pubdata.EFORBIDDEN)
	items, _ = e.rowsOf(base+"/rows?_q=六", anonymous)
	if len(items) != 1 || items[0]["name"] != "赵六" {
		t.Errorf("full text: %v", items)
	}

	// Keyset pagination through next, sorted and not.
	for _, sort := range []string{"", "&_sort=city,-age"} {
		var seen []string
		path := base + "/rows?_limit=2" + sort
		for pages := 0; path != "" && pages < 10; pages++ {
			items, next := e.rowsOf(path, pbEditor) // the provider reads the key in clear
			for _, it := range items {
				seen = append(seen, it["id_no"].(string))
			}
			path = ""
			if next != "" {
				path = base + "/rows?_limit=2" + sort + "&_cursor=" + url.QueryEscape(next)
			}
		}
		s := slices.Clone(seen)
		slices.Sort(s)
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(s, want) {
			t.Errorf("pages%s: %v, want each of %v once", sort, seen, ids)
		}
	}

	// Bad filters name the column.
	for _, tc := range []struct{ query, field string }{
		{"age=abc", "age"}, {"nope=1", "nope"}, {"age__near=1", "age__near"}, {"_sort=nope", "_sort"}, {"_format=pdf", "_format"}, {"_as_of=nope", "_as_of"},
	} {
		w := e.do(req{path: base + "/rows?" + tc.query})
		wantError(t, w, http.StatusBadRequest, "invalid")
		if !strings.Contains(w.Body.String(), tc.field) {
			t.Errorf("%s: error does not name %s: %s", tc.query, tc.field, w.Body)
		}
	}

	// Downloads: CSV (with a BOM when asked), NDJSON, XLSX.
	w := e.do(req{path: base + "/rows?_format=csv&_bom=1&_sort=age"})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", w.Code, w.Header())
	}
	body := w.Body.String()
	if !strings.HasPrefix(body, "\ufeff") || strings.Count(strings.TrimSpace(body), "\n") != 5 || !strings.Contains(body, "赵六") {
		t.Errorf("csv body: %q", body)
	}
	w = e.do(req{path: base + "/rows?_format=ndjson&city=福州"})
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if w.Code != 200 || len(lines) != 3 {
		t.Fatalf("ndjson: %d %s", w.Code, w.Body)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["city"] != "福州" {
			t.Errorf("ndjson line %q: %v", l, err)
		}
	}
	w = e.do(req{path: base + "/rows?_format=xlsx", as: pbEditor})
	if w.Code != 200 {
		t.Fatalf("xlsx: %d %s", w.Code, w.Body)
	}
	xf, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := xf.GetRows(xf.GetSheetName(0))
	if err != nil || len(xrows) < 6 || !slices.Contains(xrows[len(xrows)-1], ids[4]) {
		t.Errorf("xlsx rows %v: %v", xrows, err)
	}

	// Upsert from JSON; _as_of the first batch shows the old values.
	upd, _ := json.Marshal([]map[string]any{{"id_no": ids[0], "name": "张三丰", "age": 45, "city": "福州", "reg_date": "2024-02-01"}})
	second := e.batchOf(e.send("POST", base+"/data?mode=upsert", pbEditor, "application/json", upd, nil), pbEditor, http.StatusCreated)
	if second.Status != pubdata.BatchDone || second.RowsLoaded != 1 || second.RowsSuperseded != 1 {
		t.Fatalf("upsert: %+v", second)
	}
	if items, _ := e.rowsOf(base+"/rows?_key="+ids[0], pbEditor); len(items) != 1 || items[0]["name"] != "张三丰" {
		t.Errorf("after upsert: %v", items)
	}
	if items, _ := e.rowsOf(base+"/rows?_key="+ids[0]+"&_as_of="+first.ID, pbEditor); len(items) != 1 || items[0]["name"] != "张三" {
		t.Errorf("as of the first batch: %v", items)
	}

	// Rollback restores; only the provider may.
	for _, as := range []string{authAdmin, pbMember, "fz-scj-member"} {
		w := e.do(req{method: "POST", path: "/api/v1/batches/" + second.ID + "/rollback", as: as, body: map[string]string{"reason": "x"}})
		if w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
			t.Errorf("rollback as %s: %d %s", as, w.Code, w.Body)
		}
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/batches/" + second.ID + "/rollback", body: map[string]string{"reason": "x"}}), http.StatusUnauthorized, "unauthorized")
	rb := e.batchOf(e.do(req{method: "POST", path: "/api/v1/batches/" + second.ID + "/rollback", as: pbEditor, body: map[string]string{"reason": "姓名录入错误"}}), pbEditor, http.StatusCreated)
	if rb.Status != pubdata.BatchDone || rb.RollbackOf != second.ID {
		t.Errorf("rollback: %+v", rb)
	}
	if items, _ := e.rowsOf(base+"/rows?_key="+ids[0], pbEditor); len(items) != 1 || items[0]["name"] != "张三" {
		t.Errorf("after rollback: %v", items)
	}
	if b := decode[*pubdata.Batch](t, e.do(req{path: "/api/v1/batches/" + second.ID, as: pbMember})); b.Status != pubdata.BatchRolledBack {
		t.Errorf("rolled-back batch: %+v", b)
	}

	// Idempotency-Key: the repeat returns the batch without loading again.
	nd := []byte(`{"id_no":"` + residentID("19950303", 6) + `","name":"孙八","age":29,"city":"莆田","reg_date":"2024-03-03"}` + "\n")
	key := http.Header{"Idempotency-Key": {"load-2024-03-03"}}
	once := e.batchOf(e.send("POST", base+"/data", pbEditor, "application/x-ndjson", nd, key), pbEditor, http.StatusCreated)
	again := e.batchOf(e.send("POST", base+"/data", pbEditor, "application/x-ndjson", nd, key), pbEditor, http.StatusOK)
	if once.Status != pubdata.BatchDone || again.ID != once.ID {
		t.Errorf("idempotent repeat: %+v then %+v", once, again)
	}
	if items, _ := e.rowsOf(base+"/rows?city=莆田", anonymous); len(items) != 1 {
		t.Errorf("after the repeat: %v", items)
	}

	// The table's figures and freshness; the batches (provider and authority only).
	tbl := decode[map[string]any](t, e.do(req{path: base + "/table", as: anonymous}))
	fresh, _ := tbl["freshness"].(map[string]any)
	if tbl["rows"] != 6.0 || fresh["status"] != "fresh" || tbl["last_batch"] != once.ID {
		t.Errorf("table: %v", tbl)
	}
	list := decode[web.ListReply[*pubdata.Batch]](t, e.do(req{path: base + "/batches", as: authReviewer}))
	if len(list.Items) != 4 || list.Items[0].ID != once.ID {
		t.Errorf("batches: %+v", list)
	}
	wantError(t, e.do(req{path: base + "/batches", as: citizen}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{path: "/api/v1/batches/" + once.ID, as: "fz-scj-member"}), http.StatusNotFound, "not_found")

	// Purge: an authority's admin only, with a reason.
	purge := base + "/purge"
	wantError(t, e.do(req{method: "POST", path: purge, as: pbAdmin, body: map[string]string{"batch": rb.ID, "reason": "到期"}}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: purge, as: authEditor, body: map[string]string{"batch": rb.ID, "reason": "到期"}}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: purge, body: map[string]string{"batch": rb.ID, "reason": "到期"}}), http.StatusUnauthorized, "unauthorized")
	w = e.do(req{method: "POST", path: purge, as: authAdmin, body: map[string]string{"batch": rb.ID}})
	wantError(t, w, http.StatusBadRequest, "invalid")
	if errorFieldsOf(t, w.Body.Bytes())["reason"] == "" {
		t.Errorf("purge without reason: %s", w.Body)
	}
	w = e.do(req{method: "POST", path: purge, as: authAdmin, body: map[string]string{"batch": rb.ID, "reason": "历史数据超过保存期限"}})
	if w.Code != 200 || decode[map[string]any](t, w)["rows_purged"].(float64) < 1 {
		t.Errorf("purge: %d %s", w.Code, w.Body)
	}
}

func TestDataFileErrorsAndRetry(t *testing.T) {
	e := newDataEnv(t)
	entry := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	base := "/api/v1/entries/" + entry.ID
	a, b := residentID("19800101", 1), residentID("19900215", 2)

	// A column the table does not have: 400 naming it; the batch exists, failed.
	w := e.send("POST", base+"/data", pbEditor, "text/csv", []byte("身份证号,姓名,颜色\n"+a+",张三,红\n"), nil)
	wantError(t, w, http.StatusBadRequest, "invalid")
	if !strings.Contains(w.Body.String(), "颜色") {
		t.Errorf("unknown column not named: %s", w.Body)
	}
	list := decode[web.ListReply[*pubdata.Batch]](t, e.do(req{path: base + "/batches", as: pbEditor}))
	if len(list.Items) != 1 || list.Items[0].Status != pubdata.BatchFailed || !strings.Contains(list.Items[0].Message, "颜色") {
		t.Errorf("batches after a file error: %+v", list.Items)
	}
	// Not a data file at all: no batch.
	wantError(t, e.send("POST", base+"/data", pbEditor, "application/pdf", []byte("%PDF-1.7"), nil), http.StatusBadRequest, "invalid")
	wantError(t, e.send("POST", base+"/data", pbEditor, "text/csv", nil, nil), http.StatusBadRequest, "invalid")
	wantError(t, e.send("POST", base+"/data?mode=merge", pbEditor, "text/csv", []byte("x"), nil), http.StatusBadRequest, "invalid")

	// A multipart upload of a file whose second row is already in the table (append): the
	// batch fails as a whole and writes nothing; once the row is deleted, a retry of the same
	// batch loads it.
	if got := e.batchOf(e.send("PUT", base+"/rows/"+b, pbEditor, "application/json", []byte(`{"姓名":"李四","age":34}`), nil), pbEditor, http.StatusCreated); got.Status != pubdata.BatchDone {
		t.Fatalf("put: %+v", got)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("mode", "append")
	fw, _ := mw.CreateFormFile("file", "人口.csv")
	fmt.Fprintf(fw, "id_no,name,age\n%s,张三,44\n%s,李四,34\n", a, b)
	mw.Close()
	failed := e.batchOf(e.send("POST", base+"/data", pbEditor, mw.FormDataContentType(), mp.Bytes(), nil), pbEditor, http.StatusCreated)
	if failed.Status != pubdata.BatchFailed || len(failed.Errors) != 1 || failed.Errors[0].Code != pubdata.RuleExists || failed.Errors[0].Row != 3 || failed.FileName != "人口.csv" {
		t.Fatalf("append over an existing key: %+v", failed)
	}
	if items, _ := e.rowsOf(base+"/rows", pbEditor); len(items) != 1 {
		t.Errorf("a failed batch wrote: %v", items)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/batches/" + failed.ID + "/retry", as: "fz-scj-member"}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/batches/" + failed.ID + "/retry", as: pbMember}), http.StatusForbidden, "forbidden")
	del := e.batchOf(e.do(req{method: "DELETE", path: base + "/rows/" + b, as: pbEditor}), pbEditor, http.StatusCreated)
	if del.Status != pubdata.BatchDone || del.RowsSuperseded != 1 {
		t.Fatalf("delete: %+v", del)
	}
	retried := e.batchOf(e.do(req{method: "POST", path: "/api/v1/batches/" + failed.ID + "/retry", as: pbEditor}), pbEditor, http.StatusOK)
	if retried.ID != failed.ID || retried.Status != pubdata.BatchDone || retried.RowsLoaded != 2 || retried.Attempts != 2 {
		t.Errorf("retry: %+v", retried)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/batches/" + failed.ID + "/retry", as: pbEditor}), http.StatusConflict, "conflict")
	if items, _ := e.rowsOf(base+"/rows?_sort=age", pbEditor); len(items) != 2 || items[0]["name"] != "李四" {
		t.Errorf("after retry: %v", items)
	}
}

func TestDataPushRows(t *testing.T) {
	e := newDataEnv(t)
	entry := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	base := "/api/v1/entries/" + entry.ID
	id := residentID("19800101", 1)

	put := func(as, key, body string, header http.Header) *httptest.ResponseRecorder {
		return e.send("PUT", base+"/rows/"+key, as, "application/json", []byte(body), header)
	}
	b := e.batchOf(put(pbEditor, id, `{"id_no":"`+id+`","name":"张三","age":44,"city":"福州","reg_date":"2024-01-02"}`, http.Header{"Idempotency-Key": {"k1"}}), pbEditor, http.StatusCreated)
	if b.Status != pubdata.BatchDone || b.Source != pubdata.SourcePush || b.RowsLoaded != 1 {
		t.Fatalf("put: %+v", b)
	}
	if again := e.batchOf(put(pbEditor, id, `{"name":"别的"}`, http.Header{"Idempotency-Key": {"k1"}}), pbEditor, http.StatusOK); again.ID != b.ID {
		t.Errorf("idempotent put: %+v", again)
	}
	e.batchOf(put(pbEditor, id, `{"name":"张三","age":45}`, nil), pbEditor, http.StatusCreated)
	if items, _ := e.rowsOf(base+"/rows?key="+id, pbEditor); len(items) != 1 || items[0]["age"] != 45.0 || items[0]["city"] != nil {
		t.Errorf("after put: %v", items)
	}
	for _, tc := range []struct {
		name, as, key, body string
		status              int
		code                string
	}{
		{"key mismatch", pbEditor, id, `{"id_no":"` + residentID("19900215", 2) + `","name":"x"}`, 400, "invalid"},
		{"bad value", pbEditor, id, `{"age":"old"}`, 400, "invalid"},
		{"bad key", pbEditor, "123", `{"name":"x"}`, 400, "invalid"},
		{"not an object", pbEditor, id, `[1]`, 400, "invalid"},
		{"anonymous", anonymous, id, `{"name":"x"}`, 401, "unauthorized"},
		{"another org", "fz-scj-member", id, `{"name":"x"}`, 403, "forbidden"},
		{"the authority", authAdmin, id, `{"name":"x"}`, 403, "forbidden"},
		{"a member", pbMember, id, `{"name":"x"}`, 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, put(tc.as, tc.key, tc.body, nil), tc.status, tc.code)
		})
	}
	if w := put(pbEditor, id, `{"age":"old"}`, nil); !strings.Contains(w.Body.String(), "age") {
		t.Errorf("bad value not named: %s", w.Body)
	}
	wantError(t, e.do(req{method: "DELETE", path: base + "/rows/" + id, as: "fz-scj-member"}), http.StatusForbidden, "forbidden")
	del := e.batchOf(e.do(req{method: "DELETE", path: base + "/rows/" + id, as: pbEditor}), pbEditor, http.StatusCreated)
	if del.Status != pubdata.BatchDone {
		t.Fatalf("delete: %+v", del)
	}
	if items, _ := e.rowsOf(base+"/rows", anonymous); len(items) != 0 {
		t.Errorf("after delete: %v", items)
	}
	gone := e.batchOf(e.do(req{method: "DELETE", path: base + "/rows/" + id, as: pbEditor}), pbEditor, http.StatusCreated)
	if gone.Status != pubdata.BatchFailed || len(gone.Errors) != 1 || gone.Errors[0].Code != pubdata.RuleNotFound {
		t.Errorf("delete of a missing row: %+v", gone)
	}
}

func TestDataAccess(t *testing.T) {
	e := newDataEnv(t)
	open := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	closed := e.publish(pbEditor, e.createEntry(pbEditor, personBody("户籍人口信息", pubdata.ClassNone)).ID)
	cond := e.publish(pbEditor, e.createEntry(pbEditor, personBody("流动人口信息", pubdata.ClassConditional)).ID)
	csv := []byte("id_no,name\n" + residentID("19800101", 1) + ",张三\n")
	for _, en := range []*pubdata.Entry{open, closed, cond} {
		if b := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", csv, nil), pbEditor, http.StatusCreated); b.Status != pubdata.BatchDone {
			t.Fatalf("load %s: %+v", en.Title, b)
		}
	}
	// Loading: the provider's admins and editors only.
	for _, tc := range []struct {
		as     string
		status int
	}{{anonymous, 401}, {citizen, 403}, {pbMember, 403}, {pbReviewer, 403}, {authAdmin, 403}, {"fz-scj-member", 403}, {pbAdmin, 201}} {
		w := e.send("POST", "/api/v1/entries/"+open.ID+"/data?mode=upsert", tc.as, "text/csv", csv, nil)
		if w.Code != tc.status {
			t.Errorf("load as %q: %d, want %d: %s", tc.as, w.Code, tc.status, w.Body)
		}
	}
	// The closed entry: invisible to the public (404), readable by the provider and the
	// authority; others who see it in the catalogue but may not read it get 403.
	for _, tc := range []struct {
		entry  *pubdata.Entry
		as     string
		status int
	}{
		{closed, anonymous, 404}, {closed, citizen, 404}, {closed, pbMember, 200}, {closed, authMember, 200},
		{closed, "fz-scj-member", 403}, {cond, anonymous, 403}, {cond, citizen, 403}, {open, anonymous, 200}, {open, citizen, 200},
	} {
		for _, path := range []string{"/rows", "/rows?_format=csv"} {
			w := e.do(req{path: "/api/v1/entries/" + tc.entry.ID + path, as: tc.as})
			if w.Code != tc.status {
				t.Errorf("%s%s as %q: %d, want %d: %s", tc.entry.Title, path, tc.as, w.Code, tc.status, w.Body)
			}
		}
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + closed.ID + "/data", as: citizen}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{path: "/api/v1/entries/nope/rows"}), http.StatusNotFound, "not_found")
}

func TestDataCKAN(t *testing.T) {
	e := newDataEnv(t)
	open := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	closed := e.publish(pbEditor, e.createEntry(pbEditor, personBody("户籍人口信息", pubdata.ClassNone)).ID)
	var csv strings.Builder
	csv.WriteString("id_no,name,age,city\n")
	for i := 1; i <= 12; i++ {
		city := "福州"
		if i%3 == 0 {
			city = "厦门"
		}
		fmt.Fprintf(&csv, "%s,人%02d,%d,%s\n", residentID("19800101", i), i, 20+i, city)
	}
	for _, en := range []*pubdata.Entry{open, closed} {
		e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(csv.String()), nil), pbEditor, http.StatusCreated)
	}
	var ds struct {
		Fields  []map[string]any `json:"fields"`
		Records []map[string]any `json:"records"`
		Total   int              `json:"total"`
	}
	r := e.ckan(200, anonymous, "datastore_search", url.Values{"resource_id": {open.ID}, "filters": {`{"city":"厦门"}`}, "sort": {"age desc"}, "limit": {"3"}})
	json.Unmarshal(r.Result, &ds)
	if ds.Total != 4 || len(ds.Records) != 3 || ds.Records[0]["name"] != "人12" || !(ds.Records[0]["_id"].(float64) > 0) || ds.Fields[0]["id"] != "_id" {
		t.Errorf("datastore_search: %s", r.Result)
	}
	r = e.ckan(200, anonymous, "datastore_search", url.Values{"resource_id": {open.ID}, "q": {"人1"}, "fields": {"name"}, "offset": {"1"}, "limit": {"10"}})
	ds.Records = nil
	json.Unmarshal(r.Result, &ds)
	if ds.Total != 3 || len(ds.Records) != 2 || len(ds.Records[0]) != 1 || ds.Records[0]["_id"] != nil { // fields without _id: none, as CKAN
		t.Errorf("datastore_search q: %s", r.Result)
	}
	e.ckan(409, anonymous, "datastore_search", url.Values{"resource_id": {open.ID}, "filters": {`{"colour":"red"}`}})
	e.ckan(409, anonymous, "datastore_search", url.Values{"resource_id": {open.ID}, "sort": {"age sideways"}})
	e.ckan(404, anonymous, "datastore_search", url.Values{"resource_id": {closed.ID}})
	e.ckan(404, pbMember, "datastore_search", url.Values{"resource_id": {closed.ID}})

	w := e.do(req{path: "/datastore/dump/" + open.ID + "?bom=true"})
	sc := bufio.NewScanner(bytes.NewReader(w.Body.Bytes()))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || len(lines) != 13 || !strings.HasPrefix(lines[0], "\ufeff_id,id_no,name") {
		t.Errorf("dump csv: %d %v %q", w.Code, w.Header(), lines)
	}
	w = e.do(req{path: "/datastore/dump/" + open.ID + "?format=json&limit=2"})
	var dump struct {
		Fields  []map[string]any `json:"fields"`
		Records [][]any          `json:"records"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &dump); err != nil || len(dump.Records) != 2 || !(dump.Records[1][0].(float64) > dump.Records[0][0].(float64)) || len(dump.Fields) != 6 {
		t.Errorf("dump json: %v %s", err, w.Body)
	}
	if w := e.do(req{path: "/datastore/dump/" + closed.ID}); w.Code != 404 {
		t.Errorf("dump of a closed entry: %d", w.Code)
	}
}

func TestDataUploadLimit(t *testing.T) {
	e := newEnvWith(t, func(s *Server) {
		s.BatchWait = 5 * time.Minute
		s.BatchDir = t.TempDir()
		s.MaxBodyBytes, s.MaxUploadBytes = 2000, 8000
	})
	entry := e.publish(pbEditor, e.createEntry(pbEditor, personBody("人口登记信息", pubdata.ClassUnconditional)).ID)
	var csv strings.Builder
	csv.WriteString("id_no,name\n")
	for i := 1; csv.Len() < 5000; i++ {
		fmt.Fprintf(&csv, "%s,人%d\n", residentID("19800101", i), i)
	}
	// Over the JSON limit but within the upload limit: loaded.
	b := e.batchOf(e.send("POST", "/api/v1/entries/"+entry.ID+"/data", pbEditor, "text/csv", []byte(csv.String()), nil), pbEditor, http.StatusCreated)
	if b.Status != pubdata.BatchDone || b.RowsLoaded < 100 {
		t.Errorf("upload within the limit: %+v", b)
	}
	big := []byte(csv.String() + csv.String())
	wantError(t, e.send("POST", "/api/v1/entries/"+entry.ID+"/data", pbEditor, "text/csv", big, nil), http.StatusRequestEntityTooLarge, "too_large")
	// Without a Content-Length the limit holds while reading.
	r := httptest.NewRequest("POST", "/api/v1/entries/"+entry.ID+"/data", struct{ io.Reader }{bytes.NewReader(big)})
	r.ContentLength = -1
	r.Header.Set("Content-Type", "text/csv")
	r.Header.Set("Authorization", "Bearer "+e.tokens[pbEditor])
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	wantError(t, w, http.StatusRequestEntityTooLarge, "too_large")
	// Other routes keep the body limit.
	wantError(t, e.send("PUT", "/api/v1/entries/"+entry.ID+"/rows/"+residentID("19800101", 1), pbEditor, "application/json", []byte(`{"name":"`+strings.Repeat("长", 1000)+`"}`), nil), http.StatusRequestEntityTooLarge, "too_large")
}
