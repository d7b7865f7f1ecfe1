package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// applicableEntry returns a conditionally open table entry of the demo with rows, at least
// three items of which two are not hidden by the default mask policy, and a demo reviewer
// in its provider: the entry (as published), the two items to grant and the reviewer's
// username.
func applicableEntry(t *testing.T, a *app) (*pubdata.Entry, []string, string) {
	t.Helper()
	ctx := systemContext(context.Background())
	res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Sort: "code", Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Items {
		if w.Format != pubdata.FormatTable || w.OpenClass != pubdata.ClassConditional {
			continue
		}
		e, err := a.entries.FindPublishedEntry(ctx, w.ID)
		if err != nil || len(e.Items) < 3 {
			continue
		}
		reviewer := ""
		for _, u := range demoUsers {
			if u.OrgCode == e.Org && u.Role == pubdata.RoleReviewer {
				reviewer = u.Username
			}
		}
		if reviewer == "" {
			continue
		}
		if st, err := a.data.TableStats(ctx, e.ID); err != nil || st.Rows == 0 {
			continue
		}
		var granted []string
		for _, it := range e.Items {
			if pubdata.DefaultMaskPolicy.ItemMask(it) != pubdata.MaskHide && len(granted) < 2 {
				granted = append(granted, it.Name)
			}
		}
		if len(granted) == 2 {
			return e, granted, reviewer
		}
	}
	t.Fatal("the demo has no conditionally open table entry with rows whose provider has a demo reviewer")
	return nil, nil, ""
}

// TestBrowserRegisterApplyDownload drives an open application in Chromium (issue 6's
// acceptance "register, apply, download"): on the demo, a new person registers through
// /register and signs in; on the portal a conditionally open entry's download is refused
// with a link to apply; the person applies through the public form (accepting the usage
// agreement); the provider's reviewer approves two items through the console's decision
// form; the person then downloads the CSV, which holds only the granted items.
func TestBrowserRegisterApplyDownload(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e, granted, reviewer := applicableEntry(t, a)
	t.Logf("applying for %s (%s, terms %v), %s grants %v of %d items", e.ID, e.Title, e.Terms, reviewer, granted, len(e.Items))
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	const user, pw = "li.na", "apply-browser-pass-1"

	signIn := func(name, password string) {
		t.Helper()
		b.signIn(ts.URL, name, password)
	}
	signOut := func() {
		t.Helper()
		b.do("sign out",
			chromedp.Navigate(ts.URL+"/console"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		)
	}

	// A new person registers and signs in.
	b.do("register as a person",
		chromedp.Navigate(ts.URL+"/register"),
		chromedp.WaitVisible(chromedp.CSS(`#reg-username`)),
		chromedp.SendKeys(chromedp.CSS(`#reg-username`), user),
		chromedp.SendKeys(chromedp.CSS(`#reg-display_name`), "李娜"),
		chromedp.SendKeys(chromedp.CSS(`#reg-password`), pw),
		chromedp.SendKeys(chromedp.CSS(`#reg-password2`), pw),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#register-done`)),
		// Registered, the person is signed in.
		chromedp.WaitVisible(chromedp.CSS(`.site-header a.who[href="/account"]`)),
	)

	// The conditional entry's download is refused with the link to apply.
	apply := "/apply?entry=" + url.QueryEscape(e.ID)
	csvLink := `.download-buttons a[href="/downloads/` + e.ID + `/csv"]`
	b.do("open the conditional entry on the portal",
		chromedp.Navigate(ts.URL+"/catalog/"+e.ID),
		chromedp.WaitVisible(chromedp.CSS(csvLink)),
	)
	b.do("try the CSV download",
		chromedp.Click(chromedp.CSS(csvLink)),
		chromedp.WaitVisible(chromedp.CSS(`#refused-apply`)),
	)
	if href := b.text("refused page's apply link", chromedp.Evaluate[string](`document.getElementById("refused-apply").getAttribute("href")`)); href != apply {
		t.Fatalf("the refused download links to %q, want %q", href, apply)
	}

	// The public application form, reached from the refusal.
	b.do("follow the link to apply",
		chromedp.Click(chromedp.CSS(`#refused-apply`)),
		chromedp.WaitVisible(chromedp.CSS(`#papply-purpose`)),
	)
	fill := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS(`#papply-demand`), "research"),
		chromedp.SendKeys(chromedp.CSS(`#papply-description`), "研究本省企业登记的行业分布"),
		chromedp.SendKeys(chromedp.CSS(`#papply-purpose`), "撰写区域经济研究报告"),
	}
	if e.HasTerms() {
		fill = append(fill, chromedp.Click(chromedp.CSS(`#papply-accept`)))
	}
	fill = append(fill,
		chromedp.Click(chromedp.CSS(`form[action="/apply"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#app-due`)),
	)
	b.do("apply", fill...)
	loc := b.text("location", chromedp.Location())
	i := strings.Index(loc, "/account/applications/")
	if i < 0 {
		t.Fatalf("after applying at %s\n%s", loc, b.where())
	}
	id := strings.TrimPrefix(loc[i:], "/account/applications/")
	id = id[:strings.IndexAny(id+"?", "?")]
	if st := b.text("status", chromedp.Text(chromedp.CSS(`#app-status`))); !strings.Contains(st, "待答复") {
		t.Errorf("a new application's status %q", st)
	}
	app, err := a.applications.FindApplicationByID(systemContext(context.Background()), id)
	if err != nil || app.Kind != pubdata.KindOpen {
		t.Fatalf("the new application %+v: %v", app, err)
	}
	if e.HasTerms() {
		if !app.AcceptTerms {
			t.Errorf("the application does not record the accepted terms: %+v", app)
		}
	}
	signOut()

	// The provider's reviewer approves two items through the decision form.
	signIn(reviewer, DemoPassword)
	b.do("open the incoming application",
		chromedp.Navigate(ts.URL+"/console/applications?role=incoming"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/applications/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/applications/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#decide-approve`)),
	)
	narrow := []chromedp.Action[chromedp.Void]{}
	for n, it := range e.Items {
		// Set each box to its wanted state whatever the form's default.
		want := slices.Contains(granted, it.Name)
		narrow = append(narrow, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById("decide-item-%d").checked = %t`, n, want)))
	}
	b.do("narrow the scope", narrow...)
	b.do("approve",
		chromedp.SendKeys(chromedp.CSS(`#decide-reason`), "用途明确，按最小必要原则授权"),
		chromedp.Click(chromedp.CSS(`#decide-approve`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if st := b.text("status", chromedp.Text(chromedp.CSS(`#app-status`))); !strings.Contains(st, "已批准") {
		t.Fatalf("after approval the status is %q\n%s", st, b.where())
	}
	signOut()

	// The applicant downloads the CSV: the bytes arrive, with only the granted items.
	signIn(user, pw)
	dir := t.TempDir()
	b.do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTo(true),
		})
		return err
	}))
	b.do("open the entry again",
		chromedp.Navigate(ts.URL+"/catalog/"+e.ID),
		chromedp.WaitVisible(chromedp.CSS(csvLink)),
	)
	if n := b.text("apply link", chromedp.Evaluate[string](`String(document.querySelectorAll("#entry-apply").length)`)); n != "0" {
		t.Errorf("after the approval the entry page still offers to apply\n%s", b.where())
	}
	ectx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	progress := chromedp.Events(ectx, browser.DownloadProgress)
	b.do("download the CSV", chromedp.Click(chromedp.CSS(csvLink)))
	var body []byte
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v\n%s", err, b.where())
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			if body, err = os.ReadFile(filepath.Join(dir, ev.GUID)); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if body == nil {
		t.Fatalf("the CSV download did not complete\n%s", b.where())
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("the CSV download (%d bytes, %v) starts %.300q", len(body), err, body)
	}
	// The page's download heads the columns with the items' titles (issue 11 item 3).
	var titles []string
	for _, name := range granted {
		for _, it := range e.Items {
			if it.Name == name {
				titles = append(titles, it.Title)
			}
		}
	}
	if !slices.Equal(records[0], titles) {
		t.Errorf("the CSV's header %v, want only the granted items' titles %v", records[0], titles)
	}
}
