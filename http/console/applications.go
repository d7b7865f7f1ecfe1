package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// appFormErrors turns a validation error into the form's messages by field, in lang; a
// problem of a field the forms do not show goes to the whole form.
func appFormErrors(lang string, err error) web.FormErrors {
	errs := web.FormErrors{}
	for field, p := range pubdata.ErrorFields(err) {
		if !slices.Contains(web.AppFormFields, field) {
			errs[""] = web.ErrorText(lang, err)
			continue
		}
		errs[field] = web.FieldText(lang, p)
	}
	if len(errs) == 0 {
		errs[""] = web.ErrorText(lang, err)
	}
	return errs
}

func appRows(apps []*pubdata.Application) []web.AppRow {
	out := make([]web.AppRow, len(apps))
	for i, a := range apps {
		out[i] = web.AppRow{Application: a}
	}
	return out
}

// roleTabs returns the tabs the actor may use, with the current one marked.
func roleTabs(path string, opts []web.CatOption, allowed func(string) bool, current string) []web.RoleTab {
	var out []web.RoleTab
	for _, o := range opts {
		if allowed(o.Value) {
			out = append(out, web.RoleTab{Key: o.Key, URL: path + "?role=" + o.Value, Current: o.Value == current})
		}
	}
	return out
}

// --- the share catalogue ---

// shareEntry is an entry of the share catalogue with what the actor can do with it.
type shareEntry struct {
	web.EntryRow
	ClassKey    string
	Conditional bool
	Own         bool // the actor's organisation's own entry: no application needed
	ApplyURL    string
	PreviewURL  string
	RowsURL     string
}

// shareCatalogView is the view of the share catalogue search.
type shareCatalogView struct {
	web.Page
	Open    bool // the public's view: the open catalogue
	Q       string
	Class   string
	Classes []web.CatOption
	QError  string
	Results []shareEntry
	Total   int
	PageNo  int
	Pages   int
	PrevURL string
	NextURL string
}

func (s *Server) PageShareCatalog(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := shareCatalogView{Page: s.Base(r, true), Open: web.ApplicantKind(a) == pubdata.KindOpen,
		Q: strings.TrimSpace(q.Get("q")), Class: q.Get("class"), PageNo: 1}
	v.Classes = web.ShareClassOptions[:2]
	field, all := pubdata.ShareCatalog.Field, pubdata.ShareCatalog.Values
	if v.Open {
		v.Classes = web.OpenClassOptions[:2]
		field, all = pubdata.OpenCatalog.Field, pubdata.OpenCatalog.Values
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			return web.ParamError("page", pubdata.NewMessage("error.param.page", "Max", 10000, "Value", p), "must be a whole number from 1 to %d, not %q.", 10000, p)
		}
		v.PageNo = n
	}
	classes := all
	if v.Class != "" {
		if !slices.Contains(all, v.Class) {
			return web.ParamError("class", pubdata.NewMessage("error.param.one_of", "Values", strings.Join(all, ", "), "Value", v.Class),
				"must be one of %s, not %q.", strings.Join(all, ", "), v.Class)
		}
		classes = []string{v.Class}
	}
	cq := pubdata.CatalogQuery{Q: v.Q, Limit: web.CatalogPageSize, Offset: (v.PageNo - 1) * web.CatalogPageSize,
		Filters: []pubdata.CatalogFilter{{Field: field, Values: classes}}}
	if cq.Q != "" {
		cq.Sort = "relevance"
	}
	if err := pubdata.ValidateCatalogQuery(&cq); err != nil {
		if pubdata.ErrorFields(err)["q"] != nil {
			v.QError = web.Translate(v.Lang, "catalog.error.q")
			return s.Render(w, r, "applications_catalog", http.StatusBadRequest, v)
		}
		return err
	}
	res, err := s.Entries.SearchCatalog(r.Context(), cq)
	if err != nil {
		if pubdata.ErrorFields(err)["q"] != nil {
			v.QError = web.Translate(v.Lang, "catalog.error.q")
			return s.Render(w, r, "applications_catalog", http.StatusBadRequest, v)
		}
		return err
	}
	v.Total = res.Total
	v.Pages = max(1, int(math.Ceil(float64(res.Total)/float64(web.CatalogPageSize))))
	if v.PageNo > 1 {
		v.PrevURL = web.PageLink(r, "page", web.PageParam(v.PageNo-1))
	}
	if v.PageNo < v.Pages {
		v.NextURL = web.PageLink(r, "page", strconv.Itoa(v.PageNo+1))
	}
	for _, e := range res.Items {
		x := shareEntry{EntryRow: web.EntryRow{Entry: e}, Own: a.OrgCode() != "" && a.OrgCode() == e.Org,
			PreviewURL: "/catalog/" + e.ID, RowsURL: "/api/v1/entries/" + url.PathEscape(e.ID) + "/rows"}
		class := e.ShareClass
		x.ClassKey = web.OptionKey(web.ShareClassOptions, class)
		if v.Open {
			class = e.OpenClass
			x.ClassKey = web.OptionKey(web.OpenClassOptions, class)
		}
		x.Conditional = class == pubdata.ClassConditional
		if x.Conditional && !x.Own {
			x.ApplyURL = web.WithQuery("/console/applications/new", "entry", e.ID)
		}
		if e.Format != pubdata.FormatTable {
			x.RowsURL = ""
		}
		v.Results = append(v.Results, x)
	}
	return s.Render(w, r, "applications_catalog", http.StatusOK, v)
}

// --- the apply form ---

// itemChoice is a data item as a checkbox (or two) of a form.
type itemChoice struct {
	N        int
	Name     string
	Title    string
	Grade    int
	Personal bool
	Checked  bool
	Clear    bool // the decision form's "in clear" box
}

// applyForm is what the apply form holds.
type applyForm struct {
	Purpose     string
	Basis       string
	Until       string
	AcceptTerms bool
}

// applyView is the view of the apply form.
type applyView struct {
	web.Page
	Entry     web.EntryRow
	Kind      string
	KindKey   string
	ClassKey  string
	Items     []itemChoice
	Form      applyForm
	Errors    web.FormErrors
	ReplyDays int
	Due       string // the answer's due date if the application is made today
	// DueCovered: the calendar knows the holidays up to Due (else it is unconfirmed).
	DueCovered bool
	MinUntil   string
	MaxUntil   string
}

// applyEntry returns the published entry the apply form is for (?entry= or the form's
// entry), which the actor must be able to see.
func (s *Server) applyEntry(r *http.Request, a *pubdata.Actor, id string) (*pubdata.Entry, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, pubdata.FieldErrorf("entry", "Parameter entry (the catalogue entry to apply for) is required.").Keyed("error.application.entry_param")
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewPublished(a, e) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q was not found.", id).Keyed("error.entry.not_found", "ID", id)
	}
	return e, nil
}

// applyPage builds the apply form's view for e.
func (s *Server) applyPage(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) applyView {
	now := s.Now()
	kind := web.ApplicantKind(a)
	v := applyView{Page: s.Base(r, true), Entry: web.EntryRow{Entry: e}, Kind: string(kind), KindKey: web.OptionKey(web.AppKindOptions, string(kind)),
		ReplyDays: s.ReplyDaysFor(r.Context(), kind, e.Division), Errors: web.FormErrors{}}
	v.ClassKey = web.OptionKey(web.ShareClassOptions, e.ShareClass)
	if kind == pubdata.KindOpen {
		v.ClassKey = web.OptionKey(web.OpenClassOptions, e.OpenClass)
	}
	due := s.WorkCalendar().AddWorkdays(now, v.ReplyDays)
	v.Due, v.DueCovered = pubdata.Today(due), s.WorkCalendar().SpanCovered(now, due)
	today, _ := time.ParseInLocation(pubdata.DateFormat, pubdata.Today(now), pubdata.ChinaTime)
	v.MinUntil = today.AddDate(0, 0, 1).Format(pubdata.DateFormat)
	v.MaxUntil = today.AddDate(0, pubdata.MaxApplicationMonths, 0).Format(pubdata.DateFormat)
	v.Form.Until = today.AddDate(0, 6, 0).Format(pubdata.DateFormat)
	for i, it := range e.Items {
		v.Items = append(v.Items, itemChoice{N: i, Name: it.Name, Title: it.Title, Grade: it.Grade, Personal: it.Personal, Checked: true})
	}
	return v
}

func (s *Server) PageApplyForm(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if _, err := s.AppService(); err != nil {
		return err
	}
	e, err := s.applyEntry(r, a, r.URL.Query().Get("entry"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "application_new", http.StatusOK, s.applyPage(r, a, e))
}

func (s *Server) PageApplySubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	apps, err := s.AppService()
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	e, err := s.applyEntry(r, a, f.Get("entry"))
	if err != nil {
		return err
	}
	v := s.applyPage(r, a, e)
	v.Form = applyForm{Purpose: f.Get("purpose"), Basis: f.Get("basis"), Until: strings.TrimSpace(f.Get("until")), AcceptTerms: f.Get("accept_terms") != ""}
	items := f["items"]
	for i := range v.Items {
		v.Items[i].Checked = slices.Contains(items, v.Items[i].Name)
	}
	c := &pubdata.ApplicationCreate{Entry: e.ID, Kind: web.ApplicantKind(a), Items: items, Purpose: v.Form.Purpose, Basis: v.Form.Basis,
		Until: v.Form.Until, AcceptTerms: v.Form.AcceptTerms}
	// The page's own checks, then the domain's (which the store runs again).
	errs := web.FormErrors{}
	if len(items) == 0 {
		errs["items"] = web.Translate(v.Lang, "app.error.items_none")
	}
	if !c.AcceptTerms {
		errs["accept_terms"] = web.Translate(v.Lang, "app.error.accept_terms")
	}
	verr := pubdata.ValidateApplicationCreate(a, e, c, s.Now())
	if verr != nil && !web.ErrorIs(verr, pubdata.EINVALID) {
		return verr
	}
	if verr != nil {
		for k, m := range appFormErrors(v.Lang, verr) {
			errs[k] = m
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		return s.Render(w, r, "application_new", http.StatusBadRequest, v)
	}
	app, err := apps.CreateApplication(r.Context(), e, c)
	if web.ErrorIs(err, pubdata.EINVALID) {
		v.Errors = appFormErrors(v.Lang, err)
		return s.Render(w, r, "application_new", http.StatusBadRequest, v)
	} else if err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/applications/"+app.ID, "created", "1"))
	return nil
}

// --- the applications lists ---

// overdueCount is a provider's count of overdue applications (H3).
type overdueCount struct {
	Provider string
	Name     string
	Count    int
}

// applicationsView is the view of the applications page.
type applicationsView struct {
	web.Page
	Role     string
	Roles    []web.RoleTab
	Status   string
	Statuses []web.CatOption
	Apps     []web.AppRow
	Total    int
	NextURL  string
	FirstURL string
	// The authority's board.
	Disputes      []web.AppRow
	Overdue       []web.AppRow
	OverdueCounts []overdueCount
	CatalogURL    string
}

// appTable is a table of applications on the applications page.
type appTable struct {
	Apps       []web.AppRow
	CaptionKey string
	Role       string
}

// DisputeTable, OverdueTable and ListTable are the page's tables.
func (v applicationsView) DisputeTable() appTable {
	return appTable{Apps: v.Disputes, CaptionKey: "board.disputes", Role: v.Role}
}

func (v applicationsView) OverdueTable() appTable {
	return appTable{Apps: v.Overdue, CaptionKey: "board.overdue", Role: v.Role}
}

func (v applicationsView) ListTable() appTable {
	if v.Role == "incoming" {
		return appTable{Apps: v.Apps, CaptionKey: "apps.incoming", Role: v.Role}
	}
	return appTable{Apps: v.Apps, CaptionKey: "apps.mine", Role: v.Role}
}

func (s *Server) PageApplications(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	apps, err := s.AppService()
	if err != nil {
		return err
	}
	if web.ToAccount(w, r, a, "/account/applications") {
		return nil
	}
	q := r.URL.Query()
	v := applicationsView{Page: s.Base(r, true), Role: q.Get("role"), Status: q.Get("status"), Statuses: web.AppStatusOptions,
		CatalogURL: "/console/applications/catalog"}
	if v.Role == "" {
		v.Role = "mine"
	}
	if !slices.ContainsFunc(web.AppRoles, func(o web.CatOption) bool { return o.Value == v.Role }) {
		return web.ParamError("role", pubdata.NewMessage("error.param.role_incoming", "Value", v.Role), "must be mine, incoming or authority, not %q.", v.Role)
	}
	if !pubdata.MayListApplications(a, v.Role) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of an organisation see its incoming applications, and only an authority sees the board.").Keyed("error.application.scope_forbidden")
	}
	v.Roles = roleTabs("/console/applications", web.AppRoles, func(role string) bool { return pubdata.MayListApplications(a, role) }, v.Role)
	if v.Role == "authority" {
		div := a.Org.Division
		disputes, _, _, err := apps.FindApplications(r.Context(), pubdata.ApplicationFilter{Division: div, Status: pubdata.AppDisputed, Limit: pubdata.MaxLimit})
		if err != nil {
			return err
		}
		overdue, _, _, err := apps.FindApplications(r.Context(), pubdata.ApplicationFilter{Division: div, Status: pubdata.AppPending, Overdue: true, Limit: pubdata.MaxLimit})
		if err != nil {
			return err
		}
		counts, err := apps.OverdueCounts(r.Context(), div)
		if err != nil {
			return err
		}
		v.Disputes, v.Overdue = appRows(disputes), appRows(overdue)
		if len(counts) > 0 {
			names, err := s.OrgNames(r)
			if err != nil {
				return err
			}
			for p, n := range counts {
				v.OverdueCounts = append(v.OverdueCounts, overdueCount{Provider: p, Name: names[p], Count: n})
			}
			slices.SortFunc(v.OverdueCounts, func(x, y overdueCount) int {
				if x.Count != y.Count {
					return y.Count - x.Count
				}
				return strings.Compare(x.Provider, y.Provider)
			})
		}
		return s.Render(w, r, "applications", http.StatusOK, v)
	}
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return err
	}
	f, err := pubdata.ApplicationScope(a, v.Role)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	if v.Role == pubdata.ScopeIncoming && v.Status == "" {
		v.Status = string(pubdata.AppPending) // the queue: pending, the soonest due first
	}
	switch {
	case v.Status == "" || v.Status == "all":
		v.Status = "all"
	case web.OptionKey(web.AppStatusOptions, v.Status) == web.UnknownOption.Key:
		return web.ParamError("status", pubdata.NewMessage("error.param.application_status_of", "Value", v.Status), "%q is not an application status.", v.Status)
	default:
		f.Status = pubdata.ApplicationStatus(v.Status)
	}
	list, total, next, err := apps.FindApplications(r.Context(), f)
	if err != nil {
		return err
	}
	v.Apps, v.Total = appRows(list), total
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "")
	}
	return s.Render(w, r, "applications", http.StatusOK, v)
}

// --- one application ---

// decisionForm is what the decision form holds.
type decisionForm struct {
	RowFilter string
	Until     string
	Purpose   string
	Reason    string
	Basis     string
}

// applicationView is the view of an application's page: the detail both audiences show,
// and the decision form (the provider's, or the authority's on a dispute).
type applicationView struct {
	web.ApplicationDetail
	CanDecide     bool
	ByAuthority   bool
	DecisionItems []itemChoice
	Decision      decisionForm
	Errors        web.FormErrors
	// The covering authority's review of a combination (aggregation.go).
	CanReviewAgg bool
	AggNote      string
	AggErrors    web.FormErrors
}

// appFor returns the application of the path's {id}, when the actor may see it.
func (s *Server) appFor(r *http.Request, a *pubdata.Actor) (*pubdata.Application, error) {
	return s.ApplicationFor(r, a)
}

// applicationPage builds the view of app for the actor.
func (s *Server) applicationPage(r *http.Request, a *pubdata.Actor, app *pubdata.Application) (*applicationView, error) {
	d, err := s.ApplicationPage(r, a, app, true)
	if err != nil {
		return nil, err
	}
	v := &applicationView{ApplicationDetail: *d, Errors: web.FormErrors{}}
	e := d.Entry
	v.CanDecide = s.CanDecideApplication(a, app) && e != nil
	v.ByAuthority = app.Status == pubdata.AppDisputed
	v.CanReviewAgg = app.Aggregation != nil && app.Aggregation.Review == pubdata.AggregationRequired && app.Status == pubdata.AppPending &&
		pubdata.CanReviewAggregation(a, app.Division)
	if r.URL.Query().Get("aggregation") != "" {
		v.Flash = web.Translate(v.Lang, "agg.reviewed.flash")
	}
	if v.CanDecide {
		v.Decision = decisionForm{Until: app.Until, Purpose: app.Purpose}
		for i, it := range e.Items {
			v.DecisionItems = append(v.DecisionItems, itemChoice{N: i, Name: it.Name, Title: it.Title, Grade: it.Grade, Personal: it.Personal,
				Checked: len(app.Items) == 0 || slices.Contains(app.Items, it.Name)})
		}
	}
	return v, nil
}

func (s *Server) PageApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if web.ToAccount(w, r, a, "/account/applications/"+r.PathValue("id")) {
		return nil
	}
	app, err := s.appFor(r, a)
	if err != nil {
		return err
	}
	v, err := s.applicationPage(r, a, app)
	if err != nil {
		return err
	}
	return s.Render(w, r, "application", http.StatusOK, v)
}

func (s *Server) PageApplicationDecide(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	app, err := s.appFor(r, a)
	if err != nil {
		return err
	}
	if !s.CanDecideApplication(a, app) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and reviewers answer a pending application, and only the covering authority's a disputed one.").Keyed("error.application.answer_forbidden_both")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	d := &pubdata.ApplicationDecision{Decision: f.Get("decision"), Reason: f.Get("reason"), Basis: f.Get("basis"),
		RowFilter: f.Get("row_filter"), Until: f.Get("until"), Purpose: f.Get("purpose")}
	if d.Decision == "approve" {
		d.Items, d.ClearItems = f["items"], f["clear_items"]
	}
	errs := web.FormErrors{}
	if d.Decision == "approve" && len(d.Items) == 0 {
		errs["items"] = web.Translate(web.LangFrom(r.Context()), "app.error.items_none")
	} else {
		_, err = s.Applications.DecideApplication(r.Context(), app.ID, d)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/applications/"+app.ID, "decided", "1"))
			return nil
		case web.ErrorIs(err, pubdata.ECONFLICT) && pubdata.MessageOf(err) != nil && pubdata.MessageOf(err).Key == "error.aggregation.review_required":
			// The combination now waits for the authority (aggregation.go): shown on the form.
			if fresh, ferr := s.appFor(r, a); ferr == nil {
				app = fresh
			}
		case !web.ErrorIs(err, pubdata.EINVALID):
			return err
		}
		errs = appFormErrors(web.LangFrom(r.Context()), err)
	}
	r.URL.RawQuery = ""
	v, err := s.applicationPage(r, a, app)
	if err != nil {
		return err
	}
	v.Errors = errs
	v.Decision = decisionForm{RowFilter: f.Get("row_filter"), Until: f.Get("until"), Purpose: f.Get("purpose"), Reason: f.Get("reason"), Basis: f.Get("basis")}
	for i := range v.DecisionItems {
		v.DecisionItems[i].Checked = slices.Contains(f["items"], v.DecisionItems[i].Name)
		v.DecisionItems[i].Clear = slices.Contains(f["clear_items"], v.DecisionItems[i].Name)
	}
	return s.Render(w, r, "application", http.StatusBadRequest, v)
}

func (s *Server) PageApplicationDispute(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	app, err := s.appFor(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanDisputeApplication(a, app) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the applicant may dispute a rejection.").Keyed("error.application.dispute_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	_, err = s.DisputeApplication(r, a, app, reason)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/applications/"+app.ID, "disputed", "1"))
		return nil
	case !web.ErrorIs(err, pubdata.EINVALID):
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.applicationPage(r, a, app)
	if verr != nil {
		return verr
	}
	v.DisputeReason, v.DisputeErrors = reason, appFormErrors(v.Lang, err)
	return s.Render(w, r, "application", http.StatusBadRequest, v)
}

func (s *Server) PageApplicationWithdraw(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	app, err := s.appFor(r, a)
	if err != nil {
		return err
	}
	if _, err := s.WithdrawApplication(r, a, app); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/applications/"+app.ID, "withdrawn", "1"))
	return nil
}

// --- grants ---

// grantsView is the view of the grants page.
type grantsView struct {
	web.Page
	Role     string
	Roles    []web.RoleTab
	Grants   []web.GrantRow
	NextURL  string
	FirstURL string
}

func (s *Server) PageGrants(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if web.ToAccount(w, r, a, "/account/grants") {
		return nil
	}
	apps, err := s.AppService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := grantsView{Page: s.Base(r, true), Role: q.Get("role")}
	if v.Role == "" {
		v.Role = "mine"
	}
	if !slices.ContainsFunc(web.GrantRoles, func(o web.CatOption) bool { return o.Value == v.Role }) {
		return web.ParamError("role", pubdata.NewMessage("error.param.role_provided", "Value", v.Role), "must be mine, provided or authority, not %q.", v.Role)
	}
	if !pubdata.MayListGrants(a, v.Role) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only a public body sees the grants it provided, and only an authority those of its division.").Keyed("error.grant.scope_forbidden")
	}
	v.Roles = roleTabs("/console/grants", web.GrantRoles, func(role string) bool { return pubdata.MayListGrants(a, role) }, v.Role)
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return err
	}
	f, err := pubdata.GrantScope(a, v.Role)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	list, next, err := apps.FindGrants(r.Context(), f)
	if err != nil {
		return err
	}
	names, err := s.OrgNames(r)
	if err != nil {
		return err
	}
	for _, g := range list {
		v.Grants = append(v.Grants, web.GrantRow{Grant: g, Now: s.Now(), ConsumerName: names[g.Consumer], ProviderName: names[g.Provider]})
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "")
	}
	return s.Render(w, r, "grants", http.StatusOK, v)
}

// grantView is the view of a grant's page: the detail both audiences show and the revoke
// form.
type grantView struct {
	web.GrantDetail
	CanRevoke    bool
	RevokeReason string
	Errors       web.FormErrors
}

func (s *Server) grantPage(r *http.Request, a *pubdata.Actor, g *pubdata.Grant, div string) (*grantView, error) {
	d, err := s.GrantPage(r, a, g, true)
	if err != nil {
		return nil, err
	}
	v := &grantView{GrantDetail: *d, Errors: web.FormErrors{}}
	v.CanRevoke = d.Grant.IsLive() && pubdata.CanRevokeGrant(a, g, div)
	return v, nil
}

func (s *Server) PageGrant(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if web.ToAccount(w, r, a, "/account/grants/"+r.PathValue("id")) {
		return nil
	}
	g, div, err := s.GrantFor(r, a)
	if err != nil {
		return err
	}
	v, err := s.grantPage(r, a, g, div)
	if err != nil {
		return err
	}
	return s.Render(w, r, "grant", http.StatusOK, v)
}

func (s *Server) PageGrantRevoke(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	g, div, err := s.GrantFor(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanRevokeGrant(a, g, div) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and reviewers, or the covering authority's, may revoke a grant.").Keyed("error.grant.revoke_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	_, err = s.Applications.RevokeGrant(r.Context(), g.ID, reason)
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/grants/"+g.ID, "revoked", "1"))
		return nil
	case !web.ErrorIs(err, pubdata.EINVALID):
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.grantPage(r, a, g, div)
	if verr != nil {
		return verr
	}
	v.RevokeReason, v.Errors = reason, appFormErrors(v.Lang, err)
	return s.Render(w, r, "grant", http.StatusBadRequest, v)
}

// --- notifications ---

// PageNotifications is the console's notifications page; users outside government have
// theirs on the account pages.
func (s *Server) PageNotifications(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if web.ToAccount(w, r, a, "/account/notifications") {
		return nil
	}
	v, err := s.NotificationsPage(r, s.Base(r, true), "/console/notifications")
	if err != nil {
		return err
	}
	return s.Render(w, r, "notifications", http.StatusOK, v)
}

func (s *Server) PageNotificationRead(w http.ResponseWriter, r *http.Request) error {
	return s.NotificationRead(w, r, "/console/notifications")
}
