package pubdata

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// EntryStatus is where a catalogue entry is in its workflow.
type EntryStatus string

// Entry statuses. draft → submitted → published | rejected; rejected and published entries
// are edited back to draft and resubmitted; published entries can be retired.
const (
	StatusDraft     EntryStatus = "draft"
	StatusSubmitted EntryStatus = "submitted"
	StatusPublished EntryStatus = "published"
	StatusRejected  EntryStatus = "rejected"
	StatusRetired   EntryStatus = "retired"
)

// ShareClass is an entry's share class (共享类型); OpenClass its open class (开放类型). Both
// use the same three values.
type (
	ShareClass string
	OpenClass  string
)

// Classes.
const (
	ClassUnconditional = "unconditional" // 无条件共享 / 无条件开放
	ClassConditional   = "conditional"   // 有条件共享 / 有条件开放
	ClassNone          = "none"          // 不予共享 / 不予开放
)

// Classes lists the three class values.
var Classes = []string{ClassUnconditional, ClassConditional, ClassNone}

// Formats of an entry's resource.
const (
	FormatTable   = "table"   // a table the platform holds (库表)
	FormatFile    = "file"    // files (文件)
	FormatService = "service" // a service interface the platform brokers (服务接口)
)

// Formats lists the formats.
var Formats = []string{FormatTable, FormatFile, FormatService}

// UpdateCycles lists the update cycles (更新周期), fastest first.
var UpdateCycles = []string{"realtime", "daily", "weekly", "monthly", "quarterly", "semiannual", "yearly", "irregular"}

// ItemTypes lists the data-item types.
var ItemTypes = []string{"string", "integer", "number", "boolean", "date", "datetime"}

// Categories are the top classes of the 2017 catalogue guide: 1 基础, 2 主题, 3 部门.
var Categories = []string{"1", "2", "3"}

// Item is one data item (信息项) of an entry: a column of its table.
type Item struct {
	Name     string `json:"name"`              // column name: lower-case letters, digits, _
	Title    string `json:"title"`             // human title, e.g. 统一社会信用代码
	Type     string `json:"type"`              // one of ItemTypes
	Length   int    `json:"length,omitempty"`  // maximum length of a string, 0: unlimited
	Key      bool   `json:"key,omitempty"`     // part of the primary key
	Element  string `json:"element,omitempty"` // code of a standard data element
	Grade    int    `json:"grade,omitempty"`   // 1 (lowest) … 4 (highest); 0: not graded
	Personal bool   `json:"personal,omitempty"`
	// Invisible: the item is usable but invisible (invisible.go): never returned as rows
	// to consumers, usable in verifications and noisy aggregates.
	Invisible bool `json:"invisible,omitempty"`
}

// EntryFields are the fields a provider writes. They are what a version snapshots.
type EntryFields struct {
	Title           string   `json:"title"`
	Summary         string   `json:"summary"`
	Category        string   `json:"category"` // 类 (1-3) optionally followed by 项/目/细目 codes
	Format          string   `json:"format"`
	UpdateCycle     string   `json:"update_cycle"`
	ShareClass      string   `json:"share_class"`
	ShareConditions string   `json:"share_conditions,omitempty"`
	ShareBasis      string   `json:"share_basis,omitempty"`
	OpenClass       string   `json:"open_class"`
	OpenConditions  string   `json:"open_conditions,omitempty"`
	OpenBasis       string   `json:"open_basis,omitempty"`
	Division        string   `json:"division"`
	Keywords        []string `json:"keywords"`
	Related         []string `json:"related"` // resource codes of related entries
	Supplementary   bool     `json:"supplementary,omitempty"`
	Items           []Item   `json:"items"`
	// Obtained are the resource codes of the entries whose data this entry holds because the
	// unit obtained it by sharing; such data is never opened as the unit's own (E3).
	Obtained []string `json:"obtained,omitempty"`
	// Terms are the usage agreement of open applications (UsageTerms codes), TermsText its
	// free text; an applicant accepts them when applying.
	Terms     []string `json:"terms,omitempty"`
	TermsText string   `json:"terms_text,omitempty"`
	// License is the id of the entry's licence in the licence list; "" is the default of
	// its open class (EffectiveLicenseID).
	License string `json:"license,omitempty"`
	// TemporalStart and TemporalEnd are the temporal coverage of the data (YYYY-MM-DD,
	// either may be "": open or unknown).
	TemporalStart string `json:"temporal_start,omitempty"`
	TemporalEnd   string `json:"temporal_end,omitempty"`
	// The contact point of the entry (a data officer or the provider's office); without
	// one the provider is the contact.
	ContactName  string `json:"contact_name,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
	ContactPhone string `json:"contact_phone,omitempty"`
	// Invisible: the whole entry is usable but invisible (可用不可见, invisible.go), on the
	// terms of InvisibleTerms.
	Invisible      bool           `json:"usable_invisible,omitempty"`
	InvisibleTerms InvisibleTerms `json:"invisible_terms"`
	// DataCategory is the entry's data category (数据分类, GB/T 43697: industry domain, then
	// business attributes); DataLevel its data level (LevelGeneral, LevelImportant,
	// LevelCore; "" takes the level its items imply, grading.go).
	DataCategory string `json:"data_category,omitempty"`
	DataLevel    string `json:"data_level,omitempty"`
}

// SourceFlag says that an item collects a data element that another body is the
// authoritative source of (一数一源): it is obtainable by sharing.
type SourceFlag struct {
	Item        string `json:"item"`
	Element     string `json:"element"`
	ElementName string `json:"element_name"`
	Source      string `json:"source"`      // organisation code of the authoritative provider
	SourceName  string `json:"source_name"` //
	SourceEntry string `json:"source_entry,omitempty"`
	EntryTitle  string `json:"source_entry_title,omitempty"`
}

// Entry is a catalogue entry (目录条目): the provider's working copy with its workflow state.
// The published catalogue shows the entry's latest version (see EntryVersion).
type Entry struct {
	ID      string `json:"id"`
	Code    string `json:"code"` // resource code 分类码/顺序码, e.g. 300000/00012
	Org     string `json:"org"`  // provider organisation code
	OrgName string `json:"org_name"`
	EntryFields
	Status        EntryStatus  `json:"status"`
	Version       int          `json:"version"` // latest published version, 0 if never published
	ReviewComment string       `json:"review_comment,omitempty"`
	Flags         []SourceFlag `json:"flags"`
	PublishedOn   string       `json:"published_on,omitempty"` // YYYY-MM-DD of the first publication
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
	SubmittedAt   *time.Time   `json:"submitted_at,omitempty"`
	// Platform is the division of the peer platform a mirrored entry comes from ("": this
	// platform's own entry; federation.go).
	Platform string `json:"platform,omitempty"`
}

// EntryVersion is a published state of an entry.
type EntryVersion struct {
	EntryID     string      `json:"entry_id"`
	Version     int         `json:"version"`
	Fields      EntryFields `json:"fields"`
	PublishedAt time.Time   `json:"published_at"`
	Reviewer    string      `json:"reviewer"`
	Comment     string      `json:"comment,omitempty"`
}

var (
	itemNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	categoryPattern = regexp.MustCompile(`^[1-3](\d{2}(\d{3}[0-9A-Za-z]*)?)?$`)
	codePattern     = regexp.MustCompile(`^[1-3]\d{2}\d{3}[0-9A-Za-z]*/\d+$`)
)

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// ValidResourceCode reports whether code has the guide's 分类码/顺序码 form.
func ValidResourceCode(code string) bool { return codePattern.MatchString(code) }

// ResourceCodePrefix returns the 分类码 of generated codes for a category: the category padded
// with zeros to six characters (类 + 项 + 目).
func ResourceCodePrefix(category string) string {
	if len(category) >= 6 {
		return category
	}
	return category + strings.Repeat("0", 6-len(category))
}

// FormatResourceCode returns the generated code of the n-th entry under prefix.
func FormatResourceCode(prefix string, n int) string { return fmt.Sprintf("%s/%05d", prefix, n) }

// NormalizeEntryFields trims text, drops empty keywords and related codes, and lower-cases
// item names, so that equal inputs store equally.
func NormalizeEntryFields(f *EntryFields) {
	for _, s := range []*string{&f.Title, &f.Summary, &f.Category, &f.Format, &f.UpdateCycle, &f.ShareClass,
		&f.ShareConditions, &f.ShareBasis, &f.OpenClass, &f.OpenConditions, &f.OpenBasis, &f.Division, &f.TermsText,
		&f.License, &f.TemporalStart, &f.TemporalEnd, &f.ContactName, &f.ContactEmail, &f.ContactPhone, &f.DataCategory, &f.DataLevel} {
		*s = strings.TrimSpace(*s)
	}
	f.Keywords = cleanList(f.Keywords)
	f.Related = cleanList(f.Related)
	if len(f.Obtained) > 0 {
		f.Obtained = cleanList(f.Obtained)
	}
	if len(f.Terms) > 0 {
		f.Terms = cleanList(f.Terms)
	}
	if f.Items == nil {
		f.Items = []Item{}
	}
	for i := range f.Items {
		it := &f.Items[i]
		it.Name = strings.ToLower(strings.TrimSpace(it.Name))
		it.Title = strings.TrimSpace(it.Title)
		it.Type = strings.TrimSpace(it.Type)
		it.Element = strings.TrimSpace(it.Element)
	}
}

func cleanList(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ValidateEntryFields checks an entry's fields, reporting every problem under its field:
// "title", "share_conditions", "items[2].type" and so on. A conditional class needs its
// conditions; a none class needs its legal basis.
func ValidateEntryFields(f *EntryFields) error {
	NormalizeEntryFields(f)
	var p []*Error
	add := func(field, format string, args ...any) *Error {
		e := FieldErrorf(field, format, args...)
		p = append(p, e)
		return e
	}
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		add("title", "Title is required.").Keyed("error.entry.title.required")
	case n > 200:
		add("title", "Title must be at most 200 characters.").Keyed("error.entry.title.too_long")
	}
	if utf8.RuneCountInString(f.Summary) > 4000 {
		add("summary", "Summary must be at most 4000 characters.").Keyed("error.entry.summary.too_long")
	}
	if !categoryPattern.MatchString(f.Category) {
		add("category", "Category %q must be 1 (basic), 2 (thematic) or 3 (departmental), optionally followed by its sub-codes.", f.Category).Keyed("error.entry.category", "Category", f.Category)
	}
	if !oneOf(f.Format, Formats) {
		add("format", "Format %q is not one of %s.", f.Format, strings.Join(Formats, ", ")).Keyed("error.entry.format", "Format", f.Format, "Formats", strings.Join(Formats, ", "))
	}
	if !oneOf(f.UpdateCycle, UpdateCycles) {
		add("update_cycle", "Update cycle %q is not one of %s.", f.UpdateCycle, strings.Join(UpdateCycles, ", ")).Keyed("error.entry.update_cycle", "Cycle", f.UpdateCycle, "Cycles", strings.Join(UpdateCycles, ", "))
	}
	checkClass := func(kind, class, conditions, basis string) {
		switch class {
		case ClassConditional:
			if conditions == "" {
				add(kind+"_conditions", "A conditional %s class needs its conditions (%s_conditions).", kind, kind).Keyed("error.entry.conditions", "Kind", kind)
			}
		case ClassNone:
			if basis == "" {
				add(kind+"_basis", "%s class none needs its legal basis (%s_basis).", strings.ToUpper(kind[:1])+kind[1:], kind).Keyed("error.entry.basis", "Kind", kind)
			}
		case ClassUnconditional:
		default:
			add(kind+"_class", "%s class %q is not one of unconditional, conditional, none.", strings.ToUpper(kind[:1])+kind[1:], class).Keyed("error.entry.class", "Kind", kind, "Class", class)
		}
	}
	checkClass("share", f.ShareClass, f.ShareConditions, f.ShareBasis)
	checkClass("open", f.OpenClass, f.OpenConditions, f.OpenBasis)
	if f.ShareClass == ClassNone && f.OpenClass != "" && f.OpenClass != ClassNone {
		add("open_class", "An entry that may not be shared between public bodies cannot be opened to the public.").Keyed("error.entry.open_not_shared")
	}
	if !ValidDivisionSyntax(f.Division) {
		add("division", "Division code %q must be six digits (GB/T 2260).", f.Division).Keyed("error.division.syntax", "Division", f.Division)
	}
	if len(f.Keywords) > 30 {
		add("keywords", "At most 30 keywords.").Keyed("error.entry.keywords")
	}
	for _, r := range f.Related {
		if !ValidResourceCode(r) {
			add("related", "Related resource code %q is not of the form 分类码/顺序码 (e.g. 301001/00001).", r).Keyed("error.entry.related", "Code", r)
			break
		}
	}
	p = append(p, checkInvisible(f)...)
	for _, e := range checkOpenPolicy(f) {
		p = append(p, e)
	}
	p = append(p, checkEntryMetadata(f)...)
	p = append(p, checkGrading(f)...)
	if f.Format == FormatTable && len(f.Items) == 0 {
		add("items", "A table needs at least one data item.").Keyed("error.entry.items.none")
	}
	if len(f.Items) > 500 {
		add("items", "At most 500 data items.").Keyed("error.entry.items.too_many")
	}
	names := map[string]bool{}
	for i, it := range f.Items {
		at := fmt.Sprintf("items[%d]", i)
		col := it.Title // the item as the provider wrote it: its title, else its name
		if col == "" {
			col = it.Name
		}
		switch {
		case !itemNamePattern.MatchString(it.Name):
			add(at+".name", "Item %d: name %q must be lower-case letters, digits and _, starting with a letter (at most 63).", i+1, it.Name).Keyed("error.item.name.syntax", "N", i+1, "Name", it.Name)
		case names[it.Name]:
			add(at+".name", "Item %d: name %q is used twice.", i+1, it.Name).Keyed("error.item.name.twice", "N", i+1, "Name", it.Name)
		case strings.HasPrefix(it.Name, "_"):
			add(at+".name", "Item %d: names starting with _ are reserved.", i+1).Keyed("error.item.name.reserved", "N", i+1)
		}
		names[it.Name] = true
		if it.Title == "" {
			add(at+".title", "Item %d (%s): title is required.", i+1, it.Name).Keyed("error.item.title.required", "N", i+1, "Column", col)
		}
		if !oneOf(it.Type, ItemTypes) {
			add(at+".type", "Item %d (%s): type %q is not one of %s.", i+1, it.Name, it.Type, strings.Join(ItemTypes, ", ")).Keyed("error.item.type", "N", i+1, "Column", col, "Type", it.Type, "Types", strings.Join(ItemTypes, ", "))
		}
		if it.Length < 0 || it.Length > 100000 {
			add(at+".length", "Item %d (%s): length must be between 0 and 100000.", i+1, it.Name).Keyed("error.item.length", "N", i+1, "Column", col)
		}
		if it.Grade < 0 || it.Grade > 4 {
			add(at+".grade", "Item %d (%s): grade must be between 1 and 4 (0: not graded).", i+1, it.Name).Keyed("error.item.grade", "N", i+1, "Column", col)
		}
	}
	return invalid(p)
}

// CheckEntryDivision checks an entry's division against its provider: a known division
// (known returns the problem with an unknown code) inside the provider's own. It returns nil
// for a division whose syntax is bad, which ValidateEntryFields reports.
func CheckEntryDivision(provider *Org, division string, known func(code string) error) error {
	switch {
	case !ValidDivisionSyntax(division):
		return nil
	case known(division) != nil:
		err := known(division)
		return FieldErrorf("division", "%s", ErrorMessage(err)).Keyed("error.quoted", "Problem", MessageOf(err))
	case provider != nil && !DivisionCovers(provider.Division, division):
		return FieldErrorf("division", "Division %s is outside the provider's division %s.", division, provider.Division).Keyed("error.entry.division.outside", "Division", division, "Provider", provider.Division)
	}
	return nil
}

// ValidateEntry validates an entry's fields for its provider: ValidateEntryFields, with the
// division defaulting to the provider's and checked by CheckEntryDivision. Every problem is
// reported under its field.
func ValidateEntry(provider *Org, f *EntryFields, known func(code string) error) error {
	if strings.TrimSpace(f.Division) == "" && provider != nil {
		f.Division = provider.Division
	}
	var p *Error
	errors.As(CheckEntryDivision(provider, f.Division, known), &p)
	return WithFieldError(ValidateEntryFields(f), p)
}

// EntryAction is a step of the entry workflow.
type EntryAction string

// Workflow steps.
const (
	EntryEdit    EntryAction = "edit"
	EntrySubmit  EntryAction = "submit"
	EntryApprove EntryAction = "approve"
	EntryReject  EntryAction = "reject"
	EntryRetire  EntryAction = "retire"
)

// NextEntryStatus is the entry workflow: the status after action from status, or ECONFLICT
// naming why the step is not possible now.
func NextEntryStatus(status EntryStatus, action EntryAction) (EntryStatus, error) {
	switch {
	case action == EntryEdit && status != StatusRetired && status != StatusSubmitted:
		return StatusDraft, nil
	case action == EntryEdit && status == StatusSubmitted:
		return "", Errorf(ECONFLICT, "The entry is under review and cannot be edited until the authority decides.").Keyed("error.entry.under_review")
	case action == EntrySubmit && (status == StatusDraft || status == StatusRejected):
		return StatusSubmitted, nil
	case (action == EntryApprove || action == EntryReject) && status == StatusSubmitted:
		if action == EntryApprove {
			return StatusPublished, nil
		}
		return StatusRejected, nil
	case action == EntryRetire && status != StatusRetired:
		return StatusRetired, nil
	}
	step := map[EntryAction]string{EntryEdit: "error.entry.step.edit", EntrySubmit: "error.entry.step.submit", EntryApprove: "error.entry.step.approve",
		EntryReject: "error.entry.step.reject", EntryRetire: "error.entry.step.retire"}[action]
	return "", Errorf(ECONFLICT, "A %s entry cannot be %s.", status, map[EntryAction]string{
		EntryEdit: "edited", EntrySubmit: "submitted", EntryApprove: "approved", EntryReject: "rejected", EntryRetire: "retired"}[action]).
		Keyed("error.entry.step", "Status", stateWord(status, map[EntryStatus]string{StatusDraft: "error.entry.state.draft", StatusSubmitted: "error.entry.state.submitted",
			StatusPublished: "error.entry.state.published", StatusRejected: "error.entry.state.rejected", StatusRetired: "error.entry.state.retired"}), "Action", NewMessage(step))
}

// CanEditEntry reports whether the actor may edit, submit or retire entries of the provider
// org: the provider's admins and editors.
func CanEditEntry(a *Actor, org string) bool {
	return !a.Anonymous() && a.Org != nil && a.Org.Code == org && (a.User.Role == RoleEditor || a.User.Role == RoleAdmin)
}

// CanReviewEntry reports whether the actor may review an entry in division: an authority's
// admin or reviewer whose division covers it.
func CanReviewEntry(a *Actor, division string) bool {
	return a.IsAuthority() && (a.User.Role == RoleAdmin || a.User.Role == RoleReviewer) && DivisionCovers(a.Org.Division, division)
}

// CanManageElements reports whether the actor may name the authoritative sources of data
// elements, which the whole platform uses: an admin of the platform's authority.
func CanManageElements(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }

// FieldChange is one field that differs between two versions.
type FieldChange struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// DiffEntryFields compares two versions field by field; items are compared by name
// ("items.uscc.title").
func DiffEntryFields(a, b EntryFields) []FieldChange {
	out := []FieldChange{}
	str := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{field, x, y})
		}
	}
	str("title", a.Title, b.Title)
	str("summary", a.Summary, b.Summary)
	str("category", a.Category, b.Category)
	str("format", a.Format, b.Format)
	str("update_cycle", a.UpdateCycle, b.UpdateCycle)
	str("share_class", a.ShareClass, b.ShareClass)
	str("share_conditions", a.ShareConditions, b.ShareConditions)
	str("share_basis", a.ShareBasis, b.ShareBasis)
	str("open_class", a.OpenClass, b.OpenClass)
	str("open_conditions", a.OpenConditions, b.OpenConditions)
	str("open_basis", a.OpenBasis, b.OpenBasis)
	str("division", a.Division, b.Division)
	str("keywords", strings.Join(a.Keywords, ", "), strings.Join(b.Keywords, ", "))
	str("related", strings.Join(a.Related, ", "), strings.Join(b.Related, ", "))
	str("obtained", strings.Join(a.Obtained, ", "), strings.Join(b.Obtained, ", "))
	str("terms", strings.Join(a.Terms, ", "), strings.Join(b.Terms, ", "))
	str("terms_text", a.TermsText, b.TermsText)
	str("license", a.License, b.License)
	str("temporal_start", a.TemporalStart, b.TemporalStart)
	str("temporal_end", a.TemporalEnd, b.TemporalEnd)
	str("contact_name", a.ContactName, b.ContactName)
	str("contact_email", a.ContactEmail, b.ContactEmail)
	str("contact_phone", a.ContactPhone, b.ContactPhone)
	str("data_category", a.DataCategory, b.DataCategory)
	str("data_level", a.DataLevel, b.DataLevel)
	if a.Supplementary != b.Supplementary {
		out = append(out, FieldChange{"supplementary", a.Supplementary, b.Supplementary})
	}
	if a.Invisible != b.Invisible {
		out = append(out, FieldChange{"usable_invisible", a.Invisible, b.Invisible})
	}
	str("group_columns", strings.Join(a.InvisibleTerms.GroupColumns, ", "), strings.Join(b.InvisibleTerms.GroupColumns, ", "))
	if a.InvisibleTerms.MinGroupSize != b.InvisibleTerms.MinGroupSize {
		out = append(out, FieldChange{"min_group_size", a.InvisibleTerms.MinGroupSize, b.InvisibleTerms.MinGroupSize})
	}
	if a.InvisibleTerms.PrivacyBudget != b.InvisibleTerms.PrivacyBudget {
		out = append(out, FieldChange{"privacy_budget", a.InvisibleTerms.PrivacyBudget, b.InvisibleTerms.PrivacyBudget})
	}
	byName := func(items []Item) map[string]Item {
		m := map[string]Item{}
		for _, it := range items {
			m[it.Name] = it
		}
		return m
	}
	am, bm := byName(a.Items), byName(b.Items)
	for _, it := range a.Items {
		if _, ok := bm[it.Name]; !ok {
			out = append(out, FieldChange{"items." + it.Name, it, nil})
		}
	}
	for _, y := range b.Items {
		x, ok := am[y.Name]
		if !ok {
			out = append(out, FieldChange{"items." + y.Name, nil, y})
			continue
		}
		p := "items." + y.Name + "."
		str(p+"title", x.Title, y.Title)
		str(p+"type", x.Type, y.Type)
		str(p+"element", x.Element, y.Element)
		if x.Length != y.Length {
			out = append(out, FieldChange{p + "length", x.Length, y.Length})
		}
		if x.Key != y.Key {
			out = append(out, FieldChange{p + "key", x.Key, y.Key})
		}
		if x.Grade != y.Grade {
			out = append(out, FieldChange{p + "grade", x.Grade, y.Grade})
		}
		if x.Personal != y.Personal {
			out = append(out, FieldChange{p + "personal", x.Personal, y.Personal})
		}
		if x.Invisible != y.Invisible {
			out = append(out, FieldChange{p + "invisible", x.Invisible, y.Invisible})
		}
	}
	return out
}

// EntryFilter selects working copies of entries (a provider's own, or the review queue).
type EntryFilter struct {
	Org            string
	Status         EntryStatus
	DivisionPrefix string
	Q              string // substring of title or code
	Limit          int
	Cursor         string
}

// CatalogFilter is one condition of a catalogue search on a facet field: the value is one of
// Values (OR), or none of them when Negate.
type CatalogFilter struct {
	Field  string // one of CatalogFields
	Values []string
	Negate bool
}

// CatalogFields are the fields a catalogue search filters and counts facets on.
var CatalogFields = []string{"org", "category", "share_class", "open_class", "format", "update_cycle", "division", "keyword", "supplementary", "license"}

// CatalogIDFields are the fields a catalogue search filters on but counts no facets of: the
// entry's id and its resource code (exact values).
var CatalogIDFields = []string{"id", "code"}

// CatalogOrder is one key of a catalogue search's order (By one of CatalogOrderKeys).
type CatalogOrder struct {
	By   string
	Desc bool
}

// CatalogOrderKeys are the keys a catalogue search may be ordered by: the text's relevance
// (no order without text), the last modification, the creation of the entry, the title, the
// resource code, the entry's id and its popularity (views and downloads).
var CatalogOrderKeys = []string{"relevance", "modified", "created", "title", "code", "id", "popular"}

// CatalogQuery is a search of the published catalogue.
type CatalogQuery struct {
	Q              string // full text, Chinese or English; "" matches every entry
	Filters        []CatalogFilter
	DivisionPrefix string     // only entries whose division starts with this (a city's catalogue)
	ModifiedFrom   *time.Time // inclusive
	ModifiedTo     *time.Time // inclusive
	CreatedFrom    *time.Time // inclusive: entries created at or after
	CreatedTo      *time.Time // inclusive
	Sort           string     // "relevance" (default with Q), "modified" (newest first, default without Q), "popular" (views and downloads), "title", "code"
	// Order, when not empty, orders by these keys in turn (then by id) in place of Sort.
	Order   []CatalogOrder
	InTitle bool // Q must match in the titles or keywords (not only in items, provider or summary)
	Offset  int
	Limit   int
	Facets  bool // count facets over every matching entry
}

// CatalogResult is a page of search results.
type CatalogResult struct {
	Items  []*Entry                  `json:"items"`
	Total  int                       `json:"total"`
	Facets map[string]map[string]int `json:"facets,omitempty"`
}

// OpenCatalog and ShareCatalog are the published lists' filters (A5).
var (
	ShareCatalog = CatalogFilter{Field: "share_class", Values: []string{ClassUnconditional, ClassConditional}}
	OpenCatalog  = CatalogFilter{Field: "open_class", Values: []string{ClassUnconditional, ClassConditional}}
)

// ValidateCatalogQuery checks a search's fields and limits.
func ValidateCatalogQuery(q *CatalogQuery) error {
	q.Q = strings.TrimSpace(q.Q)
	for _, f := range q.Filters {
		if !oneOf(f.Field, CatalogFields) && !oneOf(f.Field, CatalogIDFields) {
			return FieldErrorf("fq", "Cannot filter on %q; use one of %s.", f.Field, strings.Join(CatalogFields, ", ")).Keyed("error.catalog.filter", "Field", f.Field, "Fields", strings.Join(CatalogFields, ", "))
		}
	}
	for _, o := range q.Order {
		if !oneOf(o.By, CatalogOrderKeys) {
			return FieldErrorf("sort", "Sort %q is not one of %s.", o.By, strings.Join(CatalogOrderKeys, ", ")).Keyed("error.catalog.order", "Sort", o.By, "Keys", strings.Join(CatalogOrderKeys, ", "))
		}
	}
	switch q.Sort {
	case "", "relevance", "modified", "popular", "title", "code":
	default:
		return FieldErrorf("sort", "Sort %q is not one of relevance, modified, popular, title, code.", q.Sort).Keyed("error.catalog.sort", "Sort", q.Sort)
	}
	if q.Offset < 0 {
		return FieldErrorf("offset", "Offset must not be negative.").Keyed("error.list.offset")
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		return FieldErrorf("limit", "limit must be between 1 and %d.", MaxLimit).Keyed("error.list.limit", "Max", MaxLimit)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if utf8.RuneCountInString(q.Q) > 200 {
		return FieldErrorf("q", "The search text must be at most 200 characters.").Keyed("error.catalog.q.too_long")
	}
	return nil
}

// EntryService manages the catalogue. Authorisation is the caller's (CanEditEntry,
// CanReviewEntry); every change records its audit event.
type EntryService interface {
	// FindEntryByID returns an entry's working copy; ENOTFOUND if none.
	FindEntryByID(ctx context.Context, id string) (*Entry, error)
	// FindEntries returns a page of working copies, newest change first.
	FindEntries(ctx context.Context, f EntryFilter) ([]*Entry, int, string, error)
	// CreateEntry creates a draft entry of the provider org. code "" generates a resource
	// code from the category. EINVALID with field errors; ECONFLICT for a taken code.
	CreateEntry(ctx context.Context, org string, code string, f *EntryFields) (*Entry, error)
	// UpdateEntry replaces the working copy's fields; the entry returns to draft (a published
	// entry stays published at its current version until the change is approved).
	// ECONFLICT while submitted or once retired.
	UpdateEntry(ctx context.Context, id string, f *EntryFields) (*Entry, error)
	// SubmitEntry sends a draft or rejected entry for review and computes its source flags.
	SubmitEntry(ctx context.Context, id string) (*Entry, error)
	// ReviewEntry approves (publishing a new version) or rejects (with comment, required)
	// a submitted entry.
	ReviewEntry(ctx context.Context, id string, approve bool, comment string) (*Entry, error)
	// ApproveEntryOverride approves a submitted entry as ReviewEntry does, recording with the
	// approval's event the authority's override of the pre-open check (E7): its reason and
	// findings. EINVALID (override_reason) without a reason. Authorisation is the caller's
	// (CanOverrideOpenRisk).
	ApproveEntryOverride(ctx context.Context, id, comment string, o *OpenRiskOverride) (*Entry, error)
	// RetireEntry withdraws an entry from the published catalogue; the reason is recorded.
	RetireEntry(ctx context.Context, id string, reason string) (*Entry, error)
	// FindEntryVersions lists an entry's published versions, newest first.
	FindEntryVersions(ctx context.Context, id string) ([]*EntryVersion, error)
	// FindPublishedEntry returns the latest published version of an entry (by id or resource
	// code) as an Entry; ENOTFOUND if it was never published or is retired.
	FindPublishedEntry(ctx context.Context, idOrCode string) (*Entry, error)
	// SearchCatalog searches the published catalogue.
	SearchCatalog(ctx context.Context, q CatalogQuery) (*CatalogResult, error)
}

// DataElement is a standard data element (数据元) with its authoritative provider (一数一源).
type DataElement struct {
	Code        string `json:"code"` // e.g. "resident_id"
	Name        string `json:"name"` // 公民身份号码
	NameEn      string `json:"name_en"`
	Type        string `json:"type"`
	Source      string `json:"source,omitempty"` // organisation code of the authoritative provider
	SourceName  string `json:"source_name,omitempty"`
	SourceEntry string `json:"source_entry,omitempty"` // id of the entry that supplies it
}

// ElementService manages the data-element registry.
type ElementService interface {
	// FindElements lists every data element by code.
	FindElements(ctx context.Context) ([]*DataElement, error)
	// SetElementSource names the authoritative provider (and optionally its entry) of an
	// element, or clears it with "". Authority only (the caller checks). ENOTFOUND, EINVALID.
	SetElementSource(ctx context.Context, code, org, entryID string) (*DataElement, error)
}

// SourceFlags returns the flags for items of an entry of provider org that collect elements
// whose authoritative source is another organisation (B2, one source per datum).
func SourceFlags(org string, items []Item, elements map[string]*DataElement) []SourceFlag {
	out := []SourceFlag{}
	for _, it := range items {
		el, ok := elements[it.Element]
		if !ok || el.Source == "" || el.Source == org {
			continue
		}
		out = append(out, SourceFlag{Item: it.Name, Element: el.Code, ElementName: el.Name, Source: el.Source, SourceName: el.SourceName, SourceEntry: el.SourceEntry})
	}
	return out
}

// NegativeList selects the negative list (负面清单): entries that may not be opened, which
// includes every entry that may not be shared (such an entry cannot be opened either).
var NegativeList = CatalogFilter{Field: "open_class", Values: []string{ClassNone}}

// SeesWholeCatalog reports whether the actor sees the whole published catalogue (a public
// body's or an authority's user); everyone else sees the open catalogue only.
func SeesWholeCatalog(a *Actor) bool {
	return !a.Anonymous() && a.Org != nil && (a.Org.Kind == KindPublicBody || a.Org.Kind == KindAuthority)
}

// CanViewPublished reports whether the actor may see the published entry.
func CanViewPublished(a *Actor, e *Entry) bool {
	return SeesWholeCatalog(a) || oneOf(e.OpenClass, OpenCatalog.Values)
}

// CanViewWorkingCopy reports whether the actor may see an entry's working copy: the
// provider's users, and an authority's users whose division covers the entry.
func CanViewWorkingCopy(a *Actor, e *Entry) bool {
	if a.Anonymous() || a.Org == nil {
		return false
	}
	return a.Org.Code == e.Org || (a.IsAuthority() && DivisionCovers(a.Org.Division, e.Division))
}
