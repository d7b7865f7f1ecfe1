package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strconv"
)

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
		LoginURL: web.WithQuery("/login", "next", "/catalog/"+e.ID), Stars: []int{5, 4, 3, 2, 1}}
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

func (s *Server) PageRate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	e, err := s.VisibleEntry(r, r.PathValue("ref"))
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	stars, _ := strconv.Atoi(r.PostForm.Get("stars"))
	if _, err := svc.RateEntry(r.Context(), e, stars); err != nil {
		return err
	}
	web.Redirect(w, r, "/catalog/"+e.ID+"#feedback")
	return nil
}

func (s *Server) PageComment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	e, err := s.VisibleEntry(r, r.PathValue("ref"))
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := svc.AddComment(r.Context(), e, &pubdata.CommentCreate{Body: r.PostForm.Get("body"), ReplyTo: r.PostForm.Get("reply_to")}); err != nil {
		return err
	}
	web.Redirect(w, r, "/catalog/"+e.ID+"#feedback")
	return nil
}

func (s *Server) PageCommentReport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := svc.ReportComment(r.Context(), r.PathValue("id"), r.PostForm.Get("reason")); err != nil && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return err
	}
	web.Redirect(w, r, "/catalog/"+r.PathValue("ref")+"#feedback")
	return nil
}
