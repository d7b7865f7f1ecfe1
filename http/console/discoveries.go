package console

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// discoveriesView is the list of discoveries of personal data across the units the caller
// oversees (issue 15 item 3): an authority's division, a public body's own entries. Each
// links to its entry's page, where it is accepted or dismissed.
type discoveriesView struct {
	web.Page
	Items    []*pubdata.Discovery
	Status   string
	Statuses []string
	Interval string // the schedule's, "" off
}

// PageDiscoveries is GET /console/discoveries?status=.
func (s *Server) PageDiscoveries(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	list, err := s.DiscoveryList(r)
	if err != nil {
		return err
	}
	v := &discoveriesView{Page: s.Base(r, true), Items: list, Status: r.URL.Query().Get("status"),
		Statuses: []string{pubdata.DiscoveryOpen, pubdata.DiscoveryAccepted, pubdata.DiscoveryDismissed}}
	return s.Render(w, r, "discoveries", http.StatusOK, v)
}
