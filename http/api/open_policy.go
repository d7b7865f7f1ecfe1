package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

// ApiOpenRisk returns the pre-open check of an entry's working copy to its provider's users
// and the covering authority.
func (s *Server) ApiOpenRisk(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	e, err := pubdata.FindWorkingCopyFor(r.Context(), s.Entries, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	risk, err := s.OpenRisk(r.Context(), e)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, struct {
		*pubdata.OpenRisk
		Opens       bool `json:"opens"`
		CanOverride bool `json:"can_override"`
	}{risk, e.Opens(), pubdata.CanOverrideOpenRisk(a, e.Division)})
	return nil
}
