package http

import (
	"net/http"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// TestAuthorityReach (issue 12 item 5): the platform's own settings — its mask policy, the
// authoritative sources of data elements, the working-day calendar — are the provincial
// authority's; a city authority's admin is refused (it had set the province-wide mask
// policy to none and reassigned the source of resident_id).
func TestAuthorityReach(t *testing.T) {
	e := newAccessEnv(t)
	for _, c := range []struct {
		name         string
		method, path string
		body         any
	}{
		{"platform mask policy", "PUT", "/api/v1/mask-policy", map[string]any{"grade_3": "none", "grade_4": "none", "personal": "none"}},
		{"element source", "PUT", "/api/v1/elements/resident_id/source", map[string]any{"org": "fz-dsj"}},
		{"calendar correction", "PUT", "/api/v1/calendar/2026/days/2026-12-07", map[string]any{"workday": false, "reason": "city holiday"}},
	} {
		w := e.do(req{method: c.method, path: c.path, as: cityAdmin, body: c.body})
		if w.Code != http.StatusForbidden {
			t.Errorf("a city authority's admin: %s: %d %.200s", c.name, w.Code, w.Body)
		}
	}
}

// TestAuthorityReachHandlers (issue 12 item 5): the handlers of the authority's powers over
// a province-level object refuse a city authority's admin — it neither sees the object (404)
// nor may act on it (403) — and change nothing.
func TestAuthorityReachHandlers(t *testing.T) {
	e := newAccessEnv(t)
	refused := func(name string, w interface{ Result() *http.Response }, body string) {
		t.Helper()
		if c := w.Result().StatusCode; c != http.StatusForbidden && c != http.StatusNotFound {
			t.Errorf("a city authority's admin: %s: %d %.200s", name, c, body)
		}
	}
	// Review, and review with the pre-open check overridden, of fj-gat's provincial entry.
	draft := e.createEntry(pbEditor, entryBody("省级企业登记信息", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	e.submit(pbEditor, draft.ID)
	for _, body := range []map[string]string{
		{"decision": "approve", "comment": "同意"},
		{"decision": "reject", "comment": "不同意"},
		{"decision": "approve", "comment": "同意", "override_reason": "测试"},
	} {
		w := review(e, cityAdmin, draft.ID, body)
		refused("review "+body["decision"], w, w.Body.String())
	}
	// Purge of a provincial table's history.
	en := e.accessTable("省级人口信息", pubdata.ClassUnconditional, pubdata.ClassNone)
	list := decode[web.ListReply[*pubdata.Batch]](t, e.do(req{path: "/api/v1/entries/" + en.ID + "/batches", as: authReviewer}))
	if len(list.Items) == 0 {
		t.Fatal("no batch")
	}
	w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/purge", as: cityAdmin, body: map[string]string{"batch": list.Items[0].ID, "reason": "到期"}})
	refused("purge", w, w.Body.String())
	// Sanctions of a provincial body and of another city's body.
	for _, code := range []string{"fj-gat", "xm-scj"} {
		w := e.do(req{method: "POST", path: "/api/v1/orgs/" + code + "/suspend", as: cityAdmin, body: map[string]string{"reason": "违规"}})
		refused("suspend "+code, w, w.Body.String())
	}
	// Organisations and users outside Fuzhou.
	w = e.do(req{method: "POST", path: "/api/v1/orgs", as: cityAdmin, body: map[string]string{"code": "xm-new", "name": "厦门新机构", "kind": "public_body", "division": "350200"}})
	refused("create an organisation in Xiamen", w, w.Body.String())
	w = e.do(req{method: "POST", path: "/api/v1/users", as: cityAdmin, body: map[string]string{"username": "gat-new", "password": "pw-gat-new-secret", "display_name": "新用户", "org": "fj-gat", "role": "admin"}})
	refused("create a user in fj-gat", w, w.Body.String())

	// Nothing changed: the entry is still under review, the table whole, fj-gat active.
	if got := decode[*pubdata.Entry](t, e.do(req{path: "/api/v1/entries/" + draft.ID, as: authReviewer})); got.Status != pubdata.StatusSubmitted {
		t.Errorf("entry after the city's review: %s", got.Status)
	}
	if rows, _ := e.rowsOf("/api/v1/entries/"+en.ID+"/rows", authAdmin); len(rows) != 4 {
		t.Errorf("rows after the city's purge: %d", len(rows))
	}
	for _, ev := range e.events("org.suspend") {
		if ev.Object == "org:fj-gat" || ev.Object == "org:xm-scj" {
			t.Errorf("suspension recorded: %+v", ev)
		}
	}
}
