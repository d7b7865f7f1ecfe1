package http

import (
	"net/http"
	"testing"
)

// TestAuthorityReach (issue 12 item 5): the platform's own settings — its mask policy, the
// authoritative sources of data elements, the working-day calendar — are the provincial
// authority's; a city authority's admin is refused (it had set the province-wide mask
// policy to none and reassigned the source of resident_id).
func TestAuthorityReach(t *testing.T) {
	e := newAccessEnv(t)
	for _, c := range []struct {
		name         string
		method, path string
		body         any
	}{
		{"platform mask policy", "PUT", "/api/v1/mask-policy", map[string]any{"grade_3": "none", "grade_4": "none", "personal": "none"}},
		{"element source", "PUT", "/api/v1/elements/resident_id/source", map[string]any{"org": "fz-dsj"}},
		{"calendar correction", "PUT", "/api/v1/calendar/2026/days/2026-12-07", map[string]any{"workday": false, "reason": "city holiday"}},
	} {
		w := e.do(req{method: c.method, path: c.path, as: cityAdmin, body: c.body})
		if w.Code != http.StatusForbidden {
			t.Errorf("a city authority's admin: %s: %d %.200s", c.name, w.Code, w.Body)
		}
	}
}
