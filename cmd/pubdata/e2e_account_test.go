package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/locale"
)

// TestBrowserAccountApplication (issue 11 item 2): on the demo, a citizen with an open
// application signs in, lands on the portal's account page, opens the application from it,
// and sees it in the portal (the portal's navigation, not the console's), with its status
// and due date, in Chinese and in English; the console's address sends the citizen back.
func TestBrowserAccountApplication(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	sys := systemContext(context.Background())
	if err := loadDemo(sys, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e, _, _ := applicableEntry(t, a)
	const user, pw = "wang.fang", "account-browser-pass-1"
	u, err := a.users.CreateUser(sys, &pubdata.UserCreate{Username: user, Password: pw, DisplayName: "王芳"})
	if err != nil {
		t.Fatal(err)
	}
	until := pubdata.Today(time.Now().AddDate(0, 2, 0))
	app, err := a.applications.CreateApplication(pubdata.NewContextWithActor(sys, &pubdata.Actor{User: u}), e, &pubdata.ApplicationCreate{
		Entry: e.ID, Kind: pubdata.KindOpen, Purpose: "撰写区域经济研究报告", Basis: "研究本省企业登记的行业分布", Until: until, AcceptTerms: true})
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
	b.signIn(ts.URL, user, pw)
	if loc := b.text("after signing in", chromedp.Location()); !strings.HasSuffix(loc, "/account") {
		t.Fatalf("a citizen lands on %s, want /account", loc)
	}
	link := `a[href="/account/applications/` + app.ID + `"]`
	for _, lang := range []string{"zh-CN", "en"} {
		b.do("the account page ("+lang+")",
			chromedp.Navigate(ts.URL+"/account?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(link)),
			chromedp.Click(chromedp.CSS(link)),
			chromedp.WaitVisible(chromedp.CSS(`#app-status`)),
		)
		if loc := b.text("location", chromedp.Location()); !strings.Contains(loc, "/account/applications/"+app.ID) {
			t.Fatalf("the account's link opened %s", loc)
		}
		if st, want := b.text("status", chromedp.Text(chromedp.CSS(`#app-status`))), locale.Text(lang, "app.status.pending"); st != want {
			t.Errorf("%s: status %q, want %q", lang, st, want)
		}
		if due := b.text("due", chromedp.Text(chromedp.CSS(`#app-due`))); !strings.Contains(due, app.Due) {
			t.Errorf("%s: due %q, want %s", lang, due, app.Due)
		}
		nav := b.text("navigation", chromedp.Evaluate[string](`[document.querySelectorAll("nav.portal-nav").length, document.querySelectorAll("#console-menu, nav.console-nav:not(.portal-nav)").length, document.documentElement.lang].join(" ")`))
		if want := "1 0 " + lang; nav != want {
			t.Errorf("%s: portal nav, console nav, lang = %q, want %q\n%s", lang, nav, want, b.where())
		}
		if n := b.text("withdraw", chromedp.Evaluate[string](`String(document.querySelectorAll('form[action="/account/applications/`+app.ID+`/withdraw"] button').length)`)); n != "1" {
			t.Errorf("%s: the withdraw form is missing\n%s", lang, b.where())
		}
	}
	// The console's address of the application sends the citizen to the account's.
	b.do("the console's address",
		chromedp.Navigate(ts.URL+"/console/applications/"+app.ID),
		chromedp.WaitVisible(chromedp.CSS(`#app-status`)),
	)
	if loc := b.text("location", chromedp.Location()); !strings.Contains(loc, "/account/applications/"+app.ID) {
		t.Errorf("the console's address ended at %s", loc)
	}
}
