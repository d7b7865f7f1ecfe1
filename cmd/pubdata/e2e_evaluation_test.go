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
)

// TestBrowserEvaluation (H1): anonymously, at a phone's 390 px in each language, /evaluation
// ranks the demo units of the latest published period without widening the page, a unit's
// page draws its trend, and the method names the weights; the provincial authority's admin
// computes the current year, previews the draft, publishes it (early, after ticking), and
// the period is then frozen and on the portal's selector.
func TestBrowserEvaluation(t *testing.T) {
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
	month := pubdata.MonthPeriod(time.Now()).Key
	step("a phone's width", chromedp.EmulateViewport(390, 844))
	for _, lang := range []string{"zh-CN", "en"} {
		step("the ranking",
			chromedp.Navigate(ts.URL+"/evaluation?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#eval-table`)),
		)
		if p := value("the period shown", chromedp.Value(chromedp.CSS(`#eval-period`))); p != month {
			t.Fatalf("%s: the latest published period is %q, want %s", lang, p, month)
		}
		if first := value("the first unit", chromedp.Text(chromedp.CSS(`#eval-table tbody tr:first-child th a`))); !strings.Contains(first, "局") && !strings.Contains(first, "厅") {
			t.Fatalf("%s: the first ranked unit is %q\n%s", lang, first, where())
		}
		if wide := value("the page fits the phone", chromedp.Evaluate[string](`String(document.documentElement.scrollWidth <= 390)`)); wide != "true" {
			t.Errorf("%s: the ranking widens the page beyond 390 px", lang)
		}
		step("a unit's page",
			chromedp.Click(chromedp.CSS(`#eval-table tbody tr:first-child th a`)),
			chromedp.WaitVisible(chromedp.CSS(`#eval-trend svg[role="img"]`)),
		)
		if label := value("the chart's name", chromedp.Evaluate[string](`document.querySelector('#eval-trend svg title').textContent`)); label == "" {
			t.Errorf("%s: the trend chart has no accessible name", lang)
		}
		step("the method",
			chromedp.Navigate(ts.URL+"/evaluation/method?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#eval-weights`)),
		)
		if rows := value("the weights", chromedp.Evaluate[string](`String(document.querySelectorAll('#eval-weights tbody tr').length)`)); rows != "11" {
			t.Errorf("%s: %s indicators on the method page, want 11", lang, rows)
		}
	}
	// The publish flow in the console.
	bs.signIn(ts.URL, "fj-admin", DemoPassword)
	year := month[:4]
	step("compute the year",
		chromedp.Navigate(ts.URL+"/console/evaluation?lang=zh-CN"),
		chromedp.WaitVisible(chromedp.CSS(`#eval-compute-period`)),
		chromedp.SendKeys(chromedp.CSS(`#eval-compute-period`), year),
		chromedp.Click(chromedp.CSS(`form[action="/console/evaluation/compute"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#eval-flash`)),
	)
	if st := value("the draft", chromedp.Text(chromedp.CSS(`#eval-status`))); st != "草稿" {
		t.Fatalf("status %q after computing\n%s", st, where())
	}
	step("publish without ticking early",
		chromedp.Click(chromedp.CSS(`#eval-publish button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`div.form-errors[role="alert"]`)),
	)
	if msg := value("the refusal", chromedp.Text(chromedp.CSS(`div.form-errors[role="alert"]`))); !strings.Contains(msg, "尚未结束") {
		t.Fatalf("refusal %q", msg)
	}
	step("publish early",
		chromedp.Click(chromedp.CSS(`#eval-early`)),
		chromedp.Click(chromedp.CSS(`#eval-publish button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#eval-frozen`)),
	)
	step("compute it again",
		chromedp.SendKeys(chromedp.CSS(`#eval-compute-period`), year),
		chromedp.Click(chromedp.CSS(`form[action="/console/evaluation/compute"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`div.form-errors[role="alert"]`)),
	)
	if msg := value("frozen", chromedp.Text(chromedp.CSS(`div.form-errors[role="alert"]`))); !strings.Contains(msg, "冻结") {
		t.Fatalf("recomputing a published period: %q", msg)
	}
	step("the portal's selector",
		chromedp.Navigate(ts.URL+"/evaluation?period="+year+"&lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#eval-table`)),
	)
	if opts := value("the periods", chromedp.Text(chromedp.CSS(`#eval-period`))); !strings.Contains(opts, year+" · year") {
		t.Fatalf("the selector lacks %s: %q", year, opts)
	}
}
