package http

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

// Sanctions (F4): an authority's administrator suspends, resumes or terminates the data
// service of an organisation in its division, with a reason. While an organisation's service
// is stopped, its users and tokens get 403 with the reason on every data route (declared
// with handleData where the route is registered, and CKAN's data actions in ckanDataActions;
// stopped, called by adapt), whatever the handler; its reads are refused by the read itself
// as well (DecideAccess through package access).

// stopped returns the EFORBIDDEN error of a data route (Server.handleData, or a CKAN data
// action) called by a user of an organisation whose data service is suspended or
// terminated, with the authority's reason; nil otherwise.
func stopped(r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() || a.Org == nil {
		return nil
	}
	why := a.Org.DataServiceStopped()
	if why == "" {
		return nil
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "The data service of your organisation %s is %s; its grants and tokens are stopped until the authority resumes it.", a.Org.Name, why)
}

// renderStopped answers a stopped organisation's data request: in CKAN's envelope on the
// CKAN action API, as JSON on the API and CKAN's dumps, and on pages as the forbidden page
// with the reason in the page's language.
func (s *Server) renderStopped(w http.ResponseWriter, r *http.Request, err error) {
	label := routeLabel(r.Pattern)
	switch {
	case strings.HasPrefix(label, "/api/3/action/") || strings.HasPrefix(label, "/api/action/"):
		if st := stateFrom(r.Context()); st != nil {
			st.errCode = "Authorization Error"
		}
		writeJSON(w, http.StatusForbidden, map[string]any{
			"help":    baseURL(r) + "/api/3/action/help_show?name=" + url.QueryEscape(r.PathValue("name")),
			"success": false,
			"error":   map[string]any{"__type": "Authorization Error", "message": errorText(LangEN, err)},
		})
	case isAPI(r) || strings.HasPrefix(label, "/datastore/"):
		if st := stateFrom(r.Context()); st != nil {
			st.errCode = pubdata.EFORBIDDEN
		}
		writeJSON(w, http.StatusForbidden, errorBody{Error: errorDetail{Code: pubdata.EFORBIDDEN, Message: errorText(apiLang(r), err)}})
	default:
		o := pubdata.ActorFromContext(r.Context()).Org
		v := errorView{page: s.base(r, strings.HasPrefix(r.URL.Path, "/console")), Message: pageErrorText(langFrom(r.Context()), err),
			TitleKey: "error.forbidden.title", TextKey: "error.forbidden.text"}
		v.Status = http.StatusForbidden
		key := "dashboard.stopped.suspended"
		if o.Status == pubdata.OrgTerminated {
			key = "dashboard.stopped.terminated"
		}
		v.Flash = translate(v.Lang, key, "Reason", o.StatusReason)
		if rerr := s.render(w, r, "error", http.StatusForbidden, v); rerr != nil {
			s.renderError(w, r, err)
		}
	}
}

// sanctionOrg checks that the actor may take the step on the organisation and takes it.
func (s *Server) sanctionOrg(r *http.Request, code string, action pubdata.OrgAction, reason string) (*pubdata.Org, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSanctionOrg(a, o) {
		switch {
		case a.Org != nil && a.Org.Code == o.Code:
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "An organisation cannot %s its own data service.", action)
		case !pubdata.IsSanctioner(a):
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may %s an organisation's data service.", action)
		default:
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Organisation %s (division %s) is outside your authority's division %s.", o.Code, o.Division, a.Org.Division)
		}
	}
	switch action {
	case pubdata.OrgSuspend:
		return s.Orgs.SuspendOrg(r.Context(), code, reason)
	case pubdata.OrgResume:
		return s.Orgs.ResumeOrg(r.Context(), code, reason)
	case pubdata.OrgTerminate:
		return s.Orgs.TerminateOrg(r.Context(), code, reason)
	}
	return nil, pubdata.Errorf(pubdata.EINVALID, "Unknown step %q.", action)
}

type sanctionRequest struct {
	Reason string `json:"reason"`
}

// apiOrgSanction is POST /api/v1/orgs/{code}/suspend|resume|terminate {"reason"}.
func (s *Server) apiOrgSanction(action pubdata.OrgAction) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := requireUser(r); err != nil {
			return err
		}
		var req sanctionRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		o, err := s.sanctionOrg(r, r.PathValue("code"), action, req.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	}
}

// --- the console's sanctions page ---

// sanctionRow is an organisation of the page with the steps its status allows.
type sanctionRow struct {
	*pubdata.Org
	Actions []string
}

// sanctionsView is the sanctions page: the organisations of the authority's division with
// their status and forms, and the history of sanctions from the record.
type sanctionsView struct {
	page
	Orgs    []sanctionRow
	Total   int
	NextURL string
	Q       string
	History []*pubdata.Event
	// The form as entered, and its problem.
	FormOrg, FormAction, FormReason string
	Errors                          formErrors
	Done                            string
}

func (s *Server) sanctionsView(r *http.Request, a *pubdata.Actor) (*sanctionsView, error) {
	if !pubdata.IsSanctioner(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may suspend, resume or terminate data services.").Keyed("error.sanction.forbidden")
	}
	q := r.URL.Query()
	v := &sanctionsView{page: s.base(r, true), Q: strings.TrimSpace(q.Get("q")), Errors: formErrors{}, Done: q.Get("done")}
	limit, cursor, err := pageParams(q)
	if err != nil {
		return nil, err
	}
	orgs, total, next, err := s.Orgs.FindOrgs(r.Context(), pubdata.OrgFilter{DivisionPrefix: pubdata.DivisionPrefix(a.Org.Division), Q: v.Q, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, err
	}
	v.Total = total
	for _, o := range orgs {
		row := sanctionRow{Org: o}
		if pubdata.CanSanctionOrg(a, o) {
			for _, act := range pubdata.OrgActions {
				if _, err := pubdata.NextOrgStatus(o.Status, act); err == nil {
					row.Actions = append(row.Actions, string(act))
				}
			}
		}
		v.Orgs = append(v.Orgs, row)
	}
	if next != "" {
		v.NextURL = pageLink(r, "cursor", next)
	}
	scope := pubdata.AuthorityScope(a)
	for _, act := range pubdata.OrgActions {
		evs, _, _, err := s.Audit.FindEvents(r.Context(), pubdata.AuditFilter{Action: "org." + string(act), Scope: &scope, Limit: 50})
		if err != nil {
			return nil, err
		}
		v.History = append(v.History, evs...)
	}
	slices.SortFunc(v.History, func(x, y *pubdata.Event) int { return int(y.Seq - x.Seq) })
	if len(v.History) > 50 {
		v.History = v.History[:50]
	}
	if v.Done != "" {
		v.Flash = translate(v.Lang, "sanctions.done")
	}
	return v, nil
}

func (s *Server) pageSanctions(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.sanctionsView(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, "sanctions", http.StatusOK, v)
}

func (s *Server) pageSanctionSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	if !pubdata.IsSanctioner(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may suspend, resume or terminate data services.").Keyed("error.sanction.forbidden")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	code, action, reason := strings.TrimSpace(r.PostForm.Get("org")), r.PostForm.Get("action"), strings.TrimSpace(r.PostForm.Get("reason"))
	lang := langFrom(r.Context())
	errs := formErrors{}
	switch {
	case !slices.Contains(pubdata.OrgActions, pubdata.OrgAction(action)):
		errs[""] = translate(lang, "sanctions.error.action")
	case reason == "":
		errs["reason"] = translate(lang, "sanctions.error.reason")
	default:
		_, err := s.sanctionOrg(r, code, pubdata.OrgAction(action), reason)
		switch {
		case err == nil:
			redirect(w, r, withQuery("/console/sanctions", "done", code))
			return nil
		case errorIs(err, pubdata.EINVALID):
			errs["reason"] = errorText(lang, err)
		case errorIs(err, pubdata.ECONFLICT), errorIs(err, pubdata.EFORBIDDEN), errorIs(err, pubdata.ENOTFOUND):
			errs[""] = errorText(lang, err)
		default:
			return err
		}
	}
	r.URL.RawQuery = ""
	v, err := s.sanctionsView(r, a)
	if err != nil {
		return err
	}
	v.FormOrg, v.FormAction, v.FormReason, v.Errors = code, action, reason, errs
	return s.render(w, r, "sanctions", http.StatusBadRequest, v)
}
