package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

// --- the console's moderation queue ---

// commentQueueView is the view of the moderation queue.
type commentQueueView struct {
	web.Page
	Comments []*pubdata.Comment
	Total    int
	NextURL  string
	Error    string
}

func (s *Server) PageCommentQueue(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	a, err := web.RequireModerator(r)
	if err != nil {
		return err
	}
	f := pubdata.CommentFilter{Queue: true, Division: a.Org.Division}
	q := r.URL.Query()
	if f.Limit, f.Cursor, err = web.PageParams(q); err != nil {
		return err
	}
	v := commentQueueView{Page: s.Base(r, true), Error: q.Get("error")}
	var next string
	if v.Comments, v.Total, next, err = svc.FindComments(r.Context(), f); err != nil {
		return err
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if q.Get("moderated") != "" {
		v.Flash = web.Translate(v.Lang, "comments.flash.moderated")
	}
	return s.Render(w, r, "console_comments", http.StatusOK, v)
}

func (s *Server) PageCommentModerate(w http.ResponseWriter, r *http.Request) error {
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
	_, err = svc.ModerateComment(r.Context(), r.PathValue("id"), r.PostForm.Get("decision") == "approve", r.PostForm.Get("reason"))
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/comments", "moderated", "1"))
	case web.ErrorIs(err, pubdata.EINVALID):
		web.Redirect(w, r, web.WithQuery("/console/comments", "error", web.ErrorText(web.LangFrom(r.Context()), err)))
	default:
		return err
	}
	return nil
}
