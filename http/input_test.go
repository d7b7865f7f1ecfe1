package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
)

// TestBoundedInput (issue 12 item 1): NUL and bytes that are not UTF-8 in a path, a
// parameter, a form or a JSON body answer 400 on both databases (they gave 500s on
// PostgreSQL; CKAN's API answers its validation error, 409); a parameter longer than web.MaxParamLength answers 400 naming it at once
// (a 1 MB q held PostgreSQL for 41 s), on the JSON API and CKAN's, GET and POST alike.
func TestBoundedInput(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnvOn(t, dsn(t), nil)
			long := strings.Repeat("交通", 1<<19) // 3 MB of UTF-8
			for _, c := range []struct {
				name string
				r    req
				want string // in the message
			}{
				{"NUL in a page path", req{path: "/catalog/%00"}, ""},
				{"NUL in an API path", req{path: "/api/v1/entries/a%00b"}, ""},
				{"NUL in an org path", req{path: "/api/v1/orgs/%00"}, ""},
				{"bad UTF-8 in a path", req{path: "/catalog/%FF%FE"}, ""},
				{"NUL in a parameter", req{path: "/api/v1/entries?q=%00"}, "q"},
				{"bad UTF-8 in a parameter", req{path: "/catalog?q=%C3%28"}, "q"},
				{"a long q", req{path: "/api/v1/entries?q=" + url.QueryEscape(long[:3000])}, "q"},
				{"a 3 MB CKAN q", req{method: "POST", path: "/api/3/action/package_search", body: `{"q":"` + long + `"}`}, "q"},
				{"a long CKAN GET q", req{path: "/api/action/package_search?q=" + url.QueryEscape(long[:6000])}, "q"},
				{"NUL in a JSON login", req{method: "POST", path: "/api/v1/login", body: `{"username":"a\u0000b","password":"x"}`}, ""},
				{"NUL in a CKAN body", req{method: "POST", path: "/api/3/action/package_show", body: `{"id":"a\u0000"}`}, ""},
				{"NUL in a sign-in form", req{method: "POST", path: "/login", body: url.Values{"username": {"a\x00b"}, "password": {"x"}}}, "username"},
			} {
				start := time.Now()
				w := e.do(c.r)
				want := http.StatusBadRequest
				if strings.Contains(c.r.path, "/action/") {
					want = http.StatusConflict // CKAN answers a validation error 409, in its envelope
				}
				if w.Code != want {
					t.Errorf("%s: %d, want %d: %.200s", c.name, w.Code, want, w.Body)
					continue
				}
				if c.want != "" && !strings.Contains(w.Body.String(), c.want) {
					t.Errorf("%s: the answer does not name %s: %.200s", c.name, c.want, w.Body)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("%s: answered after %s", c.name, d)
				}
			}
			// Chinese readers are told in Chinese.
			w := e.do(req{path: "/api/v1/entries?q=" + url.QueryEscape(long[:3000]), header: http.Header{"Accept-Language": {"zh-CN"}}})
			if !strings.Contains(w.Body.String(), "超过") {
				t.Errorf("a long parameter in Chinese: %s", w.Body)
			}
			// The limits leave normal requests alone.
			if w := e.do(req{path: "/api/v1/entries?q=" + url.QueryEscape("交通")}); w.Code != http.StatusOK {
				t.Errorf("a normal search: %d", w.Code)
			}
			_ = web.MaxParamLength
		})
	}
}
