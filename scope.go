package pubdata

import "context"

// Scopes: which applications and grants an actor lists, and finding one that the actor may
// see. The JSON API and the console both use these, so a list or a page never shows what
// the other would refuse.

// The lists of applications and grants, by the actor's part in them.
const (
	ScopeMine      = "mine"      // the actor's own (an organisation's admin: the organisation's)
	ScopeIncoming  = "incoming"  // applications to the actor's organisation as provider
	ScopeProvided  = "provided"  // grants the actor's organisation made as provider
	ScopeAuthority = "authority" // those of entries in the actor's authority's division
)

// ApplicationScopes and GrantScopes are the lists in the order the console shows them.
var (
	ApplicationScopes = []string{ScopeMine, ScopeIncoming, ScopeAuthority}
	GrantScopes       = []string{ScopeMine, ScopeProvided, ScopeAuthority}
)

// MayListApplications reports whether the actor may list the applications of scope: its
// own always, incoming for a provider's user (an organisation that is not a company; a
// company provides no entries), authority for an authority's user.
func MayListApplications(a *Actor, scope string) bool {
	switch scope {
	case ScopeMine:
		return !a.Anonymous()
	case ScopeIncoming:
		return a.Org != nil && a.Org.Kind != KindCompany
	case ScopeAuthority:
		return a.IsAuthority()
	}
	return false
}

// ApplicationScope returns the filter of the applications of scope for the actor: mine is
// the actor's own, or an organisation's admin's organisation's; incoming the provider's;
// authority those of entries in its division. EINVALID for an unknown scope, EFORBIDDEN
// for one the actor may not list.
func ApplicationScope(a *Actor, scope string) (ApplicationFilter, error) {
	var f ApplicationFilter
	if scope == "" {
		scope = ScopeMine
	}
	switch scope {
	case ScopeMine, ScopeIncoming, ScopeAuthority:
	default:
		return f, FieldErrorf("role", "role must be mine, incoming or authority, not %q.", scope).Keyed("error.scope.role.applications", "Role", scope)
	}
	if !MayListApplications(a, scope) {
		return f, Errorf(EFORBIDDEN, "%s", scopeRefusal(scope)).Keyed(scopeRefusalKey(scope))
	}
	switch scope {
	case ScopeMine:
		if a.Org != nil && a.Role() == RoleAdmin {
			f.ApplicantOrg = a.Org.Code
		} else {
			f.Applicant = a.Username()
		}
	case ScopeIncoming:
		f.Provider = a.Org.Code
	case ScopeAuthority:
		f.Division = a.Org.Division
	}
	return f, nil
}

// MayListGrants reports whether the actor may list the grants of scope: its own always,
// provided for a provider's user, authority for an authority's user.
func MayListGrants(a *Actor, scope string) bool {
	switch scope {
	case ScopeMine:
		return !a.Anonymous()
	case ScopeProvided:
		return a.Org != nil && a.Org.Kind != KindCompany
	case ScopeAuthority:
		return a.IsAuthority()
	}
	return false
}

// GrantScope returns the filter of the grants of scope for the actor: mine are those its
// organisation (or, for a public user, itself) holds; provided those its organisation made;
// authority those of entries in its division. EINVALID for an unknown scope, EFORBIDDEN for
// one the actor may not list.
func GrantScope(a *Actor, scope string) (GrantFilter, error) {
	var f GrantFilter
	if scope == "" {
		scope = ScopeMine
	}
	switch scope {
	case ScopeMine, ScopeProvided, ScopeAuthority:
	default:
		return f, FieldErrorf("role", "role must be mine, provided or authority, not %q.", scope).Keyed("error.scope.role.grants", "Role", scope)
	}
	if !MayListGrants(a, scope) {
		return f, Errorf(EFORBIDDEN, "%s", scopeRefusal(scope)).Keyed(scopeRefusalKey(scope))
	}
	switch scope {
	case ScopeMine:
		if a.Org != nil {
			f.Consumer = a.Org.Code
		} else {
			f.ConsumerUser = a.Username()
		}
	case ScopeProvided:
		f.Provider = a.Org.Code
	case ScopeAuthority:
		f.Division = a.Org.Division
	}
	return f, nil
}

// scopeRefusalKey names scopeRefusal's sentence in the message files.
func scopeRefusalKey(scope string) string {
	switch scope {
	case ScopeIncoming:
		return "error.scope.refused.incoming"
	case ScopeProvided:
		return "error.scope.refused.provided"
	case ScopeAuthority:
		return "error.scope.refused.authority"
	}
	return "error.scope.refused.sign_in"
}

func scopeRefusal(scope string) string {
	switch scope {
	case ScopeIncoming:
		return "Only a provider's users see the applications made to it."
	case ScopeProvided:
		return "Only a provider's users see the grants it made."
	case ScopeAuthority:
		return "Only an authority's users see those of their division."
	}
	return "Sign in to see your own."
}

// FindApplicationFor returns the application when the actor may see it (CanSeeApplication);
// otherwise ENOTFOUND, as for one that does not exist, so that a stranger learns nothing.
func FindApplicationFor(ctx context.Context, svc ApplicationService, a *Actor, id string) (*Application, error) {
	app, err := svc.FindApplicationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSeeApplication(a, app) {
		return nil, Errorf(ENOTFOUND, "Application %q not found.", id).Keyed("error.application.not_found", "ID", id).Keyed("error.application.not_found", "ID", id)
	}
	return app, nil
}

// FindGrantFor returns the grant and its application when the actor may see the grant
// (CanSeeGrant, with the division of the grant's entry); otherwise ENOTFOUND.
func FindGrantFor(ctx context.Context, svc ApplicationService, a *Actor, id string) (*Grant, *Application, error) {
	g, err := svc.FindGrantByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	app, err := svc.FindApplicationByID(ctx, g.Application)
	if err != nil {
		return nil, nil, err
	}
	if !CanSeeGrant(a, g, app.Division) {
		return nil, nil, Errorf(ENOTFOUND, "Grant %q not found.", id).Keyed("error.grant.not_found", "ID", id).Keyed("error.grant.not_found", "ID", id)
	}
	return g, app, nil
}

// FindWorkingCopyFor returns an entry's working copy when the actor may see it
// (CanViewWorkingCopy: its organisation, or an authority covering it); otherwise ENOTFOUND,
// as for an entry that does not exist, so that another organisation learns nothing.
func FindWorkingCopyFor(ctx context.Context, svc EntryService, a *Actor, id string) (*Entry, error) {
	e, err := svc.FindEntryByID(ctx, id)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if err != nil || !CanViewWorkingCopy(a, e) {
		return nil, Errorf(ENOTFOUND, "Entry %q was not found.", id).Keyed("error.entry.not_found", "ID", id)
	}
	return e, nil
}

// FindObjectionFor returns the objection when the actor may see it (CanSeeObjection);
// otherwise ENOTFOUND.
func FindObjectionFor(ctx context.Context, svc ObjectionService, a *Actor, id string) (*Objection, error) {
	o, err := svc.FindObjectionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSeeObjection(a, o) {
		return nil, Errorf(ENOTFOUND, "Objection %q not found.", id).Keyed("error.objection.not_found", "ID", id)
	}
	return o, nil
}
