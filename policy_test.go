package pubdata_test

import (
	"fmt"
	"testing"

	"github.com/pubdata/pubdata"
)

func actor(kind pubdata.OrgKind, code, div string, role pubdata.Role) *pubdata.Actor {
	return &pubdata.Actor{User: &pubdata.User{Username: code + "-" + string(role), OrgCode: code, Role: role}, Org: &pubdata.Org{Code: code, Kind: kind, Division: div}}
}

func TestCan(t *testing.T) {
	prov := func(r pubdata.Role) *pubdata.Actor { return actor(pubdata.KindAuthority, "fj-dsj", "350000", r) }
	city := func(r pubdata.Role) *pubdata.Actor { return actor(pubdata.KindAuthority, "fz-dsj", "350100", r) }
	dept := func(r pubdata.Role) *pubdata.Actor { return actor(pubdata.KindPublicBody, "fj-gat", "350000", r) }
	public := &pubdata.Actor{User: &pubdata.User{Username: "citizen"}}
	anon := &pubdata.Actor{}
	gat := &pubdata.Org{Code: "fj-gat", Kind: pubdata.KindPublicBody, Division: "350000"}
	fzOrg := &pubdata.Org{Code: "fz-scj", Kind: pubdata.KindPublicBody, Division: "350102"}
	xmOrg := &pubdata.Org{Code: "xm-scj", Kind: pubdata.KindPublicBody, Division: "350200"}
	gdOrg := &pubdata.Org{Code: "gd-x", Kind: pubdata.KindPublicBody, Division: "440000"}

	type row struct {
		a      *pubdata.Actor
		action pubdata.Action
		target *pubdata.Org
		want   bool
	}
	rows := []row{
		{prov(pubdata.RoleAdmin), pubdata.ActionOrgCreate, gat, true},
		{prov(pubdata.RoleAdmin), pubdata.ActionOrgCreate, xmOrg, true},
		{prov(pubdata.RoleAdmin), pubdata.ActionOrgCreate, gdOrg, false},
		{city(pubdata.RoleAdmin), pubdata.ActionOrgCreate, fzOrg, true},
		{city(pubdata.RoleAdmin), pubdata.ActionOrgCreate, xmOrg, false},
		{city(pubdata.RoleAdmin), pubdata.ActionOrgCreate, gat, false},
		{dept(pubdata.RoleAdmin), pubdata.ActionOrgCreate, gat, false},
		{prov(pubdata.RoleAdmin), pubdata.ActionUserCreate, nil, true},
		{city(pubdata.RoleAdmin), pubdata.ActionUserCreate, nil, false},
		{city(pubdata.RoleAdmin), pubdata.ActionUserCreate, fzOrg, true},
		{city(pubdata.RoleAdmin), pubdata.ActionUserList, xmOrg, false},
		{dept(pubdata.RoleAdmin), pubdata.ActionUserCreate, gat, true},
		{dept(pubdata.RoleAdmin), pubdata.ActionUserList, gat, true},
		{dept(pubdata.RoleAdmin), pubdata.ActionUserList, fzOrg, false},
		{dept(pubdata.RoleAdmin), pubdata.ActionUserList, nil, false},
		{prov(pubdata.RoleAdmin), pubdata.ActionAuditRead, nil, true},
		{prov(pubdata.RoleReviewer), pubdata.ActionAuditRead, nil, true},
		{city(pubdata.RoleReviewer), pubdata.ActionAuditRead, nil, true},
		{dept(pubdata.RoleAdmin), pubdata.ActionAuditRead, nil, false},
	}
	for _, r := range []pubdata.Role{pubdata.RoleEditor, pubdata.RoleReviewer, pubdata.RoleMember} {
		rows = append(rows,
			row{prov(r), pubdata.ActionOrgCreate, gat, false},
			row{prov(r), pubdata.ActionUserCreate, gat, false},
			row{prov(r), pubdata.ActionUserList, gat, false},
			row{dept(r), pubdata.ActionUserList, gat, false},
			row{dept(r), pubdata.ActionAuditRead, nil, false})
	}
	for _, a := range []*pubdata.Actor{public, anon, nil} {
		for _, act := range []pubdata.Action{pubdata.ActionOrgCreate, pubdata.ActionUserCreate, pubdata.ActionUserList, pubdata.ActionAuditRead} {
			rows = append(rows, row{a, act, gat, false}, row{a, act, nil, false})
		}
	}
	rows = append(rows, row{prov(pubdata.RoleEditor), pubdata.ActionAuditRead, nil, false}, row{prov(pubdata.RoleMember), pubdata.ActionAuditRead, nil, false})
	for i, r := range rows {
		if got := pubdata.Can(r.a, r.action, r.target); got != r.want {
			t.Errorf("row %d: Can(%s, %s, %v) = %v, want %v", i, r.a.Username(), r.action, r.target, got, r.want)
		}
	}
}

func TestDivisionCovers(t *testing.T) {
	for _, tc := range []struct {
		outer, inner string
		want         bool
	}{
		{"350000", "350000", true}, {"350000", "350102", true}, {"350000", "440000", false},
		{"350100", "350102", true}, {"350100", "350200", false}, {"350100", "350000", false},
		{"350102", "350102", true}, {"350102", "350103", false}, {"35", "350000", false},
	} {
		if got := pubdata.DivisionCovers(tc.outer, tc.inner); got != tc.want {
			t.Errorf("DivisionCovers(%s, %s) = %v", tc.outer, tc.inner, got)
		}
	}
	sc := pubdata.AuthorityScope(actor(pubdata.KindAuthority, "x", "350100", pubdata.RoleAdmin))
	if sc.DivisionPrefix != "3501" || sc.IncludeNoOrg {
		t.Errorf("city scope = %+v", sc)
	}
}

func TestLockoutAndLimits(t *testing.T) {
	for in, want := range map[int]int{0: 50, 1: 1, 1000: 1000} {
		if got, err := pubdata.PageLimit(in); err != nil || got != want {
			t.Errorf("PageLimit(%d) = %d, %v", in, got, err)
		}
	}
	for _, in := range []int{-1, 1001} {
		if _, err := pubdata.PageLimit(in); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Errorf("PageLimit(%d) = %v", in, err)
		}
	}
}

func TestErrors(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", pubdata.Errorf(pubdata.ECONFLICT, "Taken."))
	if pubdata.ErrorCode(err) != pubdata.ECONFLICT || pubdata.ErrorMessage(err) != "Taken." {
		t.Errorf("wrapped error: %q %q", pubdata.ErrorCode(err), pubdata.ErrorMessage(err))
	}
	plain := fmt.Errorf("db down")
	if pubdata.ErrorCode(plain) != pubdata.EINTERNAL || pubdata.ErrorMessage(plain) != "Internal error." {
		t.Error("a plain error must be internal and hide its text")
	}
}

func TestValidateEntry(t *testing.T) {
	known := func(code string) error {
		if code == "359999" {
			return pubdata.Errorf(pubdata.EINVALID, "Division code %q is not in GB/T 2260 (2024).", code)
		}
		return nil
	}
	city := &pubdata.Org{Code: "fz", Division: "350100"}
	f := &pubdata.EntryFields{Title: "t", Category: "3", Format: "file", UpdateCycle: "daily", ShareClass: "conditional", OpenClass: "none", OpenBasis: "b"}
	err := pubdata.ValidateEntry(city, f, known)
	if f.Division != "350100" {
		t.Errorf("division did not default to the provider's: %q", f.Division)
	}
	if fe := pubdata.ErrorFields(err); len(fe) != 1 || fe["share_conditions"] == nil {
		t.Errorf("fields %v", fe)
	}
	f.Division = "350200"
	if fe := pubdata.ErrorFields(pubdata.ValidateEntry(city, f, known)); len(fe) != 2 || fe["division"] == nil || fe["share_conditions"] == nil {
		t.Errorf("outside division: fields %v", fe)
	}
	f.ShareConditions, f.Division = "c", "359999"
	if fe := pubdata.ErrorFields(pubdata.ValidateEntry(city, f, known)); len(fe) != 1 || fe["division"] == nil {
		t.Errorf("unknown division: fields %v", fe)
	}
	f.Division = "350102"
	if err := pubdata.ValidateEntry(city, f, known); err != nil {
		t.Errorf("valid entry: %v", err)
	}
}
