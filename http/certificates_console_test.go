package http

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// TestCertificatesConsole: the certificates page of an entry, for the provider's admins and
// editors only — declare the register, issue a certificate through the form of the entry's
// fields, list it, download its PDF, revoke it with a reason and a confirmation — in both
// languages; everyone else is refused every page and form.
func TestCertificatesConsole(t *testing.T) {
	e, uscc := newCertEnv(t)
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("食品经营许可证", pubdata.ClassUnconditional, pubdata.ClassNone)).ID)
	base := "/console/entries/" + en.ID
	page := base + "/certificates"
	cookies := map[string]*http.Cookie{}
	as := func(user string) *http.Cookie {
		if user == anonymous {
			return nil
		}
		if cookies[user] == nil {
			cookies[user] = e.login(user)
		}
		return cookies[user]
	}
	issueForm := url.Values{"number": {"JY001"}, "title": {"食品经营许可证"}, "holder_name": {"福州某某餐饮有限公司"}, "holder_id": {uscc},
		"valid_from": {"2025-01-01"}, "valid_until": {"2030-12-31"}, "item_1": {"福州某某餐饮有限公司"}, "extra_name_1": {"经营场所"}, "extra_value_1": {"福州市鼓楼区"}}

	// The entry page links the certificates page for the provider's editors and admins only.
	for user, want := range map[string]bool{pbEditor: true, pbAdmin: true, pbMember: false, pbReviewer: false} {
		body := e.page("GET", base, as(user), "", nil).Body.String()
		if got := strings.Contains(body, `href="`+page+`"`); got != want {
			t.Errorf("entry page as %s links the certificates page: %v, want %v", user, got, want)
		}
	}
	// Everyone else is refused the page and every form.
	others := []string{pbMember, pbReviewer, authAdmin, "fz-scj-member", citizen, "holder"}
	refused := func(stage string) {
		t.Helper()
		for _, user := range others {
			for _, r := range []struct {
				method, path string
				form         url.Values
			}{
				{"GET", page, nil},
				{"POST", page + "/register", url.Values{"kind": {"permit"}}},
				{"POST", page, issueForm},
			} {
				if w := e.page(r.method, r.path, as(user), "", r.form); w.Code != http.StatusForbidden {
					t.Errorf("%s: %s %s as %s: %d, want 403", stage, r.method, r.path, user, w.Code)
				}
			}
		}
		if w := e.page("GET", page, nil, "", nil); w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "/login") {
			t.Errorf("%s: anonymous: %d %s, want the login form", stage, w.Code, w.Header().Get("Location"))
		}
	}
	refused("before the register")

	// Not a register yet: the page offers to declare one; a wrong kind is refused.
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.page("GET", page, as(pbEditor), lang, nil)
		if w.Code != 200 {
			t.Fatalf("page in %s: %d", lang, w.Code)
		}
		checkPage(t, w.Body.String(), lang)
		if strings.Contains(w.Body.String(), `id="certs-issue"`) {
			t.Error("the issue form shows before the entry is a register")
		}
	}
	if w := e.page("POST", page+"/register", as(pbEditor), "en", url.Values{"kind": {"diploma"}}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "licence, permit or qualification") {
		t.Errorf("a wrong kind: %d", w.Code)
	}
	if w := e.page("POST", page+"/register", as(pbEditor), "", url.Values{"kind": {"licence"}}); w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "done=registered") {
		t.Fatalf("declare: %d %s", w.Code, w.Body)
	}
	refused("after the register")

	// The issue form: the entry's fields but its ID item (the holder's); refusals keep the
	// form and say what is wrong.
	body := e.page("GET", page, as(pbAdmin), "zh-CN", nil).Body.String()
	checkPage(t, body, "zh-CN")
	if !strings.Contains(body, `name="item_1"`) || strings.Contains(body, `name="item_0"`) || !strings.Contains(body, "许可证") {
		t.Errorf("the issue form's fields: %s", body[strings.Index(body, `id="certs-issue"`):][:2000])
	}
	bad := url.Values{}
	for k, v := range issueForm {
		bad[k] = v
	}
	bad.Set("holder_id", "123")
	if w := e.page("POST", page, as(pbEditor), "en", bad); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not a valid resident ID number or unified social credit code") ||
		!strings.Contains(w.Body.String(), `value="福州某某餐饮有限公司"`) {
		t.Errorf("a bad holder ID: %d", w.Code)
	}
	bad.Set("holder_id", uscc)
	bad.Set("extra_name_1", "")
	if w := e.page("POST", page, as(pbEditor), "en", bad); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "needs a name") {
		t.Errorf("a field without a name: %d", w.Code)
	}
	w := e.page("POST", page, as(pbEditor), "", issueForm)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "done=issued") {
		t.Fatalf("issue: %d %s", w.Code, w.Body)
	}
	if w := e.page("POST", page, as(pbEditor), "en", issueForm); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "already issued") {
		t.Errorf("the same number again: %d", w.Code)
	}
	list, err := e.srv.Certificates.EntryCertificates(t.Context(), en.ID, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("%d certificates (%v)", len(list), err)
	}
	c := list[0]
	if c.IssuedBy != pbEditor || len(c.Fields) != 2 || c.Fields[0] != [2]string{"企业名称", "福州某某餐饮有限公司"} || c.Fields[1] != [2]string{"经营场所", "福州市鼓楼区"} {
		t.Errorf("issued %+v", c)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		body := e.page("GET", page, as(pbEditor), lang, nil).Body.String()
		checkPage(t, body, lang)
		if !strings.Contains(body, `id="certificate-`+c.ID+`"`) || !strings.Contains(body, "JY001") || !strings.Contains(body, "/verify?code="+c.ID) {
			t.Errorf("the list in %s lacks the certificate", lang)
		}
	}

	// The PDF: the provider's; nobody else's, and not through another entry.
	pdf := page + "/" + c.ID + "/pdf"
	if w := e.page("GET", pdf, as(pbEditor), "", nil); w.Code != 200 || !bytes.HasPrefix(w.Body.Bytes(), []byte("%PDF-")) {
		t.Errorf("PDF: %d", w.Code)
	}
	other := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("其他许可证", pubdata.ClassUnconditional, pubdata.ClassNone)).ID)
	if w := e.page("GET", "/console/entries/"+other.ID+"/certificates/"+c.ID+"/pdf", as(pbEditor), "", nil); w.Code != http.StatusNotFound {
		t.Errorf("PDF through another entry: %d", w.Code)
	}
	revoke := page + "/" + c.ID + "/revoke"
	for _, user := range others {
		for _, r := range []struct {
			method, path string
			form         url.Values
		}{{"GET", pdf, nil}, {"POST", revoke, url.Values{"reason": {"x"}, "confirm": {"1"}}}} {
			if w := e.page(r.method, r.path, as(user), "", r.form); w.Code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", r.method, r.path, user, w.Code)
			}
		}
	}

	// Revocation asks for a reason and a confirmation; then the certificate is revoked at once.
	status := func() string {
		got, err := e.srv.Certificates.Certificate(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	for _, f := range []url.Values{{"reason": {"经营者申请注销"}}, {"confirm": {"1"}}, {"reason": {"  "}, "confirm": {"1"}}} {
		w := e.page("POST", revoke, as(pbEditor), "zh-CN", f)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "field-error") || status() != pubdata.CertValid {
			t.Errorf("revoke with %v: %d, status %s", f, w.Code, status())
		}
		checkPage(t, w.Body.String(), "zh-CN")
	}
	if w := e.page("POST", revoke, as(pbEditor), "", url.Values{"reason": {"经营者申请注销"}, "confirm": {"1"}}); w.Code != http.StatusSeeOther || status() != pubdata.CertRevoked {
		t.Fatalf("revoke: %d %s, status %s", w.Code, w.Body, status())
	}
	if w := e.page("POST", revoke, as(pbEditor), "en", url.Values{"reason": {"again"}, "confirm": {"1"}}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "already revoked") {
		t.Errorf("revoke again: %d", w.Code)
	}
	body = e.page("GET", page, as(pbEditor), "en", nil).Body.String()
	if !strings.Contains(body, `data-status="revoked"`) || !strings.Contains(body, "经营者申请注销") || strings.Contains(body, `action="`+revoke+`"`) {
		t.Error("the list does not show the revocation")
	}
	if v := decode[web.VerifyReply](t, e.do(req{path: "/api/v1/certificates/" + c.ID + "/verify"})); v.Valid {
		t.Error("a revoked certificate verifies")
	}
}
