package web

import (
	"net/http"
	"slices"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
)

// Problem tickets (C1), the operations the API and the pages share: reporting one, finding
// one the caller may see, the list's filter, and the steps with their authorisation. Who may
// do what is the domain's (CanSeeTicket, CanAnswerTicket, IsTicketReporter); a ticket the
// caller may not see is 404.

func (s *Server) TicketService() (pubdata.TicketService, error) {
	if s.Tickets == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Problem tickets are not available on this server.").Keyed("error.not_available.tickets")
	}
	return s.Tickets, nil
}

// TicketDays returns the working days a provider has to answer a ticket: TicketReplyDays,
// or the domain's default when it is zero.
func (s *Server) TicketDays() int { return pubdata.TicketReplyDays(s.TicketReplyDays) }

// TicketEntry returns the published entry id the caller may see (nil: none, or one it may
// not see: reported as not found, the same either way).
func (s *Server) TicketEntry(r *http.Request, id string) (*pubdata.Entry, error) {
	if id == "" {
		return nil, nil
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if ok, err := s.Reader().Visible(r.Context(), e); err != nil {
		return nil, err
	} else if !ok {
		return nil, nil
	}
	return e, nil
}

// ReportTicket records c as the request's actor's report: the entry must be a published one
// the caller may see; a row named by its key must be one the caller reads (the read path
// decides, access.Reader.TicketRow, without revealing a row the caller may not read).
func (s *Server) ReportTicket(r *http.Request, c *pubdata.TicketCreate) (*pubdata.Ticket, error) {
	svc, err := s.TicketService()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to report a problem, so that the provider's answer can reach you.").Keyed("error.ticket.sign_in")
	}
	e, err := s.TicketEntry(r, c.Entry)
	if err != nil {
		return nil, err
	}
	if e != nil {
		c.Key = access.NormalizeKey(e.Items, c.Key)
	}
	if err := pubdata.ValidateTicketCreate(a, e, c); err != nil {
		return nil, err
	}
	if c.Key != nil {
		if err := s.Reader().TicketRow(ctx, e, c.Key, access.RequestPurpose(ctx)); err != nil {
			return nil, err
		}
	}
	return svc.CreateTicket(ctx, e, c)
}

// TicketFor returns the ticket of the path's {id} if the caller may see it.
func (s *Server) TicketFor(r *http.Request) (*pubdata.Actor, *pubdata.Ticket, error) {
	svc, err := s.TicketService()
	if err != nil {
		return nil, nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	t, err := pubdata.FindTicketFor(r.Context(), svc, a, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	return a, t, nil
}

// AnswerTicket records the provider's answer to t: its admins, editors and reviewers only.
func (s *Server) AnswerTicket(r *http.Request, a *pubdata.Actor, t *pubdata.Ticket, ans *pubdata.TicketAnswer) (*pubdata.Ticket, error) {
	if !pubdata.CanAnswerTicket(a, t) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator, editor or reviewer of the provider may answer this ticket.").Keyed("error.ticket.answer_forbidden")
	}
	return s.Tickets.AnswerTicket(r.Context(), t.ID, ans)
}

func reporterOnly(a *pubdata.Actor, t *pubdata.Ticket) error {
	if !pubdata.IsTicketReporter(a, t) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the reporter may confirm or reopen this ticket.").Keyed("error.ticket.reporter_only")
	}
	return nil
}

// ConfirmTicket records the reporter's confirmation of the answer to t.
func (s *Server) ConfirmTicket(r *http.Request, a *pubdata.Actor, t *pubdata.Ticket) (*pubdata.Ticket, error) {
	if err := reporterOnly(a, t); err != nil {
		return nil, err
	}
	return s.Tickets.ConfirmTicket(r.Context(), t.ID)
}

// ReopenTicket records the reporter's reopening of t.
func (s *Server) ReopenTicket(r *http.Request, a *pubdata.Actor, t *pubdata.Ticket, re *pubdata.TicketReopen) (*pubdata.Ticket, error) {
	if err := reporterOnly(a, t); err != nil {
		return nil, err
	}
	return s.Tickets.ReopenTicket(r.Context(), t.ID, re)
}

// TicketRoles are the lists of tickets: reported by the caller, to the caller's
// organisation as provider, of the entries in the caller's authority's division.
var TicketRoles = []string{"mine", "incoming", "authority"}

// TicketRolesOf returns the lists the actor has.
func TicketRolesOf(a *pubdata.Actor) []string {
	out := []string{"mine"}
	if a.Org != nil {
		out = append(out, "incoming")
	}
	if a.IsAuthority() {
		out = append(out, "authority")
	}
	return out
}

// TicketFilter reads the list's query: role mine (reported by the caller, the default),
// incoming (to the caller's organisation as provider), authority (entries in the caller's
// authority's division); status; entry.
func (s *Server) TicketFilter(r *http.Request, a *pubdata.Actor) (pubdata.TicketFilter, error) {
	q := r.URL.Query()
	var f pubdata.TicketFilter
	var err error
	if f.Limit, f.Cursor, err = PageParams(q); err != nil {
		return f, err
	}
	switch role := q.Get("role"); role {
	case "", "mine":
		f.Reporter = a.Username()
	case "incoming":
		if a.Org == nil {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only a provider's users have incoming tickets.").Keyed("error.ticket.incoming_forbidden")
		}
		f.Provider = a.Org.Code
	case "authority":
		if !a.IsAuthority() {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's users see the tickets of their division.").Keyed("error.ticket.division_forbidden")
		}
		f.Division = a.Org.Division
	default:
		return f, ParamError("role", pubdata.NewMessage("error.param.role_incoming", "Value", role), "must be mine, incoming or authority, not %q.", role)
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(pubdata.TicketStatuses, pubdata.TicketStatus(v)) {
			return f, ParamError("status", pubdata.NewMessage("error.param.ticket_status", "Value", v), "must be one of open, answered, reopened, escalated, confirmed, not %q.", v)
		}
		f.Status = pubdata.TicketStatus(v)
	}
	f.Entry = q.Get("entry")
	return f, nil
}

// TicketRow is a ticket as the pages show it.
type TicketRow struct {
	*pubdata.Ticket
	KeyText string
}

// StatusClass is the badge class of the ticket's status.
func (t TicketRow) StatusClass() string {
	switch t.Status {
	case pubdata.TicketConfirmed:
		return "status-published"
	case pubdata.TicketAnswered:
		return "status-draft"
	case pubdata.TicketEscalated:
		return "status-rejected"
	}
	return "status-submitted"
}

func TicketRows(list []*pubdata.Ticket) []TicketRow {
	out := make([]TicketRow, len(list))
	for i, t := range list {
		out[i] = TicketRow{Ticket: t, KeyText: t.KeyText(nil)}
	}
	return out
}

// TicketsView is the view of a list of tickets (the console's and the reporter's).
type TicketsView struct {
	Page
	Role     string
	Roles    []string
	Rows     []TicketRow
	Total    int
	NextURL  string
	Reported string // the id just reported
	Statuses []pubdata.TicketStatus
	Status   string
	// Base is the list's path and DetailBase the prefix of a ticket's page.
	Base, DetailBase string
}

// TicketsList reads the list the request asks for.
func (s *Server) TicketsList(r *http.Request, a *pubdata.Actor, console bool) (*TicketsView, error) {
	f, err := s.TicketFilter(r, a)
	if err != nil {
		return nil, err
	}
	list, total, next, err := s.Tickets.FindTickets(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v := &TicketsView{Page: s.Base(r, console), Role: r.URL.Query().Get("role"), Rows: TicketRows(list), Total: total,
		Statuses: pubdata.TicketStatuses, Status: string(f.Status), Base: "/account/tickets", DetailBase: "/account/tickets/"}
	if console {
		v.Base, v.DetailBase = "/console/tickets", "/console/tickets/"
	}
	if v.Role == "" {
		v.Role = "mine"
	}
	if next != "" {
		v.NextURL = PageLink(r, "cursor", next)
	}
	return v, nil
}
