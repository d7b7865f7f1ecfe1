package console

import (
	"encoding/json"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

// auditRow is one event as the audit page shows it.
type auditRow struct {
	*pubdata.Event
	DetailsJSON string
}

// auditView is the view of the record: newest first, filtered and paged.
type auditView struct {
	web.Page
	Events []auditRow
	Total  int
	// The filters as entered.
	FilterActor  string
	FilterAction string
	FilterObject string
	NextURL      string
	FirstURL     string // back to the newest events, when paging
}

func (s *Server) PageAudit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	f, err := web.AuditFilter(a, r.URL.Query())
	if err != nil {
		return err
	}
	events, total, next, err := s.Audit.FindEvents(r.Context(), f)
	if err != nil {
		return err
	}
	v := auditView{Page: s.Base(r, true), Total: total, FilterActor: f.Actor, FilterAction: f.Action, FilterObject: f.Object}
	for _, e := range events {
		row := auditRow{Event: e}
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err == nil {
				row.DetailsJSON = string(b)
			}
		}
		v.Events = append(v.Events, row)
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if f.Cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "")
	}
	return s.Render(w, r, "audit", http.StatusOK, v)
}
