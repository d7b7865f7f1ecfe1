package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/sqlstore"
)

// Leak tracing (issue 15 item 7): two bodies download a conditionally shared table under
// their grants; a copy of one, cut to 20 % of its rows, reordered and with its columns
// permuted, is traced to that body and its grant; the provider's own copy accuses nobody.
func TestTraceLeak(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			testTraceLeak(t, newEnvOn(t, dsn(t), func(s *Server) {
				s.BatchWait = 5 * time.Minute
				s.BatchDir = t.TempDir()
				s.FingerprintKey = []byte("trace-test-secret-0123456789abcdef")
			}))
		})
	}
}

// traceRows is a table of n enterprises with amounts, prices and staff.
func traceRows(n int) []byte {
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("code,name,amount,price,staff\n")
	for i := range n {
		price := strconv.FormatFloat(float64(1+r.IntN(100000))/100, 'f', -1, 64)
		fmt.Fprintf(&b, "C%05d,企业%d,%d,%s,%d\n", i, i, 1000+r.IntN(900000), price, r.IntN(5000))
	}
	return []byte(b.String())
}

// cutCSV keeps a fifth of a CSV's rows in another order, with its columns in another order.
func cutCSV(t *testing.T, b []byte) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := recs[0], recs[1:]
	r := rand.New(rand.NewPCG(9, 9))
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	rows = rows[:len(rows)/5]
	perm := make([]int, len(head))
	for i := range perm {
		perm[i] = len(head) - 1 - i
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for _, rec := range append([][]string{head}, rows...) {
		nr := make([]string, len(rec))
		for i, p := range perm {
			nr[i] = rec[p]
		}
		w.Write(nr)
	}
	w.Flush()
	return out.Bytes()
}

func testTraceLeak(t *testing.T, e *env) {
	e.srv.MaskPolicies = sqlstore.NewMaskPolicyService(e.db)
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.srv.Fingerprints = sqlstore.NewFingerprintService(e.db)
	b := entryBody("企业经营指标", pubdata.ClassConditional, pubdata.ClassNone)
	b["items"] = []map[string]any{
		{"name": "code", "title": "企业编号", "type": "string", "key": true},
		{"name": "name", "title": "企业名称", "type": "string"},
		{"name": "amount", "title": "营业收入", "type": "integer"},
		{"name": "price", "title": "单价", "type": "number"},
		{"name": "staff", "title": "从业人数", "type": "integer"},
	}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	data := traceRows(1000)
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", data, nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v", bt)
	}
	// The provider keeps staff unmarked.
	fp := "/api/v1/entries/" + en.ID + "/fingerprint"
	if w := e.do(req{method: "PUT", path: fp, as: pbEditor, body: map[string]any{"excluded": []string{"staff"}}}); w.Code != 200 || !strings.Contains(w.Body.String(), `"marked":["amount","price"]`) {
		t.Fatalf("exclude staff: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "PUT", path: fp, as: pbEditor, body: map[string]any{"excluded": []string{"nope"}}}), 400, pubdata.EINVALID)
	if w := e.do(req{path: fp, as: authReviewer}); w.Code != 200 || !strings.Contains(w.Body.String(), `"excluded":["staff"]`) {
		t.Errorf("the authority reads the exclusions: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "PUT", path: fp, as: pbMember, body: map[string]any{"excluded": []string{}}}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "PUT", path: fp, as: authReviewer, body: map[string]any{"excluded": []string{}}}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: fp, as: "xm-scj-member"}), 403, pubdata.EFORBIDDEN)
	grants := map[string]string{}
	for _, consumer := range []string{"xm-scj-member", "fz-scj-member"} {
		entry, err := e.srv.Entries.FindPublishedEntry(system, en.ID)
		if err != nil {
			t.Fatal(err)
		}
		until := e.clock().In(pubdata.ChinaTime).AddDate(0, 0, 30).Format(pubdata.DateFormat)
		app, err := e.srv.Applications.CreateApplication(e.actorCtx(consumer), entry, &pubdata.ApplicationCreate{Entry: en.ID, Kind: pubdata.KindShare,
			Purpose: "市场主体监管", Basis: "《市场主体登记管理条例》", Until: until})
		if err != nil {
			t.Fatal(err)
		}
		if app, err = e.srv.Applications.DecideApplication(e.actorCtx(pbAdmin), app.ID, &pubdata.ApplicationDecision{Decision: "approve"}); err != nil || app.Grant == "" {
			t.Fatalf("approve: %v %+v", err, app)
		}
		grants[consumer] = app.Grant
	}
	download := func(as, format string) []byte {
		t.Helper()
		w := e.do(req{path: "/api/v1/entries/" + en.ID + "/rows?_format=" + format, as: as})
		if w.Code != 200 {
			t.Fatalf("%s download %s: %d %s", as, format, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	own := download(pbMember, "csv")
	if !bytes.Equal(bytes.ReplaceAll(own, []byte("\r\n"), []byte("\n")), data) {
		t.Fatalf("the provider's own download is not the data loaded:\n%.300s", own)
	}
	xm, fz := download("xm-scj-member", "csv"), download("fz-scj-member", "csv")
	if bytes.Equal(xm, own) || bytes.Equal(fz, own) || bytes.Equal(xm, fz) {
		t.Fatal("the bodies' copies are not fingerprinted per body")
	}
	if again := download("xm-scj-member", "csv"); !bytes.Equal(again, xm) {
		t.Error("the same body's two copies differ")
	}
	// Only amount and price moved, by one in the last place; the key, names and staff stand.
	ownRecs, _ := csv.NewReader(bytes.NewReader(own)).ReadAll()
	xmRecs, _ := csv.NewReader(bytes.NewReader(xm)).ReadAll()
	changed := 0
	for i := range ownRecs {
		for j := range ownRecs[i] {
			if ownRecs[i][j] != xmRecs[i][j] {
				changed++
				if j != 2 && j != 3 {
					t.Fatalf("column %s changed: %v → %v", ownRecs[0][j], ownRecs[i], xmRecs[i])
				}
				if len(ownRecs[i][j]) != len(xmRecs[i][j]) || ownRecs[i][j][:len(ownRecs[i][j])-1] != xmRecs[i][j][:len(xmRecs[i][j])-1] {
					t.Fatalf("%s moved beyond its last digit: %s → %s", ownRecs[0][j], ownRecs[i][j], xmRecs[i][j])
				}
			}
		}
	}
	if changed < 300 || changed > 700 {
		t.Errorf("%d cells changed of 2000 markable, want about 500", changed)
	}
	// The read's record names the recipient.
	found := false
	for _, ev := range e.readEvents(en.ID) {
		found = found || (ev.Actor == "xm-scj-member" && ev.Details["fingerprint"] == "org:xm-scj" && ev.Details["grant"] == grants["xm-scj-member"])
	}
	if !found {
		t.Errorf("no read recorded with the fingerprint's recipient: %+v", e.readEvents(en.ID))
	}

	trace := func(as string, file []byte) *httptest.ResponseRecorder {
		t.Helper()
		return e.send("POST", "/api/v1/entries/"+en.ID+"/trace", as, "text/csv", file, nil)
	}
	w := trace(authReviewer, cutCSV(t, xm))
	if w.Code != 200 {
		t.Fatalf("trace: %d %s", w.Code, w.Body)
	}
	rep := decode[web.TraceReport](t, w)
	if rep.Accused == nil || rep.Accused.Recipient != "org:xm-scj" || rep.Accused.OrgName != "厦门市市场监督管理局" ||
		len(rep.Accused.Grants) != 1 || rep.Accused.Grants[0] != grants["xm-scj-member"] || rep.Accused.Adjusted >= 1e-6 || rep.Rows != 200 {
		t.Fatalf("trace of xm's cut copy: %s", w.Body)
	}
	if len(rep.Candidates) != 2 || rep.Candidates[1].Adjusted < 1e-3 {
		t.Errorf("the other body scores: %+v", rep.Candidates)
	}
	// The other body's copy, as NDJSON, to the other body.
	if rep := decode[web.TraceReport](t, trace(authAdmin, download("fz-scj-member", "ndjson"))); rep.Accused == nil || rep.Accused.Recipient != "org:fz-scj" {
		t.Errorf("trace of fz's NDJSON copy: %+v", rep)
	}
	// The portal's download (headed by the items' titles) of the same body, to the same body.
	if w := e.do(req{path: "/downloads/" + en.ID + "/csv", as: "xm-scj-member"}); w.Code != 200 || !strings.Contains(w.Body.String(), "营业收入") {
		t.Errorf("portal download: %d %.200s", w.Code, w.Body)
	} else if rep := decode[web.TraceReport](t, trace(authReviewer, cutCSV(t, w.Body.Bytes()))); rep.Accused == nil || rep.Accused.Recipient != "org:xm-scj" {
		t.Errorf("trace of xm's portal copy: %+v", rep)
	}
	// The provider's own copy accuses nobody.
	if rep := decode[web.TraceReport](t, trace(authReviewer, cutCSV(t, own))); rep.Accused != nil {
		t.Errorf("the provider's copy accuses %+v", rep.Accused)
	}
	var traced int
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "fingerprint.trace", Object: "entry:" + en.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	traced = len(evs)
	if traced != 4 {
		t.Errorf("%d traces recorded, want 4", traced)
	}
	// Who may not trace: the recipients, the provider, an authority's member, anonymous.
	for _, as := range []string{"xm-scj-member", pbAdmin, authMember} {
		if w := trace(as, cutCSV(t, xm)); w.Code != 403 {
			t.Errorf("%s traces: %d %s", as, w.Code, w.Body)
		}
	}
	if w := trace(anonymous, cutCSV(t, xm)); w.Code != 401 {
		t.Errorf("anonymous traces: %d", w.Code)
	}
	if w := trace(authReviewer, []byte("\x00\x01 not a table")); w.Code != 400 {
		t.Errorf("a file that is no table: %d %s", w.Code, w.Body)
	}

	// The console page: the authority picks the entry and uploads the copy, in both languages.
	e.srv.Fingerprints = sqlstore.NewFingerprintService(e.db)
	leak := cutCSV(t, xm)
	for _, lang := range []string{"zh-CN", "en"} {
		c := e.login(authReviewer)
		w := e.page("GET", "/console/trace", c, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `<option value="`+en.ID+`"`) || !strings.Contains(w.Body.String(), `href="/console/trace"`) {
			t.Fatalf("%s: trace page: %d %s", lang, w.Code, w.Body)
		}
		checkPage(t, w.Body.String(), lang)
		w = e.upload("/console/trace", c, "", lang, "leak.csv", leak, map[string]string{"entry": en.ID})
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, `id="trace-accused"`) || !strings.Contains(body, "厦门市市场监督管理局 (<code>xm-scj</code>)") || !strings.Contains(body, grants["xm-scj-member"]) {
			t.Fatalf("%s: trace report: %d %s", lang, w.Code, body)
		}
		checkPage(t, body, lang)
		// No file, no entry: the form's errors.
		if w := e.upload("/console/trace", c, "", lang, "", nil, map[string]string{"entry": ""}); w.Code != 400 || !strings.Contains(w.Body.String(), `id="trace-file-error"`) || !strings.Contains(w.Body.String(), `id="trace-entry-error"`) {
			t.Errorf("%s: empty form: %d %s", lang, w.Code, w.Body)
		}
	}
	for _, who := range []string{"xm-scj-member", pbAdmin, authMember} {
		c := e.login(who)
		if w := e.page("GET", "/console/trace", c, "", nil); w.Code != 403 || strings.Contains(w.Body.String(), `action="/console/trace"`) {
			t.Errorf("%s sees the trace page: %d", who, w.Code)
		}
		if w := e.upload("/console/trace", c, "", "", "leak.csv", leak, map[string]string{"entry": en.ID}); w.Code != 403 || strings.Contains(w.Body.String(), "trace-accused") {
			t.Errorf("%s traces on the page: %d", who, w.Code)
		}
		if w := e.page("GET", "/console", c, "", nil); strings.Contains(w.Body.String(), `href="/console/trace"`) {
			t.Errorf("%s is offered the trace page", who)
		}
	}
}
