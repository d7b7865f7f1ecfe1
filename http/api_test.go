package http

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/web"
)

var everyone = []string{anonymous, authAdmin, authEditor, authReviewer, authMember, pbAdmin, pbEditor, pbReviewer, pbMember, citizen, cityAdmin}

// expect returns the status each actor gets: allowed ones ok, anonymous 401, the rest 403.
func expect(ok int, allowed ...string) map[string]int {
	m := map[string]int{}
	for _, a := range everyone {
		switch {
		case slices.Contains(allowed, a):
			m[a] = ok
		case a == anonymous:
			m[a] = http.StatusUnauthorized
		default:
			m[a] = http.StatusForbidden
		}
	}
	return m
}

// TestRoleMatrix runs every role against every endpoint, allowed and forbidden.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t)
	signedIn := everyone[1:]
	type endpoint struct {
		name   string
		method string
		path   string
		body   func(actor string) any
		want   map[string]int
	}
	n := 0
	uniq := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }
	endpoints := []endpoint{
		{"org create in province", "POST", "/api/v1/orgs", func(string) any {
			return map[string]string{"code": uniq("prov"), "name": "新机构", "kind": "public_body", "division": "350000"}
		}, expect(http.StatusCreated, authAdmin)},
		{"org create in Fuzhou", "POST", "/api/v1/orgs", func(string) any {
			return map[string]string{"code": uniq("fz"), "name": "新机构", "kind": "public_body", "division": "350102"}
		}, expect(http.StatusCreated, authAdmin, cityAdmin)},
		{"org create in Xiamen", "POST", "/api/v1/orgs", func(string) any {
			return map[string]string{"code": uniq("xm"), "name": "新机构", "kind": "public_body", "division": "350200"}
		}, expect(http.StatusCreated, authAdmin)}, // the city authority acts outside its division
		{"org list", "GET", "/api/v1/orgs", nil, expect(http.StatusOK, everyone...)},
		{"org get", "GET", "/api/v1/orgs/fj-gat", nil, expect(http.StatusOK, everyone...)},
		{"user create in fj-gat", "POST", "/api/v1/users", func(string) any {
			return map[string]string{"username": uniq("u-gat"), "password": "long-enough-pw", "org": "fj-gat", "role": "member"}
		}, expect(http.StatusCreated, authAdmin, pbAdmin)},
		{"user create in fz-scj", "POST", "/api/v1/users", func(string) any {
			return map[string]string{"username": uniq("u-fz"), "password": "long-enough-pw", "org": "fz-scj", "role": "editor"}
		}, expect(http.StatusCreated, authAdmin, cityAdmin)},
		{"user create in xm-scj", "POST", "/api/v1/users", func(string) any {
			return map[string]string{"username": uniq("u-xm"), "password": "long-enough-pw", "org": "xm-scj", "role": "editor"}
		}, expect(http.StatusCreated, authAdmin)},
		{"public user create", "POST", "/api/v1/users", func(string) any {
			return map[string]string{"username": uniq("u-pub"), "password": "long-enough-pw"}
		}, expect(http.StatusCreated, authAdmin)},
		{"user list", "GET", "/api/v1/users", nil, expect(http.StatusOK, authAdmin, pbAdmin, cityAdmin)},
		{"user list fj-gat", "GET", "/api/v1/users?org=fj-gat", nil, expect(http.StatusOK, authAdmin, pbAdmin)},
		{"user list fz-scj", "GET", "/api/v1/users?org=fz-scj", nil, expect(http.StatusOK, authAdmin, cityAdmin)},
		{"user list xm-scj", "GET", "/api/v1/users?org=xm-scj", nil, expect(http.StatusOK, authAdmin)},
		{"public user list", "GET", "/api/v1/users?public=true", nil, expect(http.StatusOK, authAdmin)},
		{"audit read", "GET", "/api/v1/audit", nil, expect(http.StatusOK, authAdmin, authReviewer, cityAdmin)},
		{"token create", "POST", "/api/v1/tokens", func(string) any {
			return map[string]string{"name": "matrix", "expires": "720h"}
		}, expect(http.StatusCreated, signedIn...)},
		{"token list", "GET", "/api/v1/tokens", nil, expect(http.StatusOK, signedIn...)},
		{"me", "GET", "/api/v1/me", nil, expect(http.StatusOK, signedIn...)},
		{"divisions", "GET", "/api/v1/divisions?within=350000", nil, expect(http.StatusOK, everyone...)},
	}
	for _, ep := range endpoints {
		for _, actor := range everyone {
			name := actor
			if name == "" {
				name = "anonymous"
			}
			t.Run(ep.name+"/"+name, func(t *testing.T) {
				var body any
				if ep.body != nil {
					body = ep.body(actor)
				}
				w := e.do(req{method: ep.method, path: ep.path, body: body, as: actor})
				want := ep.want[actor]
				if w.Code != want {
					t.Fatalf("%s %s as %q: status %d, want %d: %s", ep.method, ep.path, name, w.Code, want, w.Body)
				}
				if want >= 400 {
					code := map[int]string{401: "unauthorized", 403: "forbidden"}[want]
					wantError(t, w, want, code)
				}
			})
		}
	}

	// Token revoke: each user revokes their own token; nobody revokes another's.
	for _, actor := range signedIn {
		t.Run("token revoke/"+actor, func(t *testing.T) {
			w := e.do(req{method: "POST", path: "/api/v1/tokens", body: map[string]string{"name": "to revoke"}, as: actor})
			if w.Code != http.StatusCreated {
				t.Fatalf("create: %d %s", w.Code, w.Body)
			}
			created := decode[api.TokenCreateReply](t, w)
			other := authAdmin
			if actor == authAdmin {
				other = citizen
			}
			w = e.do(req{method: "POST", path: "/api/v1/tokens/" + created.Token.ID + "/revoke", as: other})
			wantError(t, w, http.StatusNotFound, "not_found")
			w = e.do(req{method: "POST", path: "/api/v1/tokens/" + created.Token.ID + "/revoke", as: actor})
			if w.Code != http.StatusOK {
				t.Fatalf("revoke: %d %s", w.Code, w.Body)
			}
			if tok := decode[pubdata.Token](t, w); tok.RevokedAt == nil {
				t.Fatalf("revoked token has no revoked_at: %s", w.Body)
			}
		})
	}
	t.Run("token revoke/anonymous", func(t *testing.T) {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/tokens/x/revoke"}), http.StatusUnauthorized, "unauthorized")
	})
}

// TestScopes checks what each allowed actor sees, not only that it may look.
func TestScopes(t *testing.T) {
	e := newEnv(t)
	usernames := func(as, path string) []string {
		t.Helper()
		w := e.do(req{path: path, as: as})
		if w.Code != http.StatusOK {
			t.Fatalf("%s as %s: %d %s", path, as, w.Code, w.Body)
		}
		l := decode[web.ListReply[pubdata.User]](t, w)
		var out []string
		for _, u := range l.Items {
			out = append(out, u.Username)
		}
		if l.Total != len(out) {
			t.Fatalf("%s as %s: total %d for %d items", path, as, l.Total, len(out))
		}
		return out
	}
	if got := usernames(pbAdmin, "/api/v1/users"); !slices.Equal(got, []string{pbAdmin, pbEditor, pbMember, pbReviewer}) {
		t.Errorf("public body admin sees %v", got)
	}
	if got := usernames(cityAdmin, "/api/v1/users"); !slices.Equal(got, []string{cityAdmin, "fz-scj-member"}) {
		t.Errorf("city admin sees %v", got)
	}
	got := usernames(authAdmin, "/api/v1/users")
	if len(got) != 12 || !slices.Contains(got, citizen) || !slices.Contains(got, "xm-scj-member") {
		t.Errorf("provincial admin sees %v, want all 12 users including the public one", got)
	}
	if got := usernames(authAdmin, "/api/v1/users?public=true"); !slices.Equal(got, []string{citizen}) {
		t.Errorf("public users: %v", got)
	}

	// The city authority reads only its division's part of the record.
	e.do(req{method: "POST", path: "/api/v1/orgs", as: authAdmin, body: map[string]string{"code": "xm-new", "name": "厦门新机构", "kind": "public_body", "division": "350200"}})
	e.do(req{method: "POST", path: "/api/v1/orgs", as: cityAdmin, body: map[string]string{"code": "fz-new", "name": "福州新机构", "kind": "public_body", "division": "350100"}})
	events := func(as string) []*pubdata.Event {
		w := e.do(req{path: "/api/v1/audit?action=org.create", as: as})
		if w.Code != http.StatusOK {
			t.Fatalf("audit as %s: %d %s", as, w.Code, w.Body)
		}
		return decode[web.ListReply[*pubdata.Event]](t, w).Items
	}
	for _, ev := range events(cityAdmin) {
		if !strings.HasPrefix(ev.Division, "3501") {
			t.Errorf("city admin sees event %d of division %q", ev.Seq, ev.Division)
		}
	}
	var sawXM bool
	for _, ev := range events(authAdmin) {
		sawXM = sawXM || ev.Object == "org:xm-new"
	}
	if !sawXM {
		t.Errorf("provincial admin does not see org:xm-new")
	}

	// Orgs filters.
	w := e.do(req{path: "/api/v1/orgs?kind=authority"})
	if l := decode[web.ListReply[pubdata.Org]](t, w); l.Total != 2 {
		t.Errorf("kind=authority: %d orgs: %s", l.Total, w.Body)
	}
	w = e.do(req{path: "/api/v1/orgs?division=350100"})
	for _, o := range decode[web.ListReply[pubdata.Org]](t, w).Items {
		if !strings.HasPrefix(o.Division, "3501") {
			t.Errorf("division=350100 lists %s (%s)", o.Code, o.Division)
		}
	}
}

func TestMe(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "/api/v1/me", as: cityAdmin})
	var me map[string]any
	me = decode[map[string]any](t, w)
	org, _ := me["org"].(map[string]any)
	if me["username"] != cityAdmin || me["role"] != "admin" || org == nil || org["code"] != "fz-dsj" || org["kind"] != "authority" || org["division"] != "350100" || org["name"] != "福州市大数据管理局" {
		t.Errorf("me = %s", w.Body)
	}
	if _, ok := me["display_name"]; !ok {
		t.Errorf("me has no display_name: %s", w.Body)
	}
	w = e.do(req{path: "/api/v1/me", as: citizen})
	me = decode[map[string]any](t, w)
	if v, ok := me["org"]; !ok || v != nil || me["role"] != "" {
		t.Errorf("public user's me = %s, want org null and role empty", w.Body)
	}
}

func TestLoginAPI(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{method: "POST", path: "/api/v1/login", body: map[string]string{"username": pbEditor, "password": "wrong-password"}})
	wantError(t, w, http.StatusUnauthorized, "unauthorized")
	c := e.login(pbEditor)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure without SecureCookies", c)
	}
	w = e.do(req{path: "/api/v1/me", cookies: []*http.Cookie{c}})
	if w.Code != http.StatusOK || decode[api.MeView](t, w).Username != pbEditor {
		t.Fatalf("me with cookie: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/api/v1/logout", cookies: []*http.Cookie{c}})
	if w.Code != http.StatusOK {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if cleared := cookieNamed(w, web.SessionCookie); cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("logout does not clear the cookie")
	}
	wantError(t, e.do(req{path: "/api/v1/me", cookies: []*http.Cookie{c}}), http.StatusUnauthorized, "unauthorized")

	// Throttled per account and address (issue 12 item 3): after MaxFailedLogins failures
	// from one address that address may not try the account, even with the right password,
	// and the answer is the same for an account that does not exist; the owner, from their
	// own address, signs in.
	login := func(user, pw, from string) *httptest.ResponseRecorder {
		return e.do(req{method: "POST", path: "/api/v1/login", body: map[string]string{"username": user, "password": pw}, remote: from})
	}
	const stranger, owner = "203.0.113.66", "198.51.100.20"
	for i := 0; i < pubdata.MaxFailedLogins; i++ {
		login(pbMember, "wrong-password", stranger)
		login("no-such-user", "wrong-password", stranger)
	}
	known, unknown := login(pbMember, password(pbMember), stranger), login("no-such-user", "x", stranger)
	wantError(t, known, http.StatusUnauthorized, "unauthorized")
	wantError(t, unknown, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(known.Body.String(), "Too many failed sign-ins") || known.Body.String() != unknown.Body.String() {
		t.Errorf("the throttled answers differ or do not say why:\n%s\n%s", known.Body, unknown.Body)
	}
	if w := login(pbMember, password(pbMember), owner); w.Code != http.StatusOK {
		t.Errorf("the owner from their own address after a stranger's failures: %d %s", w.Code, w.Body)
	}
	// One address trying many accounts is stopped too.
	for i := 0; i < pubdata.MaxFailedLoginsPerAddress; i++ {
		login(fmt.Sprintf("guess-%d", i), "wrong-password", "203.0.113.77")
	}
	if w := login(authAdmin, password(authAdmin), "203.0.113.77"); !strings.Contains(w.Body.String(), "Too many failed sign-ins") {
		t.Errorf("an address after %d failures on many accounts: %d %s", pubdata.MaxFailedLoginsPerAddress, w.Code, w.Body)
	}
	e.advance(pubdata.LockoutDuration + time.Minute)
	if w := login(pbMember, password(pbMember), stranger); w.Code != http.StatusOK {
		t.Errorf("after the throttle's window: %d", w.Code)
	}
}

func TestSecureCookies(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.SecureCookies = true })
	if c := e.login(citizen); !c.Secure {
		t.Errorf("session cookie not Secure with SecureCookies")
	}
}

func TestRegister(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{method: "POST", path: "/api/v1/register", body: map[string]string{"username": "zhang.san", "password": "a-long-password", "display_name": "张三"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	u := decode[pubdata.User](t, w)
	if u.OrgCode != "" || u.Role != "" || u.DisplayName != "张三" {
		t.Errorf("registered %+v", u)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/register", body: map[string]string{"username": "zhang.san", "password": "a-long-password"}}), http.StatusConflict, "conflict")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/register", body: map[string]string{"username": "li.si", "password": "short"}}), http.StatusBadRequest, "invalid")
	// A registration cannot pick an organisation or role.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/register", body: map[string]string{"username": "li.si", "password": "a-long-password", "org": "fj-dsj"}}), http.StatusBadRequest, "invalid")
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		msg    string
	}{
		{"unknown division", "/api/v1/orgs", map[string]string{"code": "a1", "name": "x", "kind": "public_body", "division": "359999"}, 400, "invalid", "359999"},
		{"bad kind", "/api/v1/orgs", map[string]string{"code": "a1", "name": "x", "kind": "club", "division": "350000"}, 400, "invalid", "club"},
		{"duplicate code", "/api/v1/orgs", map[string]string{"code": "fj-gat", "name": "x", "kind": "public_body", "division": "350000"}, 409, "conflict", ""},
		{"unknown parent", "/api/v1/orgs", map[string]string{"code": "a2", "name": "x", "kind": "public_body", "division": "350000", "parent": "nope"}, 400, "invalid", ""},
		{"unknown field", "/api/v1/orgs", map[string]string{"code": "a3", "nmae": "x"}, 400, "invalid", "nmae"},
		{"wrong type", "/api/v1/orgs", map[string]any{"code": 7}, 400, "invalid", "code"},
		{"malformed", "/api/v1/orgs", `{"code":`, 400, "invalid", "JSON"},
		{"two objects", "/api/v1/orgs", `{} {}`, 400, "invalid", "one JSON object"},
		{"empty body", "/api/v1/orgs", ``, 400, "invalid", "required"},
		{"unknown org for user", "/api/v1/users", map[string]string{"username": "abc", "password": "long-enough-pw", "org": "nope", "role": "member"}, 400, "invalid", "nope"},
		{"bad role", "/api/v1/users", map[string]string{"username": "abc", "password": "long-enough-pw", "org": "fj-gat", "role": "boss"}, 400, "invalid", "boss"},
		{"duplicate user", "/api/v1/users", map[string]string{"username": pbMember, "password": "long-enough-pw", "org": "fj-gat", "role": "member"}, 409, "conflict", ""},
		{"bad expiry", "/api/v1/tokens", map[string]string{"name": "x", "expires": "forever"}, 400, "invalid", "expires"},
		{"expiry too long", "/api/v1/tokens", map[string]string{"name": "x", "expires": "10000d"}, 400, "invalid", "expires"},
		{"token without name", "/api/v1/tokens", map[string]string{"expires": "30d"}, 400, "invalid", "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(req{method: "POST", path: tc.path, body: tc.body, as: authAdmin})
			wantError(t, w, tc.status, tc.code)
			if !strings.Contains(w.Body.String(), tc.msg) {
				t.Errorf("message does not mention %q: %s", tc.msg, w.Body)
			}
		})
	}
}

func TestQueryParams(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, param string }{
		{"/api/v1/orgs?limit=abc", "limit"},
		{"/api/v1/orgs?limit=0", "limit"},
		{"/api/v1/orgs?limit=1001", "limit"},
		{"/api/v1/orgs?limit=-1", "limit"},
		{"/api/v1/orgs?kind=club", "kind"},
		{"/api/v1/orgs?division=35", "division"},
		{"/api/v1/users?public=maybe", "public"},
		{"/api/v1/audit?limit=x", "limit"},
		{"/api/v1/divisions?within=999999", "within"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			w := e.do(req{path: tc.path, as: authAdmin})
			wantError(t, w, http.StatusBadRequest, "invalid")
			if !strings.Contains(w.Body.String(), tc.param) {
				t.Errorf("message does not name %q: %s", tc.param, w.Body)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	var codes []string
	path := "/api/v1/orgs?limit=2"
	for i := 0; i < 10; i++ {
		w := e.do(req{path: path})
		l := decode[web.ListReply[pubdata.Org]](t, w)
		if l.Total != 5 {
			t.Fatalf("total %d, want 5", l.Total)
		}
		for _, o := range l.Items {
			codes = append(codes, o.Code)
		}
		if l.Next == "" {
			break
		}
		path = "/api/v1/orgs?limit=2&cursor=" + l.Next
	}
	if !slices.Equal(codes, []string{"fj-dsj", "fj-gat", "fz-dsj", "fz-scj", "xm-scj"}) {
		t.Errorf("pages give %v", codes)
	}
	// An empty list is [] and next is "".
	w := e.do(req{path: "/api/v1/orgs?q=nothing-matches"})
	if !strings.Contains(w.Body.String(), `"items":[]`) || !strings.Contains(w.Body.String(), `"next":""`) {
		t.Errorf("empty list: %s", w.Body)
	}
	// Divisions page by code.
	w = e.do(req{path: "/api/v1/divisions?within=350000&limit=5"})
	l := decode[web.ListReply[pubdata.Division]](t, w)
	if len(l.Items) != 5 || l.Items[0].Code != "350000" || l.Next == "" || l.Total < 50 {
		t.Fatalf("divisions: %s", w.Body)
	}
	w = e.do(req{path: "/api/v1/divisions?within=350000&limit=5&cursor=" + l.Next})
	if l2 := decode[web.ListReply[pubdata.Division]](t, w); len(l2.Items) != 5 || l2.Items[0].Code <= l.Items[4].Code {
		t.Fatalf("divisions page 2: %s", w.Body)
	}
	w = e.do(req{path: "/api/v1/divisions"})
	if l := decode[web.ListReply[pubdata.Division]](t, w); l.Total < 30 || l.Items[0].Code != "110000" {
		t.Fatalf("provinces: %s", w.Body)
	}
}
