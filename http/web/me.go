package web

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// RequireUser returns the signed-in actor, or EUNAUTHORIZED for an anonymous caller.
func RequireUser(r *http.Request) (*pubdata.Actor, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\".").Keyed("error.sign_in")
	}
	return a, nil
}

// Sign-in throttling (issue 12 item 3): failed sign-ins are counted per account and client
// address together (pubdata.MaxFailedLogins in pubdata.LockoutDuration), and per address
// over all accounts (pubdata.MaxFailedLoginsPerAddress): a stranger guessing from elsewhere
// cannot lock the owner out, and the answer is the same whether or not the account exists.
// Counted in memory, per server, like the rate limits.

// throttled returns the refusal of a sign-in of username from the request's address after
// too many failures, or nil.
func (s *Server) throttled(r *http.Request, username string) error {
	addr, now := s.clientAddr(r), s.Now()
	blocked, until := s.loginLimiter.Blocked("acct:"+strings.ToLower(username)+"|"+addr, pubdata.MaxFailedLogins, now)
	if !blocked {
		blocked, until = s.loginLimiter.Blocked("addr:"+addr, pubdata.MaxFailedLoginsPerAddress, now)
	}
	if !blocked {
		return nil
	}
	at := until.In(DisplayZone).Format("15:04")
	return pubdata.Errorf(pubdata.EUNAUTHORIZED, "Too many failed sign-ins from your address. Try again after %s.", at).Keyed("error.user.sign_in.throttled", "Time", at)
}

// failedLogin counts a failed sign-in of username from the request's address.
func (s *Server) failedLogin(r *http.Request, username string) {
	addr, now := s.clientAddr(r), s.Now()
	s.loginLimiter.Take("acct:"+strings.ToLower(username)+"|"+addr, pubdata.MaxFailedLogins, now)
	s.loginLimiter.Take("addr:"+addr, pubdata.MaxFailedLoginsPerAddress, now)
}

// Login checks the credentials, starts a session and sets its cookie. It returns the actor.
func (s *Server) Login(w http.ResponseWriter, r *http.Request, username, password string) (*pubdata.Actor, error) {
	if username == "" || password == "" {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Username and password are required.").Keyed("error.user.sign_in.required")
	}
	if err := s.throttled(r, username); err != nil {
		return nil, err
	}
	u, err := s.Users.Authenticate(r.Context(), username, password)
	if err != nil {
		if pubdata.ErrorCode(err) == pubdata.EUNAUTHORIZED {
			s.failedLogin(r, username)
		}
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
