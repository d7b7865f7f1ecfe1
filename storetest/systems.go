package storetest

import (
	"slices"
	"testing"

	"github.com/pubdata/pubdata"
)

var systemTests = []namedTest{
	{"Systems", testSystems},
	{"SystemConnections", testSystemConnections},
}

func unconnected(t *testing.T, s *Store, division string) []string {
	t.Helper()
	facts, _, err := s.Systems.Connections(system, division, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range pubdata.UnconnectedByUnit(facts) {
		for _, e := range u.Unconnected {
			out = append(out, u.Org+" "+e.Title)
		}
	}
	return out
}

func systemsSetup(t *testing.T, s *Store) (*pubdata.Entry, *pubdata.Entry, *pubdata.Entry) {
	t.Helper()
	if s.Systems == nil {
		t.Fatal("the store under test must provide its systems register (storetest.Store)")
	}
	editor, reviewer := catalogueSetup(t, s)
	gu := mustUser(t, s, "gat-editor", "fj-gat", pubdata.RoleEditor)
	gat, _ := s.Orgs.FindOrgByCode(system, "fj-gat")
	gatEditor := as(&pubdata.Actor{User: gu, Org: gat}, "r-gat")
	f1, f2, f3 := companyFields(), companyFields(), companyFields()
	f1.Title, f2.Title, f3.Title = "企业登记信息", "企业年报信息", "户籍人口信息"
	return publish(t, s, editor, reviewer, "fz-scj", f1), publish(t, s, editor, reviewer, "fz-scj", f2), publish(t, s, gatEditor, reviewer, "fj-gat", f3)
}

// testSystems: a unit's systems are created, read, changed and deleted, each change
// recorded; the ids a system lists must be the unit's.
func testSystems(t *testing.T, s *Store) {
	e1, e2, e3 := systemsSetup(t, s)
	editor, _ := catalogueSetup2(t, s)
	ed, _ := s.Users.FindUserByUsername(system, "scj-editor")
	tok, _, err := s.Tokens.CreateToken(system, ed.ID, "网上办事大厅推送", 0)
	if err != nil {
		t.Fatal(err)
	}
	gu, _ := s.Users.FindUserByUsername(system, "gat-editor")
	gtok, _, err := s.Tokens.CreateToken(system, gu.ID, "户籍系统", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Systems.CreateSystem(editor, &pubdata.InformationSystem{Org: "fz-scj", Name: " ", Owner: "", Kind: "sideways"})
	wantCode(t, err, pubdata.EINVALID)
	if fs := pubdata.ErrorFields(err); fs["name"] == nil || fs["owner"] == nil || fs["kind"] == nil {
		t.Fatalf("problems %v, want name, owner and kind", fs)
	}
	for field, sys := range map[string]*pubdata.InformationSystem{
		"entries":      {Org: "fz-scj", Name: "x", Owner: "王五", Entries: []string{e3.ID}},
		"tokens":       {Org: "fz-scj", Name: "x", Owner: "王五", Tokens: []string{gtok.ID}},
		"pull_sources": {Org: "fz-scj", Name: "x", Owner: "王五", PullSources: []string{"nope"}},
	} {
		_, err := s.Systems.CreateSystem(editor, sys)
		wantCode(t, err, pubdata.EINVALID)
		if fs := pubdata.ErrorFields(err); fs[field] == nil {
			t.Fatalf("another unit's %s: problems %v", field, fs)
		}
	}
	sys, err := s.Systems.CreateSystem(editor, &pubdata.InformationSystem{Org: "fz-scj", Name: " 市场主体登记系统 ", Owner: "张三", Kind: pubdata.SystemFeeds,
		Tokens: []string{tok.ID}, Entries: []string{e1.ID, e1.ID, e2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if sys.Name != "市场主体登记系统" || !slices.Equal(sys.Entries, []string{e1.ID, e2.ID}) || sys.CreatedAt.IsZero() {
		t.Fatalf("created %+v", sys)
	}
	got, err := s.Systems.FindSystemByID(system, sys.ID)
	if err != nil || got.Owner != "张三" || !slices.Equal(got.Tokens, []string{tok.ID}) || len(got.Entries) != 2 || !got.CreatedAt.Equal(sys.CreatedAt) {
		t.Fatalf("FindSystemByID = %+v, %v", got, err)
	}
	if _, err := s.Systems.CreateSystem(editor, &pubdata.InformationSystem{Org: "fz-scj", Name: "办件统计", Owner: "李四", Kind: pubdata.SystemUses}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Systems.FindSystems(system, "fz-scj")
	if err != nil || len(list) != 2 || list[0].Name != "办件统计" || len(list[0].Entries) != 0 || len(list[1].Entries) != 2 {
		t.Fatalf("FindSystems = %v, %v", list, err)
	}
	if other, _ := s.Systems.FindSystems(system, "fj-gat"); len(other) != 0 {
		t.Fatalf("fj-gat's systems: %v", other)
	}
	ch, err := s.Systems.SystemChoices(system, "fz-scj")
	if err != nil || len(ch.Entries) != 2 || len(ch.PullSources) != 0 || !slices.ContainsFunc(ch.Tokens, func(c pubdata.SystemChoice) bool { return c.ID == tok.ID }) ||
		slices.ContainsFunc(ch.Tokens, func(c pubdata.SystemChoice) bool { return c.ID == gtok.ID }) {
		t.Fatalf("SystemChoices = %+v, %v", ch, err)
	}
	up, err := s.Systems.UpdateSystem(editor, &pubdata.InformationSystem{ID: sys.ID, Org: "fj-gat", Name: "市场主体登记系统（新）", Owner: "张三", Kind: pubdata.SystemBoth, Entries: []string{e2.ID}})
	if err != nil || up.Org != "fz-scj" || up.Kind != pubdata.SystemBoth || !slices.Equal(up.Entries, []string{e2.ID}) || len(up.Tokens) != 0 {
		t.Fatalf("UpdateSystem = %+v, %v", up, err)
	}
	got, _ = s.Systems.FindSystemByID(system, sys.ID)
	if !slices.Equal(got.Entries, []string{e2.ID}) || got.Name != "市场主体登记系统（新）" {
		t.Fatalf("after update %+v", got)
	}
	_, err = s.Systems.UpdateSystem(editor, &pubdata.InformationSystem{ID: "nope", Name: "x", Owner: "y"})
	wantCode(t, err, pubdata.ENOTFOUND)
	_, err = s.Systems.UpdateSystem(editor, &pubdata.InformationSystem{ID: sys.ID, Name: "x", Owner: "y", Entries: []string{e3.ID}})
	wantCode(t, err, pubdata.EINVALID)
	if err := s.Systems.DeleteSystem(editor, sys.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Systems.FindSystemByID(system, sys.ID)
	wantCode(t, err, pubdata.ENOTFOUND)
	wantCode(t, s.Systems.DeleteSystem(editor, sys.ID), pubdata.ENOTFOUND)
	for _, action := range []string{"system.create", "system.update", "system.delete"} {
		evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: action, Object: "system:" + sys.ID})
		if err != nil || len(evs) != 1 || evs[0].Actor != "scj-editor" || evs[0].Org != "fz-scj" || evs[0].Division != "350100" {
			t.Fatalf("%s events %+v, %v", action, evs, err)
		}
	}
}

// testSystemConnections: an entry is connected when a system lists it, it has a pull
// source, or a push batch loaded it; a city's board holds its city's units only; the
// facts are bounded.
func testSystemConnections(t *testing.T, s *Store) {
	e1, e2, _ := systemsSetup(t, s)
	editor, _ := catalogueSetup2(t, s)
	all := []string{"fj-gat 户籍人口信息", "fz-scj 企业年报信息", "fz-scj 企业登记信息"}
	if got := unconnected(t, s, "350000"); !slices.Equal(got, all) {
		t.Fatalf("province: %q, want %q", got, all)
	}
	if got := unconnected(t, s, "350100"); !slices.Equal(got, all[1:]) {
		t.Fatalf("city: %q", got)
	}
	if got := unconnected(t, s, "350200"); len(got) != 0 {
		t.Fatalf("another city: %q", got)
	}
	facts, more, err := s.Systems.Connections(system, "350000", 2)
	if err != nil || len(facts) != 2 || !more {
		t.Fatalf("bounded: %d facts, more %v, %v", len(facts), more, err)
	}
	sys, err := s.Systems.CreateSystem(editor, &pubdata.InformationSystem{Org: "fz-scj", Name: "登记系统", Owner: "张三", Entries: []string{e1.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if got := unconnected(t, s, "350000"); !slices.Equal(got, []string{"fj-gat 户籍人口信息", "fz-scj 企业年报信息"}) {
		t.Fatalf("listed: %q", got)
	}
	p, err := s.Entries.FindPublishedEntry(system, e2.ID)
	if err != nil {
		t.Fatal(err)
	}
	load(t, s, editor, p, pubdata.LoadOptions{Mode: pubdata.ModeUpsert, Source: pubdata.SourcePush}, row(2, uA, "甲公司", 1.0, int64(1), true, "2001-02-03"))
	if got := unconnected(t, s, "350000"); !slices.Equal(got, []string{"fj-gat 户籍人口信息"}) {
		t.Fatalf("pushed: %q", got)
	}
	facts, _, _ = s.Systems.Connections(system, "350100", 0)
	for _, f := range facts {
		if (f.Entry == e1.ID) != f.Listed || (f.Entry == e2.ID) != f.Pushed || f.Pulled || f.Division != "350100" || f.OrgName == "" {
			t.Fatalf("fact %+v", f)
		}
	}
	if err := s.Systems.DeleteSystem(editor, sys.ID); err != nil {
		t.Fatal(err)
	}
	if got := unconnected(t, s, "350100"); !slices.Equal(got, []string{"fz-scj 企业登记信息"}) {
		t.Fatalf("after delete: %q", got)
	}
}
