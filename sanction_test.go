package pubdata

import "testing"

func TestNextOrgStatus(t *testing.T) {
	for _, tc := range []struct {
		from   string
		action OrgAction
		want   string // "" : refused (ECONFLICT)
	}{
		{"", OrgSuspend, OrgSuspended}, {OrgActive, OrgSuspend, OrgSuspended}, {OrgSuspended, OrgSuspend, ""},
		{OrgSuspended, OrgResume, OrgActive}, {OrgActive, OrgResume, ""},
		{OrgActive, OrgTerminate, OrgTerminated}, {OrgSuspended, OrgTerminate, OrgTerminated},
		{OrgTerminated, OrgResume, ""}, {OrgTerminated, OrgSuspend, ""}, {OrgTerminated, OrgTerminate, ""},
	} {
		got, err := NextOrgStatus(tc.from, tc.action)
		if got != tc.want || (tc.want == "") != (ErrorCode(err) == ECONFLICT) {
			t.Errorf("NextOrgStatus(%q, %s) = %q, %v; want %q", tc.from, tc.action, got, err, tc.want)
		}
	}
}

func TestCanSanctionOrg(t *testing.T) {
	actor := func(kind OrgKind, code, div string, role Role) *Actor {
		return &Actor{User: &User{Username: "u", Role: role}, Org: &Org{Code: code, Kind: kind, Division: div}}
	}
	city := &Org{Code: "fz-scj", Kind: KindPublicBody, Division: "350100"}
	for _, tc := range []struct {
		a    *Actor
		o    *Org
		want bool
	}{
		{actor(KindAuthority, "fj-dsj", "350000", RoleAdmin), city, true},
		{actor(KindAuthority, "fz-dsj", "350100", RoleAdmin), city, true},
		{actor(KindAuthority, "xm-dsj", "350200", RoleAdmin), city, false},    // not covering
		{actor(KindAuthority, "fj-dsj", "350000", RoleReviewer), city, false}, // not an admin
		{actor(KindPublicBody, "fj-gat", "350000", RoleAdmin), city, false},   // not an authority
		{actor(KindAuthority, "fz-scj", "350100", RoleAdmin), city, false},    // itself
		{&Actor{}, city, false},
	} {
		if got := CanSanctionOrg(tc.a, tc.o); got != tc.want {
			t.Errorf("CanSanctionOrg(%+v) = %v", tc.a.Org, got)
		}
	}
	if _, err := ValidateSanctionReason(" "); ErrorCode(err) != EINVALID {
		t.Error("empty reason accepted")
	}
}
