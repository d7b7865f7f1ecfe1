package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserMonitoring (C2, H2): in each language at a phone's 390 px, the provincial
// authority's admin reads the board — the stale and never-loaded entries, the open alert,
// the charts with their tables — without the page overflowing sideways, and drills down to
// the market regulator, whose late reply shows; that unit's admin is sent to its own page.
func TestBrowserMonitoring(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	sys := systemContext(context.Background())
	if err := loadDemo(sys, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !a.refreshMonitor(sys, time.Now()) {
		t.Fatal("the refresh failed")
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
	step("a phone's width", chromedp.EmulateViewport(390, 844))
	bs.signIn(ts.URL, "fj-admin", DemoPassword)
	for _, lang := range []string{"zh-CN", "en"} {
		step("the board",
			chromedp.Navigate(ts.URL+"/console/monitoring?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#monitor-figures`)),
			chromedp.WaitVisible(chromedp.CSS(`svg#chart-rows`)),
		)
		if n := value("stale and never-loaded badges", chromedp.Evaluate[string](`String(document.querySelectorAll("#monitor-problems-table .problem-stale").length > 0 && document.querySelectorAll("#monitor-problems-table .problem-never").length > 0)`)); n != "true" {
			t.Fatalf("%s: the board lacks a stale or a never-loaded entry\n%s", lang, where())
		}
		alerts := value("the alerts", chromedp.Text(chromedp.CSS(`#monitor-alert-list`)))
		if want := map[string]string{"zh-CN": "数据停更", "en": "Stale table"}[lang]; !strings.Contains(alerts, want) {
			t.Fatalf("%s: alerts %q lack %q", lang, alerts, want)
		}
		if title := value("the chart's name", chromedp.Evaluate[string](`document.getElementById(document.querySelector("svg#chart-rows").getAttribute("aria-labelledby").split(" ")[0]).textContent`)); title != map[string]string{"zh-CN": "数据行数走势", "en": "Rows over time"}[lang] {
			t.Errorf("%s: the chart is named %q", lang, title)
		}
		if over := value("overflow", chromedp.Evaluate[string](overflowJS)); over != "[]" {
			t.Errorf("%s: the board overflows at 390 px: %s", lang, over)
		}
		step("drill down to the market regulator",
			chromedp.Click(chromedp.CSS(`#unit-350000-scjgj a`)),
			chromedp.WaitVisible(chromedp.CSS(`#monitor-replies`)),
		)
		replies := value("the replies", chromedp.Text(chromedp.CSS(`section[aria-labelledby="monitor-replies"] tbody tr:first-child`)))
		if f := strings.Fields(replies); len(f) == 0 || f[len(f)-1] == "0" {
			t.Fatalf("%s: no late reply in %q\n%s", lang, replies, where())
		}
	}
	step("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)))
	bs.signIn(ts.URL, "scjg-admin", DemoPassword)
	step("a unit's admin opens the board",
		chromedp.Navigate(ts.URL+"/console/monitoring"),
		chromedp.WaitVisible(chromedp.CSS(`#monitor-replies`)),
	)
	if loc := value("where", chromedp.Location()); !strings.HasSuffix(loc, "/console/monitoring/units/350000-scjgj") {
		t.Fatalf("the unit's admin is at %s", loc)
	}
}
