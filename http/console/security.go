package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- the console's security alerts and incident pages (G4, F4) ---

// alertsView lists the alerts the caller sees with their evidence and a dismiss form.
type alertsView struct {
	web.Page
	Alerts  []*pubdata.SecurityAlert
	MayAct  bool // an admin: dismiss
	FormID  string
	Errors  web.FormErrors
	Reason  string
	Kinds   []string
	Kind    string
	OnlyOne bool // the page of one alert
}

func (s *Server) alertsView(r *http.Request, id string) (*alertsView, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	v := &alertsView{Page: s.Base(r, true), Errors: web.FormErrors{}, Kinds: pubdata.SecurityKinds, Kind: r.URL.Query().Get("kind"), MayAct: a.Role() == pubdata.RoleAdmin}
	if id != "" {
		al, err := s.SecurityAlert(r, id)
		if err != nil {
			return nil, err
		}
		v.Alerts, v.OnlyOne = []*pubdata.SecurityAlert{al}, true
	} else if v.Alerts, err = s.SecurityAlerts(r); err != nil {
		return nil, err
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = web.Translate(v.Lang, "alerts.dismissed")
	}
	return v, nil
}

// PageAlerts is GET /console/alerts?kind=.
func (s *Server) PageAlerts(w http.ResponseWriter, r *http.Request) error {
	v, err := s.alertsView(r, "")
	if err != nil {
		return err
	}
	return s.Render(w, r, "alerts", http.StatusOK, v)
}

// PageAlert is GET /console/alerts/{id}.
func (s *Server) PageAlert(w http.ResponseWriter, r *http.Request) error {
	v, err := s.alertsView(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "alerts", http.StatusOK, v)
}

// PageAlertDismiss is POST /console/alerts/{id}/dismiss (reason).
func (s *Server) PageAlertDismiss(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, reason := r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("reason"))
	_, err := s.DismissSecurityAlert(r, id, reason)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/alerts", "done", "1"))
		return nil
	case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ECONFLICT):
	default:
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.alertsView(r, "")
	if verr != nil {
		return verr
	}
	v.FormID, v.Reason = id, reason
	v.Errors["reason"] = web.ErrorText(v.Lang, err)
	return s.Render(w, r, "alerts", http.StatusBadRequest, v)
}

// incidentsView is the register, or one incident with its actions.
type incidentsView struct {
	web.Page
	Incidents  []*pubdata.Incident
	Incident   *pubdata.Incident
	Overdue    bool
	MayAct     bool // the covering authority's admin: assess, contain, notify, close
	MayReport  bool
	Kinds      []string
	Severities []string
	Steps      []string
	Errors     web.FormErrors
	Form       map[string]string
	Emergency  []*pubdata.EmergencyRecord
}

func (s *Server) incidentsView(r *http.Request, id string) (*incidentsView, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	v := &incidentsView{Page: s.Base(r, true), Kinds: pubdata.IncidentKinds, Severities: pubdata.IncidentSeverities,
		Steps: []string{pubdata.ContainGrant, pubdata.ContainToken, pubdata.ContainUnit}, Errors: web.FormErrors{}, Form: map[string]string{}}
	if id == "" {
		if v.Incidents, err = s.Incidents(r); err != nil {
			return nil, err
		}
		v.MayReport = a.Role() == pubdata.RoleAdmin
		v.Form["org"], v.Form["alert"] = r.URL.Query().Get("org"), r.URL.Query().Get("alert")
		if a.Org != nil && !a.IsAuthority() {
			if v.Emergency, err = s.EmergencyRecords(r, a.Org.Code); err != nil {
				return nil, err
			}
		}
	} else {
		if v.Incident, err = s.Incident(r, id); err != nil {
			return nil, err
		}
		v.Overdue = v.Incident.Overdue(s.Now())
		v.MayAct = pubdata.CanActOnIncident(a, v.Incident.Division)
		if v.Emergency, err = s.EmergencyRecords(r, v.Incident.Org); err != nil {
			return nil, err
		}
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = web.Translate(v.Lang, "incidents.done")
	}
	return v, nil
}

// PageIncidents is GET /console/incidents: the register and the report form.
func (s *Server) PageIncidents(w http.ResponseWriter, r *http.Request) error {
	v, err := s.incidentsView(r, "")
	if err != nil {
		return err
	}
	return s.Render(w, r, "incidents", http.StatusOK, v)
}

// PageIncident is GET /console/incidents/{id}.
func (s *Server) PageIncident(w http.ResponseWriter, r *http.Request) error {
	v, err := s.incidentsView(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "incident", http.StatusOK, v)
}

// formProblem renders the page again with the error of a refused form.
func (s *Server) formProblem(w http.ResponseWriter, r *http.Request, id, page string, err error) error {
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) && !web.ErrorIs(err, pubdata.ENOTFOUND) {
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.incidentsView(r, id)
	if verr != nil {
		return verr
	}
	for k := range r.PostForm {
		v.Form[k] = r.PostForm.Get(k)
	}
	v.Errors[""] = web.ErrorText(v.Lang, err)
	return s.Render(w, r, page, http.StatusBadRequest, v)
}

// PageIncidentReport is POST /console/incidents.
func (s *Server) PageIncidentReport(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm.Get
	rep := &pubdata.IncidentReport{Org: strings.TrimSpace(f("org")), Entry: strings.TrimSpace(f("entry")), Grant: strings.TrimSpace(f("grant")),
		Token: strings.TrimSpace(f("token")), Alert: strings.TrimSpace(f("alert")), Kind: f("kind"), Severity: f("severity"), Description: f("description")}
	if rep.Org == "" && a.Org != nil && !a.IsAuthority() {
		rep.Org = a.Org.Code
	}
	i, err := s.ReportIncident(r, rep)
	if err != nil {
		return s.formProblem(w, r, "", "incidents", err)
	}
	web.Redirect(w, r, "/console/incidents/"+i.ID)
	return nil
}

// PageIncidentStep is POST /console/incidents/{id}/{step}.
func (s *Server) PageIncidentStep(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, step := r.PathValue("id"), r.PathValue("step")
	f := r.PostForm.Get
	req := &web.IncidentStep{Severity: f("severity"), Assessment: f("assessment"), Step: f("step"), Target: f("target"), Reason: f("reason"), Lessons: f("lessons")}
	if _, err := s.ActOnIncident(r, id, step, req); err != nil {
		return s.formProblem(w, r, id, "incident", err)
	}
	web.Redirect(w, r, web.WithQuery("/console/incidents/"+id, "done", step))
	return nil
}

// PageEmergencyAdd is POST /console/incidents/emergency: a plan or drill of the caller's unit
// (or, for the authority, of the unit named).
func (s *Server) PageEmergencyAdd(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return err
	}
	f := r.PostForm.Get
	rec := &pubdata.EmergencyRecord{Org: strings.TrimSpace(f("org")), Kind: f("kind"), Title: f("title"), Date: f("date"), Notes: f("notes")}
	if rec.Org == "" && a.Org != nil {
		rec.Org = a.Org.Code
	}
	if _, err := svc.AddEmergencyRecord(r.Context(), rec); err != nil {
		return s.formProblem(w, r, "", "incidents", err)
	}
	web.Redirect(w, r, web.WithQuery("/console/incidents", "done", "emergency"))
	return nil
}

// AuditLink is the record's page starting at the event seq (its cursor is the next seq).
func (v *alertsView) AuditLink(seq int64) string {
	return "/console/audit?cursor=" + strconv.FormatInt(seq+1, 10)
}
