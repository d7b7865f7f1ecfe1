package web

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
)

// Non-compliance and rectification (H3) and the opened-data findings (E7): the operations
// the API and the console both perform. Who may do what is the domain's (compliance.go,
// openwatch.go); an order or a finding the caller may not see is "not found".

// MaxFindings bounds the findings one reply lists (the rest are counted as left out).
const MaxFindings = 1000

// ComplianceService returns the compliance service, or ENOTFOUND when the server has none.
func (s *Server) ComplianceService() (pubdata.ComplianceService, error) {
	if s.Compliance == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Compliance is not available on this server.").Keyed("error.not_available.compliance")
	}
	return s.Compliance, nil
}

// ComplianceReport is the current findings of a division.
type ComplianceReport struct {
	Division string                      `json:"division"`
	At       string                      `json:"at"`
	Findings []pubdata.ComplianceFinding `json:"findings"`
	Units    []pubdata.UnitFindings      `json:"units"`
	// LeftOut is how many findings beyond MaxFindings were left out.
	LeftOut int `json:"left_out,omitempty"`
}

// ComplianceReport returns the current findings of division ("" the actor's own), limited
// to one unit (org) and to kinds when given: an authority's admin or reviewer covering it.
func (s *Server) ComplianceReport(r *http.Request, division, org string, kinds []string) (*ComplianceReport, error) {
	svc, err := s.ComplianceService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.IsSupervisor(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrators and reviewers see the findings of non-compliance.").Keyed("error.compliance.forbidden")
	}
	if division == "" {
		division = a.Org.Division
	}
	if !pubdata.CanSuperviseCompliance(a, division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Division %s is outside your authority's division %s.", division, a.Org.Division).
			Keyed("error.compliance.outside_division", "Division", division, "Authority", a.Org.Division)
	}
	now := s.Now()
	facts, err := svc.Facts(r.Context(), division, now)
	if err != nil {
		return nil, err
	}
	rep := &ComplianceReport{Division: division, At: now.UTC().Format("2006-01-02T15:04:05Z"), Findings: []pubdata.ComplianceFinding{}}
	for _, f := range pubdata.ComplianceFindings(facts, now) {
		if (org != "" && f.Org != org) || (len(kinds) > 0 && !contains(kinds, f.Kind)) {
			continue
		}
		if len(rep.Findings) == MaxFindings {
			rep.LeftOut++
			continue
		}
		rep.Findings = append(rep.Findings, f)
	}
	rep.Units = pubdata.FindingsByUnit(rep.Findings)
	return rep, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// IssueRectification orders the unit c.Org to correct its current findings (those of
// c.Findings, or all): a supervisor covering the unit.
func (s *Server) IssueRectification(r *http.Request, c *pubdata.RectificationCreate) (*pubdata.Rectification, error) {
	svc, err := s.ComplianceService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.IsSupervisor(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrators and reviewers order rectification.").Keyed("error.rectification.issue_forbidden")
	}
	if err := pubdata.ValidateRectificationCreate(c); err != nil {
		return nil, err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), strings.TrimSpace(c.Org))
	if err != nil {
		return nil, err
	}
	if !pubdata.CanIssueRectification(a, o) {
		if o.Kind != pubdata.KindPublicBody {
			return nil, pubdata.FieldErrorf("org", "Rectification is ordered to public bodies; %s is not one.", o.Code).Keyed("error.rectification.not_unit", "Org", o.Code)
		}
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Organisation %s (division %s) is outside your authority's division %s.", o.Code, o.Division, a.Org.Division).
			Keyed("error.rectification.outside_division", "Org", o.Code, "Division", o.Division, "Authority", a.Org.Division)
	}
	now := s.Now()
	facts, err := svc.Facts(r.Context(), o.Division, now)
	if err != nil {
		return nil, err
	}
	var current []pubdata.ComplianceFinding
	for _, f := range pubdata.ComplianceFindings(facts, now) {
		if f.Org == o.Code {
			current = append(current, f)
		}
	}
	sel, err := pubdata.SelectFindings(current, c.Findings)
	if err != nil {
		return nil, err
	}
	c.Org = o.Code
	return svc.Issue(r.Context(), c, sel)
}

// RectificationFor returns the order of the path's {id} the actor may see.
func (s *Server) RectificationFor(r *http.Request) (*pubdata.Actor, *pubdata.Rectification, error) {
	svc, err := s.ComplianceService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("id")
	o, err := svc.Find(r.Context(), id)
	if err == nil && !pubdata.CanViewRectification(a, o) {
		err = pubdata.Errorf(pubdata.ENOTFOUND, "Rectification order %q not found.", id).Keyed("error.rectification.not_found", "ID", id)
	}
	return a, o, err
}

// StepRectification takes the step on the path's order: the unit's admin answers, a
// supervisor covering the unit closes or returns.
func (s *Server) StepRectification(r *http.Request, step pubdata.RectificationStep, text string) (*pubdata.Rectification, error) {
	a, o, err := s.RectificationFor(r)
	if err != nil {
		return nil, err
	}
	switch step {
	case pubdata.RectificationAnswer:
		if !pubdata.CanAnswerRectification(a, o) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the unit's administrator answers its rectification order.").Keyed("error.rectification.answer_forbidden")
		}
	case pubdata.RectificationClose, pubdata.RectificationReturn:
		if !pubdata.CanDecideRectification(a, o) {
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator or reviewer covering the unit closes or returns its rectification order.").Keyed("error.rectification.decide_forbidden")
		}
	default:
		_, err := pubdata.NextRectificationStatus(o.Status, step)
		return nil, err
	}
	return s.Compliance.Step(r.Context(), o.ID, step, text)
}

// Rectifications lists the orders the actor sees (RectificationScope), filtered by status.
func (s *Server) Rectifications(r *http.Request) ([]*pubdata.Rectification, string, error) {
	svc, err := s.ComplianceService()
	if err != nil {
		return nil, "", err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, "", err
	}
	f, ok := pubdata.RectificationScope(a)
	if !ok {
		return nil, "", pubdata.Errorf(pubdata.EFORBIDDEN, "Rectification orders are seen by the units they go to and by the authorities.").Keyed("error.rectification.list_forbidden")
	}
	q := r.URL.Query()
	if f.Limit, f.Cursor, err = PageParams(q); err != nil {
		return nil, "", err
	}
	if st := q.Get("status"); st != "" {
		switch pubdata.RectificationStatus(st) {
		case pubdata.RectificationIssued, pubdata.RectificationAnswered, pubdata.RectificationReturned, pubdata.RectificationClosed:
			f.Status = st
		default:
			return nil, "", ParamError("status", pubdata.NewMessage("error.param.rectification_status", "Value", st), "must be one of issued, answered, returned, closed, not %q.", st)
		}
	}
	return svc.List(r.Context(), f)
}

// OpenWatchService returns the opened-data findings, or ENOTFOUND when the server has none.
func (s *Server) OpenWatchService() (pubdata.OpenWatchService, error) {
	if s.OpenWatch == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Opened-data findings are not available on this server.").Keyed("error.not_available.open_watch")
	}
	return s.OpenWatch, nil
}

// OpenFindings lists the opened-data findings of the entry id: its provider's users and the
// covering authority (who see its working copy); "not found" for anyone else.
func (s *Server) OpenFindings(r *http.Request, id string) (*pubdata.Entry, []*pubdata.OpenFinding, error) {
	svc, err := s.OpenWatchService()
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
	list, err := svc.FindOpenFindings(r.Context(), e.ID)
	return e, list, err
}

// ResolveOpenFinding resolves the finding id with the note: an authority's admin or reviewer
// covering the entry. A finding of an entry the caller may not read in full is "not found".
func (s *Server) ResolveOpenFinding(r *http.Request, id, note string) (*pubdata.OpenFinding, error) {
	svc, err := s.OpenWatchService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	f, err := svc.FindOpenFinding(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanReadAllData(a, &pubdata.Entry{Org: f.Org, EntryFields: pubdata.EntryFields{Division: f.Division}}) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Opened-data finding %q not found.", id).Keyed("error.open_finding.not_found", "ID", id)
	}
	if !pubdata.CanResolveOpenFinding(a, f.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator or reviewer covering the entry resolves its opened-data findings.").Keyed("error.open_finding.resolve_forbidden")
	}
	return svc.ResolveOpenFinding(r.Context(), id, note)
}
