package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"strings"
)

// UserListFilter decides which users the actor may list. org is the organisation asked
// for ("" for the actor's whole reach); public asks for the users without an organisation.
func (s *Server) UserListFilter(r *http.Request, a *pubdata.Actor, org string, public bool) (pubdata.UserFilter, error) {
	var f pubdata.UserFilter
	switch {
	case public:
		if !pubdata.Can(a, pubdata.ActionUserList, nil) {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a provincial authority's administrator may list public users.").Keyed("error.user.list_public_forbidden")
		}
		f.Public = true
	case org != "":
		o, err := s.Orgs.FindOrgByCode(r.Context(), org)
		if err != nil {
			return f, err
		}
		if !pubdata.Can(a, pubdata.ActionUserList, o) {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "You may not list the users of %s.", o.Code).Keyed("error.user.list_forbidden_org", "Org", o.Code)
		}
		f.OrgCode = o.Code
	case a.IsAuthority() && pubdata.Can(a, pubdata.ActionUserList, a.Org):
		// The users of every organisation in the authority's division, and public users
		// for an authority at province level.
		scope := pubdata.AuthorityScope(a)
		f.DivisionPrefix, f.IncludePublic = scope.DivisionPrefix, scope.IncludeNoOrg
	case a.Org != nil && pubdata.Can(a, pubdata.ActionUserList, a.Org):
		f.OrgCode = a.Org.Code
	default:
		return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator may list users.").Keyed("error.user.list_forbidden")
	}
	return f, nil
}

// CreateUser checks that the actor may create users in the organisation (nil: a public
// user), validates and creates the user.
func (s *Server) CreateUser(r *http.Request, uc *pubdata.UserCreate) (*pubdata.User, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	uc.OrgCode = strings.TrimSpace(uc.OrgCode)
	var target *pubdata.Org
	if uc.OrgCode != "" {
		target, err = s.Orgs.FindOrgByCode(r.Context(), uc.OrgCode)
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return nil, pubdata.Errorf(pubdata.EINVALID, "Organisation %q does not exist.", uc.OrgCode).Keyed("error.org.unknown", "Org", uc.OrgCode)
		} else if err != nil {
			return nil, err
		}
	}
	if !pubdata.Can(a, pubdata.ActionUserCreate, target) {
		if target == nil {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a provincial authority's administrator may create public users.").Keyed("error.user.create_public_forbidden")
		}
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "You may not create users in %s.", target.Code).Keyed("error.user.create_forbidden_org", "Org", target.Code)
	}
	if err := pubdata.ValidateUserCreate(uc); err != nil {
		return nil, err
	}
	return s.Users.CreateUser(r.Context(), uc)
}
