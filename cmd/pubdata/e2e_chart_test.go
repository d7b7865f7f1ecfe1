package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// The entry page's chart, map and preview in a browser (issue 11 item 5), in Chinese and
// English, on a desktop and at a phone's 390 px: the demo's air-quality table (15,120 rows,
// 21 days) is charted over all 21 days, the bus stops are mapped, both drawings fit the
// phone's width with their tables folded behind 44 px summaries, and the preview's filter
// counts the matching rows, pages on with the rows numbered and returns to the preview.
func TestBrowserEntryChartMap(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	air, stops := publishedByCode(t, a, "204001/00001"), publishedByCode(t, a, "203001/00001")
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	dir := artefactDir(t)
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
	shot := func(name string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		out := filepath.Join(dir, "chart-"+name+".png")
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s (%d bytes)", out, len(png))
	}
	// fits checks that the drawing in the section is on the page, within the viewport, and
	// that its section's controls are 44 px tall.
	fits := func(where, section, svg string, width int64) {
		t.Helper()
		if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s: wider than the viewport: %s", where, bad)
		}
		w := number("svg width", `document.querySelector("#`+section+` ~ figure svg.`+svg+`").getBoundingClientRect().width`)
		right := number("svg right", `document.querySelector("#`+section+` ~ figure svg.`+svg+`").getBoundingClientRect().right`)
		if w < 200 || right > float64(width)+0.5 {
			t.Errorf("%s: the %s is %.0f px wide, its right edge at %.0f of %d px", where, svg, w, right, width)
		}
		if h := number("summary", `document.querySelector("#`+section+` ~ details > summary").getBoundingClientRect().height`); h < 43.5 {
			t.Errorf("%s: the table's summary is %.0f px tall, want 44", where, h)
		}
	}
	for _, width := range []int64{1280, 390} {
		for _, lang := range []string{"zh-CN", "en"} {
			where := lang + " at " + map[int64]string{1280: "1280", 390: "390"}[width] + " px"
			b.do("air quality page "+where,
				chromedp.EmulateViewport(width, 844),
				chromedp.Navigate(ts.URL+"/catalog/"+air.ID+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS("#entry-chart")),
			)
			// Every one of the 21 days is a point (the table, folded, lists them).
			if n := number("days", `document.querySelectorAll("#entry-chart ~ details tbody tr").length`); n != 21 {
				t.Errorf("%s: the chart has %.0f points, want the demo's 21 days", where, n)
			}
			if n := number("dots", `document.querySelectorAll("svg.chart-svg circle.chart-dot").length`); n != 21 {
				t.Errorf("%s: the chart draws %.0f dots, want 21", where, n)
			}
			note := b.text("note", chromedp.Text(chromedp.CSS("#entry-chart ~ figure figcaption")))
			if !strings.Contains(note, "15120") {
				t.Errorf("%s: the chart's caption does not say it covers the 15120 rows: %q", where, note)
			}
			fits(where, "entry-chart", "chart-svg", width)
			b.do("scroll to the chart", chromedp.ScrollIntoView(chromedp.CSS("#entry-chart")))
			shot("air-" + lang + "-" + map[int64]string{1280: "1280", 390: "390"}[width])

			b.do("bus stops page "+where,
				chromedp.Navigate(ts.URL+"/catalog/"+stops.ID+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS("#entry-map")),
			)
			dots := number("map dots", `document.querySelectorAll("svg.map-svg circle.map-dot").length`)
			if dots < 10 || dots > 28*20 {
				t.Errorf("%s: the map has %.0f dots", where, dots)
			}
			if n := number("map table", `document.querySelectorAll("#entry-map ~ details tbody tr").length`); n < 1 || n > 20 {
				t.Errorf("%s: the map's table lists %.0f areas", where, n)
			}
			label := b.text("map label", chromedp.Evaluate[string](`(() => { const s = document.querySelector("svg.map-svg"); return s.getAttribute("role") + "|" + s.querySelector("title").textContent + "|" + s.querySelector("desc").textContent })()`))
			if !strings.HasPrefix(label, "img|") || !strings.Contains(label, "2000") {
				t.Errorf("%s: the map's role, title and description: %q", where, label)
			}
			fits(where, "entry-map", "map-svg", width)
			b.do("scroll to the map", chromedp.ScrollIntoView(chromedp.CSS("#entry-map")))
			shot("stops-" + lang + "-" + map[int64]string{1280: "1280", 390: "390"}[width])
		}
	}

	// The preview at 390 px: a filter on the station's name counts its rows (21 days × 24
	// hours), the next page numbers its rows and keeps the filter, and both return to the
	// preview.
	name := demoStations[0].Name
	b.do("filter the preview",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(ts.URL+"/catalog/"+air.ID+"?lang=zh-CN"),
		chromedp.WaitVisible(chromedp.CSS("#preview-count")),
		chromedp.SetValue(chromedp.CSS(`#preview-col`), "station_name"),
		chromedp.SetValue(chromedp.CSS(`#preview-op`), "eq"),
		chromedp.SendKeys(chromedp.CSS(`#preview-val`), name),
		clickAndLoad(`form.filters[role="search"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`table.data-rows`)),
	)
	if loc := b.text("location", chromedp.Location()); !strings.HasSuffix(loc, "#data-preview") {
		t.Errorf("the filter went to %s, not back to the preview", loc)
	}
	if c := b.text("count", chromedp.Text(chromedp.CSS("#preview-count"))); !strings.Contains(c, "符合条件的记录：504 条") || !strings.Contains(c, "第 1–20 条") {
		t.Errorf("filtered count %q, want 504 matching rows (21 days × 24 hours), rows 1–20", c)
	}
	if top := number("preview top", `document.querySelector("#data-preview").getBoundingClientRect().top`); top < -1 || top > 200 {
		t.Errorf("after filtering the preview's heading is at %.0f px, not at the top of the view", top)
	}
	b.do("next page",
		chromedp.Click(chromedp.CSS(`nav.paging a:last-child`)),
		chromedp.WaitVisible(chromedp.CSS(`table.data-rows`)),
	)
	if c := b.text("count", chromedp.Text(chromedp.CSS("#preview-count"))); !strings.Contains(c, "504") || !strings.Contains(c, "第 21–40 条") {
		t.Errorf("second page count %q, want rows 21–40 of 504", c)
	}
	if rows := b.text("rows", chromedp.Text(chromedp.CSS(`table.data-rows tbody`))); strings.Count(rows, name) != 20 {
		t.Errorf("the second page does not keep the filter on %s:\n%s", name, rows)
	}
	shot("preview-zh-CN-390")
}

// publishedByCode is the demo's published entry with the code.
func publishedByCode(t *testing.T, a *app, code string) *pubdata.Entry {
	t.Helper()
	ctx := systemContext(context.Background())
	res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Sort: "code", Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Items {
		if e.Code == code {
			return e
		}
	}
	t.Fatalf("the demo has no entry %s", code)
	return nil
}
