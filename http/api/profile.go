package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Regions as profiles (issue 17 item 5): the platform's regional rules with the articles
// they come from, and the divisions' own reply days.

// ApiProfile shows the active profile (public): its reply days, share and open classes with
// their labels in the request's language (?lang= or Accept-Language), who answers
// applications, the negative-list regime, each with its article, and the division rules.
func (s *Server) ApiProfile(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ProfileView(r.Context(), requestLang(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, v)
	return nil
}

// ApiDivisionRules lists the division rules (public: the deadlines are the public's to know).
func (s *Server) ApiDivisionRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.DivisionRulesNow(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(rules, len(rules), ""))
	return nil
}

// divisionRuleRequest is the body of PUT /api/v1/profile/divisions/{division}.
type divisionRuleRequest struct {
	ShareReplyDays int    `json:"share_reply_days"`
	OpenReplyDays  int    `json:"open_reply_days"`
	Basis          string `json:"basis"`
}

// ApiDivisionRuleSet sets a division's own reply days (the platform authority's admins).
func (s *Server) ApiDivisionRuleSet(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.DivisionRuleEditor(r); err != nil {
		return err
	}
	var req divisionRuleRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	rule, err := s.DivisionRules.SetDivisionRule(r.Context(), &pubdata.DivisionRule{Division: r.PathValue("division"),
		ShareReplyDays: req.ShareReplyDays, OpenReplyDays: req.OpenReplyDays, Basis: req.Basis})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rule)
	return nil
}

// ApiDivisionRuleRemove removes a division's rule (the platform authority's admins).
func (s *Server) ApiDivisionRuleRemove(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.DivisionRuleEditor(r); err != nil {
		return err
	}
	if err := s.DivisionRules.RemoveDivisionRule(r.Context(), r.PathValue("division")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
