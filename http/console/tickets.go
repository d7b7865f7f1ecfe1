package console

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Problem tickets (C1) in the console: the provider's incoming tickets and the authority's
// of its division (role=incoming|authority|mine), and a ticket's page with the answer form
// and a picker of the entry's finished batches.

func (s *Server) PageConsoleTickets(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.TicketService(); err != nil {
		return err
	}
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("role") == "" {
		switch {
		case a.IsAuthority():
			q.Set("role", "authority")
		case a.Org != nil:
			q.Set("role", "incoming")
		default:
			q.Set("role", "mine")
		}
		r.URL.RawQuery = q.Encode()
	}
	v, err := s.TicketsList(r, a, true)
	if err != nil {
		return err
	}
	v.Roles = web.TicketRolesOf(a)
	if v.Role == "mine" {
		v.DetailBase = "/account/tickets/" // the reporter confirms or reopens there
	}
	return s.Render(w, r, "tickets", http.StatusOK, v)
}

func (s *Server) PageTicket(w http.ResponseWriter, r *http.Request) error {
	v, err := s.TicketPage(r, true)
	if err != nil {
		return err
	}
	return s.Render(w, r, "ticket", http.StatusOK, v)
}

func (s *Server) PageTicketAnswer(w http.ResponseWriter, r *http.Request) error {
	v, err := s.TicketPage(r, true)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	ans := &pubdata.TicketAnswer{Answer: r.PostForm.Get("answer"), Batch: r.PostForm.Get("batch")}
	_, err = s.AnswerTicket(r, a, v.Ticket.Ticket, ans)
	if err == nil {
		web.Redirect(w, r, web.WithQuery(v.ActionBase, "answered", "1"))
		return nil
	}
	if !web.FormError(err) {
		return err
	}
	v.Answer, v.Batch = ans.Answer, ans.Batch
	web.SetFormErrors(v.Lang, v.Errors, err)
	return s.Render(w, r, "ticket", web.ErrorStatus(err), v)
}

// entryTickets sets the entry page's ticket form (a published entry the viewer sees) and
// the link to its tickets (the provider's users: incoming; an authority: its division's).
func (s *Server) entryTickets(r *http.Request, a *pubdata.Actor, e *pubdata.Entry, v *entryDetailView) error {
	if s.Tickets == nil || !v.Published {
		return nil
	}
	p, err := s.TicketEntry(r, e.ID)
	if err != nil || p == nil {
		return err
	}
	v.Ticket = s.TicketFormFor(r, p, nil)
	switch {
	case a.OrgCode() == e.Org:
		v.TicketsURL = web.WithQuery("/console/tickets", "role", "incoming", "entry", e.ID)
	case a.IsAuthority():
		v.TicketsURL = web.WithQuery("/console/tickets", "role", "authority", "entry", e.ID)
	}
	return nil
}
