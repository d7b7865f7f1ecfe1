package pubdata

import (
	"testing"
	"time"
)

func TestImpliedDataLevel(t *testing.T) {
	for _, c := range []struct {
		name  string
		items []Item
		want  string
	}{
		{"no items", nil, ""},
		{"ungraded", []Item{{Name: "a"}}, LevelGeneral},
		{"grade 1", []Item{{Name: "a", Grade: 1}}, LevelGeneral},
		{"grade 3", []Item{{Name: "a", Grade: 1}, {Name: "b", Grade: 3}}, LevelGeneral},
		{"grade 4 (Annex H: still general data)", []Item{{Name: "a", Grade: 4}}, LevelGeneral},
	} {
		if got := ImpliedDataLevel(c.items); got != c.want {
			t.Errorf("%s: ImpliedDataLevel = %q, want %q", c.name, got, c.want)
		}
	}
	// A province that maps its top grade to important data raises the floor.
	saved := GradeLevels[4]
	GradeLevels[4] = LevelImportant
	defer func() { GradeLevels[4] = saved }()
	if got := ImpliedDataLevel([]Item{{Name: "a", Grade: 2}, {Name: "b", Grade: 4}}); got != LevelImportant {
		t.Errorf("grade 4 mapped to important: %q", got)
	}
}

func TestDataLevelRank(t *testing.T) {
	for _, c := range []struct {
		level string
		want  int
	}{{"", 0}, {LevelGeneral, 1}, {LevelImportant, 2}, {LevelCore, 3}, {"secret", -1}} {
		if got := DataLevelRank(c.level); got != c.want {
			t.Errorf("DataLevelRank(%q) = %d, want %d", c.level, got, c.want)
		}
	}
}

func TestValidateGrading(t *testing.T) {
	base := func() *EntryFields {
		return &EntryFields{Title: "企业登记", Category: "3", Format: FormatTable, UpdateCycle: "daily", ShareClass: ClassUnconditional,
			OpenClass: ClassNone, OpenBasis: "涉及商业秘密", Division: "350100", Items: []Item{{Name: "uscc", Title: "统一社会信用代码", Type: "string", Grade: 4}}}
	}
	f := base()
	if err := ValidateEntryFields(f); err != nil || f.DataLevel != "" {
		t.Fatalf("empty level: %v, %q", err, f.DataLevel)
	}
	if DefaultDataLevel(f); f.DataLevel != LevelGeneral {
		t.Fatalf("default level %q", f.DataLevel)
	}
	for _, c := range []struct {
		name  string
		edit  func(*EntryFields)
		field string
	}{
		{"unknown level", func(f *EntryFields) { f.DataLevel = "secret" }, "data_level"},
		{"category too long", func(f *EntryFields) { f.DataCategory = string(make([]rune, 101)) }, "data_category"},
		{"important data opened", func(f *EntryFields) {
			f.DataLevel, f.OpenClass, f.OpenBasis = LevelImportant, ClassUnconditional, ""
		}, "open_class"},
		{"core data opened on conditions", func(f *EntryFields) {
			f.DataLevel, f.OpenClass, f.OpenBasis, f.OpenConditions = LevelCore, ClassConditional, "", "协议"
		}, "open_class"},
	} {
		f := base()
		c.edit(f)
		if _, ok := ErrorFields(ValidateEntryFields(f))[c.field]; !ok {
			t.Errorf("%s: no problem on %s", c.name, c.field)
		}
	}
	f = base()
	f.DataLevel = LevelCore
	if err := ValidateEntryFields(f); err != nil {
		t.Fatalf("core data not opened: %v", err)
	}
	// Below what the items imply.
	saved := GradeLevels[4]
	GradeLevels[4] = LevelImportant
	defer func() { GradeLevels[4] = saved }()
	f = base()
	f.DataLevel = LevelGeneral
	if _, ok := ErrorFields(ValidateEntryFields(f))["data_level"]; !ok {
		t.Fatal("a level below the items' is accepted")
	}
	// A change of level or category is a field of the review's diff.
	a, b := base(), base()
	b.DataLevel, b.DataCategory = LevelImportant, "政务/市场监管"
	got := map[string]bool{}
	for _, c := range DiffEntryFields(*a, *b) {
		got[c.Field] = true
	}
	if !got["data_level"] || !got["data_category"] {
		t.Fatalf("diff %v", got)
	}
}

func TestSystemFiled(t *testing.T) {
	for _, c := range []struct {
		level        int
		number, date string
		want         bool
	}{
		{0, "", "", false},
		{1, "", "", true},
		{2, "", "", false},
		{2, "35010099001-20001", "", false},
		{2, "", "2025-06-18", false},
		{3, "35010099001-20001", "2025-06-18", true},
		{5, "x", "2025-06-18", true},
	} {
		if got := SystemFiled(c.level, c.number, c.date); got != c.want {
			t.Errorf("SystemFiled(%d, %q, %q) = %v, want %v", c.level, c.number, c.date, got, c.want)
		}
	}
}

func TestComplianceSecurityFindings(t *testing.T) {
	now := time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC)
	f := &ComplianceFacts{
		Units: []UnitFact{{Org: "a", Name: "甲", Division: "350100", Published: 1}, {Org: "b", Name: "乙", Division: "350100", Published: 1, SecurityOfficer: "b-admin"}},
		Systems: []SystemFact{
			{ID: "s1", Name: "一", Org: "b", Division: "350100", Level: 0},
			{ID: "s2", Name: "二", Org: "b", Division: "350100", Level: 3, FilingNumber: "x", FiledOn: "2025-01-01"},
			{ID: "s3", Name: "三", Org: "b", Division: "350100", Level: 2},
		},
	}
	var got []string
	for _, x := range ComplianceFindings(f, now) {
		got = append(got, x.Org+" "+x.Ref()+" "+x.Detail)
	}
	want := []string{"a no_security_officer:org:a ", "b system_unfiled:system:s1 0", "b system_unfiled:system:s3 2"}
	if len(got) != len(want) {
		t.Fatalf("findings %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("findings %q, want %q", got, want)
		}
	}
}

func TestCanNameSecurityOfficer(t *testing.T) {
	unit := &Org{Code: "fz-scj", Kind: KindPublicBody, Division: "350100"}
	for _, c := range []struct {
		name string
		a    *Actor
		want bool
	}{
		{"the unit's admin", &Actor{User: &User{Role: RoleAdmin}, Org: unit}, true},
		{"the unit's editor", &Actor{User: &User{Role: RoleEditor}, Org: unit}, false},
		{"the covering authority's admin", &Actor{User: &User{Role: RoleAdmin}, Org: &Org{Code: "fj-dsj", Kind: KindAuthority, Division: "350000"}}, true},
		{"another city's authority", &Actor{User: &User{Role: RoleAdmin}, Org: &Org{Code: "xm-dsj", Kind: KindAuthority, Division: "350200"}}, false},
		{"another unit's admin", &Actor{User: &User{Role: RoleAdmin}, Org: &Org{Code: "fz-gaj", Kind: KindPublicBody, Division: "350100"}}, false},
		{"anonymous", &Actor{}, false},
	} {
		if got := CanNameSecurityOfficer(c.a, unit); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
