package http

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata/http/web"
)

// The review queue and the entry's review show what a submitted revision changes against
// the published version (issue 11 item 7), in Chinese and English; a new entry says it is
// new.
func TestReviewShowsRevisionDiff(t *testing.T) {
	e := pdEnv(t)
	id := pdPublish(e, "居民身份证信息", nil)
	ed := e.as(pbEditor)
	x, err := e.srv.Entries.FindEntryByID(system, id)
	if err != nil {
		t.Fatal(err)
	}
	f := x.EntryFields
	oldSummary := f.Summary
	f.Summary = "修订后的摘要：增加了签发机关"
	if _, err := e.srv.Entries.UpdateEntry(ed, id, &f); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Entries.SubmitEntry(ed, id); err != nil {
		t.Fatal(err)
	}
	// A second, new entry submitted for the first time.
	n, err := e.srv.Entries.CreateEntry(ed, "fj-gat", "", testEntryFields("新提交的条目"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Entries.SubmitEntry(ed, n.ID); err != nil {
		t.Fatal(err)
	}
	reviewer := e.login(authReviewer)

	w := e.page("GET", "/console/review", reviewer, "", nil)
	wantStatus(t, "review queue", w, 200)
	wantBody(t, "review queue", w, "1 处变更（对比第 1 版）", "修订后的摘要：增加了签发机关", `<td class="before prose">`+oldSummary, "新条目")
	w = e.page("GET", "/console/review", reviewer, web.LangEN, nil)
	wantBody(t, "review queue (en)", w, "1 change against version 1", "New entry", "Submitted revision")

	w = e.page("GET", "/console/entries/"+id, reviewer, "", nil)
	wantStatus(t, "entry review", w, 200)
	wantBody(t, "entry review", w, `id="entry-changes"`, "与当前发布版本（第 1 版）相比的变更", "修订后的摘要：增加了签发机关", oldSummary, `id="entry-review"`)
	w = e.page("GET", "/console/entries/"+id, reviewer, web.LangEN, nil)
	wantBody(t, "entry review (en)", w, "What this revision changes", "Changes against the published version (version 1)")
	w = e.page("GET", "/console/entries/"+n.ID, reviewer, "", nil)
	wantBody(t, "new entry review", w, "这是新条目，尚无发布版本")
	// A published entry (not under review) shows no diff.
	other := pdPublish(e, "人口基础信息", nil)
	if w := e.page("GET", "/console/entries/"+other, reviewer, "", nil); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `id="entry-changes"`) {
		t.Errorf("published entry: %d, diff shown: %v", w.Code, strings.Contains(w.Body.String(), `id="entry-changes"`))
	}
}
