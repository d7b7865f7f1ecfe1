package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/certpdf"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/sqlstore"
)

// Certificate holders (issue 14 item 4): a person whose identity is verified at a counter
// sees their certificates; a public body obtains them only on the holder's consent or a
// stated legal basis, each recorded and shown to the holder.

func TestCertificateHolders(t *testing.T) { testCertificateHolders(t, testdb.SQLite(t)) }

func TestCertificateHoldersPostgres(t *testing.T) {
	testdb.RequirePostgres(t)
	testCertificateHolders(t, testdb.Postgres(t))
}

// newHolderEnv is a test server on dsn with evidence, extracts and certificates.
func newHolderEnv(t *testing.T, dsn string) *env {
	e := newEnvOn(t, dsn, nil)
	e.srv.Evidence = sqlstore.NewEvidenceService(e.db)
	e.srv.Extracts = newKeyring(t, e.db, nil)
	e.srv.Certificates = sqlstore.NewCertificateService(e.db)
	e.srv.CertPDF = &certpdf.Renderer{}
	return e
}

// lawyerCertificate publishes pbEditor's qualification register 律师执业证 and issues it
// certificate number to 张三 (resident ID holderID).
func (e *env) lawyerCertificate(t *testing.T, number, holderID string) (*pubdata.Entry, web.CertificateJSON) {
	t.Helper()
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("律师执业证", pubdata.ClassUnconditional, pubdata.ClassNone)).ID)
	if w := e.do(req{method: "PUT", path: "/api/v1/entries/" + en.ID + "/certificate-register", as: pbEditor, body: map[string]string{"kind": "qualification"}}); w.Code != 200 {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: pbEditor, body: map[string]any{"number": number, "title": "律师执业证",
		"holder_name": "张三", "holder_id": holderID, "valid_from": "2025-01-01"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("issue: %d %s", w.Code, w.Body)
	}
	return en, decode[web.CertificateJSON](t, w)
}

func testCertificateHolders(t *testing.T, dsn string) {
	e := newHolderEnv(t, dsn)
	system := pubdata.NewContextWithActor(t.Context(), &pubdata.Actor{})
	e.addUser("citizen2", "", "")

	residentID := ident.CompleteResidentID("35010219900307002")
	otherID := ident.CompleteResidentID("35010219851111003")
	en, c := e.lawyerCertificate(t, "LS-001", residentID)
	type certList struct {
		Items []web.CertificateJSON `json:"items"`
		Basis string                `json:"basis"`
	}
	mine := func(who string) int {
		t.Helper()
		w := e.do(req{path: "/api/v1/account/certificates", as: who})
		if w.Code != 200 {
			t.Fatalf("%s certificates: %d %s", who, w.Code, w.Body)
		}
		return len(decode[certList](t, w).Items)
	}

	// Before a verified identity: the person holds nothing.
	if n := mine(citizen); n != 0 {
		t.Fatalf("unverified person sees %d certificates", n)
	}
	wantError(t, e.do(req{path: "/api/v1/certificates/" + c.ID, as: citizen}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{path: "/api/v1/account/certificate-uses", as: citizen}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{path: "/api/v1/account/identity", as: citizen}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/account/identity", as: citizen, body: map[string]string{"real_name": "张三", "resident_id": "350102199003070021"}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/account/identity", as: pbMember, body: map[string]string{"real_name": "某", "resident_id": residentID}}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/account/identity", as: anonymous, body: map[string]string{"real_name": "某", "resident_id": residentID}}), http.StatusUnauthorized, "unauthorized")
	w := e.do(req{method: "PUT", path: "/api/v1/account/identity", as: citizen, body: map[string]string{"real_name": "张三", "resident_id": strings.ToLower(residentID)}})
	if w.Code != 200 {
		t.Fatalf("claim: %d %s", w.Code, w.Body)
	}
	if p := decode[pubdata.PersonIdentity](t, w); p.Status != pubdata.IdentityClaimed || p.Masked == residentID || !strings.Contains(p.Masked, "*") {
		t.Fatalf("claim %+v", p)
	}
	if n := mine(citizen); n != 0 {
		t.Fatalf("a claimed (unverified) identity sees %d certificates", n)
	}

	// Verification at a counter: only a public body's or authority's admin, with the same number.
	verify := map[string]string{"username": citizen, "resident_id": residentID}
	for _, who := range []string{pbMember, pbEditor, citizen, "fz-scj-member"} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/verify", as: who, body: verify}), http.StatusForbidden, "forbidden")
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/verify", as: pbAdmin, body: map[string]string{"username": citizen, "resident_id": otherID}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/identities/verify", as: pbAdmin, body: map[string]string{"username": pbMember, "resident_id": residentID}}), http.StatusBadRequest, "invalid")
	if w := e.do(req{method: "POST", path: "/api/v1/identities/verify", as: pbAdmin, body: verify}); w.Code != 200 || decode[pubdata.PersonIdentity](t, w).Status != pubdata.IdentityVerified {
		t.Fatalf("verify: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/account/identity", as: citizen, body: map[string]string{"real_name": "张三", "resident_id": otherID}}), http.StatusConflict, "conflict")

	// Now the person sees their certificate, gets it and its PDF, and sees it on /account.
	if n := mine(citizen); n != 1 {
		t.Fatalf("verified person sees %d certificates", n)
	}
	if w := e.do(req{path: "/api/v1/certificates/" + c.ID, as: citizen}); w.Code != 200 {
		t.Fatalf("holder get: %d", w.Code)
	}
	if l := decode[certList](t, e.do(req{path: "/api/v1/certificates?holder_id=" + residentID, as: citizen})); len(l.Items) != 1 {
		t.Fatalf("holder's own list %+v", l)
	}
	cookie := e.login(citizen)
	if w := e.do(req{path: "/account/certificates/" + c.ID + "/pdf", cookies: []*http.Cookie{cookie}}); w.Code != 200 || !strings.HasPrefix(w.Body.String(), "%PDF-") {
		t.Fatalf("holder's PDF: %d", w.Code)
	}
	page := e.do(req{path: "/account?lang=en", cookies: []*http.Cookie{cookie}}).Body.String()
	if !strings.Contains(page, "LS-001") || !strings.Contains(page, `data-identity="verified"`) || strings.Contains(page, residentID) {
		t.Fatalf("account page: %.2000s", page)
	}
	// Citizen2 has no identity: nobody else's certificates.
	wantError(t, e.do(req{path: "/api/v1/certificates?holder_id=" + residentID, as: "citizen2"}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{path: "/api/v1/certificates/" + c.ID, as: "citizen2"}), http.StatusNotFound, "not_found")

	// D6: no consent, no legal basis: refused, nothing recorded.
	fetch := map[string]string{"holder_id": residentID, "purpose": "律师事务所设立审批"}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: "xm-scj-member", body: fetch}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: citizen, body: fetch}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: "xm-scj-member", body: map[string]string{"holder_id": residentID}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: "xm-scj-member", body: map[string]string{"holder_id": residentID, "purpose": "审批", "legal_basis": "法"}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{path: "/api/v1/certificates/" + c.ID, as: "xm-scj-member"}), http.StatusForbidden, "forbidden")
	type useList struct {
		Items []pubdata.CertificateUse `json:"items"`
	}
	if l := decode[useList](t, e.do(req{path: "/api/v1/account/certificate-uses", as: citizen})); len(l.Items) != 0 {
		t.Fatalf("uses after refusals: %+v", l)
	}

	// The holder consents to xm-scj (for this register); bad consents are refused.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/account/certificate-consents", as: citizen, body: map[string]any{"org": "xm-scj", "purpose": "律所设立", "days": 0}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/account/certificate-consents", as: citizen, body: map[string]any{"org": "nope", "purpose": "律所设立", "days": 30}}), http.StatusBadRequest, "invalid")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/account/certificate-consents", as: "citizen2", body: map[string]any{"org": "xm-scj", "purpose": "律所设立", "days": 30}}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/account/certificate-consents", as: pbMember, body: map[string]any{"org": "xm-scj", "purpose": "律所设立", "days": 30}}), http.StatusForbidden, "forbidden")
	w = e.do(req{method: "POST", path: "/api/v1/account/certificate-consents", as: citizen, body: map[string]any{"org": "xm-scj", "entry": en.ID, "purpose": "律所设立", "days": 30}})
	if w.Code != http.StatusCreated {
		t.Fatalf("consent: %d %s", w.Code, w.Body)
	}
	consent := decode[pubdata.CertificateConsent](t, w)

	// On consent: xm-scj obtains it; fj-gat (no consent) needs a legal basis.
	if l := decode[certList](t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: "xm-scj-member", body: fetch})); len(l.Items) != 1 || l.Basis != pubdata.BasisConsent {
		t.Fatalf("fetch on consent %+v", l)
	}
	if w := e.do(req{path: "/api/v1/certificates/" + c.ID + "/pdf", as: "xm-scj-member"}); w.Code != 200 {
		t.Fatalf("PDF after the fetch: %d", w.Code)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: pbMember, body: fetch}), http.StatusForbidden, "forbidden")
	law := map[string]string{"holder_id": residentID, "purpose": "行政处罚案件调查", "legal_basis": "《行政处罚法》第五十五条"}
	if l := decode[certList](t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: pbMember, body: law})); len(l.Items) != 1 || l.Basis != pubdata.BasisLaw {
		t.Fatalf("fetch on a legal basis %+v", l)
	}

	// The holder sees who obtained it, on which basis.
	uses := decode[useList](t, e.do(req{path: "/api/v1/account/certificate-uses", as: citizen})).Items
	if len(uses) != 3 {
		t.Fatalf("uses %+v", uses)
	}
	byOrg := map[string][]pubdata.CertificateUse{}
	for _, u := range uses {
		byOrg[u.Org] = append(byOrg[u.Org], u)
	}
	if l := byOrg["xm-scj"]; len(l) != 2 || l[0].ConsentID != consent.ID || l[0].Basis != pubdata.BasisConsent || l[0].Purpose != "律师事务所设立审批" {
		t.Fatalf("xm-scj uses %+v", l)
	}
	if l := byOrg["fj-gat"]; len(l) != 1 || l[0].Basis != pubdata.BasisLaw || l[0].LegalBasis != "《行政处罚法》第五十五条" || l[0].Username != pbMember {
		t.Fatalf("fj-gat uses %+v", l)
	}
	page = e.do(req{path: "/account?lang=en", cookies: []*http.Cookie{cookie}}).Body.String()
	if !strings.Contains(page, "福建省公安厅") || !strings.Contains(page, "《行政处罚法》第五十五条") || !strings.Contains(page, `data-use="consent"`) || !strings.Contains(page, `data-consent="`+consent.ID+`"`) {
		t.Fatalf("account page lacks the uses or consents: %.3000s", page)
	}

	// Withdrawal: only the holder; afterwards xm-scj is refused again.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/account/certificate-consents/" + consent.ID + "/withdraw", as: "citizen2"}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/account/certificate-consents/" + consent.ID + "/withdraw", as: "xm-scj-member"}), http.StatusForbidden, "forbidden")
	w = e.do(req{method: "POST", path: "/account/certificate-consents/" + consent.ID + "/withdraw", cookies: []*http.Cookie{cookie}, body: url.Values{}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("withdraw form: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: "xm-scj-member", body: fetch}), http.StatusForbidden, "forbidden")
	// A download after a withdrawn consent is refused too.
	wantError(t, e.do(req{path: "/api/v1/certificates/" + c.ID + "/pdf", as: "xm-scj-member"}), http.StatusForbidden, "forbidden")
	// A consent through the page form.
	w = e.do(req{method: "POST", path: "/account/certificate-consents", cookies: []*http.Cookie{cookie}, body: url.Values{"org": {"fz-scj"}, "purpose": {"食品经营许可"}, "days": {"7"}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("consent form: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/account/certificate-consents", cookies: []*http.Cookie{cookie}, body: url.Values{"org": {""}, "purpose": {""}, "days": {"x"}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="consent-purpose-error"`) {
		t.Fatalf("bad consent form: %d %.500s", w.Code, w.Body)
	}

	// Citizen2 through the pages: states an identity (a bad number is shown on the form),
	// a counter verifies it on the console; a member of a public body may not.
	cookie2 := e.login("citizen2")
	w = e.do(req{method: "POST", path: "/account/identity?lang=en", cookies: []*http.Cookie{cookie2}, body: url.Values{"real_name": {"李四"}, "resident_id": {"123"}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="identity-id-error"`) {
		t.Fatalf("bad identity form: %d %.500s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/account/identity", cookies: []*http.Cookie{cookie2}, body: url.Values{"real_name": {"李四"}, "resident_id": {otherID}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("identity form: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/console/identities", cookies: []*http.Cookie{e.login(pbMember)}}); w.Code != http.StatusForbidden {
		t.Fatalf("a member's identities page: %d", w.Code)
	}
	clerk := e.login(pbAdmin)
	if w := e.do(req{path: "/console/identities?lang=en&username=citizen2", cookies: []*http.Cookie{clerk}}); w.Code != 200 || !strings.Contains(w.Body.String(), "李四") || !strings.Contains(w.Body.String(), `data-identity="claimed"`) {
		t.Fatalf("identities page: %d %.500s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/console/identities?lang=en", cookies: []*http.Cookie{clerk}, body: url.Values{"username": {"citizen2"}, "resident_id": {residentID}}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="identity-card-error"`) {
		t.Fatalf("wrong card number: %d %.500s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/console/identities?lang=en", cookies: []*http.Cookie{clerk}, body: url.Values{"username": {"citizen2"}, "resident_id": {otherID}}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `data-identity="verified"`) {
		t.Fatalf("verify on the console: %d %.500s", w.Code, w.Body)
	}
	if n := mine("citizen2"); n != 0 {
		t.Fatalf("citizen2 holds %d certificates", n)
	}

	// The record: the claims, the verifications, the consents and every use with its basis;
	// never the whole resident ID number.
	events, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range events {
		seen[ev.Action]++
		if b := string(mustJSON(ev)); strings.Contains(b, residentID) || strings.Contains(b, otherID) {
			t.Fatalf("a resident ID number is in the record: %s", b)
		}
		if ev.Action == "certificate.use" && (ev.Details["basis"] == nil || ev.Details["purpose"] == nil) {
			t.Fatalf("a use without its basis: %+v", ev.Details)
		}
	}
	if seen["identity.claim"] != 2 || seen["identity.verify"] != 2 || seen["certificate.consent"] != 2 || seen["certificate.consent_withdraw"] != 1 || seen["certificate.use"] != 3 {
		t.Fatalf("record %v", seen)
	}
}
