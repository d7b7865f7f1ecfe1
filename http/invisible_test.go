package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// Usable but invisible (issue 16 item 2): no read kind returns a row of an invisible entry
// to a consumer; verification answers yes or no; aggregates are noisy, suppress small
// groups and spend a budget that refuses the query that would exceed it; every use is on
// the record with its purpose.
func TestUsableButInvisible(t *testing.T) {
	e := newAccessEnv(t)
	e.srv.Privacy = sqlstore.NewPrivacyService(e.db)
	b := entryBody("人口信息（可用不可见）", pubdata.ClassUnconditional, pubdata.ClassConditional)
	b["items"] = personItems
	b["usable_invisible"] = true
	b["invisible_terms"] = map[string]any{"group_columns": []string{"city"}, "min_group_size": 2, "privacy_budget": 1}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(personRows()), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v", bt)
	}
	// A normal entry: verification and aggregates are refused there (its rows can be read).
	plain := e.accessTable("人口信息（普通）", pubdata.ClassUnconditional, pubdata.ClassConditional)
	header := purposeHeader(sharePurpose)

	// Every read kind, for every caller but the provider and the authority: no rows.
	paths := []string{
		"/api/v1/entries/" + en.ID + "/rows",
		"/api/v1/entries/" + en.ID + "/rows?_format=csv",
		"/api/v1/entries/" + en.ID + "/rows?_format=ndjson",
		"/api/v1/entries/" + en.ID + "/rows?id_no=" + idA,
		"/api/3/action/datastore_search?resource_id=" + en.ID,
		"/api/3/action/datastore_search?resource_id=" + en.ID + "&q=张三",
		"/api/3/action/datastore_info?id=" + en.ID,
		"/datastore/dump/" + en.ID,
		"/downloads/" + en.ID + "/csv",
		"/downloads/" + en.ID + "/json",
	}
	for _, who := range []string{"xm-scj-member", citizen, anonymous, pbEditor, authMember} {
		for _, path := range paths {
			w := e.do(req{path: path, as: who, header: header})
			body := w.Body.String()
			leaks := strings.Contains(body, "欧阳") || strings.Contains(body, idB) || strings.Contains(body, "13900001111")
			owner := who == pbEditor || who == authMember
			if owner && path == "/api/v1/entries/"+en.ID+"/rows" && (w.Code != 200 || !leaks) {
				t.Errorf("%s %s: the provider and the authority read the rows: %d %s", who, path, w.Code, body)
			}
			if !owner && (w.Code == 200 || leaks) {
				t.Errorf("%s %s: %d, a row of an invisible entry: %.300s", who, path, w.Code, body)
			}
		}
		// The preview on the entry's page shows no row either.
		w := e.do(req{path: "/catalog/" + en.Code, as: who})
		if who != pbEditor && who != authMember && strings.Contains(w.Body.String(), "欧阳") {
			t.Errorf("%s: the entry page previews a row", who)
		}
	}
	w := e.do(req{path: "/api/v1/entries/" + en.ID + "/rows", as: "xm-scj-member", header: header})
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "invisible") {
		t.Errorf("the refusal does not say why: %d %s", w.Code, w.Body)
	}

	verify := func(who string, values map[string]string, h http.Header) (int, string) {
		w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/verify", as: who, header: h, body: map[string]any{"values": values}})
		return w.Code, w.Body.String()
	}
	if code, body := verify("xm-scj-member", map[string]string{"id_no": idB, "name": "欧阳娜娜"}, header); code != 200 || body != `{"match":true}`+"\n" && body != `{"match":true}` {
		t.Errorf("verify a true pair: %d %s", code, body)
	}
	if code, body := verify("xm-scj-member", map[string]string{"id_no": idB, "name": "张三"}, header); code != 200 || !strings.Contains(body, `"match":false`) {
		t.Errorf("verify a false pair: %d %s", code, body)
	}
	if code, body := verify("xm-scj-member", map[string]string{"name": "张三"}, header); code != 400 || !strings.Contains(body, "key") {
		t.Errorf("verify without a key item: %d %s", code, body)
	}
	if code, body := verify("xm-scj-member", map[string]string{"id_no": idB, "nope": "x"}, header); code != 400 || !strings.Contains(body, "nope") {
		t.Errorf("verify an unknown item: %d %s", code, body)
	}
	if code, _ := verify("xm-scj-member", map[string]string{"id_no": idB}, nil); code != 403 {
		t.Errorf("verify without a purpose: %d", code)
	}
	if code, _ := verify(anonymous, map[string]string{"id_no": idB}, header); code != 401 {
		t.Errorf("anonymous verify: %d", code)
	}
	if code, _ := verify(citizen, map[string]string{"id_no": idB}, header); code != 403 {
		t.Errorf("a public user verifies shared data: %d", code)
	}
	if code, _ := verify(suspended, map[string]string{"id_no": idB}, header); code != 403 {
		t.Errorf("a suspended body verifies: %d", code)
	}
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + plain.ID + "/verify", as: "xm-scj-member", header: header, body: map[string]any{"values": map[string]string{"id_no": idB}}})
	if w.Code != 403 {
		t.Errorf("verify on a readable entry: %d %s", w.Code, w.Body)
	}

	aggregate := func(who string, body map[string]any) (int, map[string]any, string) {
		w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/aggregate", as: who, header: header, body: body})
		var out map[string]any
		json.Unmarshal(w.Body.Bytes(), &out)
		return w.Code, out, w.Body.String()
	}
	for _, bad := range []struct {
		body map[string]any
		code int
		want string
	}{
		{map[string]any{"group_by": "name", "measures": []any{map[string]any{"op": "count"}}, "epsilon": 0.1}, 403, "name"},
		{map[string]any{"measures": []any{map[string]any{"op": "sum", "column": "age"}}, "epsilon": 0.1}, 400, "bounds"},
		{map[string]any{"measures": []any{map[string]any{"op": "count"}}, "epsilon": 5}, 400, "psilon"},
		{map[string]any{"measures": []any{map[string]any{"op": "sum", "column": "note", "lower": 0, "upper": 9}}, "epsilon": 0.1}, 400, "note"},
		{map[string]any{"measures": []any{map[string]any{"op": "median", "column": "age"}}, "epsilon": 0.1}, 400, "median"},
	} {
		if code, _, body := aggregate("xm-scj-member", bad.body); code != bad.code || !strings.Contains(body, bad.want) {
			t.Errorf("%v: %d %s", bad.body, code, body)
		}
	}
	// The grade-4 item (hidden by the policy) cannot be aggregated.
	if code, _, body := aggregate("xm-scj-member", map[string]any{"measures": []any{map[string]any{"op": "count"}}, "epsilon": 0.1, "group_by": "note"}); code != 403 {
		t.Errorf("group by a hidden item: %d %s", code, body)
	}
	code, out, body := aggregate("xm-scj-member", map[string]any{"group_by": "city", "epsilon": 0.6, "measures": []any{
		map[string]any{"op": "count"},
		map[string]any{"op": "mean", "column": "age", "lower": 0, "upper": 120},
		map[string]any{"op": "quantiles", "column": "age", "lower": 0, "upper": 120, "q": []float64{0.5}},
	}})
	if code != 200 {
		t.Fatalf("aggregate: %d %s", code, body)
	}
	if strings.Contains(body, "欧阳") || strings.Contains(body, idB) {
		t.Fatalf("an aggregate returned a row: %s", body)
	}
	groups := map[string]map[string]any{}
	for _, g := range out["groups"].([]any) {
		m := g.(map[string]any)
		groups[fmt.Sprint(m["key"])] = m
	}
	if g := groups["厦门"]; g == nil || g["suppressed"] != true || g["count"] != nil || g["figures"] != nil {
		t.Errorf("the group of one record is not suppressed: %v", groups["厦门"])
	}
	// 1 − two verifications (0.01 each) − 0.6.
	if out["epsilon_spent"] != 0.6 || fmt.Sprint(out["budget_left"]) != "0.38" {
		t.Errorf("budget: %v", out)
	}
	// The next query would exceed the budget: refused, nothing spent.
	if code, _, body := aggregate("xm-scj-member", map[string]any{"epsilon": 0.5, "measures": []any{map[string]any{"op": "count"}}}); code != 403 || !strings.Contains(body, "budget") {
		t.Errorf("over budget: %d %s", code, body)
	}
	if code, out, body := aggregate("xm-scj-member", map[string]any{"epsilon": 0.3, "measures": []any{map[string]any{"op": "count"}}}); code != 200 || fmt.Sprint(out["budget_left"]) != "0.08" {
		t.Errorf("within budget: %d %s", code, body)
	}
	// On the record, with the purpose.
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.aggregate", Object: "entry:" + en.ID, Limit: 10})
	if err != nil || len(evs) != 2 || evs[0].Purpose != sharePurpose || evs[0].Actor != "xm-scj-member" {
		t.Fatalf("aggregate events: %v %+v", err, evs)
	}
	evs, _, _, err = e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.verify", Object: "entry:" + en.ID, Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("verify events: %v %d", err, len(evs))
	}

	// The pages: the entry page points to the use page; there a consumer verifies and
	// aggregates with a purpose in the form, and sees no row.
	w = e.do(req{path: "/catalog/" + en.ID, as: "xm-scj-member"})
	if !strings.Contains(w.Body.String(), "/catalog/"+en.ID+"/use") {
		t.Errorf("the entry page does not link the use page")
	}
	if w := e.do(req{path: "/catalog/" + plain.ID + "/use", as: "xm-scj-member"}); w.Code != 404 {
		t.Errorf("use page of a readable entry: %d", w.Code)
	}
	w = e.do(req{path: "/catalog/" + en.ID + "/use", as: "xm-scj-member"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="v.id_no"`) {
		t.Fatalf("use page: %d %s", w.Code, w.Body)
	}
	form := url.Values{"action": {"verify"}, "purpose": {sharePurpose}, "v.id_no": {idB}, "v.name": {"欧阳娜娜"}}
	w = e.do(req{method: "POST", path: "/catalog/" + en.ID + "/use", as: "xm-scj-member", body: form})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="use-verify-result"`) || strings.Contains(w.Body.String(), "13900001111") {
		t.Errorf("verify on the page: %d %s", w.Code, w.Body)
	}
	form = url.Values{"action": {"verify"}, "purpose": {""}, "v.id_no": {idB}}
	if w := e.do(req{method: "POST", path: "/catalog/" + en.ID + "/use", as: "xm-scj-member", body: form}); w.Code != 403 || !strings.Contains(w.Body.String(), `id="use-error"`) {
		t.Errorf("verify without a purpose on the page: %d", w.Code)
	}
	form = url.Values{"action": {"aggregate"}, "purpose": {sharePurpose}, "group_by": {"city"}, "op": {"count"}, "epsilon": {"0.05"}}
	w = e.do(req{method: "POST", path: "/catalog/" + en.ID + "/use", as: "xm-scj-member", body: form})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="use-aggregate-result"`) || strings.Contains(w.Body.String(), "欧阳") {
		t.Errorf("aggregate on the page: %d %s", w.Code, w.Body)
	}
	form.Set("epsilon", "1")
	if w := e.do(req{method: "POST", path: "/catalog/" + en.ID + "/use", as: "xm-scj-member", body: form}); w.Code != 403 || !strings.Contains(w.Body.String(), "ε") {
		t.Errorf("over budget on the page: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/catalog/" + en.ID + "/use", as: anonymous}); w.Code != 303 && w.Code != 302 && w.Code != 401 {
		t.Errorf("anonymous use page: %d", w.Code)
	}
}
