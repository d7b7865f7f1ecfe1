package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/ident"
)

// TestBrowserQuality: a provider's editor opens an entry's quality page on a phone-width
// screen, adds a not_null rule with the form (Chinese) and sees the rule fail on the row
// without a name and the score fall below 100; in English the rule reads "Fail" and is
// removed with its button. Every control is at least 44 px tall.
func TestBrowserQuality(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	sys := systemContext(context.Background())
	for _, o := range []*pubdata.Org{
		{Code: "350000-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"},
		{Code: "350000-scjgj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"},
	} {
		if err := a.orgs.CreateOrg(sys, o); err != nil {
			t.Fatal(err)
		}
	}
	const user, pw = "q-editor", "q-editor-secret-pw-1"
	if _, err := a.users.CreateUser(sys, &pubdata.UserCreate{Username: user, Password: pw, OrgCode: "350000-scjgj", Role: pubdata.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	e, err := a.entries.CreateEntry(sys, "350000-scjgj", "", &pubdata.EntryFields{
		Title: "企业登记信息", Summary: "企业登记信息。", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "daily",
		ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional, Division: "350000", Keywords: []string{"企业"},
		Items: []pubdata.Item{{Name: "uscc", Title: "统一社会信用代码", Type: "string", Key: true, Element: "uscc"}, {Name: "name", Title: "企业名称", Type: "string"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.entries.SubmitEntry(sys, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.entries.ReviewEntry(sys, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	p, err := a.entries.FindPublishedEntry(sys, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	csv := "uscc,name\n" + ident.CompleteUSCC("9135000040000001") + ",甲公司\n" + ident.CompleteUSCC("9135000040000002") + ",\n"
	src, err := datafile.Open(strings.NewReader(csv), datafile.CSV, p.Items, datafile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := a.data.CreateBatch(sys, p, pubdata.LoadOptions{Source: pubdata.SourceCLI})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = a.data.RunBatch(sys, p, b.ID, src, pubdata.LoadOptions{}); err != nil || b.Status != pubdata.BatchDone {
		t.Fatalf("batch %+v %v", b, err)
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
	bs.signIn(ts.URL, user, pw)
	page := ts.URL + "/console/entries/" + e.ID + "/quality"
	step("the quality page on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#quality-kind`)))
	if bad := value("small controls", chromedp.Evaluate[string](smallControlsJS)); bad != "[]" {
		t.Errorf("controls under 44 px: %s", bad)
	}
	step("add a not_null rule",
		chromedp.SetValue(chromedp.CSS(`#quality-kind`), "not_null"),
		chromedp.SetValue(chromedp.CSS(`#quality-column`), "name"),
		chromedp.Click(chromedp.CSS(`form[action$="/quality/rules"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if f := value("the flash", chromedp.Text(chromedp.CSS(`p.flash`))); !strings.Contains(f, "质量规则已保存") {
		t.Fatalf("flash %q\n%s", f, where())
	}
	if r := value("the rules", chromedp.Text(chromedp.CSS(`table.quality-rules`))); !strings.Contains(r, "非空") || !strings.Contains(r, "不通过") || !strings.Contains(r, "1 / 2") {
		t.Fatalf("rules %q\n%s", r, where())
	}
	if sc := value("the score", chromedp.Text(chromedp.CSS(`#quality-score-value`))); sc == "" || sc == "100" {
		t.Fatalf("score %q", sc)
	}
	step("the failing rows", chromedp.Click(chromedp.CSS(`.quality-sample summary`)), chromedp.WaitVisible(chromedp.CSS(`.quality-sample li`)))
	if li := value("a failing row", chromedp.Text(chromedp.CSS(`.quality-sample li`))); !strings.Contains(li, ident.CompleteUSCC("9135000040000002")) {
		t.Fatalf("failing row %q", li)
	}
	step("the page in English", chromedp.Navigate(page+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`table.quality-rules`)))
	if r := value("the rules", chromedp.Text(chromedp.CSS(`table.quality-rules`))); !strings.Contains(r, "Not null") || !strings.Contains(r, "Fail") {
		t.Fatalf("rules %q\n%s", r, where())
	}
	if l := value("the remove button's name", chromedp.Evaluate[string](`document.querySelector(".quality-remove").getAttribute("aria-label")`)); !strings.Contains(l, "Not null") {
		t.Fatalf("aria-label %q", l)
	}
	step("remove it", chromedp.Click(chromedp.CSS(`.quality-remove`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if f := value("the flash", chromedp.Text(chromedp.CSS(`p.flash`))); !strings.Contains(f, "The quality rules were saved.") {
		t.Fatalf("flash %q\n%s", f, where())
	}
	if n := value("rules left", chromedp.Evaluate[string](`String(document.querySelectorAll('table.quality-rules').length)`)); n != "0" {
		t.Fatalf("the rule stays\n%s", where())
	}
}
