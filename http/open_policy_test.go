package http

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/sqlstore"
)

// opEnv is an env with applications.
func opEnv(t *testing.T) *env {
	e := newEnvWith(t, func(s *Server) { s.BatchDir = t.TempDir() })
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	return e
}

// personalBody is an entry body opened unconditionally with a name (by element) and a phone
// (by title) in clear.
func personalBody(title string) map[string]any {
	b := entryBody(title, pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "uscc", "title": "统一社会信用代码", "type": "string", "key": true, "element": "uscc"},
		{"name": "legal_rep", "title": "法定代表人", "type": "string", "element": "name"},
		{"name": "lxdh", "title": "联系电话", "type": "string"},
	}
	return b
}

func (e *env) submit(editor, id string) {
	e.t.Helper()
	if w := e.do(req{method: "POST", path: "/api/v1/entries/" + id + "/submit", as: editor}); w.Code != http.StatusOK {
		e.t.Fatalf("submit %s: %d %s", id, w.Code, w.Body)
	}
}

func review(e *env, as, id string, body map[string]string) *httptest.ResponseRecorder {
	return e.do(req{method: "POST", path: "/api/v1/entries/" + id + "/review", as: as, body: body})
}

func TestOpenRiskBlocksApprovalUnlessOverridden(t *testing.T) {
	e := opEnv(t)
	x := e.createEntry(pbEditor, personalBody("企业登记（含法定代表人）"))
	e.submit(pbEditor, x.ID)

	// The check as the API shows it.
	w := e.do(req{path: "/api/v1/entries/" + x.ID + "/open-risk", as: authReviewer})
	wantStatus(t, "open-risk", w, http.StatusOK)
	risk := decode[struct {
		pubdata.OpenRisk
		CanOverride bool `json:"can_override"`
	}](t, w)
	if !risk.Blocks || len(risk.Findings) != 2 || risk.CanOverride {
		t.Fatalf("risk %+v", risk)
	}
	if w := e.do(req{path: "/api/v1/entries/" + x.ID + "/open-risk", as: "xm-scj-member"}); w.Code != http.StatusNotFound {
		t.Fatalf("another body sees the check: %d", w.Code)
	}

	// Blocked without an override; a reviewer (not an admin) and the provider cannot override.
	wantError(t, review(e, authReviewer, x.ID, map[string]string{"decision": "approve"}), http.StatusConflict, pubdata.ECONFLICT)
	wantError(t, review(e, authReviewer, x.ID, map[string]string{"decision": "approve", "override_reason": "依法公示"}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, review(e, pbAdmin, x.ID, map[string]string{"decision": "approve", "override_reason": "依法公示"}), http.StatusForbidden, pubdata.EFORBIDDEN)
	if got, _ := e.srv.Entries.FindEntryByID(system, x.ID); got.Status != pubdata.StatusSubmitted {
		t.Fatalf("status %s after refusals", got.Status)
	}
	// The authority's admin overrides with a reason; it is recorded with the findings.
	w = review(e, authAdmin, x.ID, map[string]string{"decision": "approve", "override_reason": "法定代表人和联系电话依法公示"})
	wantStatus(t, "override", w, http.StatusOK)
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + x.ID, Action: "entry.approve"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("approval events %v %v", evs, err)
	}
	o, _ := evs[0].Details["open_risk_override"].(map[string]any)
	if o == nil || o["reason"] != "法定代表人和联系电话依法公示" || len(o["findings"].([]any)) != 2 {
		t.Fatalf("override record %+v", evs[0].Details)
	}

	// Marked personal (masked when open): approved without an override.
	b := personalBody("企业登记（已脱敏）")
	items := b["items"].([]map[string]any)
	items[1]["personal"], items[2]["grade"] = true, 3
	y := e.createEntry(pbEditor, b)
	e.publish(pbEditor, y.ID)
	// Not opened: never blocked.
	z := e.createEntry(pbEditor, personalBody("企业登记（不开放）"))
	w = e.do(req{method: "PATCH", path: "/api/v1/entries/" + z.ID, as: pbEditor, body: map[string]any{"open_class": "none", "open_basis": "涉及个人信息"}})
	wantStatus(t, "patch", w, http.StatusOK)
	e.publish(pbEditor, z.ID)
}

// The content of the published table blocks opening it later: resident ID numbers in an
// innocently named column.
func TestOpenRiskSamplesContent(t *testing.T) {
	e := opEnv(t)
	b := entryBody("证照编号", pubdata.ClassUnconditional, pubdata.ClassNone)
	b["items"] = []map[string]any{{"name": "c1", "title": "编号", "type": "string", "key": true}, {"name": "note", "title": "备注", "type": "string"}}
	x := e.createEntry(pbEditor, b)
	e.publish(pbEditor, x.ID)
	var rows []map[string]any
	for i := range 20 {
		rows = append(rows, map[string]any{"c1": ident.CompleteResidentID(fmt.Sprintf("35010219800101%03d", i)), "note": "x"})
	}
	w := e.do(req{method: "POST", path: "/api/v1/entries/" + x.ID + "/data?mode=append", as: pbEditor, body: rows})
	if w.Code != http.StatusOK && w.Code != http.StatusCreated && w.Code != http.StatusAccepted {
		t.Fatalf("load: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "PATCH", path: "/api/v1/entries/" + x.ID, as: pbEditor, body: map[string]any{"open_class": "unconditional"}})
	wantStatus(t, "patch", w, http.StatusOK)
	e.submit(pbEditor, x.ID)
	w = review(e, authReviewer, x.ID, map[string]string{"decision": "approve"})
	wantError(t, w, http.StatusConflict, pubdata.ECONFLICT)
	if !strings.Contains(w.Body.String(), "c1: resident_id") {
		t.Fatalf("refusal does not name the column: %s", w.Body)
	}
	// The console's entry page shows the findings with the sample; the review form of the
	// authority's admin offers the override, which approves.
	admin := e.login(authAdmin)
	w = e.page("GET", "/console/entries/"+x.ID, admin, web.LangZH, nil)
	wantBody(t, "entry page", w, "开放前个人信息检查", "身份证号码", "20 / 20", "抽样 20 行数据", `name="override_reason"`)
	w = e.page("POST", "/console/entries/"+x.ID+"/review", admin, web.LangEN, url.Values{"decision": {"approve"}})
	wantStatus(t, "blocked review", w, http.StatusConflict)
	wantBody(t, "blocked review", w, "pre-open check found personal items")
	w = e.page("POST", "/console/entries/"+x.ID+"/review", admin, web.LangZH, url.Values{"decision": {"approve"}, "override_reason": {"编号为已公示的证照号"}})
	wantStatus(t, "overridden review", w, http.StatusSeeOther)
	// A reviewer's page has no override field.
	y := e.createEntry(pbEditor, personalBody("另一条"))
	e.submit(pbEditor, y.ID)
	w = e.page("GET", "/console/entries/"+y.ID, e.login(authReviewer), web.LangZH, nil)
	wantBody(t, "reviewer page", w, "批准已被阻止")
	wantNotBody(t, "reviewer page", w, `name="override_reason"`)
}

// E3: data obtained by sharing cannot be opened as the unit's own.
func TestObtainedBySharingNotOpened(t *testing.T) {
	e := opEnv(t)
	b := entryBody("共享获取的人口数据", pubdata.ClassConditional, pubdata.ClassConditional)
	b["obtained"] = []string{"301001/00001"}
	w := e.do(req{method: "POST", path: "/api/v1/entries", as: pbEditor, body: b})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if errorFieldsOf(t, w.Body.Bytes())["open_class"] == "" {
		t.Fatalf("no open_class problem: %s", w.Body)
	}
	b = entryBody("共享获取的人口数据", pubdata.ClassConditional, pubdata.ClassNone)
	b["obtained"] = []string{"301001/00001"}
	x := e.createEntry(pbEditor, b)
	w = e.do(req{method: "PATCH", path: "/api/v1/entries/" + x.ID, as: pbEditor, body: map[string]any{"open_class": "unconditional"}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	e.publish(pbEditor, x.ID)
}

// The public form (/apply) for a conditional entry with a usage agreement and for a
// not-open one (SX27); the API's accept_terms and major_interest.
func TestPublicApplyForm(t *testing.T) {
	e := opEnv(t)
	b := entryBody("企业年报", pubdata.ClassConditional, pubdata.ClassConditional)
	b["terms"], b["terms_text"] = []string{"no_onward_transfer", "attribution"}, "仅限本次用途"
	cond := e.createEntry(pbEditor, b)
	e.publish(pbEditor, cond.ID)
	none := e.createEntry(pbEditor, entryBody("企业处罚明细", pubdata.ClassConditional, pubdata.ClassNone))
	e.publish(pbEditor, none.ID)

	c := e.login(citizen)
	w := e.page("GET", "/apply?entry="+cond.ID, c, web.LangZH, nil)
	wantStatus(t, "form", w, http.StatusOK)
	wantBody(t, "form", w, "企业年报", `name="demand_type"`, `name="description"`, `name="purpose"`, `name="until"`, `name="accept_terms"`, "不得向第三方提供", "仅限本次用途", "10")
	wantNotBody(t, "form", w, `name="major_interest"`)
	form := url.Values{"entry": {cond.ID}, "demand_type": {"research"}, "description": {"全市企业年报汇总"}, "purpose": {"产业研究"}, "until": {paUntil()}}
	w = e.page("POST", "/apply", c, web.LangZH, form)
	wantStatus(t, "without terms", w, http.StatusBadRequest)
	wantBody(t, "without terms", w, "须同意数据使用协议才能申请。")
	noType := url.Values{"entry": {cond.ID}, "description": {"x"}, "purpose": {"x"}, "until": {paUntil()}, "accept_terms": {"1"}}
	w = e.page("POST", "/apply", c, web.LangEN, noType)
	wantStatus(t, "without demand type", w, http.StatusBadRequest)
	wantBody(t, "without demand type", w, "Choose a demand type.")
	form.Set("accept_terms", "1")
	w = e.page("POST", "/apply", c, web.LangZH, form)
	wantStatus(t, "apply", w, http.StatusSeeOther)
	apps, _, _, _ := e.srv.Applications.FindApplications(system, pubdata.ApplicationFilter{Applicant: citizen})
	if len(apps) != 1 || apps[0].Kind != pubdata.KindOpen || !apps[0].AcceptTerms || apps[0].DemandType != "research" || apps[0].Basis != "全市企业年报汇总" {
		t.Fatalf("applications %+v", apps)
	}
	wantDue := pubdata.Today(e.srv.WorkCalendar().AddWorkdays(e.clock(), pubdata.DefaultOpenReplyDays))
	if apps[0].Due != wantDue {
		t.Errorf("due %s, want %s", apps[0].Due, wantDue)
	}

	// SX27 on the form: the major interest is asked and required.
	w = e.page("GET", "/apply?entry="+none.ID, c, web.LangZH, nil)
	wantBody(t, "not-open form", w, `name="major_interest"`, "负面清单")
	nf := url.Values{"entry": {none.ID}, "demand_type": {"personal"}, "description": {"本企业的处罚记录"}, "purpose": {"行政复议"}, "until": {paUntil()}}
	w = e.page("POST", "/apply", c, web.LangZH, nf)
	wantStatus(t, "no interest", w, http.StatusBadRequest)
	wantBody(t, "no interest", w, "请说明您的重大利害关系")
	nf.Set("major_interest", "本人为被处罚企业的法定代表人")
	w = e.page("POST", "/apply", c, web.LangZH, nf)
	wantStatus(t, "with interest", w, http.StatusSeeOther)

	// The API: accept_terms and major_interest required in the same cases.
	api := map[string]any{"entry": cond.ID, "kind": "open", "purpose": "研究", "basis": "需要", "until": paUntil()}
	w = e.do(req{method: "POST", path: "/api/v1/applications", as: citizen, body: api})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	api["accept_terms"] = true
	e.apply(citizen, api)
	api = map[string]any{"entry": none.ID, "kind": "open", "purpose": "复议", "basis": "需要", "until": paUntil()}
	w = e.do(req{method: "POST", path: "/api/v1/applications", as: citizen, body: api})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	api["major_interest"] = "被处罚企业"
	app := e.apply(citizen, api)
	// The not-open entry's rows are not found for the public…
	rows := "/api/v1/entries/" + none.ID + "/rows"
	if w := e.do(req{path: rows, as: citizen}); w.Code != http.StatusNotFound {
		t.Fatalf("rows before the approval: %d %s", w.Code, w.Body)
	}
	// …until approved: the applicant holds a live open grant on the not-open entry (DecideAccess
	// honours it: storetest OpenApplicationMajorInterestAndTerms) and reads its rows.
	got, err := e.srv.Applications.DecideApplication(e.as(pbReviewer), app.ID, &pubdata.ApplicationDecision{Decision: "approve"})
	if err != nil || got.Grant == "" {
		t.Fatalf("approve: %+v %v", got, err)
	}
	if w := e.do(req{path: rows, as: citizen}); w.Code != http.StatusOK {
		t.Fatalf("rows with the grant: %d %s", w.Code, w.Body)
	}
	// After the period (until is a month away) the key no longer reads them.
	e.advance(40 * 24 * time.Hour)
	if w := e.do(req{path: rows, as: citizen}); w.Code == http.StatusOK {
		t.Fatalf("rows after the grant's period: %d %s", w.Code, w.Body)
	}
}

func TestPublicApplyFormForbidden(t *testing.T) {
	e := opEnv(t)
	x := e.createEntry(pbEditor, entryBody("企业年报", pubdata.ClassConditional, pubdata.ClassConditional))
	e.publish(pbEditor, x.ID)
	// Anonymous: sign in first.
	if w := e.page("GET", "/apply?entry="+x.ID, nil, web.LangZH, nil); w.Code != http.StatusUnauthorized && w.Code != http.StatusSeeOther {
		t.Fatalf("anonymous: %d", w.Code)
	}
	// A public body uses the console's share form, not the public one.
	pb := e.login("fz-scj-member")
	w := e.page("GET", "/apply?entry="+x.ID, pb, web.LangZH, nil)
	wantStatus(t, "public body", w, http.StatusForbidden)
	w = e.page("POST", "/apply", pb, web.LangZH, url.Values{"entry": {x.ID}, "demand_type": {"research"}, "description": {"x"}, "purpose": {"x"}, "until": {paUntil()}})
	wantStatus(t, "public body post", w, http.StatusForbidden)
	if apps, _, _, _ := e.srv.Applications.FindApplications(system, pubdata.ApplicationFilter{}); len(apps) != 0 {
		t.Fatalf("applications %+v", apps)
	}
	// An entry the public cannot see (not shared, not open is still listed; a missing one is not).
	w = e.page("GET", "/apply?entry=nope", e.login(citizen), web.LangZH, nil)
	wantStatus(t, "missing entry", w, http.StatusNotFound)
}
