package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var catalogueTests = []namedTest{
	{"EntryWorkflow", testEntryWorkflow},
	{"EntryValidation", testEntryValidation},
	{"EntryCodes", testEntryCodes},
	{"EntryVersions", testEntryVersions},
	{"SearchChinese", testSearchChinese},
	{"SearchPartial", testSearchPartial},
	{"SearchFacetsFilters", testSearchFacetsFilters},
	{"SourceFlags", testSourceFlags},
	{"Demands", testDemands},
}

func fields(title, summary string, share, open string) *pubdata.EntryFields {
	f := &pubdata.EntryFields{
		Title: title, Summary: summary, Category: "3", Format: pubdata.FormatTable, UpdateCycle: "daily",
		ShareClass: share, OpenClass: open, Keywords: []string{"企业"},
		Items: []pubdata.Item{{Name: "uscc", Title: "统一社会信用代码", Type: "string", Length: 18, Key: true, Element: "uscc", Grade: 1}},
	}
	switch share {
	case pubdata.ClassConditional:
		f.ShareConditions = "仅限履行法定职责使用"
	case pubdata.ClassNone:
		f.ShareBasis = "《中华人民共和国保守国家秘密法》"
	}
	switch open {
	case pubdata.ClassConditional:
		f.OpenConditions = "须签署数据使用协议"
	case pubdata.ClassNone:
		f.OpenBasis = "涉及商业秘密"
	}
	return f
}

// catalogueSetup: a province with an editor at the market regulator and a reviewer at the
// authority; returns their contexts.
func catalogueSetup(t *testing.T, s *Store) (editor, reviewer context.Context) {
	province(t, s)
	ed := mustUser(t, s, "scj-editor", "fz-scj", pubdata.RoleEditor)
	rv := mustUser(t, s, "dsj-reviewer", "fj-dsj", pubdata.RoleReviewer)
	scj, _ := s.Orgs.FindOrgByCode(system, "fz-scj")
	dsj, _ := s.Orgs.FindOrgByCode(system, "fj-dsj")
	return as(&pubdata.Actor{User: ed, Org: scj}, "r-ed"), as(&pubdata.Actor{User: rv, Org: dsj}, "r-rv")
}

func publish(t *testing.T, s *Store, editor, reviewer context.Context, org string, f *pubdata.EntryFields) *pubdata.Entry {
	t.Helper()
	e, err := s.Entries.CreateEntry(editor, org, "", f)
	if err != nil {
		t.Fatalf("CreateEntry(%s): %v", f.Title, err)
	}
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	e, err = s.Entries.ReviewEntry(reviewer, e.ID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testEntryWorkflow(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e, err := s.Entries.CreateEntry(editor, "fz-scj", "", fields("企业登记信息", "全市企业的登记信息", pubdata.ClassUnconditional, pubdata.ClassConditional))
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != pubdata.StatusDraft || e.Version != 0 || e.Org != "fz-scj" || e.OrgName != "福州市市场监督管理局" || e.Division != "350100" || e.Code != "300000/00001" {
		t.Fatalf("created %+v", e)
	}
	// Not reviewable as a draft; not publishable twice.
	_, err = s.Entries.ReviewEntry(reviewer, e.ID, true, "")
	wantCode(t, err, pubdata.ECONFLICT)
	if _, err := s.Entries.FindPublishedEntry(system, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("draft is published: %v", err)
	}
	e, err = s.Entries.SubmitEntry(editor, e.ID)
	if err != nil || e.Status != pubdata.StatusSubmitted || e.SubmittedAt == nil {
		t.Fatalf("submit: %+v %v", e, err)
	}
	_, err = s.Entries.UpdateEntry(editor, e.ID, fields("x", "", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Entries.ReviewEntry(reviewer, e.ID, false, "")
	wantCode(t, err, pubdata.EINVALID)
	e, err = s.Entries.ReviewEntry(reviewer, e.ID, false, "请补充数据项说明")
	if err != nil || e.Status != pubdata.StatusRejected || e.ReviewComment != "请补充数据项说明" {
		t.Fatalf("reject: %+v %v", e, err)
	}
	// Edited and resubmitted, then approved.
	f := fields("企业登记信息", "全市企业的登记信息，含注销企业", pubdata.ClassUnconditional, pubdata.ClassConditional)
	if e, err = s.Entries.UpdateEntry(editor, e.ID, f); err != nil || e.Status != pubdata.StatusDraft || e.ReviewComment != "" {
		t.Fatalf("update: %+v %v", e, err)
	}
	s.Entries.SubmitEntry(editor, e.ID)
	e, err = s.Entries.ReviewEntry(reviewer, e.ID, true, "同意")
	if err != nil || e.Status != pubdata.StatusPublished || e.Version != 1 || e.PublishedOn == "" {
		t.Fatalf("approve: %+v %v", e, err)
	}
	p, err := s.Entries.FindPublishedEntry(system, e.Code)
	if err != nil || p.ID != e.ID || p.Summary != f.Summary || p.Version != 1 {
		t.Fatalf("published by code: %+v %v", p, err)
	}
	// Retired: gone from the catalogue, kept as a working copy.
	_, err = s.Entries.RetireEntry(editor, e.ID, "")
	wantCode(t, err, pubdata.EINVALID)
	if e, err = s.Entries.RetireEntry(editor, e.ID, "数据已并入其他目录"); err != nil || e.Status != pubdata.StatusRetired {
		t.Fatalf("retire: %+v %v", e, err)
	}
	if _, err := s.Entries.FindPublishedEntry(system, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("retired entry still published: %v", err)
	}
	if r, _ := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: "企业"}); r.Total != 0 {
		t.Fatalf("retired entry found by search")
	}
	_, err = s.Entries.UpdateEntry(editor, e.ID, f)
	wantCode(t, err, pubdata.ECONFLICT)
	// Every step is in the record, with its actor.
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + e.ID})
	var steps []string
	for _, ev := range evs {
		steps = append(steps, ev.Actor+":"+ev.Action)
	}
	// The approval of a table entry also creates its table (in the same transaction).
	want := "scj-editor:entry.retire,dsj-reviewer:entry.approve,dsj-reviewer:data.table_create,scj-editor:entry.submit,scj-editor:entry.edit,dsj-reviewer:entry.reject,scj-editor:entry.submit,scj-editor:entry.create"
	if strings.Join(steps, ",") != want {
		t.Fatalf("record of the entry:\n got %s\nwant %s", strings.Join(steps, ","), want)
	}
	verifyOK(t, s)
}

func testEntryValidation(t *testing.T, s *Store) {
	editor, _ := catalogueSetup(t, s)
	f := fields("企业登记信息", "", pubdata.ClassConditional, pubdata.ClassNone)
	f.ShareConditions, f.OpenBasis = "", ""
	f.Items = append(f.Items, pubdata.Item{Name: "Bad Name", Title: "", Type: "text"})
	_, err := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	wantCode(t, err, pubdata.EINVALID)
	fe := pubdata.ErrorFields(err)
	for _, field := range []string{"share_conditions", "open_basis", "items[1].name", "items[1].title", "items[1].type"} {
		if fe[field] == nil {
			t.Errorf("no error for %s in %v", field, err)
		}
	}
	// A division outside the provider's.
	f = fields("企业登记信息", "", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.Division = "350200"
	_, err = s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if pubdata.ErrorFields(err)["division"] == nil {
		t.Errorf("division outside the provider's: %v", err)
	}
	f.Division = "359999"
	_, err = s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if pubdata.ErrorFields(err)["division"] == nil {
		t.Errorf("unknown division: %v", err)
	}
	if _, total, _, _ := s.Entries.FindEntries(system, pubdata.EntryFilter{}); total != 0 {
		t.Fatalf("%d entries after rejected creates", total)
	}
}

func testEntryCodes(t *testing.T, s *Store) {
	editor, _ := catalogueSetup(t, s)
	f := fields("A", "", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.Category = "301"
	a, err := s.Entries.CreateEntry(editor, "fz-scj", "301000/00002", f)
	if err != nil || a.Code != "301000/00002" {
		t.Fatalf("given code: %+v %v", a, err)
	}
	b, _ := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	c, _ := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if b.Code != "301000/00001" || c.Code != "301000/00003" {
		t.Fatalf("generated codes %s %s; want 00001 then 00003 (00002 was taken by hand)", b.Code, c.Code)
	}
	_, err = s.Entries.CreateEntry(editor, "fz-scj", "301000/00002", f)
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Entries.CreateEntry(editor, "fz-scj", "abc", f)
	if pubdata.ErrorFields(err)["code"] == nil {
		t.Fatalf("bad code: %v", err)
	}
	// Concurrent first uses of a new prefix each get their own code.
	g := fields("B", "", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	g.Category = "2"
	codes := make(chan string, 4)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			f := *g
			e, err := s.Entries.CreateEntry(editor, "fz-scj", "", &f)
			if err != nil {
				errs <- err
				return
			}
			codes <- e.Code
		}()
	}
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		select {
		case err := <-errs:
			t.Fatalf("concurrent CreateEntry: %v", err)
		case c := <-codes:
			if seen[c] {
				t.Fatalf("code %s given twice", c)
			}
			seen[c] = true
		}
	}
	es, total, _, _ := s.Entries.FindEntries(system, pubdata.EntryFilter{Org: "fz-scj", Status: pubdata.StatusDraft, Limit: 2, Q: "A"})
	if total != 3 || len(es) != 2 {
		t.Fatalf("FindEntries total %d, page %d", total, len(es))
	}
}

func testEntryVersions(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", fields("企业登记信息", "v1", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	f := fields("企业登记信息（全量）", "v2", pubdata.ClassUnconditional, pubdata.ClassConditional)
	f.Items = append(f.Items, pubdata.Item{Name: "name", Title: "企业名称", Type: "string"})
	if _, err := s.Entries.UpdateEntry(editor, e.ID, f); err != nil {
		t.Fatal(err)
	}
	// While the change waits, the catalogue shows version 1.
	p, _ := s.Entries.FindPublishedEntry(system, e.ID)
	if p.Version != 1 || p.Summary != "v1" {
		t.Fatalf("published during the edit: %+v", p)
	}
	s.Entries.SubmitEntry(editor, e.ID)
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Entries.FindEntryVersions(system, e.ID)
	if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[0].Reviewer != "dsj-reviewer" {
		t.Fatalf("versions %+v %v", vs, err)
	}
	diff := pubdata.DiffEntryFields(vs[1].Fields, vs[0].Fields)
	var names []string
	for _, d := range diff {
		names = append(names, d.Field)
	}
	if strings.Join(names, ",") != "title,summary,open_class,open_conditions,items.name" {
		t.Fatalf("diff fields %v", names)
	}
	p, _ = s.Entries.FindPublishedEntry(system, e.ID)
	if p.Version != 2 || p.Title != "企业登记信息（全量）" {
		t.Fatalf("published after approval: %+v", p)
	}
	if r, _ := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: "全量"}); r.Total != 1 {
		t.Fatalf("the index was not refreshed for version 2")
	}
}

func testSearchChinese(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	exact := publish(t, s, editor, reviewer, "fz-scj", fields("企业登记信息", "全市企业的基本情况", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	swapped := publish(t, s, editor, reviewer, "fz-scj", fields("登记企业名录", "名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	inSummary := publish(t, s, editor, reviewer, "fz-scj", fields("市场主体年报", "包括企业登记信息的年度报告", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	publish(t, s, editor, reviewer, "fz-scj", fields("Air quality monitoring", "Hourly PM2.5 readings", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	ids := func(q string) []string {
		r, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range r.Items {
			out = append(out, e.Title)
		}
		return out
	}
	// Every entry has the keyword 企业, so all four match part of the query; the words in
	// the title (or keywords) rank above the whole phrase in the summary (issue 11 item 6).
	got := ids("企业登记")
	if len(got) != 4 || got[0] != exact.Title || got[1] != swapped.Title || got[2] != inSummary.Title {
		t.Fatalf("企业登记 → %q; want the exact title first, the swapped words next, the summary match after", got)
	}
	if got := ids("登记"); len(got) != 3 {
		t.Fatalf("two-character word 登记 → %q", got)
	}
	if got := ids("名录"); len(got) != 1 || got[0] != swapped.Title {
		t.Fatalf("名录 → %q", got)
	}
	if got := ids("年"); len(got) != 1 || got[0] != inSummary.Title {
		t.Fatalf("one character 年 → %q (title unigrams)", got)
	}
	if got := ids("AIR Quality"); len(got) != 1 {
		t.Fatalf("English → %q", got)
	}
	if got := ids("统一社会信用代码"); len(got) != 4 {
		t.Fatalf("item titles are searched: %q", got)
	}
	if got := ids("福州市场监督"); len(got) != 4 {
		t.Fatalf("provider names are searched: %q", got)
	}
	if got := ids("不存在的词"); len(got) != 0 {
		t.Fatalf("nonsense → %q", got)
	}
	if got := ids("%_"); len(got) != 0 {
		t.Fatalf("punctuation → %q", got)
	}
}

func testSearchFacetsFilters(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	classes := []string{pubdata.ClassUnconditional, pubdata.ClassConditional, pubdata.ClassNone}
	n := 0
	for _, sc := range classes {
		for _, oc := range classes {
			if sc == pubdata.ClassNone && oc != pubdata.ClassNone {
				continue
			}
			n++
			f := fields(fmt.Sprintf("数据资源%d", n), "", sc, oc)
			if n%2 == 0 {
				f.Keywords = []string{"交通"}
				f.Format = pubdata.FormatService
				f.Items = nil
			}
			publish(t, s, editor, reviewer, "fz-scj", f)
		}
	}
	// One entry of the province's own department.
	gat := mustUser(t, s, "gat-editor", "fj-gat", pubdata.RoleEditor)
	gatOrg, _ := s.Orgs.FindOrgByCode(system, "fj-gat")
	publish(t, s, as(&pubdata.Actor{User: gat, Org: gatOrg}, "r"), reviewer, "fj-gat", fields("人口基本信息", "", pubdata.ClassConditional, pubdata.ClassNone))

	r, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: "数据", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 7 || r.Facets["share_class"]["unconditional"] != 3 || r.Facets["share_class"]["none"] != 1 || r.Facets["open_class"]["none"] != 3 ||
		r.Facets["format"]["service"] != 3 || r.Facets["keyword"]["交通"] != 3 || r.Facets["org"]["fz-scj"] != 7 || r.Facets["division"]["350100"] != 7 {
		t.Fatalf("facets %+v total %d", r.Facets, r.Total)
	}
	total := func(q pubdata.CatalogQuery) int {
		r, err := s.Entries.SearchCatalog(system, q)
		if err != nil {
			t.Fatal(err)
		}
		return r.Total
	}
	if n := total(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}}); n != 4 {
		t.Errorf("open catalogue: %d, want 4", n)
	}
	if n := total(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.ShareCatalog}}); n != 7 {
		t.Errorf("share catalogue: %d, want 7", n)
	}
	if n := total(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "org", Values: []string{"fz-scj"}, Negate: true}}}); n != 1 {
		t.Errorf("-org:fz-scj: %d", n)
	}
	if n := total(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "keyword", Values: []string{"交通"}}, {Field: "share_class", Values: []string{"conditional", "none"}}}}); n != 2 {
		t.Errorf("keyword AND class OR: %d", n)
	}
	if n := total(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "category", Values: []string{"3"}}}}); n != 8 {
		t.Errorf("category 3 (with its sub-categories): %d", n)
	}
	if n := total(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "category", Values: []string{"301"}}}}); n != 0 {
		t.Errorf("category 301: %d", n)
	}
	// Hierarchy: the city's catalogue and the province's.
	if n := total(pubdata.CatalogQuery{DivisionPrefix: "3501"}); n != 7 {
		t.Errorf("city catalogue: %d", n)
	}
	if n := total(pubdata.CatalogQuery{DivisionPrefix: "35"}); n != 8 {
		t.Errorf("province catalogue: %d", n)
	}
	// The stored counts (no text, class filters only) equal the counts of the matching rows
	// (forced by a division filter that every entry passes), before and after a retirement.
	same := func(filters []pubdata.CatalogFilter) {
		t.Helper()
		stored, err1 := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Filters: filters, Facets: true})
		counted, err2 := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Filters: filters, Facets: true, DivisionPrefix: "35"})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if stored.Total != counted.Total || fmt.Sprint(stored.Facets) != fmt.Sprint(counted.Facets) {
			t.Errorf("filters %v: stored counts %d %v\ncounted %d %v", filters, stored.Total, stored.Facets, counted.Total, counted.Facets)
		}
	}
	same(nil)
	same([]pubdata.CatalogFilter{pubdata.OpenCatalog})
	same([]pubdata.CatalogFilter{pubdata.ShareCatalog, {Field: "open_class", Values: []string{"none"}}})
	r, _ = s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: "数据资源1"})
	if _, err := s.Entries.RetireEntry(editor, r.Items[0].ID, "测试"); err != nil {
		t.Fatal(err)
	}
	same(nil)
	same([]pubdata.CatalogFilter{pubdata.OpenCatalog})
	if n := total(pubdata.CatalogQuery{}); n != 7 {
		t.Errorf("after retiring one: %d", n)
	}
	// Paging.
	page, _ := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Sort: "title", Limit: 3, Offset: 6})
	if page.Total != 7 || len(page.Items) != 1 {
		t.Errorf("page 3: %d of %d", len(page.Items), page.Total)
	}
	_, err = s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "title; DROP TABLE catalog", Values: []string{"x"}}}})
	wantCode(t, err, pubdata.EINVALID)
}

func testSourceFlags(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	gat := mustUser(t, s, "gat-editor", "fj-gat", pubdata.RoleEditor)
	gatOrg, _ := s.Orgs.FindOrgByCode(system, "fj-gat")
	gatCtx := as(&pubdata.Actor{User: gat, Org: gatOrg}, "r")
	src := fields("人口基本信息", "", pubdata.ClassConditional, pubdata.ClassNone)
	src.Items = []pubdata.Item{{Name: "sfzh", Title: "公民身份号码", Type: "string", Key: true, Element: "resident_id", Grade: 3, Personal: true}}
	pop := publish(t, s, gatCtx, reviewer, "fj-gat", src)
	if _, err := s.Elements.SetElementSource(reviewer, "resident_id", "fj-gat", pop.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Elements.SetElementSource(reviewer, "resident_id", "fz-scj", pop.ID)
	if pubdata.ErrorFields(err)["entry"] == nil {
		t.Fatalf("source entry of another org accepted: %v", err)
	}
	_, err = s.Elements.SetElementSource(reviewer, "nope", "", "")
	wantCode(t, err, pubdata.ENOTFOUND)

	f := fields("个体工商户登记", "", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.Items = append(f.Items, pubdata.Item{Name: "owner_id", Title: "经营者身份证号", Type: "string", Element: "resident_id", Personal: true})
	e, _ := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	e, err = s.Entries.SubmitEntry(editor, e.ID)
	if err != nil || len(e.Flags) != 1 {
		t.Fatalf("flags %+v %v", e.Flags, err)
	}
	fl := e.Flags[0]
	if fl.Item != "owner_id" || fl.Source != "fj-gat" || fl.SourceName != "福建省公安厅" || fl.SourceEntry != pop.ID || fl.EntryTitle != "人口基本信息" {
		t.Fatalf("flag %+v", fl)
	}
	// The authoritative provider itself is not flagged.
	g, _ := s.Entries.CreateEntry(gatCtx, "fj-gat", "", src)
	if g, _ = s.Entries.SubmitEntry(gatCtx, g.ID); len(g.Flags) != 0 {
		t.Fatalf("source flagged against itself: %+v", g.Flags)
	}
	els, _ := s.Elements.FindElements(system)
	if len(els) < 8 {
		t.Fatalf("%d seeded elements", len(els))
	}
}

func testDemands(t *testing.T, s *Store) {
	ds, total, next, err := s.Demands.FindDemands(system, 0, "")
	if err != nil || total != 0 || len(ds) != 0 || next != "" {
		t.Fatalf("demands %v %d %q %v", ds, total, next, err)
	}
}

// testSearchPartial: partial matches rank instead of failing, synonyms and English words
// find Chinese titles, a data item's title does not outrank an entry's title, and the
// popular order (issue 11 item 6).
func testSearchPartial(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	entry := func(title string, keywords []string, items ...string) *pubdata.Entry {
		f := fields(title, "", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
		f.Keywords = keywords
		f.Items = nil
		for i, it := range items {
			f.Items = append(f.Items, pubdata.Item{Name: fmt.Sprintf("item%d", i), Title: it, Type: "string", Length: 18})
		}
		return publish(t, s, editor, reviewer, "fz-scj", f)
	}
	bus := entry("公交站点信息", []string{"公交", "站点", "出行"}, "站点编号", "站点名称")
	doctor := entry("执业医师注册信息", []string{"医师", "执业注册"}, "医师执业证书编码")
	credit := entry("企业信用评价结果", []string{"信用"}, "企业名称")
	road := entry("道路运输经营许可信息", []string{"道路运输"}, "统一社会信用代码", "经营范围")
	titles := func(q pubdata.CatalogQuery) []string {
		t.Helper()
		r, err := s.Entries.SearchCatalog(system, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, e := range r.Items {
			out = append(out, e.Title)
		}
		if r.Total != len(out) {
			t.Fatalf("%+v: total %d for %d items", q, r.Total, len(out))
		}
		return out
	}
	first := func(q string, want *pubdata.Entry) {
		t.Helper()
		if got := titles(pubdata.CatalogQuery{Q: q}); len(got) == 0 || got[0] != want.Title {
			t.Errorf("%s → %q; want %s first", q, got, want.Title)
		}
	}
	first("公交车站", bus) // 公交 in the title, 车站 a synonym of 站点
	first("bus", bus)  // English through the synonym table
	first("Bus stop", bus)
	first("医生", doctor)
	first("doctor", doctor)
	first("卫医", doctor) // no word matches: the single characters are tried
	// 信用 is in the credit entry's title and in a data item of the road entry: both are
	// found, the title first; in titles only, the item's match does not count.
	if got := titles(pubdata.CatalogQuery{Q: "信用"}); len(got) != 2 || got[0] != credit.Title || got[1] != road.Title {
		t.Errorf("信用 → %q; want the title match first, the item match after", got)
	}
	if got := titles(pubdata.CatalogQuery{Q: "信用代码"}); len(got) != 2 || got[0] != credit.Title {
		t.Errorf("信用代码 → %q; want the title's 信用 above the item's whole phrase", got)
	}
	if got := titles(pubdata.CatalogQuery{Q: "信用", InTitle: true}); len(got) != 1 || got[0] != credit.Title {
		t.Errorf("信用 in titles → %q", got)
	}
	if got := titles(pubdata.CatalogQuery{Q: "不存在"}); len(got) != 0 {
		t.Errorf("不存在 → %q", got)
	}
	if s.Usage == nil {
		return
	}
	// Popular: views and downloads, the most used first; unused entries by modification.
	day := pubdata.UsageDay(time.Now())
	if err := s.Usage.AddUsage(system, []pubdata.UsageCount{
		{Day: day, Entry: road.ID, Provider: "fz-scj", Kind: pubdata.UseView, N: 5},
		{Day: day, Entry: road.ID, Provider: "fz-scj", Kind: pubdata.UseDownload, N: 1},
		{Day: day, Entry: doctor.ID, Provider: "fz-scj", Kind: pubdata.UseDownload, N: 9},
		{Day: day, Entry: bus.ID, Provider: "fz-scj", Kind: pubdata.UseAPICall, N: 100},
	}); err != nil {
		t.Fatal(err)
	}
	got := titles(pubdata.CatalogQuery{Sort: "popular"})
	if len(got) != 4 || got[0] != doctor.Title || got[1] != road.Title {
		t.Errorf("popular → %q; want 执业医师注册信息 (9) then 道路运输经营许可信息 (6)", got)
	}
}
