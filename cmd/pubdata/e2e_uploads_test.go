package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/datafile"
)

// recordProgressJS records every text the upload's progress line and status show, and the
// bar's values, in sessionStorage (which outlives the navigation to the batch page).
const recordProgressJS = `(() => {
  sessionStorage.setItem("seen", "[]");
  const keep = (s) => { const a = JSON.parse(sessionStorage.getItem("seen")); a.push(s); sessionStorage.setItem("seen", JSON.stringify(a)); };
  const box = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  new MutationObserver(() => {
    keep("visible:" + !box.hidden);
    keep("bar:" + bar.value);
    for (const id of ["upload-progress-text", "upload-progress-status"]) keep(id + ":" + document.getElementById(id).textContent);
  }).observe(box, { subtree: true, childList: true, characterData: true, attributes: true });
  return true;
})()`

// TestBrowserUploadProgress is issue 11 item 7 in Chromium, in Chinese and English: the
// upload page sends the file with its script, shows the transfer's progress (percent and
// bytes, in a live region), opens the batch page at once, and the batch page follows the
// load to its end; a batch that runs while its page is open is followed live.
func TestBrowserUploadProgress(t *testing.T) {
	chromium := testdb.Chromium(t)
	s := newSQLiteStore(t)
	a := s.open(t)
	if err := loadDemo(systemContext(context.Background()), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	e, _, file := uploadableEntry(t, a, t.TempDir(), 60)
	h, err := a.handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t, chromium)
	bs := browserSteps{t: t, ctx: ctx, timeout: 60 * time.Second}
	bs.signIn(ts.URL, "scjg-editor", DemoPassword)
	upload := "/console/entries/" + e.ID + "/data/upload"

	for _, lang := range []struct{ tag, sent, done string }{
		{"zh-CN", "已上传 100%", "已完成"},
		{"en", "Sent 100%", "Done"},
	} {
		bs.do("open the upload page ("+lang.tag+")",
			chromedp.Navigate(ts.URL+upload+"?lang="+lang.tag),
			chromedp.WaitVisible(chromedp.CSS(`#upload-file`)),
		)
		if hidden := bs.text("progress hidden", chromedp.Evaluate[string](`String(document.getElementById("upload-progress").hidden)`)); hidden != "true" {
			t.Fatalf("the progress shows before an upload")
		}
		bs.text("record the progress", chromedp.Evaluate[string](`String(`+recordProgressJS+`)`))
		bs.do("upload the file ("+lang.tag+")",
			chromedp.Click(chromedp.CSS(`#mode-upsert`)),
			chromedp.Click(chromedp.CSS(`#on-error-skip`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#upload-file`), []string{file}),
			chromedp.Click(chromedp.CSS(`#upload-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#batch-status`)),
		)
		// The batch page follows the load (the script, or the refresh) until it ends.
		ended := chromedp.Poll[chromedp.Void](`document.readyState === "complete" && document.getElementById("batch-status") && document.getElementById("batch-status").textContent.includes("`+lang.done+`") && !document.getElementById("batch-progress")`,
			chromedp.WithPollingTimeout(20*time.Second))
		for i := 0; ; i++ {
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := chromedp.Do(sctx, ended)
			cancel()
			if err == nil {
				break
			}
			if i == 5 { // a reload fails a poll with "navigated" or "Cannot find context"
				t.Fatalf("the batch page sees the batch end: %v\n%s", err, bs.where())
			}
			time.Sleep(200 * time.Millisecond)
		}
		var seen []string
		if err := json.Unmarshal([]byte(bs.text("the progress seen", chromedp.Evaluate[string](`sessionStorage.getItem("seen")`))), &seen); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(seen, "\n")
		// The bytes sent of the whole request (the file and the form's fields), as the script
		// writes them: "2.4 KB of 2.4 KB".
		if !regexp.MustCompile(`\d+\.\d KB( / | of )\d+\.\d KB`).MatchString(all) {
			t.Errorf("%s: the upload's progress never showed the bytes sent:\n%s", lang.tag, all)
		}
		for _, want := range []string{"visible:true", "bar:100", "upload-progress-text:" + lang.sent, "upload-progress-status:" + lang.sent} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: the upload's progress never showed %q:\n%s", lang.tag, want, all)
			}
		}
		if loc := bs.text("location", chromedp.Location()); !strings.Contains(loc, "/console/batches/") {
			t.Errorf("%s: after the upload the browser is at %s", lang.tag, loc)
		}
	}

	// A batch that runs while its page is open (English): the page follows it to the end.
	bctx := systemContext(context.Background())
	b, _, err := a.data.CreateBatch(bctx, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert, OnError: pubdata.OnErrorSkip, Source: pubdata.SourceCLI})
	if err != nil {
		t.Fatal(err)
	}
	bs.do("open the running batch's page",
		chromedp.Navigate(ts.URL+"/console/batches/"+b.ID+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#batch-progress progress`)),
	)
	if txt := bs.text("progress", chromedp.Text(chromedp.CSS(`#batch-progress`))); !strings.Contains(txt, "Progress") {
		t.Errorf("the running batch's page: %q", txt)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := datafile.Open(f, datafile.CSV, e.Items, datafile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.data.RunBatch(bctx, e, b.ID, src, pubdata.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	ended := chromedp.Poll[chromedp.Void](`document.readyState === "complete" && document.getElementById("batch-status") && document.getElementById("batch-status").textContent.includes("Done") && !document.getElementById("batch-progress")`,
		chromedp.WithPollingTimeout(20*time.Second))
	for i := 0; ; i++ {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chromedp.Do(sctx, ended)
		cancel()
		if err == nil {
			break
		}
		if i == 5 {
			t.Fatalf("the page sees the batch end: %v\n%s", err, bs.where())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
