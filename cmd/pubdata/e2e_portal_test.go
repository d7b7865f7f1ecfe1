package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// The portal in Chromium (issue 6's acceptance): screenshots of the home and an entry page
// at 1280 and 360 px checked for layout overflow, and an anonymous visitor who searches in
// Chinese, opens an entry, previews and downloads it, and is refused a conditional entry's
// download with a link to apply.

// portalEntries returns, from the demo, the unconditionally open table entry with the most
// rows and a conditionally open table entry with rows.
func portalEntries(t *testing.T, a *app) (open, conditional *pubdata.Entry) {
	t.Helper()
	ctx := systemContext(context.Background())
	res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Sort: "code", Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var most int64
	for _, e := range res.Items {
		if e.Format != pubdata.FormatTable {
			continue
		}
		st, err := a.data.TableStats(ctx, e.ID)
		if err != nil || st.Rows == 0 {
			continue
		}
		switch e.OpenClass {
		case pubdata.ClassUnconditional:
			if st.Rows > most {
				open, most = e, st.Rows
			}
		case pubdata.ClassConditional:
			if conditional == nil {
				conditional = e
			}
		}
	}
	if open == nil || conditional == nil {
		t.Fatalf("the demo lacks an open (%v) or a conditional (%v) table entry with rows", open, conditional)
	}
	return open, conditional
}

// browserSteps are a test's helpers over one browser tab.
type browserSteps struct {
	t       *testing.T
	ctx     context.Context
	timeout time.Duration // of a step; 0: 30 s
}

func (b browserSteps) where() string {
	wctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(wctx, chromedp.Location())
	body, _ := chromedp.Run(wctx, chromedp.Text(chromedp.CSS("body")))
	return "at " + loc + "\n" + body
}

func (b browserSteps) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	d := b.timeout
	if d == 0 {
		d = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n%s", name, err, b.where())
	}
}

// signIn signs in on the sign-in page at base and waits for the signed-in header.
func (b browserSteps) signIn(base, name, password string) {
	b.t.Helper()
	b.do("sign in as "+name,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.site-header a.who`)),
	)
}

func (b browserSteps) text(name string, act chromedp.Action[string]) string {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, act)
	if err != nil {
		b.t.Fatalf("%s: %v\n%s", name, err, b.where())
	}
	return v
}

// overflowJS lists what sticks out of the viewport sideways: the document itself, and any
// visible element whose box passes the viewport's edges, except inside the scroll
// wrappers (tables, code) and the visually hidden texts.
const overflowJS = `(() => {
  const vw = window.innerWidth, out = [];
  if (document.documentElement.scrollWidth > vw) out.push("document scrollWidth " + document.documentElement.scrollWidth + " > " + vw);
  for (const el of document.querySelectorAll("body *")) {
    const wrapper = el.parentElement && el.parentElement.closest(".table-wrap, pre.code");
    if (wrapper || el.closest(".visually-hidden, .skip-link")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\s+/g, ".") : "") + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
    }
  }
  return JSON.stringify(out.slice(0, 20));
})()`

// artefactDir is where screenshots go: PUBDATA_TEST_ARTIFACTS when set, else a temporary
// folder of the test.
func artefactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PUBDATA_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestBrowserPortalScreens takes screenshots of the home and an entry page (with its chart)
// at 1280 and 360 px wide, in Chinese and English, and checks that nothing overflows the
// viewport sideways.
func TestBrowserPortalScreens(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	open, _ := portalEntries(t, a)
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	dir := artefactDir(t)
	pages := []struct{ name, path, ready string }{
		{"home", "/?lang=zh-CN", "#home-topics"},
		{"entry", "/catalog/" + open.ID + "?lang=zh-CN", "#entry-downloads"},
		{"home-en", "/?lang=en", "#home-topics"},
		{"entry-en", "/catalog/" + open.ID + "?lang=en", "#entry-downloads"},
	}
	for _, width := range []int64{1280, 360} {
		for _, p := range pages {
			b.do("open "+p.name+" at "+strconv.FormatInt(width, 10),
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(ts.URL+p.path),
				chromedp.WaitVisible(chromedp.CSS(p.ready)),
			)
			if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
				t.Errorf("%s at %d px: wider than the viewport: %s", p.name, width, bad)
			}
			sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
			png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
			cancel()
			if err != nil {
				t.Fatalf("screenshot %s: %v", p.name, err)
			}
			out := filepath.Join(dir, "portal-"+p.name+"-"+strconv.FormatInt(width, 10)+".png")
			if err := os.WriteFile(out, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s (%d bytes)", out, len(png))
		}
	}
	// The entry page drew its chart (the demo's largest open table has a date and a number).
	b.do("entry page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.URL+"/catalog/"+open.ID), chromedp.WaitVisible(chromedp.CSS("#entry-downloads")))
	if n := b.text("chart", chromedp.Evaluate[string](`String(document.querySelectorAll("svg.chart-svg[role=img]").length)`)); n != "1" {
		t.Errorf("the entry page of %s (%s) has %s charts, want 1", open.ID, open.Title, n)
	}
}

// TestBrowserPortalAnonymous: an anonymous visitor searches in Chinese from the home page,
// opens an open entry, filters its preview, downloads the whole table as CSV and XLSX (the
// bytes arrive); a conditionally open entry's download is refused with a link to apply.
func TestBrowserPortalAnonymous(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	open, conditional := portalEntries(t, a)
	t.Logf("open entry %s (%s), conditional entry %s (%s)", open.ID, open.Title, conditional.ID, conditional.Title)
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}

	// Search in Chinese: the entry's title.
	b.do("search from the home page",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#portal-q")),
		chromedp.SendKeys(chromedp.CSS("#portal-q"), open.Title),
		chromedp.Click(chromedp.CSS(`form[action="/catalog"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.results a[href="/catalog/`+open.ID+`"]`)),
	)
	if loc := b.text("location", chromedp.Location()); !strings.Contains(loc, "q=") {
		t.Errorf("the search went to %s", loc)
	}
	b.do("open the entry",
		chromedp.Click(chromedp.CSS(`ol.results a[href="/catalog/`+open.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.data-rows`)),
	)
	if h1 := b.text("title", chromedp.Text(chromedp.CSS("h1"))); h1 != open.Title {
		t.Errorf("the entry page's heading %q, want %q", h1, open.Title)
	}
	if n := b.text("preview rows", chromedp.Evaluate[string](`String(document.querySelectorAll("table.data-rows tbody tr").length)`)); n == "0" {
		t.Error("the preview shows no rows")
	}
	// The preview's full-text filter narrows the rows to those with the first row's first text.
	first := b.text("first cell", chromedp.Text(chromedp.CSS(`table.data-rows tbody tr:first-child td:first-child`)))
	if first != "" {
		b.do("filter the preview",
			chromedp.SetValue(chromedp.CSS(`#preview-col`), open.Items[0].Name),
			chromedp.SetValue(chromedp.CSS(`#preview-op`), "eq"),
			chromedp.SendKeys(chromedp.CSS(`#preview-val`), first),
			clickAndLoad(`form.filters[role="search"] button[type="submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`table.data-rows`)),
		)
		if rows := b.text("filtered", chromedp.Text(chromedp.CSS(`table.data-rows tbody`))); !strings.Contains(rows, first) {
			t.Errorf("the filtered preview does not show %q:\n%s", first, rows)
		}
	}

	// Downloads: the buttons' bytes arrive through the browser.
	dir := t.TempDir()
	b.do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTo(true),
		})
		return err
	}))
	download := func(format string) []byte {
		t.Helper()
		// A download ends the page's navigation without a page; the next navigation may be
		// aborted while the tab settles (net::ERR_ABORTED): try it again.
		for i := 0; ; i++ {
			nctx, ncancel := context.WithTimeout(b.ctx, 30*time.Second)
			err := chromedp.Do(nctx, chromedp.Navigate(ts.URL+"/catalog/"+open.ID), chromedp.WaitVisible(chromedp.CSS("#entry-downloads")))
			ncancel()
			if err == nil {
				break
			} else if i == 3 || !strings.Contains(err.Error(), "ERR_ABORTED") {
				t.Fatalf("back to the entry: %v\n%s", err, b.where())
			}
			time.Sleep(200 * time.Millisecond)
		}
		ectx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
		defer cancel()
		progress := chromedp.Events(ectx, browser.DownloadProgress)
		b.do("download "+format, chromedp.Click(chromedp.CSS(`.download-buttons a[href="/downloads/`+open.ID+`/`+format+`"]`)))
		for ev, err := range progress {
			if err != nil {
				t.Fatalf("download %s: %v", format, err)
			}
			switch ev.State {
			case browser.DownloadProgressStateCompleted:
				body, err := os.ReadFile(filepath.Join(dir, ev.GUID))
				if err != nil {
					t.Fatal(err)
				}
				return body
			case browser.DownloadProgressStateCanceled:
				t.Fatalf("download %s cancelled", format)
			}
		}
		t.Fatalf("download %s did not complete", format)
		return nil
	}
	csv := download("csv")
	header := strings.SplitN(string(bytes.TrimPrefix(csv, []byte("\xef\xbb\xbf"))), "\n", 2)[0]
	// With a BOM (Excel), headed by the items' titles (issue 11 item 3).
	if !bytes.HasPrefix(csv, []byte("\xef\xbb\xbf")) || !strings.Contains(header, open.Items[0].Title) || bytes.Count(csv, []byte("\n")) < 2 {
		t.Errorf("the CSV download (%d bytes) starts %.200q", len(csv), csv)
	}
	if xlsx := download("xlsx"); len(xlsx) < 100 || !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Errorf("the XLSX download is %d bytes starting %.20q, want a zip", len(xlsx), xlsx)
	}

	// A conditionally open entry: metadata shown, the download refused with a link to apply.
	apply := "/apply?entry=" + url.QueryEscape(conditional.ID)
	b.do("open the conditional entry",
		chromedp.Navigate(ts.URL+"/catalog/"+conditional.ID),
		chromedp.WaitVisible(chromedp.CSS(`#entry-apply`)),
	)
	if href := b.text("apply link", chromedp.Evaluate[string](`document.getElementById("entry-apply").getAttribute("href")`)); href != apply {
		t.Errorf("the apply link is %q, want %q", href, apply)
	}
	if n := b.text("preview rows", chromedp.Evaluate[string](`String(document.querySelectorAll("table.data-rows tbody tr").length)`)); n != "0" {
		t.Errorf("an anonymous visitor sees %s rows of a conditional entry", n)
	}
	b.do("try the CSV download",
		chromedp.Click(chromedp.CSS(`.download-buttons a[href="/downloads/`+conditional.ID+`/csv"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#refused-apply`)),
	)
	if href := b.text("refused page's apply link", chromedp.Evaluate[string](`document.getElementById("refused-apply").getAttribute("href")`)); href != apply {
		t.Errorf("the refused download links to %q, want %q", href, apply)
	}
	// The rows API refuses it too.
	code, body := get(t, ts.URL+"/api/v1/entries/"+url.PathEscape(conditional.ID)+"/rows?_format=csv", "")
	if code != 403 {
		t.Errorf("anonymous CSV of a conditional entry: %d %.200s", code, body)
	}
}

func ptrTo[T any](v T) *T { return &v }
