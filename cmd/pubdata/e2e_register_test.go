package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserRegister registers a person through the portal's form in Chromium, then signs
// in with the new account.
func TestBrowserRegister(t *testing.T) {
	chromium := testdb.Chromium(t)
	a := newSQLiteStore(t).open(t)
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)
	bs := browserSteps{t: t, ctx: ctx}
	step := bs.do
	step("open the registration form from the login page",
		chromedp.Navigate(ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/register"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/register"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reg-username`)),
	)
	step("a mismatched password is named",
		chromedp.SendKeys(chromedp.CSS(`#reg-username`), "zhang.wei"),
		chromedp.SendKeys(chromedp.CSS(`#reg-display_name`), "张伟"),
		chromedp.SendKeys(chromedp.CSS(`#reg-password`), "browser-pass-1"),
		chromedp.SendKeys(chromedp.CSS(`#reg-password2`), "browser-pass-2"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reg-password-error`)),
	)
	step("register as a person",
		chromedp.SendKeys(chromedp.CSS(`#reg-password`), "browser-pass-1"),
		chromedp.SendKeys(chromedp.CSS(`#reg-password2`), "browser-pass-1"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#register-done`)),
	)
	step("registered, the person is signed in and goes to the account page",
		chromedp.WaitVisible(chromedp.CSS(`.site-header a.who[href="/account"]`)),
		chromedp.Click(chromedp.CSS(`#register-done a[href="/account"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#account-apps`)),
	)
	step("sign out, and sign in again from the header, coming back to the catalogue",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		chromedp.Navigate(ts.URL+"/catalog"),
		chromedp.Click(chromedp.CSS(`a.header-link[href="/login?next=%2Fcatalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "zhang.wei"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "browser-pass-1"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.site-header a.who[href="/account"]`)),
	)
	if loc := bs.text("where the sign-in returns", chromedp.Location()); !strings.HasSuffix(loc, "/catalog") {
		t.Errorf("signed in from the catalogue's header, the person is at %s", loc)
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil || !strings.Contains(body, "张伟") {
		t.Fatalf("signed-in page does not name the user: %v\n%s", err, body)
	}
}
