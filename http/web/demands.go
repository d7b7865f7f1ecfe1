package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"strings"
)

// The demand workflow (需求清单, A5, H2): the public and public bodies ask for data that
// does not exist yet, everyone sees the requests with their votes, signed-in users vote
// once each, the covering authority routes a request to a provider, and the provider
// answers. Who may do what is the domain's (CanRequestDemand, CanRouteDemand,
// CanAnswerDemand); the store checks the workflow.

func (s *Server) DemandService() (pubdata.DemandService, error) {
	if s.Demands == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Demands are not available on this server.").Keyed("error.not_available.demands")
	}
	return s.Demands, nil
}

// DemandFilter reads status, sort, limit and cursor, and role: "" all demands; routed the
// ones routed to the caller's organisation; authority the ones in the caller's authority's
// division; mine the caller's own.
func DemandFilter(r *http.Request) (pubdata.DemandFilter, error) {
	q := r.URL.Query()
	f := pubdata.DemandFilter{Status: q.Get("status"), Sort: q.Get("sort")}
	var err error
	if f.Limit, f.Cursor, err = PageParams(q); err != nil {
		return f, err
	}
	a := pubdata.ActorFromContext(r.Context())
	switch role := q.Get("role"); role {
	case "":
	case "routed", "authority", "mine":
		if a.Anonymous() {
			return f, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to see the demands of role %q.", role).
				Keyed("error.demand.role.sign_in", "Role", role)
		}
		switch {
		case role == "mine":
			f.Username = a.Username()
		case a.Org == nil || (role == "authority" && !a.IsAuthority()):
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Role %q needs an organisation's (authority's) account.", role).
				Keyed("error.demand.role.account", "Role", role)
		case role == "routed":
			f.Provider = a.Org.Code
		default:
			f.Division = a.Org.Division
		}
	default:
		return f, pubdata.FieldErrorf("role", "Role %q is not routed, authority or mine.", role).
			Keyed("error.demand.role.unknown", "Role", role)
	}
	return f, nil
}

// --- pages ---

// DemandStatusKeys label the demand statuses.
var DemandStatusKeys = []CatOption{
	{Value: pubdata.DemandOpen, Key: "demand.status.open"},
	{Value: pubdata.DemandRouted, Key: "demand.status.routed"},
	{Value: pubdata.DemandPlanned, Key: "demand.status.planned"},
	{Value: pubdata.DemandAnswered, Key: "demand.status.answered"},
	{Value: pubdata.DemandDeclined, Key: "demand.status.declined"},
}

// DemandItem is a demand as the pages show it.
type DemandItem struct {
	*pubdata.Demand
	Division  string // its name
	CanRoute  bool
	CanAnswer bool
}

// StatusKey labels the demand's status.
func (d DemandItem) StatusKey() string { return OptionKey(DemandStatusKeys, d.Status) }

// ItemList is the wanted items joined for display.
func (d DemandItem) ItemList() string { return strings.Join(d.Items, "、") }

// DemandForm is the request form's values.
type DemandForm struct {
	Title, Description, Items, Purpose, Division string
}

// demandsView is the view of the portal's demand page and the console's demand queues.
type demandsView struct {
	Page
	Demands  []DemandItem
	Total    int
	Sort     string
	Status   string
	Statuses []CatOption
	Role     string
	Roles    []RoleTab
	NextURL  string
	Form     DemandForm
	Error    string // the form's problem
	Errors   FormErrors
	CanAsk   bool
	LoginURL string
}

func (s *Server) demandItems(a *pubdata.Actor, ds []*pubdata.Demand) []DemandItem {
	out := make([]DemandItem, len(ds))
	for i, d := range ds {
		out[i] = DemandItem{Demand: d, Division: s.DivisionName(d.Division), CanRoute: pubdata.CanRouteDemand(a, d),
			CanAnswer: pubdata.CanAnswerDemand(a, d) && (d.Status == pubdata.DemandRouted || d.Status == pubdata.DemandPlanned)}
	}
	return out
}

func (s *Server) DemandsPage(r *http.Request, console bool) (*demandsView, error) {
	svc, err := s.DemandService()
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	f, err := DemandFilter(r)
	if err != nil {
		return nil, err
	}
	v := &demandsView{Page: s.Base(r, console), Sort: f.Sort, Status: f.Status, Statuses: DemandStatusKeys, Role: r.URL.Query().Get("role"),
		CanAsk: pubdata.CanRequestDemand(a), LoginURL: WithQuery("/login", "next", "/demands")}
	if console && v.Role == "" {
		v.Role = "routed"
		if a.IsAuthority() {
			v.Role = "authority"
		}
		f, err = DemandFilter(WithRole(r, v.Role))
		if err != nil {
			return nil, err
		}
	}
	if console {
		for _, role := range []string{"authority", "routed", "mine"} {
			if role == "authority" && !a.IsAuthority() || role == "routed" && a.Org == nil {
				continue
			}
			v.Roles = append(v.Roles, RoleTab{Key: "demands.role." + role, URL: WithQuery("/console/demands", "role", role), Current: role == v.Role})
		}
	}
	if v.Sort == "" {
		v.Sort = pubdata.DemandSortNewest
	}
	list, total, next, err := svc.FindDemandList(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v.Demands, v.Total = s.demandItems(a, list), total
	if next != "" {
		v.NextURL = PageLink(r, "cursor", next)
	}
	if a.Org != nil {
		v.Form.Division = a.Org.Division
	}
	return v, nil
}

// WithRole returns r with the role parameter set.
func WithRole(r *http.Request, role string) *http.Request {
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Set("role", role)
	r2.URL.RawQuery = q.Encode()
	return r2
}
