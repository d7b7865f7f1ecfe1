package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserCertificate (issue 14's acceptance): a certificate issued in the demo verifies
// at /verify by its code, as its QR code opens it, in Chinese and in English at a phone's
// width; the market regulator's editor revokes it on the entry's certificates page, with a
// reason and the confirmation, and /verify then shows it revoked.
func TestBrowserCertificate(t *testing.T) {
	chromium := testdb.Chromium(t)
	a := newSQLiteStore(t).open(t)
	ctx := systemContext(context.Background())
	if _, err := createDemoProvince(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := createDemoCertificates(ctx, a); err != nil {
		t.Fatal(err)
	}
	e, err := a.entries.FindPublishedEntry(ctx, demoCertRegister)
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.certs.EntryCertificates(ctx, e.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, c := range list {
		if c.Number == demoCertValid {
			id = c.ID
		}
	}
	if id == "" {
		t.Fatalf("the demo has no certificate %s", demoCertValid)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	result := chromedp.Text(chromedp.CSS("#verify-result"))
	facts := chromedp.Text(chromedp.CSS("#verify-result ~ dl"))
	noOverflow := func(where string) {
		t.Helper()
		if out := b.text("overflow", chromedp.Evaluate[string](overflowJS)); out != "[]" {
			t.Errorf("%s overflows at 390 px: %s", where, out)
		}
	}

	b.do("open the QR code's link in Chinese at 390 px", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(ts.URL+"/verify?code="+id), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] [data-verify="valid"]`)))
	if got := b.text("the result", result); !strings.Contains(got, "证照有效") {
		t.Errorf("the Chinese result: %q", got)
	}
	if got := b.text("the facts", facts); !strings.Contains(got, demoCertValid) || !strings.Contains(got, "福州榕城味道餐饮有限公司") || !strings.Contains(got, "福建省市场监督管理局") {
		t.Errorf("the Chinese facts:\n%s", got)
	}
	noOverflow("the Chinese verify page")
	b.do("switch to English", chromedp.Click(chromedp.CSS(`.lang-switch a[hreflang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] [data-verify="valid"]`)))
	if got := b.text("the result", result); !strings.Contains(got, "Valid certificate") {
		t.Errorf("the English result: %q", got)
	}
	if got := b.text("the facts", facts); !strings.Contains(got, "Number") || !strings.Contains(got, demoCertValid) {
		t.Errorf("the English facts:\n%s", got)
	}
	noOverflow("the English verify page")

	// The provider's editor revokes it on the console's certificates page.
	b.signIn(ts.URL, "scjg-editor", DemoPassword)
	page := "/console/entries/" + e.ID + "/certificates"
	card := "#certificate-" + id
	b.do("open the entry's certificates page", chromedp.Navigate(ts.URL+"/console/entries/"+e.ID),
		chromedp.Click(chromedp.CSS(`a[href="`+page+`"]`)), chromedp.WaitVisible(chromedp.CSS(card)))
	noOverflow("the certificates page")
	b.do("revoke, with a reason and the confirmation",
		chromedp.Click(chromedp.CSS(card+" summary")),
		chromedp.SendKeys(chromedp.CSS("#revoke-"+id+"-reason"), "Business closed at the holder's request"),
		chromedp.Click(chromedp.CSS("#revoke-"+id+"-confirm")),
		chromedp.Click(chromedp.CSS(card+` form[action$="/revoke"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#certs-done`)),
		chromedp.WaitVisible(chromedp.CSS(card+` [data-status="revoked"]`)))

	b.do("the QR code's link again", chromedp.Navigate(ts.URL+"/verify?code="+id), chromedp.WaitVisible(chromedp.CSS(`[data-verify="revoked"]`)))
	if got := b.text("the page", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, "Revoked") || !strings.Contains(got, "Business closed at the holder's request") {
		t.Errorf("the revoked certificate's page:\n%s", got)
	}
	b.do("in Chinese", chromedp.Click(chromedp.CSS(`.lang-switch a[hreflang="zh-CN"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] [data-verify="revoked"]`)))
	if got := b.text("the result", result); !strings.Contains(got, "已注销") {
		t.Errorf("the Chinese result after revocation: %q", got)
	}
}
