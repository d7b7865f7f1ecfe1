package web

import (
	"net/http"
	"time"

	"github.com/pubdata/pubdata"
)

// IncidentSubjects is the list of the data subjects an incident must notify (issue 15 item
// 5): before notification drawn from the rows involved, read through package access (and
// recorded); after it the list saved then.
type IncidentSubjects struct {
	Incident  string     `json:"incident"`
	Entry     string     `json:"entry,omitempty"`
	Subjects  []string   `json:"subjects"`
	Count     int        `json:"count"`
	Truncated bool       `json:"truncated"`
	Notified  *time.Time `json:"notified_at,omitempty"` // the list is the one saved then
}

// IncidentSubjectList returns the subjects of incident id for a caller who sees it; the rows
// are read only by those who read every row of the entry in clear (its provider's users and
// the covering authority: access.Reader.IncidentSubjects checks).
func (s *Server) IncidentSubjectList(r *http.Request, id string) (*IncidentSubjects, error) {
	i, err := s.Incident(r, id)
	if err != nil {
		return nil, err
	}
	out := &IncidentSubjects{Incident: i.ID, Entry: i.Entry, Subjects: []string{}}
	ctx := r.Context()
	a := pubdata.ActorFromContext(ctx)
	var e *pubdata.Entry
	if i.Entry != "" {
		e, err = s.Entries.FindPublishedEntry(ctx, i.Entry)
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			e = nil
		} else if err != nil {
			return nil, err
		}
	}
	// The key values are personal: the covering authority's admins (who notify), and the
	// provider's admins (who read every row anyway).
	if !pubdata.CanActOnIncident(a, i.Division) && !(e != nil && a.Role() == pubdata.RoleAdmin && pubdata.CanReadAllData(a, e)) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and the provider's admins list an incident's data subjects.").Keyed("error.incident.subjects_forbidden")
	}
	if i.NotifiedAt != nil {
		out.Subjects, out.Notified = i.Subjects, i.NotifiedAt
		out.Count = len(out.Subjects)
		out.Truncated = out.Count >= pubdata.MaxIncidentSubjects
		return out, nil
	}
	if e == nil || s.Reads == nil || s.Data == nil {
		return out, nil
	}
	filter := ""
	if i.Grant != "" && s.Applications != nil {
		g, err := s.Applications.FindGrantByID(ctx, i.Grant)
		if err != nil {
			return nil, err
		}
		filter = g.RowFilter
	}
	out.Subjects, out.Truncated, err = s.Reader().IncidentSubjects(ctx, e, filter, pubdata.MaxIncidentSubjects)
	if err != nil {
		return nil, err
	}
	out.Count = len(out.Subjects)
	return out, nil
}
