package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/sqlstore"
)

// Development spaces and products over HTTP (issue 16 items 3 and 4): the whole flow for the
// developer, the provider and the authority, and the forbidden cases — a developer cannot
// decide, nobody works in another's space, a suspended, pending or ended space refuses
// work, rows only where the space allows them.

const (
	devEditor = "dev-editor" // company fz-dev (350100)
	othEditor = "oth-editor" // company xm-dev (350200)
)

func newDevSpaceEnv(t *testing.T) *env {
	e := newAccessEnv(t)
	e.srv.Privacy = sqlstore.NewPrivacyService(e.db)
	e.srv.DevSpaces = sqlstore.NewDevSpaceService(e.db)
	e.srv.Products = sqlstore.NewProductService(e.db)
	e.srv.Trade = sqlstore.NewTradeService(e.db)
	dir := t.TempDir()
	e.srv.FileStore = blob.New(dir)
	e.srv.Reads = e.srv.Reads.WithBlobs(blob.New(dir)) // products' content is read through the read path
	e.srv.PlatformName = "福建省公共数据平台"
	for _, o := range []*pubdata.Org{
		{Code: "fz-dev", Name: "福州数智科技有限公司", Kind: pubdata.KindCompany, Division: "350100"},
		{Code: "xm-dev", Name: "厦门数据科技有限公司", Kind: pubdata.KindCompany, Division: "350200"},
	} {
		if err := e.srv.Orgs.CreateOrg(system, o); err != nil {
			t.Fatal(err)
		}
	}
	e.addUser(devEditor, "fz-dev", pubdata.RoleEditor)
	e.addUser(othEditor, "xm-dev", pubdata.RoleEditor)
	return e
}

// devSpace applies for a space on the entries as the developer (201).
func (e *env) devSpace(entries []string, rows bool) *pubdata.DevSpace {
	e.t.Helper()
	today := pubdata.Today(e.clock())
	end := e.clock().AddDate(0, 6, 0).In(pubdata.ChinaTime).Format(pubdata.DateFormat)
	w := e.do(req{method: "POST", path: "/api/v1/devspaces", as: devEditor, body: map[string]any{"title": "企业信用画像", "purpose": "信用评估模型研发",
		"outputs": "匿名化画像表", "entries": entries, "starts_on": today, "ends_on": end, "row_access": rows}})
	if w.Code != http.StatusCreated {
		e.t.Fatalf("apply: %d %s", w.Code, w.Body)
	}
	return decode[*pubdata.DevSpace](e.t, w)
}

func TestDevSpacesHTTP(t *testing.T) {
	e := newDevSpaceEnv(t)
	cond := e.accessTable("人口信息（开发）", pubdata.ClassConditional, pubdata.ClassConditional)
	sp := e.devSpace([]string{cond.ID}, false)
	if sp.Status != pubdata.SpacePending || sp.Entries[0].Approval != pubdata.ApprovalPending {
		t.Fatalf("the application: %+v", sp)
	}
	base := "/api/v1/devspaces/" + sp.ID
	post := func(path, as string, body any) (int, string) {
		w := e.do(req{method: "POST", path: path, as: as, body: body})
		return w.Code, w.Body.String()
	}
	approve := map[string]string{"decision": "approve"}
	// Who may decide: not the developer, not an authority's member, not before the provider.
	for _, c := range []struct {
		path, as string
		want     int
	}{
		{base + "/decide", devEditor, 403},
		{base + "/decide", authMember, 403},
		{base + "/decide", authReviewer, 409},
		{base + "/entries/" + cond.ID + "/decide", devEditor, 403},
		{base + "/entries/" + cond.ID + "/decide", pbMember, 403},
		{base + "/decide", othEditor, 404},
		{base + "/decide", citizen, 404},
		{base + "/decide", anonymous, 401},
	} {
		if code, body := post(c.path, c.as, approve); code != c.want {
			t.Errorf("%s as %q: %d, want %d: %s", c.path, c.as, code, c.want, body)
		}
	}
	if code, body := post(base+"/entries/"+cond.ID+"/decide", pbReviewer, approve); code != 200 {
		t.Fatalf("the provider approves: %d %s", code, body)
	}
	if code, body := post(base+"/decide", authReviewer, map[string]string{"decision": "refuse"}); code != 400 || !strings.Contains(body, "reason") {
		t.Errorf("a refusal without a reason: %d %s", code, body)
	}
	if code, body := post(base+"/decide", authReviewer, approve); code != 200 || !strings.Contains(body, `"approved"`) {
		t.Fatalf("the authority approves: %d %s", code, body)
	}

	// The anonymiser: only the developer; rows through the read path under the space.
	run := map[string]any{"entry": cond.ID, "k": 2, "suppression_limit": 0.5,
		"quasi_identifiers": []map[string]string{{"column": "city", "spec": "flat"}}}
	if code, _ := post(base+"/anonymise", othEditor, run); code != 404 {
		t.Errorf("another developer runs the anonymiser: %d", code)
	}
	if code, _ := post(base+"/anonymise", pbReviewer, run); code != 403 {
		t.Errorf("the provider runs the anonymiser in the space: %d", code)
	}
	if code, body := post(base+"/anonymise", devEditor, map[string]any{"entry": cond.ID, "k": 2, "quasi_identifiers": []map[string]string{{"column": "nope"}}}); code != 400 || !strings.Contains(body, "nope") {
		t.Errorf("an unknown column: %d %s", code, body)
	}
	w := e.do(req{method: "POST", path: base + "/anonymise", as: devEditor, body: run})
	if w.Code != http.StatusCreated {
		t.Fatalf("the anonymiser: %d %s", w.Code, w.Body)
	}
	r := decode[*pubdata.DevSpaceRun](t, w)
	if r.Rows == 0 || r.EntryVersion != 1 || r.BatchID == "" || !strings.Contains(string(r.Report), `"released"`) {
		t.Fatalf("the run: %+v %s", r, r.Report)
	}
	// Only the completed run is a use of the space; the refused requests (the provider's,
	// the unknown column) are recorded as refusals and count none.
	if got := decode[*pubdata.DevSpace](t, e.do(req{path: base, as: devEditor})); got.Uses != 1 {
		t.Errorf("uses after one run and two refusals: %d, want 1", got.Uses)
	}
	refusals := 0
	for _, ev := range e.events("devspace.use_refused") {
		if ev.Object == "devspace:"+sp.ID {
			refusals++
		}
	}
	uses := 0
	for _, ev := range e.events("devspace.use") {
		if ev.Object == "devspace:"+sp.ID {
			uses++
		}
	}
	if refusals != 2 || uses != 1 {
		t.Errorf("%d refusals and %d uses recorded, want 2 and 1", refusals, uses)
	}
	table := e.do(req{path: base + "/runs/" + r.ID + "/table", as: devEditor})
	if table.Code != 200 || !strings.HasPrefix(table.Body.String(), "city\n") {
		t.Fatalf("the run's table: %d %q", table.Code, table.Body)
	}
	if strings.Contains(table.Body.String(), "张三") || strings.Contains(table.Body.String(), idA) {
		t.Fatalf("the anonymised table keeps an identifier: %s", table.Body)
	}
	if w := e.do(req{path: base + "/runs/" + r.ID + "/table", as: authReviewer}); w.Code != 403 {
		t.Errorf("the authority downloads a run's table: %d", w.Code)
	}
	// Rows are refused where the space does not allow them.
	if w := e.do(req{path: base + "/entries/" + cond.ID + "/rows", as: devEditor}); w.Code != 403 {
		t.Errorf("rows in a space without row access: %d %s", w.Code, w.Body)
	}

	// The product: registered by the developer only, with its provenance and label.
	reg := map[string]any{"title": "人口年龄结构（匿名化）", "kind": "table", "run": r.ID}
	if code, _ := post(base+"/products", authReviewer, reg); code != 403 {
		t.Errorf("the authority registers a product: %d", code)
	}
	w = e.do(req{method: "POST", path: base + "/products", as: devEditor, body: reg})
	if w.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	p := decode[*pubdata.Product](t, w)
	if p.OrgID != "fz-dev" || len(p.Sources) != 1 || p.Sources[0].EntryID != cond.ID || p.Sources[0].BatchID != r.BatchID || p.ContentRef == "" ||
		len(p.QuasiIdentifiers) != 1 || p.Processing.Anonymisation == nil || p.Processing.Anonymisation.K != 2 ||
		!strings.Contains(p.Label.Source, "福建省公共数据平台") || p.Label.AcquiredOn != pubdata.Today(e.clock()) {
		t.Fatalf("the product: %+v", p)
	}
	for who, want := range map[string]int{devEditor: 200, authReviewer: 200, pbReviewer: 200, othEditor: 404, citizen: 404} {
		if w := e.do(req{path: "/api/v1/products/" + p.ID, as: who}); w.Code != want {
			t.Errorf("product as %s: %d, want %d", who, w.Code, want)
		}
	}
	if w := e.do(req{path: "/api/v1/products/" + p.ID + "/content", as: devEditor}); w.Code != 200 || w.Body.String() != table.Body.String() {
		t.Errorf("the product's content: %d", w.Code)
	}
	// The content: the developers and the covering authority; the provider sees the product
	// but not its content; nobody else; every download recorded.
	for who, want := range map[string]int{authReviewer: 200, pbReviewer: 403, othEditor: 403, citizen: 403, anonymous: 401} {
		w := e.do(req{path: "/api/v1/products/" + p.ID + "/content", as: who})
		if w.Code != want || (want == 403 && !strings.Contains(w.Body.String(), "buyers under a delivery")) {
			t.Errorf("the product's content as %q: %d, want %d: %s", who, w.Code, want, w.Body)
		}
	}
	if n := len(e.events("product.read")); n != 2 {
		t.Errorf("%d product reads recorded, want 2", n)
	}
	pb := e.login(pbReviewer)
	if w := e.page("GET", "/products/"+p.ID, pb, "en", nil); w.Code != 200 || strings.Contains(w.Body.String(), "/products/"+p.ID+"/content") {
		t.Errorf("the provider's product page offers the content: %d", w.Code)
	}
	if w := e.page("GET", "/products/"+p.ID+"/content", pb, "en", nil); w.Code != 403 || !strings.Contains(w.Body.String(), "buyers under a delivery") {
		t.Errorf("the provider downloads the content from the page: %d %s", w.Code, w.Body)
	}
	if w := e.page("GET", "/products/"+p.ID+"/content", e.login(devEditor), "zh-CN", nil); w.Code != 200 || w.Body.String() != table.Body.String() {
		t.Errorf("the developer downloads the content from the page: %d", w.Code)
	}
	if l := decode[struct{ Items []*pubdata.Product }](t, e.do(req{path: "/api/v1/products?entry=" + cond.ID, as: authReviewer})); len(l.Items) != 1 {
		t.Errorf("the authority's products of the entry: %+v", l)
	}
	if l := decode[struct{ Items []*pubdata.Product }](t, e.do(req{path: "/api/v1/products", as: othEditor})); len(l.Items) != 0 {
		t.Errorf("another developer lists the product: %+v", l)
	}

	// Pages: the developer's space page shows the run and the product; the product page
	// its label; the console shows the authority its reach.
	dev := e.login(devEditor)
	for path, want := range map[string]string{"/devspaces": "企业信用画像", "/devspaces/" + sp.ID: "人口年龄结构（匿名化）", "/products/" + p.ID: "福建省公共数据平台"} {
		if w := e.page("GET", path, dev, "zh-CN", nil); w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("page %s: %d, missing %q", path, w.Code, want)
		}
	}
	rv := e.login(authReviewer)
	if w := e.page("GET", "/console/devspaces", rv, "en", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "企业信用画像") {
		t.Errorf("the console's list: %d", w.Code)
	}
	if w := e.page("GET", "/console/products/"+p.ID, rv, "en", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "Source:") {
		t.Errorf("the console's product page: %d", w.Code)
	}
	if w := e.page("GET", "/devspaces/"+sp.ID, e.login(othEditor), "zh-CN", nil); w.Code != 404 {
		t.Errorf("another developer's page of the space: %d", w.Code)
	}

	// Suspension: the authority only; nothing works in a suspended space; reinstated.
	if code, _ := post(base+"/suspend", devEditor, map[string]string{"reason": "x"}); code != 403 {
		t.Errorf("the developer suspends: %d", code)
	}
	if code, body := post(base+"/suspend", authReviewer, map[string]string{"reason": "超范围使用"}); code != 200 {
		t.Fatalf("suspend: %d %s", code, body)
	}
	if code, body := post(base+"/anonymise", devEditor, run); code != 409 || !strings.Contains(body, "超范围使用") {
		t.Errorf("the anonymiser in a suspended space: %d %s", code, body)
	}
	if code, _ := post(base+"/products", devEditor, reg); code != 409 {
		t.Errorf("a product in a suspended space: %d", code)
	}
	if code, _ := post(base+"/reinstate", authReviewer, map[string]string{"reason": "已整改"}); code != 200 {
		t.Errorf("reinstate: %d", code)
	}
	// A space that ended refuses work.
	today := pubdata.Today(e.clock())
	w = e.do(req{method: "POST", path: "/api/v1/devspaces", as: devEditor, body: map[string]any{"title": "一日场景", "purpose": "测试", "outputs": "无",
		"entries": []string{cond.ID}, "starts_on": today, "ends_on": today}})
	short := decode[*pubdata.DevSpace](t, w)
	post("/api/v1/devspaces/"+short.ID+"/entries/"+cond.ID+"/decide", pbReviewer, approve)
	if code, body := post("/api/v1/devspaces/"+short.ID+"/decide", authReviewer, approve); code != 200 {
		t.Fatalf("approve the short space: %d %s", code, body)
	}
	e.advance(2 * 24 * time.Hour)
	run["entry"] = cond.ID
	if code, body := post("/api/v1/devspaces/"+short.ID+"/anonymise", devEditor, run); code != 409 || !strings.Contains(body, "ended") {
		t.Errorf("the anonymiser after the end: %d %s", code, body)
	}
	// Every use and step is on the record.
	for _, action := range []string{"devspace.apply", "devspace.entry_decide", "devspace.decide", "devspace.use", "devspace.run", "devspace.suspend", "devspace.reinstate"} {
		found := false
		for _, ev := range e.events(action) {
			found = found || ev.Object == "devspace:"+sp.ID
		}
		if !found {
			t.Errorf("%s is not on the record", action)
		}
	}
}

// TestDevSpaceRowsAndPending: rows where the space allows them; a pending space refuses
// work; operators see every space.
func TestDevSpaceRowsAndPending(t *testing.T) {
	e := newDevSpaceEnv(t)
	open := e.accessTable("人口信息（无条件共享）", pubdata.ClassUnconditional, pubdata.ClassConditional)
	sp := e.devSpace([]string{open.ID}, true)
	base := "/api/v1/devspaces/" + sp.ID
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: devEditor}); w.Code != 409 {
		t.Errorf("rows in a pending space: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: base + "/decide", as: authReviewer, body: map[string]string{"decision": "approve"}}); w.Code != 200 {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}
	rows, _ := e.rowsOf(base+"/entries/"+open.ID+"/rows", devEditor)
	if len(rows) != 4 {
		t.Fatalf("rows in the space: %+v", rows)
	}
	if rows[0]["id_no"] == idA || rows[0]["id_no"] == idB {
		t.Errorf("personal items are not masked in a space: %+v", rows[0])
	}
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: othEditor}); w.Code != 404 {
		t.Errorf("rows of another's space: %d", w.Code)
	}
	// A first-level operator sees every space; only the platform authority's admin names one.
	if w := e.do(req{method: "PUT", path: "/api/v1/devspace-operators/xm-dev", as: authReviewer}); w.Code != 403 {
		t.Errorf("a reviewer names an operator: %d", w.Code)
	}
	if w := e.do(req{method: "PUT", path: "/api/v1/devspace-operators/xm-dev", as: authAdmin}); w.Code != 204 {
		t.Fatalf("name an operator: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: base, as: othEditor}); w.Code != 200 {
		t.Errorf("the operator reads the space: %d", w.Code)
	}
	l := decode[struct{ Items []*pubdata.DevSpace }](t, e.do(req{path: "/api/v1/devspaces?role=review", as: othEditor}))
	if len(l.Items) != 1 {
		t.Errorf("the operator's list: %+v", l)
	}
	// The operator runs spaces; it does not work in them or decide them.
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: othEditor}); w.Code != 403 {
		t.Errorf("the operator reads rows in another's space: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: base + "/suspend", as: othEditor, body: map[string]string{"reason": "x"}}); w.Code != 403 {
		t.Errorf("the operator suspends: %d", w.Code)
	}
	// The operator's admin closes the space; its editor and the developer cannot.
	e.addUser("oth-admin", "xm-dev", pubdata.RoleAdmin)
	for who, want := range map[string]int{othEditor: 403, devEditor: 403} {
		if w := e.do(req{method: "POST", path: base + "/close", as: who, body: map[string]string{"reason": "到期关闭"}}); w.Code != want {
			t.Errorf("%s closes: %d, want %d", who, w.Code, want)
		}
	}
	if w := e.do(req{method: "POST", path: base + "/close", as: "oth-admin", body: map[string]string{"reason": "项目结束"}}); w.Code != 200 || !strings.Contains(w.Body.String(), `"closed"`) {
		t.Fatalf("the operator closes: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: devEditor}); w.Code != 409 {
		t.Errorf("rows in a closed space: %d", w.Code)
	}
}

// TestDevSpaceOverdueSuspends: a usage report overdue past the grace days suspends the
// space at the schedule's next run; the developer's work is then refused until the
// authority reinstates it (F4).
func TestDevSpaceOverdueSuspends(t *testing.T) {
	e := newDevSpaceEnv(t)
	open := e.accessTable("人口信息（报告）", pubdata.ClassUnconditional, pubdata.ClassConditional)
	sp := e.devSpace([]string{open.ID}, true)
	base := "/api/v1/devspaces/" + sp.ID
	w := e.do(req{method: "POST", path: base + "/decide", as: authReviewer, body: map[string]string{"decision": "approve"}})
	sp = decode[*pubdata.DevSpace](t, w)
	if sp.NextDue == "" {
		t.Fatalf("no report due: %+v", sp)
	}
	due, _ := time.ParseInLocation(pubdata.DateFormat, sp.NextDue, pubdata.ChinaTime)
	// Before the due date: a reminder, the space still works.
	e.advance(due.Sub(e.clock()) - 3*24*time.Hour)
	if rem, sus, err := e.srv.DevSpaces.RunSchedule(system, e.clock()); err != nil || rem != 1 || sus != 0 {
		t.Fatalf("the reminder: %d %d %v", rem, sus, err)
	}
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: devEditor}); w.Code != 200 {
		t.Fatalf("rows before the due date: %d %s", w.Code, w.Body)
	}
	// Past the grace days: suspended.
	e.advance(time.Duration(3+pubdata.DevSpaceGraceDays+1) * 24 * time.Hour)
	if _, sus, err := e.srv.DevSpaces.RunSchedule(system, e.clock()); err != nil || sus != 1 {
		t.Fatalf("the suspension: %d %v", sus, err)
	}
	got := decode[*pubdata.DevSpace](t, e.do(req{path: base, as: devEditor}))
	if got.Status != pubdata.SpaceSuspended || !strings.Contains(got.Reason, "overdue") {
		t.Fatalf("after the overdue report: %+v", got)
	}
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: devEditor}); w.Code != 409 {
		t.Errorf("rows in the suspended space: %d", w.Code)
	}
	// The late report is filed, the authority reinstates: work resumes.
	if w := e.do(req{method: "POST", path: base + "/reports", as: devEditor, body: map[string]string{"usage": "本期读取数据行 1 次"}}); w.Code != 201 || !strings.Contains(w.Body.String(), `"late":true`) {
		t.Fatalf("the late report: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: base + "/reinstate", as: authReviewer, body: map[string]string{"reason": "已补交报告"}}); w.Code != 200 {
		t.Fatalf("reinstate: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: base + "/entries/" + open.ID + "/rows", as: devEditor}); w.Code != 200 {
		t.Errorf("rows once reinstated: %d", w.Code)
	}
	// The console shows the authority the suspension's form's opposite and the record.
	if w := e.page("GET", "/console/devspaces/"+sp.ID, e.login(authReviewer), "zh-CN", url.Values{}); w.Code != 200 || !strings.Contains(w.Body.String(), "devspace-suspend") {
		t.Errorf("the console's space page: %d", w.Code)
	}
}

// TestDevSpaceInvisible: inside a space that allows rows, a usable-but-invisible entry still
// returns no row — not as rows, not to the anonymiser — and answers aggregates under the
// space's own privacy budget, recorded as a use of the space.
func TestDevSpaceInvisible(t *testing.T) {
	e := newDevSpaceEnv(t)
	b := entryBody("人口信息（可用不可见，开发）", pubdata.ClassUnconditional, pubdata.ClassConditional)
	b["items"] = personItems
	b["usable_invisible"] = true
	b["invisible_terms"] = map[string]any{"group_columns": []string{"city"}, "min_group_size": 2, "privacy_budget": 1}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(personRows()), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v", bt)
	}
	sp := e.devSpace([]string{en.ID}, true)
	base := "/api/v1/devspaces/" + sp.ID
	if w := e.do(req{method: "POST", path: base + "/decide", as: authReviewer, body: map[string]string{"decision": "approve"}}); w.Code != 200 {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}
	for _, w := range []*httptest.ResponseRecorder{
		e.do(req{path: base + "/entries/" + en.ID + "/rows", as: devEditor}),
		e.do(req{path: base + "/entries/" + en.ID + "/rows?_format=csv", as: devEditor}),
		e.do(req{method: "POST", path: base + "/anonymise", as: devEditor, body: map[string]any{"entry": en.ID, "k": 2, "suppression_limit": 0.5,
			"quasi_identifiers": []map[string]string{{"column": "city", "spec": "flat"}}}}),
	} {
		if w.Code != 403 || strings.Contains(w.Body.String(), "欧阳") || strings.Contains(w.Body.String(), idB) {
			t.Errorf("a row of an invisible entry in a space: %d %.300s", w.Code, w.Body)
		}
	}
	w := e.do(req{method: "POST", path: base + "/aggregate", as: devEditor, body: map[string]any{"entry": en.ID, "group_by": "city", "epsilon": 0.5,
		"measures": []any{map[string]any{"op": "count"}}}})
	if w.Code != 200 || strings.Contains(w.Body.String(), "欧阳") || !strings.Contains(w.Body.String(), `"budget_left":0.5`) {
		t.Fatalf("an aggregate in the space: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: base + "/aggregate", as: othEditor, body: map[string]any{"entry": en.ID, "epsilon": 0.1,
		"measures": []any{map[string]any{"op": "count"}}}}); w.Code != 404 {
		t.Errorf("an aggregate in another's space: %d", w.Code)
	}
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.aggregate", Object: "entry:" + en.ID, Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].Details["holder"] != "grant:devspace:"+sp.ID || evs[0].Purpose != sp.Purpose {
		t.Fatalf("the aggregate's record: %v %+v", err, evs)
	}
}
