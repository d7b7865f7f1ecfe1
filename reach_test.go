package pubdata_test

import (
	"testing"

	"github.com/pubdata/pubdata"
)

// TestAuthorityPowersReach (issue 12 item 5): every power an authority holds is checked
// against the division it covers. A city authority's admin (Fuzhou, 350100) may use each
// power on an object in its city and on none in another city (Xiamen, 350200) or at
// province level (350000); the province's admin may use it everywhere in the province.
// The platform's own settings are the provincial authority's alone.
func TestAuthorityPowersReach(t *testing.T) {
	prov := actor(pubdata.KindAuthority, "fj-dsj", "350000", pubdata.RoleAdmin)
	city := actor(pubdata.KindAuthority, "fz-dsj", "350100", pubdata.RoleAdmin)
	orgIn := func(div string) *pubdata.Org {
		return &pubdata.Org{Code: "body-" + div, Kind: pubdata.KindPublicBody, Division: div}
	}
	entryIn := func(div string) *pubdata.Entry {
		e := &pubdata.Entry{Org: "body-" + div}
		e.Division = div
		return e
	}
	powers := map[string]func(a *pubdata.Actor, div string) bool{
		"review an entry":          func(a *pubdata.Actor, div string) bool { return pubdata.CanReviewEntry(a, div) },
		"purge an entry's history": func(a *pubdata.Actor, div string) bool { return pubdata.CanPurgeData(a, div) },
		"confirm a service endpoint": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanConfirmEndpoint(a, entryIn(div))
		},
		"open despite the pre-open check": func(a *pubdata.Actor, div string) bool { return pubdata.CanOverrideOpenRisk(a, div) },
		"decide a disputed application": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanDecideApplication(a, &pubdata.Application{Status: pubdata.AppDisputed, Provider: "body-" + div, Division: div}, div)
		},
		"see an application": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanSeeApplication(a, &pubdata.Application{Provider: "body-" + div, Division: div})
		},
		"revoke a grant": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanRevokeGrant(a, &pubdata.Grant{Provider: "body-" + div}, div)
		},
		"see a grant": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanSeeGrant(a, &pubdata.Grant{Provider: "body-" + div}, div)
		},
		"resolve an objection": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanResolveObjection(a, &pubdata.Objection{Provider: "body-" + div, Division: div})
		},
		"see an objection": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanSeeObjection(a, &pubdata.Objection{Provider: "body-" + div, Division: div})
		},
		"route a demand": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanRouteDemand(a, &pubdata.Demand{Division: div})
		},
		"moderate a comment": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanModerateComment(a, &pubdata.Comment{Division: div})
		},
		"sanction an organisation": func(a *pubdata.Actor, div string) bool { return pubdata.CanSanctionOrg(a, orgIn(div)) },
		"create an organisation": func(a *pubdata.Actor, div string) bool {
			return pubdata.Can(a, pubdata.ActionOrgCreate, orgIn(div))
		},
		"create a user": func(a *pubdata.Actor, div string) bool {
			return pubdata.Can(a, pubdata.ActionUserCreate, orgIn(div))
		},
		"list users": func(a *pubdata.Actor, div string) bool {
			return pubdata.Can(a, pubdata.ActionUserList, orgIn(div))
		},
		"read pull sources": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanReadPullSources(a, entryIn(div))
		},
		"view a working copy": func(a *pubdata.Actor, div string) bool {
			return pubdata.CanViewWorkingCopy(a, entryIn(div))
		},
	}
	for name, can := range powers {
		for _, c := range []struct {
			a    *pubdata.Actor
			div  string
			want bool
		}{
			{city, "350100", true}, {city, "350102", true},
			{city, "350200", false}, {city, "350000", false}, {city, "440100", false},
			{prov, "350000", true}, {prov, "350100", true}, {prov, "350200", true},
			{prov, "440100", false},
		} {
			if got := can(c.a, c.div); got != c.want {
				t.Errorf("%s: %s on an object in %s = %v, want %v", c.a.Org.Code, name, c.div, got, c.want)
			}
		}
	}
	platform := map[string]func(a *pubdata.Actor) bool{
		"set the platform's mask policy":  func(a *pubdata.Actor) bool { return pubdata.CanSetMaskPolicy(a, "") },
		"assign an element's source":      pubdata.CanManageElements,
		"edit the working-day calendar":   pubdata.CanEditCalendar,
		"see the whole platform's record": func(a *pubdata.Actor) bool { return pubdata.AuthorityScope(a).IncludeNoOrg },
	}
	for name, can := range platform {
		if !can(prov) {
			t.Errorf("the province's admin may not %s", name)
		}
		if can(city) {
			t.Errorf("a city authority's admin may %s", name)
		}
	}
}
