package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/ident"
)

// TestBrowserPersonHolder (issue 14 item 4): the demo citizen, whose identity a public
// body's admin verified, sees the certificate issued to their resident ID number on their
// account at a phone's width, consents on the page that 福建省公安厅 obtain it, and then sees
// that body's use of it, on their consent.
func TestBrowserPersonHolder(t *testing.T) {
	chromium := testdb.Chromium(t)
	a := newSQLiteStore(t).open(t)
	ctx := systemContext(context.Background())
	if _, err := createDemoProvince(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := createDemoCertificates(ctx, a); err != nil {
		t.Fatal(err)
	}
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	citizen, err := a.users.FindUserByUsername(ctx, "citizen")
	if err != nil {
		t.Fatal(err)
	}
	citizenCx := pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{User: citizen})
	clerk, err := actors.as("scjg-admin")
	if err != nil {
		t.Fatal(err)
	}
	editor, err := actors.as("scjg-editor")
	if err != nil {
		t.Fatal(err)
	}
	gat, err := actors.as("gat-member")
	if err != nil {
		t.Fatal(err)
	}
	rid := ident.CompleteResidentID("35010219880808123")
	digest := web.HolderDigest(ident.ElementResidentID, rid)
	if _, err := a.certs.ClaimIdentity(citizenCx, citizen.ID, "陈小明", digest, ident.Mask(rid)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.certs.VerifyIdentity(clerk, citizen.ID, digest, pubdata.IdentityMethodCounter); err != nil {
		t.Fatal(err)
	}
	e, err := a.entries.FindPublishedEntry(ctx, demoCertRegister)
	if err != nil {
		t.Fatal(err)
	}
	srv := &web.Server{Certificates: a.certs, Extracts: a.extracts, CertPDF: a.certPDF, Now: a.db.Now}
	c, err := srv.IssueCertificateAs(editor, "http://127.0.0.1", e, &pubdata.CertificateRequest{Number: "JY23501020000777", Title: "食品经营许可证",
		HolderName: "陈小明", HolderID: rid, Fields: [][2]string{{"经营者名称", "陈小明（个体工商户）"}}, ValidFrom: "2025-05-01", ValidUntil: "2030-04-30"})
	if err != nil {
		t.Fatal(err)
	}

	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	noOverflow := func(where string) {
		t.Helper()
		if out := b.text("overflow", chromedp.Evaluate[string](overflowJS)); out != "[]" {
			t.Errorf("%s overflows at 390 px: %s", where, out)
		}
	}
	b.do("a phone's width", chromedp.EmulateViewport(390, 844))
	b.signIn(ts.URL, "citizen", DemoPassword)
	b.do("open my account", chromedp.Navigate(ts.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`[data-identity="verified"]`)))
	if got := b.text("the certificates", chromedp.Text(chromedp.CSS("#account-certificates + *"))); !strings.Contains(got, "JY23501020000777") {
		t.Errorf("the account's certificates:\n%s", got)
	}
	if got := b.text("the identity", chromedp.Text(chromedp.CSS(`[data-identity]`))); !strings.Contains(got, "陈小明") || strings.Contains(got, rid) || !strings.Contains(got, "已核验") {
		t.Errorf("the identity section:\n%s", got)
	}
	noOverflow("the account page")
	b.do("consent that 福建省公安厅 obtain my certificates",
		chromedp.SetValue(chromedp.CSS("#consent-org"), "350000-gat"),
		chromedp.SendKeys(chromedp.CSS("#consent-purpose"), "户籍窗口办理业务"),
		chromedp.Click(chromedp.CSS(`form[action="/account/certificate-consents"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-consent]`)))
	if got := b.text("the consents", chromedp.Text(chromedp.CSS("#account-consents ~ .table-wrap, section[aria-labelledby=account-consents] table"))); !strings.Contains(got, "福建省公安厅") || !strings.Contains(got, "户籍窗口办理业务") {
		t.Errorf("the consents:\n%s", got)
	}
	// The body obtains it on that consent (D6): the holder sees it.
	if err := a.certs.RecordCertificateFetch(gat, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "350000-gat", Purpose: "户籍业务办理", Basis: pubdata.BasisConsent}); err != nil {
		t.Fatal(err)
	}
	b.do("reload my account", chromedp.Navigate(ts.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`tr[data-use="consent"]`)))
	if got := b.text("the uses", chromedp.Text(chromedp.CSS(`tr[data-use="consent"]`))); !strings.Contains(got, "福建省公安厅") || !strings.Contains(got, "户籍业务办理") {
		t.Errorf("the use:\n%s", got)
	}
	noOverflow("the account page with a consent and a use")
}

// TestBrowserDemoResident: the demo's citizen resident signs in and sees, at a phone's
// width, her verified identity, her two certificates, her consent and the uses — the one on a
// legal basis marked as notified; then 福建省市场监督管理局's admin revokes the verification at
// the counter page with a reason, and her account offers the identity form again.
func TestBrowserDemoResident(t *testing.T) {
	chromium := testdb.Chromium(t)
	a := newSQLiteStore(t).open(t)
	ctx := systemContext(context.Background())
	if _, err := createDemoProvince(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := createDemoCertificates(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := createDemoHolder(ctx, a); err != nil {
		t.Fatal(err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	noOverflow := func(b browserSteps, where string) {
		t.Helper()
		if out := b.text("overflow", chromedp.Evaluate[string](overflowJS)); out != "[]" {
			t.Errorf("%s overflows at 390 px: %s", where, out)
		}
	}
	b.do("a phone's width", chromedp.EmulateViewport(390, 844))
	b.signIn(ts.URL, demoResident, DemoPassword)
	b.do("open my account", chromedp.Navigate(ts.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`[data-identity="verified"]`)))
	if got := b.text("the certificates", chromedp.Text(chromedp.CSS("#account-certificates + *"))); !strings.Contains(got, demoCertResident) || !strings.Contains(got, demoCertResident2) {
		t.Errorf("the account's certificates:\n%s", got)
	}
	if got := b.text("the consents", chromedp.Text(chromedp.CSS(`tr[data-consent]`))); !strings.Contains(got, "福建省公安厅") {
		t.Errorf("the consents:\n%s", got)
	}
	if got := b.text("the use on a legal basis", chromedp.Text(chromedp.CSS(`tr[data-use="law"]`))); !strings.Contains(got, "食品安全法") || !strings.Contains(got, "已通知您") {
		t.Errorf("the use on a legal basis:\n%s", got)
	}
	noOverflow(b, "the demo citizen's account page")

	// The counter revokes the verification, with a reason.
	clerk := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	clerk.do("a phone's width", chromedp.EmulateViewport(390, 844))
	clerk.signIn(ts.URL, "scjg-admin", DemoPassword)
	clerk.do("find the citizen at the counter", chromedp.Navigate(ts.URL+"/console/identities?username="+demoResident),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/identities/revoke"]`)))
	noOverflow(clerk, "the counter page")
	clerk.do("revoke the verification",
		chromedp.SendKeys(chromedp.CSS("#identity-revoke-reason"), "本人申请更正身份信息"),
		chromedp.Click(chromedp.CSS(`form[action="/console/identities/revoke"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-revoked="`+demoResident+`"]`)))
	b.do("reload my account", chromedp.Navigate(ts.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`[data-identity="none"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/account/identity"]`)))
}
