package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// Problem tickets (C1): reported by a reader, answered by the provider with a batch,
// confirmed or reopened by the reporter; who may do what, through the API and the pages.

type ticketFixture struct {
	e      *env
	entry  *pubdata.Entry // fj-gat's open table (province 350000), keyed by code
	closed *pubdata.Entry // fj-gat's conditionally open table: the public reads no rows
	batch  string         // the entry's batch
}

func newTicketFixture(t *testing.T) *ticketFixture {
	e := newEvidenceEnv(t)
	e.srv.MaskPolicies = sqlstore.NewMaskPolicyService(e.db)
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	e.srv.Tickets = sqlstore.NewTicketService(e.db)
	f := &ticketFixture{e: e}
	table := func(title, share, open string) (*pubdata.Entry, string) {
		b := entryBody(title, share, open)
		b["items"] = []map[string]any{
			{"name": "code", "title": "企业编号", "type": "string", "key": true},
			{"name": "name", "title": "企业名称", "type": "string"},
		}
		en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
		bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv",
			[]byte("code,name\nC001,甲公司\nC002,乙公司\n"), nil), pbEditor, http.StatusCreated)
		return en, bt.ID
	}
	f.entry, f.batch = table("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.closed, _ = table("企业年报", pubdata.ClassConditional, pubdata.ClassConditional)
	return f
}

func (f *ticketFixture) report(t *testing.T, as string, body map[string]any) *pubdata.Ticket {
	t.Helper()
	w := f.e.do(req{method: "POST", path: "/api/v1/tickets", as: as, body: body})
	if w.Code != http.StatusCreated {
		t.Fatalf("report as %s: %d %s", as, w.Code, w.Body)
	}
	return decode[*pubdata.Ticket](t, w)
}

func TestTicketAPIFlow(t *testing.T) {
	f := newTicketFixture(t)
	e := f.e
	tk := f.report(t, citizen, map[string]any{"entry": f.entry.ID, "key": map[string]string{"code": "C002"}, "category": "wrong_value", "description": "企业名称应为乙有限公司"})
	if tk.Status != pubdata.TicketOpen || tk.Key["code"] != "C002" || tk.Provider != "fj-gat" || tk.Due == "" {
		t.Fatalf("reported %+v", tk)
	}
	// The provider sees it among its incoming tickets and was notified.
	w := e.do(req{path: "/api/v1/tickets?role=incoming", as: pbReviewer})
	if w.Code != 200 || !strings.Contains(w.Body.String(), tk.ID) {
		t.Fatalf("incoming: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/notifications", as: pbEditor}); !strings.Contains(w.Body.String(), "ticket.new") {
		t.Errorf("provider's notifications: %s", w.Body)
	}
	// The answer: a batch of another entry is refused; the entry's own is linked.
	w = e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/answer", as: pbEditor, body: map[string]string{"answer": "已更正", "batch": "nope"}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	w = e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/answer", as: pbEditor, body: map[string]string{"answer": "已更正名称", "batch": f.batch}})
	if w.Code != 200 || decode[*pubdata.Ticket](t, w).Batch != f.batch {
		t.Fatalf("answer: %d %s", w.Code, w.Body)
	}
	// Reopened, answered again, confirmed.
	w = e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/reopen", as: citizen, body: map[string]string{"reason": "仍不对"}})
	if w.Code != 200 || decode[*pubdata.Ticket](t, w).Status != pubdata.TicketReopened {
		t.Fatalf("reopen: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/answer", as: pbAdmin, body: map[string]string{"answer": "再次核实已更正"}}); w.Code != 200 {
		t.Fatalf("second answer: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/confirm", as: citizen})
	if w.Code != 200 || decode[*pubdata.Ticket](t, w).Status != pubdata.TicketConfirmed {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/confirm", as: citizen}), http.StatusConflict, pubdata.ECONFLICT)
	w = e.do(req{path: "/api/v1/tickets?role=mine&status=confirmed", as: citizen})
	if w.Code != 200 || !strings.Contains(w.Body.String(), tk.ID) {
		t.Fatalf("mine: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/tickets?status=closed", as: citizen}), http.StatusBadRequest, pubdata.EINVALID)
	// A report of the whole entry, and validation.
	whole := f.report(t, "fz-scj-member", map[string]any{"entry": f.entry.ID, "category": "outdated", "description": "数据未按日更新"})
	if whole.Key != nil || whole.ReporterOrg != "fz-scj" {
		t.Errorf("report of the entry: %+v", whole)
	}
	w = e.do(req{method: "POST", path: "/api/v1/tickets", as: citizen, body: map[string]any{"entry": f.entry.ID, "category": "bad", "description": ""}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if !strings.Contains(w.Body.String(), `"category"`) || !strings.Contains(w.Body.String(), `"description"`) {
		t.Errorf("fields: %s", w.Body)
	}
}

// The forbidden cases: anonymous reports; a stranger, the reporter and the provider's
// members answering; another than the reporter confirming; a city authority seeing a
// provincial ticket; a row the reporter may not read (the same reply whether it exists).
func TestTicketForbidden(t *testing.T) {
	f := newTicketFixture(t)
	e := f.e
	body := map[string]any{"entry": f.entry.ID, "category": "other", "description": "问题"}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets", body: body}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	tk := f.report(t, citizen, body)
	answer := map[string]string{"answer": "已处理"}
	// A stranger does not see it at all.
	for _, as := range []string{"xm-scj-member", cityAdmin} {
		wantError(t, e.do(req{path: "/api/v1/tickets/" + tk.ID, as: as}), http.StatusNotFound, pubdata.ENOTFOUND)
		wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/answer", as: as, body: answer}), http.StatusNotFound, pubdata.ENOTFOUND)
	}
	// The city authority's division list leaves the provincial ticket out; the province's has it.
	if w := e.do(req{path: "/api/v1/tickets?role=authority", as: cityAdmin}); w.Code != 200 || strings.Contains(w.Body.String(), tk.ID) {
		t.Errorf("city authority's list: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/tickets?role=authority", as: authReviewer}); w.Code != 200 || !strings.Contains(w.Body.String(), tk.ID) {
		t.Errorf("provincial authority's list: %d %s", w.Code, w.Body)
	}
	// The authority sees the ticket but does not answer for the provider.
	if w := e.do(req{path: "/api/v1/tickets/" + tk.ID, as: authAdmin}); w.Code != 200 {
		t.Errorf("provincial authority: %d", w.Code)
	}
	for _, as := range []string{citizen, pbMember, authAdmin} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/answer", as: as, body: answer}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/answer", as: pbEditor, body: answer}); w.Code != 200 {
		t.Fatalf("answer: %d %s", w.Code, w.Body)
	}
	for _, as := range []string{pbEditor, authAdmin} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/confirm", as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
		wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets/" + tk.ID + "/reopen", as: as, body: map[string]string{"reason": "x"}}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	// Lists by role.
	wantError(t, e.do(req{path: "/api/v1/tickets?role=incoming", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/tickets?role=authority", as: pbAdmin}), http.StatusForbidden, pubdata.EFORBIDDEN)
	if w := e.do(req{path: "/api/v1/tickets?role=incoming", as: "xm-scj-member"}); w.Code != 200 || strings.Contains(w.Body.String(), tk.ID) {
		t.Errorf("another body's incoming: %d %s", w.Code, w.Body)
	}
	// Rows: a row the reporter reads must exist; a row of a table it may not read is refused
	// whether or not it exists, with the same reply.
	w := e.do(req{method: "POST", path: "/api/v1/tickets", as: citizen, body: map[string]any{"entry": f.entry.ID, "key": map[string]string{"code": "C404"}, "category": "wrong_value", "description": "x"}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	var replies []string
	for _, code := range []string{"C001", "C404"} {
		w := e.do(req{method: "POST", path: "/api/v1/tickets", as: citizen, body: map[string]any{"entry": f.closed.ID, "key": map[string]string{"code": code}, "category": "wrong_value", "description": "x"}})
		wantError(t, w, http.StatusForbidden, pubdata.EFORBIDDEN)
		replies = append(replies, w.Body.String())
	}
	if replies[0] != replies[1] {
		t.Errorf("the replies tell whether the row exists:\n%s\n%s", replies[0], replies[1])
	}
	// The provider reads its own closed table: a row it names is checked.
	if w := e.do(req{method: "POST", path: "/api/v1/tickets", as: pbMember, body: map[string]any{"entry": f.closed.ID, "key": map[string]string{"code": "C001"}, "category": "wrong_value", "description": "x"}}); w.Code != http.StatusCreated {
		t.Errorf("the provider's own row: %d %s", w.Code, w.Body)
	}
	// An entry that is not published, or unknown: not found as a field.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/tickets", as: citizen, body: map[string]any{"entry": "nope", "category": "other", "description": "x"}}), http.StatusBadRequest, pubdata.EINVALID)
}

// The pages: the form on the entry page (a sign-in link for anonymous visitors), reporting
// through it, the reporter's list and page, the provider's console list and answer form
// with its batch picker, the reporter's confirmation; Chinese and English.
func TestTicketPages(t *testing.T) {
	f := newTicketFixture(t)
	e := f.e
	page := "/catalog/" + f.entry.ID
	if w := e.do(req{path: page}); w.Code != 200 || !strings.Contains(w.Body.String(), `id="ticket-sign-in"`) || !strings.Contains(w.Body.String(), "/login?next=%2Fcatalog%2F"+f.entry.ID) {
		t.Fatalf("anonymous entry page: %d", w.Code)
	}
	if w := e.do(req{path: "/tickets/new?entry=" + f.entry.ID}); w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
		t.Errorf("anonymous form: %d", w.Code)
	}
	cookie := e.login(citizen)
	w := e.do(req{path: page, cookies: []*http.Cookie{cookie}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="ticket-form"`) || !strings.Contains(w.Body.String(), `name="key.code"`) {
		t.Fatalf("entry page: %d", w.Code)
	}
	post := url.Values{"entry": {f.entry.ID}, "key.code": {""}, "category": {""}, "description": {""}}
	w = e.do(req{method: "POST", path: "/tickets/new", body: post, cookies: []*http.Cookie{cookie}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "请描述问题") || strings.Contains(w.Body.String(), "⟦missing") {
		t.Fatalf("bad form: %d %s", w.Code, w.Body)
	}
	post.Set("category", "wrong_value")
	post.Set("description", "乙公司名称有误")
	post.Set("key.code", "C002")
	w = e.do(req{method: "POST", path: "/tickets/new", body: post, cookies: []*http.Cookie{cookie}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account/tickets/") {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	mine := strings.TrimSuffix(w.Header().Get("Location"), "?reported=1")
	id := strings.TrimPrefix(mine, "/account/tickets/")
	w = e.do(req{path: w.Header().Get("Location"), cookies: []*http.Cookie{cookie}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "问题反馈已提交") || !strings.Contains(w.Body.String(), "code=C002") {
		t.Fatalf("the reporter's page: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/account/tickets", cookies: []*http.Cookie{cookie}}); w.Code != 200 || !strings.Contains(w.Body.String(), mine) {
		t.Errorf("my tickets: %d", w.Code)
	}
	if w := e.do(req{path: "/account", cookies: []*http.Cookie{cookie}}); w.Code != 200 || !strings.Contains(w.Body.String(), `id="account-tickets"`) {
		t.Errorf("account page: %d", w.Code)
	}
	// The provider's console.
	editor := e.login(pbEditor)
	if w := e.do(req{path: "/console/tickets", cookies: []*http.Cookie{editor}}); w.Code != 200 || !strings.Contains(w.Body.String(), "/console/tickets/"+id) {
		t.Fatalf("incoming list: %d", w.Code)
	}
	if w := e.do(req{path: "/console/entries/" + f.entry.ID, cookies: []*http.Cookie{editor}}); w.Code != 200 || !strings.Contains(w.Body.String(), `id="entry-tickets"`) || !strings.Contains(w.Body.String(), `id="ticket-form"`) {
		t.Errorf("console entry page: %d", w.Code)
	}
	w = e.do(req{path: "/console/tickets/" + id + "?lang=en", cookies: []*http.Cookie{editor}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<option value="`+f.batch+`"`) || !strings.Contains(w.Body.String(), "Answer the ticket") || strings.Contains(w.Body.String(), "⟦missing") {
		t.Fatalf("ticket page: %d %s", w.Code, w.Body)
	}
	// The reporter and a member of the provider get no answer form and may not answer.
	if w := e.do(req{path: "/console/tickets/" + id, cookies: []*http.Cookie{e.login(pbMember)}}); w.Code != 200 || strings.Contains(w.Body.String(), `id="ticket-answer-form"`) {
		t.Errorf("member's page: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: "/console/tickets/" + id + "/answer", body: url.Values{"answer": {"x"}}, cookies: []*http.Cookie{cookie}}); w.Code != http.StatusForbidden {
		t.Errorf("the reporter answers: %d", w.Code)
	}
	if w := e.do(req{path: "/console/tickets/" + id, cookies: []*http.Cookie{e.login("xm-scj-member")}}); w.Code != 404 {
		t.Errorf("another body: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/console/tickets/" + id + "/answer", body: url.Values{"answer": {""}}, cookies: []*http.Cookie{editor}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "ticket-answer-error") {
		t.Errorf("empty answer: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/console/tickets/" + id + "/answer", body: url.Values{"answer": {"已更正名称"}, "batch": {f.batch}}, cookies: []*http.Cookie{editor}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d %s", w.Code, w.Body)
	}
	// The reporter confirms, in English.
	w = e.do(req{path: mine + "?lang=en", cookies: []*http.Cookie{cookie}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="ticket-confirm"`) || !strings.Contains(w.Body.String(), "已更正名称") || strings.Contains(w.Body.String(), "⟦missing") {
		t.Fatalf("answered page: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: mine + "/confirm", cookies: []*http.Cookie{editor}}); w.Code != http.StatusForbidden {
		t.Errorf("the provider confirms: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: mine + "/reopen", body: url.Values{"reason": {""}}, cookies: []*http.Cookie{cookie}})
	if w.Code != 400 {
		t.Errorf("reopen without a reason: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: mine + "/confirm", cookies: []*http.Cookie{cookie}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: mine, cookies: []*http.Cookie{cookie}}); !strings.Contains(w.Body.String(), "已确认") {
		t.Errorf("confirmed page: %s", w.Body)
	}
}
