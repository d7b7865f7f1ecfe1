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

// objectableEntry returns an unconditionally open table entry of the demo with rows whose
// key items a public user reads in clear (so each preview row links to the objection form).
func objectableEntry(t *testing.T, a *app) *pubdata.Entry {
	t.Helper()
	ctx := systemContext(context.Background())
	list, _, _, err := a.entries.FindEntries(ctx, pubdata.EntryFilter{Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range list {
		if w.Version == 0 {
			continue
		}
		e, err := a.entries.FindPublishedEntry(ctx, w.ID)
		if err != nil || e.Format != pubdata.FormatTable || e.OpenClass != pubdata.ClassUnconditional {
			continue
		}
		keys := pubdata.KeyItems(e.Items)
		clear := len(keys) > 0
		for _, k := range keys {
			it := e.Items[k]
			if it.Personal || pubdata.DefaultMaskPolicy.ItemMask(it) != pubdata.MaskNone {
				clear = false
			}
		}
		if !clear {
			continue
		}
		if st, err := a.data.TableStats(ctx, e.ID); err == nil && st.Rows > 1 {
			return e
		}
	}
	t.Fatal("the demo has no unconditionally open table entry with rows and a key in clear")
	return nil
}

// TestBrowserObjection: a signed-in public user opens an open entry on the portal, follows
// the first preview row's "object" link, files an objection through the form, and the row
// is gone from the entry page's preview, which now counts one frozen row.
func TestBrowserObjection(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e := objectableEntry(t, a)
	const user, pw = "objector", "objector-secret-pw-1"
	if _, err := a.users.CreateUser(systemContext(context.Background()), &pubdata.UserCreate{Username: user, Password: pw, DisplayName: "异议人"}); err != nil {
		t.Fatal(err)
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
	page := ts.URL + "/catalog/" + e.ID
	step("open the entry page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`table.data-rows a.object-link`)))
	step("follow the row's objection link",
		chromedp.Click(chromedp.CSS(`table.data-rows tbody tr:first-child a.object-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#objection-form`)),
	)
	key := value("the key on the form", chromedp.Value(chromedp.CSS(`#objection-key-0`)))
	if key == "" {
		t.Fatalf("the form's key is empty\n%s", where())
	}
	step("file the objection",
		chromedp.SetValue(chromedp.CSS(`#objection-reason`), "error"),
		chromedp.SendKeys(chromedp.CSS(`#objection-detail`), "这条记录的信息有误"),
		chromedp.Click(chromedp.CSS(`#objection-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#objection-filed`)),
	)
	step("back to the entry page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#data-frozen`)))
	rows := value("the preview's rows", chromedp.Text(chromedp.CSS(`table.data-rows tbody`)))
	if strings.Contains(rows, key) {
		t.Fatalf("the frozen row with key %q is still in the preview:\n%s", key, rows)
	}
	frozen := value("the frozen count", chromedp.Text(chromedp.CSS(`#data-frozen`)))
	if !strings.Contains(frozen, "1 条") {
		t.Errorf("frozen notice: %q", frozen)
	}
	ctxs := systemContext(context.Background())
	if st, err := a.data.TableStats(ctxs, e.ID); err != nil || st.Frozen != 1 {
		t.Errorf("TableStats after the objection: %+v, %v", st, err)
	}
}
