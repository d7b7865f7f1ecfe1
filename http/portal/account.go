package portal

import (
	"net/http"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// My account on the portal, for a signed-in public user (and anyone signed in): app keys,
// open applications, the user's objections and demands, and the links to the other parts
// of the account.

// portalAccountView is the view of /account.
type portalAccountView struct {
	web.Page
	// Certificates are the electronic certificates whose holder is the user's company
	// (HasCertificates: the user's organisation is a company, which can hold some).
	Certificates    []*pubdata.Certificate
	HasCertificates bool
	User            *pubdata.User
	OrgName         string
	LiveKeys        int
	KeysURL         string
	Applications    []web.AppRow
	ApplicationsN   int
	AppsURL         string
	// Grants are the user's newest grants (open applications approved), GrantsN all of them.
	Grants  []accountGrant
	GrantsN int
	// Objections are the user's newest objections (as filer), ObjectionsN all of them;
	// HasObjections: the server keeps objections (else the section is left out).
	Objections    []web.ObjectionRow
	ObjectionsN   int
	HasObjections bool
	// TicketsN is how many problem tickets the user reported; HasTickets: the server keeps
	// tickets.
	TicketsN   int
	HasTickets bool
	// UnreadNotices is how many of the user's notifications are unread; HasNotices: the
	// server keeps notifications.
	UnreadNotices int
	HasNotices    bool
	// Demands are the user's newest demands, DemandsN all of them.
	Demands    []web.DemandItem
	DemandsN   int
	HasDemands bool
	// Holder: the person's identity, the holder's consents and who obtained the
	// certificates (account_holder.go).
	Holder *holderView
}

// accountApplications is how many of the newest applications (and of objections, and of
// demands) the page lists.
const accountApplications = 20

func (s *Server) PagePortalAccount(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		web.Redirect(w, r, web.WithQuery("/login", "next", "/account"))
		return nil
	}
	v, err := s.portalAccount(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "portal_account", http.StatusOK, v)
}

// portalAccount builds the view of /account for the signed-in a.
func (s *Server) portalAccount(r *http.Request, a *pubdata.Actor) (*portalAccountView, error) {
	v := &portalAccountView{Page: s.Base(r, false), User: a.User, KeysURL: "/account/settings#account-tokens", AppsURL: "/account/applications"}
	if a.Org != nil {
		v.OrgName = a.Org.Name
	}
	toks, err := s.Tokens.FindTokens(r.Context(), a.User.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	for _, t := range toks {
		if t.Active(now) {
			v.LiveKeys++
		}
	}
	if s.Applications != nil {
		apps, n, _, err := s.Applications.FindApplications(r.Context(), pubdata.ApplicationFilter{Applicant: a.User.Username, Kind: pubdata.KindOpen, Limit: accountApplications})
		if err != nil {
			return nil, err
		}
		v.ApplicationsN = n
		for _, app := range apps {
			v.Applications = append(v.Applications, web.AppRow{Application: app})
		}
	}
	if s.Applications != nil {
		list, _, err := s.Applications.FindGrants(r.Context(), pubdata.GrantFilter{ConsumerUser: a.User.Username, Limit: accountApplications})
		if err != nil {
			return nil, err
		}
		for _, g := range list {
			v.Grants = append(v.Grants, accountGrant{Grant: g, now: now})
		}
		v.GrantsN = len(list)
	}
	if s.Objections != nil {
		list, n, _, err := s.Objections.FindObjections(r.Context(), pubdata.ObjectionFilter{Filer: a.User.Username, Now: now, Limit: accountApplications})
		if err != nil {
			return nil, err
		}
		v.HasObjections, v.Objections, v.ObjectionsN = true, web.ObjectionRows(list), n
	}
	if s.Tickets != nil {
		_, n, _, err := s.Tickets.FindTickets(r.Context(), pubdata.TicketFilter{Reporter: a.User.Username, Limit: 1})
		if err != nil {
			return nil, err
		}
		v.HasTickets, v.TicketsN = true, n
	}
	if s.Notifications != nil {
		_, n, _, err := s.Notifications.FindNotifications(r.Context(), true, 1, "")
		if err != nil {
			return nil, err
		}
		v.HasNotices, v.UnreadNotices = true, n
	}
	if s.Demands != nil {
		list, n, _, err := s.Demands.FindDemandList(r.Context(), pubdata.DemandFilter{Username: a.User.Username, Sort: pubdata.DemandSortNewest, Limit: accountApplications})
		if err != nil {
			return nil, err
		}
		v.HasDemands, v.DemandsN = true, n
		for _, d := range list {
			v.Demands = append(v.Demands, web.DemandItem{Demand: d})
		}
	}
	if s.Certificates != nil {
		list, err := s.MyCertificates(r.Context())
		if err != nil {
			return nil, err
		}
		v.HasCertificates, v.Certificates = (a.Org != nil && a.Org.Kind == pubdata.KindCompany) || a.Org == nil, list
		if v.Holder, err = s.holderAccountView(r, a); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// accountGrant is one of the user's grants as the account page lists it.
type accountGrant struct {
	*pubdata.Grant
	now time.Time
}

// Status is live, revoked or expired.
func (g accountGrant) Status() string { return g.StateAt(g.now) }

func (g accountGrant) StatusKey() string { return web.OptionKey(web.GrantStatusOptions, g.Status()) }

// Until is the grant's last day.
func (g accountGrant) Until() string { return g.LastDay() }
