package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserTicket: the problem ticket flow (C1) in a real Chromium, in Chinese and in
// English: a public user reports a problem with a row from the entry's portal page; the
// provider's editor answers it in the console, linking a batch from the picker; the reporter
// confirms on the account's ticket page. At 390 px the form's page and the ticket's page keep
// their controls at least 44 px tall and nothing sticks out sideways.
func TestBrowserTicket(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	ctx0 := systemContext(context.Background())
	if err := loadDemo(ctx0, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e := objectableEntry(t, a)
	const reporter, editor, pw = "reporter", "ticket-editor", "ticket-secret-pw-1"
	if _, err := a.users.CreateUser(ctx0, &pubdata.UserCreate{Username: reporter, Password: pw, DisplayName: "反馈人"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.users.CreateUser(ctx0, &pubdata.UserCreate{Username: editor, Password: pw, DisplayName: "答复人", OrgCode: e.Org, Role: pubdata.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	bs := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	step, value := bs.do, bs.text
	signOut := func() {
		t.Helper()
		step("sign out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a.header-link[href^="/login"]`)),
		)
	}
	phone := func(name string) {
		t.Helper()
		step(name+" at 390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS(`main`)))
		if bad := value("small controls", chromedp.Evaluate[string](smallControlsJS)); bad != "[]" {
			t.Errorf("%s at 390 px: controls under 44 px: %s", name, bad)
		}
		if bad := value("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s at 390 px: overflow: %s", name, bad)
		}
		step(name+" at 1280 px", chromedp.EmulateViewport(1280, 860))
	}
	for _, lang := range []struct{ code, open, confirmed, answered string }{
		{"zh", "待答复", "已确认", "已答复"},
		{"en", "Open", "Confirmed", "Answered"},
	} {
		step("choose "+lang.code, chromedp.Navigate(ts.URL+"/?lang="+lang.code), chromedp.WaitVisible(chromedp.CSS(`main`)))
		// The reporter reports a problem with the first row from the entry's page.
		bs.signIn(ts.URL, reporter, pw)
		if lang.code == "zh" {
			step("the report form's own page", chromedp.Navigate(ts.URL+"/tickets/new?entry="+e.ID), chromedp.WaitVisible(chromedp.CSS(`#ticket-form`)))
			phone("the report form")
		}
		step("open the entry page", chromedp.Navigate(ts.URL+"/catalog/"+e.ID), chromedp.WaitVisible(chromedp.CSS(`#ticket-form`)))
		key := value("the first row's key", chromedp.Evaluate[string](`(() => { const a = document.querySelector("table.data-rows a.object-link"); return a ? new URL(a.href).searchParams.get("key.`+e.Items[pubdata.KeyItems(e.Items)[0]].Name+`") || "" : ""; })()`))
		if key == "" {
			t.Fatalf("no row key on the entry page")
		}
		step("report the problem",
			chromedp.SetValue(chromedp.CSS(`#ticket-category`), "wrong_value"),
			chromedp.SendKeys(chromedp.CSS(`#ticket-description`), "这条记录的名称有误 "+lang.code),
			chromedp.SendKeys(chromedp.CSS(`#ticket-key-0`), key),
			chromedp.Click(chromedp.CSS(`#ticket-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#ticket-status`)),
		)
		if got := value("the status", chromedp.Text(chromedp.CSS(`#ticket-status`))); !strings.Contains(got, lang.open) {
			t.Fatalf("status after the report: %q, want %q", got, lang.open)
		}
		loc := value("the ticket's page", chromedp.Location())
		u := loc[len(ts.URL):]
		id := strings.TrimPrefix(strings.SplitN(u, "?", 2)[0], "/account/tickets/")
		signOut()
		// The provider's editor answers in the console, with the latest batch.
		bs.signIn(ts.URL, editor, pw)
		step("find the ticket in the console",
			chromedp.Navigate(ts.URL+"/console/tickets"),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/console/tickets/`+id+`"]`)),
			chromedp.Click(chromedp.CSS(`a[href="/console/tickets/`+id+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#ticket-answer-form`)),
		)
		batch := value("the newest batch", chromedp.Evaluate[string](`(() => { const o = document.querySelectorAll("#ticket-answer-batch option"); return o.length > 1 ? o[1].value : ""; })()`))
		if batch == "" {
			t.Fatalf("the batch picker offers no batch")
		}
		step("answer",
			chromedp.SendKeys(chromedp.CSS(`#ticket-answer-text`), "已核实并更正 "+lang.code),
			chromedp.SetValue(chromedp.CSS(`#ticket-answer-batch`), batch),
			chromedp.Click(chromedp.CSS(`#ticket-answer-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#ticket-batch`)),
		)
		if got := value("the status", chromedp.Text(chromedp.CSS(`#ticket-status`))); !strings.Contains(got, lang.answered) {
			t.Errorf("status after the answer: %q, want %q", got, lang.answered)
		}
		signOut()
		// The reporter confirms.
		bs.signIn(ts.URL, reporter, pw)
		step("open my ticket", chromedp.Navigate(ts.URL+"/account/tickets/"+id), chromedp.WaitVisible(chromedp.CSS(`#ticket-confirm`)))
		if lang.code == "zh" {
			phone("the ticket's page")
		}
		if got := value("the answer", chromedp.Text(chromedp.CSS(`#ticket-answer`))); !strings.Contains(got, "已核实并更正 "+lang.code) {
			t.Errorf("answer shown: %q", got)
		}
		step("confirm", chromedp.Click(chromedp.CSS(`#ticket-confirm`)), chromedp.WaitNotPresent(chromedp.CSS(`#ticket-confirm`)), chromedp.WaitVisible(chromedp.CSS(`#ticket-status`)))
		if got := value("the status", chromedp.Text(chromedp.CSS(`#ticket-status`))); !strings.Contains(got, lang.confirmed) {
			t.Errorf("status after the confirmation: %q, want %q", got, lang.confirmed)
		}
		tk, err := a.tickets().FindTicketByID(ctx0, id)
		if err != nil || tk.Status != pubdata.TicketConfirmed || tk.Batch != batch || tk.Key == nil {
			t.Errorf("stored ticket: %+v, %v", tk, err)
		}
		signOut()
	}
}
