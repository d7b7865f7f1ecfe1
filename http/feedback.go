package http

import (
	"net/http"
	"strconv"

	"github.com/pubdata/pubdata"
)

// Ratings and moderated comments on published entries (issue 6 item 6): the JSON API, the
// section of the portal's entry page (html/partials/feedback.html, with the entry's usage
// counts) and the console's moderation queue. Who may moderate is the domain's
// (CanModerateComment); the store checks it again.

func (s *Server) feedback() (pubdata.FeedbackService, error) {
	if s.Feedback == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Ratings and comments are not available on this server.").Keyed("error.not_available.feedback")
	}
	return s.Feedback, nil
}

// visibleEntry returns the published entry of ref if the caller may see it.
func (s *Server) visibleEntry(r *http.Request, ref string) (*pubdata.Entry, error) {
	e, err := s.Entries.FindPublishedEntry(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewPublished(pubdata.ActorFromContext(r.Context()), e) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q not found.", ref).Keyed("error.entry.not_found_ref", "ID", ref)
	}
	return e, nil
}

func (s *Server) apiRatingGet(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	e, err := s.visibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	rt, err := svc.EntryRating(r.Context(), e.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rt)
	return nil
}

func (s *Server) apiRatingPut(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	e, err := s.visibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var body struct {
		Stars int `json:"stars"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	rt, err := svc.RateEntry(r.Context(), e, body.Stars)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rt)
	return nil
}

// apiCommentList returns the entry's approved comments, oldest first.
func (s *Server) apiCommentList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	e, err := s.visibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := pubdata.CommentFilter{Entry: e.ID, Status: pubdata.CommentApproved}
	if f.Limit, f.Cursor, err = pageParams(r.URL.Query()); err != nil {
		return err
	}
	list, total, next, err := svc.FindComments(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, total, next))
	return nil
}

func (s *Server) apiCommentCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	e, err := s.visibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var c pubdata.CommentCreate
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	cm, err := svc.AddComment(r.Context(), e, &c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cm)
	return nil
}

// apiEntryUsage returns the entry's uses: views, downloads and API calls (from and to
// bound the days, YYYY-MM-DD).
func (s *Server) apiEntryUsage(w http.ResponseWriter, r *http.Request) error {
	if s.Usage == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Usage counts are not available on this server.").Keyed("error.not_available.usage")
	}
	e, err := s.visibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	t, err := s.Usage.EntryUsage(r.Context(), e.ID, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// apiCommentQueue returns the moderation queue of the caller's authority: pending comments
// and reported ones on entries in its division.
func (s *Server) apiCommentQueue(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	a, err := requireModerator(r)
	if err != nil {
		return err
	}
	f := pubdata.CommentFilter{Queue: true, Division: a.Org.Division}
	if f.Limit, f.Cursor, err = pageParams(r.URL.Query()); err != nil {
		return err
	}
	list, total, next, err := svc.FindComments(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, total, next))
	return nil
}

// requireModerator returns the caller if an authority's admin or reviewer.
func requireModerator(r *http.Request) (*pubdata.Actor, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.IsModerator(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's admins and reviewers moderate comments.").Keyed("error.feedback.moderate_forbidden_any")
	}
	return a, nil
}

func (s *Server) apiCommentModerate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	var body struct {
		Decision string `json:"decision"` // approve or reject
		Reason   string `json:"reason"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if body.Decision != "approve" && body.Decision != "reject" {
		return pubdata.FieldErrorf("decision", "Decision %q is not approve or reject.", body.Decision)
	}
	c, err := svc.ModerateComment(r.Context(), r.PathValue("id"), body.Decision == "approve", body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiCommentReport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := requireUser(r); err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	c, err := svc.ReportComment(r.Context(), r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// --- the entry page's section ---

// feedbackView is the entry page's usage, rating and comments section
// (html/partials/feedback.html).
type feedbackView struct {
	Entry    *pubdata.Entry
	Usage    *pubdata.UsageTotals // nil: not counted
	Rating   *pubdata.Rating
	Comments []*pubdata.Comment // approved, oldest first
	Mine     []*pubdata.Comment // the signed-in user's pending or rejected ones
	SignedIn bool
	Provider bool // the visitor is of the entry's provider: may reply
	LoginURL string
	Stars    []int
}

// FeedbackView returns the entry page's section for the visitor (nil when neither usage
// nor feedback is kept). P5's entry page includes it with {{template "feedback" .Feedback}}.
func (s *Server) FeedbackView(r *http.Request, e *pubdata.Entry) *feedbackView {
	if s.Feedback == nil && s.Usage == nil {
		return nil
	}
	a := pubdata.ActorFromContext(r.Context())
	v := &feedbackView{Entry: e, Usage: s.EntryUsage(r, e.ID), SignedIn: !a.Anonymous(), Provider: pubdata.IsProviderOf(a, e),
		LoginURL: withQuery("/login", "next", "/catalog/"+e.ID), Stars: []int{5, 4, 3, 2, 1}}
	if s.Feedback == nil {
		return v
	}
	var err error
	if v.Rating, err = s.Feedback.EntryRating(r.Context(), e.ID); err != nil {
		s.Logger.Error("entry rating", "entry", e.ID, "error", err.Error())
		return v
	}
	if v.Comments, _, _, err = s.Feedback.FindComments(r.Context(), pubdata.CommentFilter{Entry: e.ID, Status: pubdata.CommentApproved, Limit: pubdata.MaxLimit}); err != nil {
		s.Logger.Error("entry comments", "entry", e.ID, "error", err.Error())
	}
	if !a.Anonymous() {
		mine, _, _, err := s.Feedback.FindComments(r.Context(), pubdata.CommentFilter{Entry: e.ID, Username: a.Username(), Limit: pubdata.MaxLimit})
		if err == nil {
			for _, c := range mine {
				if c.Status != pubdata.CommentApproved {
					v.Mine = append(v.Mine, c)
				}
			}
		}
	}
	return v
}

func (s *Server) pageRate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	e, err := s.visibleEntry(r, r.PathValue("ref"))
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	stars, _ := strconv.Atoi(r.PostForm.Get("stars"))
	if _, err := svc.RateEntry(r.Context(), e, stars); err != nil {
		return err
	}
	redirect(w, r, "/catalog/"+e.ID+"#feedback")
	return nil
}

func (s *Server) pageComment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	e, err := s.visibleEntry(r, r.PathValue("ref"))
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := svc.AddComment(r.Context(), e, &pubdata.CommentCreate{Body: r.PostForm.Get("body"), ReplyTo: r.PostForm.Get("reply_to")}); err != nil {
		return err
	}
	redirect(w, r, "/catalog/"+e.ID+"#feedback")
	return nil
}

func (s *Server) pageCommentReport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := svc.ReportComment(r.Context(), r.PathValue("id"), r.PostForm.Get("reason")); err != nil && !errorIs(err, pubdata.ECONFLICT) {
		return err
	}
	redirect(w, r, "/catalog/"+r.PathValue("ref")+"#feedback")
	return nil
}

// --- the console's moderation queue ---

// commentQueueView is the view of the moderation queue.
type commentQueueView struct {
	page
	Comments []*pubdata.Comment
	Total    int
	NextURL  string
	Error    string
}

func (s *Server) pageCommentQueue(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	a, err := requireModerator(r)
	if err != nil {
		return err
	}
	f := pubdata.CommentFilter{Queue: true, Division: a.Org.Division}
	q := r.URL.Query()
	if f.Limit, f.Cursor, err = pageParams(q); err != nil {
		return err
	}
	v := commentQueueView{page: s.base(r, true), Error: q.Get("error")}
	var next string
	if v.Comments, v.Total, next, err = svc.FindComments(r.Context(), f); err != nil {
		return err
	}
	if next != "" {
		v.NextURL = pageLink(r, "cursor", next)
	}
	if q.Get("moderated") != "" {
		v.Flash = translate(v.Lang, "comments.flash.moderated")
	}
	return s.render(w, r, "console_comments", http.StatusOK, v)
}

func (s *Server) pageCommentModerate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.feedback()
	if err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err = svc.ModerateComment(r.Context(), r.PathValue("id"), r.PostForm.Get("decision") == "approve", r.PostForm.Get("reason"))
	switch {
	case err == nil:
		redirect(w, r, withQuery("/console/comments", "moderated", "1"))
	case errorIs(err, pubdata.EINVALID):
		redirect(w, r, withQuery("/console/comments", "error", errorText(langFrom(r.Context()), err)))
	default:
		return err
	}
	return nil
}
