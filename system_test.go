package pubdata

import (
	"slices"
	"strings"
	"testing"
)

func TestValidateSystem(t *testing.T) {
	s := &InformationSystem{Name: "  登记系统 ", Owner: " 张三 ", Entries: []string{" a ", "a", "", "b"}}
	NormalizeSystem(s)
	if err := ValidateSystem(s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "登记系统" || s.Owner != "张三" || s.Kind != SystemFeeds || !slices.Equal(s.Entries, []string{"a", "b"}) || s.Tokens == nil {
		t.Fatalf("normalised %+v", s)
	}
	bad := &InformationSystem{Name: strings.Repeat("名", MaxSystemName+1), Description: strings.Repeat("x", MaxSystemDescription+1), Kind: "sideways",
		Tokens: make([]string, MaxSystemLinks+1)}
	for i := range bad.Tokens {
		bad.Tokens[i] = string(rune('a'+i%26)) + strings.Repeat("x", i)
	}
	NormalizeSystem(bad)
	fs := ErrorFields(ValidateSystem(bad))
	for _, f := range []string{"name", "description", "owner", "kind", "tokens"} {
		if fs[f] == nil || fs[f].Msg == nil {
			t.Errorf("no keyed problem for %s: %v", f, fs)
		}
	}
	if e := UnknownSystemLink("entries", "x"); e.Field != "entries" || e.Code != EINVALID || e.Msg.Key != "error.system.unknown_link" {
		t.Fatalf("unknown link %+v", e)
	}
}

func TestSystemsWho(t *testing.T) {
	gat := &Org{Code: "fj-gat", Kind: KindPublicBody, Division: "350000"}
	scj := &Org{Code: "fz-scj", Kind: KindPublicBody, Division: "350100"}
	prov := &Org{Code: "fj-dsj", Kind: KindAuthority, Division: "350000"}
	city := &Org{Code: "fz-dsj", Kind: KindAuthority, Division: "350100"}
	user := func(o *Org, r Role) *Actor { return &Actor{User: &User{Username: "u", Role: r}, Org: o} }
	for _, c := range []struct {
		a         *Actor
		edit, see bool
		board     bool
		name      string
	}{
		{user(gat, RoleAdmin), true, true, false, "the unit's admin"},
		{user(gat, RoleEditor), true, true, false, "the unit's editor"},
		{user(gat, RoleMember), false, true, false, "the unit's member"},
		{user(scj, RoleEditor), false, false, false, "another unit's editor"},
		{user(prov, RoleAdmin), false, true, true, "the province's authority"},
		{user(city, RoleAdmin), false, false, false, "a city authority on a provincial unit"},
		{&Actor{User: &User{Username: "c"}}, false, false, false, "a citizen"},
		{&Actor{}, false, false, false, "anonymous"},
	} {
		if got := CanEditSystems(c.a, gat.Code); got != c.edit {
			t.Errorf("%s: edit %v", c.name, got)
		}
		if got := CanSeeSystems(c.a, gat); got != c.see {
			t.Errorf("%s: see %v", c.name, got)
		}
		if got := CanSeeUnconnected(c.a, "350000"); got != c.board {
			t.Errorf("%s: board %v", c.name, got)
		}
	}
	if !CanSeeUnconnected(user(city, RoleMember), "350100") {
		t.Error("a city authority's board of its city")
	}
}

func TestUnconnectedEntries(t *testing.T) {
	es := []EntryConnection{
		{Entry: "e1", Org: "a", Title: "listed elsewhere", Listed: true},
		{Entry: "e2", Org: "a", Title: "pulled", Pulled: true},
		{Entry: "e3", Org: "a", Title: "pushed", Pushed: true},
		{Entry: "e4", Org: "a", Title: "in the unit's system"},
		{Entry: "e5", Org: "a", Title: "alone"},
		{Entry: "e6", Org: "b", Title: "b's"},
		{Entry: "e7", Org: "c", Title: "c's", Pulled: true},
	}
	got := UnconnectedEntries(es[:5], []*InformationSystem{{Entries: []string{"e4"}}})
	if len(got) != 1 || got[0].Entry != "e5" {
		t.Fatalf("unconnected %+v", got)
	}
	units := UnconnectedByUnit(es)
	if len(units) != 2 || units[0].Org != "a" || units[0].Catalogued != 5 || len(units[0].Unconnected) != 2 || units[1].Org != "b" || units[1].Catalogued != 1 {
		t.Fatalf("by unit %+v", units)
	}
}
