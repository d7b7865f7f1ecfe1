package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserCalendar: on 2026-12-06 an authority's admin sees the banner that the holidays
// end on 2026-12-31, follows it to the calendar page, pastes a 2027 file (a test fixture:
// the notice is not out) and imports it; the year page lists its days and the banner is
// gone (Chinese). In English the page says what is covered, and the admin corrects a day
// with the form and sees it marked.
func TestBrowserCalendar(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	sys := systemContext(context.Background())
	if err := a.orgs.CreateOrg(sys, &pubdata.Org{Code: "350000-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"}); err != nil {
		t.Fatal(err)
	}
	const user, pw = "cal-admin", "cal-admin-secret-pw-1"
	if _, err := a.users.CreateUser(sys, &pubdata.UserCreate{Username: user, Password: pw, OrgCode: "350000-dsj", Role: pubdata.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC) // 10:00 in China
	a.web.Now = func() time.Time { return today }
	a.db.Now = a.web.Now
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)
	bs := browserSteps{t: t, ctx: ctx}
	where, step, value := bs.where, bs.do, bs.text
	bs.signIn(ts.URL, user, pw)
	step("the banner", chromedp.WaitVisible(chromedp.CSS(`#calendar-banner`)))
	if b := value("the banner", chromedp.Text(chromedp.CSS(`#calendar-banner`))); !strings.Contains(b, "2026-12-31") {
		t.Fatalf("banner %q", b)
	}
	step("follow the banner", chromedp.Click(chromedp.CSS(`#calendar-banner a`)), chromedp.WaitVisible(chromedp.CSS(`#calendar-ending`)))
	file := `{"year": 2027, "papers": ["https://www.gov.cn/test-fixture"], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, {"name": "国庆节", "date": "2027-10-01", "isOffDay": true}]}`
	step("import 2027",
		chromedp.SetValue(chromedp.CSS(`#calendar-document`), file),
		chromedp.Click(chromedp.CSS(`form[action="/console/calendar"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if f := value("the flash", chromedp.Text(chromedp.CSS(`p.flash`))); !strings.Contains(f, "2027 年的节假日安排已导入") {
		t.Fatalf("flash %q\n%s", f, where())
	}
	step("open 2027", chromedp.Click(chromedp.CSS(`a[href="/console/calendar/2027"]`)), chromedp.WaitVisible(chromedp.CSS(`#calendar-days`)))
	if d := value("the days", chromedp.Text(chromedp.CSS(`#calendar-days`))); !strings.Contains(d, "2027-01-01") || !strings.Contains(d, "元旦") || !strings.Contains(d, "休息") {
		t.Fatalf("days %q", d)
	}
	if n := value("banners", chromedp.Evaluate[string](`String(document.querySelectorAll('#calendar-banner').length)`)); n != "0" {
		t.Fatalf("the banner stays after the import\n%s", where())
	}

	step("the calendar in English", chromedp.Navigate(ts.URL+"/console/calendar?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#calendar-through`)))
	if th := value("covered", chromedp.Text(chromedp.CSS(`#calendar-through`))); th != "Holidays are covered up to 2027-12-31." {
		t.Fatalf("covered %q", th)
	}
	step("correct a day",
		chromedp.Navigate(ts.URL+"/console/calendar/2027?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#correct-date`)),
		chromedp.SetValue(chromedp.CSS(`#correct-date`), "2027-01-04"),
		chromedp.SendKeys(chromedp.CSS(`#correct-name`), "New Year"),
		chromedp.SendKeys(chromedp.CSS(`#correct-reason`), "Supplementary notice"),
		chromedp.Click(chromedp.CSS(`form[action="/console/calendar/2027/days"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if d := value("the days", chromedp.Text(chromedp.CSS(`#calendar-days`))); !strings.Contains(d, "2027-01-04") || !strings.Contains(d, "corrected") || !strings.Contains(d, "Supplementary notice") {
		t.Fatalf("days after the correction %q", d)
	}
	if !a.db.Calendar().Day(time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC)).Corrected {
		t.Error("the server's calendar does not count the correction")
	}
}
