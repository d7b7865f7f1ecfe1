package web

import (
	"net/http"
	"sync"

	"github.com/pubdata/pubdata"
)

// Early warning and incidents (G4, F4): the operations the API and the console both perform.
// Who sees what is the domain's (CanSeeSecurity, CanActOnIncident): an authority's admins and
// reviewers see the alerts and incidents of its division, a unit's admins their unit's; the
// covering authority's admins assess, contain, notify and close.

// SecurityService returns the security service, or ENOTFOUND when the server has none.
func (s *Server) SecurityService() (pubdata.SecurityService, error) {
	if s.Security == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Early warning is not available on this server.").Keyed("error.not_available.security")
	}
	return s.Security, nil
}

func forbiddenSecurity() error {
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and reviewers and the unit's admins see its security alerts and incidents.").Keyed("error.security.forbidden")
}

// securityReach is the filter of what the actor sees: an authority's scope, or its unit.
func securityReach(a *pubdata.Actor) (scope *pubdata.Scope, org string, err error) {
	switch {
	case a.IsAuthority() && (a.Role() == pubdata.RoleAdmin || a.Role() == pubdata.RoleReviewer):
		sc := pubdata.AuthorityScope(a)
		return &sc, "", nil
	case a.Org != nil && a.Role() == pubdata.RoleAdmin:
		return nil, a.Org.Code, nil
	}
	return nil, "", forbiddenSecurity()
}

// SecurityAlerts lists the alerts the caller sees (?kind=, ?open=1 for those not dismissed).
func (s *Server) SecurityAlerts(r *http.Request) ([]*pubdata.SecurityAlert, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	scope, org, err := securityReach(a)
	if err != nil {
		return nil, err
	}
	f := pubdata.SecurityAlertFilter{Scope: scope, Org: org, Kind: r.URL.Query().Get("kind"), Limit: 100}
	if r.URL.Query().Get("open") == "1" {
		open := false
		f.Dismissed = &open
	}
	return svc.Alerts(r.Context(), f)
}

// SecurityAlert returns one alert the caller sees (404 otherwise, as if it did not exist).
func (s *Server) SecurityAlert(r *http.Request, id string) (*pubdata.SecurityAlert, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	al, err := svc.Alert(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeSecurity(a, al.Org, al.Division) && !(al.Division == "" && pubdata.IsPlatformAuthority(a) && (a.Role() == pubdata.RoleAdmin || a.Role() == pubdata.RoleReviewer)) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Security alert %q not found.", id).Keyed("error.security.alert_not_found", "ID", id)
	}
	return al, nil
}

// DismissSecurityAlert dismisses an alert the caller sees, as an admin, with a reason.
func (s *Server) DismissSecurityAlert(r *http.Request, id, reason string) (*pubdata.SecurityAlert, error) {
	if _, err := s.SecurityAlert(r, id); err != nil {
		return nil, err
	}
	if pubdata.ActorFromContext(r.Context()).Role() != pubdata.RoleAdmin {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only admins dismiss security alerts.").Keyed("error.security.dismiss_forbidden")
	}
	return s.Security.Dismiss(r.Context(), id, reason)
}

// Incidents lists the incidents the caller sees.
func (s *Server) Incidents(r *http.Request) ([]*pubdata.Incident, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	scope, org, err := securityReach(a)
	if err != nil {
		return nil, err
	}
	return svc.Incidents(r.Context(), scope, org, 100)
}

// Incident returns one incident the caller sees (404 otherwise).
func (s *Server) Incident(r *http.Request, id string) (*pubdata.Incident, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	i, err := svc.Incident(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeSecurity(a, i.Org, i.Division) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Incident %q not found.", id).Keyed("error.incident.not_found", "ID", id)
	}
	return i, nil
}

// ReportIncident files a report (the store checks who may).
func (s *Server) ReportIncident(r *http.Request, rep *pubdata.IncidentReport) (*pubdata.Incident, error) {
	if _, err := RequireUser(r); err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	return svc.ReportIncident(r.Context(), rep)
}

// IncidentStep is one of the actions on an incident.
type IncidentStep struct {
	Severity   string `json:"severity"`
	Assessment string `json:"assessment"`
	Step       string `json:"step"`   // contain: grant, token or unit
	Target     string `json:"target"` // contain: the grant, token or unit ("" the incident's)
	Reason     string `json:"reason"`
	Lessons    string `json:"lessons"`
}

// ActOnIncident performs step (assess, contain, notify, close) on an incident the caller
// sees; the store checks that the caller is the covering authority's admin. Notify lists the
// data subjects from the rows the incident's grant exposes (read through package access).
func (s *Server) ActOnIncident(r *http.Request, id, step string, req *IncidentStep) (*pubdata.Incident, error) {
	i, err := s.Incident(r, id)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	if !pubdata.CanActOnIncident(pubdata.ActorFromContext(ctx), i.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins act on an incident.").Keyed("error.incident.act_forbidden")
	}
	switch step {
	case "assess":
		return s.Security.AssessIncident(ctx, id, req.Severity, req.Assessment)
	case "contain":
		return s.Security.ContainIncident(ctx, id, req.Step, req.Target, req.Reason)
	case "close":
		return s.Security.CloseIncident(ctx, id, req.Lessons)
	case "notify":
		if err := pubdata.NextIncidentStep(i.Status, "notify"); err != nil {
			return nil, err
		}
		subjects, err := s.incidentSubjects(r, i)
		if err != nil {
			return nil, err
		}
		return s.Security.NotifyIncident(ctx, id, subjects)
	}
	return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Unknown step %q.", step).Keyed("error.incident.step_unknown", "Step", step)
}

// incidentSubjects are the key values of the rows involved: the rows of the incident's entry
// that its grant exposes (its row filter), or every row of the entry without a grant.
func (s *Server) incidentSubjects(r *http.Request, i *pubdata.Incident) ([]string, error) {
	if i.Entry == "" || s.Reads == nil || s.Data == nil {
		return []string{}, nil
	}
	ctx := r.Context()
	e, err := s.Entries.FindPublishedEntry(ctx, i.Entry)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return []string{}, nil
	} else if err != nil {
		return nil, err
	}
	filter := ""
	if i.Grant != "" && s.Applications != nil {
		g, err := s.Applications.FindGrantByID(ctx, i.Grant)
		if err != nil {
			return nil, err
		}
		filter = g.RowFilter
	}
	subjects, _, err := s.Reader().IncidentSubjects(ctx, e, filter, pubdata.MaxIncidentSubjects)
	return subjects, err
}

// EmergencyRecords lists a unit's plans and drills (the caller must see the unit's security).
func (s *Server) EmergencyRecords(r *http.Request, org string) ([]*pubdata.EmergencyRecord, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return nil, err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), org)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeSecurity(a, o.Code, o.Division) {
		return nil, forbiddenSecurity()
	}
	return svc.EmergencyRecords(r.Context(), org)
}

// SecurityCounts gathers in memory what the record does not hold: refused requests (401,
// 403) per client address and the addresses each API token was used from. Observe is one
// map update under a mutex per request; serve's early-warning job drains it every minute
// into SecurityService.CountRequests.
type SecurityCounts struct {
	mu       sync.Mutex
	refusals map[string]int64
	tokens   map[string]map[string]bool
}

// maxCountedKeys bounds the addresses and tokens held between drains.
const maxCountedKeys = 100000

// Observe counts one answered request.
func (c *SecurityCounts) Observe(status int, token, addr string) {
	refused := status == http.StatusUnauthorized || status == http.StatusForbidden
	if !refused && token == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if refused && (len(c.refusals) < maxCountedKeys || c.refusals[addr] > 0) {
		if c.refusals == nil {
			c.refusals = map[string]int64{}
		}
		c.refusals[addr]++
	}
	if token != "" && len(c.tokens) < maxCountedKeys {
		if c.tokens == nil {
			c.tokens = map[string]map[string]bool{}
		}
		m := c.tokens[token]
		if m == nil {
			m = map[string]bool{}
			c.tokens[token] = m
		}
		if len(m) < 1000 {
			m[addr] = true
		}
	}
}

// Drain returns the counts since the last drain and starts again.
func (c *SecurityCounts) Drain() (refusals map[string]int64, tokenAddrs map[string][]string) {
	c.mu.Lock()
	r, t := c.refusals, c.tokens
	c.refusals, c.tokens = nil, nil
	c.mu.Unlock()
	tokenAddrs = make(map[string][]string, len(t))
	for tok, addrs := range t {
		for a := range addrs {
			tokenAddrs[tok] = append(tokenAddrs[tok], a)
		}
	}
	if r == nil {
		r = map[string]int64{}
	}
	return r, tokenAddrs
}
