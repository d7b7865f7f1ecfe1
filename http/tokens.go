package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

func (s *Server) apiTokenList(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	tokens, err := s.Tokens.FindTokens(r.Context(), a.User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(tokens, len(tokens), ""))
	return nil
}

type tokenCreateRequest struct {
	Name    string `json:"name"`
	Expires string `json:"expires"`
}

type tokenCreateReply struct {
	Token  *pubdata.Token `json:"token"`
	Secret string         `json:"secret"`
}

// parseExpiry reads a token lifetime: a Go duration ("720h") or a number of days ("30d");
// "" means the default.
func parseExpiry(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, pubdata.Errorf(pubdata.EINVALID, "Field \"expires\" must be a duration such as \"720h\" or \"30d\", not %q.", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, pubdata.Errorf(pubdata.EINVALID, "Field \"expires\" must be a duration such as \"720h\" or \"30d\", not %q.", v)
		}
	}
	if d <= 0 || d > pubdata.MaxTokenExpiry {
		return 0, pubdata.Errorf(pubdata.EINVALID, "Field \"expires\" must be positive and at most %s.", pubdata.MaxTokenExpiry)
	}
	return d, nil
}

// createToken makes a token for the signed-in actor.
func (s *Server) createToken(r *http.Request, name, expires string) (*pubdata.Token, string, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", pubdata.Errorf(pubdata.EINVALID, "Token name is required.")
	}
	d, err := parseExpiry(expires)
	if err != nil {
		return nil, "", err
	}
	return s.Tokens.CreateToken(r.Context(), a.User.ID, name, d)
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	var req tokenCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	t, secret, err := s.createToken(r, req.Name, req.Expires)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenCreateReply{Token: t, Secret: secret})
	return nil
}

// revokeToken revokes one of the actor's own tokens and returns it as it now is.
func (s *Server) revokeToken(r *http.Request, id string) (*pubdata.Token, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if err := s.Tokens.RevokeToken(r.Context(), a.User.ID, id); err != nil {
		return nil, err
	}
	tokens, err := s.Tokens.FindTokens(r.Context(), a.User.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Token %s not found.", id)
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	t, err := s.revokeToken(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
