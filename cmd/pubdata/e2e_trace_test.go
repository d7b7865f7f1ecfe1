package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserTrace (issue 15 item 7): in each language at a phone's 390 px, the provincial
// authority's reviewer opens the leak tracing page from the menu's address, uploads a copy of
// the open air-quality table (unmarked: nobody downloaded a fingerprinted copy) and reads
// that nobody is named.
func TestBrowserTrace(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	air := publishedByCode(t, a, "204001/00001")
	file := filepath.Join(t.TempDir(), "leak.csv")
	os.WriteFile(file, []byte("station_code,monitored_at,aqi,pm25\n350100051,2024-05-01T00:00:00Z,123,45.6\n350100052,2024-05-01T00:00:00Z,134,56.7\n"), 0o600)
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)
	bs := browserSteps{t: t, ctx: ctx}
	where, step, value := bs.where, bs.do, bs.text
	for _, lang := range []string{"zh-CN", "en"} {
		step("a phone's width", chromedp.EmulateViewport(390, 844))
		bs.signIn(ts.URL, "fj-reviewer", DemoPassword)
		step("the trace page",
			chromedp.Navigate(ts.URL+"/console/trace?lang="+lang+"&entry="+air.ID),
			chromedp.WaitVisible(chromedp.CSS(`#trace-file`)),
		)
		if wide := value("fits the phone", chromedp.Evaluate[string](`String(document.documentElement.scrollWidth <= 390)`)); wide != "true" {
			t.Errorf("%s: the page is wider than the phone: %s", lang, value("wide", chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName+'#'+e.id+'.'+e.className+':'+Math.round(e.getBoundingClientRect().right)).slice(0,8).join(' ')+' sw='+document.documentElement.scrollWidth`)))
		}
		step("upload a copy",
			chromedp.SetUploadFiles(chromedp.CSS(`#trace-file`), []string{file}),
			chromedp.Click(chromedp.CSS(`form[action="/console/trace"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#trace-accused`)),
		)
		got := value("the outcome", chromedp.Text(chromedp.CSS(`#trace-report`)))
		want := map[string]string{"zh-CN": "未认定接收方", "en": "No recipient is named"}[lang]
		if !strings.Contains(got, want) {
			t.Fatalf("%s: the outcome %q lacks %q\n%s", lang, got, want, where())
		}
		step("sign out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		)
	}
}
