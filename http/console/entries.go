package console

import (
	"errors"
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The console's catalogue pages: an organisation's entries, the entry editor (data items
// as a table), an entry's page with its workflow buttons, version history with diffs, the
// authority's review queue, and the lists.

// entryOrgActor returns the signed-in actor of a page about an organisation's entries; a
// public user, who has no organisation, has none.
func entryOrgActor(r *http.Request) (*pubdata.Actor, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation have catalogue entries.").Keyed("error.entry.members_only")
	}
	return a, nil
}

// mayReview reports whether the actor reviews entries somewhere: an authority's admin or
// reviewer (CanReviewEntry then decides per entry).
func mayReview(a *pubdata.Actor) bool {
	return a.IsAuthority() && a.Org != nil && pubdata.CanReviewEntry(a, a.Org.Division)
}

// findWorkingCopy returns the entry of the path's {id} if the actor may see it.
func (s *Server) findWorkingCopy(r *http.Request, a *pubdata.Actor) (*pubdata.Entry, error) {
	return pubdata.FindWorkingCopyFor(r.Context(), s.Entries, a, r.PathValue("id"))
}

// --- My entries ---

// entriesView is the view of the organisation's entries.
type entriesView struct {
	web.Page
	Entries  []web.EntryRow
	Total    int
	NextURL  string
	FirstURL string
	Q        string
	Status   string
	Statuses []web.CatOption
	CanEdit  bool
	OrgName  string
}

func (s *Server) PageEntries(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return err
	}
	v := entriesView{
		Page:     s.Base(r, true),
		Q:        strings.TrimSpace(q.Get("q")),
		Status:   q.Get("status"),
		Statuses: web.EntryStatusOptions,
		CanEdit:  pubdata.CanEditEntry(a, a.Org.Code),
		OrgName:  a.Org.Name,
	}
	if v.Status != "" && !slices.ContainsFunc(web.EntryStatusOptions, func(o web.CatOption) bool { return o.Value == v.Status }) {
		return web.ParamError("status", pubdata.NewMessage("error.param.entry_status_of", "Value", v.Status),
			"%q is not one of draft, submitted, published, rejected, retired.", v.Status)
	}
	entries, total, next, err := s.Entries.FindEntries(r.Context(), pubdata.EntryFilter{
		Org: a.Org.Code, Status: pubdata.EntryStatus(v.Status), Q: v.Q, Limit: limit, Cursor: cursor,
	})
	if err != nil {
		return err
	}
	v.Entries, v.Total = web.EntryRows(entries), total
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "")
	}
	if t := q.Get("retired"); t != "" {
		v.Flash = web.Translate(v.Lang, "entries.retired", "Title", t)
	}
	return s.Render(w, r, "entries", http.StatusOK, v)
}

// --- The editor ---

// Rows of the items table: blank rows shown below the items, how many more the "add rows"
// button adds, and the most rows a form may hold.
const (
	blankItemRows = 3
	addItemRows   = 5
	maxItemRows   = 600
)

// itemForm is one row of the items table as entered.
type itemForm struct {
	Index                                     int // 0-based row
	Name, Title, Type, Length, Element, Grade string
	Key, Personal, Invisible                  bool
	Errors                                    map[string]string // by item field: name, title, type, length, grade, element
}

// N is the row's 1-based number.
func (it itemForm) N() int { return it.Index + 1 }

// blank reports whether nothing was entered in the row (its type select always has a value).
func (it itemForm) blank() bool {
	return it.Name == "" && it.Title == "" && it.Length == "" && it.Element == "" && (it.Grade == "" || it.Grade == "0") && !it.Key && !it.Personal && !it.Invisible
}

// entryForm is what the editor holds.
type entryForm struct {
	Code, Title, Summary, CategoryClass, CategorySub, Format, UpdateCycle string
	ShareClass, ShareConditions, ShareBasis                               string
	OpenClass, OpenConditions, OpenBasis                                  string
	Division, Keywords, Related                                           string
	Supplementary                                                         bool
	Items                                                                 []itemForm
	// Obtained: resource codes of the entries whose data this one obtained by sharing (E3),
	// comma-separated; Terms: the usage agreement's UsageTerms codes ticked; TermsText its
	// free text.
	Obtained  string
	Terms     []string
	TermsText string
	// License: the licence's id ("" the open class's default); the temporal coverage
	// (YYYY-MM-DD); the contact point.
	License, TemporalStart, TemporalEnd     string
	ContactName, ContactEmail, ContactPhone string
	// Usable but invisible: the flag and its terms as entered.
	Invisible                                 bool
	GroupColumns, MinGroupSize, PrivacyBudget string
	// DataLevel and DataCategory: the entry's grading (G1, grading.go).
	DataLevel, DataCategory string
}

// HasTerm reports whether the usage term is ticked.
func (f entryForm) HasTerm(term string) bool { return slices.Contains(f.Terms, term) }

// elementChoice is a data element offered by the items table.
type elementChoice struct {
	Code, Label string
}

// entryEditView is the view of the entry editor.
type entryEditView struct {
	web.Page
	New        bool
	Entry      *pubdata.Entry // the entry being edited; nil for a new one
	Action     string
	Form       entryForm
	Errors     web.FormErrors
	Blank      int // blank rows shown below the items
	Categories []web.CatOption
	Formats    []web.CatOption
	Cycles     []web.CatOption
	ShareOpts  []web.CatOption
	OpenOpts   []web.CatOption
	ItemTypes  []web.CatOption
	Grades     []web.CatOption
	DataLevels []string
	Elements   []elementChoice
	Divisions  []pubdata.Division
	Terms      []string // the usage terms offered (pubdata.UsageTerms)
	// Licenses are the licences offered; Defaults the default of each open class.
	Licenses []*pubdata.License
	Defaults map[string]string
}

// DefaultLicense is the title of an open class's default licence ("" none).
func (v *entryEditView) DefaultLicense(class string) string {
	for _, l := range v.Licenses {
		if l.ID == v.Defaults[class] {
			return l.TitleIn(v.Lang)
		}
	}
	return ""
}

// Rows are the items table's rows: the items entered, then the blank rows.
func (v *entryEditView) Rows() []itemForm {
	rows := slices.Clone(v.Form.Items)
	for j := 0; j < v.Blank && len(rows) < maxItemRows; j++ {
		rows = append(rows, itemForm{Index: len(rows)})
	}
	return rows
}

// AddRows is how many rows the "add rows" button adds.
func (v *entryEditView) AddRows() int { return addItemRows }

// ElementChoices are the data elements offered, with any element an item names that the
// registry does not list (so that saving again keeps it).
func (v *entryEditView) ElementChoices() []elementChoice {
	out := v.Elements
	for _, it := range v.Form.Items {
		if it.Element != "" && !slices.ContainsFunc(out, func(c elementChoice) bool { return c.Code == it.Element }) {
			out = append(slices.Clip(out), elementChoice{Code: it.Element, Label: it.Element})
		}
	}
	return out
}

// setFieldError puts a field's problem into errs in lang, unless the field has one already
// (the first problem of a field wins).
func setFieldError(lang string, errs web.FormErrors, field string, e *pubdata.Error) {
	setFieldText(errs, field, web.FieldText(lang, e))
}

// setFieldText puts the text of a field's problem into errs, unless the field has one.
func setFieldText(errs web.FormErrors, field, text string) {
	if _, seen := errs[field]; !seen {
		errs[field] = text
	}
}

// splitList splits a comma-separated field (Chinese and Western commas, 、 and semicolons
// also separate).
func splitList(s string, spaces bool) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', '、', ';', '；', '\n', '\r':
			return true
		}
		return spaces && (r == ' ' || r == '\t' || r == '\u3000')
	})
}

// formFromEntry fills the editor from an entry's fields.
func formFromEntry(code string, f *pubdata.EntryFields) entryForm {
	form := entryForm{
		Code: code, Title: f.Title, Summary: f.Summary, Format: f.Format, UpdateCycle: f.UpdateCycle,
		ShareClass: f.ShareClass, ShareConditions: f.ShareConditions, ShareBasis: f.ShareBasis,
		OpenClass: f.OpenClass, OpenConditions: f.OpenConditions, OpenBasis: f.OpenBasis,
		Division: f.Division, Keywords: strings.Join(f.Keywords, ", "), Related: strings.Join(f.Related, ", "),
		Supplementary: f.Supplementary,
		Obtained:      strings.Join(f.Obtained, ", "), Terms: slices.Clone(f.Terms), TermsText: f.TermsText,
		License: f.License, TemporalStart: f.TemporalStart, TemporalEnd: f.TemporalEnd,
		ContactName: f.ContactName, ContactEmail: f.ContactEmail, ContactPhone: f.ContactPhone,
		DataLevel: f.DataLevel, DataCategory: f.DataCategory,
		Invisible: f.Invisible, GroupColumns: strings.Join(f.InvisibleTerms.GroupColumns, ", "),
	}
	if f.InvisibleTerms.MinGroupSize > 0 {
		form.MinGroupSize = strconv.Itoa(f.InvisibleTerms.MinGroupSize)
	}
	if f.InvisibleTerms.PrivacyBudget > 0 {
		form.PrivacyBudget = strconv.FormatFloat(f.InvisibleTerms.PrivacyBudget, 'g', -1, 64)
	}
	if f.Category != "" {
		form.CategoryClass, form.CategorySub = f.Category[:1], f.Category[1:]
	}
	for i, it := range f.Items {
		row := itemForm{Index: i, Name: it.Name, Title: it.Title, Type: it.Type, Element: it.Element,
			Grade: strconv.Itoa(it.Grade), Key: it.Key, Personal: it.Personal, Invisible: it.Invisible}
		if it.Length > 0 {
			row.Length = strconv.Itoa(it.Length)
		}
		form.Items = append(form.Items, row)
	}
	return form
}

// parseEntryForm reads the editor's form. Blank item rows are dropped, so that the rows
// left are numbered as the domain numbers the items.
func parseEntryForm(pf url.Values) (entryForm, int) {
	get := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	form := entryForm{
		Code: get("code"), Title: get("title"), Summary: get("summary"),
		CategoryClass: get("category"), CategorySub: get("category_sub"),
		Format: get("format"), UpdateCycle: get("update_cycle"),
		ShareClass: get("share_class"), ShareConditions: get("share_conditions"), ShareBasis: get("share_basis"),
		OpenClass: get("open_class"), OpenConditions: get("open_conditions"), OpenBasis: get("open_basis"),
		Division: get("division"), Keywords: get("keywords"), Related: get("related"),
		Supplementary: pf.Get("supplementary") == "true",
		Obtained:      get("obtained"), Terms: pf["terms"], TermsText: get("terms_text"),
		License: get("license"), TemporalStart: get("temporal_start"), TemporalEnd: get("temporal_end"),
		ContactName: get("contact_name"), ContactEmail: get("contact_email"), ContactPhone: get("contact_phone"),
		Invisible: pf.Get("usable_invisible") == "true", GroupColumns: get("group_columns"),
		MinGroupSize: get("min_group_size"), PrivacyBudget: get("privacy_budget"),
		DataLevel: get("data_level"), DataCategory: get("data_category"),
	}
	rows, _ := strconv.Atoi(pf.Get("rows"))
	rows = min(max(rows, 0), maxItemRows)
	blank := 0
	for i := 0; i < rows; i++ {
		p := fmt.Sprintf("items[%d].", i)
		it := itemForm{
			Name: get(p + "name"), Title: get(p + "title"), Type: get(p + "type"), Length: get(p + "length"),
			Element: get(p + "element"), Grade: get(p + "grade"),
			Key: pf.Get(p+"key") == "true", Personal: pf.Get(p+"personal") == "true",
			Invisible: pf.Get(p+"invisible") == "true",
		}
		if it.blank() {
			blank++
			continue
		}
		it.Index = len(form.Items)
		form.Items = append(form.Items, it)
	}
	return form, blank
}

// fields returns the entry's fields from the form, with the problems of values that are not
// even numbers.
func (f entryForm) fields(lang string, errs web.FormErrors) *pubdata.EntryFields {
	ef := &pubdata.EntryFields{
		Title: f.Title, Summary: f.Summary, Category: f.CategoryClass + f.CategorySub, Format: f.Format,
		UpdateCycle: f.UpdateCycle, ShareClass: f.ShareClass, ShareConditions: f.ShareConditions, ShareBasis: f.ShareBasis,
		OpenClass: f.OpenClass, OpenConditions: f.OpenConditions, OpenBasis: f.OpenBasis,
		Division: f.Division, Keywords: splitList(f.Keywords, false), Related: splitList(f.Related, true),
		Supplementary: f.Supplementary, Items: []pubdata.Item{},
		Obtained: splitList(f.Obtained, true), Terms: slices.Clone(f.Terms), TermsText: f.TermsText,
		License: f.License, TemporalStart: f.TemporalStart, TemporalEnd: f.TemporalEnd,
		ContactName: f.ContactName, ContactEmail: f.ContactEmail, ContactPhone: f.ContactPhone,
		DataLevel: f.DataLevel, DataCategory: f.DataCategory,
		Invisible: f.Invisible,
	}
	ef.InvisibleTerms.GroupColumns = splitList(f.GroupColumns, false)
	if f.MinGroupSize != "" {
		n, err := strconv.Atoi(f.MinGroupSize)
		if err != nil {
			setFieldText(errs, "min_group_size", web.Translate(lang, "invisible.error.min_group"))
		}
		ef.InvisibleTerms.MinGroupSize = n
	}
	if f.PrivacyBudget != "" {
		x, err := strconv.ParseFloat(f.PrivacyBudget, 64)
		if err != nil {
			setFieldText(errs, "privacy_budget", web.Translate(lang, "invisible.error.budget"))
		}
		ef.InvisibleTerms.PrivacyBudget = x
	}
	for _, it := range f.Items {
		item := pubdata.Item{Name: it.Name, Title: it.Title, Type: it.Type, Element: it.Element, Key: it.Key, Personal: it.Personal, Invisible: it.Invisible}
		if it.Length != "" {
			n, err := strconv.Atoi(it.Length)
			if err != nil {
				setFieldText(errs, fmt.Sprintf("items[%d].length", it.Index), web.Translate(lang, "entry.error.item_length"))
			}
			item.Length = n
		}
		if it.Grade != "" {
			n, err := strconv.Atoi(it.Grade)
			if err != nil {
				setFieldText(errs, fmt.Sprintf("items[%d].grade", it.Index), web.Translate(lang, "entry.error.item_grade"))
			}
			item.Grade = n
		}
		ef.Items = append(ef.Items, item)
	}
	return ef
}

// editView returns the editor's view with its choices.
func (s *Server) editView(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*entryEditView, error) {
	v := &entryEditView{
		Page:       s.Base(r, true),
		New:        e == nil,
		Entry:      e,
		Action:     "/console/entries/new",
		Errors:     web.FormErrors{},
		Blank:      blankItemRows,
		Categories: web.CategoryOptions,
		Formats:    web.FormatOptions,
		Cycles:     web.CycleOptions,
		ShareOpts:  s.ShareOptions(),
		OpenOpts:   s.OpenOptions(),
		ItemTypes:  web.ItemTypeOptions,
		Grades:     web.GradeOptions,
		DataLevels: pubdata.DataLevels,
		Divisions:  s.Divisions.Within(a.Org.Division),
		Terms:      pubdata.UsageTerms,
	}
	if e != nil {
		v.Action = "/console/entries/" + e.ID + "/edit"
	}
	licenses, err := s.LicenseList(r.Context())
	if err != nil {
		return nil, err
	}
	v.Licenses, v.Defaults = licenses.Licenses, licenses.Defaults
	if s.Elements != nil {
		els, err := s.Elements.FindElements(r.Context())
		if err != nil {
			return nil, err
		}
		for _, el := range els {
			label := el.Name
			if v.Lang == web.LangEN && el.NameEn != "" {
				label = el.NameEn
			}
			v.Elements = append(v.Elements, elementChoice{Code: el.Code, Label: label})
		}
	}
	return v, nil
}

// entryForEdit returns the entry of the path's {id} if the actor may edit it now.
func (s *Server) entryForEdit(r *http.Request, a *pubdata.Actor) (*pubdata.Entry, error) {
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanEditEntry(a, e.Org) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators may edit its entries.").Keyed("error.entry.edit_forbidden_provider")
	}
	if _, err := pubdata.NextEntryStatus(e.Status, pubdata.EntryEdit); err != nil {
		return nil, err
	}
	return e, nil
}

func (s *Server) PageEntryNew(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanEditEntry(a, a.Org.Code) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the organisation's editors and administrators may create entries.").Keyed("error.entry.create_forbidden")
	}
	v, err := s.editView(r, a, nil)
	if err != nil {
		return err
	}
	v.Form = entryForm{
		CategoryClass: "3", Format: pubdata.FormatTable, UpdateCycle: "monthly",
		ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassNone, Division: a.Org.Division,
	}
	v.Blank = addItemRows
	return s.Render(w, r, "entry_edit", http.StatusOK, v)
}

func (s *Server) PageEntryEdit(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	e, err := s.entryForEdit(r, a)
	if err != nil {
		return err
	}
	v, err := s.editView(r, a, e)
	if err != nil {
		return err
	}
	v.Form = formFromEntry(e.Code, &e.EntryFields)
	return s.Render(w, r, "entry_edit", http.StatusOK, v)
}

// PageEntrySave saves the editor (creating the entry when new), optionally submits it, or
// only re-renders it with more blank rows.
func (s *Server) PageEntrySave(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	var e *pubdata.Entry
	if r.PathValue("id") != "" {
		if e, err = s.entryForEdit(r, a); err != nil {
			return err
		}
	} else if !pubdata.CanEditEntry(a, a.Org.Code) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the organisation's editors and administrators may create entries.").Keyed("error.entry.create_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := s.editView(r, a, e)
	if err != nil {
		return err
	}
	form, blank := parseEntryForm(r.PostForm)
	if e != nil {
		form.Code = e.Code
	}
	v.Form = form
	action := r.PostForm.Get("action")
	if action == "add_rows" {
		v.Blank = min(blank+addItemRows, maxItemRows-len(form.Items))
		return s.Render(w, r, "entry_edit", http.StatusOK, v)
	}
	lang := v.Lang
	errs := v.Errors
	fields := form.fields(lang, errs)
	if pubdata.CheckObtainedNotOpen(fields) != nil {
		// E3 before the open class's generic message: the obtained codes are the reason.
		errs["open_class"] = web.Translate(lang, "entry.error.obtained_open")
	}
	for field, p := range pubdata.ErrorFields(pubdata.ValidateEntryFields(fields)) {
		setFieldError(lang, errs, field, p)
	}
	if e == nil && form.Code != "" && !pubdata.ValidResourceCode(form.Code) {
		setFieldText(errs, "code", web.Translate(lang, "entry.error.code"))
	}
	if _, bad := errs["division"]; !bad {
		switch {
		case s.Divisions.Check(form.Division) != nil:
			setFieldText(errs, "division", web.ErrorText(lang, s.Divisions.Check(form.Division)))
		case !pubdata.DivisionCovers(a.Org.Division, form.Division):
			errs["division"] = web.Translate(lang, "entry.error.division_outside")
		}
	}
	if len(errs) == 0 {
		var saved *pubdata.Entry
		if e == nil {
			saved, err = s.Entries.CreateEntry(r.Context(), a.Org.Code, form.Code, fields)
		} else {
			saved, err = s.Entries.UpdateEntry(r.Context(), e.ID, fields)
		}
		if err == nil && action == "submit" {
			if saved, err = s.Entries.SubmitEntry(r.Context(), saved.ID); err == nil {
				web.Redirect(w, r, web.WithQuery("/console/entries/"+saved.ID, "submitted", "1"))
				return nil
			}
			return err
		}
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/entries/"+saved.ID, "saved", "1"))
			return nil
		case web.ErrorIs(err, pubdata.ECONFLICT) && e == nil:
			errs["code"] = web.ErrorText(lang, err)
		case web.ErrorIs(err, pubdata.EINVALID):
			fe := pubdata.ErrorFields(err)
			for field, p := range fe {
				setFieldError(lang, errs, field, p)
			}
			if len(fe) == 0 {
				errs[""] = web.ErrorText(lang, err)
			}
		default:
			return err
		}
	}
	v.Blank = max(blank, blankItemRows)
	for i := range v.Form.Items {
		it := &v.Form.Items[i]
		for _, f := range []string{"name", "title", "type", "length", "element", "grade"} {
			if msg, ok := errs[fmt.Sprintf("items[%d].%s", it.Index, f)]; ok {
				if it.Errors == nil {
					it.Errors = map[string]string{}
				}
				it.Errors[f] = msg
			}
		}
	}
	return s.Render(w, r, "entry_edit", http.StatusBadRequest, v)
}

// --- An entry's page ---

// entryDetailView is the view of an entry's working copy with its workflow buttons.
type entryDetailView struct {
	web.Page
	Entry     web.EntryRow
	Division  string
	CanEdit   bool
	CanSubmit bool
	CanRetire bool
	CanReview bool
	Published bool // the entry has a published version in the catalogue
	// Certificates: the viewer may declare the entry a certificate register and issue its
	// certificates (certificates.go): the provider's admins and editors.
	Certificates bool
	Errors       web.FormErrors
	Comment      string // the review comment as entered
	RetireReason string
	BackURL      string // the list the entry was reached from
	BackKey      string
	Data         *dataPanel // the published table's data (console_data.go); nil: none
	// OpenRisk is the pre-open check of an entry to be opened (open_policy.go); nil for an
	// entry that is not. CanOverride: the viewer may approve despite it.
	OpenRisk       *pubdata.OpenRisk
	CanOverride    bool
	OverrideReason string
	Obtained       string // E3: the obtained resource codes of an entry that would open them
	// Usage: the published entry's views, downloads and API calls as the portal counts
	// them (usage.go); nil when not published or not counted.
	Usage *pubdata.UsageTotals
	// Diff: what a submitted revision changes against the published version; nil otherwise.
	Diff *revisionDiff
	// Ticket is the "report a problem" form of a published entry (tickets.go) and
	// TicketsURL its tickets in the console; nil and "" when none are kept.
	Ticket     *web.TicketForm
	TicketsURL string
	// OpenFindings are the opened-data findings of the published table (E7, compliance.go),
	// open first; Withheld the columns they withhold from the public; CanResolveFindings:
	// the viewer resolves them (the covering authority).
	OpenFindings       []*pubdata.OpenFinding
	Withheld           []string
	WithheldText       string
	CanResolveFindings bool
	FindingErrors      web.FormErrors
	FindingNote        string
	FindingFormID      string
	// Discoveries of personal data in the entry's items (issue 15 item 3), open first;
	// CanAccept / CanDismiss: the viewer decides them; the form's problems and input.
	Discoveries     []*pubdata.Discovery
	CanAccept       bool
	CanDismiss      bool
	DiscoveryErrors web.FormErrors
	DiscoveryFormID string
	DiscoveryReason string
	// Contribution is a non-public body's terms on the entry (B7; nil: none);
	// ContributionURL the console page where the viewer sets them ("" when it may not).
	Contribution    *pubdata.Contribution
	ContributionURL string
}

func (s *Server) entryDetailView(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*entryDetailView, error) {
	names, err := s.ElementNames(r)
	if err != nil {
		return nil, err
	}
	v := &entryDetailView{
		Page:      s.Base(r, true),
		Entry:     web.EntryRow{Entry: e, ElementNames: names},
		BackURL:   "/console/entries",
		BackKey:   "entries.title",
		Division:  s.DivisionName(e.Division),
		Errors:    web.FormErrors{},
		Published: e.Version > 0 && e.Status != pubdata.StatusRetired,
	}
	edit := pubdata.CanEditEntry(a, e.Org)
	_, errEdit := pubdata.NextEntryStatus(e.Status, pubdata.EntryEdit)
	_, errSubmit := pubdata.NextEntryStatus(e.Status, pubdata.EntrySubmit)
	_, errRetire := pubdata.NextEntryStatus(e.Status, pubdata.EntryRetire)
	v.CanEdit = edit && errEdit == nil
	v.CanSubmit = edit && errSubmit == nil
	v.CanRetire = edit && errRetire == nil && e.Version > 0
	v.CanReview = e.Status == pubdata.StatusSubmitted && pubdata.CanReviewEntry(a, e.Division)
	v.Certificates = s.Certificates != nil && s.Extracts != nil && s.CertPDF != nil && pubdata.CanIssueCertificates(a, e.Org) && e.Status != pubdata.StatusRetired
	if v.Data, err = s.dataPanel(r, a, e); err != nil {
		return nil, err
	}
	if e.Version > 0 {
		v.Usage = s.EntryUsage(r, e.ID)
	}
	if err := s.entryTickets(r, a, e, v); err != nil {
		return nil, err
	}
	if e.Status == pubdata.StatusSubmitted {
		if v.Diff, err = s.revisionDiff(r, v.Lang, e); err != nil {
			return nil, err
		}
	}
	if e.Opens() && e.Status != pubdata.StatusRetired {
		if v.OpenRisk, err = s.OpenRisk(r.Context(), e); err != nil {
			return nil, err
		}
		v.CanOverride = v.CanReview && pubdata.CanOverrideOpenRisk(a, e.Division)
	}
	if pubdata.CheckObtainedNotOpen(&e.EntryFields) != nil {
		v.Obtained = strings.Join(e.Obtained, ", ")
	}
	if s.OpenWatch != nil && e.Version > 0 && e.Format == pubdata.FormatTable {
		if v.OpenFindings, err = s.OpenWatch.FindOpenFindings(r.Context(), e.ID); err != nil {
			return nil, err
		}
		if s.Data != nil {
			if v.Withheld, err = s.Data.Withheld(r.Context(), e.ID); err != nil {
				return nil, err
			}
		}
		v.WithheldText = strings.Join(v.Withheld, ", ")
		v.CanResolveFindings = pubdata.CanResolveOpenFinding(a, e.Division)
		v.FindingErrors = web.FormErrors{}
		if r.URL.Query().Get("finding_resolved") != "" {
			v.Flash = web.Translate(v.Lang, "openwatch.resolved")
		}
	}
	if s.Discoveries != nil && e.Format == pubdata.FormatTable {
		if v.Discoveries, err = s.Discoveries.FindDiscoveries(r.Context(), pubdata.DiscoveryFilter{Entry: e.ID, Limit: 200}); err != nil {
			return nil, err
		}
		v.CanAccept = pubdata.CanDecideDiscovery(a, e.Org, e.Division, true)
		v.CanDismiss = pubdata.CanDecideDiscovery(a, e.Org, e.Division, false)
		v.DiscoveryErrors = web.FormErrors{}
		switch q := r.URL.Query(); {
		case q.Get("discovery_accepted") != "":
			v.Flash = web.Translate(v.Lang, "discovery.accepted")
		case q.Get("discovery_dismissed") != "":
			v.Flash = web.Translate(v.Lang, "discovery.dismissed")
		}
	}
	if v.Contribution, err = s.ContributionOf(r.Context(), e.ID); err != nil {
		return nil, err
	}
	if s.Trade != nil && a.Org != nil && a.Org.Code == e.Org && pubdata.CanSetContribution(a, a.Org) {
		v.ContributionURL = "/console/contributions?entry=" + e.ID + "#contribution-form"
	}
	if a.Org.Code != e.Org && mayReview(a) {
		v.BackURL, v.BackKey = "/console/review", "review.title"
	}
	q := r.URL.Query()
	switch {
	case q.Get("saved") != "":
		v.Flash = web.Translate(v.Lang, "entry.saved")
	case q.Get("submitted") != "":
		v.Flash = web.Translate(v.Lang, "entry.submitted")
	}
	return v, nil
}

func (s *Server) PageEntry(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return err
	}
	v, err := s.entryDetailView(r, a, e)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entry", http.StatusOK, v)
}

func (s *Server) PageEntrySubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanEditEntry(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators may submit its entries.").Keyed("error.entry.submit_forbidden_provider")
	}
	if _, err := s.Entries.SubmitEntry(r.Context(), e.ID); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID, "submitted", "1"))
	return nil
}

func (s *Server) PageEntryRetire(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanEditEntry(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators may retire its entries.").Keyed("error.entry.retire_forbidden_provider")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		v, err := s.entryDetailView(r, a, e)
		if err != nil {
			return err
		}
		v.Errors["reason"] = web.Translate(v.Lang, "entry.error.reason")
		return s.Render(w, r, "entry", http.StatusBadRequest, v)
	}
	if _, err := s.Entries.RetireEntry(r.Context(), e.ID, reason); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries", "retired", e.Title))
	return nil
}

func (s *Server) PageEntryReview(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	e, err := s.Entries.FindEntryByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !pubdata.CanReviewEntry(a, e.Division) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrators and reviewers covering the entry's division may review it.").Keyed("error.entry.review_forbidden_division")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	decision := r.PostForm.Get("decision")
	comment := strings.TrimSpace(r.PostForm.Get("comment"))
	override := strings.TrimSpace(r.PostForm.Get("override_reason"))
	v, err := s.entryDetailView(r, a, e)
	if err != nil {
		return err
	}
	v.Comment, v.OverrideReason = comment, override
	switch {
	case decision != "approve" && decision != "reject":
		v.Errors["decision"] = web.Translate(v.Lang, "review.error.decision")
	case decision == "reject" && comment == "":
		v.Errors["comment"] = web.Translate(v.Lang, "review.error.comment")
	}
	if len(v.Errors) > 0 {
		return s.Render(w, r, "entry", http.StatusBadRequest, v)
	}
	if decision == "approve" {
		_, _, err = s.ApproveEntry(r.Context(), a, e, comment, override)
	} else {
		_, err = s.Entries.ReviewEntry(r.Context(), e.ID, false, comment)
	}
	if err != nil {
		var p *pubdata.Error
		switch {
		case errors.As(err, &p) && (p.Field == "override_reason" || p.Field == "open_class"):
			v.Errors[p.Field] = web.FieldText(v.Lang, p)
			return s.Render(w, r, "entry", http.StatusConflict, v)
		case web.ErrorIs(err, pubdata.EINVALID):
			v.Errors["comment"] = web.ErrorText(v.Lang, err)
			return s.Render(w, r, "entry", http.StatusBadRequest, v)
		}
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/review", decision, e.Title))
	return nil
}

// --- Versions ---

// versionChange is one field of a diff as the page shows it.
type versionChange struct {
	Field, From, To string
}

// entryVersionsView is the view of an entry's versions and the diff of two of them.
type entryVersionsView struct {
	web.Page
	Entry    web.EntryRow
	Versions []*pubdata.EntryVersion
	From, To int
	Changes  []versionChange
	Compared bool // two different versions were compared
	Same     bool // the two versions asked are the same
}

// entryFieldLabel is the message that labels a field of an entry.
type entryFieldLabel struct {
	Field string
	Key   string
}

// diffFieldKeys label the fields of a diff.
var diffFieldKeys = []entryFieldLabel{
	{Field: "title", Key: "entry.field.title"},
	{Field: "summary", Key: "entry.field.summary"},
	{Field: "category", Key: "entry.field.category"},
	{Field: "format", Key: "entry.field.format"},
	{Field: "update_cycle", Key: "entry.field.update_cycle"},
	{Field: "share_class", Key: "entry.field.share_class"},
	{Field: "share_conditions", Key: "entry.field.share_conditions"},
	{Field: "share_basis", Key: "entry.field.share_basis"},
	{Field: "open_class", Key: "entry.field.open_class"},
	{Field: "open_conditions", Key: "entry.field.open_conditions"},
	{Field: "open_basis", Key: "entry.field.open_basis"},
	{Field: "division", Key: "entry.field.division"},
	{Field: "keywords", Key: "entry.field.keywords"},
	{Field: "related", Key: "entry.field.related"},
	{Field: "supplementary", Key: "entry.field.supplementary"},
	{Field: "obtained", Key: "entry.field.obtained"},
	{Field: "terms", Key: "entry.field.terms"},
	{Field: "terms_text", Key: "entry.field.terms_text"},
	{Field: "license", Key: "entry.field.license"},
	{Field: "temporal_start", Key: "entry.field.temporal_start"},
	{Field: "temporal_end", Key: "entry.field.temporal_end"},
	{Field: "contact_name", Key: "entry.field.contact_name"},
	{Field: "contact_email", Key: "entry.field.contact_email"},
	{Field: "contact_phone", Key: "entry.field.contact_phone"},
	{Field: "data_category", Key: "grading.data_category"},
	{Field: "data_level", Key: "grading.data_level"},
	{Field: "title_item", Key: "entry.item.title"},
	{Field: "type", Key: "entry.item.type"},
	{Field: "element", Key: "entry.item.element"},
	{Field: "length", Key: "entry.item.length"},
	{Field: "key", Key: "entry.item.key"},
	{Field: "grade", Key: "entry.item.grade"},
	{Field: "personal", Key: "entry.item.personal"},
	{Field: "invisible", Key: "invisible.item"},
	{Field: "usable_invisible", Key: "invisible.field"},
	{Field: "group_columns", Key: "invisible.group_columns"},
	{Field: "min_group_size", Key: "invisible.min_group_size"},
	{Field: "privacy_budget", Key: "invisible.privacy_budget"},
}

func diffFieldKey(field string) string {
	for _, d := range diffFieldKeys {
		if d.Field == field {
			return d.Key
		}
	}
	return web.UnknownOption.Key
}

// changeLabel names a changed field: "名称", or "信息项 uscc · 名称".
func changeLabel(lang, field string) string {
	rest, ok := strings.CutPrefix(field, "items.")
	if !ok {
		return web.Translate(lang, diffFieldKey(field))
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	label := web.Translate(lang, "versions.item", "Name", name)
	if hasSub {
		if sub == "title" {
			sub = "title_item"
		}
		label += " · " + web.Translate(lang, diffFieldKey(sub))
	}
	return label
}

// changeValue shows a value of a diff.
func changeValue(lang, field string, v any, labelKey func(string) string) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return web.Translate(lang, "entry.yes")
		}
		return web.Translate(lang, "entry.no")
	case int:
		if strings.HasSuffix(field, ".grade") {
			return web.Translate(lang, web.OptionKey(web.GradeOptions, strconv.Itoa(x)))
		}
		return strconv.Itoa(x)
	case pubdata.Item:
		parts := []string{x.Title, web.Translate(lang, web.OptionKey(web.ItemTypeOptions, x.Type))}
		if x.Element != "" {
			parts = append(parts, x.Element)
		}
		return x.Name + " (" + strings.Join(parts, ", ") + ")"
	case string:
		if x == "" {
			return "—"
		}
		switch field {
		case "share_class":
			return web.Translate(lang, labelKey(web.OptionKey(web.ShareClassOptions, x)))
		case "open_class":
			return web.Translate(lang, labelKey(web.OptionKey(web.OpenClassOptions, x)))
		case "format":
			return web.Translate(lang, web.OptionKey(web.FormatOptions, x))
		case "update_cycle":
			return web.Translate(lang, web.OptionKey(web.CycleOptions, x))
		case "data_level":
			if slices.Contains(pubdata.DataLevels, x) {
				return web.Translate(lang, "grading.level."+x)
			}
		}
		if strings.HasPrefix(field, "items.") && strings.HasSuffix(field, ".type") {
			return web.Translate(lang, web.OptionKey(web.ItemTypeOptions, x))
		}
		return x
	}
	return fmt.Sprint(v)
}

func (s *Server) PageEntryVersions(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return err
	}
	versions, err := s.Entries.FindEntryVersions(r.Context(), e.ID)
	if err != nil {
		return err
	}
	v := entryVersionsView{Page: s.Base(r, true), Entry: web.EntryRow{Entry: e}, Versions: versions}
	byNo := map[int]*pubdata.EntryVersion{}
	for _, ver := range versions {
		byNo[ver.Version] = ver
	}
	q := r.URL.Query()
	number := func(name string, def int) (int, error) {
		p := q.Get(name)
		if p == "" {
			return def, nil
		}
		n, err := strconv.Atoi(p)
		if err != nil || byNo[n] == nil {
			return 0, web.ParamError(name, pubdata.NewMessage("error.param.version_of_entry", "Value", p), "must name a version of the entry, not %q.", p)
		}
		return n, nil
	}
	if len(versions) > 0 {
		def := versions[0].Version // newest first
		older := def
		if len(versions) > 1 {
			older = versions[1].Version
		}
		if v.From, err = number("from", older); err != nil {
			return err
		}
		if v.To, err = number("to", def); err != nil {
			return err
		}
		if v.From == v.To {
			v.Same = len(versions) > 1
		} else {
			v.Compared = true
			for _, c := range pubdata.DiffEntryFields(byNo[v.From].Fields, byNo[v.To].Fields) {
				v.Changes = append(v.Changes, versionChange{
					Field: changeLabel(v.Lang, c.Field),
					From:  changeValue(v.Lang, c.Field, c.From, s.LabelKey),
					To:    changeValue(v.Lang, c.Field, c.To, s.LabelKey),
				})
			}
		}
	}
	return s.Render(w, r, "entry_versions", http.StatusOK, v)
}

// --- What a revision changes ---

// revisionDiff is what an entry's working copy changes against its current published
// version (the API's diff?from=N&to=working, pubdata.DiffEntryFields); New: never
// published, everything is new.
type revisionDiff struct {
	Base    int // the published version compared against
	New     bool
	Changes []versionChange
}

// Fields are the labels of the changed fields, for a one-line summary.
func (d *revisionDiff) Fields() string {
	out := make([]string, 0, len(d.Changes))
	for _, c := range d.Changes {
		if !slices.Contains(out, c.Field) {
			out = append(out, c.Field)
		}
	}
	return strings.Join(out, ", ")
}

func (s *Server) revisionDiff(r *http.Request, lang string, e *pubdata.Entry) (*revisionDiff, error) {
	versions, err := s.Entries.FindEntryVersions(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	d := &revisionDiff{}
	if len(versions) == 0 {
		d.New = true
		return d, nil
	}
	cur := versions[0] // newest first
	for _, v := range versions {
		if v.Version > cur.Version {
			cur = v
		}
	}
	d.Base = cur.Version
	for _, c := range pubdata.DiffEntryFields(cur.Fields, e.EntryFields) {
		d.Changes = append(d.Changes, versionChange{
			Field: changeLabel(lang, c.Field),
			From:  changeValue(lang, c.Field, c.From, s.LabelKey),
			To:    changeValue(lang, c.Field, c.To, s.LabelKey),
		})
	}
	return d, nil
}

// --- Review queue ---

// reviewView is the view of the authority's review queue.
type reviewView struct {
	web.Page
	Entries  []web.EntryRow
	Total    int
	NextURL  string
	FirstURL string
	Division string
	Diffs    map[string]*revisionDiff // by entry id: what each submission changes
}

func (s *Server) PageReview(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	if !mayReview(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's administrators and reviewers review entries.").Keyed("error.entry.review_forbidden")
	}
	q := r.URL.Query()
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return err
	}
	entries, total, next, err := s.Entries.FindEntries(r.Context(), pubdata.EntryFilter{
		Status: pubdata.StatusSubmitted, DivisionPrefix: pubdata.DivisionPrefix(a.Org.Division), Limit: limit, Cursor: cursor,
	})
	if err != nil {
		return err
	}
	v := reviewView{Page: s.Base(r, true), Entries: web.EntryRows(entries), Total: total, Division: s.DivisionName(a.Org.Division), Diffs: map[string]*revisionDiff{}}
	for _, e := range entries {
		if v.Diffs[e.ID], err = s.revisionDiff(r, v.Lang, e); err != nil {
			return err
		}
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "")
	}
	switch {
	case q.Get("approve") != "":
		v.Flash = web.Translate(v.Lang, "review.approved", "Title", q.Get("approve"))
	case q.Get("reject") != "":
		v.Flash = web.Translate(v.Lang, "review.rejected", "Title", q.Get("reject"))
	}
	return s.Render(w, r, "review", http.StatusOK, v)
}

// --- Lists ---

func (s *Server) PageConsoleLists(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	return s.Render(w, r, "lists", http.StatusOK, web.ListsView{Page: s.Base(r, true), Lists: web.CatalogLists})
}

// HighestGrade is the highest grade of the entry's items (0: none graded).
func (v *entryDetailView) HighestGrade() int { return pubdata.HighestGrade(v.Entry.Items) }
