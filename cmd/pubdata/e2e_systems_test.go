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

// TestBrowserSystems (H4): in each language at a phone's 390 px, the provincial market
// regulator's editor finds the demo's system in the register, registers another one
// listing an entry, and deletes it after ticking the confirmation; the provincial
// authority's admin sees Fuzhou's regulator on the board of unconnected entries and not
// the provincial one.
func TestBrowserSystems(t *testing.T) {
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
	signOut := func() {
		t.Helper()
		step("sign out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		step("a phone's width", chromedp.EmulateViewport(390, 844))
		bs.signIn(ts.URL, "scjg-editor", DemoPassword)
		step("the register",
			chromedp.Navigate(ts.URL+"/console/systems?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#systems-list`)),
		)
		if list := value("the systems", chromedp.Text(chromedp.CSS(`#systems-list + table, section[aria-labelledby="systems-list"]`))); !strings.Contains(list, "福建省市场主体登记系统") {
			t.Fatalf("%s: the demo's system is not listed:\n%s\n%s", lang, list, where())
		}
		if tall := value("controls 44 px high", chromedp.Evaluate[string](`String([...document.querySelectorAll('#system-name, #system-kind, form[action="/console/systems"] button')].every(e => e.getBoundingClientRect().height >= 44))`)); tall != "true" {
			t.Errorf("%s: a control of the form is less than 44 px high", lang)
		}
		step("register a system",
			chromedp.SendKeys(chromedp.CSS(`#system-name`), "网上办事大厅"),
			chromedp.SendKeys(chromedp.CSS(`#system-owner`), "周敏"),
			chromedp.Click(chromedp.CSS(`#system-entry-0`)),
			chromedp.Click(chromedp.CSS(`form[action="/console/systems"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.flash[role="status"]`)),
		)
		loc := value("the address after adding", chromedp.Location())
		_, id, ok := strings.Cut(loc, "created=")
		if !ok {
			t.Fatalf("%s: no created system in %s", lang, loc)
		}
		id, _, _ = strings.Cut(id, "&")
		step("open it",
			chromedp.Click(chromedp.CSS(`a[href="/console/systems/`+id+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#system-delete-confirm`)),
		)
		step("delete without ticking the confirmation",
			chromedp.Click(chromedp.CSS(`form[action$="/delete"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#system-delete-confirm-error`)),
		)
		step("delete after ticking it",
			chromedp.Click(chromedp.CSS(`#system-delete-confirm`)),
			chromedp.Click(chromedp.CSS(`form[action$="/delete"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.flash[role="status"]`)),
		)
		if list := value("the systems", chromedp.Text(chromedp.CSS(`section[aria-labelledby="systems-list"]`))); strings.Contains(list, "网上办事大厅") {
			t.Fatalf("%s: the deleted system is still listed\n%s", lang, where())
		}
		signOut()

		bs.signIn(ts.URL, "fj-admin", DemoPassword)
		step("the board",
			chromedp.Navigate(ts.URL+"/console/systems?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#board-350100-scjgj`)),
		)
		if on := value("the connected regulator is not on it", chromedp.Evaluate[string](`String(document.getElementById('board-350000-scjgj') !== null)`)); on != "false" {
			t.Errorf("%s: the provincial regulator, fully connected, is on the board", lang)
		}
		signOut()
	}
}
