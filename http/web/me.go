package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
)

// RequireUser returns the signed-in actor, or EUNAUTHORIZED for an anonymous caller.
func RequireUser(r *http.Request) (*pubdata.Actor, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\".").Keyed("error.sign_in")
	}
	return a, nil
}

// Login checks the credentials, starts a session and sets its cookie. It returns the actor.
func (s *Server) Login(w http.ResponseWriter, r *http.Request, username, password string) (*pubdata.Actor, error) {
	if username == "" || password == "" {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Username and password are required.").Keyed("error.user.sign_in.required")
	}
	u, err := s.Users.Authenticate(r.Context(), username, password)
	if err != nil {
		return nil, err
	}
	a := &pubdata.Actor{User: u}
	if u.OrgCode != "" {
		if a.Org, err = s.Orgs.FindOrgByCode(r.Context(), u.OrgCode); err != nil {
			return nil, Internalf("login: organisation of %s: %w", u.Username, err)
		}
	}
	ctx := pubdata.NewContextWithActor(r.Context(), a)
	secret, err := s.Tokens.CreateSession(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	s.setSessionCookie(w, secret)
	if st := StateFrom(r.Context()); st != nil {
		st.user = u.Username
	}
	return a, nil
}

// Logout ends the session of the cookie, if any, and clears the cookie.
func (s *Server) Logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.Tokens.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	return nil
}
