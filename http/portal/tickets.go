package portal

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Problem tickets (C1) on the portal: the report form (/tickets/new, also on each entry's
// page), the reporter's tickets (/account/tickets) and a ticket's page, where the reporter
// confirms the provider's answer or reopens the ticket.

type ticketNewView struct {
	web.Page
	EntryTitle string
	Form       *web.TicketForm
}

// ticketEntry returns the published entry of the form if the visitor may see it.
func (s *Server) ticketEntry(r *http.Request, id string) (*pubdata.Entry, error) {
	e, err := s.TicketEntry(r, id)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q not found.", id).Keyed("error.entry.not_found_ref", "ID", id)
	}
	return e, nil
}

func (s *Server) PageTicketNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.TicketService(); err != nil {
		return err
	}
	q := r.URL.Query()
	e, err := s.ticketEntry(r, q.Get("entry"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "ticket_new", http.StatusOK, &ticketNewView{Page: s.Base(r, false), EntryTitle: e.Title, Form: s.TicketFormFor(r, e, q)})
}

func (s *Server) PageTicketSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.TicketService(); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	e, err := s.ticketEntry(r, r.PostForm.Get("entry"))
	if err != nil {
		return err
	}
	t, err := s.ReportTicket(r, web.TicketCreateOf(r.PostForm))
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/account/tickets/"+t.ID, "reported", "1"))
		return nil
	}
	if !web.FormError(err) {
		return err
	}
	v := &ticketNewView{Page: s.Base(r, false), EntryTitle: e.Title, Form: s.TicketFormFor(r, e, r.PostForm)}
	web.SetFormErrors(v.Lang, v.Form.Errors, err)
	return s.Render(w, r, "ticket_new", http.StatusBadRequest, v)
}

func (s *Server) PageMyTickets(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.TicketService(); err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Set("role", "mine")
	r.URL.RawQuery = q.Encode()
	v, err := s.TicketsList(r, a, false)
	if err != nil {
		return err
	}
	return s.Render(w, r, "tickets", http.StatusOK, v)
}

func (s *Server) PageMyTicket(w http.ResponseWriter, r *http.Request) error {
	v, err := s.TicketPage(r, false)
	if err != nil {
		return err
	}
	return s.Render(w, r, "ticket", http.StatusOK, v)
}

func (s *Server) PageTicketConfirm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.TicketPage(r, false)
	if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	_, err = s.ConfirmTicket(r, a, v.Ticket.Ticket)
	if err == nil {
		web.Redirect(w, r, web.WithQuery(v.ActionBase, "confirmed", "1"))
		return nil
	}
	if !web.FormError(err) {
		return err
	}
	web.SetFormErrors(v.Lang, v.Errors, err)
	return s.Render(w, r, "ticket", web.ErrorStatus(err), v)
}

func (s *Server) PageTicketReopen(w http.ResponseWriter, r *http.Request) error {
	v, err := s.TicketPage(r, false)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	re := &pubdata.TicketReopen{Reason: r.PostForm.Get("reason")}
	_, err = s.ReopenTicket(r, a, v.Ticket.Ticket, re)
	if err == nil {
		web.Redirect(w, r, web.WithQuery(v.ActionBase, "reopened", "1"))
		return nil
	}
	if !web.FormError(err) {
		return err
	}
	v.Reason = re.Reason
	web.SetFormErrors(v.Lang, v.Errors, err)
	return s.Render(w, r, "ticket", web.ErrorStatus(err), v)
}
