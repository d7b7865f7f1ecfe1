package portal

import (
	"context"
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Public accounts (issue 6): self-registration of persons and companies, e-mail
// verification, password reset and the contact details on the account page. Each step is
// recorded by the store; secrets go only into e-mail, never into a URL the server logs or
// the record.

// WithAccounts answers 404 when the server has no account service.
func (s *Server) WithAccounts(h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.Accounts == nil {
			return pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path)
		}
		return h(w, r)
	}
}

// registerView is the registration form and its outcome.
type registerView struct {
	web.Page
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
	Errors      web.FormErrors
	Done        bool
	Mailed      bool // a verification link was sent
}

func (s *Server) PageRegister(w http.ResponseWriter, r *http.Request) error {
	v := &registerView{Page: s.Base(r, false), Kind: "person", MailOn: s.Mail != nil, Errors: web.FormErrors{}}
	if r.URL.Query().Get("kind") == "company" {
		v.Kind = "company"
	}
	return s.Render(w, r, "register", http.StatusOK, v)
}

var registerFields = []string{"username", "display_name", "password", "email", "phone", "company_name", "uscc", "division"}

func (s *Server) PageRegisterSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &registerView{
		Page: s.Base(r, false), Kind: "person", MailOn: s.Mail != nil,
		Username: strings.TrimSpace(f.Get("username")), DisplayName: strings.TrimSpace(f.Get("display_name")),
		Email: strings.TrimSpace(f.Get("email")), Phone: strings.TrimSpace(f.Get("phone")),
		CompanyName: strings.TrimSpace(f.Get("company_name")), USCC: strings.TrimSpace(f.Get("uscc")),
		Division: strings.TrimSpace(f.Get("division")), Errors: web.FormErrors{},
	}
	if f.Get("kind") == "company" {
		v.Kind = "company"
	}
	if !s.AddrLimit(r, "register") {
		v.Errors[""] = web.Translate(v.Lang, "register.error.too_many")
		return s.Render(w, r, "register", http.StatusTooManyRequests, v)
	}
	if pw := f.Get("password"); pw != f.Get("password2") {
		v.Errors["password"] = web.Translate(v.Lang, "register.error.password_mismatch")
		return s.Render(w, r, "register", http.StatusBadRequest, v)
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
		v.Errors = web.FieldErrors(v.Lang, err, registerFields...)
		v.AskDivision = v.Errors["division"] != ""
		status := http.StatusBadRequest
		if pubdata.ErrorCode(err) == pubdata.ECONFLICT {
			status = http.StatusConflict
		}
		return s.Render(w, r, "register", status, v)
	}
	v.Done = true
	// The person is signed in at once (the e-mail, when given, is verified later).
	if a, err := s.Login(w, r, u.Username, f.Get("password")); err == nil {
		r = r.WithContext(pubdata.NewContextWithActor(r.Context(), a))
		v.Page = s.Base(r, false)
	}
	if reg.Email != "" && s.Mail != nil {
		ctx := pubdata.NewContextWithActor(r.Context(), &pubdata.Actor{User: u})
		v.Mailed = s.SendVerification(ctx, r, u.ID, v.Lang) == nil
	}
	return s.Render(w, r, "register", http.StatusCreated, v)
}

// noticeView is a short page after an account step.
type noticeView struct {
	web.Page
	TitleKey string
	TextKey  string
	OK       bool
	Message  string
}

func (s *Server) PageVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	_, err := s.Accounts.VerifyEmail(r.Context(), r.URL.Query().Get("token"))
	v := &noticeView{Page: s.Base(r, false), TitleKey: "verify_email.title", TextKey: "verify_email.done", OK: true}
	status := http.StatusOK
	if err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		v.TextKey, v.OK, status = "verify_email.bad", false, http.StatusBadRequest
	}
	return s.Render(w, r, "account_notice", status, v)
}

// resetView is the password reset: the request form, the answer, the new-password form.
type resetView struct {
	web.Page
	MailOn  bool
	Login   string
	Sent    bool
	Token   string // the confirm form's token (from the link)
	Confirm bool
	Done    bool
	Errors  web.FormErrors
}

func (s *Server) PageResetRequest(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "password_reset", http.StatusOK, &resetView{Page: s.Base(r, false), MailOn: s.Mail != nil, Errors: web.FormErrors{}})
}

func (s *Server) PageResetRequestSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := &resetView{Page: s.Base(r, false), MailOn: s.Mail != nil, Login: strings.TrimSpace(r.PostForm.Get("login")), Errors: web.FormErrors{}}
	if s.Mail == nil {
		return s.Render(w, r, "password_reset", http.StatusServiceUnavailable, v)
	}
	if v.Login == "" {
		v.Errors["login"] = web.Translate(v.Lang, "form.required")
		return s.Render(w, r, "password_reset", http.StatusBadRequest, v)
	}
	if !s.AddrLimit(r, "reset") {
		v.Errors[""] = web.Translate(v.Lang, "register.error.too_many")
		return s.Render(w, r, "password_reset", http.StatusTooManyRequests, v)
	}
	email, secret, err := s.Accounts.IssuePasswordReset(r.Context(), v.Login)
	if err != nil {
		return err
	}
	if email != "" {
		// Sent in the background, so that the answer takes as long whether or not the
		// account exists.
		link := s.LinkBase(r) + "/password-reset/confirm?token=" + url.QueryEscape(secret)
		subject := web.Translate(v.Lang, "mail.reset.subject")
		body := fmt.Sprintf("%s\n\n%s\n\n%s\n", web.Translate(web.LangZH, "mail.reset.body"), link, web.Translate(web.LangEN, "mail.reset.body"))
		ctx := context.WithoutCancel(r.Context())
		go func() {
			if err := s.Mail.SendMail(ctx, []string{email}, subject, body); err != nil {
				s.Logger.LogAttrs(ctx, slog.LevelWarn, "sending the password reset e-mail failed",
					slog.String("request_id", web.RequestIDFrom(ctx)), slog.String("error", err.Error()))
			}
		}()
	}
	v.Sent = true // the same answer whether or not the account exists
	return s.Render(w, r, "password_reset", http.StatusOK, v)
}

func (s *Server) PageResetConfirm(w http.ResponseWriter, r *http.Request) error {
	v := &resetView{Page: s.Base(r, false), MailOn: true, Confirm: true, Token: r.URL.Query().Get("token"), Errors: web.FormErrors{}}
	return s.Render(w, r, "password_reset", http.StatusOK, v)
}

func (s *Server) PageResetConfirmSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := &resetView{Page: s.Base(r, false), MailOn: true, Confirm: true, Token: r.PostForm.Get("token"), Errors: web.FormErrors{}}
	if r.PostForm.Get("password") != r.PostForm.Get("password2") {
		v.Errors["password"] = web.Translate(v.Lang, "register.error.password_mismatch")
		return s.Render(w, r, "password_reset", http.StatusBadRequest, v)
	}
	_, err := s.Accounts.ResetPassword(r.Context(), v.Token, r.PostForm.Get("password"))
	if err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		v.Errors = web.FieldErrors(v.Lang, err, "password")
		if pubdata.ErrorFields(err)["token"] != nil {
			v.Errors[""] = web.Translate(v.Lang, "verify_email.bad")
		}
		return s.Render(w, r, "password_reset", http.StatusBadRequest, v)
	}
	v.Confirm, v.Done = false, true
	return s.Render(w, r, "password_reset", http.StatusOK, v)
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
		f.Label, f.Value, f.Auto, f.Hint = web.Translate(v.Lang, "field.username"), v.Username, "username", web.Translate(v.Lang, "register.hint.username")
	case "display_name":
		f.Label, f.Value, f.Auto = web.Translate(v.Lang, "field.display_name"), v.DisplayName, "name"
	case "password":
		f.Label, f.Type, f.Auto, f.Hint = web.Translate(v.Lang, "field.password"), "password", "new-password", web.Translate(v.Lang, "register.hint.password")
	case "password2":
		f.Label, f.Type, f.Auto = web.Translate(v.Lang, "register.password2"), "password", "new-password"
	case "email":
		f.Label, f.Type, f.Value, f.Auto = web.Translate(v.Lang, "register.email_optional"), "email", v.Email, "email"
		f.Hint = web.Translate(v.Lang, "register.hint.email.off")
		if v.MailOn {
			f.Hint = web.Translate(v.Lang, "register.hint.email.on")
		}
	case "phone":
		f.Label, f.Type, f.Value, f.Auto = web.Translate(v.Lang, "register.phone_optional"), "tel", v.Phone, "tel"
	case "company_name":
		f.Label, f.Value, f.Auto = web.Translate(v.Lang, "register.company_name"), v.CompanyName, "organization"
	case "uscc":
		f.Label, f.Value, f.Hint = web.Translate(v.Lang, "register.uscc"), v.USCC, web.Translate(v.Lang, "register.hint.uscc")
	case "division":
		f.Label, f.Value, f.Hint = web.Translate(v.Lang, "field.division_code"), v.Division, web.Translate(v.Lang, "register.hint.division")
	}
	return f
}
