package http

import (
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestAggregationReview is issue 15 item 8 over HTTP: a body holding a grant on one person
// table applies for another that joins it by the resident ID; the application's JSON carries
// the assessment, the provider cannot approve until the covering authority clears it; who may
// list, review and set the threshold; the console's list, review form and threshold form.
func TestAggregationReview(t *testing.T) {
	e := newAccessEnv(t)
	e.srv.Security = sqlstore.NewSecurityService(e.db)
	consumer := "xm-scj-member"
	people := e.accessTable("户籍人口", pubdata.ClassConditional, pubdata.ClassNone)
	homes := e.accessTable("居住登记", pubdata.ClassConditional, pubdata.ClassNone)
	until := e.clock().In(pubdata.ChinaTime).AddDate(0, 0, 60).Format(pubdata.DateFormat)
	apply := func(en *pubdata.Entry, items ...string) *pubdata.Application {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/applications", as: consumer, body: map[string]any{"entry": en.ID, "kind": "share", "items": items,
			"purpose": "流动人口服务管理", "basis": "《居住证暂行条例》", "until": until}})
		if w.Code != 201 {
			t.Fatalf("apply: %d %s", w.Code, w.Body)
		}
		return decode[*pubdata.Application](t, w)
	}
	decide := func(id, as string) int {
		return e.do(req{method: "POST", path: "/api/v1/applications/" + id + "/decide", as: as, body: map[string]any{"decision": "approve"}}).Code
	}
	first := apply(people, "id_no", "name", "age")
	if first.Aggregation == nil || first.Aggregation.Entries != 1 || first.Aggregation.Review != "" {
		t.Fatalf("single entry: %+v", first.Aggregation)
	}
	if c := decide(first.ID, pbAdmin); c != 200 {
		t.Fatalf("approve the first: %d", c)
	}
	second := apply(homes, "id_no", "address")
	if g := second.Aggregation; g == nil || g.Entries != 2 || g.Review != pubdata.AggregationRequired || g.Score < g.Threshold {
		t.Fatalf("combination: %+v", g)
	}
	w := e.do(req{method: "POST", path: "/api/v1/applications/" + second.ID + "/decide", as: pbAdmin, body: map[string]any{"decision": "approve"}})
	wantError(t, w, 409, pubdata.ECONFLICT)
	if !strings.Contains(w.Body.String(), "aggregation risk is") {
		t.Fatalf("refusal names the review: %s", w.Body)
	}

	// The list: the covering authority's admins and reviewers only.
	wantError(t, e.do(req{path: "/api/v1/aggregations"}), 401, pubdata.EUNAUTHORIZED)
	wantError(t, e.do(req{path: "/api/v1/aggregations", as: consumer}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/aggregations", as: pbAdmin}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/aggregations?review=maybe", as: authReviewer}), 400, pubdata.EINVALID)
	w = e.do(req{path: "/api/v1/aggregations", as: authReviewer})
	list := decode[api.AggregationListReply](t, w)
	if w.Code != 200 || list.Threshold != pubdata.DefaultAggregationThreshold || len(list.Items) != 1 || list.Items[0].Application != second.ID {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	if l := decode[api.AggregationListReply](t, e.do(req{path: "/api/v1/aggregations", as: cityAdmin})); len(l.Items) != 0 {
		t.Fatalf("another division's authority lists %+v", l.Items)
	}
	if l := decode[api.AggregationListReply](t, e.do(req{path: "/api/v1/aggregations?all=1", as: authReviewer})); len(l.Items) != 2 {
		t.Fatalf("all=1 lists %d", len(l.Items))
	}

	// The review: not the provider, not the applicant, not an authority that does not cover it.
	review := func(as string, body map[string]any) int {
		return e.do(req{method: "POST", path: "/api/v1/applications/" + second.ID + "/aggregation-review", as: as, body: body}).Code
	}
	clear := map[string]any{"decision": "clear", "note": "履职所需，已核实"}
	for as, want := range map[string]int{pbAdmin: 403, consumer: 403, cityAdmin: 404, authMember: 403} {
		if c := review(as, clear); c != want {
			t.Errorf("review as %s: %d, want %d", as, c, want)
		}
	}
	if c := review(authReviewer, map[string]any{"decision": "maybe"}); c != 400 {
		t.Errorf("unknown decision: %d", c)
	}
	if c := review(authReviewer, map[string]any{"decision": "refuse"}); c != 400 {
		t.Errorf("refusal without a note: %d", c)
	}

	// The console: the application's page shows the assessment and the authority's form.
	rv := e.login(authReviewer)
	for _, lang := range []string{"zh-CN", "en"} {
		p := e.page("GET", "/console/applications/"+second.ID, rv, lang, nil)
		if p.Code != 200 || !strings.Contains(p.Body.String(), `id="agg-parts"`) || !strings.Contains(p.Body.String(), `id="agg-clear"`) {
			t.Fatalf("application page (%s): %d", lang, p.Code)
		}
		checkPage(t, p.Body.String(), lang)
		p = e.page("GET", "/console/aggregations", rv, lang, nil)
		if p.Code != 200 || !strings.Contains(p.Body.String(), `id="agg-`+second.ID+`"`) {
			t.Fatalf("aggregations page (%s): %d", lang, p.Code)
		}
		checkPage(t, p.Body.String(), lang)
	}
	if p := e.page("GET", "/console/aggregations", e.login(pbAdmin), "", nil); p.Code != 403 {
		t.Errorf("the provider's admin opened the list: %d", p.Code)
	}
	if p := e.page("GET", "/console/applications/"+second.ID, e.login(pbAdmin), "", nil); p.Code != 200 || strings.Contains(p.Body.String(), `id="agg-clear"`) ||
		!strings.Contains(p.Body.String(), `id="agg-waiting"`) {
		t.Errorf("the provider's page: %d", p.Code)
	}
	// A refusal's note is required on the form too; clearing works from the page.
	if p := e.page("POST", "/console/applications/"+second.ID+"/aggregation", rv, "en", url.Values{"decision": {"refuse"}}); p.Code != 400 || !strings.Contains(p.Body.String(), `id="agg-note-error"`) {
		t.Fatalf("refuse without a note: %d", p.Code)
	}
	if p := e.page("POST", "/console/applications/"+second.ID+"/aggregation", rv, "", url.Values{"decision": {"clear"}, "note": {"履职所需"}}); p.Code != 303 {
		t.Fatalf("clear from the page: %d %s", p.Code, p.Body)
	}
	if c := review(authReviewer, clear); c != 409 {
		t.Errorf("reviewed twice: %d", c)
	}
	if c := decide(second.ID, pbAdmin); c != 200 {
		t.Fatalf("approve after clearance: %d", c)
	}
	got := decode[*pubdata.Application](t, e.do(req{path: "/api/v1/applications/" + second.ID, as: consumer}))
	if got.Aggregation == nil || got.Aggregation.Review != pubdata.AggregationCleared || got.Aggregation.ReviewedBy != authReviewer || got.Status != pubdata.AppApproved {
		t.Fatalf("the applicant's view: %+v", got.Aggregation)
	}

	// The threshold: the platform authority's admins only, 1–100.
	admin := e.login(authAdmin)
	if p := e.page("POST", "/console/aggregations/threshold", admin, "en", url.Values{"threshold": {"abc"}}); p.Code != 400 || !strings.Contains(p.Body.String(), `id="agg-threshold-error"`) {
		t.Fatalf("threshold abc: %d", p.Code)
	}
	if p := e.page("POST", "/console/aggregations/threshold", e.login(cityAdmin), "", url.Values{"threshold": {"80"}}); p.Code != 403 {
		t.Fatalf("the city's admin set the threshold: %d", p.Code)
	}
	if p := e.page("POST", "/console/aggregations/threshold", admin, "", url.Values{"threshold": {"80"}}); p.Code != 303 {
		t.Fatalf("threshold 80: %d %s", p.Code, p.Body)
	}
	if l := decode[api.AggregationListReply](t, e.do(req{path: "/api/v1/aggregations", as: authReviewer})); l.Threshold != 80 {
		t.Fatalf("threshold now %d", l.Threshold)
	}
}
