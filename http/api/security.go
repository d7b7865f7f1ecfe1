package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// ApiAlerts is GET /api/v1/alerts?kind=&open=1: the security alerts the caller sees (an
// authority's admins and reviewers: its division's; a unit's admins: their unit's).
func (s *Server) ApiAlerts(w http.ResponseWriter, r *http.Request) error {
	list, err := s.SecurityAlerts(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"alerts": list})
	return nil
}

// ApiAlert is GET /api/v1/alerts/{id}.
func (s *Server) ApiAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.SecurityAlert(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

// ApiAlertDismiss is POST /api/v1/alerts/{id}/dismiss {"reason"}.
func (s *Server) ApiAlertDismiss(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	a, err := s.DismissSecurityAlert(r, r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

// ApiSecuritySettings is GET /api/v1/alerts/settings: the rules' thresholds (anyone who sees
// alerts).
func (s *Server) ApiSecuritySettings(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.SecurityAlerts(r); err != nil {
		return err
	}
	set, err := s.Security.Settings(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, set)
	return nil
}

// ApiSecuritySettingsPut is PUT /api/v1/alerts/settings: the platform authority's admins set
// the thresholds (recorded).
func (s *Server) ApiSecuritySettingsPut(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return err
	}
	set, err := svc.Settings(r.Context())
	if err != nil {
		return err
	}
	if err := web.DecodeJSON(r, set); err != nil {
		return err
	}
	set, err = svc.SetSettings(r.Context(), set)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, set)
	return nil
}

// ApiIncidents is GET /api/v1/incidents: the register the caller sees.
func (s *Server) ApiIncidents(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Incidents(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"incidents": list})
	return nil
}

// ApiIncidentReport is POST /api/v1/incidents {"org","entry","grant","token","alert","kind",
// "severity","description"}: a unit's admins or the covering authority report.
func (s *Server) ApiIncidentReport(w http.ResponseWriter, r *http.Request) error {
	var rep pubdata.IncidentReport
	if err := web.DecodeJSON(r, &rep); err != nil {
		return err
	}
	i, err := s.ReportIncident(r, &rep)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, i)
	return nil
}

// ApiIncident is GET /api/v1/incidents/{id}.
func (s *Server) ApiIncident(w http.ResponseWriter, r *http.Request) error {
	i, err := s.Incident(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, i)
	return nil
}

// ApiIncidentStep is POST /api/v1/incidents/{id}/assess|contain|notify|close: the covering
// authority's admins. contain {"step": "grant"|"token"|"unit", "target", "reason"} stops the
// grant, token or unit in one step; notify lists the data subjects from the rows involved and
// tells the authority; close {"lessons"}; assess {"severity", "assessment"}.
func (s *Server) ApiIncidentStep(step string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req web.IncidentStep
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &req); err != nil {
				return err
			}
		}
		i, err := s.ActOnIncident(r, r.PathValue("id"), step, &req)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, i)
		return nil
	}
}

// ApiEmergencyRecords is GET /api/v1/orgs/{code}/emergency: the unit's plans and drills.
func (s *Server) ApiEmergencyRecords(w http.ResponseWriter, r *http.Request) error {
	list, err := s.EmergencyRecords(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"records": list})
	return nil
}

// ApiEmergencyRecordAdd is POST /api/v1/orgs/{code}/emergency {"kind": "plan"|"drill",
// "title", "date", "notes"}: the unit's admins or the covering authority's admins.
func (s *Server) ApiEmergencyRecordAdd(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	svc, err := s.SecurityService()
	if err != nil {
		return err
	}
	var rec pubdata.EmergencyRecord
	if err := web.DecodeJSON(r, &rec); err != nil {
		return err
	}
	rec.Org = r.PathValue("code")
	out, err := svc.AddEmergencyRecord(r.Context(), &rec)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}
