package http

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

// The demand workflow (需求清单, A5, H2): the public and public bodies ask for data that
// does not exist yet, everyone sees the requests with their votes, signed-in users vote
// once each, the covering authority routes a request to a provider, and the provider
// answers. Who may do what is the domain's (CanRequestDemand, CanRouteDemand,
// CanAnswerDemand); the store checks the workflow.

func (s *Server) demands() (pubdata.DemandService, error) {
	if s.Demands == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Demands are not available on this server.").Keyed("error.not_available.demands")
	}
	return s.Demands, nil
}

// demandFilter reads status, sort, limit and cursor, and role: "" all demands; routed the
// ones routed to the caller's organisation; authority the ones in the caller's authority's
// division; mine the caller's own.
func demandFilter(r *http.Request) (pubdata.DemandFilter, error) {
	q := r.URL.Query()
	f := pubdata.DemandFilter{Status: q.Get("status"), Sort: q.Get("sort")}
	var err error
	if f.Limit, f.Cursor, err = pageParams(q); err != nil {
		return f, err
	}
	a := pubdata.ActorFromContext(r.Context())
	switch role := q.Get("role"); role {
	case "":
	case "routed", "authority", "mine":
		if a.Anonymous() {
			return f, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to see the demands of role %q.", role)
		}
		switch {
		case role == "mine":
			f.Username = a.Username()
		case a.Org == nil || (role == "authority" && !a.IsAuthority()):
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Role %q needs an organisation's (authority's) account.", role)
		case role == "routed":
			f.Provider = a.Org.Code
		default:
			f.Division = a.Org.Division
		}
	default:
		return f, pubdata.FieldErrorf("role", "Role %q is not routed, authority or mine.", role)
	}
	return f, nil
}

func (s *Server) apiDemandsFind(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	f, err := demandFilter(r)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindDemandList(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, total, next))
	return nil
}

func (s *Server) apiDemandGet(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	d, err := svc.FindDemandByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiDemandCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	var c pubdata.DemandCreate
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	d, err := svc.CreateDemand(r.Context(), &c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) apiDemandVote(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	d, err := svc.VoteDemand(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiDemandRoute(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	var rt pubdata.DemandRoute
	if err := decodeJSON(r, &rt); err != nil {
		return err
	}
	d, err := svc.RouteDemand(r.Context(), r.PathValue("id"), &rt)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiDemandAnswer(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	var ans pubdata.DemandAnswer
	if err := decodeJSON(r, &ans); err != nil {
		return err
	}
	d, err := svc.AnswerDemand(r.Context(), r.PathValue("id"), &ans)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// --- pages ---

// demandStatusKeys label the demand statuses.
var demandStatusKeys = []catOption{
	{Value: pubdata.DemandOpen, Key: "demand.status.open"},
	{Value: pubdata.DemandRouted, Key: "demand.status.routed"},
	{Value: pubdata.DemandPlanned, Key: "demand.status.planned"},
	{Value: pubdata.DemandAnswered, Key: "demand.status.answered"},
	{Value: pubdata.DemandDeclined, Key: "demand.status.declined"},
}

// demandItem is a demand as the pages show it.
type demandItem struct {
	*pubdata.Demand
	Division  string // its name
	CanRoute  bool
	CanAnswer bool
}

// StatusKey labels the demand's status.
func (d demandItem) StatusKey() string { return optionKey(demandStatusKeys, d.Status) }

// ItemList is the wanted items joined for display.
func (d demandItem) ItemList() string { return strings.Join(d.Items, "、") }

// demandForm is the request form's values.
type demandForm struct {
	Title, Description, Items, Purpose, Division string
}

// demandsView is the view of the portal's demand page and the console's demand queues.
type demandsView struct {
	page
	Demands  []demandItem
	Total    int
	Sort     string
	Status   string
	Statuses []catOption
	Role     string
	Roles    []roleTab
	NextURL  string
	Form     demandForm
	Error    string // the form's problem
	Errors   formErrors
	CanAsk   bool
	LoginURL string
}

func (s *Server) demandItems(a *pubdata.Actor, ds []*pubdata.Demand) []demandItem {
	out := make([]demandItem, len(ds))
	for i, d := range ds {
		out[i] = demandItem{Demand: d, Division: s.divisionName(d.Division), CanRoute: pubdata.CanRouteDemand(a, d),
			CanAnswer: pubdata.CanAnswerDemand(a, d) && (d.Status == pubdata.DemandRouted || d.Status == pubdata.DemandPlanned)}
	}
	return out
}

func (s *Server) demandsPage(r *http.Request, console bool) (*demandsView, error) {
	svc, err := s.demands()
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	f, err := demandFilter(r)
	if err != nil {
		return nil, err
	}
	v := &demandsView{page: s.base(r, console), Sort: f.Sort, Status: f.Status, Statuses: demandStatusKeys, Role: r.URL.Query().Get("role"),
		CanAsk: pubdata.CanRequestDemand(a), LoginURL: withQuery("/login", "next", "/demands")}
	if console && v.Role == "" {
		v.Role = "routed"
		if a.IsAuthority() {
			v.Role = "authority"
		}
		f, err = demandFilter(withRole(r, v.Role))
		if err != nil {
			return nil, err
		}
	}
	if console {
		for _, role := range []string{"authority", "routed", "mine"} {
			if role == "authority" && !a.IsAuthority() || role == "routed" && a.Org == nil {
				continue
			}
			v.Roles = append(v.Roles, roleTab{Key: "demands.role." + role, URL: withQuery("/console/demands", "role", role), Current: role == v.Role})
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
		v.NextURL = pageLink(r, "cursor", next)
	}
	if a.Org != nil {
		v.Form.Division = a.Org.Division
	}
	return v, nil
}

// withRole returns r with the role parameter set.
func withRole(r *http.Request, role string) *http.Request {
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Set("role", role)
	r2.URL.RawQuery = q.Encode()
	return r2
}

func (s *Server) pageDemands(w http.ResponseWriter, r *http.Request) error {
	v, err := s.demandsPage(r, false)
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Get("created") != "":
		v.Flash = translate(v.Lang, "demands.flash.created")
	case r.URL.Query().Get("voted") != "":
		v.Flash = translate(v.Lang, "demands.flash.voted")
	}
	return s.render(w, r, "demands", http.StatusOK, v)
}

func (s *Server) pageDemandCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	form := demandForm{Title: f.Get("title"), Description: f.Get("description"), Items: f.Get("items"), Purpose: f.Get("purpose"), Division: f.Get("division")}
	items := strings.FieldsFunc(form.Items, func(c rune) bool { return c == '\n' || c == ',' || c == '，' || c == '、' || c == ';' || c == '；' })
	_, err = svc.CreateDemand(r.Context(), &pubdata.DemandCreate{Title: form.Title, Description: form.Description, Items: items, Purpose: form.Purpose, Division: form.Division})
	if errorIs(err, pubdata.EINVALID) {
		v, verr := s.demandsPage(r, false)
		if verr != nil {
			return verr
		}
		v.Form, v.Error, v.Errors = form, errorText(v.Lang, err), formErrors{}
		for k, p := range pubdata.ErrorFields(err) {
			v.Errors[k] = fieldText(v.Lang, p)
		}
		return s.render(w, r, "demands", http.StatusBadRequest, v)
	} else if err != nil {
		return err
	}
	redirect(w, r, withQuery("/demands", "created", "1"))
	return nil
}

func (s *Server) pageDemandVote(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if _, err := svc.VoteDemand(r.Context(), r.PathValue("id")); err != nil && !errorIs(err, pubdata.ECONFLICT) {
		return err
	}
	redirect(w, r, withQuery("/demands", "voted", "1")+"#d-"+r.PathValue("id"))
	return nil
}

func (s *Server) pageConsoleDemands(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if a.Org == nil && r.URL.Query().Get("role") == "" {
		r = withRole(r, "mine")
	}
	v, err := s.demandsPage(r, true)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(v.Roles, func(t roleTab) bool { return t.Current }) && v.Role != "mine" {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "This demand queue is not yours.").Keyed("error.demand.queue_forbidden")
	}
	switch {
	case r.URL.Query().Get("routed") != "":
		v.Flash = translate(v.Lang, "demands.flash.routed")
	case r.URL.Query().Get("answered") != "":
		v.Flash = translate(v.Lang, "demands.flash.answered")
	case r.URL.Query().Get("error") != "":
		v.Error = r.URL.Query().Get("error")
	}
	return s.render(w, r, "console_demands", http.StatusOK, v)
}

// consoleDemandBack is where a routing or answer form returns to, with the outcome.
func consoleDemandBack(w http.ResponseWriter, r *http.Request, role, flag string, err error) error {
	switch {
	case err == nil:
		redirect(w, r, withQuery("/console/demands", "role", role, flag, "1"))
	case errorIs(err, pubdata.EINVALID) || errorIs(err, pubdata.ECONFLICT):
		redirect(w, r, withQuery("/console/demands", "role", role, "error", errorText(langFrom(r.Context()), err)))
	default:
		return err
	}
	return nil
}

func (s *Server) pageDemandRoute(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err = svc.RouteDemand(r.Context(), r.PathValue("id"), &pubdata.DemandRoute{Provider: r.PostForm.Get("provider"), Note: r.PostForm.Get("note")})
	return consoleDemandBack(w, r, "authority", "routed", err)
}

func (s *Server) pageDemandAnswer(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.demands()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	_, err = svc.AnswerDemand(r.Context(), r.PathValue("id"), &pubdata.DemandAnswer{Outcome: f.Get("outcome"), Expected: f.Get("expected"), Entry: f.Get("entry"), Reason: f.Get("reason")})
	return consoleDemandBack(w, r, "routed", "answered", err)
}
