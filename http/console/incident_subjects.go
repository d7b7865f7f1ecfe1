package console

import (
	"encoding/csv"
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// incidentSubjectsView is the window of the data subjects an incident must notify.
type incidentSubjectsView struct {
	web.Page
	Incident *pubdata.Incident
	List     *web.IncidentSubjects
	Max      int
}

// PageIncidentSubjects is GET /console/incidents/{id}/subjects (?format=csv: the list as a
// CSV file, UTF-8 with a BOM for Excel).
func (s *Server) PageIncidentSubjects(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	i, err := s.Incident(r, id)
	if err != nil {
		return err
	}
	list, err := s.IncidentSubjectList(r, id)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="incident-`+i.ID+`-subjects.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("\ufeff"))
		cw := csv.NewWriter(w)
		cw.Write([]string{"key"})
		for _, k := range list.Subjects {
			cw.Write([]string{k})
		}
		cw.Flush()
		return cw.Error()
	}
	v := &incidentSubjectsView{Page: s.Base(r, true), Incident: i, List: list, Max: pubdata.MaxIncidentSubjects}
	w.Header().Set("Cache-Control", "no-store")
	return s.Render(w, r, "incident_subjects", http.StatusOK, v)
}
