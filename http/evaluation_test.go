package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

func newEvaluationEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.srv.Evaluations = sqlstore.NewEvaluationService(e.db)
	return e
}

func (e *env) evaluation(method, path, as string, body any, want int) *httpEvaluation {
	e.t.Helper()
	w := e.do(req{method: method, path: path, as: as, body: body})
	if w.Code != want {
		e.t.Fatalf("%s %s as %q: %d, want %d: %s", method, path, as, w.Code, want, w.Body)
	}
	if want != http.StatusOK {
		return nil
	}
	ev := decode[httpEvaluation](e.t, w)
	return &ev
}

type httpEvaluation struct {
	pubdata.Evaluation
	Period string `json:"period"`
}

// TestEvaluationAPI: only the platform authority's admin computes and publishes; a draft is
// invisible to the public and to units (404, as if absent) and visible to the authorities;
// publishing before the period ends needs "early"; a published period is public, frozen
// (computing or publishing again is 409 with the reason, in the caller's language); bad
// periods are 400 naming the problem in the caller's language.
func TestEvaluationAPI(t *testing.T) {
	e := newEvaluationEnv(t)
	e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	period := pubdata.MonthPeriod(time.Now()).Key // running: not ended
	compute := "/api/v1/evaluations/" + period + "/compute"
	publish := "/api/v1/evaluations/" + period + "/publish"
	e.evaluation("POST", compute, anonymous, nil, http.StatusUnauthorized)
	for _, who := range []string{pbAdmin, pbEditor, authReviewer, authMember, cityAdmin, citizen} {
		e.evaluation("POST", compute, who, nil, http.StatusForbidden)
	}
	ev := e.evaluation("POST", compute, authAdmin, nil, http.StatusOK)
	if ev.Status != pubdata.EvaluationDraft || ev.Period != period || len(ev.Results) != 3 || ev.Results[0].Org != "fj-gat" || ev.Results[0].Facts.Published != 1 {
		t.Fatalf("draft %+v", ev)
	}
	// The draft: the authorities see it; the public and the units do not.
	for _, who := range []string{anonymous, citizen, pbAdmin, pbMember} {
		e.evaluation("GET", "/api/v1/evaluations?period="+period, who, nil, http.StatusNotFound)
		list := decode[struct {
			Items []*pubdata.Evaluation `json:"items"`
		}](t, e.do(req{path: "/api/v1/evaluations", as: who}))
		if len(list.Items) != 0 {
			t.Fatalf("%q lists the draft: %+v", who, list.Items)
		}
	}
	for _, who := range []string{authAdmin, authReviewer, cityAdmin} {
		e.evaluation("GET", "/api/v1/evaluations?period="+period, who, nil, http.StatusOK)
	}
	if w := e.do(req{path: "/evaluation?period=" + period}); w.Code != http.StatusNotFound {
		t.Fatalf("portal shows the draft: %d", w.Code)
	}
	if w := e.do(req{path: "/evaluation/export?period=" + period}); w.Code != http.StatusNotFound {
		t.Fatalf("anonymous export of the draft: %d", w.Code)
	}
	if w := e.do(req{path: "/evaluation"}); w.Code != 200 || strings.Contains(w.Body.String(), "福建省公安厅") || !strings.Contains(w.Body.String(), `id="eval-none"`) {
		t.Fatalf("portal before publishing: %d", w.Code)
	}
	// Publishing: the units may not; before the end only on purpose.
	for _, who := range []string{pbAdmin, authReviewer, cityAdmin} {
		e.evaluation("POST", publish, who, map[string]bool{"early": true}, http.StatusForbidden)
	}
	w := e.do(req{method: "POST", path: publish, as: authAdmin, header: http.Header{"Accept-Language": {"zh-CN"}}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "尚未结束") {
		t.Fatalf("publish before the end: %d %s", w.Code, w.Body)
	}
	pub := e.evaluation("POST", publish, authAdmin, map[string]bool{"early": true}, http.StatusOK)
	if pub.Status != pubdata.EvaluationPublished || pub.Complete || pub.PublishedBy != authAdmin {
		t.Fatalf("published %+v", pub)
	}
	if evs := e.srvEvents("evaluation:" + period); len(evs) != 2 || evs[0].Action != "evaluation.publish" && evs[1].Action != "evaluation.publish" {
		t.Fatalf("events %+v", evs)
	}
	// Published: public, and frozen.
	got := e.evaluation("GET", "/api/v1/evaluations?period="+period, anonymous, nil, http.StatusOK)
	if got.Status != pubdata.EvaluationPublished || len(got.Results) != 3 {
		t.Fatalf("public %+v", got)
	}
	w = e.do(req{method: "POST", path: compute, as: authAdmin})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "frozen") {
		t.Fatalf("recompute a published period: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: compute + "?lang=zh-CN", as: authAdmin})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "已冻结") {
		t.Fatalf("recompute, in Chinese: %d %s", w.Code, w.Body)
	}
	e.evaluation("POST", publish, authAdmin, nil, http.StatusConflict)
	// Bad periods name the problem, in the caller's language.
	for path, want := range map[string]string{
		"/api/v1/evaluations?period=2026-13":            "The month 13",
		"/api/v1/evaluations?period=2026-13&lang=zh-CN": "月份 13",
		"/api/v1/evaluations?period=2026-Q5":            "quarter Q5",
		"/api/v1/evaluations?period=Q4-2026":            "is not a period",
		"/api/v1/evaluations?period=":                   "Name a period",
		"/evaluation?period=2026-Q9":                    "Q9",
	} {
		w := e.do(req{path: path, header: http.Header{"Accept-Language": {"en"}}})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d %s, want 400 naming %q", path, w.Code, w.Body, want)
		}
	}
	w = e.do(req{method: "POST", path: "/api/v1/evaluations/2026-00/compute", as: authAdmin, header: http.Header{"Accept-Language": {"zh-CN"}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "月份 00") {
		t.Fatalf("compute a bad period: %d %s", w.Code, w.Body)
	}
	// The weights: public to read, the platform authority's admin's to set.
	e.evaluation("PUT", "/api/v1/evaluations/weights", pbAdmin, map[string]any{"weights": map[string]float64{"quality": 100}}, http.StatusForbidden)
	e.evaluation("PUT", "/api/v1/evaluations/weights", cityAdmin, map[string]any{"weights": map[string]float64{"quality": 100}}, http.StatusForbidden)
	if w := e.do(req{method: "PUT", path: "/api/v1/evaluations/weights", as: authAdmin, body: map[string]any{"weights": map[string]float64{"beauty": 1}}}); w.Code != http.StatusBadRequest {
		t.Fatalf("unknown indicator: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "PUT", path: "/api/v1/evaluations/weights", as: authAdmin, body: map[string]any{"weights": map[string]float64{"quality": 60, "usage": 40}}}); w.Code != 200 {
		t.Fatalf("set weights: %d %s", w.Code, w.Body)
	}
	wt := decode[struct {
		Weights map[string]float64 `json:"weights"`
		SetBy   string             `json:"set_by"`
	}](t, e.do(req{path: "/api/v1/evaluations/weights"}))
	if wt.Weights["quality"] != 60 || wt.Weights["catalogue"] != 0 || wt.SetBy != authAdmin {
		t.Fatalf("weights %+v", wt)
	}
}

// TestEvaluationPages: the portal's ranking, a unit's page with its trend chart, the
// method with the weights and the workbook, in both languages; the console page is the
// authorities', its forms the platform authority admin's.
func TestEvaluationPages(t *testing.T) {
	e := newEvaluationEnv(t)
	e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassNone)).ID)
	period := pubdata.MonthPeriod(time.Now()).Key
	e.evaluation("POST", "/api/v1/evaluations/"+period+"/compute", authAdmin, nil, http.StatusOK)
	e.evaluation("POST", "/api/v1/evaluations/"+period+"/publish", authAdmin, map[string]bool{"early": true}, http.StatusOK)
	for _, lang := range []string{"zh-CN", "en"} {
		for path, want := range map[string]string{
			"/evaluation":                  "福建省公安厅",
			"/evaluation/units/fj-gat":     `role="img"`,
			"/evaluation/method":           "36344",
			"/evaluation?period=" + period: `id="eval-table"`,
		} {
			w := e.page("GET", path, nil, lang, nil)
			if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
				t.Fatalf("%s (%s): %d, want %q", path, lang, w.Code, want)
			}
			checkPage(t, w.Body.String(), lang)
		}
	}
	if w := e.page("GET", "/evaluation/method", nil, "zh-CN", nil); !strings.Contains(w.Body.String(), "开放数林") {
		t.Fatal("the method page names the Open Data Forest index")
	}
	if w := e.page("GET", "/evaluation/units/nobody", nil, "en", nil); w.Code != http.StatusNotFound {
		t.Fatalf("unknown unit: %d", w.Code)
	}
	w := e.page("GET", "/evaluation/export?period="+period, nil, "en", nil)
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), "PK") || !strings.Contains(w.Header().Get("Content-Disposition"), "evaluation-"+period+".xlsx") {
		t.Fatalf("export: %d %q", w.Code, w.Header())
	}
	// The console page: the authorities only; the forms for the platform authority's admin.
	if w := e.page("GET", "/console/evaluation", e.login(pbAdmin), "en", nil); w.Code != http.StatusForbidden {
		t.Fatalf("a unit's admin on the console page: %d", w.Code)
	}
	rev := e.login(authReviewer)
	w = e.page("GET", "/console/evaluation", rev, "zh-CN", nil)
	if w.Code != 200 || strings.Contains(w.Body.String(), `action="/console/evaluation/compute"`) || !strings.Contains(w.Body.String(), `id="eval-frozen"`) {
		t.Fatalf("reviewer's console page: %d", w.Code)
	}
	checkPage(t, w.Body.String(), "zh-CN")
	if w := e.page("POST", "/console/evaluation/compute", rev, "en", url.Values{"period": {"2026-11"}}); w.Code != http.StatusForbidden {
		t.Fatalf("a reviewer computes: %d", w.Code)
	}
	admin := e.login(authAdmin)
	w = e.page("POST", "/console/evaluation/compute", admin, "en", url.Values{"period": {"2026-13"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "The month 13") {
		t.Fatalf("a bad period on the form: %d", w.Code)
	}
	checkPage(t, w.Body.String(), "en")
	w = e.page("POST", "/console/evaluation/weights", admin, "en", url.Values{"w_quality": {"abc"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Write a number") {
		t.Fatalf("a bad weight: %d", w.Code)
	}
	w = e.page("POST", "/console/evaluation/compute", admin, "en", url.Values{"period": {period}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "frozen") {
		t.Fatalf("recompute on the form: %d", w.Code)
	}
}
