package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// demandPage is a page of the demand list.
type demandPage struct {
	Items []*pubdata.Demand `json:"items"`
	Total int               `json:"total"`
}

func TestDemandAPIFlowAndForbidden(t *testing.T) {
	e := newEnvWith(t, nil)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	e.addUser("fz-scj-editor", "fz-scj", pubdata.RoleEditor)
	e.addUser("xm-scj-editor", "xm-scj", pubdata.RoleEditor)

	// Anonymous may read, not ask.
	w := e.do(req{method: "POST", path: "/api/v1/demands", body: map[string]any{"title": "x"}})
	wantError(t, w, http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	w = e.do(req{method: "POST", path: "/api/v1/demands", as: citizen, body: map[string]any{"title": "公交到站", "description": "实时", "purpose": ""}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	w = e.do(req{method: "POST", path: "/api/v1/demands", as: citizen, body: map[string]any{"title": "公交到站", "description": "各线路实时到站", "items": []string{"线路", "到站时间"}, "purpose": "出行", "division": "350100"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	d := decode[*pubdata.Demand](t, w)
	w = e.do(req{method: "POST", path: "/api/v1/demands", as: pbMember, body: map[string]any{"title": "企业信用", "description": "d", "purpose": "p", "division": "350000"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("create as public body: %d %s", w.Code, w.Body)
	}

	// One vote per user.
	if w = e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/vote", as: pbMember}); w.Code != http.StatusOK || decode[*pubdata.Demand](t, w).Votes != 1 {
		t.Fatalf("vote: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/vote", as: pbMember}), http.StatusConflict, pubdata.ECONFLICT)
	wantError(t, e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/vote"}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/vote", as: citizen})

	// The public list: by votes, with the filter.
	list := decode[demandPage](t, e.do(req{path: "/api/v1/demands?sort=votes"}))
	if list.Total != 2 || list.Items[0].ID != d.ID || list.Items[0].Votes != 2 {
		t.Fatalf("list %+v", list)
	}
	wantError(t, e.do(req{path: "/api/v1/demands?status=lost"}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, e.do(req{path: "/api/v1/demands?role=routed"}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)

	// A public user, a public body and an authority's member cannot route.
	route := map[string]any{"provider": "fz-scj", "note": "请研究"}
	for _, as := range []string{citizen, pbAdmin, authMember} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/route", as: as, body: route}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	w = e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/route", as: cityAdmin, body: route})
	if w.Code != http.StatusOK || decode[*pubdata.Demand](t, w).Status != pubdata.DemandRouted {
		t.Fatalf("route: %d %s", w.Code, w.Body)
	}
	// A provider cannot answer a demand routed elsewhere.
	answer := map[string]any{"outcome": "declined", "reason": "不属于本单位职责"}
	for _, as := range []string{"xm-scj-editor", pbEditor, citizen, "fz-scj-member"} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/answer", as: as, body: answer}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/answer", as: "fz-scj-editor", body: map[string]any{"outcome": "planned"}}), http.StatusBadRequest, pubdata.EINVALID)
	w = e.do(req{method: "POST", path: "/api/v1/demands/" + d.ID + "/answer", as: "fz-scj-editor", body: map[string]any{"outcome": "planned", "expected": "2099-01-31"}})
	if w.Code != http.StatusOK || decode[*pubdata.Demand](t, w).Status != pubdata.DemandPlanned {
		t.Fatalf("answer: %d %s", w.Code, w.Body)
	}
	// The provider's queue, and the requester's notifications.
	list = decode[demandPage](t, e.do(req{path: "/api/v1/demands?role=routed", as: "fz-scj-editor"}))
	if list.Total != 1 || list.Items[0].Expected != "2099-01-31" {
		t.Fatalf("routed %+v", list)
	}
	w = e.do(req{path: "/api/v1/notifications", as: citizen})
	if !strings.Contains(w.Body.String(), pubdata.NoticeDemandPlanned) || !strings.Contains(w.Body.String(), pubdata.NoticeDemandForward) {
		t.Fatalf("requester notifications: %s", w.Body)
	}

	// Pages: the portal list with the vote and the form; the console queues.
	w = e.do(req{path: "/demands?sort=votes"})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "公交到站") || !strings.Contains(w.Body.String(), "2 人支持") {
		t.Fatalf("portal page: %d %s", w.Code, w.Body)
	}
	ck := e.login(citizen)
	w = e.do(req{method: "POST", path: "/demands", cookies: []*http.Cookie{ck}, body: url.Values{"title": {"空气质量"}, "description": {"小时数据"}, "items": {"PM2.5，PM10"}, "purpose": {"研究"}, "division": {"350100"}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("form: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/demands", cookies: []*http.Cookie{ck}, body: url.Values{"title": {"空气质量"}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "form-errors") {
		t.Fatalf("bad form: %d", w.Code)
	}
	w = e.do(req{path: "/console/demands", cookies: []*http.Cookie{e.login(cityAdmin)}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "空气质量") || !strings.Contains(w.Body.String(), "/route") {
		t.Fatalf("authority queue: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: "/console/demands", cookies: []*http.Cookie{e.login("fz-scj-editor")}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "公交到站") || !strings.Contains(w.Body.String(), "/answer") {
		t.Fatalf("provider queue: %d %s", w.Code, w.Body)
	}
	// The lists page still lists the demands.
	if w = e.do(req{path: "/api/v1/lists/demand"}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "空气质量") {
		t.Fatalf("lists/demand: %d %s", w.Code, w.Body)
	}
}

// usageBody is an unconditionally open table without personal items.
func usageBody(title string) map[string]any {
	b := entryBody(title, pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "code", "title": "编号", "type": "string", "key": true},
		{"name": "n", "title": "数量", "type": "integer"},
	}
	return b
}

func TestUsageCountsAfterReads(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.BatchWait = 5 * time.Minute; s.BatchDir = t.TempDir() })
	e.srv.Usage = sqlstore.NewUsageService(e.db)
	en := e.publish(pbEditor, e.createEntry(pbEditor, usageBody("站点统计")).ID)
	e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte("code,n\na,1\nb,2\n"), nil), pbEditor, http.StatusCreated)

	for _, p := range []string{"/catalog/" + en.ID, "/catalog/" + en.ID,
		"/api/v1/entries/" + en.ID + "/rows", "/api/v1/entries/" + en.ID + "/rows?_format=csv", "/api/v1/entries/" + en.ID + "/rows?_format=xlsx",
		"/datastore/dump/" + en.ID, "/api/3/action/datastore_search?resource_id=" + en.ID} {
		if w := e.do(req{path: p}); w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, w.Code, w.Body)
		}
	}
	// Nothing is written until the flush.
	got, err := e.srv.Usage.EntryUsage(context.Background(), en.ID, "", "")
	if err != nil || got != (pubdata.UsageTotals{}) {
		t.Fatalf("before the flush %+v %v", got, err)
	}
	if err := e.srv.FlushEntryUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := pubdata.UsageTotals{Views: 2, Downloads: 3, APICalls: 2}
	if got, _ = e.srv.Usage.EntryUsage(context.Background(), en.ID, "", ""); got != want {
		t.Fatalf("usage %+v, want %+v", got, want)
	}
	if got, _ = e.srv.Usage.ProviderUsage(context.Background(), "fj-gat", "", ""); got != want {
		t.Fatalf("provider usage %+v", got)
	}
	// A second flush with nothing counted changes nothing; the API and page show the counts.
	if err := e.srv.FlushEntryUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := decode[pubdata.UsageTotals](t, e.do(req{path: "/api/v1/entries/" + en.ID + "/usage"})); got != want {
		t.Fatalf("usage API %+v", got)
	}
	if w := e.do(req{path: "/catalog/" + en.ID}); !strings.Contains(w.Body.String(), `id="entry-usage"`) {
		t.Fatalf("entry page without usage: %s", w.Body)
	}
	// The page view just made waits for the next flush.
	if got := e.srv.EntryUses.Take(); len(got) != 1 || got[0].Kind != pubdata.UseView {
		t.Fatalf("pending counts %+v", got)
	}
}

func TestCommentsModeration(t *testing.T) {
	e := newEnvWith(t, nil)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	e.srv.Feedback = sqlstore.NewFeedbackService(e.db)
	en := e.publish(pbEditor, e.createEntry(pbEditor, usageBody("站点统计")).ID)
	base := "/api/v1/entries/" + en.ID

	// Ratings: one each, changeable; anonymous may not rate.
	wantError(t, e.do(req{method: "PUT", path: base + "/rating", body: map[string]int{"stars": 5}}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	wantError(t, e.do(req{method: "PUT", path: base + "/rating", as: citizen, body: map[string]int{"stars": 0}}), http.StatusBadRequest, pubdata.EINVALID)
	e.do(req{method: "PUT", path: base + "/rating", as: citizen, body: map[string]int{"stars": 5}})
	e.do(req{method: "PUT", path: base + "/rating", as: pbMember, body: map[string]int{"stars": 2}})
	w := e.do(req{method: "PUT", path: base + "/rating", as: citizen, body: map[string]int{"stars": 3}})
	if r := decode[*pubdata.Rating](t, w); r.Count != 2 || r.Average != 2.5 || r.Mine != 3 {
		t.Fatalf("rating %+v", r)
	}

	// A comment is pending: not public.
	w = e.do(req{method: "POST", path: base + "/comments", as: citizen, body: map[string]string{"body": "很有用的数据"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("comment: %d %s", w.Code, w.Body)
	}
	c := decode[*pubdata.Comment](t, w)
	if c.Status != pubdata.CommentPending {
		t.Fatalf("status %s", c.Status)
	}
	if w = e.do(req{path: base + "/comments"}); strings.Contains(w.Body.String(), "很有用的数据") {
		t.Fatalf("pending comment shown: %s", w.Body)
	}
	if w = e.do(req{path: "/catalog/" + en.ID}); strings.Contains(w.Body.String(), "很有用的数据") || !strings.Contains(w.Body.String(), `id="feedback"`) {
		t.Fatalf("entry page shows the pending comment or no section")
	}
	// Only the authority moderates.
	for _, as := range []string{citizen, pbAdmin, authMember} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/comments/" + c.ID + "/moderate", as: as, body: map[string]string{"decision": "approve"}}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{path: "/api/v1/comments", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	// The city authority does not cover the provider's province-level entry.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/comments/" + c.ID + "/moderate", as: cityAdmin, body: map[string]string{"decision": "approve"}}), http.StatusForbidden, pubdata.EFORBIDDEN)
	w = e.do(req{path: "/console/comments", cookies: []*http.Cookie{e.login(authReviewer)}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "很有用的数据") {
		t.Fatalf("queue page: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/api/v1/comments/" + c.ID + "/moderate", as: authReviewer, body: map[string]string{"decision": "approve"}})
	if w.Code != http.StatusOK {
		t.Fatalf("moderate: %d %s", w.Code, w.Body)
	}
	if w = e.do(req{path: "/catalog/" + en.ID}); !strings.Contains(w.Body.String(), "很有用的数据") {
		t.Fatalf("approved comment not shown")
	}
	// The provider replies; a report sends it back to the queue, once per user.
	w = e.do(req{method: "POST", path: base + "/comments", as: pbEditor, body: map[string]string{"body": "感谢反馈", "reply_to": c.ID}})
	if w.Code != http.StatusCreated || decode[*pubdata.Comment](t, w).Status != pubdata.CommentApproved {
		t.Fatalf("reply: %d %s", w.Code, w.Body)
	}
	if w = e.do(req{method: "POST", path: "/api/v1/comments/" + c.ID + "/report", as: pbMember, body: map[string]string{"reason": "广告"}}); w.Code != http.StatusOK {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/comments/" + c.ID + "/report", as: pbMember, body: map[string]string{}}), http.StatusConflict, pubdata.ECONFLICT)
	if w = e.do(req{path: "/api/v1/comments", as: authAdmin}); !strings.Contains(w.Body.String(), c.ID) {
		t.Fatalf("reported not queued: %s", w.Body)
	}
	// Rejected through the console form: hidden.
	w = e.do(req{method: "POST", path: "/console/comments/" + c.ID + "/moderate", cookies: []*http.Cookie{e.login(authAdmin)}, body: url.Values{"decision": {"reject"}, "reason": {"广告"}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("console moderate: %d %s", w.Code, w.Body)
	}
	if w = e.do(req{path: base + "/comments"}); strings.Contains(w.Body.String(), "很有用的数据") {
		t.Fatalf("rejected comment shown: %s", w.Body)
	}
}
