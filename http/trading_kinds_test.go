package http

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// Issue 16, the last gaps: every kind of product passes the trade gate or is refused naming
// the rule; the contribution terms of non-public data have a console page and show on the
// entry's pages.

// TestTradeEveryProductKind: a file product whose content is a CSV table goes through the
// same gate on its rows; a model's output passes only with the anonymiser's report of the
// data it was derived from and an aggregate-only declaration, and is refused naming each
// rule it fails.
func TestTradeEveryProductKind(t *testing.T) {
	te := newTradeEnv(t)
	te.srv.FileStore = te.blobs
	te.srv.DevSpaces = sqlstore.NewDevSpaceService(te.db)
	m := te.modelContract()
	base := "/api/v1/devspaces/" + te.space.ID + "/products"
	list := func(product string) *httptest.ResponseRecorder {
		return te.do(req{method: "POST", path: "/api/v1/listings", as: "dev-editor",
			body: map[string]any{"product": product, "licence": "CC-BY-4.0", "price_model": "free", "model_contract": m.ID}})
	}
	upload := func(reg map[string]any, name, content string) *httptest.ResponseRecorder {
		raw, _ := json.Marshal(reg)
		ct, body := multipartFile(map[string]string{"product": string(raw)}, name, []byte(content))
		return te.send("POST", base, "dev-editor", ct, body, nil)
	}
	register := func(reg map[string]any) *pubdata.Product {
		t.Helper()
		w := te.do(req{method: "POST", path: base, as: "dev-editor", body: reg})
		if w.Code != http.StatusCreated {
			t.Fatalf("register %v: %d %s", reg["title"], w.Code, w.Body)
		}
		return decode[*pubdata.Product](t, w)
	}
	qis := []string{"district", "age_band"}

	// A file table, uploaded with its quasi-identifiers: measured on its own rows.
	w := upload(map[string]any{"title": "区县年龄结构表", "kind": "file", "entries": []string{te.entry.ID}, "quasi_identifiers": qis}, "stats.csv", safeCSV())
	if w.Code != http.StatusCreated {
		t.Fatalf("register a file table: %d %s", w.Code, w.Body)
	}
	file := decode[*pubdata.Product](t, w)
	if file.ContentFormat != "CSV" || file.ContentRows != 20 || len(file.QuasiIdentifiers) != 2 || file.ContentRef == "" {
		t.Fatalf("the file table: %+v", file)
	}
	if w := list(file.ID); w.Code != http.StatusCreated {
		t.Fatalf("list the file table: %d %s", w.Code, w.Body)
	} else if l := decode[*pubdata.Listing](t, w); l.Gate.Basis != pubdata.GateContent || l.Gate.K != 10 || !l.Gate.Passed {
		t.Fatalf("the file table's gate: %+v", l.Gate)
	}
	// A risky file table is refused as a risky table is; a column not in the file is
	// refused at registration.
	w = upload(map[string]any{"title": "逐户收入（文件）", "kind": "file", "entries": []string{te.entry.ID}, "quasi_identifiers": qis}, "risky.csv", riskyCSV)
	if w.Code != http.StatusCreated {
		t.Fatalf("register a risky file table: %d %s", w.Code, w.Body)
	}
	w = list(decode[*pubdata.Product](t, w).ID)
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), "re-identification risk (prosecutor model) is 1,") {
		t.Errorf("the risky file table's refusal: %s", w.Body)
	}
	w = upload(map[string]any{"title": "x", "kind": "file", "entries": []string{te.entry.ID}, "quasi_identifiers": []string{"nope"}}, "stats.csv", safeCSV())
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), "nope") {
		t.Errorf("an unknown column's refusal: %s", w.Body)
	}

	// A model's output with nothing the gate can check: refused, naming both rules.
	bare := register(map[string]any{"title": "信用评分模型输出", "kind": "model_output", "entries": []string{te.entry.ID}})
	w = list(bare.ID)
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if body := w.Body.String(); !strings.Contains(body, "derived_from") || !strings.Contains(body, "aggregates only") {
		t.Errorf("the bare model output's refusal does not name its rules: %s", body)
	}
	// With the report of the data it was derived from and a declaration of groups ≥ k: listed.
	src := te.product("年龄结构（匿名化）", safeCSV())
	model := register(map[string]any{"title": "区县人口模型（汇总）", "kind": "model_output", "entries": []string{te.entry.ID}, "derived_from": src.RunID,
		"declaration": map[string]any{"aggregate_only": true, "min_group_size": 10, "statement": "只输出区县级汇总"}})
	if model.Processing.DerivedFrom == nil || model.Processing.DerivedFrom.Run != src.RunID {
		t.Fatalf("the model output's report: %+v", model.Processing)
	}
	if w := list(model.ID); w.Code != http.StatusCreated {
		t.Fatalf("list the declared model output: %d %s", w.Code, w.Body)
	} else if l := decode[*pubdata.Listing](t, w); l.Gate.Basis != pubdata.GateDeclared || l.Gate.MinGroupSize != 10 || l.Gate.DerivedRun != src.RunID {
		t.Fatalf("the declared gate: %+v", l.Gate)
	}
	// Groups below k: refused naming the rule, in Chinese too.
	small := register(map[string]any{"title": "小区模型输出", "kind": "model_output", "entries": []string{te.entry.ID}, "derived_from": src.RunID,
		"declaration": map[string]any{"aggregate_only": true, "min_group_size": 2}})
	w = list(small.ID)
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), "groups of at least 2 records") {
		t.Errorf("the small groups' refusal: %s", w.Body)
	}
	w = te.do(req{method: "POST", path: "/api/v1/listings?lang=zh-CN", as: "dev-editor",
		body: map[string]any{"product": small.ID, "licence": "CC-BY-4.0", "price_model": "free", "model_contract": m.ID}})
	if !strings.Contains(w.Body.String(), "汇总分组最少只有 2 条记录") {
		t.Errorf("the Chinese refusal: %s", w.Body)
	}
	// A registration cannot claim the anonymiser's report itself.
	forged := register(map[string]any{"title": "伪造报告", "kind": "model_output", "entries": []string{te.entry.ID},
		"processing": map[string]any{"derived_from": map[string]any{"run": "forged", "k": 100}}, "declaration": map[string]any{"aggregate_only": true, "min_group_size": 10}})
	if forged.Processing.DerivedFrom != nil {
		t.Fatalf("a forged report was kept: %+v", forged.Processing.DerivedFrom)
	}
	wantError(t, list(forged.ID), http.StatusBadRequest, pubdata.EINVALID)
}

// TestContributionTermsPage: a non-public unit's editor sets the terms of its entry on the
// console page and sees them there and on the entry's page; its member sees them but may not
// set them; public bodies and authorities have no such page.
func TestContributionTermsPage(t *testing.T) {
	te := newTradeEnv(t)
	f := testEntryFields("企业用电数据")
	f.Division = "350100"
	ent, err := te.srv.Entries.CreateEntry(system, "fz-dev", "", f)
	if err != nil {
		t.Fatal(err)
	}
	editor, member := te.login("dev-editor"), te.login("dev-member")
	for _, lang := range []string{"zh-CN", "en"} {
		w := te.page("GET", "/console/contributions", editor, lang, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "企业用电数据") || !strings.Contains(w.Body.String(), `id="contribution-form"`) {
			t.Fatalf("the editor's page (%s): %d %s", lang, w.Code, w.Body)
		}
		checkPage(t, w.Body.String(), lang)
	}
	// A period that ends before it starts: the form again, naming the field.
	bad := url.Values{"entry": {ent.ID}, "purposes": {"区域经济研究"}, "from": {"2027-01-01"}, "until": {"2026-01-01"}, "products": {"1"}}
	if w := te.page("POST", "/console/contributions", editor, "en", bad); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "before it starts") {
		t.Fatalf("a bad period: %d %s", w.Code, w.Body)
	}
	good := url.Values{"entry": {ent.ID}, "purposes": {"区域经济研究与数据产品开发"}, "users": {"fz-dev, xm-buy"}, "from": {"2026-01-01"}, "until": {"2027-12-31"}, "products": {"1"}}
	if w := te.page("POST", "/console/contributions", editor, "zh-CN", good); w.Code != http.StatusSeeOther {
		t.Fatalf("save the terms: %d %s", w.Code, w.Body)
	}
	c, err := te.srv.Trade.Contribution(system, ent.ID)
	if err != nil || !c.Products || len(c.Users) != 2 || c.UpdatedBy != "dev-editor" {
		t.Fatalf("the saved terms: %+v %v", c, err)
	}
	if evs := te.srvEvents("entry:" + ent.ID); !hasAction(evs, "contribution.set") {
		t.Fatalf("contribution.set is not on the record: %+v", evs)
	}
	// The member sees them, without the form, and may not set them.
	w := te.page("GET", "/console/contributions", member, "zh-CN", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "区域经济研究与数据产品开发") || strings.Contains(w.Body.String(), `id="contribution-form"`) {
		t.Fatalf("the member's page: %d %s", w.Code, w.Body)
	}
	if w := te.page("POST", "/console/contributions", member, "en", good); w.Code != http.StatusForbidden {
		t.Errorf("the member sets terms: %d %s", w.Code, w.Body)
	}
	// Another unit cannot set them on this entry; public bodies and authorities have no page.
	if w := te.page("POST", "/console/contributions", te.login("buy-admin"), "en", good); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "not one of your unit") {
		t.Errorf("another unit sets terms: %d %s", w.Code, w.Body)
	}
	for _, who := range []string{pbEditor, authReviewer} {
		if w := te.page("GET", "/console/contributions", te.login(who), "en", nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "non-public bodies") {
			t.Errorf("the page as %s: %d", who, w.Code)
		}
	}
	if w := te.page("GET", "/console/contributions", nil, "en", nil); w.Code != http.StatusSeeOther {
		t.Errorf("the page signed out: %d", w.Code)
	}
	// The entry's console page shows the terms and links to the form.
	w = te.page("GET", "/console/entries/"+ent.ID, editor, "en", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="entry-contribution"`) || !strings.Contains(w.Body.String(), "区域经济研究与数据产品开发") {
		t.Fatalf("the entry's page: %d %s", w.Code, w.Body)
	}
}
