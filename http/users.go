package http

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// userListFilter decides which users the actor may list. org is the organisation asked
// for ("" for the actor's whole reach); public asks for the users without an organisation.
func (s *Server) userListFilter(r *http.Request, a *pubdata.Actor, org string, public bool) (pubdata.UserFilter, error) {
	var f pubdata.UserFilter
	switch {
	case public:
		if !pubdata.Can(a, pubdata.ActionUserList, nil) {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a provincial authority's administrator may list public users.")
		}
		f.Public = true
	case org != "":
		o, err := s.Orgs.FindOrgByCode(r.Context(), org)
		if err != nil {
			return f, err
		}
		if !pubdata.Can(a, pubdata.ActionUserList, o) {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "You may not list the users of %s.", o.Code)
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
		return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator may list users.")
	}
	return f, nil
}

func (s *Server) apiUserList(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	public := false
	switch v := q.Get("public"); v {
	case "", "false":
	case "true":
		public = true
	default:
		return paramError("public", "must be true or false, not %q.", v)
	}
	org := strings.TrimSpace(q.Get("org"))
	if public && org != "" {
		return paramError("public", "cannot be combined with org.")
	}
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	f, err := s.userListFilter(r, a, org, public)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	users, total, next, err := s.Users.FindUsers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(users, total, next))
	return nil
}

type userCreateRequest struct {
	Username    string       `json:"username"`
	Password    string       `json:"password"`
	DisplayName string       `json:"display_name"`
	Org         string       `json:"org"`
	Role        pubdata.Role `json:"role"`
}

// createUser checks that the actor may create users in the organisation (nil: a public
// user), validates and creates the user.
func (s *Server) createUser(r *http.Request, uc *pubdata.UserCreate) (*pubdata.User, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	uc.OrgCode = strings.TrimSpace(uc.OrgCode)
	var target *pubdata.Org
	if uc.OrgCode != "" {
		target, err = s.Orgs.FindOrgByCode(r.Context(), uc.OrgCode)
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return nil, pubdata.Errorf(pubdata.EINVALID, "Organisation %q does not exist.", uc.OrgCode)
		} else if err != nil {
			return nil, err
		}
	}
	if !pubdata.Can(a, pubdata.ActionUserCreate, target) {
		if target == nil {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a provincial authority's administrator may create public users.")
		}
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "You may not create users in %s.", target.Code)
	}
	if err := pubdata.ValidateUserCreate(uc); err != nil {
		return nil, err
	}
	return s.Users.CreateUser(r.Context(), uc)
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	var req userCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	u, err := s.createUser(r, &pubdata.UserCreate{
		Username: req.Username, Password: req.Password, DisplayName: req.DisplayName,
		OrgCode: req.Org, Role: req.Role,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}
