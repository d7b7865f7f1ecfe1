package http

import (
	"net/http"

	"github.com/pubdata/pubdata"
)

// meView is the caller as /api/v1/me shows it.
type meView struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Org         *meOrgView   `json:"org"`
	Role        pubdata.Role `json:"role"`
}

type meOrgView struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Kind     pubdata.OrgKind `json:"kind"`
	Division string          `json:"division"`
}

func newMeView(a *pubdata.Actor) meView {
	v := meView{Username: a.User.Username, DisplayName: a.User.DisplayName, Role: a.Role()}
	if a.Org != nil {
		v.Org = &meOrgView{Code: a.Org.Code, Name: a.Org.Name, Kind: a.Org.Kind, Division: a.Org.Division}
	}
	return v
}

// requireUser returns the signed-in actor, or EUNAUTHORIZED for an anonymous caller.
func requireUser(r *http.Request) (*pubdata.Actor, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\".").Keyed("error.sign_in")
	}
	return a, nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newMeView(a))
	return nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// login checks the credentials, starts a session and sets its cookie. It returns the actor.
func (s *Server) login(w http.ResponseWriter, r *http.Request, username, password string) (*pubdata.Actor, error) {
	if username == "" || password == "" {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Username and password are required.")
	}
	u, err := s.Users.Authenticate(r.Context(), username, password)
	if err != nil {
		return nil, err
	}
	a := &pubdata.Actor{User: u}
	if u.OrgCode != "" {
		if a.Org, err = s.Orgs.FindOrgByCode(r.Context(), u.OrgCode); err != nil {
			return nil, internalf("login: organisation of %s: %w", u.Username, err)
		}
	}
	ctx := pubdata.NewContextWithActor(r.Context(), a)
	secret, err := s.Tokens.CreateSession(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	s.setSessionCookie(w, secret)
	if st := stateFrom(r.Context()); st != nil {
		st.user = u.Username
	}
	return a, nil
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	a, err := s.login(w, r, req.Username, req.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newMeView(a))
	return nil
}

// logout ends the session of the cookie, if any, and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.Tokens.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.logout(w, r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "signed_out"})
	return nil
}

type registerRequest struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

// apiRegister lets anyone create a public user (no organisation) for the open portal.
func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request) error {
	var req registerRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	uc := &pubdata.UserCreate{Username: req.Username, Password: req.Password, DisplayName: req.DisplayName}
	if err := pubdata.ValidateUserCreate(uc); err != nil {
		return err
	}
	u, err := s.Users.CreateUser(r.Context(), uc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}
