package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/sqlstore"
)

// A file entry's document in a browser (issue 11 item 4), in Chinese and English, on a
// desktop and at 390 px: the demo's open file entry lists its PDF with type, measured size and
// dates, and the page's download link gives the stored file byte for byte (its SHA-256 is
// computed in the page from what the link answers) as an attachment of the sniffed type.
func TestBrowserFileEntry(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	ctx := systemContext(context.Background())
	if err := loadDemo(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e := publishedByCode(t, a, "306001/00004")
	files, err := sqlstore.NewFileService(a.db).FindFiles(ctx, e.ID, false)
	if err != nil || len(files) != 1 {
		t.Fatalf("the demo's file entry holds %d files (%v)", len(files), err)
	}
	f := files[0]
	stored, err := blob.New(a.fileDir()).Open(f.Latest.Blob)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(stored)
	stored.Close()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(want)
	if hex.EncodeToString(sum[:]) != f.Latest.SHA256 || !strings.HasPrefix(string(want), "%PDF-") {
		t.Fatalf("the stored file is not the recorded PDF")
	}
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := browserSteps{t: t, ctx: newBrowser(t, chromium)}
	for _, width := range []int64{1280, 390} {
		for _, lang := range []string{"zh-CN", "en"} {
			where := lang + " at " + map[int64]string{1280: "1280", 390: "390"}[width] + " px"
			b.do("file entry page "+where,
				chromedp.EmulateViewport(width, 844),
				chromedp.Navigate(ts.URL+"/catalog/"+e.ID+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS("#file-"+f.ID)),
			)
			item := b.text("file item", chromedp.Text(chromedp.CSS("#file-"+f.ID)))
			for _, s := range []string{f.Title, "PDF", f.Issued} {
				if !strings.Contains(item, s) {
					t.Errorf("%s: the file's item does not show %q:\n%s", where, s, item)
				}
			}
			label := map[string]string{"zh-CN": "下载", "en": "Download"}[lang]
			if !strings.Contains(item, label) {
				t.Errorf("%s: no %q link:\n%s", where, label, item)
			}
			if bad := b.text("overflow", chromedp.Evaluate[string](overflowJS)); bad != "[]" {
				t.Errorf("%s: wider than the viewport: %s", where, bad)
			}
			hctx, hcancel := context.WithTimeout(b.ctx, 30*time.Second)
			height, err := chromedp.Run(hctx, chromedp.Evaluate[float64](`document.querySelector("#file-`+f.ID+` a.button").getBoundingClientRect().height`))
			hcancel()
			if err != nil || (width == 390 && height < 43.5) {
				t.Errorf("%s: the download link is %.0f px tall, want 44 on a phone (%v)", where, height, err)
			}
			// What the page's link answers, fetched by the page: type, disposition, bytes.
			sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
			got, err := chromedp.Run(sctx, chromedp.Evaluate[string](`(async () => {
				const a = document.querySelector("#file-`+f.ID+` a.button");
				const r = await fetch(a.href);
				const buf = await r.arrayBuffer();
				const d = await crypto.subtle.digest("SHA-256", buf);
				const hex = [...new Uint8Array(d)].map(x => x.toString(16).padStart(2, "0")).join("");
				return [r.status, r.headers.get("Content-Type"), r.headers.get("Content-Disposition"), buf.byteLength, hex].join("|");
			})()`, chromedp.EvalAwaitPromise))
			cancel()
			if err != nil {
				t.Fatalf("%s: fetch the download: %v", where, err)
			}
			parts := strings.Split(got, "|")
			if len(parts) != 5 || parts[0] != "200" || !strings.HasPrefix(parts[1], "application/pdf") ||
				!strings.HasPrefix(parts[2], "attachment") || parts[3] != strconv.Itoa(len(want)) || parts[4] != f.Latest.SHA256 {
				t.Errorf("%s: the download answered %q, want 200, application/pdf, an attachment of %d bytes with SHA-256 %s", where, got, len(want), f.Latest.SHA256)
			}
		}
	}
	if dir := artefactDir(t); dir != "" {
		sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		if png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(dir+"/file-entry-en-390.png", png, 0o644)
		}
	}
}
