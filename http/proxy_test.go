package http

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestTrustedProxies (issue 12 item 2): X-Forwarded-For is read only from a configured
// proxy, and then one client's 429 leaves another client's requests alone; without the
// setting the header is ignored (anyone could forge it).
func TestTrustedProxies(t *testing.T) {
	get := func(e *env, xff string) int {
		return e.do(req{path: "/api/v1/orgs", header: http.Header{"X-Forwarded-For": {xff}}}).Code
	}
	// httptest's requests come from 192.0.2.1, the proxy here.
	e := newEnvWith(t, func(s *Server) {
		s.AnonRateLimit = 2
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	})
	for i, want := range []int{200, 200, 429} {
		if got := get(e, "198.51.100.7"); got != want {
			t.Fatalf("client A's request %d: %d, want %d", i+1, got, want)
		}
	}
	if got := get(e, "198.51.100.8"); got != 200 {
		t.Errorf("client B behind the same proxy after A's 429: %d", got)
	}
	// A client cannot pick its address by writing the header itself: the proxy appends
	// the address it saw, and the nearest untrusted hop counts.
	if got := get(e, "203.0.113.9, 198.51.100.7"); got != 429 {
		t.Errorf("client A forging another address: %d, want 429", got)
	}
	// Without trusted proxies the header is not read: everyone from the proxy is one client.
	e = newEnvWith(t, func(s *Server) { s.AnonRateLimit = 2 })
	get(e, "198.51.100.7")
	get(e, "198.51.100.8")
	if got := get(e, "198.51.100.9"); got != 429 {
		t.Errorf("X-Forwarded-For read without trusted_proxies: %d", got)
	}
}
