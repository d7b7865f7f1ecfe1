package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- non-compliance and rectification (H3) ---

// complianceView is the authority's compliance page: the current findings by unit, each
// unit with the form that orders it to rectify them.
type complianceView struct {
	web.Page
	Report *web.ComplianceReport
	// The form as entered (for FormOrg), and its problems.
	FormOrg, FormRequest, FormWorkdays string
	FormFindings                       []string
	Errors                             web.FormErrors
	DefaultDays                        int
}

// Checked reports whether the finding's box is ticked: all of a unit's by default, the ones
// entered when the form comes back.
func (v *complianceView) Checked(org, ref string) bool {
	if org != v.FormOrg || v.FormFindings == nil {
		return true
	}
	for _, f := range v.FormFindings {
		if f == ref {
			return true
		}
	}
	return false
}

func (s *Server) complianceView(r *http.Request) (*complianceView, error) {
	rep, err := s.ComplianceReport(r, "", "", nil)
	if err != nil {
		return nil, err
	}
	return &complianceView{Page: s.Base(r, true), Report: rep, Errors: web.FormErrors{}, DefaultDays: pubdata.DefaultRectificationDays}, nil
}

// PageCompliance is GET /console/compliance.
func (s *Server) PageCompliance(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	v, err := s.complianceView(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "compliance", http.StatusOK, v)
}

// PageComplianceIssue is POST /console/compliance: an order to a unit.
func (s *Server) PageComplianceIssue(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	c := &pubdata.RectificationCreate{Org: strings.TrimSpace(r.PostForm.Get("org")), Findings: r.PostForm["findings"], Request: r.PostForm.Get("request")}
	days := strings.TrimSpace(r.PostForm.Get("workdays"))
	lang := web.LangFrom(r.Context())
	errs := web.FormErrors{}
	if n, err := strconv.Atoi(days); err != nil && days != "" {
		errs["workdays"] = web.Translate(lang, "compliance.error.workdays", "Max", pubdata.MaxRectificationDays)
	} else {
		c.Workdays = n
	}
	if len(c.Findings) == 0 {
		errs["findings"] = web.Translate(lang, "compliance.error.findings")
	}
	if len(errs) == 0 {
		o, err := s.IssueRectification(r, c)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/rectifications/"+o.ID, "issued", "1"))
			return nil
		case web.ErrorIs(err, pubdata.EINVALID), web.ErrorIs(err, pubdata.ECONFLICT), web.ErrorIs(err, pubdata.EFORBIDDEN), web.ErrorIs(err, pubdata.ENOTFOUND):
			for field, p := range pubdata.ErrorFields(err) {
				errs[field] = web.FieldText(lang, p)
			}
			if len(errs) == 0 {
				errs[""] = web.ErrorText(lang, err)
			}
		default:
			return err
		}
	}
	v, err := s.complianceView(r)
	if err != nil {
		return err
	}
	v.FormOrg, v.FormRequest, v.FormWorkdays, v.FormFindings, v.Errors = c.Org, r.PostForm.Get("request"), days, c.Findings, errs
	if v.FormFindings == nil {
		v.FormFindings = []string{}
	}
	return s.Render(w, r, "compliance", http.StatusBadRequest, v)
}

// rectificationsView is the list of orders: a unit's, or an authority's division's.
type rectificationsView struct {
	web.Page
	Items      []*pubdata.Rectification
	NextURL    string
	Status     string
	Statuses   []string
	Supervisor bool
}

// PageRectifications is GET /console/rectifications.
func (s *Server) PageRectifications(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	list, next, err := s.Rectifications(r)
	if err != nil {
		return err
	}
	v := &rectificationsView{Page: s.Base(r, true), Items: list, Status: r.URL.Query().Get("status"),
		Statuses: []string{"issued", "answered", "returned", "closed"}, Supervisor: pubdata.IsSupervisor(a)}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	return s.Render(w, r, "rectifications", http.StatusOK, v)
}

// rectificationView is one order with the forms the viewer may use.
type rectificationView struct {
	web.Page
	R                 *pubdata.Rectification
	CanAnswer         bool
	CanDecide         bool
	Text              string
	Errors            web.FormErrors
	Issued, Completed bool
}

func (s *Server) rectificationView(r *http.Request) (*rectificationView, error) {
	a, o, err := s.RectificationFor(r)
	if err != nil {
		return nil, err
	}
	_, errAnswer := pubdata.NextRectificationStatus(o.Status, pubdata.RectificationAnswer)
	_, errDecide := pubdata.NextRectificationStatus(o.Status, pubdata.RectificationClose)
	q := r.URL.Query()
	return &rectificationView{Page: s.Base(r, true), R: o, Errors: web.FormErrors{},
		CanAnswer: errAnswer == nil && pubdata.CanAnswerRectification(a, o), CanDecide: errDecide == nil && pubdata.CanDecideRectification(a, o),
		Issued: q.Get("issued") != "", Completed: q.Get("done") != ""}, nil
}

// PageRectification is GET /console/rectifications/{id}.
func (s *Server) PageRectification(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	v, err := s.rectificationView(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "rectification", http.StatusOK, v)
}

// PageRectificationStep is POST /console/rectifications/{id}/answer|close|return.
func (s *Server) PageRectificationStep(step pubdata.RectificationStep) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := web.ConsoleActor(r); err != nil {
			return err
		}
		if err := web.ParseForm(r); err != nil {
			return err
		}
		text := r.PostForm.Get("text")
		o, err := s.StepRectification(r, step, text)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/rectifications/"+o.ID, "done", string(step)))
			return nil
		case !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT):
			return err
		}
		v, verr := s.rectificationView(r)
		if verr != nil {
			return verr
		}
		lang := web.LangFrom(r.Context())
		for _, p := range pubdata.ErrorFields(err) {
			v.Errors["text"] = web.FieldText(lang, p)
		}
		if len(v.Errors) == 0 {
			v.Errors[""] = web.ErrorText(lang, err)
		}
		v.Text = text
		return s.Render(w, r, "rectification", http.StatusBadRequest, v)
	}
}

// PageOpenFindingResolve is POST /console/entries/{id}/open-findings/{fid}/resolve.
func (s *Server) PageOpenFindingResolve(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, note := r.PathValue("fid"), r.PostForm.Get("note")
	f, err := s.ResolveOpenFinding(r, id, note)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/console/entries/"+f.Entry, "finding_resolved", "1")+"#openwatch")
		return nil
	}
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return err
	}
	e, ferr := s.findWorkingCopy(r, a)
	if ferr != nil {
		return ferr
	}
	v, verr := s.entryDetailView(r, a, e)
	if verr != nil {
		return verr
	}
	lang := web.LangFrom(r.Context())
	v.FindingErrors = web.FormErrors{}
	for _, p := range pubdata.ErrorFields(err) {
		v.FindingErrors["note"] = web.FieldText(lang, p)
	}
	if len(v.FindingErrors) == 0 {
		v.FindingErrors[""] = web.ErrorText(lang, err)
	}
	v.FindingFormID, v.FindingNote = id, note
	return s.Render(w, r, "entry", http.StatusBadRequest, v)
}

// PageDiscoveryDecide is POST /console/entries/{id}/discoveries/{did}/accept and
// …/dismiss {reason}: the entry page's discovery forms (issue 15 item 3).
func (s *Server) PageDiscoveryDecide(accept bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := entryOrgActor(r)
		if err != nil {
			return err
		}
		if err := web.ParseForm(r); err != nil {
			return err
		}
		id, reason := r.PathValue("did"), r.PostForm.Get("reason")
		d, err := s.DecideDiscovery(r, id, accept, reason)
		if err == nil {
			flag := "discovery_dismissed"
			if accept {
				flag = "discovery_accepted"
			}
			web.Redirect(w, r, web.WithQuery("/console/entries/"+d.Entry, flag, "1")+"#discoveries")
			return nil
		}
		if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) {
			return err
		}
		e, ferr := s.findWorkingCopy(r, a)
		if ferr != nil {
			return ferr
		}
		v, verr := s.entryDetailView(r, a, e)
		if verr != nil {
			return verr
		}
		lang := web.LangFrom(r.Context())
		v.DiscoveryErrors = web.FormErrors{}
		for _, p := range pubdata.ErrorFields(err) {
			v.DiscoveryErrors["reason"] = web.FieldText(lang, p)
		}
		if len(v.DiscoveryErrors) == 0 {
			v.DiscoveryErrors[""] = web.ErrorText(lang, err)
		}
		v.DiscoveryFormID, v.DiscoveryReason = id, reason
		return s.Render(w, r, "entry", http.StatusBadRequest, v)
	}
}
