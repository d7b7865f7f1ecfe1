package http

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pubdata/pubdata/http/web"
)

// TestRouteTableWho: every route the table declares SignedIn refuses an anonymous caller
// before its handler runs — 401 on the APIs, the sign-in form on pages — every other route
// does not, and the table holds every registered route once.
func TestRouteTableWho(t *testing.T) {
	e := newEnv(t)
	table := routeTable(e.srv, prometheus.NewRegistry())
	if len(table) != len(e.srv.Routes) {
		t.Fatalf("the table has %d routes, the server registered %d", len(table), len(e.srv.Routes))
	}
	param := regexp.MustCompile(`\{[a-z_]+(\.\.\.)?\}`)
	signedIn := 0
	for _, rt := range table {
		if rt.Handler == nil {
			t.Errorf("%s has no handler", rt.Pattern)
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.TrimSuffix(param.ReplaceAllString(path, "x"), "{$}")
		w := e.do(req{method: method, path: path})
		if rt.Who != web.SignedIn {
			// The table is exact both ways: a route open to anyone does not ask an anonymous
			// caller to sign in (the sign-in form's own failure aside).
			askSignIn := w.Code == http.StatusUnauthorized || (w.Code >= 300 && w.Code < 400 && strings.Contains(w.Header().Get("Location"), "login"))
			if askSignIn && rt.Pattern != "POST /console/login" && rt.Pattern != "POST /login" && rt.Pattern != "GET /console/login" {
				t.Errorf("%s is declared open to anyone but asks an anonymous caller to sign in (%d)", rt.Pattern, w.Code)
			}
			continue
		}
		signedIn++
		switch {
		case strings.HasPrefix(path, "/api/"):
			if w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous %s %s: %d, want 401: %s", method, path, w.Code, w.Body)
			}
		case w.Code == http.StatusUnauthorized:
		case w.Code >= 300 && w.Code < 400 && strings.Contains(w.Header().Get("Location"), "login"):
		default:
			t.Errorf("anonymous %s %s: %d (%s), want the sign-in form", method, path, w.Code, w.Header().Get("Location"))
		}
	}
	if signedIn < 50 {
		t.Errorf("only %d routes are declared SignedIn", signedIn)
	}
}
