package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// Phones (issue 11 item 8): at 390 px the catalogue shows a result above the fold with its
// filters folded, the console's navigation folds into a menu that opens from the keyboard,
// every control is at least 44 px tall and the unread badge meets AA contrast.

// smallControlsJS lists the visible controls shorter than 44 px: buttons, links styled as
// buttons, inputs (not check boxes or radio buttons: their label row is), selects, the
// navigation's links, summaries.
const smallControlsJS = `(() => {
  const out = [];
  const sel = "button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, summary, nav a, .chip, .facet a";
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest(".visually-hidden, .skip-link")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.height < 43.5) out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\s+/g, ".") : "") + " '" + (el.textContent || el.name || "").trim().slice(0, 20) + "' " + Math.round(r.height) + "px");
  }
  return JSON.stringify(out.slice(0, 20));
})()`

// contrastJS is the contrast ratio of an element's text on its first opaque background
// (itself or an ancestor).
const contrastJS = `((el) => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const fg = rgb(getComputedStyle(el).color);
  let bg = null;
  for (let n = el; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.99)) { bg = c; break; }
  }
  if (!bg) bg = [255, 255, 255];
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
})`

func TestBrowserPhone(t *testing.T) {
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
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	dir := artefactDir(t)
	const width, height = 390, 844
	shot := func(name string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		out := filepath.Join(dir, "phone-"+name+".png")
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s (%d bytes)", out, len(png))
	}
	flag := func(name, js string) bool {
		t.Helper()
		sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b.where())
		}
		return v
	}
	number := func(name, js string) float64 {
		t.Helper()
		sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b.where())
		}
		return v
	}

	// The catalogue at 390 px, in Chinese and English.
	for _, lang := range []string{"zh-CN", "en"} {
		b.do("catalogue at 390 px ("+lang+")",
			chromedp.EmulateViewport(width, height),
			chromedp.Navigate(ts.URL+"/catalog?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#catalog-results`)),
		)
		shot("catalog-" + lang)
		top := number("first result", `document.querySelector(".results .result").getBoundingClientRect().top`)
		if top < 0 || top >= height {
			t.Errorf("%s: the first result's top is at %.0f px, not within the first %d px", lang, top, height)
		} else {
			t.Logf("%s: the first result's top is at %.0f px of %d", lang, top, height)
		}
		if flag("filters open", `document.querySelector("#catalog-filters").open`) {
			t.Errorf("%s: the filters are open on a phone", lang)
		}
		if flag("facets visible", `document.querySelector("#catalog-facets").checkVisibility()`) {
			t.Errorf("%s: the facets show on a phone", lang)
		}
		if bad := b.text("small controls", chromedp.Evaluate[string](smallControlsJS)); bad != "[]" {
			t.Errorf("%s: controls under 44 px on the catalogue: %s", lang, bad)
		}
		if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s: catalogue wider than the viewport: %s", lang, bad)
		}
		// The filters open from the keyboard.
		b.do("open the filters", chromedp.Focus(chromedp.CSS(`#catalog-filters > summary`)), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#catalog-facets`)))
		if bad := b.text("small controls", chromedp.Evaluate[string](smallControlsJS)); bad != "[]" {
			t.Errorf("%s: controls under 44 px in the filters: %s", lang, bad)
		}
	}
	// On a wide screen the facets show without a toggle.
	b.do("catalogue at 1280 px", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.URL+"/catalog"), chromedp.WaitVisible(chromedp.CSS(`#catalog-facets`)))
	if flag("summary visible", `document.querySelector("#catalog-filters > summary").checkVisibility()`) {
		t.Error("the filters' toggle shows on a wide screen")
	}

	// The console's menu.
	b.signIn(ts.URL, "fj-admin", DemoPassword)
	for _, lang := range []string{"zh-CN", "en"} {
		b.do("console at 390 px ("+lang+")",
			chromedp.EmulateViewport(width, height),
			chromedp.Navigate(ts.URL+"/console?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#console-menu > summary`)),
		)
		want := map[string]string{"zh-CN": "菜单", "en": "Menu"}[lang]
		if got := b.text("menu name", chromedp.Evaluate[string](`document.querySelector("#console-menu > summary").textContent.trim()`)); len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("%s: the menu's summary says %q, want %q", lang, got, want)
		}
		if flag("menu open", `document.querySelector("#console-menu").open`) || flag("links visible", `document.querySelector(".console-nav a[href='/console/orgs']").checkVisibility()`) {
			t.Errorf("%s: the console's menu is not folded on a phone", lang)
		}
		shot("console-folded-" + lang)
		b.do("open the menu from the keyboard",
			chromedp.Focus(chromedp.CSS(`#console-menu > summary`)),
			chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(chromedp.CSS(`.console-nav a[href='/console/orgs']`)),
		)
		if !flag("menu open", `document.querySelector("#console-menu").open`) {
			t.Errorf("%s: the menu did not open", lang)
		}
		shot("console-open-" + lang)
		if bad := b.text("small controls", chromedp.Evaluate[string](smallControlsJS)); bad != "[]" {
			t.Errorf("%s: controls under 44 px on the console: %s", lang, bad)
		}
		if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s: console wider than the viewport: %s", lang, bad)
		}
	}
	// The console's pages with forms: every control at least 44 px tall, nothing wider than
	// the phone.
	for _, path := range []string{"/console/audit", "/console/sanctions", "/console/review", "/console/entries", "/console/users"} {
		b.do("open "+path+" at 390 px", chromedp.EmulateViewport(width, height), chromedp.Navigate(ts.URL+path), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		shot(strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "-"))
		if bad := b.text("small controls", chromedp.Evaluate[string](smallControlsJS)); bad != "[]" {
			t.Errorf("%s: controls under 44 px: %s", path, bad)
		}
		if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s: wider than the viewport: %s", path, bad)
		}
	}
	// The unread badge: when the demo user has none, one is added to a link to check the style.
	ratio := number("badge contrast", `(`+contrastJS+`)(document.querySelector(".console-nav ul .count") || (() => { const s = document.createElement("span"); s.className = "count"; s.textContent = "3"; document.querySelector(".console-nav ul a").append(" ", s); return s; })())`)
	if ratio < 4.5 {
		t.Errorf("the unread badge's contrast is %.2f:1, want at least 4.5:1", ratio)
	} else {
		t.Logf("the unread badge's contrast: %s:1", strconv.FormatFloat(ratio, 'f', 2, 64))
	}
	// On a wide screen the links show without a menu.
	b.do("console at 1280 px", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.URL+"/console"), chromedp.WaitVisible(chromedp.CSS(`.console-nav a[href='/console/orgs']`)))
	if flag("summary visible", `document.querySelector("#console-menu > summary").checkVisibility()`) {
		t.Error("the console's menu toggle shows on a wide screen")
	}
}
