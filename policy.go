package pubdata

// Action is something an actor may be allowed to do. Can decides.
type Action string

// Actions checked by Can.
const (
	ActionOrgCreate  Action = "org.create"
	ActionUserList   Action = "user.list"
	ActionUserCreate Action = "user.create"
	ActionAuditRead  Action = "audit.read"
)

// Can reports whether the actor may do the action on an object in the organisation target
// (nil when the action has no target organisation, e.g. audit.read; a nil target for
// user.create means a public user).
//
// The rules:
//   - org.create: an authority's admin, for organisations inside the authority's division.
//   - user.list, user.create: an authority's admin for organisations inside its division
//     (and public users, for an authority at province level); an organisation's admin for
//     its own organisation.
//   - audit.read: an authority's admin or reviewer (events are then limited to its division
//     by AuditScope).
func Can(a *Actor, action Action, target *Org) bool {
	if a.Anonymous() || a.Org == nil {
		return false
	}
	role := a.User.Role
	switch action {
	case ActionOrgCreate:
		return a.IsAuthority() && role == RoleAdmin && target != nil && DivisionCovers(a.Org.Division, target.Division)
	case ActionUserList, ActionUserCreate:
		if role != RoleAdmin {
			return false
		}
		if target == nil {
			return a.IsAuthority() && len(DivisionPrefix(a.Org.Division)) == 2
		}
		if target.Code == a.Org.Code {
			return true
		}
		return a.IsAuthority() && DivisionCovers(a.Org.Division, target.Division)
	case ActionAuditRead:
		return a.IsAuthority() && (role == RoleAdmin || role == RoleReviewer)
	}
	return false
}

// Scope is the division an authority's reads are limited to: DivisionPrefix of its
// division, and whether events and users without an organisation are in reach (only for an
// authority at province level).
type Scope struct {
	DivisionPrefix string
	IncludeNoOrg   bool
}

// AuthorityScope returns the scope of an authority actor's reach.
// IsPlatformAuthority reports whether the actor belongs to the authority of the whole
// platform: a provincial (or national) authority, whose division covers every other. The
// platform's own settings — the platform's mask policy, the authoritative sources of data
// elements, the working-day calendar — are its alone: a city authority's reach is its
// city (issue 12 item 5).
func IsPlatformAuthority(a *Actor) bool {
	return a.IsAuthority() && len(DivisionPrefix(a.Org.Division)) <= 2
}

func AuthorityScope(a *Actor) Scope {
	p := DivisionPrefix(a.Org.Division)
	return Scope{DivisionPrefix: p, IncludeNoOrg: len(p) == 2}
}
