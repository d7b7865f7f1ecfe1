package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The console's settings page of the regional rules (issue 17 item 5, profile.go):
// /console/profile shows the active profile with the article of each rule and the
// divisions' own reply days; an admin of the platform's authority sets and removes those.

// profileView is the view of /console/profile.
type profileView struct {
	web.Page
	Profile *web.ProfileView
	CanEdit bool
	Form    struct{ Division, Share, Open, Basis string }
	Errors  web.FormErrors
	Saved   string // the division just set or removed (flash)
}

func (s *Server) profileView(r *http.Request, a *pubdata.Actor) (*profileView, error) {
	pv, err := s.ProfileView(r.Context(), web.LangFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	return &profileView{Page: s.Base(r, true), Profile: pv, CanEdit: s.DivisionRules != nil && pubdata.CanEditDivisionRules(a),
		Errors: web.FormErrors{}, Saved: r.URL.Query().Get("saved")}, nil
}

// PageProfile shows the regional rules (every console user may look).
func (s *Server) PageProfile(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.profileView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "profile", http.StatusOK, v)
}

// formDays reads a reply-days field: "" is 0 (the profile's).
func formDays(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// PageDivisionRuleSet sets a division's rule from the form.
func (s *Server) PageDivisionRuleSet(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if _, err := s.DivisionRuleEditor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := s.profileView(r, a)
	if err != nil {
		return err
	}
	v.Form.Division, v.Form.Share, v.Form.Open, v.Form.Basis = r.PostFormValue("division"), r.PostFormValue("share_reply_days"), r.PostFormValue("open_reply_days"), r.PostFormValue("basis")
	share, okShare := formDays(v.Form.Share)
	open, okOpen := formDays(v.Form.Open)
	if !okShare {
		v.Errors["share_reply_days"] = web.Translate(v.Lang, "profile.error.days", "Max", pubdata.MaxProfileReplyDays)
	}
	if !okOpen {
		v.Errors["open_reply_days"] = web.Translate(v.Lang, "profile.error.days", "Max", pubdata.MaxProfileReplyDays)
	}
	if len(v.Errors) == 0 {
		rule := &pubdata.DivisionRule{Division: v.Form.Division, ShareReplyDays: share, OpenReplyDays: open, Basis: v.Form.Basis}
		if s.Divisions != nil {
			if _, known := s.Divisions.Lookup(strings.TrimSpace(rule.Division)); !known && pubdata.ValidDivisionSyntax(strings.TrimSpace(rule.Division)) {
				v.Errors["division"] = web.Translate(v.Lang, "profile.error.division", "Division", rule.Division)
			}
		}
		if len(v.Errors) == 0 {
			_, err := s.DivisionRules.SetDivisionRule(r.Context(), rule)
			if web.ErrorIs(err, pubdata.EINVALID) {
				for field, fe := range pubdata.ErrorFields(err) {
					v.Errors[field] = web.FieldText(v.Lang, fe)
				}
			} else if err != nil {
				return err
			} else {
				web.Redirect(w, r, web.WithQuery("/console/profile", "saved", rule.Division))
				return nil
			}
		}
	}
	return s.Render(w, r, "profile", http.StatusBadRequest, v)
}

// PageDivisionRuleRemove removes a division's rule.
func (s *Server) PageDivisionRuleRemove(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if _, err := s.DivisionRuleEditor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	division := r.PathValue("division")
	if err := s.DivisionRules.RemoveDivisionRule(r.Context(), division); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/profile", "saved", division))
	return nil
}
