package web

import (
	"errors"
	"github.com/pubdata/pubdata"
	"net/http"
	"net/url"
)

// ParseForm reads a form body; an oversize body is ETOOLARGE.
func ParseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		if e := NormalizeError(err); e != err {
			return e
		}
		return pubdata.Errorf(pubdata.EINVALID, "The form could not be read.").Keyed("error.form.unreadable")
	}
	return CheckForm(r.PostForm)
}

// ConsoleActor returns the signed-in actor of a console page; an anonymous visitor is
// sent to the login form by the error renderer.
func ConsoleActor(r *http.Request) (*pubdata.Actor, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Please sign in.").Keyed("error.sign_in.please")
	}
	return a, nil
}

// DivisionName returns the name of a division code, or the code when unknown.
func (s *Server) DivisionName(code string) string {
	if d, ok := s.Divisions.Lookup(code); ok {
		return d.Name
	}
	return code
}

// FormErrors are a form's problems by field name, translated; "" is the whole form.
type FormErrors map[string]string

// PageLink returns the URL of the same page with the parameters replaced.
func PageLink(r *http.Request, kv ...string) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "lang" {
			q[k] = v
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

// ErrorIs reports whether err carries the code.
func ErrorIs(err error, code string) bool {
	var e *pubdata.Error
	return errors.As(err, &e) && e.Code == code
}
