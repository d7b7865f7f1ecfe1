package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// The ticket pages the audiences share: the "report a problem" form (partial ticket-form:
// on the portal's entry page, the console's entry page and /tickets/new), the lists
// (tickets.html) and a ticket's page (ticket.html: the answer form for the provider, the
// confirm and reopen forms for the reporter).

// TicketKeyParam is the form parameter prefix of a row's key value: key.<item>.
const TicketKeyParam = "key."

// TicketKeyField is one key item on the form.
type TicketKeyField struct {
	N     int
	Name  string
	Title string
	Value string
}

// TicketForm is the view of the report form.
type TicketForm struct {
	EntryID    string
	Keys       []TicketKeyField // the key items of a table entry (the row is optional)
	Categories []pubdata.TicketCategory
	Category   string
	Desc       string
	ReplyDays  int
	Due        string
	DueCovered bool
	SignedIn   bool
	SignInURL  string
	Errors     FormErrors
}

// TicketFormFor is the form on entry e, filled from values.
func (s *Server) TicketFormFor(r *http.Request, e *pubdata.Entry, values url.Values) *TicketForm {
	a := pubdata.ActorFromContext(r.Context())
	f := &TicketForm{EntryID: e.ID, Categories: pubdata.TicketCategories, Category: values.Get("category"), Desc: values.Get("description"),
		ReplyDays: s.TicketDays(), SignedIn: !a.Anonymous(), SignInURL: LoginURL(r.URL.RequestURI()), Errors: FormErrors{}}
	now := s.Now()
	due := s.WorkCalendar().AddWorkdays(now, f.ReplyDays)
	f.Due, f.DueCovered = pubdata.Today(due), s.WorkCalendar().SpanCovered(now, due)
	if e.Format == pubdata.FormatTable {
		for n, k := range pubdata.KeyItems(e.Items) {
			it := e.Items[k]
			f.Keys = append(f.Keys, TicketKeyField{N: n, Name: it.Name, Title: it.Title, Value: values.Get(TicketKeyParam + it.Name)})
		}
	}
	return f
}

// TicketCreateOf reads the report form.
func TicketCreateOf(f url.Values) *pubdata.TicketCreate {
	c := &pubdata.TicketCreate{Entry: f.Get("entry"), Key: map[string]string{}, Category: pubdata.TicketCategory(f.Get("category")), Description: f.Get("description")}
	for name := range f {
		if k, ok := strings.CutPrefix(name, TicketKeyParam); ok {
			c.Key[k] = f.Get(name)
		}
	}
	return c
}

// SetFormErrors shows err on a form: each field's problem by its field, else the error's
// sentence above the form.
func SetFormErrors(lang string, errs FormErrors, err error) {
	for field, p := range pubdata.ErrorFields(err) {
		errs[field] = FieldText(lang, p)
	}
	if len(errs) == 0 {
		errs[""] = ErrorText(lang, err)
	}
}

// FormError reports whether err is one a form shows beside its fields (invalid input, a
// conflict with the ticket's state, a refusal of the row named) rather than an error page.
func FormError(err error) bool {
	return ErrorIs(err, pubdata.EINVALID) || ErrorIs(err, pubdata.ECONFLICT) || ErrorIs(err, pubdata.EFORBIDDEN)
}

// TicketView is the view of a ticket's page.
type TicketView struct {
	Page
	Ticket     TicketRow
	BackURL    string
	ActionBase string // the page's path: its forms post to ActionBase + "/answer" …
	CanAnswer  bool
	CanConfirm bool // the reporter of an answered ticket: confirm or reopen
	Batches    []*pubdata.Batch
	Answer     string
	Batch      string
	Reason     string
	Errors     FormErrors
}

// TicketPage builds the page of the path's ticket on the console or the portal.
func (s *Server) TicketPage(r *http.Request, console bool) (*TicketView, error) {
	a, t, err := s.TicketFor(r)
	if err != nil {
		return nil, err
	}
	v := &TicketView{Page: s.Base(r, console), Ticket: TicketRow{Ticket: t, KeyText: t.KeyText(nil)}, Errors: FormErrors{},
		BackURL: "/account/tickets", ActionBase: "/account/tickets/" + t.ID, Batch: t.Batch}
	if console {
		v.BackURL, v.ActionBase = "/console/tickets", "/console/tickets/"+t.ID
		v.CanAnswer = t.Status.AwaitsAnswer() && pubdata.CanAnswerTicket(a, t)
	} else {
		v.CanConfirm = t.Status == pubdata.TicketAnswered && pubdata.IsTicketReporter(a, t)
	}
	if v.CanAnswer && s.Data != nil {
		list, _, err := s.Data.FindBatches(r.Context(), t.Entry, 50, "")
		if err != nil {
			return nil, err
		}
		for _, b := range list {
			if b.Status == pubdata.BatchDone {
				v.Batches = append(v.Batches, b)
			}
		}
	}
	q := r.URL.Query()
	switch {
	case q.Get("reported") != "":
		v.Flash = Translate(v.Lang, "ticket.flash.reported")
	case q.Get("answered") != "":
		v.Flash = Translate(v.Lang, "ticket.flash.answered")
	case q.Get("confirmed") != "":
		v.Flash = Translate(v.Lang, "ticket.flash.confirmed")
	case q.Get("reopened") != "":
		v.Flash = Translate(v.Lang, "ticket.flash.reopened")
	}
	return v, nil
}
