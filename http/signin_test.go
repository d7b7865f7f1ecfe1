package http

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pubdata/pubdata/http/web"
)

// TestSignInFromEverywhere (issue 11 item 2): /login is the one sign-in page; it returns to
// next; without next a citizen lands on the portal's account page and government staff on
// the console; the header's sign-in link carries the page it is on; the account's settings
// on the portal create an app key shown once with a copy button.
func TestSignInFromEverywhere(t *testing.T) {
	e := newEnv(t)
	for _, lang := range []string{web.LangZH, web.LangEN} {
		// The links of ratings, comments, objections and demands lead to /login?next=….
		w := e.page("GET", "/login?next=%2Fdemands", nil, lang, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="next" value="/demands"`) || !strings.Contains(w.Body.String(), `action="/login"`) {
			t.Fatalf("%s: GET /login?next=/demands: %d %.300s", lang, w.Code, w.Body)
		}
	}
	for _, c := range []struct{ user, next, want string }{
		{citizen, "/demands", "/demands"},
		{citizen, "", "/account"},
		{pbMember, "", "/console"},
		{authAdmin, "/catalog", "/catalog"},
		{citizen, "https://evil.example/", "/account"},
	} {
		w := e.page("POST", "/login", nil, "", url.Values{"username": {c.user}, "password": {password(c.user)}, "next": {c.next}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != c.want {
			t.Errorf("%s signs in with next %q: %d → %q, want %q", c.user, c.next, w.Code, w.Header().Get("Location"), c.want)
		}
		if cookieNamed(w, web.SessionCookie) == nil {
			t.Errorf("%s: no session", c.user)
		}
	}
	// The old console address still works: it sends to /login, coming back to the console.
	if w := e.page("GET", "/console/login", nil, "", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fconsole" {
		t.Errorf("GET /console/login: %d %q", w.Code, w.Header().Get("Location"))
	}
	// The header's sign-in link comes back to the page it is on.
	w := e.page("GET", "/catalog?q=%E4%BA%A4%E9%80%9A", nil, "", nil)
	if !strings.Contains(w.Body.String(), `href="/login?next=%2Fcatalog%3Fq%3D%25E4%25BA%25A4%25E9%2580%259A"`) {
		t.Errorf("header sign-in link does not carry the page: %s", regexp.MustCompile(`href="/login[^"]*"`).FindString(w.Body.String()))
	}
	// Signed in, the header names the person and links to their own pages.
	public, member := e.login(citizen), e.login(pbMember)
	if w := e.page("GET", "/catalog", public, "", nil); !strings.Contains(w.Body.String(), `class="who" href="/account"`) {
		t.Error("a citizen's header does not link to the account page")
	}
	if w := e.page("GET", "/catalog", member, "", nil); !strings.Contains(w.Body.String(), `class="who" href="/console"`) {
		t.Error("a public body's header does not link to the console")
	}
	// App keys on the portal: created on /account/settings, shown once with a copy button, in
	// the portal's layout (no console navigation), the same words as everywhere.
	for _, lang := range []string{web.LangZH, web.LangEN} {
		w = e.page("GET", "/account/settings", public, lang, nil)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `class="console-nav"`) || !strings.Contains(w.Body.String(), `action="/account/settings/tokens"`) {
			t.Fatalf("%s: /account/settings: %d %.300s", lang, w.Code, w.Body)
		}
		word := map[string]string{web.LangZH: "应用密钥", web.LangEN: "App keys"}[lang]
		if !strings.Contains(w.Body.String(), word) || strings.Contains(w.Body.String(), "令牌") || strings.Contains(w.Body.String(), "API token") {
			t.Errorf("%s: the settings page does not say %s throughout", lang, word)
		}
	}
	w = e.page("POST", "/account/settings/tokens", public, "", url.Values{"name": {"我的脚本"}, "expires": {"30"}})
	body := w.Body.String()
	if w.Code != http.StatusCreated || !strings.Contains(body, `data-copy="account-secret-value"`) || !regexp.MustCompile(`id="account-secret-value" class="secret-value" value="[^"]{16,}"`).MatchString(body) {
		t.Fatalf("create an app key on the portal: %d %.500s", w.Code, body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("the copy button's script is not allowed: %s", csp)
	}
	id := regexp.MustCompile(`action="/account/settings/tokens/([^/"]+)/revoke"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatal("no revoke form on the portal")
	}
	if w := e.page("POST", "/account/settings/tokens/"+id[1]+"/revoke", public, "", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/settings?revoked=1" {
		t.Errorf("revoke on the portal: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// TestRegisteredIsSignedIn: after registering, the person is signed in.
func TestRegisteredIsSignedIn(t *testing.T) {
	e, _ := newAccountsEnv(t, false, 0, 0)
	form := url.Values{"kind": {"person"}, "username": {"wang.fang"}, "display_name": {"王芳"}, "password": {"a-long-password-1"}, "password2": {"a-long-password-1"}}
	w := e.page("POST", "/register", nil, "zh-CN", form)
	if w.Code != http.StatusCreated {
		t.Fatalf("register: %d %.500s", w.Code, w.Body)
	}
	c := cookieNamed(w, web.SessionCookie)
	if c == nil {
		t.Fatal("registering does not sign in")
	}
	if !strings.Contains(w.Body.String(), `href="/account"`) || !strings.Contains(w.Body.String(), "您已登录") {
		t.Errorf("the registration page does not lead to the account: %.800s", w.Body)
	}
	if w := e.page("GET", "/account", c, "", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "wang.fang") {
		t.Errorf("the new account's page: %d", w.Code)
	}
}
