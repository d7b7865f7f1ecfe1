package http

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// newAppEnv is an env with applications, its clock at 2026-09-30 10:00 in China (the day
// before the National Day holiday), and a published entry of fj-gat (350000) shared and
// opened on conditions.
func newAppEnv(t *testing.T) (*env, *pubdata.Entry) {
	e := newEnv(t)
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	e.mu.Lock()
	e.now = time.Date(2026, 9, 30, 10, 0, 0, 0, pubdata.ChinaTime)
	e.mu.Unlock()
	entry := e.createEntry(pbEditor, entryBody("企业登记信息", pubdata.ClassConditional, pubdata.ClassConditional))
	e.publish(pbEditor, entry.ID)
	return e, entry
}

func (e *env) apply(as string, body map[string]any) *pubdata.Application {
	e.t.Helper()
	w := e.do(req{method: "POST", path: "/api/v1/applications", as: as, body: body})
	if w.Code != http.StatusCreated {
		e.t.Fatalf("apply as %s: %d %s", as, w.Code, w.Body)
	}
	return decode[*pubdata.Application](e.t, w)
}

func shareBody(entry string) map[string]any {
	return map[string]any{"entry": entry, "kind": "share", "items": []string{"uscc", "name"}, "purpose": "企业开办审批", "basis": "《优化营商环境条例》", "until": "2027-03-31"}
}

func TestApplicationDueFromCalendar(t *testing.T) {
	e, entry := newAppEnv(t)
	const applicant = "fz-scj-member"
	// Received 2026-09-30 with 2 working days: 10-01…10-08 are the National Day holiday, so
	// the answer is due at the close of 2026-10-09.
	app := e.apply(applicant, shareBody(entry.ID))
	if app.Status != pubdata.AppPending || app.Due != "2026-10-09" || app.Kind != pubdata.KindShare || app.Division != "350000" {
		t.Fatalf("created %+v", app)
	}
	if want := e.srv.Calendar.AddWorkdays(time.Date(2026, 10, 9, 0, 0, 0, 0, pubdata.ChinaTime), 0); app.DueAt.Before(want) {
		t.Fatalf("due at %s, before the day begins", app.DueAt)
	}
	// An open application of a citizen: 10 working days.
	open := shareBody(entry.ID)
	open["kind"] = "open"
	if got := e.apply(citizen, open); got.Due != e.srv.Calendar.AddWorkdays(e.clock(), 10).Format(time.DateOnly) {
		t.Fatalf("open due %s", got.Due)
	}
	// Field errors name the field; nothing is written.
	bad := shareBody(entry.ID)
	bad["purpose"], bad["until"] = "", "2030-01-01"
	w := e.do(req{method: "POST", path: "/api/v1/applications", as: applicant, body: bad})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if f := errorFieldsOf(t, w.Body.Bytes()); f["purpose"] == "" || f["until"] == "" {
		t.Fatalf("fields %v", f)
	}
	// In the request's language: ?lang=, else Accept-Language, else English.
	if f := errorFieldsOf(t, w.Body.Bytes()); f["purpose"] != "Purpose is required." {
		t.Fatalf("English fields %v", f)
	}
	w = e.do(req{method: "POST", path: "/api/v1/applications", as: applicant, body: bad, header: http.Header{"Accept-Language": {"zh-CN,zh;q=0.9"}}})
	if f := errorFieldsOf(t, w.Body.Bytes()); f["purpose"] != "请填写用途。" || !strings.Contains(w.Body.String(), `"message":"请填写用途。`) {
		t.Fatalf("Chinese reply %s", w.Body)
	}
	w = e.do(req{method: "POST", path: "/api/v1/applications?lang=en", as: applicant, body: bad, header: http.Header{"Accept-Language": {"zh-CN"}}})
	if f := errorFieldsOf(t, w.Body.Bytes()); f["purpose"] != "Purpose is required." {
		t.Fatalf("?lang=en: %s", w.Body)
	}
	bad = shareBody("no-such-entry")
	if f := errorFieldsOf(t, e.do(req{method: "POST", path: "/api/v1/applications", as: applicant, body: bad}).Body.Bytes()); f["entry"] == "" {
		t.Fatalf("unknown entry: %v", f)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/applications", body: shareBody(entry.ID)}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	wantError(t, e.do(req{method: "POST", path: "/api/v1/applications", as: applicant, body: `{"entry":"x","bogus":1}`}), http.StatusBadRequest, pubdata.EINVALID)
	// A share setting of 5 days (the store counts due dates; the server shows them on forms).
	e.srv.ShareReplyDays = 5
	e.srv.Applications.(*sqlstore.ApplicationService).ReplyDays.Share = 5
	if got := e.apply(applicant, shareBody(entry.ID)); got.Due != e.srv.Calendar.AddWorkdays(e.clock(), 5).Format(time.DateOnly) || got.Due == "2026-10-09" {
		t.Fatalf("with 5 days: %s", got.Due)
	}
}

func TestApplicationFlowAndForbidden(t *testing.T) {
	e, entry := newAppEnv(t)
	const applicant, stranger = "fz-scj-member", "xm-scj-member"
	app := e.apply(applicant, shareBody(entry.ID))
	path := "/api/v1/applications/" + app.ID
	// Who sees it: the applicant, the provider's users, the covering authority.
	for _, as := range []string{applicant, pbMember, pbReviewer, authReviewer} {
		if w := e.do(req{path: path, as: as}); w.Code != http.StatusOK {
			t.Fatalf("%s cannot see it: %d %s", as, w.Code, w.Body)
		}
	}
	for _, as := range []string{stranger, cityAdmin, citizen} {
		wantError(t, e.do(req{path: path, as: as}), http.StatusNotFound, pubdata.ENOTFOUND)
	}
	wantError(t, e.do(req{path: path}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	// The provider's reviewer has it in the incoming queue and a notification.
	list := decode[web.ListReply[*pubdata.Application]](t, e.do(req{path: "/api/v1/applications?role=incoming&status=pending", as: pbReviewer}))
	if len(list.Items) != 1 || list.Items[0].ID != app.ID {
		t.Fatalf("incoming %+v", list)
	}
	if l := decode[web.ListReply[*pubdata.Application]](t, e.do(req{path: "/api/v1/applications?role=mine", as: applicant})); l.Total != 1 {
		t.Fatalf("mine %+v", l)
	}
	if l := decode[web.ListReply[*pubdata.Application]](t, e.do(req{path: "/api/v1/applications?role=incoming", as: stranger})); l.Total != 0 {
		t.Fatalf("a stranger's incoming %+v", l)
	}
	wantError(t, e.do(req{path: "/api/v1/applications?role=authority", as: pbAdmin}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/applications?role=x", as: pbAdmin}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, e.do(req{path: "/api/v1/applications?status=x", as: pbAdmin}), http.StatusBadRequest, pubdata.EINVALID)
	notes := decode[api.NotificationListReply](t, e.do(req{path: "/api/v1/notifications", as: pbReviewer}))
	if notes.Unread != 1 || len(notes.Items) != 1 || notes.Items[0].Key != pubdata.NoticeApplicationNew {
		t.Fatalf("reviewer's notifications %+v", notes)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/notifications/" + notes.Items[0].ID + "/read", as: stranger}), http.StatusNotFound, pubdata.ENOTFOUND)
	if w := e.do(req{method: "POST", path: "/api/v1/notifications/" + notes.Items[0].ID + "/read", as: pbReviewer}); w.Code != http.StatusNoContent {
		t.Fatalf("read: %d %s", w.Code, w.Body)
	}
	if n := decode[api.NotificationListReply](t, e.do(req{path: "/api/v1/notifications?unread=true", as: pbReviewer})); n.Unread != 0 || len(n.Items) != 0 {
		t.Fatalf("after reading %+v", n)
	}

	// Who may not decide: a stranger (404), the applicant, the provider's member and editor,
	// the authority while it is pending.
	reject := map[string]string{"decision": "reject", "reason": "用途与职责无关", "basis": "《公共数据条例》第二十条"}
	wantError(t, e.do(req{method: "POST", path: path + "/decide", as: stranger, body: reject}), http.StatusNotFound, pubdata.ENOTFOUND)
	for _, as := range []string{applicant, pbMember, pbEditor, authReviewer} {
		wantError(t, e.do(req{method: "POST", path: path + "/decide", as: as, body: reject}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	// A rejection needs reason and basis.
	w := e.do(req{method: "POST", path: path + "/decide", as: pbReviewer, body: map[string]string{"decision": "reject"}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if f := errorFieldsOf(t, w.Body.Bytes()); f["reason"] == "" || f["basis"] == "" {
		t.Fatalf("fields %v", f)
	}
	if got := decode[*pubdata.Application](t, e.do(req{method: "POST", path: path + "/decide", as: pbReviewer, body: reject})); got.Status != pubdata.AppRejected {
		t.Fatalf("rejected %+v", got)
	}
	// Only the applicant disputes.
	dispute := map[string]string{"reason": "审批职责有明文规定"}
	for _, as := range []string{pbReviewer, pbAdmin, authReviewer} {
		wantError(t, e.do(req{method: "POST", path: path + "/dispute", as: as, body: dispute}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{method: "POST", path: path + "/withdraw", as: applicant}), http.StatusConflict, pubdata.ECONFLICT)
	if got := decode[*pubdata.Application](t, e.do(req{method: "POST", path: path + "/dispute", as: applicant, body: dispute})); got.Status != pubdata.AppDisputed {
		t.Fatalf("disputed %+v", got)
	}
	if l := decode[web.ListReply[*pubdata.Application]](t, e.do(req{path: "/api/v1/applications?role=authority&status=disputed", as: authReviewer})); l.Total != 1 {
		t.Fatalf("the authority's disputes %+v", l)
	}
	// A disputed application is the covering authority's: not the provider's, not a city
	// authority's that does not cover the entry (it cannot even see it).
	approve := map[string]any{"decision": "approve", "items": []string{"uscc"}, "clear_items": []string{"uscc"}, "until": "2027-01-31"}
	wantError(t, e.do(req{method: "POST", path: path + "/decide", as: pbReviewer, body: approve}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "POST", path: path + "/decide", as: cityAdmin, body: approve}), http.StatusNotFound, pubdata.ENOTFOUND)
	wantError(t, e.do(req{method: "POST", path: path + "/decide", as: authMember, body: approve}), http.StatusForbidden, pubdata.EFORBIDDEN)
	got := decode[*pubdata.Application](t, e.do(req{method: "POST", path: path + "/decide", as: authReviewer, body: approve}))
	if got.Status != pubdata.AppApproved || got.Grant == "" {
		t.Fatalf("approved on dispute %+v", got)
	}
	detail := decode[api.ApplicationReply](t, e.do(req{path: path, as: applicant}))
	if len(detail.Events) != 4 || detail.Events[3].Action != "approve" || detail.Events[3].Actor != authReviewer {
		t.Fatalf("events %+v", detail.Events)
	}

	// Grants: the consumer's, listed on both sides; others cannot see or revoke.
	gpath := "/api/v1/grants/" + got.Grant
	g := decode[*pubdata.Grant](t, e.do(req{path: gpath, as: applicant}))
	if g.Consumer != "fz-scj" || len(g.Items) != 1 || g.Items[0] != "uscc" {
		t.Fatalf("grant %+v", g)
	}
	if l := decode[api.GrantListReply](t, e.do(req{path: "/api/v1/grants?role=mine&live=true", as: applicant})); len(l.Items) != 1 {
		t.Fatalf("my grants %+v", l)
	}
	if l := decode[api.GrantListReply](t, e.do(req{path: "/api/v1/grants?role=provided", as: pbMember})); len(l.Items) != 1 {
		t.Fatalf("provided grants %+v", l)
	}
	if l := decode[api.GrantListReply](t, e.do(req{path: "/api/v1/grants?role=mine", as: stranger})); len(l.Items) != 0 {
		t.Fatalf("a stranger's grants %+v", l)
	}
	wantError(t, e.do(req{path: gpath, as: stranger}), http.StatusNotFound, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: "/api/v1/grants?role=provided", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	revoke := map[string]string{"reason": "超范围使用"}
	wantError(t, e.do(req{method: "POST", path: gpath + "/revoke", as: stranger, body: revoke}), http.StatusNotFound, pubdata.ENOTFOUND)
	for _, as := range []string{applicant, pbMember, pbEditor} {
		wantError(t, e.do(req{method: "POST", path: gpath + "/revoke", as: as, body: revoke}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{method: "POST", path: gpath + "/revoke", as: pbReviewer, body: map[string]string{"reason": ""}}), http.StatusBadRequest, pubdata.EINVALID)
	if r := decode[*pubdata.Grant](t, e.do(req{method: "POST", path: gpath + "/revoke", as: pbReviewer, body: revoke})); r.RevokedAt == nil {
		t.Fatalf("revoked %+v", r)
	}
	wantError(t, e.do(req{method: "POST", path: gpath + "/revoke", as: authReviewer, body: revoke}), http.StatusConflict, pubdata.ECONFLICT)
	if l := decode[api.GrantListReply](t, e.do(req{path: "/api/v1/grants?role=mine&live=true", as: applicant})); len(l.Items) != 0 {
		t.Fatalf("live after revocation %+v", l)
	}
	// The applicant was told of the rejection, the approval and the revocation.
	if n := decode[api.NotificationListReply](t, e.do(req{path: "/api/v1/notifications", as: applicant})); n.Unread != 3 {
		t.Fatalf("applicant's notifications %+v", n)
	}
}

func TestApplicationWithdrawAndOpen(t *testing.T) {
	e, entry := newAppEnv(t)
	open := shareBody(entry.ID)
	open["kind"] = "open"
	app := e.apply(citizen, open)
	path := "/api/v1/applications/" + app.ID
	// A public body cannot ask to open; a citizen cannot ask to share.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/applications", as: "fz-scj-member", body: open}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, e.do(req{method: "POST", path: "/api/v1/applications", as: citizen, body: shareBody(entry.ID)}), http.StatusBadRequest, pubdata.EINVALID)
	// Only the applicant withdraws.
	wantError(t, e.do(req{method: "POST", path: path + "/withdraw", as: pbReviewer}), http.StatusForbidden, pubdata.EFORBIDDEN)
	if got := decode[*pubdata.Application](t, e.do(req{method: "POST", path: path + "/withdraw", as: citizen})); got.Status != pubdata.AppWithdrawn {
		t.Fatalf("withdrawn %+v", got)
	}
	wantError(t, e.do(req{method: "POST", path: path + "/decide", as: pbReviewer, body: map[string]string{"decision": "approve"}}), http.StatusConflict, pubdata.ECONFLICT)
	// An approved open application makes the citizen's grant.
	app = e.apply(citizen, open)
	got := decode[*pubdata.Application](t, e.do(req{method: "POST", path: "/api/v1/applications/" + app.ID + "/decide", as: pbAdmin, body: map[string]string{"decision": "approve"}}))
	l := decode[api.GrantListReply](t, e.do(req{path: "/api/v1/grants?role=mine&live=1", as: citizen}))
	if got.Status != pubdata.AppApproved || len(l.Items) != 1 || l.Items[0].ConsumerUser != citizen {
		t.Fatalf("open grant %+v %+v", got, l)
	}
	// Overdue: the authority's board.
	late := e.apply(citizen, open)
	e.advance(30 * 24 * time.Hour)
	if n, err := e.srv.Applications.MarkOverdue(system, e.clock()); err != nil || n != 1 {
		t.Fatalf("MarkOverdue %d %v", n, err)
	}
	b := decode[web.ListReply[*pubdata.Application]](t, e.do(req{path: "/api/v1/applications?role=authority&overdue=true", as: authAdmin}))
	if len(b.Items) != 1 || b.Items[0].ID != late.ID || !b.Items[0].Escalated {
		t.Fatalf("overdue board %+v", b)
	}
}

// TestApplicationAndGrantScopes: the API lists by the domain's scopes, as the console does:
// the authority's grants of its division, forbidden scopes 403, unknown ones 400.
func TestApplicationAndGrantScopes(t *testing.T) {
	e := paEnv(t)
	f := newPAFixture(e)
	w := e.do(req{path: "/api/v1/grants?role=authority", as: authAdmin})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), f.grant) {
		t.Fatalf("the authority's grants: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: "/api/v1/grants?role=authority", as: cityAdmin}) // fj-gat's entry is provincial (350000)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), f.grant) {
		t.Fatalf("the city authority sees a provincial grant: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/grants?role=authority", as: pbMember}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/grants?role=provided", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/grants?role=everything", as: authAdmin}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, e.do(req{path: "/api/v1/applications?role=incoming", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/applications?role=authority", as: pbAdmin}), http.StatusForbidden, pubdata.EFORBIDDEN)
	w = e.do(req{path: "/console/grants?role=authority", cookies: []*http.Cookie{e.login(authAdmin)}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), f.grant) {
		t.Fatalf("the console's authority tab: %d", w.Code)
	}
}
