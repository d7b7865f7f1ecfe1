package web

import (
	"context"

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
