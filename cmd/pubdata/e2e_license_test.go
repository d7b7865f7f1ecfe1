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

// TestBrowserEntryLicense: the entry page of the demo's air quality data shows, in Chinese
// and after the switch to English, its licence (linked to the licence's text), when its
// data and its metadata last changed, in China's time, and its temporal coverage and
// contact point, at a phone's width.
func TestBrowserEntryLicense(t *testing.T) {
	chromium := testdb.Chromium(t)
	a := newSQLiteStore(t).open(t)
	ctx := systemContext(context.Background())
	res, err := createDemoProvince(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := loadDemoData(ctx, a, 0.01, &res); err != nil {
		t.Fatal(err)
	}
	air, err := a.entries.FindPublishedEntry(ctx, "204001/00001")
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.data.TableStats(ctx, air.ID)
	if err != nil || st.LastLoadedAt == nil {
		t.Fatalf("the air quality table is not loaded: %+v %v", st, err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	loaded := st.LastLoadedAt.In(time.FixedZone("UTC+8", 8*3600)).Format("2006-01-02 15:04")

	b.do("the entry page in Chinese", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/catalog/"+air.ID), chromedp.WaitVisible(chromedp.CSS("#entry-license a")))
	meta := b.text("the metadata", chromedp.Text(chromedp.CSS("#entry-meta + dl")))
	for _, want := range []string{"许可协议", "知识共享署名 4.0 国际许可协议", "数据更新时间", loaded + " （北京时间）", "目录更新时间", "2025-06-09 至 2025-06-30", "大气环境处"} {
		if !strings.Contains(meta, want) {
			t.Errorf("the Chinese page's metadata lacks %q:\n%s", want, meta)
		}
	}
	if href := b.text("the licence's link", chromedp.Evaluate[string](`document.querySelector("#entry-license a").href`)); href != "https://creativecommons.org/licenses/by/4.0/" {
		t.Errorf("the licence links to %q", href)
	}
	b.do("switch to English", chromedp.Click(chromedp.CSS(`.lang-switch a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #entry-license a`)))
	meta = b.text("the metadata", chromedp.Text(chromedp.CSS("#entry-meta + dl")))
	for _, want := range []string{"Licence", "Creative Commons Attribution 4.0 International", "Data updated", loaded + " (China Standard Time, UTC+8)", "Metadata updated", "2025-06-09 to 2025-06-30"} {
		if !strings.Contains(meta, want) {
			t.Errorf("the English page's metadata lacks %q:\n%s", want, meta)
		}
	}
	if out := b.text("overflow", chromedp.Evaluate[string](overflowJS)); out != "[]" {
		t.Errorf("the English entry page overflows at 390 px: %s", out)
	}
}
