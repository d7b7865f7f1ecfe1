package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseExpiry reads a token lifetime: a Go duration ("720h") or a number of days ("30d");
// "" means the default.
func ParseExpiry(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, pubdata.Errorf(pubdata.EINVALID, "Field \"expires\" must be a duration such as \"720h\" or \"30d\", not %q.", v).
				Keyed("error.token.expires.syntax", "Value", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, pubdata.Errorf(pubdata.EINVALID, "Field \"expires\" must be a duration such as \"720h\" or \"30d\", not %q.", v).
				Keyed("error.token.expires.syntax", "Value", v)
		}
	}
	if d <= 0 || d > pubdata.MaxTokenExpiry {
		return 0, pubdata.Errorf(pubdata.EINVALID, "Field \"expires\" must be positive and at most %s.", pubdata.MaxTokenExpiry).
			Keyed("error.token.expires.range", "Max", pubdata.MaxTokenExpiry)
	}
	return d, nil
}

// CreateToken makes a token for the signed-in actor.
func (s *Server) CreateToken(r *http.Request, name, expires string) (*pubdata.Token, string, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", pubdata.Errorf(pubdata.EINVALID, "Token name is required.").Keyed("error.token.name.required")
	}
	d, err := ParseExpiry(expires)
	if err != nil {
		return nil, "", err
	}
	return s.Tokens.CreateToken(r.Context(), a.User.ID, name, d)
}

// RevokeToken revokes one of the actor's own tokens and returns it as it now is.
func (s *Server) RevokeToken(r *http.Request, id string) (*pubdata.Token, error) {
	a, err := RequireUser(r)
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
	return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Token %s not found.", id).Keyed("error.token.not_found_id", "ID", id)
}
