package web

import (
	"context"
	"net/http"

	"github.com/pubdata/pubdata"
)

// Regions as profiles (issue 17 item 5, profile.go): the server's profile labels the share
// and open classes on every page (the template function t maps the default label keys to
// the profile's), offers only the profile's classes in forms, counts reply days with the
// divisions' own rules, and says who answers applications.

// LabelKey returns the message key of a class label under the profile: key itself unless
// the profile names the class otherwise (entry.share.none → profile.class.share.deferred in
// Fujian). Pages translate through it; Go code that translates a class label calls it.
func (s *Server) LabelKey(key string) string {
	if k, ok := s.labelKeys[key]; ok {
		return k
	}
	return key
}

// profileOptions keeps the options whose value is one of rules' classes.
func profileOptions(opts []CatOption, rules []pubdata.ClassRule) []CatOption {
	var out []CatOption
	for _, o := range opts {
		for _, r := range rules {
			if r.Class == o.Value {
				out = append(out, o)
			}
		}
	}
	return out
}

// ShareOptions are the share classes the profile has (a form's choices), in form order.
func (s *Server) ShareOptions() []CatOption {
	return profileOptions(ShareClassOptions, s.profile().ShareClasses)
}

// OpenOptions are the open classes the profile has (Fujian: two).
func (s *Server) OpenOptions() []CatOption {
	return profileOptions(OpenClassOptions, s.profile().OpenClasses)
}

func (s *Server) profile() *pubdata.Profile {
	if s.Profile == nil {
		return pubdata.DefaultProfile()
	}
	return s.Profile
}

// DivisionRulesNow returns the stored division rules (none without DivisionRules).
func (s *Server) DivisionRulesNow(ctx context.Context) ([]*pubdata.DivisionRule, error) {
	if s.DivisionRules == nil {
		return nil, nil
	}
	return s.DivisionRules.FindDivisionRules(ctx)
}

// ReplyDue returns the working days to answer an application of kind on an entry of
// division and their source: the division's rule, the explicit setting or the profile's
// article (pubdata.ReplyFor). The store counts the same when the application is filed.
func (s *Server) ReplyDue(ctx context.Context, kind pubdata.ApplicationKind, division string) (pubdata.ReplyDue, error) {
	rules, err := s.DivisionRulesNow(ctx)
	if err != nil {
		return pubdata.ReplyDue{}, err
	}
	return pubdata.ReplyFor(s.profile(), pubdata.ReplyDays{Share: s.ShareReplyDays, Open: s.OpenReplyDays}, rules, kind, division), nil
}

// ReplyDaysFor is ReplyDue's days; on an error reading the rules, the profile's.
func (s *Server) ReplyDaysFor(ctx context.Context, kind pubdata.ApplicationKind, division string) int {
	r, err := s.ReplyDue(ctx, kind, division)
	if err != nil {
		return s.ReplyDays(kind)
	}
	return r.Days
}

// CanDecideApplication reports whether the actor may answer the application under the
// profile (pubdata.CanDecideApplicationUnder: Fujian's authority answers open
// applications, Jilin's share ones).
func (s *Server) CanDecideApplication(a *pubdata.Actor, app *pubdata.Application) bool {
	return pubdata.CanDecideApplicationUnder(s.profile(), a, app, app.Division)
}

// CiteView is a citation as pages and the API show it.
type CiteView struct {
	Doc       string `json:"doc,omitempty"`
	DocTitle  string `json:"doc_title,omitempty"`
	Article   int    `json:"article,omitempty"`
	ArticleZh string `json:"article_zh,omitempty"` // 第二十三条
	Ref       string `json:"ref,omitempty"`        // TJ23
	Text      string `json:"text"`                 // 《天津市促进大数据发展应用条例》第二十三条, or the note
	Quote     string `json:"quote,omitempty"`
	Note      string `json:"note,omitempty"`
}

// DaysView is a reply deadline: the days in force, where they come from and the article.
type DaysView struct {
	Days    int      `json:"days"`
	Source  string   `json:"source"` // profile or setting (pubdata.ReplyFrom…)
	Profile int      `json:"profile_days"`
	Cite    CiteView `json:"cite"`
}

// ClassView is one class of the profile with its label in the request's language.
type ClassView struct {
	Class string   `json:"class"`
	Label string   `json:"label"`
	Text  string   `json:"text"`
	Basis string   `json:"basis,omitempty"`
	Cite  CiteView `json:"cite"`
}

// AnswerView says who answers applications of a kind.
type AnswerView struct {
	Who   string   `json:"who"`
	Label string   `json:"label"`
	Cite  CiteView `json:"cite"`
}

// DivisionRuleView is a division rule with the division's name.
type DivisionRuleView struct {
	*pubdata.DivisionRule
	Name string `json:"division_name"`
}

// ProfileView is the active profile as GET /api/v1/profile and the rules pages show it.
type ProfileView struct {
	Name          string                    `json:"name"`
	Title         string                    `json:"title"`
	Document      *pubdata.ProfileDocument  `json:"document,omitempty"`
	Documents     []pubdata.ProfileDocument `json:"documents,omitempty"`
	ShareReply    DaysView                  `json:"share_reply"`
	OpenReply     DaysView                  `json:"open_reply"`
	ShareClasses  []ClassView               `json:"share_classes"`
	OpenClasses   []ClassView               `json:"open_classes"`
	ShareAnswerer AnswerView                `json:"share_answerer"`
	OpenAnswerer  AnswerView                `json:"open_answerer"`
	NegativeList  struct {
		Enabled bool     `json:"enabled"`
		Cite    CiteView `json:"cite"`
	} `json:"negative_list"`
	Divisions []DivisionRuleView `json:"divisions"`
	Profiles  []string           `json:"profiles"` // the shipped profiles one may choose (serve --profile)
}

// docTitle returns the title of the profile's document of key, in lang.
func docTitle(p *pubdata.Profile, key, lang string) string {
	docs := p.Documents
	if p.Document != nil {
		docs = append([]pubdata.ProfileDocument{*p.Document}, docs...)
	}
	for _, d := range docs {
		if d.Key == key {
			if lang == LangEN {
				return d.TitleEN
			}
			return d.Title
		}
	}
	return key
}

func citeView(p *pubdata.Profile, c pubdata.Citation, lang string) CiteView {
	v := CiteView{Doc: c.Doc, Article: c.Article, Quote: c.Quote, Note: c.Note}
	if c.Doc == "" {
		v.Text = Translate(lang, "profile.cite.none")
		return v
	}
	v.DocTitle, v.ArticleZh, v.Ref = docTitle(p, c.Doc, lang), c.ArticleZh(), c.Ref()
	v.Text = Translate(lang, "profile.cite", "Doc", v.DocTitle, "Article", v.ArticleZh, "Number", c.Article)
	return v
}

// ProfileView builds the view of the active profile in lang with the stored division rules.
func (s *Server) ProfileView(ctx context.Context, lang string) (*ProfileView, error) {
	p := s.profile()
	v := &ProfileView{Name: p.Name, Title: p.Title, Document: p.Document, Documents: p.Documents, Profiles: pubdata.ProfileNames(), Divisions: []DivisionRuleView{}}
	if lang == LangEN {
		v.Title = p.TitleEN
	}
	explicit := pubdata.ReplyDays{Share: s.ShareReplyDays, Open: s.OpenReplyDays}
	for _, d := range []struct {
		dst  *DaysView
		kind pubdata.ApplicationKind
	}{{&v.ShareReply, pubdata.KindShare}, {&v.OpenReply, pubdata.KindOpen}} {
		due := pubdata.ReplyFor(p, explicit, nil, d.kind, "")
		rule := p.ReplyRule(d.kind)
		*d.dst = DaysView{Days: due.Days, Source: due.Source, Profile: rule.Days, Cite: citeView(p, rule.Cite, lang)}
	}
	classes := func(prefix string, rules []pubdata.ClassRule) []ClassView {
		out := []ClassView{}
		for _, r := range rules {
			out = append(out, ClassView{Class: r.Class, Label: Translate(lang, s.LabelKey(prefix+r.Class)), Text: r.Text, Basis: r.Basis, Cite: citeView(p, r.Cite, lang)})
		}
		return out
	}
	v.ShareClasses, v.OpenClasses = classes("entry.share.", p.ShareClasses), classes("entry.open.", p.OpenClasses)
	v.ShareAnswerer = AnswerView{Who: p.ShareAnswer.Who, Label: Translate(lang, "profile.answerer."+p.ShareAnswer.Who), Cite: citeView(p, p.ShareAnswer.Cite, lang)}
	v.OpenAnswerer = AnswerView{Who: p.OpenAnswer.Who, Label: Translate(lang, "profile.answerer."+p.OpenAnswer.Who), Cite: citeView(p, p.OpenAnswer.Cite, lang)}
	v.NegativeList.Enabled, v.NegativeList.Cite = p.NegativeList.Enabled, citeView(p, p.NegativeList.Cite, lang)
	rules, err := s.DivisionRulesNow(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		name := r.Division
		if s.Divisions != nil {
			if d, ok := s.Divisions.Lookup(r.Division); ok {
				name = d.Name
			}
		}
		v.Divisions = append(v.Divisions, DivisionRuleView{DivisionRule: r, Name: name})
	}
	return v, nil
}

// ErrNoDivisionRules answers the division rules' routes on a server without them.
var ErrNoDivisionRules = pubdata.Errorf(pubdata.ENOTFOUND, "Division rules cannot be changed on this server.").Keyed("error.not_available.division_rules")

// DivisionRuleEditor returns the caller when it may set division rules (an admin of the
// platform's authority, pubdata.CanEditDivisionRules).
func (s *Server) DivisionRuleEditor(r *http.Request) (*pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if s.DivisionRules == nil {
		return nil, ErrNoDivisionRules
	}
	if !pubdata.CanEditDivisionRules(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's (provincial) authority may set a division's own rules.").Keyed("error.division_rule.forbidden")
	}
	return a, nil
}
