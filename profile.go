package pubdata

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Regions as profiles (issue 17 item 5). The five regulations in ../shared/seeds differ in
// a few rules the platform enforces: how many working days a provider has to answer share
// and open applications, the names and the set of share and open classes (Fujian's 暂不共享,
// its two open types 普遍开放 and 依申请开放), who answers open and share applications
// (Fujian's and Jilin's big-data authority), and whether the negative-list regime of opening
// applies (Shanxi: what is not open is listed publicly and a party with a major interest may
// still apply). A Profile holds these rules for one document, each rule citing the article
// it comes from; the profiles ship as data files (profiles/*.toml, embedded) and the
// operator picks one (serve --profile). The default profile is the platform's behaviour
// before profiles existed: its rules cite the document each default was taken from.
//
// Settings may also differ per division on one platform (a city's deadlines on the
// provincial platform): DivisionRules are stored in the database, set by the platform
// authority's admins, and override the profile's reply days for the applications on the
// entries of the divisions they cover.

// ProfileDefault is the name of the default profile.
const ProfileDefault = "default"

// Answerers of applications: who decides a pending application.
const (
	AnswererProvider  = "provider"  // the providing unit (数据提供单位)
	AnswererAuthority = "authority" // the big-data authority covering the entry (大数据主管部门)
)

// MaxProfileReplyDays bounds a profile's and a division rule's reply days.
const MaxProfileReplyDays = 60

// Citation names the article of a regulation a rule comes from. Doc is the document's key
// (SD, FJ, JL, TJ, SX as in REQUIREMENTS.md); "" means no document sets the rule and the
// platform's default applies (Note says which). Quote is the article's words the rule
// rests on.
type Citation struct {
	Doc     string `json:"doc" toml:"doc"`
	Article int    `json:"article,omitempty" toml:"article"`
	Quote   string `json:"quote,omitempty" toml:"quote"`
	Note    string `json:"note,omitempty" toml:"note"`
}

// Ref returns the short form of the citation, e.g. "TJ23" ("" for none).
func (c Citation) Ref() string {
	if c.Doc == "" {
		return ""
	}
	return fmt.Sprintf("%s%d", c.Doc, c.Article)
}

// ArticleZh returns the article number in Chinese, e.g. 第二十三条 ("" for none).
func (c Citation) ArticleZh() string {
	if c.Article <= 0 {
		return ""
	}
	return "第" + chineseNumber(c.Article) + "条"
}

// chineseNumber writes 1–999 in Chinese numerals as articles are numbered (十七, 二十三, 一百零二).
func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	if n <= 0 || n > 999 {
		return fmt.Sprint(n)
	}
	var b strings.Builder
	h, t, u := n/100, n/10%10, n%10
	if h > 0 {
		b.WriteString(digits[h] + "百")
		if t == 0 && u > 0 {
			b.WriteString("零")
		}
	}
	if t > 0 {
		if !(t == 1 && h == 0) {
			b.WriteString(digits[t])
		}
		b.WriteString("十")
	}
	if u > 0 {
		b.WriteString(digits[u])
	}
	return b.String()
}

// ProfileDocument is the regulation a profile follows.
type ProfileDocument struct {
	Key     string `json:"key" toml:"key"` // SD, FJ, JL, TJ, SX
	Title   string `json:"title" toml:"title"`
	TitleEN string `json:"title_en" toml:"title_en"`
	Year    int    `json:"year,omitempty" toml:"year"`
	Draft   bool   `json:"draft,omitempty" toml:"draft"`
	Seed    string `json:"seed,omitempty" toml:"seed"` // the file of ../shared/seeds it was read from
}

// DayRule is a number of working days with its source.
type DayRule struct {
	Days int      `json:"days" toml:"days"`
	Cite Citation `json:"cite" toml:"cite"`
}

// ClassRule is one share or open class of a profile: the class value entries store (one of
// Classes), the message key of its label, the label as the document writes it, what an
// entry of the class must give (its basis), and the article.
type ClassRule struct {
	Class string   `json:"class" toml:"class"`
	Label string   `json:"label_key" toml:"label"` // a message key (locale), e.g. profile.class.share.deferred
	Text  string   `json:"text" toml:"text"`       // the document's words, e.g. 暂不共享
	Basis string   `json:"basis,omitempty" toml:"basis"`
	Cite  Citation `json:"cite" toml:"cite"`
}

// AnswerRule says who answers (decides) a pending application of a kind.
type AnswerRule struct {
	Who  string   `json:"who" toml:"who"` // AnswererProvider or AnswererAuthority
	Cite Citation `json:"cite" toml:"cite"`
}

// NegativeListRule is the negative-list regime of opening (SX27): when Enabled, entries
// that are not open are the public negative list and a party with a major interest may
// still apply for them; otherwise a not-open entry takes no open application.
type NegativeListRule struct {
	Enabled bool     `json:"enabled" toml:"enabled"`
	Cite    Citation `json:"cite" toml:"cite"`
}

// Profile is the rules of one regulation.
type Profile struct {
	Name     string           `json:"name" toml:"name"`
	Title    string           `json:"title" toml:"title"`
	TitleEN  string           `json:"title_en" toml:"title_en"`
	Document *ProfileDocument `json:"document,omitempty" toml:"document"`
	// Documents are the documents the default profile's rules are taken from.
	Documents    []ProfileDocument `json:"documents,omitempty" toml:"documents"`
	ShareReply   DayRule           `json:"share_reply" toml:"share_reply"`
	OpenReply    DayRule           `json:"open_reply" toml:"open_reply"`
	ShareClasses []ClassRule       `json:"share_classes" toml:"share_classes"`
	OpenClasses  []ClassRule       `json:"open_classes" toml:"open_classes"`
	ShareAnswer  AnswerRule        `json:"share_answerer" toml:"share_answerer"`
	OpenAnswer   AnswerRule        `json:"open_answerer" toml:"open_answerer"`
	NegativeList NegativeListRule  `json:"negative_list" toml:"negative_list"`
}

// ReplyRule returns the profile's rule of the working days to answer an application of kind.
func (p *Profile) ReplyRule(kind ApplicationKind) DayRule {
	if kind == KindOpen {
		return p.OpenReply
	}
	return p.ShareReply
}

// Answerer returns who answers a pending application of kind.
func (p *Profile) Answerer(kind ApplicationKind) AnswerRule {
	if kind == KindOpen {
		return p.OpenAnswer
	}
	return p.ShareAnswer
}

// Classes returns the profile's share classes (kind share) or open classes (kind open).
func (p *Profile) Classes(kind ApplicationKind) []ClassRule {
	if kind == KindOpen {
		return p.OpenClasses
	}
	return p.ShareClasses
}

// ClassRule returns the profile's rule of a share (kind share) or open class, and whether
// the class is one of the profile's.
func (p *Profile) ClassRule(kind ApplicationKind, class string) (ClassRule, bool) {
	for _, c := range p.Classes(kind) {
		if c.Class == class {
			return c, true
		}
	}
	return ClassRule{}, false
}

// LabelKeys maps the message keys of the default class labels (entry.share.none, …) to the
// profile's (profile.class.share.deferred, …) where they differ: pages translate a class's
// label through it.
func (p *Profile) LabelKeys() map[string]string {
	m := map[string]string{}
	for _, k := range []struct {
		prefix string
		rules  []ClassRule
	}{{"entry.share.", p.ShareClasses}, {"entry.open.", p.OpenClasses}} {
		for _, c := range k.rules {
			if c.Label != "" && c.Label != k.prefix+c.Class {
				m[k.prefix+c.Class] = c.Label
			}
		}
	}
	return m
}

// CheckEntryClasses checks that an entry's share and open classes are among the profile's
// (EINVALID naming the field and the classes allowed). Entries stored before the profile was
// chosen keep their class; this is checked when an entry is created or edited.
func (p *Profile) CheckEntryClasses(f *EntryFields) error {
	var problems []*Error
	for _, k := range []struct {
		field, value string
		kind         ApplicationKind
	}{{"share_class", f.ShareClass, KindShare}, {"open_class", f.OpenClass, KindOpen}} {
		if k.value == "" {
			continue // required-ness is ValidateEntry's
		}
		if _, ok := p.ClassRule(k.kind, k.value); ok {
			continue
		}
		var names []string
		for _, c := range p.Classes(k.kind) {
			names = append(names, c.Class+" ("+c.Text+")")
		}
		problems = append(problems, FieldErrorf(k.field, "Class %q is not one of this platform's (profile %s): %s.", k.value, p.Name, strings.Join(names, ", ")).
			Keyed("error.profile.class", "Class", k.value, "Profile", p.Name, "Classes", strings.Join(names, ", ")))
	}
	return invalid(problems)
}

// validate checks a profile file: a name, reply days from 1 to MaxProfileReplyDays, classes
// from Classes (unconditional first, no repeats, every class with a label key and text),
// answerers, and every rule cited or marked as the platform's default.
func (p *Profile) validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !validProfileName(p.Name) {
		bad("name %q must be lower-case letters", p.Name)
	}
	if p.Title == "" || p.TitleEN == "" {
		bad("title and title_en are required")
	}
	docs := map[string]bool{}
	if p.Document != nil {
		docs[p.Document.Key] = true
	}
	for _, d := range p.Documents {
		docs[d.Key] = true
	}
	cite := func(what string, c Citation) {
		switch {
		case c.Doc == "" && c.Note == "":
			bad("%s: cite an article (doc, article) or say why none applies (note)", what)
		case c.Doc != "" && !docs[c.Doc]:
			bad("%s: document %q is not the profile's", what, c.Doc)
		case c.Doc != "" && c.Article <= 0:
			bad("%s: article number missing", what)
		}
	}
	for _, d := range []struct {
		what string
		r    DayRule
	}{{"share_reply", p.ShareReply}, {"open_reply", p.OpenReply}} {
		if d.r.Days < 1 || d.r.Days > MaxProfileReplyDays {
			bad("%s: days %d must be 1 to %d", d.what, d.r.Days, MaxProfileReplyDays)
		}
		cite(d.what, d.r.Cite)
	}
	for _, k := range []struct {
		what  string
		rules []ClassRule
	}{{"share_classes", p.ShareClasses}, {"open_classes", p.OpenClasses}} {
		if len(k.rules) < 2 {
			bad("%s: at least two classes", k.what)
		}
		seen := map[string]bool{}
		for i, c := range k.rules {
			if !slices.Contains(Classes, c.Class) || seen[c.Class] {
				bad("%s[%d]: class %q is not one of %v or is repeated", k.what, i, c.Class, Classes)
			}
			seen[c.Class] = true
			if c.Label == "" || c.Text == "" {
				bad("%s[%d]: label (a message key) and text are required", k.what, i)
			}
			cite(fmt.Sprintf("%s[%d]", k.what, i), c.Cite)
		}
		if !seen[ClassUnconditional] {
			bad("%s: the unconditional class is required", k.what)
		}
	}
	for _, a := range []struct {
		what string
		r    AnswerRule
	}{{"share_answerer", p.ShareAnswer}, {"open_answerer", p.OpenAnswer}} {
		if a.r.Who != AnswererProvider && a.r.Who != AnswererAuthority {
			bad("%s: who %q is not provider or authority", a.what, a.r.Who)
		}
		cite(a.what, a.r.Cite)
	}
	cite("negative_list", p.NegativeList.Cite)
	if len(errs) > 0 {
		return fmt.Errorf("profile %s: %s", p.Name, strings.Join(errs, "; "))
	}
	return nil
}

func validProfileName(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

//go:embed profiles/*.toml
var profileFiles embed.FS

// ParseProfile reads a profile file (TOML; unknown keys are an error) and checks it.
func ParseProfile(src []byte) (*Profile, error) {
	var p Profile
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&p)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("profile %s: unknown keys %s", p.Name, strings.Join(keys, ", "))
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

var shippedProfiles = func() map[string]*Profile {
	m := map[string]*Profile{}
	names, err := profileFiles.ReadDir("profiles")
	if err != nil {
		panic(err)
	}
	for _, f := range names {
		src, err := profileFiles.ReadFile(path.Join("profiles", f.Name()))
		if err != nil {
			panic(err)
		}
		p, err := ParseProfile(src)
		if err != nil {
			panic(err) // the shipped files are checked by the tests
		}
		if p.Name+".toml" != f.Name() {
			panic(fmt.Sprintf("profile %s is in file %s", p.Name, f.Name()))
		}
		m[p.Name] = p
	}
	return m
}()

// ProfileNames lists the shipped profiles, the default first.
func ProfileNames() []string {
	var names []string
	for n := range shippedProfiles {
		if n != ProfileDefault {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return append([]string{ProfileDefault}, names...)
}

// LookupProfile returns the shipped profile of name ("" is the default). The profile is
// shared: do not change it.
func LookupProfile(name string) (*Profile, error) {
	if name == "" {
		name = ProfileDefault
	}
	p, ok := shippedProfiles[name]
	if !ok {
		return nil, fmt.Errorf("profile %q is not one of %s", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// DefaultProfile returns the default profile.
func DefaultProfile() *Profile { return shippedProfiles[ProfileDefault] }

// DivisionRule sets a division's own reply days on a platform (a city's deadlines on the
// provincial platform): the applications on the entries of the divisions it covers are due
// in its days (0: the profile's). Basis names the document and article it comes from.
type DivisionRule struct {
	Division       string    `json:"division"`
	ShareReplyDays int       `json:"share_reply_days,omitempty"`
	OpenReplyDays  int       `json:"open_reply_days,omitempty"`
	Basis          string    `json:"basis"`
	UpdatedBy      string    `json:"updated_by,omitempty"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Days returns the rule's days for an application of kind (0: the profile's).
func (r *DivisionRule) Days(kind ApplicationKind) int {
	if kind == KindOpen {
		return r.OpenReplyDays
	}
	return r.ShareReplyDays
}

// ValidateDivisionRule checks and trims a division rule: a six-digit division, reply days
// 0 (the profile's) to MaxProfileReplyDays with at least one set, and a basis (required, at
// most 2000 characters).
func ValidateDivisionRule(r *DivisionRule) error {
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	r.Division, r.Basis = strings.TrimSpace(r.Division), strings.TrimSpace(r.Basis)
	if !ValidDivisionSyntax(r.Division) {
		add(FieldErrorf("division", "Division %q is not a six-digit division code.", r.Division).Keyed("error.division_rule.division", "Division", r.Division))
	}
	for _, d := range []struct {
		field string
		v     int
	}{{"share_reply_days", r.ShareReplyDays}, {"open_reply_days", r.OpenReplyDays}} {
		if d.v < 0 || d.v > MaxProfileReplyDays {
			add(FieldErrorf(d.field, "%s must be 0 (the profile's) to %d working days, not %d.", d.field, MaxProfileReplyDays, d.v).
				Keyed("error.division_rule.days", "Field", d.field, "Max", MaxProfileReplyDays, "Value", d.v))
		}
	}
	if r.ShareReplyDays == 0 && r.OpenReplyDays == 0 {
		add(FieldErrorf("share_reply_days", "Set share_reply_days or open_reply_days: a rule with neither changes nothing.").Keyed("error.division_rule.empty"))
	}
	add(checkText("basis", "Basis", "error.label.basis", r.Basis, true))
	if utf8.RuneCountInString(r.Basis) > maxApplicationText {
		add(FieldErrorf("basis", "Basis is too long.").Keyed("error.division_rule.basis"))
	}
	return invalid(p)
}

// MatchDivisionRule returns the rule of rules that applies to division: the most specific
// one whose division covers it (a district's over its city's over its province's), or nil.
func MatchDivisionRule(rules []*DivisionRule, division string) *DivisionRule {
	var best *DivisionRule
	for _, r := range rules {
		if r.Division == division || DivisionCovers(r.Division, division) {
			if best == nil || len(DivisionPrefix(r.Division)) > len(DivisionPrefix(best.Division)) {
				best = r
			}
		}
	}
	return best
}

// ReplyDue is the working days an application is due in and the rule they come from.
type ReplyDue struct {
	Days int `json:"days"`
	// Source is "setting" (share_reply_days/open_reply_days given explicitly), "division"
	// (a DivisionRule; Division and Basis name it) or "profile" (Cite names the article).
	Source   string   `json:"source"`
	Division string   `json:"division,omitempty"`
	Basis    string   `json:"basis,omitempty"`
	Cite     Citation `json:"cite"`
}

// Reply sources.
const (
	ReplyFromSetting  = "setting"
	ReplyFromDivision = "division"
	ReplyFromProfile  = "profile"
)

// ReplyFor returns the working days to answer an application of kind on an entry of
// division: a division rule's days first (the most specific covering rule that sets them),
// then the explicit setting (d, zero: not set), then the profile's (nil: the default).
func ReplyFor(p *Profile, d ReplyDays, rules []*DivisionRule, kind ApplicationKind, division string) ReplyDue {
	if p == nil {
		p = DefaultProfile()
	}
	if r := MatchDivisionRule(rulesSetting(rules, kind), division); r != nil {
		return ReplyDue{Days: r.Days(kind), Source: ReplyFromDivision, Division: r.Division, Basis: r.Basis}
	}
	explicit := d.Share
	if kind == KindOpen {
		explicit = d.Open
	}
	if explicit > 0 {
		return ReplyDue{Days: explicit, Source: ReplyFromSetting}
	}
	rule := p.ReplyRule(kind)
	return ReplyDue{Days: rule.Days, Source: ReplyFromProfile, Cite: rule.Cite}
}

// rulesSetting keeps the rules that set days for kind.
func rulesSetting(rules []*DivisionRule, kind ApplicationKind) []*DivisionRule {
	var out []*DivisionRule
	for _, r := range rules {
		if r.Days(kind) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// CanDecideApplicationUnder is CanDecideApplication under profile p: where p says the
// authority answers applications of the kind (FJ15 for open applications, JL19 for
// share ones), a pending application is decided by an admin or reviewer of an authority
// covering the entry's division instead of the provider.
func CanDecideApplicationUnder(p *Profile, a *Actor, app *Application, entryDivision string) bool {
	if p != nil && app.Status == AppPending && p.Answerer(app.Kind).Who == AnswererAuthority {
		return CanReviewEntry(a, entryDivision)
	}
	return CanDecideApplication(a, app, entryDivision)
}

// CanEditDivisionRules reports whether the actor may set division rules: an admin of the
// platform's authority (the rules are the whole platform's, like the calendar).
func CanEditDivisionRules(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }

// DivisionRuleService keeps the division rules. Authorisation is the caller's
// (CanEditDivisionRules); every change records its audit event in its transaction.
type DivisionRuleService interface {
	// FindDivisionRules returns every rule by division.
	FindDivisionRules(ctx context.Context) ([]*DivisionRule, error)
	// SetDivisionRule creates or replaces the rule of r.Division (EINVALID per
	// ValidateDivisionRule).
	SetDivisionRule(ctx context.Context, r *DivisionRule) (*DivisionRule, error)
	// RemoveDivisionRule removes a division's rule (ENOTFOUND when it has none).
	RemoveDivisionRule(ctx context.Context, division string) error
}

// CheckNegativeList applies the negative-list regime of profile p to an open application c
// on entry e: without it (p.NegativeList.Enabled false) an entry that is not open takes no
// open application, major interest or not (EINVALID naming the entry's basis and the
// article). With it, ValidateApplicationCreate's rule holds (a party stating its major
// interest may apply, SX27).
func CheckNegativeList(p *Profile, e *Entry, c *ApplicationCreate) error {
	if p == nil || p.NegativeList.Enabled || e == nil || c.Kind != KindOpen || e.OpenClass != ClassNone {
		return nil
	}
	return invalid([]*Error{FieldErrorf("entry", "The entry is not open (%s): %s. This platform's rules (profile %s) take no open application for it.", openLabelText(p), e.OpenBasis, p.Name).
		Keyed("error.profile.not_open", "Basis", e.OpenBasis, "Profile", p.Name)})
}

func openLabelText(p *Profile) string {
	if r, ok := p.ClassRule(KindOpen, ClassNone); ok {
		return r.Text
	}
	return "不予开放"
}
