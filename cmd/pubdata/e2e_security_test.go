package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserSecurity (G4, F4): in each language at a phone's 390 px, the provincial
// authority's admin reads a security alert with its evidence and dismisses it with a reason,
// reports an incident of the market regulator, and contains it in one step (the unit's data
// service suspended), without the pages overflowing sideways.
func TestBrowserSecurity(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	sys := systemContext(context.Background())
	if err := loadDemo(sys, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Two addresses refused 25 times each: two alerts, one per language.
	if n, err := a.security.CountRequests(sys, time.Now(), map[string]int64{"203.0.113.5": 25, "203.0.113.6": 25}, nil); err != nil || n != 2 {
		t.Fatalf("alerts raised: %d %v", n, err)
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
	step("a phone's width", chromedp.EmulateViewport(390, 844))
	bs.signIn(ts.URL, "fj-admin", DemoPassword)
	for i, lang := range []string{"zh-CN", "en"} {
		addr := []string{"203.0.113.5", "203.0.113.6"}[i]
		step("the alerts",
			chromedp.Navigate(ts.URL+"/console/alerts?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#security-alerts`)),
		)
		row := value("the alert", chromedp.Text(chromedp.CSS(`#security-alerts`)))
		if want := map[string]string{"zh-CN": "反复被拒", "en": "Repeated refusals"}[lang]; !strings.Contains(row, want) || !strings.Contains(row, "addr:"+addr) || !strings.Contains(row, "25") {
			t.Fatalf("%s: the alerts %q lack %q, the address or the count\n%s", lang, row, want, where())
		}
		if over := value("overflow", chromedp.Evaluate[string](overflowJS)); over != "[]" {
			t.Errorf("%s: the alerts page overflows at 390 px: %s", lang, over)
		}
		sel := `//tr[contains(., "addr:` + addr + `")]`
		step("dismiss with a reason",
			chromedp.SendKeys(sel+`//input[@name="reason"]`, "测试地址"),
			chromedp.Click(sel+`//button[@type="submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		)
		if got := value("dismissed", chromedp.Text(sel)); !strings.Contains(got, "测试地址") {
			t.Fatalf("%s: the dismissed alert shows %q", lang, got)
		}
		step("report an incident",
			chromedp.Navigate(ts.URL+"/console/incidents?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#inc-org`)),
			chromedp.SendKeys(chromedp.CSS(`#inc-org`), "350000-scjgj"),
			chromedp.SendKeys(chromedp.CSS(`#inc-description`), "企业登记信息疑似外泄"),
			chromedp.Click(chromedp.CSS(`form[action="/console/incidents"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#contain-form`)),
		)
		if over := value("overflow", chromedp.Evaluate[string](overflowJS)); over != "[]" {
			t.Errorf("%s: the incident page overflows at 390 px: %s", lang, over)
		}
		step("contain: suspend the unit's data service",
			chromedp.SetValue(chromedp.CSS(`#ct-step`), "unit"),
			chromedp.SendKeys(chromedp.CSS(`#ct-reason`), "停止数据服务"),
			chromedp.Click(chromedp.CSS(`#contain-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#incident-containment`)),
		)
		if st := value("status", chromedp.Text(chromedp.CSS(`#incident-status`))); st != map[string]string{"zh-CN": "已处置", "en": "Contained"}[lang] {
			t.Fatalf("%s: the incident is %q\n%s", lang, st, where())
		}
		if i == 0 { // resume the unit, for the other language's step
			if err := a.db.Exec(sys, "UPDATE orgs SET status = 'active' WHERE code = ?", "350000-scjgj"); err != nil {
				t.Fatal(err)
			}
		}
	}
}
