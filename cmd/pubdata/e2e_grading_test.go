package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/ident"
)

// discoveryFixture publishes an open table entry of the unit org whose "holder_no" item no
// definition marks personal, and loads resident ID numbers into it with the ingest command.
func discoveryFixture(t *testing.T, s store, a *app, org string) *pubdata.Entry {
	t.Helper()
	ctx := systemContext(context.Background())
	e, err := a.entries.CreateEntry(ctx, org, "", &pubdata.EntryFields{
		Title: "特种设备作业人员证书", Summary: "证书登记", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "daily",
		ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional, Division: "350000",
		Items: []pubdata.Item{
			{Name: "uscc", Title: "统一社会信用代码", Type: "string", Key: true, Element: "uscc"},
			{Name: "holder_no", Title: "持证人证号", Type: "string"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.entries.SubmitEntry(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if e, err = a.entries.ReviewEntry(ctx, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	csv := "统一社会信用代码,持证人证号\n"
	for i := 1; i <= 3; i++ {
		csv += ident.CompleteUSCC(fmt.Sprintf("91350100000000%02d", i)) + "," + ident.CompleteResidentID(fmt.Sprintf("35010219800101%03d", i)) + "\n"
	}
	file := filepath.Join(t.TempDir(), "证书.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, append([]string{"ingest", "--entry", e.ID, file}, s.args()...)...); code != 0 {
		t.Fatalf("ingest: %d %s", code, stderr)
	}
	return e
}

// TestDiscoverCommand: pubdata discover samples an entry's current rows; a discovery is not
// raised twice; it needs entries or --all.
func TestDiscoverCommand(t *testing.T) {
	s := newSQLiteStore(t)
	a := s.open(t)
	ctx := systemContext(context.Background())
	if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: "fj-scj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"}); err != nil {
		t.Fatal(err)
	}
	e := discoveryFixture(t, s, a, "fj-scj")
	if err := a.db.Exec(ctx, "DELETE FROM discoveries"); err != nil { // as if loaded before discovery existed
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, append([]string{"discover", e.Code}, s.args()...)...)
	if code != 0 || !strings.Contains(stdout, "holder_no") || !strings.Contains(stdout, "resident_id") || !strings.Contains(stdout, "1 new discoveries") {
		t.Fatalf("discover: %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := runCLI(t, append([]string{"discover", "--all"}, s.args()...)...); code != 0 || !strings.Contains(stdout, "0 new discoveries") {
		t.Fatalf("discover --all: %d\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, append([]string{"discover"}, s.args()...)...); code != 2 {
		t.Fatalf("discover without entries: %d", code)
	}
}

// TestBrowserDiscoveries (issue 15 item 3): resident ID numbers loaded into an open entry's
// unmarked column show on the console's entry page as a discovery, with the column withheld
// from the public, in each language at a phone's 390 px; a dismissal without a reason is
// refused next to its field.
func TestBrowserDiscoveries(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e := discoveryFixture(t, s, a, "350000-scjgj")
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
	bs.signIn(ts.URL, "scjg-editor", DemoPassword)
	for _, c := range []struct{ lang, kind, withheld string }{{"zh-CN", "身份证号码", "holder_no"}, {"en", "Resident ID number", "holder_no"}} {
		step("the entry page",
			chromedp.Navigate(ts.URL+"/console/entries/"+e.ID+"?lang="+c.lang),
			chromedp.WaitVisible(chromedp.CSS(`#discovery-list`)),
		)
		list := value("the discoveries", chromedp.Text(chromedp.CSS(`#discovery-list`)))
		if !strings.Contains(list, "holder_no") || !strings.Contains(list, c.kind) {
			t.Fatalf("%s: the discovery is not listed:\n%s\n%s", c.lang, list, where())
		}
		if w := value("the withheld column", chromedp.Text(chromedp.CSS(`#openwatch-withheld`))); !strings.Contains(w, c.withheld) {
			t.Fatalf("%s: the column is not withheld: %q", c.lang, w)
		}
		if wide := value("fits the phone", chromedp.Evaluate[string](`String(document.documentElement.scrollWidth <= window.innerWidth + 1)`)); wide != "true" {
			t.Errorf("%s: the page is wider than the phone", c.lang)
		}
		step("dismiss without a reason",
			chromedp.Click(chromedp.CSS(`form[action$="/dismiss"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#discovery-list .field-error`)),
		)
	}
}
