package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/ident"
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
	bs := browserSteps{t: t, ctx: ctx}
	step, value := bs.do, bs.text
	htmlLang := chromedp.Evaluate[string](`document.documentElement.lang`)
	bodyText := chromedp.Text(chromedp.CSS("body"))

	// The console sends an anonymous visitor to the login form, in Chinese by default.
	step("open the console",
		chromedp.Navigate(ts.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
	)
	if loc := value("location", chromedp.Location()); !strings.Contains(loc, "/login?next=") {
		t.Errorf("anonymous /console went to %s, want the login page", loc)
	}
	if lang := value("lang", htmlLang); lang != "zh-CN" {
		t.Errorf(`login page <html lang=%q>, want "zh-CN"`, lang)
	}

	step("sign in as fj-admin",
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "fj-admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
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

// uploadableEntry finds a published table entry of the demo's provincial market regulator
// whose key the test can generate (text, numbers, dates, USCCs or resident ID numbers) and
// that has a plain text column to find the rows by; it writes a CSV of n new rows into dir.
// It returns the entry, the marker column and the path of the file.
func uploadableEntry(t *testing.T, a *app, dir string, n int) (*pubdata.Entry, string, string) {
	t.Helper()
	ctx := systemContext(context.Background())
	list, _, _, err := a.entries.FindEntries(ctx, pubdata.EntryFilter{Org: "350000-scjgj", Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	keyValue := func(it pubdata.Item, i int) (string, bool) {
		switch {
		case it.Element == ident.ElementUSCC:
			return ident.CompleteUSCC(fmt.Sprintf("9135000077%06d", 900000+i)), true
		case it.Element == ident.ElementResidentID:
			return ident.CompleteResidentID(fmt.Sprintf("35010219900101%03d", 900+i)), true
		case it.Element != "":
			return "", false
		}
		switch it.Type {
		case "string":
			v := fmt.Sprintf("E2E%05d", i)
			return v, it.Length == 0 || it.Length >= len(v)
		case "integer", "number":
			return strconv.Itoa(990000 + i), true
		case "date":
			return fmt.Sprintf("2024-01-%02d", i), true
		case "datetime":
			return fmt.Sprintf("2024-01-01 00:00:%02d", i), true
		}
		return "", false
	}
next:
	for _, w := range list {
		if w.Version == 0 {
			continue
		}
		e, err := a.entries.FindPublishedEntry(ctx, w.ID)
		if err != nil || e.Format != pubdata.FormatTable || len(pubdata.KeyItems(e.Items)) == 0 {
			continue
		}
		marker := -1
		for i, it := range e.Items {
			if !it.Key && it.Type == "string" && it.Element == "" && (it.Length == 0 || it.Length >= 20) && marker < 0 {
				marker = i
			}
		}
		if marker < 0 {
			continue
		}
		var b strings.Builder
		for i, it := range e.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(it.Name)
		}
		b.WriteByte('\n')
		for r := 1; r <= n; r++ {
			for i, it := range e.Items {
				if i > 0 {
					b.WriteByte(',')
				}
				switch {
				case it.Key:
					v, ok := keyValue(it, r)
					if !ok {
						continue next
					}
					b.WriteString(v)
				case i == marker:
					fmt.Fprintf(&b, "浏览器测试行%d", r)
				}
			}
			b.WriteByte('\n')
		}
		path := filepath.Join(dir, "upload.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return e, e.Items[marker].Name, path
	}
	t.Fatal("the demo has no published table entry of 350000-scjgj the test can load")
	return nil, "", ""
}

// TestBrowserUpload drives the aggregation pages in Chromium: a provider's editor of the
// demo uploads a CSV file on the upload page, follows the batch to done, and finds the rows
// with the preview's filter.
func TestBrowserUpload(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e, marker, file := uploadableEntry(t, a, t.TempDir(), 3)
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)
	bs := browserSteps{t: t, ctx: ctx, timeout: 60 * time.Second}
	where, step := bs.where, bs.do
	text := func(name, css string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(css)))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, where())
		}
		return v
	}

	step("sign in as scjg-editor",
		chromedp.Navigate(ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "scjg-editor"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/account"]`)),
	)
	upload := "/console/entries/" + e.ID + "/data/upload"
	step("open the entry's data panel and its upload page",
		chromedp.Navigate(ts.URL+"/console/entries/"+e.ID),
		chromedp.WaitVisible(chromedp.CSS(`#entry-data`)),
		chromedp.Click(chromedp.CSS(`a[href="`+upload+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#upload-file`)),
	)
	step("upload the CSV file (upsert, skip bad rows)",
		chromedp.Click(chromedp.CSS(`#mode-upsert`)),
		chromedp.Click(chromedp.CSS(`#on-error-skip`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-file`), []string{file}),
		chromedp.Click(chromedp.CSS(`form[action="`+upload+`"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#batch-status`)),
	)
	// A running batch's page follows it (the script, or the refresh) until it ends.
	step("the batch is done",
		chromedp.Poll[chromedp.Void](`document.getElementById("batch-status") && document.getElementById("batch-status").textContent.includes("已完成")`,
			chromedp.WithPollingTimeout(50*time.Second)),
	)
	if figures := text("figures", `#batch-figures + dl`); !strings.Contains(figures, "3") {
		t.Errorf("batch figures do not show the 3 rows:\n%s", figures)
	}

	// A batch that runs while its page is open: the page's script follows it to the end.
	bctx := systemContext(context.Background())
	b, _, err := a.data.CreateBatch(bctx, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert, OnError: pubdata.OnErrorSkip, Source: pubdata.SourceCLI})
	if err != nil {
		t.Fatal(err)
	}
	step("open the running batch's page",
		chromedp.Navigate(ts.URL+"/console/batches/"+b.ID),
		chromedp.WaitVisible(chromedp.CSS(`#batch-progress progress`)),
	)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := datafile.Open(f, datafile.CSV, e.Items, datafile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.data.RunBatch(bctx, e, b.ID, src, pubdata.LoadOptions{Mode: pubdata.ModeUpsert, OnError: pubdata.OnErrorSkip, Source: pubdata.SourceCLI}); err != nil {
		t.Fatal(err)
	}
	// The script reloads the page when the batch ends, which interrupts a poll: poll again.
	ended := chromedp.Poll[chromedp.Void](`document.readyState === "complete" && document.getElementById("batch-status") && document.getElementById("batch-status").textContent.includes("已完成") && !document.getElementById("batch-progress")`,
		chromedp.WithPollingTimeout(20*time.Second))
	for i := 0; ; i++ {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chromedp.Do(sctx, ended)
		cancel()
		if err == nil {
			break
		}
		if i == 5 { // a reload fails a poll with "navigated" or "Cannot find context"
			t.Fatalf("the page sees the batch end: %v\n%s", err, where())
		}
		time.Sleep(200 * time.Millisecond)
	}

	step("filter the preview",
		chromedp.Navigate(ts.URL+"/console/entries/"+e.ID+"/data"),
		chromedp.WaitVisible(chromedp.CSS(`#preview-col`)),
		chromedp.SetValue(chromedp.CSS(`#preview-col`), marker),
		chromedp.SetValue(chromedp.CSS(`#preview-op`), "eq"),
		chromedp.SendKeys(chromedp.CSS(`#preview-val`), "浏览器测试行2"),
		chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`)),
		// The reset link shows only on the filtered page: the unfiltered table, still on
		// screen while the form submits, must not be read.
		chromedp.WaitVisible(chromedp.CSS(`form[role="search"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.data-rows`)),
	)
	rows := text("preview rows", `table.data-rows tbody`)
	if !strings.Contains(rows, "浏览器测试行2") || strings.Contains(rows, "浏览器测试行1") {
		t.Errorf("the filtered preview shows:\n%s", rows)
	}
}

// shareableEntry finds a published table entry of the demo's public security department
// that is shared on conditions, holds rows, has at least three items of which two are not
// hidden by the default mask policy, and on which the market regulator holds no live grant.
// It returns the entry and the two items to grant.
func shareableEntry(t *testing.T, a *app) (*pubdata.Entry, []string) {
	t.Helper()
	ctx := systemContext(context.Background())
	list, _, _, err := a.entries.FindEntries(ctx, pubdata.EntryFilter{Org: "350000-gat", Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, w := range list {
		if w.Version == 0 {
			continue
		}
		e, err := a.entries.FindPublishedEntry(ctx, w.ID)
		if err != nil || e.Format != pubdata.FormatTable || e.ShareClass != pubdata.ClassConditional || len(e.Items) < 3 {
			continue
		}
		if st, err := a.data.TableStats(ctx, e.ID); err != nil || st.Rows == 0 {
			continue
		}
		if gs, _, err := a.applications.FindGrants(ctx, pubdata.GrantFilter{Consumer: "350000-scjgj", Entry: e.ID, LiveAt: &now}); err != nil || len(gs) > 0 {
			continue
		}
		var granted []string
		for _, it := range e.Items {
			if pubdata.DefaultMaskPolicy.ItemMask(it) != pubdata.MaskHide && len(granted) < 2 {
				granted = append(granted, it.Name)
			}
		}
		if len(granted) == 2 {
			return e, granted
		}
	}
	t.Fatal("the demo has no conditionally shared table entry of 350000-gat with rows the test can apply for")
	return nil, nil
}

// TestBrowserApplyApproveRead drives sharing in Chromium (issue 5's acceptance): on the
// demo, the market regulator's member finds a conditionally shared entry of the public
// security department in the share catalogue and applies for it through the form; the
// department's reviewer approves two of its items through the decision form; the applicant
// opens the grant, reads the data preview and the rows API, and gets only the granted items.
func TestBrowserApplyApproveRead(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e, granted := shareableEntry(t, a)
	t.Logf("applying for %s (%s), granting %v of %d items", e.ID, e.Title, granted, len(e.Items))
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)
	bs := browserSteps{t: t, ctx: ctx}
	where, step, value := bs.where, bs.do, bs.text
	signIn := func(user string) {
		t.Helper()
		step("sign in as "+user,
			chromedp.Navigate(ts.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), DemoPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/console/applications"]`)),
		)
	}
	signOut := func() {
		t.Helper()
		step("sign out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		)
	}

	// The applicant finds the entry in the share catalogue and applies for all its items.
	signIn("scjg-member")
	apply := "/console/applications/new?entry=" + url.QueryEscape(e.ID)
	step("find the entry in the share catalogue",
		chromedp.Click(chromedp.CSS(`a[href="/console/applications"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/applications/catalog"]`)),
		chromedp.Navigate(ts.URL+"/console/applications/catalog?class=conditional&q="+url.QueryEscape(e.Title)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+apply+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="`+apply+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#apply-purpose`)),
	)
	step("apply",
		chromedp.SendKeys(chromedp.CSS(`#apply-purpose`), "核验企业登记中的相关信息"),
		chromedp.SendKeys(chromedp.CSS(`#apply-basis`), "《中华人民共和国市场主体登记管理条例》"),
		chromedp.Click(chromedp.CSS(`#apply-terms`)),
		chromedp.Click(chromedp.CSS(`form[action="/console/applications/new"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#app-due`)),
	)
	loc := value("location", chromedp.Location())
	i := strings.Index(loc, "/console/applications/")
	if i < 0 {
		t.Fatalf("after applying at %s", loc)
	}
	id := strings.TrimPrefix(loc[i:], "/console/applications/")
	id = id[:strings.IndexAny(id+"?", "?")]
	if st := value("status", chromedp.Text(chromedp.CSS(`#app-status`))); !strings.Contains(st, "待答复") {
		t.Errorf("a new application's status %q", st)
	}
	signOut()

	// Combined with the body's demo grants the application can reach the aggregation-risk
	// threshold (issue 15 item 8): then the province's authority clears it on the page first.
	if app, err := a.applications.FindApplicationByID(systemContext(context.Background()), id); err != nil {
		t.Fatal(err)
	} else if app.Aggregation != nil && app.Aggregation.Review == pubdata.AggregationRequired {
		signIn("fj-reviewer")
		step("clear the combination",
			chromedp.Navigate(ts.URL+"/console/applications/"+id),
			chromedp.WaitVisible(chromedp.CSS(`#agg-clear`)),
			chromedp.SendKeys(chromedp.CSS(`#agg-note`), "履职所需，同意合并使用"),
			chromedp.Click(chromedp.CSS(`#agg-clear`)),
			chromedp.WaitNotPresent(chromedp.CSS(`#agg-clear`)),
		)
		signOut()
	}

	// The provider's reviewer approves two of the items.
	signIn("gat-reviewer")
	step("open the incoming application",
		chromedp.Navigate(ts.URL+"/console/applications?role=incoming"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/applications/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/applications/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#decide-approve`)),
	)
	var uncheck []chromedp.Action[chromedp.Void]
	for n, it := range e.Items {
		if !slices.Contains(granted, it.Name) {
			uncheck = append(uncheck, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#decide-item-%d`, n))))
		}
	}
	step("narrow the scope", uncheck...)
	step("approve",
		chromedp.SendKeys(chromedp.CSS(`#decide-reason`), "用途明确，按最小必要原则授权"),
		chromedp.Click(chromedp.CSS(`#decide-approve`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)), // the answered page's notice, not the form's page
	)
	if st := value("status", chromedp.Text(chromedp.CSS(`#app-status`))); !strings.Contains(st, "已批准") {
		t.Fatalf("after approval the status is %q\n%s", st, where())
	}
	app, err := a.applications.FindApplicationByID(systemContext(context.Background()), id)
	if err != nil || app.Grant == "" {
		t.Fatalf("approved application %+v: %v", app, err)
	}
	signOut()

	// The applicant opens the grant and reads the data: only the granted items.
	signIn("scjg-member")
	step("open the grant",
		chromedp.Navigate(ts.URL+"/console/grants"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/grants/`+app.Grant+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/grants/`+app.Grant+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#grant-preview`)),
	)
	if items := value("grant items", chromedp.Text(chromedp.CSS(`#grant-items`))); !strings.Contains(items, granted[0]) || !strings.Contains(items, granted[1]) {
		t.Errorf("the grant's items %q, want %v", items, granted)
	}
	step("read the data preview",
		chromedp.Click(chromedp.CSS(`#grant-preview`)),
		chromedp.WaitVisible(chromedp.CSS(`table.data-rows`)),
	)
	var cols []string
	raw := value("preview columns", chromedp.Evaluate[string](`JSON.stringify(Array.from(document.querySelectorAll("table.data-rows thead code")).map(c => c.textContent.trim()))`))
	if err := json.Unmarshal([]byte(raw), &cols); err != nil {
		t.Fatalf("preview columns %s: %v", raw, err)
	}
	if !slices.Equal(cols, granted) {
		t.Errorf("the preview shows the columns %v, want only the granted %v", cols, granted)
	}
	step("read the rows API", chromedp.Navigate(ts.URL+"/api/v1/entries/"+url.PathEscape(e.ID)+"/rows?_limit=5"))
	var page struct {
		Items []map[string]any `json:"items"`
	}
	body := value("rows", chromedp.Text(chromedp.CSS("body")))
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) == 0 {
		t.Fatalf("rows API: %v\n%s", err, body)
	}
	for _, row := range page.Items {
		var keys []string
		for k := range row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := slices.Sorted(slices.Values(granted))
		if !slices.Equal(keys, want) {
			t.Fatalf("a row of the rows API has the fields %v, want only the granted %v", keys, want)
		}
	}
}

// clickAndLoad clicks the element sel (a form's submit button) and waits until the page it
// navigates to has loaded, so that the next action reads the new page, not the one left.
func clickAndLoad(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		return chromedp.Void{}, err
	}
}
