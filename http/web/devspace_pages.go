package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/anonymise"
)

// The pages of development spaces and products, shared by the portal (developers: /devspaces,
// /products/{id}) and the console (authorities, providers and operators: /console/devspaces,
// /console/products/{id}). The templates are shared (html/devspaces.html, devspace.html,
// devspace_new.html, product.html); the views say what the caller may do.

// SpacesView is the list page.
type SpacesView struct {
	Page
	Lists    *SpaceLists
	Sections []SpaceSection
	Base     string // /devspaces or /console/devspaces
	MayApply bool
	Now      string // today, for the state of each space
	States   map[string]string
}

// SpacesPage builds the list page's view.
func (s *Server) SpacesPage(r *http.Request, console bool) (*SpacesView, error) {
	lists, err := s.SpacesFor(r, "")
	if err != nil {
		return nil, err
	}
	v := &SpacesView{Page: s.Base(r, console), Lists: lists, Base: spaceBase(console), MayApply: pubdata.CanApplyForSpace(pubdata.ActorFromContext(r.Context())),
		States: map[string]string{}}
	a := pubdata.ActorFromContext(r.Context())
	if lists.Mine != nil || v.MayApply {
		v.Sections = append(v.Sections, SpaceSection{ID: "mine", TitleKey: "devspace.list.mine", Spaces: lists.Mine})
	}
	switch {
	case lists.Operator:
		v.Sections = append(v.Sections, SpaceSection{ID: "review", TitleKey: "devspace.list.operator", Spaces: lists.Review})
	case a.IsAuthority():
		v.Sections = append(v.Sections, SpaceSection{ID: "review", TitleKey: "devspace.list.review", Spaces: lists.Review})
	}
	if len(lists.Provider) > 0 {
		v.Sections = append(v.Sections, SpaceSection{ID: "provider", TitleKey: "devspace.list.provider", Spaces: lists.Provider})
	}
	for _, l := range [][]*pubdata.DevSpace{lists.Mine, lists.Provider, lists.Review} {
		for _, sp := range l {
			v.States[sp.ID] = sp.StateAt(s.Now())
		}
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = spaceDone(v.Lang, r.URL.Query().Get("done"))
	}
	return v, nil
}

// spaceDone is the notice after a step (done=step).
func spaceDone(lang, step string) string {
	for _, d := range []struct{ Step, Key string }{{Step: "applied", Key: "devspace.done.applied"}, {Step: "reported", Key: "devspace.done.reported"},
		{Step: "anonymised", Key: "devspace.done.anonymised"}, {Step: "registered", Key: "devspace.done.registered"}, {Step: "decide", Key: "devspace.done.decide"},
		{Step: "entry", Key: "devspace.done.entry"}, {Step: "suspend", Key: "devspace.done.suspend"}, {Step: "reinstate", Key: "devspace.done.reinstate"},
		{Step: "close", Key: "devspace.done.close"}} {
		if d.Step == step {
			return Translate(lang, d.Key)
		}
	}
	return ""
}

// SpaceSection is a list of spaces on the list page.
type SpaceSection struct {
	ID       string
	TitleKey string
	Spaces   []*pubdata.DevSpace
}

func spaceBase(console bool) string {
	if console {
		return "/console/devspaces"
	}
	return "/devspaces"
}

// SpaceApplyView is the application form.
type SpaceApplyView struct {
	Page
	Form   map[string]string
	Errors FormErrors
}

// SpaceApplyPage is the empty form (entry=ID prefills the entries).
func (s *Server) SpaceApplyPage(r *http.Request) (*SpaceApplyView, error) {
	if err := s.SpacesAvailable(); err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanApplyForSpace(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only developers apply for development spaces: a company's or body's admins and editors, or a person signed in; authorities decide them.").Keyed("error.devspace.apply_forbidden")
	}
	today := pubdata.Today(s.Now())
	return &SpaceApplyView{Page: s.Base(r, false), Errors: FormErrors{}, Form: map[string]string{"entries": r.URL.Query().Get("entry"),
		"starts_on": today, "ends_on": addDays(today, 180), "report_every": string(pubdata.ReportMonthly)}}, nil
}

func addDays(date string, n int) string {
	t, err := time.Parse(pubdata.DateFormat, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format(pubdata.DateFormat)
}

// SpaceApplication reads the application form.
func SpaceApplication(r *http.Request) (*pubdata.DevSpaceApplication, map[string]string) {
	f := r.PostForm
	form := map[string]string{}
	for _, k := range []string{"title", "scenario", "purpose", "outputs", "entries", "starts_on", "ends_on", "report_every", "row_access"} {
		form[k] = f.Get(k)
	}
	app := &pubdata.DevSpaceApplication{Title: form["title"], Scenario: form["scenario"], Purpose: form["purpose"], Outputs: form["outputs"],
		StartsOn: form["starts_on"], EndsOn: form["ends_on"], ReportEvery: pubdata.ReportCycle(form["report_every"]), RowAccess: form["row_access"] != ""}
	for _, e := range strings.FieldsFunc(form["entries"], func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' }) {
		app.Entries = append(app.Entries, e)
	}
	return app, form
}

// SpaceView is a space's page.
type SpaceView struct {
	Page
	Space       *pubdata.DevSpace
	State       string
	Base        string
	ProductBase string // /products or /console/products
	IsDeveloper bool
	MayWork     bool // the developer, the space active
	MayDecide   bool // the authority, the space pending
	MaySuspend  bool // the authority, the space approved
	MayRestore  bool // the authority, the space suspended
	MayClose    bool // an operator's admin or the authority, the space approved or suspended
	MayReport   bool
	Operator    bool
	// Decidable are the entries the caller's organisation decides (pending).
	Decidable []string
	Usable    []pubdata.DevSpaceEntry
	Reports   []*pubdata.DevSpaceReport
	Runs      []*RunView
	Products  []*pubdata.Product
	Errors    FormErrors
	Form      map[string]string
	Kinds     []pubdata.ProductKind
}

// RunView is a run with its report read.
type RunView struct {
	*pubdata.DevSpaceRun
	Config     pubdata.SpaceRunConfig
	Report     anonymise.Report
	QIs        string
	Loss       string
	Risk       string
	Registered bool
}

// SpacePage builds a space's page for the caller.
func (s *Server) SpacePage(r *http.Request, id string, console bool) (*SpaceView, error) {
	sp, err := s.SpaceFor(r, id)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	ctx := r.Context()
	v := &SpaceView{Page: s.Base(r, console), Space: sp, State: sp.StateAt(s.Now()), Base: spaceBase(console), Errors: FormErrors{}, Form: map[string]string{},
		Kinds: []pubdata.ProductKind{pubdata.ProductFile, pubdata.ProductAPI, pubdata.ProductModelOutput}, ProductBase: "/products"}
	if console {
		v.ProductBase = "/console/products"
	}
	v.IsDeveloper = pubdata.IsSpaceDeveloper(a, sp)
	v.MayWork = v.IsDeveloper && sp.CheckUse(s.Now(), "", "") == nil
	v.MayReport = v.IsDeveloper && sp.NextDue != "" && (sp.Status == pubdata.SpaceApproved || sp.Status == pubdata.SpaceSuspended)
	decides := pubdata.CanDecideSpace(a, sp)
	v.MayDecide = decides && sp.Status == pubdata.SpacePending
	v.MaySuspend = decides && sp.Status == pubdata.SpaceApproved
	v.MayRestore = decides && sp.Status == pubdata.SpaceSuspended
	if v.Operator, err = s.IsSpaceOperator(r); err != nil {
		return nil, err
	}
	v.MayClose = pubdata.CanCloseSpace(a, sp, v.Operator) && (sp.Status == pubdata.SpaceApproved || sp.Status == pubdata.SpaceSuspended)
	for _, e := range sp.Entries {
		if sp.Status == pubdata.SpacePending && e.Approval == pubdata.ApprovalPending && pubdata.CanDecideSpaceEntry(a, e.Provider) {
			v.Decidable = append(v.Decidable, e.EntryID)
		}
		if e.Approval.Usable() {
			v.Usable = append(v.Usable, e)
		}
	}
	if v.Reports, err = s.DevSpaces.SpaceReports(ctx, sp.ID); err != nil {
		return nil, err
	}
	if v.Products, err = s.ProductsFor(r, sp); err != nil {
		return nil, err
	}
	runs, err := s.DevSpaces.SpaceRuns(ctx, sp.ID)
	if err != nil {
		return nil, err
	}
	for _, run := range runs {
		rv := &RunView{DevSpaceRun: run}
		_ = json.Unmarshal(run.Config, &rv.Config)
		_ = json.Unmarshal(run.Report, &rv.Report)
		var qis []string
		for _, q := range rv.Config.QuasiIdentifiers {
			qis = append(qis, q.Column+" ("+q.Spec+", "+strconv.Itoa(rv.Report.Levels[q.Column])+"/"+strconv.Itoa(max(rv.Report.Heights[q.Column]-1, 0))+")")
		}
		rv.QIs = strings.Join(qis, ", ")
		rv.Loss = fmt.Sprintf("%.3f (≥ %.3f)", rv.Report.Loss, rv.Report.LossLowerBound)
		rv.Risk = fmt.Sprintf("%.3f / %.3f", rv.Report.Prosecutor.Highest, rv.Report.Prosecutor.Average)
		rv.Registered = slices.ContainsFunc(v.Products, func(p *pubdata.Product) bool { return p.RunID == run.ID })
		v.Runs = append(v.Runs, rv)
	}
	if len(v.Usable) > 0 {
		v.Form["entry"] = v.Usable[0].EntryID
	}
	v.Form["k"], v.Form["suppression_limit"] = "5", "0.01"
	if d := r.URL.Query().Get("done"); d != "" {
		v.Flash = spaceDone(v.Lang, d)
	}
	return v, nil
}

// SpaceRunForm reads the anonymiser form: entry, qi (lines "column" or "column=spec"),
// sensitive (lines "column" or "column:l=2,entropy,t=0.3,ordered"), keep (columns), k and
// suppression_limit.
func SpaceRunForm(r *http.Request) (SpaceAnonymiseRequest, map[string]string, error) {
	f := r.PostForm
	form := map[string]string{}
	for _, k := range []string{"entry", "qi", "sensitive", "keep", "k", "suppression_limit"} {
		form[k] = strings.TrimSpace(f.Get(k))
	}
	req := SpaceAnonymiseRequest{Entry: form["entry"]}
	bad := func(field, msg string) error {
		return pubdata.FieldErrorf(field, "%s", msg).Keyed("error.devspace.anonymise_bad", "Problem", msg)
	}
	var err error
	if req.K, err = strconv.Atoi(form["k"]); err != nil {
		return req, form, bad("k", fmt.Sprintf("k %q is not a whole number", form["k"]))
	}
	if form["suppression_limit"] != "" {
		if req.SuppressionLimit, err = strconv.ParseFloat(form["suppression_limit"], 64); err != nil {
			return req, form, bad("suppression_limit", fmt.Sprintf("the suppression limit %q is not a number", form["suppression_limit"]))
		}
	}
	for _, line := range lines(form["qi"]) {
		col, spec, _ := strings.Cut(line, "=")
		req.QuasiIdentifiers = append(req.QuasiIdentifiers, pubdata.ProductHierarchy{Column: strings.TrimSpace(col), Spec: strings.TrimSpace(spec)})
	}
	for _, line := range lines(form["sensitive"]) {
		col, opts, _ := strings.Cut(line, ":")
		x := pubdata.ProductSensitive{Column: strings.TrimSpace(col)}
		for _, o := range strings.Split(opts, ",") {
			o = strings.TrimSpace(o)
			switch {
			case o == "":
			case strings.HasPrefix(o, "l="):
				if x.L, err = strconv.Atoi(o[2:]); err != nil {
					return req, form, bad("sensitive", fmt.Sprintf("%q: l must be a whole number", line))
				}
			case strings.HasPrefix(o, "t="):
				if x.T, err = strconv.ParseFloat(o[2:], 64); err != nil {
					return req, form, bad("sensitive", fmt.Sprintf("%q: t must be a number", line))
				}
			case o == "distinct" || o == "entropy":
				x.LKind = o
			case o == "equal" || o == "ordered":
				x.TKind = o
			default:
				return req, form, bad("sensitive", fmt.Sprintf("%q: unknown option %q (l=N, t=X, distinct, entropy, equal, ordered)", line, o))
			}
		}
		req.Sensitive = append(req.Sensitive, x)
	}
	for _, c := range strings.FieldsFunc(form["keep"], func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
		req.Keep = append(req.Keep, c)
	}
	return req, form, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ProductView is a product's page.
type ProductView struct {
	Page
	Product  *pubdata.Product
	Space    *pubdata.DevSpace
	SpaceURL string
	Content  string // the content's download link ("" none)
	Loss     string
	Risk     string
	// Terms are the contribution terms of the product's non-public sources (B7).
	Terms []SourceTerms
}

// ProductPage builds a product's page.
func (s *Server) ProductPage(r *http.Request, id string, console bool) (*ProductView, error) {
	p, sp, err := s.ProductFor(r, id)
	if err != nil {
		return nil, err
	}
	v := &ProductView{Page: s.Base(r, console), Product: p, Space: sp, SpaceURL: spaceBase(console) + "/" + sp.ID}
	if p.ContentRef != "" {
		op, err := s.IsSpaceOperator(r)
		if err != nil {
			return nil, err
		}
		// The download link only for those who may download (DecideProductContent).
		if _, err := pubdata.DecideProductContent(pubdata.ActorFromContext(r.Context()), sp, op, p.ID, nil, s.Now()); err == nil {
			v.Content = "/products/" + p.ID + "/content"
		}
	}
	if an := p.Processing.Anonymisation; an != nil {
		v.Loss = fmt.Sprintf("%.3f (≥ %.3f)", an.Loss, an.LossLowerBound)
		v.Risk = fmt.Sprintf("%.3f / %.3f", an.ProsecutorRisk, an.AverageRisk)
	}
	if v.Terms, err = s.ProductSourceTerms(r.Context(), p); err != nil {
		return nil, err
	}
	return v, nil
}
