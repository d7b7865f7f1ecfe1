package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"net/url"
	"strings"
)

// Sanctions (F4): an authority's administrator suspends, resumes or terminates the data
// service of an organisation in its division, with a reason. While an organisation's service
// is stopped, its users and tokens get 403 with the reason on every data route (declared
// with handleData where the route is registered, and CKAN's data actions in ckanDataActions;
// stopped, called by adapt), whatever the handler; its reads are refused by the read itself
// as well (DecideAccess through package access).

// Stopped returns the EFORBIDDEN error of a data route (Server.handleData, or a CKAN data
// action) called by a user of an organisation whose data service is suspended or
// terminated, with the authority's reason; nil otherwise.
func Stopped(r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() || a.Org == nil {
		return nil
	}
	why := a.Org.DataServiceStopped()
	if why == "" {
		return nil
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "The data service of your organisation %s is %s; its grants and tokens are stopped until the authority resumes it.", a.Org.Name, why).
		Keyed("error.sanction.stopped", "Org", a.Org.Name, "Status", a.Org.Status, "Reason", a.Org.StatusReason)
}

// RenderStopped answers a stopped organisation's data request: in CKAN's envelope on the
// CKAN action API, as JSON on the API and CKAN's dumps, and on pages as the forbidden page
// with the reason in the page's language.
func (s *Server) RenderStopped(w http.ResponseWriter, r *http.Request, err error) {
	label := routeLabel(r.Pattern)
	switch {
	case strings.HasPrefix(label, "/api/3/action/") || strings.HasPrefix(label, "/api/action/"):
		if st := StateFrom(r.Context()); st != nil {
			st.ErrCode = "Authorization Error"
		}
		WriteJSON(w, http.StatusForbidden, map[string]any{
			"help":    BaseURL(r) + "/api/3/action/help_show?name=" + url.QueryEscape(r.PathValue("name")),
			"success": false,
			"error":   map[string]any{"__type": "Authorization Error", "message": ErrorText(LangEN, err)},
		})
	case IsAPI(r) || strings.HasPrefix(label, "/datastore/"):
		if st := StateFrom(r.Context()); st != nil {
			st.ErrCode = pubdata.EFORBIDDEN
		}
		WriteJSON(w, http.StatusForbidden, ErrorBody{Error: ErrorDetail{Code: pubdata.EFORBIDDEN, Message: ErrorText(ApiLang(r), err)}})
	default:
		o := pubdata.ActorFromContext(r.Context()).Org
		v := errorView{Page: s.Base(r, strings.HasPrefix(r.URL.Path, "/console")), Message: pageErrorText(LangFrom(r.Context()), err),
			TitleKey: "error.forbidden.title", TextKey: "error.forbidden.text"}
		v.Status = http.StatusForbidden
		key := "dashboard.stopped.suspended"
		if o.Status == pubdata.OrgTerminated {
			key = "dashboard.stopped.terminated"
		}
		v.Flash = Translate(v.Lang, key, "Reason", o.StatusReason)
		if rerr := s.Render(w, r, "error", http.StatusForbidden, v); rerr != nil {
			s.RenderError(w, r, err)
		}
	}
}

// SanctionOrg checks that the actor may take the step on the organisation and takes it.
func (s *Server) SanctionOrg(r *http.Request, code string, action pubdata.OrgAction, reason string) (*pubdata.Org, error) {
	a, err := RequireUser(r)
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
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "An organisation cannot %s its own data service.", action).
				Keyed("error.sanction.own", "Action", action)
		case !pubdata.IsSanctioner(a):
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may %s an organisation's data service.", action).
				Keyed("error.sanction.forbidden_action", "Action", action)
		default:
			return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Organisation %s (division %s) is outside your authority's division %s.", o.Code, o.Division, a.Org.Division).
				Keyed("error.sanction.outside_division", "Org", o.Code, "Division", o.Division, "Authority", a.Org.Division)
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
	return nil, pubdata.Errorf(pubdata.EINVALID, "Unknown step %q.", action).Keyed("error.sanction.step", "Step", action)
}
