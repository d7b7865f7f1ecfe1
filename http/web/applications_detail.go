package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/pubdata/pubdata"
)

// An application's and a grant's page, as the console (/console/applications/{id},
// /console/grants/{id}) and the portal's account (/account/applications/{id},
// /account/grants/{id}) show them: the views both build, and the applicant's operations
// (withdraw, dispute) both forms perform. Public users (citizens and companies) use the
// account's pages; the console sends them there (AccountURL).

// ToAccount sends a public user (a citizen or a company: signed in, not
// Actor.IsGovernment) who opened a console page of applications, grants or objections to the
// account's version of it, path, with the request's query kept, and reports whether it did;
// government users keep the console's pages.
func ToAccount(w http.ResponseWriter, r *http.Request, a *pubdata.Actor, path string) bool {
	if a.Anonymous() || a.IsGovernment() {
		return false
	}
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	Redirect(w, r, path)
	return true
}

// GrantRow is a grant as the pages show it.
type GrantRow struct {
	*pubdata.Grant
	Now          time.Time
	ConsumerName string
	ProviderName string
}

// Status is live, revoked or expired.
func (g GrantRow) Status() string { return g.StateAt(g.Now) }

func (g GrantRow) StatusKey() string { return OptionKey(GrantStatusOptions, g.Status()) }

func (g GrantRow) KindKey() string { return OptionKey(AppKindOptions, string(g.Kind)) }

// Until is the last day of the grant's period (its expiry is midnight after it).
func (g GrantRow) Until() string { return g.LastDay() }

func (g GrantRow) IsLive() bool { return g.Status() == "live" }

// BadgeClass is the CSS class of the status badge.
func (g GrantRow) BadgeClass() string {
	switch g.Status() {
	case "live":
		return "status-published"
	case "revoked":
		return "status-rejected"
	}
	return "status-draft"
}

// ConsumerLabel is the consumer: the organisation's name, or the public user.
func (g GrantRow) ConsumerLabel() string {
	switch {
	case g.ConsumerName != "":
		return g.ConsumerName
	case g.Consumer != "":
		return g.Consumer
	}
	return g.ConsumerUser
}

// AppEventRow is a transition of an application as the history shows it.
type AppEventRow struct {
	*pubdata.ApplicationEvent
}

func (e AppEventRow) ActionKey() string { return OptionKey(AppActionOptions, e.Action) }

func (e AppEventRow) FromKey() string { return OptionKey(AppStatusOptions, string(e.From)) }

func (e AppEventRow) ToKey() string { return OptionKey(AppStatusOptions, string(e.To)) }

// itemLabeller returns the label of an item of e by name: "title (name)", or the name.
func itemLabeller(e *pubdata.Entry) func(string) string {
	titles := map[string]string{}
	if e != nil {
		for _, it := range e.Items {
			titles[it.Name] = it.Title
		}
	}
	return func(name string) string {
		if t := titles[name]; t != "" && t != name {
			return t + " (" + name + ")"
		}
		return name
	}
}

// ApplicationFor returns the application of the path's {id} when the actor may see it;
// ENOTFOUND otherwise (a stranger does not learn that it exists).
func (s *Server) ApplicationFor(r *http.Request, a *pubdata.Actor) (*pubdata.Application, error) {
	apps, err := s.AppService()
	if err != nil {
		return nil, err
	}
	return pubdata.FindApplicationFor(r.Context(), apps, a, r.PathValue("id"))
}

// GrantFor returns the grant of the path's {id} and its entry's division when the actor may
// see it; ENOTFOUND otherwise.
func (s *Server) GrantFor(r *http.Request, a *pubdata.Actor) (*pubdata.Grant, string, error) {
	apps, err := s.AppService()
	if err != nil {
		return nil, "", err
	}
	g, app, err := pubdata.FindGrantFor(r.Context(), apps, a, r.PathValue("id"))
	if err != nil {
		return nil, "", err
	}
	return g, app.Division, nil
}

// ApplicationDetail is what an application's page shows on the console and in the account:
// its facts, the items asked for, the usage agreement accepted, the grant an approval made,
// the history, and the applicant's forms (dispute a rejection, withdraw a pending one).
type ApplicationDetail struct {
	Page
	App AppRow
	// Entry is the entry's published version (nil when it has none any more).
	Entry      *pubdata.Entry
	EntryURL   string
	ItemTitles []string // the items asked for, "title (name)"; empty: all
	// Terms and TermsText are the entry's usage agreement, shown with an open application
	// that accepted it.
	Terms     []string
	TermsText string
	Events    []AppEventRow
	Grant     *GrantRow
	// The applicant's forms.
	CanDispute    bool
	CanWithdraw   bool
	DisputeReason string
	DisputeErrors FormErrors
}

// ApplicationPage builds the detail of app for the actor; console chooses the console's
// layout (else the portal's).
func (s *Server) ApplicationPage(r *http.Request, a *pubdata.Actor, app *pubdata.Application, console bool) (*ApplicationDetail, error) {
	v := &ApplicationDetail{Page: s.Base(r, console), App: AppRow{Application: app}, DisputeErrors: FormErrors{}}
	e, err := s.Entries.FindPublishedEntry(r.Context(), app.Entry)
	switch {
	case ErrorIs(err, pubdata.ENOTFOUND):
		e = nil
	case err != nil:
		return nil, err
	default:
		v.Entry = e
		if pubdata.CanViewPublished(a, e) {
			v.EntryURL = "/catalog/" + e.ID
		}
		if app.AcceptTerms {
			v.Terms, v.TermsText = e.Terms, e.TermsText
		}
	}
	label := itemLabeller(e)
	for _, n := range app.Items {
		v.ItemTitles = append(v.ItemTitles, label(n))
	}
	evs, err := s.Applications.FindApplicationEvents(r.Context(), app.ID)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		v.Events = append(v.Events, AppEventRow{ev})
	}
	if app.Grant != "" {
		g, err := s.Applications.FindGrantByID(r.Context(), app.Grant)
		if err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
			return nil, err
		}
		if g != nil {
			v.Grant = &GrantRow{Grant: g, Now: s.Now()}
		}
	}
	v.CanDispute = app.Status == pubdata.AppRejected && app.DisputedAt == nil && pubdata.CanDisputeApplication(a, app)
	v.CanWithdraw = app.Status == pubdata.AppPending && pubdata.IsApplicant(a, app)
	q := r.URL.Query()
	switch {
	case q.Get("created") != "":
		v.Flash = Translate(v.Lang, "app.flash.created", "Due", app.Due)
	case q.Get("decided") != "":
		v.Flash = Translate(v.Lang, "app.flash.decided")
	case q.Get("disputed") != "":
		v.Flash = Translate(v.Lang, "app.flash.disputed")
	case q.Get("withdrawn") != "":
		v.Flash = Translate(v.Lang, "app.flash.withdrawn")
	}
	return v, nil
}

// DisputeApplication disputes the rejection of app with reason, as the actor (the
// applicant): the console's and the account's dispute forms.
func (s *Server) DisputeApplication(r *http.Request, a *pubdata.Actor, app *pubdata.Application, reason string) (*pubdata.Application, error) {
	if !pubdata.CanDisputeApplication(a, app) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the applicant may dispute a rejection.").Keyed("error.application.dispute_forbidden")
	}
	return s.Applications.DisputeApplication(r.Context(), app.ID, reason)
}

// WithdrawApplication withdraws app as the actor (the applicant): the console's and the
// account's withdraw forms.
func (s *Server) WithdrawApplication(r *http.Request, a *pubdata.Actor, app *pubdata.Application) (*pubdata.Application, error) {
	if !pubdata.IsApplicant(a, app) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the applicant may withdraw an application.").Keyed("error.application.withdraw_forbidden")
	}
	return s.Applications.WithdrawApplication(r.Context(), app.ID)
}

// GrantDetail is what a grant's page shows on the console and in the account: its scope
// (items, items in clear, row filter), purpose, period and state, and, for its holder while
// it is live, where to read.
type GrantDetail struct {
	Page
	Grant       GrantRow
	ItemTitles  []string
	ClearTitles []string
	Holder      bool // the actor holds the grant: show how to read
	PreviewURL  string
	RowsURL     string
}

// GrantPage builds the detail of g for the actor; console chooses the console's layout.
func (s *Server) GrantPage(r *http.Request, a *pubdata.Actor, g *pubdata.Grant, console bool) (*GrantDetail, error) {
	names, err := s.OrgNames(r)
	if err != nil {
		return nil, err
	}
	row := GrantRow{Grant: g, Now: s.Now(), ConsumerName: names[g.Consumer], ProviderName: names[g.Provider]}
	v := &GrantDetail{Page: s.Base(r, console), Grant: row, Holder: g.Holds(a)}
	e, err := s.Entries.FindPublishedEntry(r.Context(), g.Entry)
	switch {
	case ErrorIs(err, pubdata.ENOTFOUND):
		e = nil
	case err != nil:
		return nil, err
	default:
		if v.Holder && row.IsLive() {
			v.PreviewURL = "/catalog/" + e.ID
			if e.Format == pubdata.FormatTable {
				v.RowsURL = "/api/v1/entries/" + url.PathEscape(e.ID) + "/rows"
			}
		}
	}
	label := itemLabeller(e)
	for _, n := range g.Items {
		v.ItemTitles = append(v.ItemTitles, label(n))
	}
	for _, n := range g.ClearItems {
		v.ClearTitles = append(v.ClearTitles, label(n))
	}
	if r.URL.Query().Get("revoked") != "" {
		v.Flash = Translate(v.Lang, "grant.flash.revoked")
	}
	return v, nil
}
