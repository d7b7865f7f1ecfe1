package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

// tokenExpiries are the lifetimes the token form offers, in days.
var tokenExpiries = []int{7, 30, 90, 180, 365}

// tokenRow is one token as the account page lists it.
type tokenRow struct {
	*pubdata.Token
	Expired bool
}

// The account's settings — profile, contact details and app keys — for everyone signed in:
// on the portal at /account/settings (citizens and companies), in the console at
// /console/account (government staff, with the console's navigation). The same handlers
// serve both; settingsURL tells which the request came by.

// settingsURL is the settings page the request came by.
func settingsURL(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/console/") {
		return "/console/account"
	}
	return "/account/settings"
}

// accountView is the view of the account's settings: profile, contact details and app keys.
type accountView struct {
	web.Page
	// SettingsURL is this page's address; its forms post below it.
	SettingsURL  string
	User         *pubdata.User
	Org          *pubdata.Org
	RoleKey      string
	Tokens       []tokenRow
	Expiries     []int
	TokenName    string
	TokenExpires string
	Errors       web.FormErrors
	NewToken     *pubdata.Token
	NewSecret    string // shown once, right after creation
	// Contact details (register.go), when Server.Accounts is set: the e-mail address and
	// phone with their verification, the form's values and errors after a bad submission.
	Account       *pubdata.Account
	MailOn        bool
	ContactEmail  string
	ContactPhone  string
	ContactErrors web.FormErrors
	// RateLimit is each key's API requests a minute (0: unlimited).
	RateLimit int
}

func (s *Server) accountView(r *http.Request, a *pubdata.Actor) (*accountView, error) {
	v := &accountView{
		Page: s.Base(r, settingsURL(r) == "/console/account"), SettingsURL: settingsURL(r), User: a.User, Org: a.Org,
		Expiries: tokenExpiries, TokenExpires: "90", Errors: web.FormErrors{},
	}
	if a.Org != nil {
		v.RoleKey = "role." + string(a.User.Role)
	}
	tokens, err := s.Tokens.FindTokens(r.Context(), a.User.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	for _, t := range tokens {
		v.Tokens = append(v.Tokens, tokenRow{Token: t, Expired: t.RevokedAt == nil && !t.Active(now)})
	}
	if r.URL.Query().Get("revoked") != "" {
		v.Flash = web.Translate(v.Lang, "account.revoked")
	}
	v.RateLimit, v.MailOn, v.ContactErrors = s.KeyRateLimit, s.Mail != nil, web.FormErrors{}
	if s.Accounts != nil {
		if v.Account, err = s.Accounts.FindAccount(r.Context(), a.User.ID); err != nil {
			return nil, err
		}
		v.ContactEmail, v.ContactPhone = v.Account.Email, v.Account.Phone
		switch {
		case r.URL.Query().Get("contact") != "":
			v.Flash = web.Translate(v.Lang, "account.contact_saved")
		case r.URL.Query().Get("mailed") != "":
			v.Flash = web.Translate(v.Lang, "account.verification_sent")
		}
	}
	return v, nil
}

func (s *Server) PageAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.accountView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "account", http.StatusOK, v)
}

func (s *Server) PageTokenCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	days := r.PostForm.Get("expires")
	lang := web.LangFrom(r.Context())
	errs := web.FormErrors{}
	if name == "" {
		errs["name"] = web.Translate(lang, "form.required")
	} else if len([]rune(name)) > 100 {
		errs["name"] = web.Translate(lang, "account.error.name_long")
	}
	if _, err := web.ParseExpiry(days + "d"); err != nil {
		errs["expires"] = web.Translate(lang, "account.error.expires")
	}
	var tok *pubdata.Token
	var secret string
	if len(errs) == 0 {
		tok, secret, err = s.CreateToken(r, name, days+"d")
		switch {
		case err == nil:
		case web.ErrorIs(err, pubdata.EINVALID):
			errs[""] = web.ErrorText(lang, err)
		default:
			return err
		}
	}
	r.URL.RawQuery = ""
	v, err := s.accountView(r, a)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		v.TokenName, v.TokenExpires, v.Errors = name, days, errs
		return s.Render(w, r, "account", http.StatusBadRequest, v)
	}
	// The secret is shown on this response only: it is not in any URL or later page.
	v.NewToken, v.NewSecret = tok, secret
	v.Flash = web.Translate(v.Lang, "account.created", "Name", tok.Name)
	return s.RenderScripted(w, r, "account", http.StatusCreated, v) // the copy button
}

func (s *Server) PageTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if _, err := s.RevokeToken(r, r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, settingsURL(r)+"?revoked=1")
	return nil
}
