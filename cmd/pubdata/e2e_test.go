package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// newBrowser starts a headless Chromium with a fresh profile, safe to run as root, asking
// for Chinese pages as a Chinese user's browser would.
func newBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1280, 860),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now, on the long-lived context (a timeout here would stop the whole
	// browser later), to fail clearly if it cannot start.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	return ctx
}

// TestBrowser drives the console in a real Chromium: sign in as the demo authority admin,
// switch to English and keep it across a reload, create a token on "my account" and use it
// on the API.
func TestBrowser(t *testing.T) {
	chromium := testdb.Chromium(t) // skips, or fails when CI=true, without PUBDATA_TEST_CHROMIUM
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)

	// Each step runs with a time limit and, on failure, shows where the browser was.
	where := func() string {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(wctx, chromedp.Location())
		body, _ := chromedp.Run(wctx, chromedp.Text(chromedp.CSS("body")))
		return "at " + loc + "\n" + body
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, where())
		}
	}
	value := func(name string, a chromedp.Action[string]) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, a)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, where())
		}
		return v
	}
	htmlLang := chromedp.Evaluate[string](`document.documentElement.lang`)
	bodyText := chromedp.Text(chromedp.CSS("body"))

	// The console sends an anonymous visitor to the login form, in Chinese by default.
	step("open the console",
		chromedp.Navigate(ts.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
	)
	if loc := value("location", chromedp.Location()); !strings.Contains(loc, "/console/login") {
		t.Errorf("anonymous /console went to %s, want the login page", loc)
	}
	if lang := value("lang", htmlLang); lang != "zh-CN" {
		t.Errorf(`login page <html lang=%q>, want "zh-CN"`, lang)
	}

	step("sign in as fj-admin",
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "fj-admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/console/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/account"]`)),
	)
	if loc := value("location", chromedp.Location()); !strings.HasSuffix(loc, "/console") {
		t.Errorf("after login at %s, want /console", loc)
	}
	if text := value("console text", bodyText); !strings.Contains(text, "fj-admin") && !strings.Contains(text, "省大数据局管理员") {
		t.Errorf("console does not show who is signed in:\n%s", text)
	}

	// The visible switch turns the pages to English.
	step("switch to English",
		chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[hreflang="zh-CN"]`)),
	)
	if lang := value("lang", htmlLang); lang != "en" {
		t.Errorf(`after the switch <html lang=%q>, want "en"`, lang)
	}
	if text := value("English text", bodyText); !strings.Contains(text, "My account") {
		t.Errorf(`English console has no "My account" label:\n%s`, text)
	}

	// A cookie remembers the choice: the same URL, without ?lang=, stays English.
	step("reload",
		chromedp.Navigate(ts.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/account"]`)),
	)
	if lang := value("lang", htmlLang); lang != "en" {
		t.Errorf(`after reload <html lang=%q>, want "en"`, lang)
	}
	if text := value("English text", bodyText); !strings.Contains(text, "My account") {
		t.Errorf(`after reload no "My account" label:\n%s`, text)
	}

	// The README's screenshot: the organisations of the demo province, in English.
	if os.Getenv("PUBDATA_SCREENSHOT") == "1" {
		step("open the review queue",
			chromedp.Navigate(ts.URL+"/console/review"),
			chromedp.WaitVisible(chromedp.CSS("main table")),
		)
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		cancel()
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		out := filepath.Join("..", "..", "docs", "console.png")
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", out, len(png))
		step("back to the console", chromedp.Navigate(ts.URL+"/console"))
	}

	// My account: create a token and read its secret, shown once.
	step("create a token",
		chromedp.Click(chromedp.CSS(`a[href="/console/account"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/account/tokens"] input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/console/account/tokens"] input[name="name"]`), "browser test"),
		chromedp.Click(chromedp.CSS(`form[action="/console/account/tokens"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#account-secret-value`)),
	)
	secret := strings.TrimSpace(value("token secret", chromedp.Value(chromedp.CSS(`#account-secret-value`))))
	if secret == "" {
		t.Fatal("no token secret shown")
	}

	code, body := get(t, ts.URL+"/api/v1/me", secret)
	if code != 200 {
		t.Fatalf("GET /api/v1/me with the new token: %d %s", code, body)
	}
	var me struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil || me.Username != "fj-admin" {
		t.Errorf("GET /api/v1/me = %s (%v), want fj-admin", body, err)
	}
}
