package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBrowserBackups: after a scheduled backup, the provincial authority's admin finds it
// on /console/backups through the menu, in each language at a phone's 390 px, with nothing
// wider than the screen.
func TestBrowserBackups(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	cfg := s.config()
	cfg.BackupTo, cfg.BackupInterval, cfg.BackupKeep, cfg.BackupPassphrase = filepath.Join(t.TempDir(), "offsite"), 24*time.Hour, 7, testPassphrase
	a := s.open(t)
	a.cfg = cfg
	ctx := systemContext(context.Background())
	if err := loadDemo(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	run, err := a.scheduledBackup(ctx)
	if err != nil || run == nil {
		t.Fatalf("backup: %v, %v", run, err)
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	b.do("a phone's width", chromedp.EmulateViewport(390, 844))
	b.signIn(ts.URL, "fj-admin", DemoPassword)
	for _, lang := range []string{"zh-CN", "en"} {
		b.do("the console ("+lang+")",
			chromedp.Navigate(ts.URL+"/console?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`#console-menu > summary`)),
			chromedp.Click(chromedp.CSS(`#console-menu > summary`)),
			chromedp.WaitVisible(chromedp.CSS(`.console-nav a[href='/console/backups']`)),
			chromedp.Click(chromedp.CSS(`.console-nav a[href='/console/backups']`)),
			chromedp.WaitVisible(chromedp.CSS(`#backups-latest`)),
		)
		latest := b.text("the latest backup", chromedp.Text(chromedp.CSS(`#backups-latest`)))
		want := map[string]string{"zh-CN": "校验值一致", "en": "Checksums match"}[lang]
		if !strings.Contains(latest, want) || !strings.Contains(b.text("runs", chromedp.Text(chromedp.CSS(`main`))), run.Name) {
			t.Errorf("%s: the page does not show the backup %s with %q:\n%s\n%s", lang, run.Name, want, latest, b.where())
		}
		if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
			t.Errorf("%s: /console/backups is wider than the phone: %s", lang, bad)
		}
		sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(artefactDir(t), "backups-"+lang+"-390.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
