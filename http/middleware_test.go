package http

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

func TestRevokedAndExpiredTokens(t *testing.T) {
	e := newEnv(t)
	u := e.users[pbEditor]
	revoked, secret, err := e.srv.Tokens.CreateToken(system, u.ID, "revoked", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["revoked"] = secret
	if err := e.srv.Tokens.RevokeToken(system, u.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	_, secret, err = e.srv.Tokens.CreateToken(system, u.ID, "short", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["short"] = secret
	e.tokens["unknown"] = "pdt_not-a-real-token"

	if w := e.do(req{path: "/api/v1/me", as: "short"}); w.Code != http.StatusOK {
		t.Fatalf("fresh token: %d %s", w.Code, w.Body)
	}
	e.advance(2 * time.Hour)
	for _, name := range []string{"revoked", "short", "unknown"} {
		for _, path := range []string{"/api/v1/me", "/api/v1/orgs", "/healthz", "/"} {
			// A bad token is refused even where anonymous callers are welcome.
			w := e.do(req{path: path, as: name})
			if path == "/" {
				if w.Code != http.StatusUnauthorized {
					t.Errorf("%s token on %s: %d, want 401", name, path, w.Code)
				}
				continue
			}
			wantError(t, w, http.StatusUnauthorized, "unauthorized")
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
		}
	}
	for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "token"} {
		w := e.do(req{path: "/api/v1/orgs", header: http.Header{"Authorization": {h}}})
		wantError(t, w, http.StatusUnauthorized, "unauthorized")
	}
}

func TestCrossSiteProtection(t *testing.T) {
	e := newEnv(t)
	cookie := e.login(pbEditor)
	body := map[string]string{"name": "csrf", "expires": "24h"}
	for _, tc := range []struct {
		name   string
		header http.Header
		bearer bool
		want   int
	}{
		{"cookie, Origin of another site", http.Header{"Origin": {"https://evil.example"}}, false, 403},
		{"cookie, Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}, false, 403},
		{"cookie, Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}, false, 403},
		{"cookie, same origin", http.Header{"Sec-Fetch-Site": {"same-origin"}}, false, 201},
		{"cookie, Origin is this host", http.Header{"Origin": {"http://example.com"}}, false, 201},
		{"cookie, no browser headers", nil, false, 201},
		{"bearer, Origin of another site", http.Header{"Origin": {"https://evil.example"}}, true, 201},
		{"bearer, Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}, true, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := req{method: "POST", path: "/api/v1/tokens", body: body, header: tc.header}
			if tc.bearer {
				r.as = pbEditor
			} else {
				r.cookies = append(r.cookies, cookie)
			}
			w := e.do(r)
			if tc.want == 403 {
				wantError(t, w, 403, "forbidden")
			} else if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
		})
	}
	// Cross-site form posts to the pages are refused too, and reads are not.
	w := e.do(req{method: "POST", path: "/console/logout", cookies: []*http.Cookie{cookie}, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}})
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site logout: %d", w.Code)
	}
	w = e.do(req{path: "/api/v1/me", cookies: []*http.Cookie{cookie}, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}})
	if w.Code != http.StatusOK {
		t.Errorf("cross-site GET: %d", w.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.MaxBodyBytes = 1024 })
	big := `{"code":"big","name":"` + strings.Repeat("x", 4096) + `","kind":"public_body","division":"350000"}`
	w := e.do(req{method: "POST", path: "/api/v1/orgs", body: big, as: authAdmin})
	wantError(t, w, http.StatusRequestEntityTooLarge, "too_large")

	// Without a Content-Length the limit applies while reading.
	r := httptest.NewRequest("POST", "/api/v1/orgs", strings.NewReader(big))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer "+e.tokens[authAdmin])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantError(t, rec, http.StatusRequestEntityTooLarge, "too_large")

	// A form post to a page gets the error page.
	r = httptest.NewRequest("POST", "/console/login", strings.NewReader("username="+strings.Repeat("x", 4096)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "<h1>") {
		t.Errorf("oversize form: %d %s", rec.Code, rec.Body)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/tokens", body: map[string]string{"name": "small"}, as: authAdmin}); w.Code != http.StatusCreated {
		t.Errorf("small body: %d %s", w.Code, w.Body)
	}
}

func TestErrorRendering(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.do(req{path: "/api/v1/nothing"}), http.StatusNotFound, "not_found")
	wantError(t, e.do(req{path: "/api/v1/orgs/nope"}), http.StatusNotFound, "not_found")
	w := e.do(req{method: "DELETE", path: "/api/v1/me", as: citizen})
	wantError(t, w, http.StatusMethodNotAllowed, "invalid")
	if !strings.Contains(w.Header().Get("Allow"), "GET") {
		t.Errorf("405 without Allow: %v", w.Header())
	}
	// Pages get an HTML page.
	w = e.do(req{path: "/no/such/page"})
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), "页面不存在") {
		t.Errorf("404 page: %d %s", w.Code, w.Body)
	}

	// An internal error is logged with the request id and shown only as "Internal error.".
	e.srv.Users = failingUsers{e.srv.Users}
	w = e.do(req{path: "/api/v1/users", as: authAdmin, header: http.Header{"X-Request-Id": {"req-internal-1"}}})
	wantError(t, w, http.StatusInternalServerError, "internal")
	if strings.Contains(w.Body.String(), "disk on fire") || !strings.Contains(w.Body.String(), "Internal error.") {
		t.Errorf("internal error leaks or is unclear: %s", w.Body)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "disk on fire") || !strings.Contains(logs, "req-internal-1") {
		t.Errorf("internal error not logged with request id: %s", logs)
	}
}

// failingUsers fails FindUsers with an internal error.
type failingUsers struct{ pubdata.UserService }

func (failingUsers) FindUsers(ctx context.Context, f pubdata.UserFilter) ([]*pubdata.User, int, string, error) {
	return nil, 0, "", errors.New("disk on fire")
}

func TestPanicRecovery(t *testing.T) {
	e := newEnv(t)
	h := e.srv.RequestID(e.srv.Observe(e.srv.RecoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))))
	r := httptest.NewRequest("GET", "/api/v1/boom", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	wantError(t, w, http.StatusInternalServerError, "internal")
	if !strings.Contains(e.logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", e.logs)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "/healthz"})
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: "/readyz"})
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"status":"ready"}` {
		t.Errorf("readyz: %d %s", w.Code, w.Body)
	}
	e.mu.Lock()
	e.ready = errors.New("database down")
	e.mu.Unlock()
	if w = e.do(req{path: "/readyz"}); w.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database down: %d %s", w.Code, w.Body)
	}
	e.do(req{path: "/api/v1/orgs/fj-gat"})
	e.do(req{path: "/api/v1/no-such-thing"})
	w = e.do(req{path: "/metrics", remote: "127.0.0.1"})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", w.Code, w.Header())
	}
	m := w.Body.String()
	for _, want := range []string{
		`pubdata_http_requests_total{method="GET",route="/api/v1/orgs/{code}",status="200"} 1`,
		`pubdata_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`pubdata_http_requests_total{method="GET",route="/readyz",status="503"} 1`,
		`pubdata_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{method: "POST", path: "/api/v1/orgs", as: authAdmin, header: http.Header{"X-Request-Id": {"abc-123"}, "X-Purpose": {"testing the record"}},
		body: map[string]string{"code": "rid", "name": "请求编号测试", "kind": "company", "division": "350100"}})
	if w.Code != http.StatusCreated || w.Header().Get("X-Request-Id") != "abc-123" {
		t.Fatalf("create: %d, X-Request-Id %q", w.Code, w.Header().Get("X-Request-Id"))
	}
	w = e.do(req{path: "/api/v1/audit?object=org:rid", as: authAdmin})
	evs := decode[web.ListReply[*pubdata.Event]](t, w).Items
	if len(evs) != 1 || evs[0].RequestID != "abc-123" || evs[0].Actor != authAdmin || evs[0].ClientAddr != "192.0.2.1" || evs[0].Purpose != "testing the record" {
		t.Fatalf("event: %s", w.Body)
	}
	// A strange incoming id is replaced.
	w = e.do(req{path: "/healthz", header: http.Header{"X-Request-Id": {"<script>"}}})
	if id := w.Header().Get("X-Request-Id"); id == "" || id == "<script>" {
		t.Errorf("X-Request-Id %q", id)
	}
	// The access log names the route pattern, the user and the request id.
	var found bool
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "http request" || rec["request_id"] != "abc-123" {
			continue
		}
		found = true
		if rec["route"] != "/api/v1/orgs" || rec["method"] != "POST" || rec["status"] != float64(201) || rec["user"] != authAdmin || rec["client"] != "192.0.2.1" {
			t.Errorf("access log: %s", line)
		}
		if _, ok := rec["duration"]; !ok {
			t.Errorf("access log without duration: %s", line)
		}
		if _, ok := rec["bytes"]; !ok {
			t.Errorf("access log without bytes: %s", line)
		}
	}
	if !found {
		t.Errorf("no access log line for abc-123: %s", e.logs)
	}
}
