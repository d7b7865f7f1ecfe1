package console

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Identities verified at a counter (issue 14 item 4): a public body's or authority's admin
// finds a person account's stated identity, compares the name with the identity card and
// types the card's number; the identity is verified when the number is the one stated.

// identitiesView is /console/identities.
type identitiesView struct {
	web.Page
	Username string
	Identity *pubdata.PersonIdentity
	Verified bool // the identity was verified by this request
	Errors   web.FormErrors
	// Revoked is the verification this request revoked; Reason the reason typed (kept
	// after a refused revocation).
	Revoked *pubdata.PersonIdentity
	Reason  string
}

// PageIdentities is GET /console/identities[?username=]: the form, and the stated
// identity of the account named.
func (s *Server) PageIdentities(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanVerifyIdentities(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the admins of public bodies and authorities verify a person's identity.").Keyed("error.identity.verify_forbidden")
	}
	v := &identitiesView{Page: s.Base(r, true), Username: strings.TrimSpace(r.URL.Query().Get("username")), Errors: web.FormErrors{}}
	status := http.StatusOK
	if v.Username != "" {
		p, err := s.IdentityFor(r, v.Username)
		switch {
		case err == nil:
			v.Identity = p
		case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ENOTFOUND):
			v.Errors["username"] = web.ErrorText(v.Lang, err)
			status = http.StatusNotFound
		default:
			return err
		}
	}
	return s.Render(w, r, "identities", status, v)
}

// PageIdentitiesSubmit is POST /console/identities {username, resident_id}.
func (s *Server) PageIdentitiesSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := &identitiesView{Page: s.Base(r, true), Username: strings.TrimSpace(r.PostForm.Get("username")), Errors: web.FormErrors{}}
	p, err := s.VerifyIdentity(r, v.Username, r.PostForm.Get("resident_id"))
	switch {
	case err == nil:
		v.Identity, v.Verified = p, true
		return s.Render(w, r, "identities", http.StatusOK, v)
	case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ENOTFOUND), web.ErrorIs(err, pubdata.ECONFLICT):
		v.Errors = web.FieldErrors(v.Lang, err, "username", "resident_id")
		if p, ierr := s.IdentityFor(r, v.Username); ierr == nil {
			v.Identity = p
		}
		return s.Render(w, r, "identities", http.StatusBadRequest, v)
	}
	return err
}

// PageIdentityRevoke is POST /console/identities/revoke {username, reason}: the admin
// revokes the verification of a person's identity, for a reason that is recorded; the
// person may then state an identity again.
func (s *Server) PageIdentityRevoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := &identitiesView{Page: s.Base(r, true), Username: strings.TrimSpace(r.PostForm.Get("username")), Errors: web.FormErrors{}}
	p, err := s.RevokeIdentity(r, v.Username, r.PostForm.Get("reason"))
	switch {
	case err == nil:
		v.Revoked = p
		return s.Render(w, r, "identities", http.StatusOK, v)
	case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ENOTFOUND), web.ErrorIs(err, pubdata.ECONFLICT):
		v.Errors = web.FieldErrors(v.Lang, err, "username", "reason")
		v.Reason = r.PostForm.Get("reason")
		if p, ierr := s.IdentityFor(r, v.Username); ierr == nil {
			v.Identity = p
		}
		return s.Render(w, r, "identities", http.StatusBadRequest, v)
	}
	return err
}
