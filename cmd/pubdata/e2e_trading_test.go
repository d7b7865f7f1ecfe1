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
	"github.com/pubdata/pubdata/sqlstore"
)

// TestBrowserTrading drives the acceptance of issue 16 in Chromium at a phone's width: on
// the demo, the developer mskj-dev applies for a development space on the portal, the
// authority's reviewer approves it in the console, the developer runs the anonymiser and
// registers the table as a product, lists it on the console's trading page (the gate
// passes), the Fuzhou authority registers it from its queue, the company 榕城味道餐饮 buys it
// on the marketplace under the model contract, the seller agrees, and the buyer is offered
// the product's download.
func TestBrowserTrading(t *testing.T) {
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
	trade := sqlstore.NewTradeService(a.db)
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

	// A developer applies for a space; the authority approves it.
	b.signIn(ts.URL, "mskj-dev", DemoPassword)
	b.do("apply for a space",
		chromedp.Navigate(ts.URL+"/devspaces"),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-apply`)),
		clickAndLoad(`#devspace-apply`),
		chromedp.WaitVisible(chromedp.CSS(`#ds-title`)),
		chromedp.SendKeys(chromedp.CSS(`#ds-title`), "企业成立趋势产品开发"),
		chromedp.SendKeys(chromedp.CSS(`#ds-purpose`), "开发可交易的匿名化企业成立时间分布表"),
		chromedp.SendKeys(chromedp.CSS(`#ds-outputs`), "匿名化统计表（数据产品）"),
		chromedp.SendKeys(chromedp.CSS(`#ds-entries`), company.ID),
		clickAndLoad(`#devspace-submit`),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-state`)),
	)
	loc := b.text("the space's address", chromedp.Location())
	space := loc[strings.LastIndex(loc, "/")+1:]
	if i := strings.IndexAny(space, "?#"); i >= 0 {
		space = space[:i]
	}
	signOut()
	b.signIn(ts.URL, "fj-reviewer", DemoPassword)
	b.do("approve the space",
		chromedp.Navigate(ts.URL+"/console/devspaces/"+space),
		chromedp.WaitVisible(chromedp.CSS(`#dd-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#dd-reason`), "同意开发可交易的匿名化产品。"),
		clickAndLoad(`#devspace-approve`),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-state`)),
	)
	signOut()

	// The developer makes the product and lists it: the gate passes, the listing waits.
	b.signIn(ts.URL, "mskj-dev", DemoPassword)
	b.do("run the anonymiser and register the product",
		chromedp.Navigate(ts.URL+"/devspaces/"+space),
		chromedp.WaitVisible(chromedp.CSS(`#an-qi`)),
		chromedp.SendKeys(chromedp.CSS(`#an-qi`), "established_on=date\nstatus=flat"),
		clickAndLoad(`#anonymise-run`),
		chromedp.WaitVisible(chromedp.CSS(`.register-form input[name="title"]`)),
		chromedp.SendKeys(chromedp.CSS(`.register-form input[name="title"]`), "企业成立年份分布（可交易）"),
		clickAndLoad(`.register-form button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#devspace-products a`)),
	)
	products, err := a.products.Products(ctx, pubdata.ProductFilter{SpaceID: space})
	if err != nil || len(products) != 1 {
		t.Fatalf("products of the space: %d %v", len(products), err)
	}
	product := products[0]
	b.do("list the product",
		chromedp.Navigate(ts.URL+"/console/trading"),
		chromedp.WaitVisible(chromedp.CSS(`#listing-form`)),
		chromedp.SetValue(chromedp.CSS(`#listing-product`), product.ID),
		chromedp.SetValue(chromedp.CSS(`#listing-price-model`), "per_use"),
		chromedp.SendKeys(chromedp.CSS(`#listing-price`), "50 元/次"),
		clickAndLoad(`#listing-submit`),
		chromedp.WaitVisible(chromedp.CSS(`#trade-mine-h`)),
	)
	overflow("/console/trading")
	ls, _, _, err := trade.FindListings(ctx, pubdata.ListingFilter{Product: product.ID})
	if err != nil || len(ls) != 1 || ls[0].Status != pubdata.ListingPending {
		t.Fatalf("the listing: %+v %v", ls, err)
	}
	listing := ls[0]
	// The company's contribution terms page (B7) fits the phone.
	b.do("the contribution terms page",
		chromedp.Navigate(ts.URL+"/console/contributions"),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
	overflow("/console/contributions")
	signOut()

	// The Fuzhou authority registers it from its queue.
	b.signIn(ts.URL, "fz-admin", DemoPassword)
	b.do("register the listing",
		chromedp.Navigate(ts.URL+"/console/trading"),
		chromedp.WaitVisible(chromedp.CSS(`#register-`+listing.ID)),
		clickAndLoad(`#register-`+listing.ID),
		chromedp.WaitVisible(chromedp.CSS(`#trade-queue-h`)),
	)
	signOut()

	// A company buys it on the marketplace under the model contract.
	b.signIn(ts.URL, "rcwd-admin", DemoPassword)
	b.do("open the product on the marketplace",
		chromedp.Navigate(ts.URL+"/market"),
		chromedp.WaitVisible(chromedp.CSS(`#market-listings a[href="/market/`+listing.ID+`"]`)),
		clickAndLoad(`#market-listings a[href="/market/`+listing.ID+`"]`),
		chromedp.WaitVisible(chromedp.CSS(`#registration-number`)),
	)
	overflow("/market/{id}")
	if reg := b.text("registration", chromedp.Text(chromedp.CSS(`#registration-number`))); !strings.Contains(reg, "SJDJ-") {
		t.Errorf("the product page's registration: %q", reg)
	}
	if label := b.text("label", chromedp.Text(chromedp.CSS(`#listing-label`))); !strings.Contains(label, "企业登记信息") {
		t.Errorf("the product page's label: %q", label)
	}
	until := time.Now().In(pubdata.ChinaTime).AddDate(0, 3, 0).Format(pubdata.DateFormat)
	b.do("make the contract from the model contract",
		clickAndLoad(`#buy`),
		chromedp.WaitVisible(chromedp.CSS(`#contract-form`)),
		chromedp.SendKeys(chromedp.CSS(`#contract-purpose`), "餐饮门店选址研究"),
		chromedp.SetValue(chromedp.CSS(`#contract-until`), until),
		chromedp.Click(chromedp.CSS(`#contract-accept`)),
		clickAndLoad(`#contract-submit`),
		chromedp.WaitVisible(chromedp.CSS(`#contract-status`)),
	)
	overflow("/market-contracts/{id}")
	if st := b.text("status", chromedp.Text(chromedp.CSS(`#contract-status`))); st != "待卖方确认" {
		t.Fatalf("the new contract is %q, want 待卖方确认", st)
	}
	loc = b.text("the contract's address", chromedp.Location())
	contract := loc[strings.LastIndex(loc, "/")+1:]
	if i := strings.IndexAny(contract, "?#"); i >= 0 {
		contract = contract[:i]
	}
	signOut()

	// The seller agrees; the buyer is offered the download.
	b.signIn(ts.URL, "mskj-dev", DemoPassword)
	b.do("agree to the contract",
		chromedp.Navigate(ts.URL+"/console/trading/contracts/"+contract),
		chromedp.WaitVisible(chromedp.CSS(`#contract-agree`)),
		clickAndLoad(`#contract-agree`),
		chromedp.WaitVisible(chromedp.CSS(`#trade-sales-h`)),
	)
	signOut()
	b.signIn(ts.URL, "rcwd-admin", DemoPassword)
	b.do("the delivered contract",
		chromedp.Navigate(ts.URL+"/market-contracts/"+contract),
		chromedp.WaitVisible(chromedp.CSS(`#delivery-download`)),
	)
	if st := b.text("status", chromedp.Text(chromedp.CSS(`#contract-status`))); st != "已生效" {
		t.Errorf("the agreed contract is %q, want 已生效", st)
	}
	c, err := trade.Contract(ctx, contract)
	if err != nil || c.Status != pubdata.ContractAgreed || c.Delivery == "" || c.ModelContract != listing.ModelContract {
		t.Fatalf("the contract: %+v %v", c, err)
	}
}
