package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/sqlstore"
)

// A verified identity is revoked at the counter by a public body's or authority's admin
// only, with a reason; the person may then state one again; a person withdraws an
// unverified statement; a fetch on a legal basis notifies the holder (issue 14).

func TestIdentityRevoke(t *testing.T) { testIdentityRevoke(t, testdb.SQLite(t)) }

func TestIdentityRevokePostgres(t *testing.T) {
	testdb.RequirePostgres(t)
	testIdentityRevoke(t, testdb.Postgres(t))
}

func testIdentityRevoke(t *testing.T, dsn string) {
	e := newHolderEnv(t, dsn)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	system := pubdata.NewContextWithActor(t.Context(), &pubdata.Actor{})
	// A company and its admin: an admin, but not of a public body.
	if err := e.srv.Orgs.CreateOrg(system, &pubdata.Org{Code: "fz-co", Name: "福州某公司", Kind: pubdata.KindCompany, Division: "350100"}); err != nil {
		t.Fatal(err)
	}
	e.addUser("co-admin", "fz-co", pubdata.RoleAdmin)

	residentID := ident.CompleteResidentID("35010219900307002")
	otherID := ident.CompleteResidentID("35010219851111003")
	_, cert := e.lawyerCertificate(t, "LS-009", residentID)

	// A statement withdrawn by the person (API), then stated again and verified.
	claim := func(id string) {
		t.Helper()
		if w := e.do(req{method: "PUT", path: "/api/v1/account/identity", as: citizen, body: map[string]string{"real_name": "张三", "resident_id": id}}); w.Code != 200 {
			t.Fatalf("claim: %d %s", w.Code, w.Body)
		}
	}
	wantError(t, e.do(req{method: "DELETE", path: "/api/v1/account/identity", as: citizen}), http.StatusNotFound, "not_found")
	claim(otherID)
	wantError(t, e.do(req{method: "DELETE", path: "/api/v1/account/identity", as: pbMember}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "DELETE", path: "/api/v1/account/identity", as: anonymous}), http.StatusUnauthorized, "unauthorized")
	if w := e.do(req{method: "DELETE", path: "/api/v1/account/identity", as: citizen}); w.Code != http.StatusNoContent {
		t.Fatalf("withdraw: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/account/identity", as: citizen}), http.StatusNotFound, "not_found")
	claim(residentID)
	// The page shows the withdraw button to an unverified statement.
	cookie := e.login(citizen)
	if page := e.do(req{path: "/account?lang=en", cookies: []*http.Cookie{cookie}}).Body.String(); !strings.Contains(page, `action="/account/identity/withdraw"`) {
		t.Fatalf("account page lacks the withdraw form: %.2000s", page)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/identities/verify", as: pbAdmin, body: map[string]string{"username": citizen, "resident_id": residentID}}); w.Code != 200 {
		t.Fatalf("verify: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "DELETE", path: "/api/v1/account/identity", as: citizen}), http.StatusConflict, "conflict")
	if w := e.do(req{method: "POST", path: "/account/identity/withdraw", cookies: []*http.Cookie{cookie}, body: url.Values{}}); w.Code != http.StatusConflict {
		t.Fatalf("withdraw a verified identity through the page: %d", w.Code)
	}

	// A fetch on a legal basis notifies the holder, naming the body, purpose and basis.
	law := map[string]string{"holder_id": residentID, "purpose": "行政处罚案件调查", "legal_basis": "《行政处罚法》第五十五条"}
	if w := e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: pbMember, body: law}); w.Code != 200 {
		t.Fatalf("fetch on a legal basis: %d %s", w.Code, w.Body)
	}
	// Its follow-up download is a use, not a new notification.
	if w := e.do(req{path: "/api/v1/certificates/" + cert.ID + "/pdf", as: pbMember}); w.Code != 200 {
		t.Fatalf("follow-up download: %d", w.Code)
	}
	notes := decode[api.NotificationListReply](t, e.do(req{path: "/api/v1/notifications", as: citizen}))
	var law1 int
	for _, n := range notes.Items {
		if n.Key == pubdata.NoticeCertificateLaw {
			law1++
			if !strings.Contains(n.Text, "福建省公安厅") || !strings.Contains(n.Text, "《行政处罚法》第五十五条") || !strings.Contains(n.Text, "行政处罚案件调查") || !strings.Contains(n.Text, "LS-009") ||
				!strings.Contains(n.TextEn, "legal basis") {
				t.Errorf("notification %q / %q", n.Text, n.TextEn)
			}
		}
	}
	if law1 != 1 {
		t.Fatalf("%d notifications of the fetch: %+v", law1, notes.Items)
	}
	if page := e.do(req{path: "/account?lang=en", cookies: []*http.Cookie{cookie}}).Body.String(); !strings.Contains(page, "data-notified") {
		t.Fatalf("the use list does not say the holder was notified: %.3000s", page)
	}

	// Revocation: only a public body's or authority's admin, with a reason.
	revoke := map[string]string{"username": citizen, "reason": "身份号码填报有误，本人申请更正"}
	for _, who := range []string{pbMember, pbEditor, pbReviewer, citizen, "co-admin", "fz-scj-member"} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/revoke", as: who, body: revoke}), http.StatusForbidden, "forbidden")
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/revoke", as: anonymous, body: revoke}), http.StatusUnauthorized, "unauthorized")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/revoke", as: pbAdmin, body: map[string]string{"username": citizen}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/revoke", as: pbAdmin, body: map[string]string{"username": pbMember, "reason": "有误"}}), http.StatusBadRequest, "invalid")
	// The console page: a member may not; the admin sees the form and revokes with a reason.
	if w := e.do(req{method: "POST", path: "/console/identities/revoke", cookies: []*http.Cookie{e.login(pbMember)}, body: url.Values{"username": {citizen}, "reason": {"有误"}}}); w.Code != http.StatusForbidden {
		t.Fatalf("a member revokes on the console: %d", w.Code)
	}
	clerk := e.login(pbAdmin)
	if w := e.do(req{path: "/console/identities?lang=en&username=" + citizen, cookies: []*http.Cookie{clerk}}); w.Code != 200 || !strings.Contains(w.Body.String(), `action="/console/identities/revoke"`) {
		t.Fatalf("identities page of a verified identity: %d %.800s", w.Code, w.Body)
	}
	w := e.do(req{method: "POST", path: "/console/identities/revoke?lang=en", cookies: []*http.Cookie{clerk}, body: url.Values{"username": {citizen}, "reason": {""}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="identity-revoke-error"`) {
		t.Fatalf("revoke without a reason: %d %.800s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/console/identities/revoke", cookies: []*http.Cookie{clerk}, body: url.Values{"username": {citizen}, "reason": {revoke["reason"]}}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `data-revoked="citizen"`) {
		t.Fatalf("revoke on the console: %d %.800s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/revoke", as: pbAdmin, body: revoke}), http.StatusNotFound, "not_found")
	// The person holds nothing now, is told why, and states an identity again.
	if l := decode[struct {
		Items []any `json:"items"`
	}](t, e.do(req{path: "/api/v1/account/certificates", as: citizen})); len(l.Items) != 0 {
		t.Fatalf("after the revocation the person holds %d certificates", len(l.Items))
	}
	notes = decode[api.NotificationListReply](t, e.do(req{path: "/api/v1/notifications", as: citizen}))
	var told bool
	for _, n := range notes.Items {
		told = told || (n.Key == pubdata.NoticeIdentityRevoked && strings.Contains(n.Text, revoke["reason"]))
	}
	if !told {
		t.Fatalf("the person was not told of the revocation: %+v", notes.Items)
	}
	claim(residentID)

	events, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Object: "user:" + citizen, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range events {
		seen[ev.Action]++
		if ev.Action == "identity.revoke" && (ev.Actor != pbAdmin || ev.Details["reason"] != revoke["reason"]) {
			t.Fatalf("revocation event %s %+v", ev.Actor, ev.Details)
		}
		if b := string(mustJSON(ev)); strings.Contains(b, residentID) || strings.Contains(b, otherID) {
			t.Fatalf("a resident ID number is in the record: %s", b)
		}
	}
	if seen["identity.withdraw"] != 1 || seen["identity.revoke"] != 1 || seen["identity.claim"] != 3 || seen["identity.verify"] != 1 {
		t.Fatalf("record %v", seen)
	}
}
