package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"slices"
	"strings"
)

// --- the console's sanctions page ---

// sanctionRow is an organisation of the page with the steps its status allows.
type sanctionRow struct {
	*pubdata.Org
	Actions []string
	Stops   bool // a step stops the data services: suspend or terminate, confirmed first
}

// confirmed reports whether a form's confirmation box ("confirm") was ticked: the
// irreversible or service-stopping steps (rollback, purge, suspend, terminate) need it.
func confirmed(r *http.Request) bool {
	switch r.PostForm.Get("confirm") {
	case "1", "on", "yes", "true":
		return true
	}
	return false
}

// sanctionsView is the sanctions page: the organisations of the authority's division with
// their status and forms, and the history of sanctions from the record.
type sanctionsView struct {
	web.Page
	Orgs    []sanctionRow
	Total   int
	NextURL string
	Q       string
	History []*pubdata.Event
	// The form as entered, and its problem.
	FormOrg, FormAction, FormReason string
	Errors                          web.FormErrors
	Done                            string
}

func (s *Server) sanctionsView(r *http.Request, a *pubdata.Actor) (*sanctionsView, error) {
	if !pubdata.IsSanctioner(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may suspend, resume or terminate data services.").Keyed("error.sanction.forbidden")
	}
	q := r.URL.Query()
	v := &sanctionsView{Page: s.Base(r, true), Q: strings.TrimSpace(q.Get("q")), Errors: web.FormErrors{}, Done: q.Get("done")}
	limit, cursor, err := web.PageParams(q)
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
					row.Stops = row.Stops || act != pubdata.OrgResume
				}
			}
		}
		v.Orgs = append(v.Orgs, row)
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
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
		v.Flash = web.Translate(v.Lang, "sanctions.done")
	}
	return v, nil
}

func (s *Server) PageSanctions(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.sanctionsView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "sanctions", http.StatusOK, v)
}

func (s *Server) PageSanctionSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if !pubdata.IsSanctioner(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrator may suspend, resume or terminate data services.").Keyed("error.sanction.forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	code, action, reason := strings.TrimSpace(r.PostForm.Get("org")), r.PostForm.Get("action"), strings.TrimSpace(r.PostForm.Get("reason"))
	lang := web.LangFrom(r.Context())
	errs := web.FormErrors{}
	switch {
	case !slices.Contains(pubdata.OrgActions, pubdata.OrgAction(action)):
		errs[""] = web.Translate(lang, "sanctions.error.action")
	case reason == "" || (pubdata.OrgAction(action) != pubdata.OrgResume && !confirmed(r)):
		if reason == "" {
			errs["reason"] = web.Translate(lang, "sanctions.error.reason")
		}
		if pubdata.OrgAction(action) != pubdata.OrgResume && !confirmed(r) {
			errs["confirm"] = web.Translate(lang, "confirm.required")
		}
	default:
		_, err := s.SanctionOrg(r, code, pubdata.OrgAction(action), reason)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/sanctions", "done", code))
			return nil
		case web.ErrorIs(err, pubdata.EINVALID):
			errs["reason"] = web.ErrorText(lang, err)
		case web.ErrorIs(err, pubdata.ECONFLICT), web.ErrorIs(err, pubdata.EFORBIDDEN), web.ErrorIs(err, pubdata.ENOTFOUND):
			errs[""] = web.ErrorText(lang, err)
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
	return s.Render(w, r, "sanctions", http.StatusBadRequest, v)
}
