package http

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestCKANEnvelopeAndLimit (issue 12 item 7, part): CKAN's action API answers 401 and 429
// in CKAN's envelope on /api/3/action and /api/action alike, and both paths and the
// datastore dumps count against one rate limit (/api/action and /datastore were unlimited).
func TestCKANEnvelopeAndLimit(t *testing.T) {
	envelope := func(t *testing.T, w interface{ Result() *http.Response }, status int, typ string) {
		t.Helper()
		res := w.Result()
		var body struct {
			Success bool `json:"success"`
			Error   struct {
				Type string `json:"__type"`
			} `json:"error"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != status || body.Success || body.Error.Type != typ {
			t.Errorf("%d %+v (%v), want %d %s in CKAN's envelope", res.StatusCode, body, err, status, typ)
		}
	}
	e := newEnvWith(t, func(s *Server) { s.AnonRateLimit = 3 })
	for _, p := range []string{"/api/3/action/status_show", "/api/action/status_show"} {
		envelope(t, e.do(req{path: p, header: http.Header{"Authorization": {"Bearer not-a-token"}}}), http.StatusUnauthorized, "Authorization Error")
	}
	// One bucket: two requests on each path and a dump use up 3 and more.
	codes := []int{}
	for _, p := range []string{"/api/3/action/status_show", "/api/action/status_show", "/datastore/dump/x", "/api/action/status_show"} {
		codes = append(codes, e.do(req{path: p, remote: "198.51.100.40"}).Code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[3] != http.StatusTooManyRequests {
		t.Errorf("answers %v: the CKAN paths and dumps do not share one limit", codes)
	}
	envelope(t, e.do(req{path: "/api/action/status_show", remote: "198.51.100.40"}), http.StatusTooManyRequests, "Rate Limit Error")
}
