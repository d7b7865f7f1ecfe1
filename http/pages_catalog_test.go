package http

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// catalogFixture holds entries in every workflow state, made through the store as their
// provider (fj-gat) and the provincial authority would.
type catalogFixture struct {
	draft, submitted, rejected, retired string // working copies
	published                           string // published twice (two versions), open to the public
	negative                            string // published, neither shared nor opened
}

// as returns a context carrying the user as the actor.
func (e *env) as(username string) context.Context {
	e.t.Helper()
	u := e.users[username]
	a := &pubdata.Actor{User: u}
	if u.OrgCode != "" {
		o, err := e.srv.Orgs.FindOrgByCode(system, u.OrgCode)
		if err != nil {
			e.t.Fatal(err)
		}
		a.Org = o
	}
	return pubdata.NewContextWithActor(context.Background(), a)
}

// testEntryFields returns valid fields of a table entry with two items.
func testEntryFields(title string) *pubdata.EntryFields {
	return &pubdata.EntryFields{
		Title: title, Summary: "用于测试的目录条目：" + title, Category: "301001", Format: pubdata.FormatTable, UpdateCycle: "daily",
		ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional, Division: "350000",
		Keywords: []string{"测试", "户籍"},
		Items: []pubdata.Item{
			{Name: "id_number", Title: "公民身份号码", Type: "string", Length: 18, Key: true, Element: "resident_id", Grade: 3, Personal: true},
			{Name: "full_name", Title: "姓名", Type: "string", Length: 50, Element: "name", Grade: 2, Personal: true},
		},
	}
}

func newCatalogFixture(e *env) *catalogFixture {
	e.t.Helper()
	ed, rev := e.as(pbEditor), e.as(authReviewer)
	must := func(x *pubdata.Entry, err error) *pubdata.Entry {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
		return x
	}
	svc := e.srv.Entries
	if _, err := e.srv.Elements.SetElementSource(e.as(authAdmin), "uscc", "fz-scj", ""); err != nil {
		e.t.Fatal(err)
	}
	f := &catalogFixture{}

	d := testEntryFields("人口基础信息")
	d.ShareClass, d.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
	d.OpenClass, d.OpenBasis = pubdata.ClassNone, "涉及个人信息"
	f.draft = must(svc.CreateEntry(ed, "fj-gat", "", d)).ID

	s := testEntryFields("企业登记信息查询")
	s.Items = append(s.Items, pubdata.Item{Name: "uscc", Title: "统一社会信用代码", Type: "string", Element: "uscc"})
	f.submitted = must(svc.CreateEntry(ed, "fj-gat", "", s)).ID
	must(svc.SubmitEntry(ed, f.submitted))

	p := testEntryFields("居民身份证信息")
	f.published = must(svc.CreateEntry(ed, "fj-gat", "", p)).ID
	must(svc.SubmitEntry(ed, f.published))
	must(svc.ReviewEntry(rev, f.published, true, ""))
	p2 := testEntryFields("居民身份证信息")
	p2.UpdateCycle, p2.Summary = "weekly", "新的摘要"
	p2.Items[1].Title = "姓名（中文）"
	p2.Items = append(p2.Items, pubdata.Item{Name: "birth", Title: "出生日期", Type: "date"})
	must(svc.UpdateEntry(ed, f.published, p2))
	must(svc.SubmitEntry(ed, f.published))
	must(svc.ReviewEntry(rev, f.published, true, "同意"))

	r := testEntryFields("暂住人口信息")
	f.rejected = must(svc.CreateEntry(ed, "fj-gat", "", r)).ID
	must(svc.SubmitEntry(ed, f.rejected))
	must(svc.ReviewEntry(rev, f.rejected, false, "请补充共享条件说明。"))

	t := testEntryFields("旧版户籍信息")
	f.retired = must(svc.CreateEntry(ed, "fj-gat", "", t)).ID
	must(svc.SubmitEntry(ed, f.retired))
	must(svc.ReviewEntry(rev, f.retired, true, ""))
	must(svc.RetireEntry(ed, f.retired, "已由新目录替代"))

	n := testEntryFields("刑事案件侦查信息")
	n.ShareClass, n.ShareBasis = pubdata.ClassNone, "《中华人民共和国刑事诉讼法》"
	n.OpenClass, n.OpenBasis = pubdata.ClassNone, "涉及国家秘密"
	f.negative = must(svc.CreateEntry(ed, "fj-gat", "", n)).ID
	must(svc.SubmitEntry(ed, f.negative))
	must(svc.ReviewEntry(rev, f.negative, true, ""))
	return f
}

// entryForm returns the editor's form for fields, with extra blank rows as a browser sends
// them.
func entryFormValues(f *pubdata.EntryFields, action string) url.Values {
	v := url.Values{
		"title": {f.Title}, "summary": {f.Summary}, "category": {f.Category[:1]}, "category_sub": {f.Category[1:]},
		"format": {f.Format}, "update_cycle": {f.UpdateCycle},
		"share_class": {f.ShareClass}, "share_conditions": {f.ShareConditions}, "share_basis": {f.ShareBasis},
		"open_class": {f.OpenClass}, "open_conditions": {f.OpenConditions}, "open_basis": {f.OpenBasis},
		"division": {f.Division}, "keywords": {strings.Join(f.Keywords, "，")}, "related": {strings.Join(f.Related, ", ")},
		"action": {action},
	}
	rows := len(f.Items) + 3
	v.Set("rows", itoa(rows))
	for i := 0; i < rows; i++ {
		p := "items[" + itoa(i) + "]."
		v.Set(p+"type", "string")
		v.Set(p+"grade", "0")
		if i >= len(f.Items) {
			continue
		}
		it := f.Items[i]
		v.Set(p+"name", it.Name)
		v.Set(p+"title", it.Title)
		v.Set(p+"type", it.Type)
		v.Set(p+"element", it.Element)
		v.Set(p+"grade", itoa(it.Grade))
		if it.Length > 0 {
			v.Set(p+"length", itoa(it.Length))
		}
		if it.Key {
			v.Set(p+"key", "true")
		}
		if it.Personal {
			v.Set(p+"personal", "true")
		}
	}
	return v
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCatalogPagesFlow drives the catalogue through the pages' forms: an editor creates an
// entry, meets a field error, fixes it, adds items and submits; the authority's reviewer
// sees it with its source flag and approves; the entry is then found by search.
func TestCatalogPagesFlow(t *testing.T) {
	e := newEnv(t)
	editor := e.login(pbEditor)
	reviewer := e.login(authReviewer)
	member := e.login(pbMember)
	pbAdminC := e.login(pbAdmin)
	if _, err := e.srv.Elements.SetElementSource(e.as(authAdmin), "uscc", "fz-scj", ""); err != nil {
		t.Fatal(err)
	}

	// The new-entry page offers the elements and the divisions of the editor's province.
	w := e.page("GET", "/console/entries/new", editor, "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<option value="uscc">统一社会信用代码</option>`) || !strings.Contains(w.Body.String(), `<option value="350200">`) {
		t.Fatalf("new entry page: %d %s", w.Code, w.Body)
	}

	// A conditional share class without conditions is refused next to share_conditions.
	f := testEntryFields("市场主体登记信息")
	f.ShareClass, f.ShareConditions = pubdata.ClassConditional, ""
	f.OpenClass = pubdata.ClassNone
	f.OpenBasis = "涉及商业秘密"
	f.Items = f.Items[:0]
	form := entryFormValues(f, "save")
	w = e.page("POST", "/console/entries/new", editor, "", form)
	body := w.Body.String()
	if w.Code != 400 || !strings.Contains(body, `id="entry-share-conditions-error" class="field-error">有条件共享的目录条目必须填写共享条件。`) ||
		!strings.Contains(body, `aria-describedby="entry-share-conditions-hint entry-share-conditions-error" aria-invalid="true"`) ||
		!strings.Contains(body, `id="entry-items-error"`) || !strings.Contains(body, `value="市场主体登记信息"`) || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("conditional without conditions: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)
	if n, _, _, _ := e.srv.Entries.FindEntries(system, pubdata.EntryFilter{Org: "fj-gat"}); len(n) != 0 {
		t.Fatalf("a refused entry was saved")
	}

	// Item problems are shown in the right cell, even after blank rows are dropped.
	f.ShareConditions = "仅限市场监管执法使用"
	f.Items = []pubdata.Item{{Name: "uscc", Title: "统一社会信用代码", Type: "string", Element: "uscc"}, {Name: "Bad Name", Title: "", Type: "string"}}
	form = entryFormValues(f, "save")
	// Move the second item below a blank row: it is renumbered as item 2 (index 1).
	for _, k := range []string{"name", "title", "type", "element", "grade"} {
		form.Set("items[3]."+k, form.Get("items[1]."+k))
		form.Set("items[1]."+k, "")
	}
	form.Set("items[1].type", "string")
	form.Set("items[1].grade", "0")
	w = e.page("POST", "/console/entries/new", editor, web.LangEN, form)
	body = w.Body.String()
	if w.Code != 400 || !strings.Contains(body, `id="item-1-name-error" class="field-error">Item 2: name &#34;bad name&#34; must be lower-case letters`) ||
		!strings.Contains(body, `id="item-1-title-error"`) || !strings.Contains(body, `name="items[1].name" value="Bad Name"`) {
		t.Fatalf("item errors: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangEN)

	// "Add rows" keeps what was entered and adds blank rows, without saving.
	form.Set("action", "add_rows")
	w = e.page("POST", "/console/entries/new", editor, "", form)
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `value="Bad Name"`) || !strings.Contains(body, `id="item-8-name"`) || strings.Contains(body, "field-error") {
		t.Fatalf("add rows: %d %s", w.Code, body)
	}

	// Fixed, the entry is saved as a draft; then items are added in the editor and it is
	// submitted.
	f.Items = f.Items[:1]
	w = e.page("POST", "/console/entries/new", editor, "", entryFormValues(f, "save"))
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/console/entries/") {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/console/entries/")
	w = e.page("GET", loc, editor, "", nil)
	if !strings.Contains(w.Body.String(), "目录条目已保存为草稿") || !strings.Contains(w.Body.String(), "草稿") {
		t.Fatalf("after save: %s", w.Body)
	}
	w = e.page("GET", "/console/entries/"+id+"/edit", editor, "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="items[0].name" value="uscc"`) {
		t.Fatalf("edit page: %d %s", w.Code, w.Body)
	}
	f.Items = append(f.Items, pubdata.Item{Name: "reg_date", Title: "成立日期", Type: "date"}, pubdata.Item{Name: "legal_rep", Title: "法定代表人", Type: "string", Personal: true, Grade: 2})
	w = e.page("POST", "/console/entries/"+id+"/edit", editor, "", entryFormValues(f, "submit"))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save and submit: %d %s", w.Code, w.Body)
	}
	w = e.page("GET", w.Header().Get("Location"), editor, "", nil)
	body = w.Body.String()
	if !strings.Contains(body, "待审核") || !strings.Contains(body, "法定代表人") || strings.Contains(body, `/edit"`) {
		t.Fatalf("after submit: %s", body)
	}
	if got, _ := e.srv.Entries.FindEntryByID(system, id); got == nil || got.Status != pubdata.StatusSubmitted || len(got.Items) != 3 || got.ShareConditions != "仅限市场监管执法使用" {
		t.Fatalf("stored entry: %+v", got)
	}

	// The reviewer sees it in the queue, flagged: the USCC comes from 福州市市场监督管理局.
	w = e.page("GET", "/console/review", reviewer, "", nil)
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "市场主体登记信息") || !strings.Contains(body, `class="flagged"`) ||
		!strings.Contains(body, "信息项 uscc（数据元“统一社会信用代码”）可通过共享从 福州市市场监督管理局 获取") {
		t.Fatalf("review queue: %d %s", w.Code, body)
	}
	// Rejecting needs a comment.
	w = e.page("POST", "/console/entries/"+id+"/review", reviewer, "", url.Values{"decision": {"reject"}, "comment": {""}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), `id="review-comment-error" class="field-error">退回时必须填写审核意见。`) {
		t.Fatalf("reject without comment: %d %s", w.Code, w.Body)
	}
	// The provider may not review its own entry.
	if w := e.page("POST", "/console/entries/"+id+"/review", pbAdminC, "", url.Values{"decision": {"approve"}}); w.Code != 403 {
		t.Fatalf("provider reviews: %d", w.Code)
	}
	w = e.page("POST", "/console/entries/"+id+"/review", reviewer, "", url.Values{"decision": {"approve"}, "comment": {"同意发布"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}
	w = e.page("GET", w.Header().Get("Location"), reviewer, "", nil)
	if !strings.Contains(w.Body.String(), "“市场主体登记信息”已审核通过") || !strings.Contains(w.Body.String(), "没有待审核的目录条目") {
		t.Fatalf("queue after approval: %s", w.Body)
	}

	// Public bodies find it by a two-character word of its title, with facet counts.
	w = e.page("GET", "/catalog?q="+url.QueryEscape("登记"), member, "", nil)
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `<a href="/catalog/`+id+`">市场主体登记信息</a>`) || !strings.Contains(body, "找到 1 个目录条目") {
		t.Fatalf("search: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)
	facet := regexp.MustCompile(`<a href="([^"]*share_class=conditional[^"]*)">有条件共享 <span class="count">\((\d+)\)</span>`).FindStringSubmatch(body)
	if facet == nil || facet[2] != "1" || !strings.Contains(body, `福建省公安厅 <span class="count">(1)</span>`) {
		t.Fatalf("facets: %s", body)
	}
	w = e.page("GET", strings.ReplaceAll(facet[1], "&amp;", "&"), member, "", nil)
	if !strings.Contains(w.Body.String(), `aria-current="true"`) || !strings.Contains(w.Body.String(), "市场主体登记信息") {
		t.Fatalf("facet link: %s", w.Body)
	}
	// It is not open: anonymous visitors neither find nor open it, and see only the open
	// catalogue.
	w = e.page("GET", "/catalog?q="+url.QueryEscape("登记"), nil, "", nil)
	if strings.Contains(w.Body.String(), "市场主体登记信息") || !strings.Contains(w.Body.String(), "您正在浏览向社会开放的目录") {
		t.Fatalf("anonymous search finds a non-open entry: %s", w.Body)
	}
	if w := e.page("GET", "/catalog/"+id, nil, "", nil); w.Code != 404 {
		t.Fatalf("anonymous entry page: %d", w.Code)
	}
	w = e.page("GET", "/catalog/"+id, member, "", nil)
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "仅限市场监管执法使用") || !strings.Contains(body, "不予开放") || !strings.Contains(body, "法定代表人") {
		t.Fatalf("entry page: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)
	// …but the negative list is public, with its basis.
	w = e.page("GET", "/lists/negative", nil, "", nil)
	if !strings.Contains(w.Body.String(), "市场主体登记信息") || !strings.Contains(w.Body.String(), "涉及商业秘密") || strings.Contains(w.Body.String(), `href="/catalog/`+id+`"`) {
		t.Fatalf("negative list: %s", w.Body)
	}
	if w := e.page("GET", "/lists/share", nil, "", nil); strings.Contains(w.Body.String(), "市场主体登记信息") {
		t.Fatalf("the anonymous share list shows a non-open entry")
	}
	if w := e.page("GET", "/lists/share", member, "", nil); !strings.Contains(w.Body.String(), "市场主体登记信息") {
		t.Fatalf("the share list lacks the entry for a public body")
	}

	// Forbidden: a member cannot open the editor, a department's user the review queue.
	for _, c := range []struct {
		path string
		as   *http.Cookie
	}{
		{"/console/entries/new", member},
		{"/console/entries/" + id + "/edit", member},
		{"/console/review", pbAdminC},
		{"/console/review", e.login(authEditor)},
		{"/console/entries", e.login(citizen)},
		{"/console/entries/" + id, e.login("xm-scj-member")},
	} {
		want := 403
		if c.path == "/console/entries/"+id {
			want = 404 // another organisation's entry: as if it did not exist, as in the API
		}
		if w := e.page("GET", c.path, c.as, "", nil); w.Code != want {
			t.Errorf("GET %s: %d, want %d", c.path, w.Code, want)
		}
	}
	if w := e.page("POST", "/console/entries/new", member, "", entryFormValues(f, "save")); w.Code != 403 {
		t.Errorf("member posts an entry: %d", w.Code)
	}
	if w := e.page("GET", "/console/entries", nil, "", nil); w.Code != http.StatusSeeOther {
		t.Errorf("anonymous console entries: %d", w.Code)
	}
}

// TestCatalogPagesFixture checks the pages over entries in every state.
func TestCatalogPagesFixture(t *testing.T) {
	e := newEnv(t)
	cf := newCatalogFixture(e)
	editor := e.login(pbEditor)

	// Versions: the diff of the two published versions, field by field.
	w := e.page("GET", "/console/entries/"+cf.published+"/versions", editor, "", nil)
	body := w.Body.String()
	for _, want := range []string{"第 1 版与第 2 版的差异", "<th scope=\"row\">更新周期</th>", "<td class=\"before prose\">每日</td>", "<td class=\"after prose\">每周</td>",
		"信息项 full_name · 中文名称", "姓名（中文）", "<th scope=\"row\">信息项 birth</th>", "birth (出生日期, 日期型)"} {
		if !strings.Contains(body, want) {
			t.Errorf("versions page lacks %q", want)
		}
	}
	w = e.page("GET", "/console/entries/"+cf.published+"/versions?from=2&to=1", editor, web.LangEN, nil)
	if !strings.Contains(w.Body.String(), "<td class=\"before prose\">Weekly</td>") {
		t.Errorf("reverse diff: %s", w.Body)
	}
	if w := e.page("GET", "/console/entries/"+cf.published+"/versions?from=9", editor, "", nil); w.Code != 400 {
		t.Errorf("unknown version: %d", w.Code)
	}

	// Rejected entries show the comment; retired ones offer nothing but their versions.
	w = e.page("GET", "/console/entries/"+cf.rejected, editor, "", nil)
	if !strings.Contains(w.Body.String(), "请补充共享条件说明。") || !strings.Contains(w.Body.String(), "/submit") {
		t.Errorf("rejected entry: %s", w.Body)
	}
	w = e.page("GET", "/console/entries/"+cf.retired, editor, "", nil)
	if strings.Contains(w.Body.String(), "/edit") || strings.Contains(w.Body.String(), "/retire") || strings.Contains(w.Body.String(), "/submit") {
		t.Errorf("retired entry offers actions: %s", w.Body)
	}
	if w := e.page("GET", "/console/entries/"+cf.submitted+"/edit", editor, "", nil); w.Code != 409 {
		t.Errorf("edit while submitted: %d", w.Code)
	}
	// Retiring through the page.
	w = e.page("POST", "/console/entries/"+cf.published+"/retire", editor, "", url.Values{"reason": {"数据已停止采集"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("retire: %d %s", w.Code, w.Body)
	}
	if w := e.page("GET", "/catalog/"+cf.published, nil, "", nil); w.Code != 404 {
		t.Errorf("retired entry still in the catalogue: %d", w.Code)
	}

	// The catalogue: anonymous visitors see the open entries; lists link the downloads.
	w = e.page("GET", "/catalog", nil, "", nil)
	if strings.Contains(w.Body.String(), "刑事案件侦查信息") {
		t.Errorf("anonymous catalogue shows a negative entry")
	}
	w = e.page("GET", "/lists/negative", nil, web.LangEN, nil)
	if !strings.Contains(w.Body.String(), "刑事案件侦查信息") || !strings.Contains(w.Body.String(), `href="/api/v1/lists/negative?format=csv"`) {
		t.Errorf("negative list: %s", w.Body)
	}
	w = e.page("GET", "/lists/demand", nil, "", nil)
	if !strings.Contains(w.Body.String(), "暂无数据需求") {
		t.Errorf("empty demand list: %s", w.Body)
	}
}

// TestElementsPageFlow drives the data-element registry's page: the authority's
// administrator names the source of uscc (an organisation with its published entry by
// resource code, then an unpublished one by id), meets field errors and clears it; a
// department's editor sees the sources but no form and may not post; anonymous visitors
// are sent to sign in.
func TestElementsPageFlow(t *testing.T) {
	e := newEnv(t)
	cf := newCatalogFixture(e) // uscc's source is fz-scj
	admin := e.login(authAdmin)
	editor := e.login(pbEditor)
	published, err := e.srv.Entries.FindEntryByID(system, cf.published)
	if err != nil {
		t.Fatal(err)
	}
	uscc := func() *pubdata.DataElement {
		t.Helper()
		els, err := e.srv.Elements.FindElements(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, el := range els {
			if el.Code == "uscc" {
				return el
			}
		}
		t.Fatal("no element uscc")
		return nil
	}

	// The administrator has a form on each row, offering the public bodies and authorities
	// of the province, with the current source chosen.
	w := e.page("GET", "/console/elements", admin, "", nil)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `<form method="post" action="/console/elements/uscc"`) ||
		!strings.Contains(body, `<option value="fj-gat">福建省公安厅 (fj-gat)</option>`) || !strings.Contains(body, `<option value="fz-scj" selected>`) ||
		!strings.Contains(body, `<a href="/console/elements" aria-current="page">数据元</a>`) {
		t.Fatalf("elements page: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)

	// uscc comes from 福建省公安厅's published entry, named by its resource code.
	w = e.page("POST", "/console/elements/uscc", admin, "", url.Values{"org": {"fj-gat"}, "entry": {published.Code}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/elements?saved=uscc" {
		t.Fatalf("set source: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if el := uscc(); el.Source != "fj-gat" || el.SourceEntry != cf.published {
		t.Fatalf("stored element: %+v", el)
	}
	w = e.page("GET", w.Header().Get("Location"), admin, "", nil)
	body = w.Body.String()
	if !strings.Contains(body, "数据元“统一社会信用代码”的权威来源单位已设为 福建省公安厅。") ||
		!strings.Contains(body, `<a href="/catalog/`+cf.published+`">居民身份证信息</a>`) ||
		!strings.Contains(body, `id="element-uscc-entry" name="entry" value="`+published.Code+`"`) || !strings.Contains(body, `<option value="fj-gat" selected>`) {
		t.Fatalf("after setting the source: %s", body)
	}
	checkPage(t, body, web.LangZH)

	// An entry named by id; one not yet published links to the console.
	w = e.page("POST", "/console/elements/uscc", admin, "", url.Values{"org": {"fj-gat"}, "entry": {cf.draft}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("set source by id: %d %s", w.Code, w.Body)
	}
	w = e.page("GET", w.Header().Get("Location"), admin, web.LangEN, nil)
	body = w.Body.String()
	if !strings.Contains(body, "The authoritative source of the data element “Unified social credit code” is now 福建省公安厅.") ||
		!strings.Contains(body, `<a href="/console/entries/`+cf.draft+`">人口基础信息</a>`) {
		t.Fatalf("after setting the source by id (en): %s", body)
	}
	checkPage(t, body, web.LangEN)

	// Problems are shown next to their fields, the values entered kept, nothing changed.
	w = e.page("POST", "/console/elements/uscc", admin, "", url.Values{"org": {"fz-scj"}, "entry": {published.Code}})
	body = w.Body.String()
	if w.Code != 400 || !strings.Contains(body, `id="element-uscc-entry-error" class="field-error">所选单位没有这个目录条目。`) ||
		!strings.Contains(body, `aria-describedby="elements-hint element-uscc-entry-error" aria-invalid="true"`) ||
		!strings.Contains(body, `<option value="fz-scj" selected>`) || !strings.Contains(body, `role="alert"`) ||
		!strings.Contains(body, "数据元“统一社会信用代码”的权威来源未能保存。") {
		t.Fatalf("entry of another organisation: %d %s", w.Code, body)
	}
	checkPage(t, body, web.LangZH)
	w = e.page("POST", "/console/elements/uscc", admin, "", url.Values{"org": {"nope"}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), `id="element-uscc-org-error" class="field-error">没有这个单位。`) ||
		!strings.Contains(w.Body.String(), `<option value="nope" selected>nope (nope)</option>`) {
		t.Fatalf("unknown organisation: %d %s", w.Code, w.Body)
	}
	// The sources are the whole platform's: a city authority names none (issue 12 item 5).
	w = e.page("POST", "/console/elements/uscc", e.login(cityAdmin), "", url.Values{"org": {"fj-gat"}})
	if w.Code != 403 || !strings.Contains(w.Body.String(), "只有平台（省级）大数据主管部门的管理员可以指定数据元的权威来源") {
		t.Fatalf("city authority names a provincial source: %d %s", w.Code, w.Body)
	}
	if el := uscc(); el.Source != "fj-gat" || el.SourceEntry != cf.draft {
		t.Fatalf("a refused change was stored: %+v", el)
	}

	// A department's editor sees the registry with the sources, but no form, and may not
	// post one.
	w = e.page("GET", "/console/elements", editor, "", nil)
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "福建省公安厅<br><code>fj-gat</code>") || !strings.Contains(body, `href="/console/entries/`+cf.draft+`"`) ||
		strings.Contains(body, `action="/console/elements/`) || !strings.Contains(body, `<a href="/console/elements" aria-current="page">数据元</a>`) {
		t.Fatalf("editor's elements page: %d %s", w.Code, body)
	}
	for _, c := range []*http.Cookie{editor, e.login(authReviewer), e.login(pbAdmin)} {
		if w := e.page("POST", "/console/elements/uscc", c, "", url.Values{"org": {""}}); w.Code != 403 {
			t.Errorf("non-manager posts a source: %d", w.Code)
		}
	}
	if el := uscc(); el.Source != "fj-gat" {
		t.Fatalf("a forbidden change was stored: %+v", el)
	}

	// Clearing: no organisation, no entry.
	w = e.page("POST", "/console/elements/uscc", admin, "", url.Values{"org": {""}, "entry": {""}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/elements?cleared=uscc" {
		t.Fatalf("clear: %d %v %s", w.Code, w.Header(), w.Body)
	}
	w = e.page("GET", w.Header().Get("Location"), admin, "", nil)
	if !strings.Contains(w.Body.String(), "已清除数据元“统一社会信用代码”的权威来源单位。") {
		t.Fatalf("after clearing: %s", w.Body)
	}
	if el := uscc(); el.Source != "" || el.SourceEntry != "" {
		t.Fatalf("cleared element: %+v", el)
	}

	// Anonymous visitors are sent to sign in; public users have no registry.
	w = e.page("GET", "/console/elements", nil, "", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fconsole%2Felements" {
		t.Errorf("anonymous: %d %v", w.Code, w.Header())
	}
	if w := e.page("POST", "/console/elements/uscc", nil, "", url.Values{"org": {""}}); w.Code != http.StatusSeeOther {
		t.Errorf("anonymous post: %d", w.Code)
	}
	if w := e.page("GET", "/console/elements", e.login(citizen), "", nil); w.Code != 403 {
		t.Errorf("public user: %d", w.Code)
	}
}
