package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Problem tickets (C1): POST /api/v1/tickets reports one; GET lists them by role; the
// provider answers, the reporter confirms or reopens.

func (s *Server) ApiTicketCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.TicketService(); err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var c pubdata.TicketCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	t, err := s.ReportTicket(r, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) ApiTicketList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TicketService()
	if err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	f, err := s.TicketFilter(r, a)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindTickets(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiTicketGet(w http.ResponseWriter, r *http.Request) error {
	_, t, err := s.TicketFor(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, t)
	return nil
}

// ApiTicketAnswer records the provider's answer: its admins, editors and reviewers.
func (s *Server) ApiTicketAnswer(w http.ResponseWriter, r *http.Request) error {
	a, t, err := s.TicketFor(r)
	if err != nil {
		return err
	}
	var body pubdata.TicketAnswer
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	out, err := s.AnswerTicket(r, a, t, &body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ApiTicketConfirm records the reporter's confirmation of the answer.
func (s *Server) ApiTicketConfirm(w http.ResponseWriter, r *http.Request) error {
	a, t, err := s.TicketFor(r)
	if err != nil {
		return err
	}
	out, err := s.ConfirmTicket(r, a, t)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ApiTicketReopen records the reporter's reopening, with its reason.
func (s *Server) ApiTicketReopen(w http.ResponseWriter, r *http.Request) error {
	a, t, err := s.TicketFor(r)
	if err != nil {
		return err
	}
	var body pubdata.TicketReopen
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	out, err := s.ReopenTicket(r, a, t, &body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
