package web

import (
	"net/http"
	"strconv"

	"github.com/pubdata/pubdata"
)

// Discovery of personal data (issue 15 item 3) and security officers (G8): the operations
// the API and the console both perform. Who may do what is the domain's (discovery.go,
// security.go); a discovery of an entry the caller may not see in full is "not found".

// DiscoveryService returns the discoveries, or ENOTFOUND when the server keeps none.
func (s *Server) DiscoveryService() (pubdata.DiscoveryService, error) {
	if s.Discoveries == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Discovery of personal data is not available on this server.").Keyed("error.not_available.discovery")
	}
	return s.Discoveries, nil
}

// EntryDiscoveries lists the discoveries of the entry id: its provider's users and the
// covering authority (who see its working copy); "not found" for anyone else.
func (s *Server) EntryDiscoveries(r *http.Request, id string) (*pubdata.Entry, []*pubdata.Discovery, error) {
	svc, err := s.DiscoveryService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	e, err := pubdata.FindWorkingCopyFor(r.Context(), s.Entries, a, id)
	if err != nil {
		return nil, nil, err
	}
	list, err := svc.FindDiscoveries(r.Context(), pubdata.DiscoveryFilter{Entry: e.ID, Limit: 200})
	if list == nil {
		list = []*pubdata.Discovery{}
	}
	return e, list, err
}

// Discoveries lists the discoveries the caller oversees: an authority's admins and
// reviewers those of their division, a public body's users those of their own unit;
// ?status= open, accepted or dismissed, ?limit= up to 500.
func (s *Server) DiscoveryList(r *http.Request) ([]*pubdata.Discovery, error) {
	svc, err := s.DiscoveryService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	f := pubdata.DiscoveryFilter{Limit: 100}
	switch {
	case pubdata.IsSupervisor(a):
		f.DivisionPrefix = pubdata.DivisionPrefix(a.Org.Division)
	case a.Org != nil && a.Org.Kind == pubdata.KindPublicBody:
		f.Org = a.Org.Code
	default:
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrators and reviewers, and public bodies for their own entries, see discoveries of personal data.").Keyed("error.discovery.list_forbidden")
	}
	q := r.URL.Query()
	switch st := q.Get("status"); st {
	case "", pubdata.DiscoveryOpen, pubdata.DiscoveryAccepted, pubdata.DiscoveryDismissed:
		f.Status = st
	default:
		return nil, ParamError("status", pubdata.NewMessage("error.param.discovery_status", "Value", st), "must be one of open, accepted, dismissed, not %q.", st)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return nil, ParamError("limit", pubdata.NewMessage("error.param.discovery_limit"), "must be 1 to 500.")
		}
		f.Limit = n
	}
	list, err := svc.FindDiscoveries(r.Context(), f)
	if list == nil {
		list = []*pubdata.Discovery{}
	}
	return list, err
}

// DecideDiscovery accepts (reason ignored) or dismisses the discovery id: accepting is the
// provider's admins' and editors' (it edits the entry), dismissing theirs and the covering
// authority's admins' and reviewers'.
func (s *Server) DecideDiscovery(r *http.Request, id string, accept bool, reason string) (*pubdata.Discovery, error) {
	svc, err := s.DiscoveryService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	d, err := svc.FindDiscovery(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewWorkingCopy(a, &pubdata.Entry{Org: d.Org, EntryFields: pubdata.EntryFields{Division: d.Division}}) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Discovery %q not found.", id).Keyed("error.discovery.not_found", "ID", id)
	}
	if !pubdata.CanDecideDiscovery(a, d.Org, d.Division, accept) {
		if accept {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and editors accept a discovery: it marks the item in their entry.").Keyed("error.discovery.accept_forbidden")
		}
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and editors, or the covering authority's administrators and reviewers, dismiss a discovery.").Keyed("error.discovery.dismiss_forbidden")
	}
	if accept {
		return svc.AcceptDiscovery(r.Context(), id)
	}
	return svc.DismissDiscovery(r.Context(), id, reason)
}

// RunDiscovery samples the current rows of the published entry id now: its provider's
// admins and editors, or the covering authority's admins and reviewers.
func (s *Server) RunDiscovery(r *http.Request, id string) (*pubdata.Entry, []*pubdata.Discovery, error) {
	svc, err := s.DiscoveryService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	e, err := pubdata.FindWorkingCopyFor(r.Context(), s.Entries, a, id)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanDecideDiscovery(a, e.Org, e.Division, true) && !pubdata.CanReviewEntry(a, e.Division) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and editors, or the covering authority's administrators and reviewers, run discovery on an entry.").Keyed("error.discovery.run_forbidden")
	}
	list, err := svc.DiscoverEntry(r.Context(), e.ID)
	return e, list, err
}

// SetSecurityOfficer names the unit's security officer (G8): the unit's admin or a
// covering authority's admin.
func (s *Server) SetSecurityOfficer(r *http.Request, org, username string) (*pubdata.Org, error) {
	if s.Officers == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Security officers are not kept on this server.").Keyed("error.not_available.officers")
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), org)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeSystems(a, o) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", org).Keyed("error.org.not_found", "Org", org)
	}
	if !pubdata.CanNameSecurityOfficer(a, o) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's administrator or the covering authority's administrator names its security officer.").Keyed("error.org.security_officer_forbidden")
	}
	return s.Officers.SetSecurityOfficer(r.Context(), o.Code, username)
}
