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

// TestBrowserDevSpace drives tiered development in Chromium at a phone's width (issue 16
// items 3 and 4): on the demo, the developer mskj-dev applies for a space on the company
// register through the portal's form; the authority's reviewer approves it in the console
// with a reason; the developer runs the anonymiser in the space and registers its table as
// a data product, whose page shows the label with the source and the acquisition date.
// (The listing and the contract of such a product are trading's, issue 16 item 5.)
func TestBrowserDevSpace(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	ctx := systemContext(context.Background())
	if err := loadDemo(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	company, err := a.entries.FindPublishedEntry(ctx, "102001/00001")
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	b.do("a phone's width", chromedp.EmulateViewport(390, 844))
	signOut := func() {
		t.Helper()
		b.do("sign out",
			chromedp.Navigate(ts.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			clickAndLoad(`form[action="/logout"] button[type="submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		)
	}
	overflow := func(page string) {
		t.Helper()
		if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s is wider than the phone: %s", page, bad)
		}
	}

	// The developer applies from the portal's development page.
	b.signIn(ts.URL, "mskj-dev", DemoPassword)
	b.do("open the development page",
		chromedp.Navigate(ts.URL+"/devspaces"),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-apply`)),
		clickAndLoad(`#devspace-apply`),
		chromedp.WaitVisible(chromedp.CSS(`#ds-title`)),
	)
	overflow("/devspaces/new")
	b.do("apply for a space",
		chromedp.SendKeys(chromedp.CSS(`#ds-title`), "小微企业成立趋势研究"),
		chromedp.SendKeys(chromedp.CSS(`#ds-purpose`), "研究小微企业成立时间分布，输出匿名化统计表"),
		chromedp.SendKeys(chromedp.CSS(`#ds-outputs`), "匿名化企业成立时间分布表"),
		chromedp.SendKeys(chromedp.CSS(`#ds-entries`), company.ID),
		clickAndLoad(`#devspace-submit`),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-state`)),
	)
	if st := b.text("state", chromedp.Text(chromedp.CSS(`#devspace-state`))); st != "待审批" {
		t.Fatalf("the new space is %q, want 待审批", st)
	}
	loc := b.text("the space's address", chromedp.Location())
	id := loc[strings.LastIndex(loc, "/")+1:]
	if i := strings.IndexAny(id, "?#"); i >= 0 {
		id = id[:i]
	}
	signOut()

	// The authority's reviewer approves it in the console, with a reason.
	b.signIn(ts.URL, "fj-reviewer", DemoPassword)
	b.do("open the review queue",
		chromedp.Navigate(ts.URL+"/console/devspaces"),
		chromedp.WaitVisible(chromedp.CSS(`#table-review a[href="/console/devspaces/`+id+`"]`)),
		clickAndLoad(`#table-review a[href="/console/devspaces/`+id+`"]`),
		chromedp.WaitVisible(chromedp.CSS(`#dd-reason`)),
	)
	overflow("/console/devspaces/{id}")
	b.do("approve the space",
		chromedp.SendKeys(chromedp.CSS(`#dd-reason`), "场景明确，产出为匿名化统计数据。"),
		clickAndLoad(`#devspace-approve`),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-state`)),
	)
	if st := b.text("state", chromedp.Text(chromedp.CSS(`#devspace-state`))); st != "使用中" {
		t.Fatalf("the approved space is %q, want 使用中", st)
	}
	signOut()

	// The developer runs the anonymiser and registers the table as a product.
	b.signIn(ts.URL, "mskj-dev", DemoPassword)
	b.do("open the space",
		chromedp.Navigate(ts.URL+"/devspaces/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#an-qi`)),
		chromedp.SendKeys(chromedp.CSS(`#an-qi`), "established_on=date\nstatus=flat"),
		clickAndLoad(`#anonymise-run`),
		chromedp.WaitVisible(chromedp.CSS(`.register-form input[name="title"]`)),
	)
	overflow("/devspaces/{id} with a run")
	b.do("register the product",
		chromedp.SendKeys(chromedp.CSS(`.register-form input[name="title"]`), "福建省企业成立时间分布（匿名化）"),
		clickAndLoad(`.register-form button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-products a`)),
		clickAndLoad(`#devspace-products a`),
		chromedp.WaitVisible(chromedp.CSS(`#product-label`)),
	)
	label := b.text("the label", chromedp.Text(chromedp.CSS(`#product-label`)))
	if !strings.Contains(label, "数据来源") || !strings.Contains(label, "企业登记信息") || !strings.Contains(label, "获取日期") {
		t.Errorf("the product's label: %q", label)
	}
	if src := b.text("sources", chromedp.Text(chromedp.CSS(`#product-sources`))); !strings.Contains(src, company.ID) {
		t.Errorf("the product's sources: %q", src)
	}
	if an := b.text("processing", chromedp.Text(chromedp.CSS(`#product-anonymisation`))); !strings.Contains(an, "established_on") {
		t.Errorf("the product's processing: %q", an)
	}
	overflow("/products/{id}")
}
