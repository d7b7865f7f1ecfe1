package portal

import (
	"net/http"

	"github.com/pubdata/pubdata/http/web"
)

// rulesView is the view of /rules: the platform's regional rules for the public.
type rulesView struct {
	web.Page
	Profile *web.ProfileView
}

// PageRules shows the platform's rules (profile.go) with the article each comes from:
// answer deadlines, share and open classes, who answers, the negative list, and the
// divisions' own deadlines (public).
func (s *Server) PageRules(w http.ResponseWriter, r *http.Request) error {
	pv, err := s.ProfileView(r.Context(), web.LangFrom(r.Context()))
	if err != nil {
		return err
	}
	return s.Render(w, r, "rules", http.StatusOK, &rulesView{Page: s.Base(r, false), Profile: pv})
}
