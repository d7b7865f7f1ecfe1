package http

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestEntryEditorOpenFields drives the editor's open-policy fields: the resource codes of
// data obtained by sharing (E3: such an entry cannot be opened) and the usage agreement,
// with their field errors in both languages; the entry pages show them, and the console's
// entry page shows a published entry's usage.
func TestEntryEditorOpenFields(t *testing.T) {
	e := newEnv(t)
	e.srv.Usage = sqlstore.NewUsageService(e.db)
	editor := e.login(pbEditor)
	saved := func() int {
		t.Helper()
		n, _, _, err := e.srv.Entries.FindEntries(system, pubdata.EntryFilter{Org: "fj-gat"})
		if err != nil {
			t.Fatal(err)
		}
		return len(n)
	}

	// The new-entry page offers the fields, labelled.
	w := e.page("GET", "/console/entries/new", editor, "", nil)
	body := w.Body.String()
	for _, want := range []string{`<label for="entry-obtained">通过共享获取的数据（信息资源代码）</label>`, `<legend>使用协议</legend>`,
		`name="terms" type="checkbox" value="no_onward_transfer"`, `name="terms" type="checkbox" value="destroy_after_period"`,
		`<label for="entry-term-attribution">使用时注明数据来源</label>`, `<label for="entry-terms-text">`} {
		if !strings.Contains(body, want) {
			t.Fatalf("new entry page lacks %s: %s", want, body)
		}
	}
	checkPage(t, body, web.LangZH)

	// E3: data obtained by sharing cannot be opened; the open class's error says why.
	f := testEntryFields("共享获取的企业信息")
	form := entryFormValues(f, "save")
	form.Set("obtained", "301001/00001")
	w = e.page("POST", "/console/entries/new", editor, "", form)
	body = w.Body.String()
	if w.Code != 400 || !strings.Contains(body, `id="entry-open-class-error" class="field-error">本条目含通过共享获取的数据，不得作为本单位数据开放`) ||
		!strings.Contains(body, `name="obtained" value="301001/00001"`) {
		t.Fatalf("E3: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)

	// A malformed code, an unknown term and too long a text are named next to their fields.
	form.Set("obtained", "301001/00001, nope")
	form.Set("open_class", pubdata.ClassNone)
	form.Set("open_basis", "通过共享获取")
	form["terms"] = []string{pubdata.TermAttribution, "burn_after_reading"}
	form.Set("terms_text", strings.Repeat("长", 2001))
	w = e.page("POST", "/console/entries/new", editor, web.LangEN, form)
	body = w.Body.String()
	if w.Code != 400 || !strings.Contains(body, `id="entry-obtained-error" class="field-error">Obtained resource code &#34;nope&#34; is not of the form`) ||
		!strings.Contains(body, `id="entry-terms-error" class="field-error">Usage term &#34;burn_after_reading&#34; is not one of`) ||
		!strings.Contains(body, `id="entry-terms-text-error" class="field-error">The usage agreement&#39;s text must be at most 2000 characters.`) ||
		!strings.Contains(body, `value="attribution" checked`) || strings.Contains(body, `id="entry-open-class-error"`) {
		t.Fatalf("field errors: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangEN)
	if n := saved(); n != 0 {
		t.Fatalf("%d refused entries saved", n)
	}

	// Obtained data, not opened: saved, and shown on the entry page.
	form = entryFormValues(f, "save")
	form.Set("obtained", "301001/00001，301001/00002")
	form.Set("open_class", pubdata.ClassNone)
	form.Set("open_basis", "通过共享获取")
	w = e.page("POST", "/console/entries/new", editor, "", form)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save obtained: %d %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/console/entries/")
	if got, _ := e.srv.Entries.FindEntryByID(system, id); got == nil || !slices.Equal(got.Obtained, []string{"301001/00001", "301001/00002"}) {
		t.Fatalf("stored obtained: %+v", got)
	}
	w = e.page("GET", loc, editor, "", nil)
	if body = w.Body.String(); !strings.Contains(body, `<code>301001/00001</code>, <code>301001/00002</code>`) {
		t.Fatalf("entry page lacks the obtained codes: %s", body)
	}
	checkPage(t, body, web.LangZH)

	// An open entry with a usage agreement: saved, kept by the editor, shown on the console
	// and, once published, on the portal for the applicants who accept it.
	g := testEntryFields("开放的企业信息")
	form = entryFormValues(g, "save")
	form["terms"] = []string{pubdata.TermNoOnwardTransfer, pubdata.TermAttribution}
	form.Set("terms_text", "仅限在本省范围内使用")
	w = e.page("POST", "/console/entries/new", editor, "", form)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save terms: %d %s", w.Code, w.Body)
	}
	id = strings.TrimPrefix(strings.SplitN(w.Header().Get("Location"), "?", 2)[0], "/console/entries/")
	got, _ := e.srv.Entries.FindEntryByID(system, id)
	if got == nil || !slices.Equal(got.Terms, []string{pubdata.TermNoOnwardTransfer, pubdata.TermAttribution}) || got.TermsText != "仅限在本省范围内使用" {
		t.Fatalf("stored terms: %+v", got)
	}
	w = e.page("GET", "/console/entries/"+id+"/edit", editor, "", nil)
	body = w.Body.String()
	if !strings.Contains(body, `value="no_onward_transfer" checked`) || strings.Contains(body, `value="destroy_after_period" checked`) ||
		!strings.Contains(body, `>仅限在本省范围内使用</textarea>`) {
		t.Fatalf("edit page loses the agreement: %s", body)
	}
	w = e.page("GET", "/console/entries/"+id, editor, web.LangEN, nil)
	body = w.Body.String()
	if !strings.Contains(body, `<h3 id="entry-terms">Usage agreement</h3>`) || !strings.Contains(body, "<li>No onward transfer to others</li>") ||
		!strings.Contains(body, "仅限在本省范围内使用") || strings.Contains(body, `id="entry-usage"`) {
		t.Fatalf("console entry page (draft): %s", body)
	}
	checkPage(t, body, web.LangEN)

	e.publish(pbEditor, id)
	for range 2 {
		w = e.page("GET", "/catalog/"+id, nil, "", nil)
	}
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "申请使用该数据须接受以下使用协议。") || !strings.Contains(body, "<li>使用时注明数据来源</li>") {
		t.Fatalf("portal entry page: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)
	if err := e.srv.FlushEntryUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	w = e.page("GET", "/console/entries/"+id, editor, "", nil)
	body = w.Body.String()
	if !regexp.MustCompile(`<dt>浏览量</dt><dd>2</dd>\s*<dt>下载量</dt><dd>0</dd>\s*<dt>接口调用量</dt><dd>0</dd>`).MatchString(body) {
		t.Fatalf("console entry page lacks the usage: %s", body)
	}
	checkPage(t, body, web.LangZH)
	// The console's page is not a view of the portal's: the count stays.
	if err := e.srv.FlushEntryUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.srv.Usage.EntryUsage(context.Background(), id, "", ""); u.Views != 2 {
		t.Fatalf("console page counted as a view: %+v", u)
	}

	// Another organisation's member sees neither the entry page nor its usage: as if it did
	// not exist (pubdata.FindWorkingCopyFor, as the API).
	if w := e.page("GET", "/console/entries/"+id, e.login("xm-scj-member"), "", nil); w.Code != 404 {
		t.Fatalf("another org's entry page: %d", w.Code)
	}
}
