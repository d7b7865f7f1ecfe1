package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserRectification (H3): in each language, the provincial authority's admin finds
// the demo's stale table of the provincial market regulator on the compliance page and
// issues a rectification order; the regulator's admin answers it; the authority closes it.
func TestBrowserRectification(t *testing.T) {
	chromium := testdb.Chromium(t)
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
	bs := browserSteps{t: t, ctx: ctx}
	where, step, value := bs.where, bs.do, bs.text
	const unit = "350000-scjgj"
	for _, lc := range []struct{ lang, closed, answer string }{{"zh-CN", "已办结", "已恢复每日归集"}, {"en", "Closed", "Daily loads resumed"}} {
		signIn := func(user string) {
			t.Helper()
			bs.signIn(ts.URL, user, DemoPassword)
			step("the "+lc.lang+" pages, with the orders in the menu",
				chromedp.Navigate(ts.URL+"/console/rectifications?lang="+lc.lang),
				chromedp.WaitVisible(chromedp.CSS(`a[href="/console/rectifications"]`)),
			)
		}
		signOut := func() {
			t.Helper()
			step("sign out",
				chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
			)
		}
		signIn("fj-admin")
		step("open the compliance page from the menu",
			chromedp.Click(chromedp.CSS(`a[href="/console/compliance"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#unit-`+unit+`-panel`)),
		)
		findings := value("the unit's findings", chromedp.Text(chromedp.CSS(`#unit-`+unit+`-panel fieldset`)))
		if !strings.Contains(findings, "行政许可信息") {
			t.Fatalf("the stale permits table is not among the unit's findings:\n%s\n%s", findings, where())
		}
		step("issue the order",
			chromedp.SendKeys(chromedp.CSS(`#request-`+unit), "请恢复行政许可信息的每日更新"),
			chromedp.Click(chromedp.CSS(`#unit-`+unit+`-panel button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#rect-status`)),
		)
		orderURL := strings.Split(value("the order's address", chromedp.Location()), "?")[0]
		signOut()

		signIn("scjg-admin")
		step("answer the order",
			chromedp.Navigate(orderURL),
			chromedp.WaitVisible(chromedp.CSS(`#rect-text`)),
			chromedp.SendKeys(chromedp.CSS(`#rect-text`), lc.answer),
			chromedp.Click(chromedp.CSS(`form[action$="/answer"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.notice[role="status"]`)), // only after the step
		)
		signOut()

		signIn("fj-admin")
		step("close the order",
			chromedp.Navigate(orderURL),
			chromedp.WaitVisible(chromedp.CSS(`button[formaction$="/close"]`)),
			chromedp.Click(chromedp.CSS(`button[formaction$="/close"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.notice[role="status"]`)), // only after the step

		)
		if st := value("the status", chromedp.Text(chromedp.CSS(`#rect-status`))); !strings.Contains(st, lc.closed) {
			t.Fatalf("%s: status %q, want %q\n%s", lc.lang, st, lc.closed, where())
		}
		if ans := value("the answer", chromedp.Text(chromedp.CSS(`#rect-answer`))); ans != lc.answer {
			t.Errorf("%s: answer %q", lc.lang, ans)
		}
		signOut()
	}
}
