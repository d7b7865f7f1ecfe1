package http

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// Public accounts (issue 6): self-registration of persons and companies, e-mail
// verification, password reset and the contact details on the account page. Each step is
// recorded by the store; secrets go only into e-mail, never into a URL the server logs or
// the record.

// withAccounts answers 404 when the server has no account service.
func (s *Server) withAccounts(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.Accounts == nil {
			return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
		}
		return h(w, r)
	}
}

// registerView is the registration form and its outcome.
type registerView struct {
	page
	Kind        string // person or company
	Username    string
	DisplayName string
	Email       string
	Phone       string
	CompanyName string
	USCC        string
	Division    string
	AskDivision bool // the USCC's division is unknown: ask for it
	MailOn      bool // e-mail is configured: a verification link will be sent
	Errors      formErrors
	Done        bool
	Mailed      bool // a verification link was sent
}

func (s *Server) pageRegister(w http.ResponseWriter, r *http.Request) error {
	v := &registerView{page: s.base(r, false), Kind: "person", MailOn: s.Mail != nil, Errors: formErrors{}}
	if r.URL.Query().Get("kind") == "company" {
		v.Kind = "company"
	}
	return s.render(w, r, "register", http.StatusOK, v)
}

// fieldErrors returns the field problems of err for a form; problems of fields not in
// known go to the whole form ("").
func fieldErrors(lang string, err error, known ...string) formErrors {
	errs := formErrors{}
	for field, e := range pubdata.ErrorFields(err) {
		msg := fieldText(lang, e)
		if field == "" || !containsString(known, field) {
			field = ""
		}
		if errs[field] != "" {
			msg = errs[field] + " " + msg
		}
		errs[field] = msg
	}
	if len(errs) == 0 {
		errs[""] = errorText(lang, err)
	}
	return errs
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var registerFields = []string{"username", "display_name", "password", "email", "phone", "company_name", "uscc", "division"}

func (s *Server) pageRegisterSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &registerView{
		page: s.base(r, false), Kind: "person", MailOn: s.Mail != nil,
		Username: strings.TrimSpace(f.Get("username")), DisplayName: strings.TrimSpace(f.Get("display_name")),
		Email: strings.TrimSpace(f.Get("email")), Phone: strings.TrimSpace(f.Get("phone")),
		CompanyName: strings.TrimSpace(f.Get("company_name")), USCC: strings.TrimSpace(f.Get("uscc")),
		Division: strings.TrimSpace(f.Get("division")), Errors: formErrors{},
	}
	if f.Get("kind") == "company" {
		v.Kind = "company"
	}
	if !s.addrLimit(r, "register") {
		v.Errors[""] = translate(v.Lang, "register.error.too_many")
		return s.render(w, r, "register", http.StatusTooManyRequests, v)
	}
	if pw := f.Get("password"); pw != f.Get("password2") {
		v.Errors["password"] = translate(v.Lang, "register.error.password_mismatch")
		return s.render(w, r, "register", http.StatusBadRequest, v)
	}
	reg := &pubdata.Registration{
		Username: v.Username, DisplayName: v.DisplayName, Password: f.Get("password"),
		Email: v.Email, Phone: v.Phone, Company: v.Kind == "company",
		CompanyName: v.CompanyName, USCC: v.USCC, Division: v.Division,
	}
	u, err := s.Accounts.Register(r.Context(), reg)
	if err != nil {
		switch pubdata.ErrorCode(err) {
		case pubdata.EINVALID, pubdata.ECONFLICT:
		default:
			return err
		}
		v.Errors = fieldErrors(v.Lang, err, registerFields...)
		v.AskDivision = v.Errors["division"] != ""
		status := http.StatusBadRequest
		if pubdata.ErrorCode(err) == pubdata.ECONFLICT {
			status = http.StatusConflict
		}
		return s.render(w, r, "register", status, v)
	}
	v.Done = true
	if reg.Email != "" && s.Mail != nil {
		ctx := pubdata.NewContextWithActor(r.Context(), &pubdata.Actor{User: u})
		v.Mailed = s.sendVerification(ctx, r, u.ID, v.Lang) == nil
	}
	return s.render(w, r, "register", http.StatusCreated, v)
}

// linkBase is the platform's public address for links in e-mail.
func (s *Server) linkBase(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sendVerification issues a verification token for the user's address and mails the link.
func (s *Server) sendVerification(ctx context.Context, r *http.Request, userID, lang string) error {
	email, secret, err := s.Accounts.IssueEmailVerification(ctx, userID)
	if err != nil {
		return err
	}
	link := s.linkBase(r) + "/register/verify?token=" + url.QueryEscape(secret)
	body := fmt.Sprintf("%s\n\n%s\n\n%s\n", translate(LangZH, "mail.verify.body"), link, translate(LangEN, "mail.verify.body"))
	if err := s.Mail.SendMail(ctx, []string{email}, translate(lang, "mail.verify.subject"), body); err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelWarn, "sending the verification e-mail failed",
			slog.String("request_id", requestIDFrom(ctx)), slog.String("error", err.Error()))
		return err
	}
	return nil
}

// noticeView is a short page after an account step.
type noticeView struct {
	page
	TitleKey string
	TextKey  string
	OK       bool
	Message  string
}

func (s *Server) pageVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	_, err := s.Accounts.VerifyEmail(r.Context(), r.URL.Query().Get("token"))
	v := &noticeView{page: s.base(r, false), TitleKey: "verify_email.title", TextKey: "verify_email.done", OK: true}
	status := http.StatusOK
	if err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		v.TextKey, v.OK, status = "verify_email.bad", false, http.StatusBadRequest
	}
	return s.render(w, r, "account_notice", status, v)
}

// resetView is the password reset: the request form, the answer, the new-password form.
type resetView struct {
	page
	MailOn  bool
	Login   string
	Sent    bool
	Token   string // the confirm form's token (from the link)
	Confirm bool
	Done    bool
	Errors  formErrors
}

func (s *Server) pageResetRequest(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "password_reset", http.StatusOK, &resetView{page: s.base(r, false), MailOn: s.Mail != nil, Errors: formErrors{}})
}

func (s *Server) pageResetRequestSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := &resetView{page: s.base(r, false), MailOn: s.Mail != nil, Login: strings.TrimSpace(r.PostForm.Get("login")), Errors: formErrors{}}
	if s.Mail == nil {
		return s.render(w, r, "password_reset", http.StatusServiceUnavailable, v)
	}
	if v.Login == "" {
		v.Errors["login"] = translate(v.Lang, "form.required")
		return s.render(w, r, "password_reset", http.StatusBadRequest, v)
	}
	if !s.addrLimit(r, "reset") {
		v.Errors[""] = translate(v.Lang, "register.error.too_many")
		return s.render(w, r, "password_reset", http.StatusTooManyRequests, v)
	}
	email, secret, err := s.Accounts.IssuePasswordReset(r.Context(), v.Login)
	if err != nil {
		return err
	}
	if email != "" {
		// Sent in the background, so that the answer takes as long whether or not the
		// account exists.
		link := s.linkBase(r) + "/password-reset/confirm?token=" + url.QueryEscape(secret)
		subject := translate(v.Lang, "mail.reset.subject")
		body := fmt.Sprintf("%s\n\n%s\n\n%s\n", translate(LangZH, "mail.reset.body"), link, translate(LangEN, "mail.reset.body"))
		ctx := context.WithoutCancel(r.Context())
		go func() {
			if err := s.Mail.SendMail(ctx, []string{email}, subject, body); err != nil {
				s.Logger.LogAttrs(ctx, slog.LevelWarn, "sending the password reset e-mail failed",
					slog.String("request_id", requestIDFrom(ctx)), slog.String("error", err.Error()))
			}
		}()
	}
	v.Sent = true // the same answer whether or not the account exists
	return s.render(w, r, "password_reset", http.StatusOK, v)
}

func (s *Server) pageResetConfirm(w http.ResponseWriter, r *http.Request) error {
	v := &resetView{page: s.base(r, false), MailOn: true, Confirm: true, Token: r.URL.Query().Get("token"), Errors: formErrors{}}
	return s.render(w, r, "password_reset", http.StatusOK, v)
}

func (s *Server) pageResetConfirmSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := &resetView{page: s.base(r, false), MailOn: true, Confirm: true, Token: r.PostForm.Get("token"), Errors: formErrors{}}
	if r.PostForm.Get("password") != r.PostForm.Get("password2") {
		v.Errors["password"] = translate(v.Lang, "register.error.password_mismatch")
		return s.render(w, r, "password_reset", http.StatusBadRequest, v)
	}
	_, err := s.Accounts.ResetPassword(r.Context(), v.Token, r.PostForm.Get("password"))
	if err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		v.Errors = fieldErrors(v.Lang, err, "password")
		if pubdata.ErrorFields(err)["token"] != nil {
			v.Errors[""] = translate(v.Lang, "verify_email.bad")
		}
		return s.render(w, r, "password_reset", http.StatusBadRequest, v)
	}
	v.Confirm, v.Done = false, true
	return s.render(w, r, "password_reset", http.StatusOK, v)
}

// pageContactSubmit sets the signed-in user's e-mail address and phone.
func (s *Server) pageContactSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
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
		v.ContactErrors = fieldErrors(v.Lang, err, "email", "phone")
		v.ContactEmail, v.ContactPhone = email, phone
		return s.render(w, r, "account", http.StatusBadRequest, v)
	}
	to := "/console/account?contact=1"
	if acc.Email != "" && acc.EmailVerifiedAt == nil && s.Mail != nil {
		if s.sendVerification(r.Context(), r, a.User.ID, langFrom(r.Context())) == nil {
			to = "/console/account?mailed=1"
		}
	}
	redirect(w, r, to)
	return nil
}

// pageVerifyEmailSend mails a new verification link to the signed-in user's address.
func (s *Server) pageVerifyEmailSend(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if s.Mail == nil {
		return pubdata.Errorf(pubdata.EINVALID, "E-mail is not configured on this platform.")
	}
	if err := s.sendVerification(r.Context(), r, a.User.ID, langFrom(r.Context())); err != nil {
		return err
	}
	redirect(w, r, "/console/account?mailed=1")
	return nil
}

// regField is one input of the registration form.
type regField struct {
	Name, Label, Type, Value, Auto, Hint, Error string
}

// Described is the input's aria-describedby: its hint and error.
func (f regField) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, "reg-"+f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, "reg-"+f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// Field returns the form's input of the name with its label, value, hint and error.
func (v *registerView) Field(name string) regField {
	f := regField{Name: name, Type: "text", Auto: "off", Error: v.Errors[name]}
	switch name {
	case "username":
		f.Label, f.Value, f.Auto, f.Hint = translate(v.Lang, "field.username"), v.Username, "username", translate(v.Lang, "register.hint.username")
	case "display_name":
		f.Label, f.Value, f.Auto = translate(v.Lang, "field.display_name"), v.DisplayName, "name"
	case "password":
		f.Label, f.Type, f.Auto, f.Hint = translate(v.Lang, "field.password"), "password", "new-password", translate(v.Lang, "register.hint.password")
	case "password2":
		f.Label, f.Type, f.Auto = translate(v.Lang, "register.password2"), "password", "new-password"
	case "email":
		f.Label, f.Type, f.Value, f.Auto = translate(v.Lang, "register.email_optional"), "email", v.Email, "email"
		f.Hint = translate(v.Lang, "register.hint.email.off")
		if v.MailOn {
			f.Hint = translate(v.Lang, "register.hint.email.on")
		}
	case "phone":
		f.Label, f.Type, f.Value, f.Auto = translate(v.Lang, "register.phone_optional"), "tel", v.Phone, "tel"
	case "company_name":
		f.Label, f.Value, f.Auto = translate(v.Lang, "register.company_name"), v.CompanyName, "organization"
	case "uscc":
		f.Label, f.Value, f.Hint = translate(v.Lang, "register.uscc"), v.USCC, translate(v.Lang, "register.hint.uscc")
	case "division":
		f.Label, f.Value, f.Hint = translate(v.Lang, "field.division_code"), v.Division, translate(v.Lang, "register.hint.division")
	}
	return f
}
