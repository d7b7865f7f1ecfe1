package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/sqlstore"
)

// qualityEnv is a data env with the quality service and an open company table of the public
// body fj-gat with three rows, one without a name.
func qualityEnv(t *testing.T) (*env, *pubdata.Entry) {
	e := newDataEnv(t)
	e.srv.Quality = sqlstore.NewQualityService(e.db)
	entry := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业登记信息", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	csv := "统一社会信用代码,企业名称\n" +
		ident.CompleteUSCC("9135010030000001") + ",甲公司\n" +
		ident.CompleteUSCC("9135010030000002") + ",\n" +
		ident.CompleteUSCC("9135010030000003") + ",丙公司\n"
	b := e.batchOf(e.send("POST", "/api/v1/entries/"+entry.ID+"/data", pbEditor, "text/csv", []byte(csv), nil), pbEditor, http.StatusCreated)
	if b.Status != pubdata.BatchDone || b.RowsLoaded != 3 {
		t.Fatalf("batch %+v", b)
	}
	return e, entry
}

type qualityReportReply struct {
	Score      *int            `json:"score"`
	Dimensions map[string]*int `json:"dimensions"`
	CheckedAt  *string         `json:"checked_at"`
	Rules      []struct {
		ID         string                   `json:"id"`
		Kind       string                   `json:"kind"`
		Column     string                   `json:"column"`
		Status     string                   `json:"status"`
		FailedRows int64                    `json:"failed_rows"`
		Sample     []pubdata.QualityFinding `json:"sample"`
	} `json:"rules"`
}

// TestQualityAPI: a not_null rule on a column with nulls lowers the entry's score and reports
// the failing rows to the provider; the public sees the score of the open entry, not the
// rows; only the provider's editors and admins and the covering authority's admins and
// reviewers write rules or run them.
func TestQualityAPI(t *testing.T) {
	e, entry := qualityEnv(t)
	base := "/api/v1/entries/" + entry.ID + "/quality"
	rules := []map[string]any{{"kind": "not_null", "column": "name"}, {"kind": "element", "column": "uscc"}}

	// Before any rule: no score.
	rep := decode[qualityReportReply](t, e.do(req{path: base}))
	if rep.Score != nil || len(rep.Rules) != 0 {
		t.Fatalf("report before rules: %+v", rep)
	}
	// Who may write: not a member, not another body, not a city authority, not a citizen.
	for _, who := range []string{pbMember, "xm-scj-member", cityAdmin, citizen, authMember, authEditor} {
		wantError(t, e.do(req{method: "PUT", path: base + "/rules", body: rules, as: who}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{method: "PUT", path: base + "/rules", body: rules}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	wantError(t, e.do(req{method: "POST", path: base + "/run", as: pbMember}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: base + "/rules", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	// A bad rule is refused naming its field.
	w := e.do(req{method: "PUT", path: base + "/rules", body: []map[string]any{{"kind": "range", "column": "name", "min": 1}}, as: pbEditor})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), "rules[0].column") {
		t.Fatalf("no field named: %s", w.Body)
	}

	w = e.do(req{method: "PUT", path: base + "/rules", body: rules, as: pbEditor})
	if w.Code != http.StatusOK {
		t.Fatalf("PUT rules: %d %s", w.Code, w.Body)
	}
	set := decode[pubdata.QualityRules](t, w)
	if set.Revision != 1 || len(set.Rules) != 2 {
		t.Fatalf("rules %+v", set)
	}
	// The provider: the score is below 100 and the failing row is named by its key.
	rep = decode[qualityReportReply](t, e.do(req{path: base, as: pbEditor}))
	if rep.Score == nil || *rep.Score >= 100 || rep.CheckedAt == nil || *rep.Dimensions["completeness"] != 67 {
		t.Fatalf("provider's report: %+v", rep)
	}
	if r := rep.Rules[0]; r.Kind != "not_null" || r.Status != "fail" || r.FailedRows != 1 || len(r.Sample) != 1 || r.Sample[0].Key["uscc"] != ident.CompleteUSCC("9135010030000002") {
		t.Fatalf("not_null result %+v", r)
	}
	if rep.Rules[1].Status != "pass" {
		t.Fatalf("element result %+v", rep.Rules[1])
	}
	// The public: the same score, no rows.
	pub := decode[qualityReportReply](t, e.do(req{path: base}))
	if pub.Score == nil || *pub.Score != *rep.Score || pub.Rules[0].FailedRows != 1 || pub.Rules[0].Sample != nil {
		t.Fatalf("public report: %+v", pub)
	}
	// The covering authority's reviewer reads and runs them; a run is recorded.
	if w := e.do(req{path: base + "/rules", as: authReviewer}); w.Code != http.StatusOK {
		t.Fatalf("reviewer GET rules: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: base + "/run", as: authReviewer}); w.Code != http.StatusOK {
		t.Fatalf("reviewer run: %d %s", w.Code, w.Body)
	}
	audit := e.do(req{path: "/api/v1/audit?action=quality.run", as: authAdmin}).Body.String()
	if strings.Count(audit, `"quality.run"`) < 2 {
		t.Fatalf("quality runs not recorded: %s", audit)
	}
	// Units' scores are public.
	if w := e.do(req{path: "/api/v1/quality/units"}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"org":"fj-gat"`) {
		t.Fatalf("units: %d %s", w.Code, w.Body)
	}
	// A rule marked reject fails a batch that breaks it.
	rules[0]["reject"] = true
	if w := e.do(req{method: "PUT", path: base + "/rules", body: rules, as: pbAdmin}); w.Code != http.StatusOK {
		t.Fatalf("PUT reject: %d %s", w.Code, w.Body)
	}
	csv := "统一社会信用代码,企业名称\n" + ident.CompleteUSCC("9135010030000009") + ",\n"
	b := e.batchOf(e.send("POST", "/api/v1/entries/"+entry.ID+"/data?mode=upsert", pbEditor, "text/csv", []byte(csv), nil), pbEditor, http.StatusCreated)
	if b.Status != pubdata.BatchFailed || len(b.Errors) != 1 || b.Errors[0].Code != "quality" {
		t.Fatalf("rejected batch %+v", b)
	}
	// A not-open entry's report is not for the public.
	hidden := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("内部企业信息", pubdata.ClassUnconditional, pubdata.ClassNone)).ID)
	wantError(t, e.do(req{path: "/api/v1/entries/" + hidden.ID + "/quality"}), http.StatusNotFound, pubdata.ENOTFOUND)
	if w := e.do(req{path: "/api/v1/entries/" + hidden.ID + "/quality", as: "xm-scj-member"}); w.Code != http.StatusOK {
		t.Fatalf("a public body sees the whole catalogue: %d", w.Code)
	}
}

// TestQualityPages: the console's quality page (zh and en) with the rules editor, the portal's
// score and the public method page.
func TestQualityPages(t *testing.T) {
	e, entry := qualityEnv(t)
	editor, member := e.login(pbEditor), e.login(pbMember)
	path := "/console/entries/" + entry.ID + "/quality"
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.page("GET", path, editor, lang, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", lang, w.Code, w.Body)
		}
		checkPage(t, w.Body.String(), lang)
	}
	// Add a rule with the form; a bad one is shown with its field's problem.
	w := e.page("POST", path+"/rules", editor, "zh-CN", url.Values{"kind": {"not_null"}, "column": {"name"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("add: %d %s", w.Code, w.Body)
	}
	w = e.page("POST", path+"/rules", editor, "en", url.Values{"kind": {"range"}, "column": {"name"}, "min": {"1"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="quality-column-error"`) {
		t.Fatalf("bad rule: %d %s", w.Code, w.Body)
	}
	checkPage(t, w.Body.String(), "en")
	body := e.page("GET", path, editor, "zh-CN", nil).Body.String()
	if !strings.Contains(body, "非空") || !strings.Contains(body, `id="quality-score-value"`) || !strings.Contains(body, "不通过") {
		t.Fatalf("page lacks the rule or the score: %s", body)
	}
	// A member sees the page without the editor, and may not change the rules.
	body = e.page("GET", path, member, "zh-CN", nil).Body.String()
	if strings.Contains(body, `action="/console/entries/`+entry.ID+`/quality/rules"`) {
		t.Fatal("a member is shown the rules editor")
	}
	if w := e.page("POST", path+"/rules", member, "zh-CN", url.Values{"kind": {"unique"}, "column": {"name"}}); w.Code != http.StatusForbidden {
		t.Fatalf("member add: %d", w.Code)
	}
	set := decode[pubdata.QualityRules](t, e.do(req{path: "/api/v1/entries/" + entry.ID + "/quality/rules", as: pbEditor}))
	if w := e.page("POST", path+"/rules/"+set.Rules[0].ID+"/delete", member, "zh-CN", nil); w.Code != http.StatusForbidden {
		t.Fatalf("member delete: %d", w.Code)
	}
	if w := e.page("POST", path+"/run", member, "zh-CN", nil); w.Code != http.StatusForbidden {
		t.Fatalf("member run: %d", w.Code)
	}
	// Another body's user does not see the page at all.
	if w := e.page("GET", path, e.login("xm-scj-member"), "zh-CN", nil); w.Code != http.StatusNotFound {
		t.Fatalf("another body: %d", w.Code)
	}
	if w := e.page("POST", path+"/run", editor, "zh-CN", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("run: %d %s", w.Code, w.Body)
	}
	if w := e.page("POST", path+"/rules/"+set.Rules[0].ID+"/delete", editor, "zh-CN", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	// The portal: the open entry's page shows its score; the method page in both languages.
	for _, lang := range []string{"zh-CN", "en"} {
		body := e.page("GET", "/catalog/"+entry.ID, nil, lang, nil).Body.String()
		if !strings.Contains(body, `id="entry-quality"`) {
			t.Errorf("%s: the entry page shows no score", lang)
		}
		w := e.page("GET", "/quality/method", nil, lang, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "fj-gat") && !strings.Contains(w.Body.String(), "福建省公安厅") {
			t.Fatalf("%s method: %d %s", lang, w.Code, w.Body)
		}
		checkPage(t, w.Body.String(), lang)
	}
}
