package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

// PageContactSubmit sets the signed-in user's e-mail address and phone.
func (s *Server) PageContactSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	email, phone := strings.TrimSpace(r.PostForm.Get("email")), strings.TrimSpace(r.PostForm.Get("phone"))
	acc, err := s.Accounts.SetContact(r.Context(), a.User.ID, email, phone)
	if err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		r.URL.RawQuery = ""
		v, verr := s.accountView(r, a)
		if verr != nil {
			return verr
		}
		v.ContactErrors = web.FieldErrors(v.Lang, err, "email", "phone")
		v.ContactEmail, v.ContactPhone = email, phone
		return s.Render(w, r, "account", http.StatusBadRequest, v)
	}
	to := settingsURL(r) + "?contact=1"
	if acc.Email != "" && acc.EmailVerifiedAt == nil && s.Mail != nil {
		if s.SendVerification(r.Context(), r, a.User.ID, web.LangFrom(r.Context())) == nil {
			to = settingsURL(r) + "?mailed=1"
		}
	}
	web.Redirect(w, r, to)
	return nil
}

// PageVerifyEmailSend mails a new verification link to the signed-in user's address.
func (s *Server) PageVerifyEmailSend(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if s.Mail == nil {
		return pubdata.Errorf(pubdata.EINVALID, "E-mail is not configured on this platform.").Keyed("error.account.email.not_configured")
	}
	if err := s.SendVerification(r.Context(), r, a.User.ID, web.LangFrom(r.Context())); err != nil {
		return err
	}
	web.Redirect(w, r, settingsURL(r)+"?mailed=1")
	return nil
}
