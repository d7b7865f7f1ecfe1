package web

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// The systems register (H4): the operations the API and the console both perform. Who may
// do what is the domain's (system.go); a system the caller may not see is "not found".

// SystemService returns the systems register, or ENOTFOUND when the server has none.
func (s *Server) SystemService() (pubdata.SystemService, error) {
	if s.Systems == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "The systems register is not available on this server.").Keyed("error.not_available.systems")
	}
	return s.Systems, nil
}

// SystemsOf returns the unit org's systems ("" the caller's own unit): its users and the
// covering authority.
func (s *Server) SystemsOf(r *http.Request, org string) (*pubdata.Org, []*pubdata.InformationSystem, error) {
	svc, err := s.SystemService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	if org == "" {
		if a.Org == nil {
			return nil, nil, forbiddenSystems()
		}
		org = a.Org.Code
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), org)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanSeeSystems(a, o) {
		return nil, nil, forbiddenSystems()
	}
	list, err := svc.FindSystems(r.Context(), o.Code)
	if list == nil {
		list = []*pubdata.InformationSystem{}
	}
	return o, list, err
}

func forbiddenSystems() error {
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's users and the authority covering it see its information systems.").Keyed("error.system.forbidden")
}

func forbiddenSystemEdit() error {
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's administrators and editors change its information systems.").Keyed("error.system.edit_forbidden")
}

// SystemFor returns the system id the caller may see (else ENOTFOUND) with its unit.
func (s *Server) SystemFor(r *http.Request, id string) (*pubdata.InformationSystem, *pubdata.Org, error) {
	svc, err := s.SystemService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	sys, err := svc.FindSystemByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), sys.Org)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanSeeSystems(a, o) {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Information system %q not found.", id).Keyed("error.system.not_found", "ID", id)
	}
	return sys, o, nil
}

// CreateSystem adds sys to the caller's unit's register: its admins and editors.
func (s *Server) CreateSystem(r *http.Request, sys *pubdata.InformationSystem) (*pubdata.InformationSystem, error) {
	svc, err := s.SystemService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	sys.Org = strings.TrimSpace(sys.Org)
	if sys.Org == "" {
		sys.Org = a.OrgCode()
	}
	if !pubdata.CanEditSystems(a, sys.Org) {
		return nil, forbiddenSystemEdit()
	}
	return svc.CreateSystem(r.Context(), sys)
}

// UpdateSystem replaces the fields of the system id: its unit's admins and editors.
func (s *Server) UpdateSystem(r *http.Request, id string, sys *pubdata.InformationSystem) (*pubdata.InformationSystem, error) {
	old, _, err := s.SystemFor(r, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanEditSystems(pubdata.ActorFromContext(r.Context()), old.Org) {
		return nil, forbiddenSystemEdit()
	}
	sys.ID, sys.Org = old.ID, old.Org
	return s.Systems.UpdateSystem(r.Context(), sys)
}

// DeleteSystem removes the system id: its unit's admins and editors.
func (s *Server) DeleteSystem(r *http.Request, id string) error {
	old, _, err := s.SystemFor(r, id)
	if err != nil {
		return err
	}
	if !pubdata.CanEditSystems(pubdata.ActorFromContext(r.Context()), old.Org) {
		return forbiddenSystemEdit()
	}
	return s.Systems.DeleteSystem(r.Context(), id)
}

// UnconnectedReport is the board: the units of a division whose catalogued entries have no
// connected system.
type UnconnectedReport struct {
	Division string                    `json:"division"`
	Units    []pubdata.UnitUnconnected `json:"units"`
	// Truncated: the division has more catalogued entries than pubdata.MaxSystemFacts,
	// and those beyond were not looked at.
	Truncated bool `json:"truncated,omitempty"`
}

// Unconnected returns the board of division ("" the caller's authority's): an authority's
// user covering it.
func (s *Server) Unconnected(r *http.Request, division string) (*UnconnectedReport, error) {
	svc, err := s.SystemService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !a.IsAuthority() {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority sees the units whose entries have no connected system.").Keyed("error.system.board_forbidden")
	}
	if division == "" {
		division = a.Org.Division
	}
	if !pubdata.ValidDivisionSyntax(division) {
		return nil, ParamError("division", pubdata.NewMessage("error.param.division", "Value", division), "must be a six-digit division code, not %q.", division)
	}
	if !pubdata.CanSeeUnconnected(a, division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Division %s is outside your authority's division %s.", division, a.Org.Division).
			Keyed("error.compliance.outside_division", "Division", division, "Authority", a.Org.Division)
	}
	facts, more, err := svc.Connections(r.Context(), division, pubdata.MaxSystemFacts)
	if err != nil {
		return nil, err
	}
	return &UnconnectedReport{Division: division, Units: pubdata.UnconnectedByUnit(facts), Truncated: more}, nil
}
