package api

import (
	"net/http"

	"github.com/pubdata/pubdata/http/web"
)

// ApiLicenseList answers GET /api/v1/licenses: the licence list and the default licence of
// each open class; anyone may read it.
func (s *Server) ApiLicenseList(w http.ResponseWriter, r *http.Request) error {
	if s.Licenses == nil {
		return web.ErrNoLicenses
	}
	list, err := s.Licenses.FindLicenses(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, list)
	return nil
}
