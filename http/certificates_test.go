package http

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/certpdf"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/pki"
	"github.com/pubdata/pubdata/sqlstore"
)

// newCertEnv is an evidence env that also issues certificates, with a company "holder"
// (fixture organisation of kind company) whose USCC is a certificate holder's ID.
func newCertEnv(t *testing.T) (*env, string) {
	e := newEvidenceEnv(t)
	e.srv.Certificates = sqlstore.NewCertificateService(e.db)
	e.srv.CertPDF = &certpdf.Renderer{}
	uscc := usccN(7)
	system := pubdata.NewContextWithActor(t.Context(), &pubdata.Actor{})
	if err := e.srv.Orgs.CreateOrg(system, &pubdata.Org{Code: uscc, Name: "福州某某餐饮有限公司", Kind: pubdata.KindCompany, Division: "350100"}); err != nil {
		t.Fatal(err)
	}
	u, err := e.srv.Users.CreateUser(system, &pubdata.UserCreate{Username: "holder", Password: password("holder"), DisplayName: "持证人", OrgCode: uscc, Role: pubdata.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := e.srv.Tokens.CreateToken(system, u.ID, "fixture", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["holder"] = secret
	e.users["holder"] = u
	return e, uscc
}

func TestCertificates(t *testing.T) {
	e, uscc := newCertEnv(t)
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("食品经营许可证", pubdata.ClassUnconditional, pubdata.ClassNone)).ID)
	issue := map[string]any{"number": "JY001", "title": "食品经营许可证", "holder_name": "福州某某餐饮有限公司", "holder_id": uscc,
		"fields": [][2]string{{"经营场所", "福州市鼓楼区"}}, "valid_from": "2025-01-01", "valid_until": "2030-12-31"}
	// Not a register yet; then only the provider may declare one and issue.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: pbEditor, body: issue}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/entries/" + en.ID + "/certificate-register", as: "fz-scj-member", body: map[string]string{"kind": "licence"}}), http.StatusForbidden, "forbidden")
	if w := e.do(req{method: "PUT", path: "/api/v1/entries/" + en.ID + "/certificate-register", as: pbEditor, body: map[string]string{"kind": "licence"}}); w.Code != 200 {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	for _, who := range []string{pbMember, "fz-scj-member", citizen, "holder"} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: who, body: issue}), http.StatusForbidden, "forbidden")
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: anonymous, body: issue}), http.StatusUnauthorized, "unauthorized")
	bad := map[string]any{"number": "X", "title": "t", "holder_name": "h", "holder_id": "123", "valid_from": "2025-01-01"}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: pbEditor, body: bad}), http.StatusBadRequest, "invalid")
	w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: pbEditor, body: issue})
	if w.Code != http.StatusCreated {
		t.Fatalf("issue: %d %s", w.Code, w.Body)
	}
	c := decode[web.CertificateJSON](t, w)
	if c.Status != pubdata.CertValid || c.HolderID == uscc || !strings.Contains(c.HolderID, "*") {
		t.Fatalf("certificate %+v", c.CertificateStatus)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/certificates", as: pbEditor, body: issue}), http.StatusBadRequest, "invalid")

	// The signed document verifies at /api/v1/verify, offline with the CA only, and by its code.
	verify := func(body string) web.VerifyReply {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/verify", body: body})
		if w.Code != 200 {
			t.Fatalf("verify: %d %s", w.Code, w.Body)
		}
		return decode[web.VerifyReply](t, w)
	}
	if v := verify(string(c.Signed)); !v.Valid || v.Kind != "certificate" || v.Certificate.Number != "JY001" {
		t.Fatalf("verify %+v", v)
	}
	caPEM := e.do(req{path: "/api/v1/keyring/ca.pem"}).Body.Bytes()
	cas, err := pki.ParseCertsPEM(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := smx509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	if _, err := extract.VerifyCMS(c.Signed, roots, nil); err != nil {
		t.Fatalf("offline: %v", err)
	}
	code := func() web.VerifyReply {
		w := e.do(req{path: "/api/v1/certificates/" + c.ID + "/verify"})
		if w.Code != 200 {
			t.Fatalf("verify code: %d %s", w.Code, w.Body)
		}
		return decode[web.VerifyReply](t, w)
	}
	if v := code(); !v.Valid {
		t.Fatalf("code %+v", v)
	}
	// The PDF verifies at /verify (upload) and its detached signature offline.
	pdfW := e.do(req{path: "/api/v1/certificates/" + c.ID + "/pdf", as: "holder"})
	if pdfW.Code != 200 || !bytes.HasPrefix(pdfW.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("pdf: %d", pdfW.Code)
	}
	sig, _ := base64.StdEncoding.DecodeString(c.PDFSignature)
	if _, err := pki.Verify(sig, pdfW.Body.Bytes(), roots); err != nil {
		t.Fatalf("pdf offline: %v", err)
	}
	uploadPDF := func(pdf []byte) string {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "c.pdf")
		fw.Write(pdf)
		mw.Close()
		hr := httptest.NewRequest("POST", "/verify?lang=en", &buf)
		hr.Header.Set("Content-Type", mw.FormDataContentType())
		rw := httptest.NewRecorder()
		e.h.ServeHTTP(rw, hr)
		return rw.Body.String()
	}
	if page := uploadPDF(pdfW.Body.Bytes()); !strings.Contains(page, `data-verify="valid"`) || !strings.Contains(page, "JY001") {
		t.Fatalf("PDF upload not valid: %.500s", page)
	}
	changed := append([]byte(nil), pdfW.Body.Bytes()...)
	changed[len(changed)/2] ^= 1
	if page := uploadPDF(changed); !strings.Contains(page, `data-verify="invalid"`) {
		t.Fatal("a changed PDF verified")
	}

	// Who may get it: the provider and the holder; a public body only after obtaining it on a
	// basis (D6); not others.
	for _, who := range []string{pbEditor, "holder"} {
		if w := e.do(req{path: "/api/v1/certificates/" + c.ID, as: who}); w.Code != 200 {
			t.Fatalf("%s get: %d", who, w.Code)
		}
	}
	wantError(t, e.do(req{path: "/api/v1/certificates/" + c.ID, as: "fz-scj-member"}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{path: "/api/v1/certificates/" + c.ID, as: citizen}), http.StatusNotFound, "not_found")
	// D6: a public body obtains the holder's certificates by the holder's ID, stating a
	// purpose and a legal basis (or with the holder's consent: TestCertificateHolders).
	type list struct {
		Items []web.CertificateJSON `json:"items"`
		Basis string                `json:"basis"`
	}
	wantError(t, e.do(req{path: "/api/v1/certificates?holder_id=" + uscc, as: "fz-scj-member"}), http.StatusForbidden, "forbidden")
	fetch := map[string]string{"holder_id": uscc, "purpose": "食品经营许可延续审查", "legal_basis": "《行政许可法》第五十条"}
	if l := decode[list](t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: "fz-scj-member", body: fetch})); len(l.Items) != 1 || l.Items[0].ID != c.ID || l.Basis != pubdata.BasisLaw {
		t.Fatalf("holder fetch %+v", l)
	}
	if w := e.do(req{path: "/api/v1/certificates/" + c.ID, as: "fz-scj-member"}); w.Code != 200 {
		t.Fatalf("public body get after the fetch: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/fetch", as: citizen, body: fetch}), http.StatusForbidden, "forbidden")
	if l := decode[list](t, e.do(req{path: "/api/v1/certificates?holder_id=" + uscc, as: "holder"})); len(l.Items) != 1 {
		t.Fatalf("the holder's own list %+v", l)
	}
	// The holder's account page lists it.
	if page := e.do(req{path: "/account?lang=en", cookies: []*http.Cookie{e.login("holder")}}).Body.String(); !strings.Contains(page, "JY001") {
		t.Fatalf("account page lacks the certificate: %.300s", page)
	}

	// Revocation: only the provider; then it no longer verifies, at once.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/" + c.ID + "/revoke", as: "holder", body: map[string]string{}}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/certificates/" + c.ID + "/revoke", as: "fz-scj-member", body: map[string]string{}}), http.StatusForbidden, "forbidden")
	if w := e.do(req{method: "POST", path: "/api/v1/certificates/" + c.ID + "/revoke", as: pbEditor, body: map[string]string{"reason": "吊销"}}); w.Code != 200 {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	if v := verify(string(c.Signed)); v.Valid || v.Certificate == nil || v.Certificate.Status != pubdata.CertRevoked {
		t.Fatalf("revoked verified %+v", v)
	}
	if v := code(); v.Valid {
		t.Fatal("revoked code verified")
	}
	// Every issue, use and check is in the record.
	events, _, _, err := e.srv.Audit.FindEvents(pubdata.NewContextWithActor(t.Context(), &pubdata.Actor{}), pubdata.AuditFilter{Object: "certificate:" + c.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range events {
		seen[ev.Action]++
		if strings.Contains(string(mustJSON(ev.Details)), uscc) {
			t.Fatalf("the holder's ID is in the record: %+v", ev)
		}
	}
	if seen["certificate.issue"] != 1 || seen["certificate.revoke"] != 1 || seen["certificate.use"] < 2 || seen["certificate.check"] < 4 {
		t.Fatalf("record %v", seen)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestExtractOnTwoNodes: an extract signed by one server verifies on a second server of the
// same database (its own keyring reader, the same secrets key), offline with the CA alone,
// after a rotation, and no longer once its signing certificate is revoked.
func TestExtractOnTwoNodes(t *testing.T) {
	e := newEvidenceEnv(t)
	secrets := e.srv.Extracts.Keys.Secrets
	nodeB := &web.Server{Orgs: e.srv.Orgs, Users: e.srv.Users, Tokens: e.srv.Tokens, Audit: e.srv.Audit, Entries: e.srv.Entries,
		Extracts: newKeyring(t, e.db, secrets), Logger: e.srv.Logger, Now: e.clock, Divisions: e.srv.Divisions, Calendar: e.srv.Calendar}
	hB, err := NewHandler(nodeB)
	if err != nil {
		t.Fatal(err)
	}
	verifyOn := func(h http.Handler, raw []byte) web.VerifyReply {
		t.Helper()
		hr := httptest.NewRequest("POST", "/api/v1/verify", bytes.NewReader(raw))
		hr.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, hr)
		if w.Code != 200 {
			t.Fatalf("verify: %d %s", w.Code, w.Body)
		}
		return decode[web.VerifyReply](t, w)
	}
	person := residentID("19800101", 11)
	shared := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("人口基本信息", pubdata.ClassUnconditional)).ID)
	e.loadCSV(pbEditor, shared, "id_no,name,city\n"+person+",张三,福州\n")
	w := e.do(req{method: "POST", path: "/api/v1/extracts", as: pbMember, body: map[string]string{"entry": shared.ID, "key": person}})
	if w.Code != http.StatusCreated {
		t.Fatalf("extract: %d %s", w.Code, w.Body)
	}
	raw := w.Body.Bytes()
	if v := verifyOn(hB, raw); !v.Valid || v.Serial == "" {
		t.Fatalf("node B: %+v", v)
	}
	// Offline, with the CA certificate only.
	g, err := e.srv.Extracts.Keys.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cas, _ := pki.ParseCertsPEM(g.RootsPEM())
	roots := smx509.NewCertPool()
	roots.AddCert(cas[0])
	v1, err := extract.VerifyCMS(raw, roots, nil)
	if err != nil {
		t.Fatalf("offline: %v", err)
	}
	// A rotation on node B: the old extract still verifies on A and B; new ones use the new certificate.
	system := pubdata.NewContextWithActor(t.Context(), &pubdata.Actor{})
	if _, err := nodeB.Extracts.Keys.Rotate(system, "test"); err != nil {
		t.Fatal(err)
	}
	w = e.do(req{method: "POST", path: "/api/v1/extracts", as: pbMember, body: map[string]string{"entry": shared.ID, "key": person}})
	raw2 := w.Body.Bytes()
	v2 := verifyOn(hB, raw2)
	if !v2.Valid || v2.Serial == v1.Serial {
		t.Fatalf("after rotation: %+v (old serial %s)", v2, v1.Serial)
	}
	if v := verifyOn(e.h, raw); !v.Valid {
		t.Fatalf("old extract after rotation: %+v", v)
	}
	// Revoking the old signing certificate invalidates what it signed, on both nodes.
	if _, err := e.srv.Extracts.Keys.Store.RevokeSigningKey(system, v1.Serial, "test"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Handler{e.h, hB} {
		if v := verifyOn(h, raw); v.Valid || !strings.Contains(v.Reason, "revoked") {
			t.Fatalf("revoked: %+v", v)
		}
		if v := verifyOn(h, raw2); !v.Valid {
			t.Fatalf("new extract after revoking the old certificate: %+v", v)
		}
	}
	// A pubdata-extract/v1 extract verifies when its key is in the keyring (imported from
	// the data folder's extract-sm2.pem), and not otherwise.
	old, _ := extract.NewKey()
	var d extract.Document
	var s extract.Signed
	json.Unmarshal(raw2, &s)
	json.Unmarshal(s.Document, &d)
	os1, _ := old.Sign(&d)
	b1, _ := json.Marshal(os1)
	if v := verifyOn(hB, b1); v.Valid {
		t.Fatal("v1 extract of an unknown key verified")
	}
	if err := e.srv.Extracts.Keys.ImportLegacy(system, old.PublicKey()); err != nil {
		t.Fatal(err)
	}
	if v := verifyOn(hB, b1); !v.Valid || v.Format != extract.Format {
		t.Fatalf("v1 extract: %+v", v)
	}
}
