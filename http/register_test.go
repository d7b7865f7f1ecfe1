package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/lib/mail"
	"github.com/pubdata/pubdata/sqlstore"
)

// newAccountsEnv is an env with accounts, e-mail through a test SMTP server (nil smtp: no
// e-mail) and the given rate limits.
func newAccountsEnv(t *testing.T, withMail bool, keyLimit, anonLimit int) (*env, *smtpServer) {
	var smtp *smtpServer
	if withMail {
		smtp = newSMTPServer(t)
	}
	e := newEnvWith(t, func(s *Server) {
		s.BaseURL = "https://data.example.cn"
		s.KeyRateLimit, s.AnonRateLimit = keyLimit, anonLimit
		if smtp != nil {
			s.Mail = &mail.SMTP{Addr: smtp.addr, From: "noreply@example.cn"}
		}
	})
	// Accounts needs the store; set after newEnvWith opened it, before any request.
	e.srv.Accounts = sqlstore.NewAccountService(e.db, division.Default())
	return e, smtp
}

func (e *env) events(action string) []*pubdata.Event {
	e.t.Helper()
	evs, _, _, err := e.srv.Audit.FindEvents(context.Background(), pubdata.AuditFilter{Action: action, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

var tokenLink = regexp.MustCompile(`https://data\.example\.cn(/[a-z/-]+)\?token=(pda_[a-z0-9]+)`)

func TestRegisterPersonVerifyAndReset(t *testing.T) {
	e, smtp := newAccountsEnv(t, true, 0, 0)
	form := url.Values{"kind": {"person"}, "username": {"li.lei"}, "display_name": {"李雷"}, "password": {"correct horse"}, "password2": {"correct horse"}, "email": {"li.lei@example.cn"}}
	w := e.page("POST", "/register", nil, "zh-CN", form)
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "验证邮件已发送") {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	m := smtp.wait(t)
	if len(m.To) != 1 || m.To[0] != "li.lei@example.cn" {
		t.Fatalf("verification mail to %v", m.To)
	}
	link := tokenLink.FindStringSubmatch(m.Data)
	if link == nil || link[1] != "/register/verify" {
		t.Fatalf("no verification link in %q", m.Data)
	}
	// A verification token cannot reset the password (purposes are separate).
	w = e.page("POST", "/password-reset/confirm", nil, "en", url.Values{"token": {link[2]}, "password": {"new password 1"}, "password2": {"new password 1"}})
	if w.Code != http.StatusBadRequest {
		t.Fatalf("reset with a verification token: %d", w.Code)
	}
	// Before verification a reset sends nothing, and answers the same as for nobody.
	same := e.page("POST", "/password-reset", nil, "en", url.Values{"login": {"li.lei"}})
	nobody := e.page("POST", "/password-reset", nil, "en", url.Values{"login": {"nobody"}})
	if same.Code != http.StatusOK || nobody.Code != http.StatusOK || !strings.Contains(same.Body.String(), `id="reset-sent"`) || !strings.Contains(nobody.Body.String(), `id="reset-sent"`) {
		t.Fatalf("reset answers differ: %d %d", same.Code, nobody.Code)
	}
	if smtp.count() != 1 {
		t.Fatalf("a reset was mailed to an unverified address")
	}
	w = e.page("GET", "/register/verify?token="+url.QueryEscape(link[2]), nil, "en", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "is verified") {
		t.Fatalf("verify: %d %s", w.Code, w.Body)
	}
	if w = e.page("GET", "/register/verify?token="+url.QueryEscape(link[2]), nil, "en", nil); w.Code != http.StatusBadRequest {
		t.Fatalf("second use of the verification link: %d", w.Code)
	}
	// Now by e-mail address: a link arrives, works once, and the new password signs in.
	e.page("POST", "/password-reset", nil, "en", url.Values{"login": {"li.lei@example.cn"}})
	m = smtp.wait(t)
	link = tokenLink.FindStringSubmatch(m.Data)
	if link == nil || link[1] != "/password-reset/confirm" {
		t.Fatalf("no reset link in %q", m.Data)
	}
	if w = e.page("GET", link[1]+"?token="+link[2], nil, "en", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="token" value="`+link[2]) {
		t.Fatalf("reset form: %d", w.Code)
	}
	w = e.page("POST", "/password-reset/confirm", nil, "en", url.Values{"token": {link[2]}, "password": {"short"}, "password2": {"short"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="reset-password-error"`) {
		t.Fatalf("short password: %d", w.Code)
	}
	w = e.page("POST", "/password-reset/confirm", nil, "en", url.Values{"token": {link[2]}, "password": {"new password 1"}, "password2": {"new password 1"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="reset-done"`) {
		t.Fatalf("reset: %d %s", w.Code, w.Body)
	}
	if w = e.page("POST", "/password-reset/confirm", nil, "en", url.Values{"token": {link[2]}, "password": {"new password 2"}, "password2": {"new password 2"}}); w.Code != http.StatusBadRequest {
		t.Fatalf("second use of the reset link: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/api/v1/login", body: map[string]string{"username": "li.lei", "password": "new password 1"}})
	if w.Code != http.StatusOK {
		t.Fatalf("sign in with the new password: %d", w.Code)
	}
	for _, a := range []string{"user.register", "user.email_verification", "user.email_verified", "user.password_reset_request", "user.password_reset"} {
		evs := e.events(a)
		if len(evs) == 0 {
			t.Errorf("no %s in the record", a)
		}
		for _, ev := range evs {
			d := fmt.Sprint(ev.Details)
			if strings.Contains(d, "pda_") || strings.Contains(d, "password 1") || strings.Contains(d, "correct horse") {
				t.Errorf("%s holds a secret: %s", a, ev.Details)
			}
		}
	}
}

func TestRegisterCompanyAndBadInput(t *testing.T) {
	e, _ := newAccountsEnv(t, false, 0, 0)
	uscc := ident.CompleteUSCC("91350100M0002000")
	company := url.Values{"kind": {"company"}, "username": {"acme-admin"}, "display_name": {"王芳"}, "password": {"pw-acme-12345"}, "password2": {"pw-acme-12345"}, "company_name": {"福州示例科技有限公司"}, "uscc": {uscc}}
	w := e.page("POST", "/register", nil, "en", company)
	if w.Code != http.StatusCreated || strings.Contains(w.Body.String(), "verification link was sent") {
		t.Fatalf("company: %d %s", w.Code, w.Body)
	}
	o, err := e.srv.Orgs.FindOrgByCode(context.Background(), uscc)
	if err != nil || o.Kind != pubdata.KindCompany || o.Division != "350100" {
		t.Fatalf("company org: %+v %v", o, err)
	}
	u, err := e.srv.Users.FindUserByUsername(context.Background(), "acme-admin")
	if err != nil || u.OrgCode != uscc || u.Role != pubdata.RoleAdmin {
		t.Fatalf("company admin: %+v %v", u, err)
	}
	for _, c := range []struct {
		name   string
		change url.Values
		status int
		field  string
	}{
		{"bad USCC", url.Values{"username": {"x-1"}, "uscc": {uscc[:17] + "0"}}, 400, "uscc"},
		{"taken USCC", url.Values{"username": {"x-2"}}, 409, "uscc"},
		{"taken username", url.Values{"uscc": {ident.CompleteUSCC("91350100M0003000")}}, 409, "username"},
		{"unknown division", url.Values{"username": {"x-3"}, "uscc": {ident.CompleteUSCC("91350999M0004000")}}, 400, "division"},
		{"no company name", url.Values{"username": {"x-4"}, "company_name": {""}, "uscc": {ident.CompleteUSCC("91350100M0005000")}}, 400, "company_name"},
		{"bad e-mail", url.Values{"username": {"x-5"}, "email": {"not-an-address"}, "uscc": {ident.CompleteUSCC("91350100M0006000")}}, 400, "email"},
		{"passwords differ", url.Values{"username": {"x-6"}, "password2": {"other-password"}}, 400, "password"},
	} {
		f := url.Values{}
		for k, v := range company {
			f[k] = v
		}
		for k, v := range c.change {
			f[k] = v
		}
		w := e.page("POST", "/register", nil, "zh-CN", f)
		if w.Code != c.status || !strings.Contains(w.Body.String(), `id="reg-`+c.field+`-error"`) {
			t.Errorf("%s: %d, want %d naming %s: %s", c.name, w.Code, c.status, c.field, w.Body)
		}
	}
	// With the division given, the unknown-division company registers.
	f := url.Values{}
	for k, v := range company {
		f[k] = v
	}
	f.Set("username", "x-7")
	f.Set("uscc", ident.CompleteUSCC("91350999M0004000"))
	f.Set("division", "350100")
	if w := e.page("POST", "/register", nil, "en", f); w.Code != http.StatusCreated {
		t.Fatalf("with division: %d %s", w.Code, w.Body)
	}
	// Without e-mail the reset page says resets need it.
	if w := e.page("GET", "/password-reset", nil, "en", nil); !strings.Contains(w.Body.String(), `id="reset-off"`) {
		t.Fatalf("reset page without e-mail: %s", w.Body)
	}
}

func TestRegisterRateLimitedPerAddress(t *testing.T) {
	e, _ := newAccountsEnv(t, false, 0, 0)
	e.srv.AccountRateLimit = 2
	bad := url.Values{"kind": {"person"}, "username": {"!"}}
	for i := 0; i < 2; i++ {
		if w := e.page("POST", "/register", nil, "en", bad); w.Code != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d", i, w.Code)
		}
	}
	if w := e.page("POST", "/register", nil, "en", bad); w.Code != http.StatusTooManyRequests {
		t.Fatalf("third attempt: %d", w.Code)
	}
}

func TestAPIRateLimitAndUsage(t *testing.T) {
	e, _ := newAccountsEnv(t, false, 3, 2)
	for i := 0; i < 3; i++ {
		w := e.do(req{path: "/api/v1/me", as: citizen})
		if w.Code != http.StatusOK || w.Header().Get("X-RateLimit-Limit") != "3" || w.Header().Get("X-RateLimit-Remaining") != string(rune('2'-i)) || w.Header().Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d: %d %v", i, w.Code, w.Header())
		}
	}
	w := e.do(req{path: "/api/v1/me", as: citizen})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || w.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("over the limit: %d %v", w.Code, w.Header())
	}
	if body := decode[web.ErrorBody](t, w); body.Error.Code != "rate_limited" {
		t.Fatalf("429 body: %s", w.Body)
	}
	// Another key has its own window; anonymous callers have the anonymous limit.
	if w := e.do(req{path: "/api/v1/me", as: pbMember}); w.Code != http.StatusOK {
		t.Fatalf("another key: %d", w.Code)
	}
	for i := 0; i < 2; i++ {
		if w := e.do(req{path: "/api/v1/divisions"}); w.Header().Get("X-RateLimit-Limit") != "2" || w.Code == http.StatusTooManyRequests {
			t.Fatalf("anonymous %d: %d %v", i, w.Code, w.Header())
		}
	}
	if w := e.do(req{path: "/api/v1/divisions"}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("anonymous over the limit: %d", w.Code)
	}
	// The window ends: the key may call again.
	e.advance(web.RateWindow)
	if w := e.do(req{path: "/api/v1/me", as: citizen}); w.Code != http.StatusOK {
		t.Fatalf("next window: %d", w.Code)
	}
	// Pages are not limited.
	if w := e.page("GET", "/register", nil, "en", nil); w.Header().Get("X-RateLimit-Limit") != "" {
		t.Fatalf("page has rate-limit headers")
	}
	// Usage: 5 requests with the citizen's key (429s count too), flushed in one write.
	if err := e.srv.FlushUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	toks, err := e.srv.Tokens.FindTokens(context.Background(), e.users[citizen].ID)
	if err != nil || len(toks) != 1 || toks[0].Requests != 5 || toks[0].LastUsedAt == nil {
		t.Fatalf("usage: %+v %v", toks[0], err)
	}
	if err := e.srv.FlushUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	if toks, _ = e.srv.Tokens.FindTokens(context.Background(), e.users[citizen].ID); toks[0].Requests != 5 {
		t.Fatalf("a second flush counted again: %d", toks[0].Requests)
	}
	// The account page shows the count and the limit.
	p := e.page("GET", "/console/account", e.login(citizen), "en", nil)
	if !strings.Contains(p.Body.String(), `<td class="num">5</td>`) || !strings.Contains(p.Body.String(), "3 a minute") {
		t.Fatalf("account page: %s", p.Body)
	}
}

func TestLimiterMemoryBounded(t *testing.T) {
	l := web.NewLimiter(web.RateWindow, 3)
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		l.Take(k, 10, now)
	}
	if l.Size() > 4 { // three keys and the overflow window
		t.Fatalf("limiter holds %d keys", l.Size())
	}
	l.Take("f", 10, now.Add(web.RateWindow)) // the old windows ended: evicted
	if l.Size() != 1 {
		t.Fatalf("idle keys not evicted: %d", l.Size())
	}
}

func TestRevokeAnothersKeyForbidden(t *testing.T) {
	e, _ := newAccountsEnv(t, false, 0, 0)
	toks, _ := e.srv.Tokens.FindTokens(context.Background(), e.users[pbMember].ID)
	c := e.login(citizen)
	if w := e.page("POST", "/console/account/tokens/"+toks[0].ID+"/revoke", c, "en", url.Values{}); w.Code != http.StatusNotFound {
		t.Fatalf("revoking another's key: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/tokens/" + toks[0].ID + "/revoke", as: citizen}); w.Code != http.StatusNotFound {
		t.Fatalf("revoking another's key by API: %d", w.Code)
	}
	if w := e.do(req{path: "/api/v1/me", as: pbMember}); w.Code != http.StatusOK {
		t.Fatalf("the key stopped working: %d", w.Code)
	}
}

func TestAccountContact(t *testing.T) {
	e, smtp := newAccountsEnv(t, true, 0, 0)
	c := e.login(citizen)
	if w := e.page("POST", "/console/account/contact", c, "en", url.Values{"email": {"bad"}, "phone": {""}}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="contact-email-error"`) {
		t.Fatalf("bad e-mail: %d", w.Code)
	}
	w := e.page("POST", "/console/account/contact", c, "en", url.Values{"email": {"c@example.cn"}, "phone": {"13800138000"}})
	if w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
		t.Fatalf("contact: %d %s", w.Code, w.Body)
	}
	m := smtp.wait(t)
	if m.To[0] != "c@example.cn" {
		t.Fatalf("verification to %v", m.To)
	}
	p := e.page("GET", "/console/account", c, "en", nil).Body.String()
	if !strings.Contains(p, "c@example.cn") || !strings.Contains(p, "13800138000") || !strings.Contains(p, "not verified") {
		t.Fatalf("account page: %s", p)
	}
}
