package pubdata

import "testing"

// TestScopes: the list filters by the actor's part, and who may not list what.
func TestScopes(t *testing.T) {
	org := func(code string, kind OrgKind, div string) *Org { return &Org{Code: code, Kind: kind, Division: div} }
	actor := func(name string, o *Org, role Role) *Actor {
		a := &Actor{User: &User{Username: name, Role: role}, Org: o}
		if o != nil {
			a.User.OrgCode = o.Code
		}
		return a
	}
	var (
		anon      = &Actor{}
		citizen   = actor("c", nil, "")
		company   = actor("co", org("co", KindCompany, "350102"), RoleAdmin)
		pbMember  = actor("m", org("gat", KindPublicBody, "350000"), RoleMember)
		pbAdmin   = actor("a", org("gat", KindPublicBody, "350000"), RoleAdmin)
		cityAuth  = actor("fz", org("fz-dsj", KindAuthority, "350100"), RoleReviewer)
		provAdmin = actor("fj", org("fj-dsj", KindAuthority, "350000"), RoleAdmin)
	)
	for _, tc := range []struct {
		name  string
		a     *Actor
		scope string
		want  ApplicationFilter
		code  string
	}{
		{"anonymous", anon, "", ApplicationFilter{}, EFORBIDDEN},
		{"citizen mine", citizen, "", ApplicationFilter{Applicant: "c"}, ""},
		{"citizen incoming", citizen, ScopeIncoming, ApplicationFilter{}, EFORBIDDEN},
		{"company incoming", company, ScopeIncoming, ApplicationFilter{}, EFORBIDDEN},
		{"company admin mine", company, ScopeMine, ApplicationFilter{ApplicantOrg: "co"}, ""},
		{"member mine", pbMember, ScopeMine, ApplicationFilter{Applicant: "m"}, ""},
		{"admin mine", pbAdmin, ScopeMine, ApplicationFilter{ApplicantOrg: "gat"}, ""},
		{"member incoming", pbMember, ScopeIncoming, ApplicationFilter{Provider: "gat"}, ""},
		{"member authority", pbMember, ScopeAuthority, ApplicationFilter{}, EFORBIDDEN},
		{"city authority", cityAuth, ScopeAuthority, ApplicationFilter{Division: "350100"}, ""},
		{"province authority", provAdmin, ScopeAuthority, ApplicationFilter{Division: "350000"}, ""},
		{"unknown", provAdmin, "everything", ApplicationFilter{}, EINVALID},
	} {
		got, err := ApplicationScope(tc.a, tc.scope)
		if ErrorCode(err) != tc.code || (tc.code == "" && got != tc.want) {
			t.Errorf("applications %s: %+v, %v; want %+v, %q", tc.name, got, err, tc.want, tc.code)
		}
	}
	for _, tc := range []struct {
		name  string
		a     *Actor
		scope string
		want  GrantFilter
		code  string
	}{
		{"anonymous", anon, ScopeMine, GrantFilter{}, EFORBIDDEN},
		{"citizen mine", citizen, "", GrantFilter{ConsumerUser: "c"}, ""},
		{"company mine", company, ScopeMine, GrantFilter{Consumer: "co"}, ""},
		{"company provided", company, ScopeProvided, GrantFilter{}, EFORBIDDEN},
		{"member provided", pbMember, ScopeProvided, GrantFilter{Provider: "gat"}, ""},
		{"member authority", pbMember, ScopeAuthority, GrantFilter{}, EFORBIDDEN},
		{"city authority", cityAuth, ScopeAuthority, GrantFilter{Division: "350100"}, ""},
		{"incoming is not a grant list", pbMember, ScopeIncoming, GrantFilter{}, EINVALID},
	} {
		got, err := GrantScope(tc.a, tc.scope)
		if ErrorCode(err) != tc.code || (tc.code == "" && got != tc.want) {
			t.Errorf("grants %s: %+v, %v; want %+v, %q", tc.name, got, err, tc.want, tc.code)
		}
	}
}
