package api

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// ApiCompliance is GET /api/v1/compliance?division=&org=&kind=a,b: the current findings of
// non-compliance in the division (the caller's authority's by default), by unit (H3).
func (s *Server) ApiCompliance(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var kinds []string
	if k := strings.TrimSpace(q.Get("kind")); k != "" {
		for _, x := range strings.Split(k, ",") {
			x = strings.TrimSpace(x)
			if !contains(pubdata.FindingKinds, x) {
				return web.ParamError("kind", pubdata.NewMessage("error.param.finding_kind", "Value", x, "Kinds", strings.Join(pubdata.FindingKinds, ", ")),
					"must name finding kinds (%s), not %q.", strings.Join(pubdata.FindingKinds, ", "), x)
			}
			kinds = append(kinds, x)
		}
	}
	rep, err := s.ComplianceReport(r, strings.TrimSpace(q.Get("division")), strings.TrimSpace(q.Get("org")), kinds)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ApiRectificationCreate is POST /api/v1/rectifications {"org","findings":[ref…],"request",
// "workdays"}: an authority's order to a unit (201).
func (s *Server) ApiRectificationCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var c pubdata.RectificationCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	o, err := s.IssueRectification(r, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, o)
	return nil
}

// ApiRectificationList is GET /api/v1/rectifications?status=&limit=&cursor=: the orders of
// the caller's unit, or of the caller's authority's division.
func (s *Server) ApiRectificationList(w http.ResponseWriter, r *http.Request) error {
	list, next, err := s.Rectifications(r)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*pubdata.Rectification{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "next": next})
	return nil
}

// ApiRectificationGet is GET /api/v1/rectifications/{id}: the order with its history.
func (s *Server) ApiRectificationGet(w http.ResponseWriter, r *http.Request) error {
	_, o, err := s.RectificationFor(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, o)
	return nil
}

type rectificationStepBody struct {
	Answer string `json:"answer"`
	Note   string `json:"note"`
}

// ApiRectificationStep is POST /api/v1/rectifications/{id}/answer {"answer"} (the unit's
// admin), …/close {"note"} and …/return {"note"} (the authority).
func (s *Server) ApiRectificationStep(step pubdata.RectificationStep) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := web.RequireUser(r); err != nil {
			return err
		}
		var body rectificationStepBody
		if err := web.DecodeJSON(r, &body); err != nil {
			return err
		}
		text := body.Note
		if step == pubdata.RectificationAnswer {
			text = body.Answer
		}
		o, err := s.StepRectification(r, step, text)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, o)
		return nil
	}
}

// ApiOpenFindings is GET /api/v1/entries/{id}/open-findings: the opened-data findings (E7)
// of the entry and the columns withheld from the public, to its provider's users and the
// covering authority.
func (s *Server) ApiOpenFindings(w http.ResponseWriter, r *http.Request) error {
	e, list, err := s.OpenFindings(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if list == nil {
		list = []*pubdata.OpenFinding{}
	}
	withheld := []string{}
	if s.Data != nil {
		if cols, err := s.Data.Withheld(r.Context(), e.ID); err != nil {
			return err
		} else if cols != nil {
			withheld = cols
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"entry": e.ID, "withheld": withheld, "items": list})
	return nil
}

// ApiOpenFindingResolve is POST /api/v1/open-findings/{id}/resolve {"note"}: the authority
// resolves a finding; its columns return to the public unless another finding holds them.
func (s *Server) ApiOpenFindingResolve(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var body struct {
		Note string `json:"note"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	f, err := s.ResolveOpenFinding(r, r.PathValue("id"), body.Note)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, f)
	return nil
}
