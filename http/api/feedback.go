package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

func (s *Server) ApiRatingGet(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	e, err := s.VisibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	rt, err := svc.EntryRating(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rt)
	return nil
}

func (s *Server) ApiRatingPut(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	e, err := s.VisibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var body struct {
		Stars int `json:"stars"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	rt, err := svc.RateEntry(r.Context(), e, body.Stars)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rt)
	return nil
}

// ApiCommentList returns the entry's approved comments, oldest first.
func (s *Server) ApiCommentList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	e, err := s.VisibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := pubdata.CommentFilter{Entry: e.ID, Status: pubdata.CommentApproved}
	if f.Limit, f.Cursor, err = web.PageParams(r.URL.Query()); err != nil {
		return err
	}
	list, total, next, err := svc.FindComments(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiCommentCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	e, err := s.VisibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var c pubdata.CommentCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	cm, err := svc.AddComment(r.Context(), e, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, cm)
	return nil
}

// ApiEntryUsage returns the entry's uses: views, downloads and API calls (from and to
// bound the days, YYYY-MM-DD).
func (s *Server) ApiEntryUsage(w http.ResponseWriter, r *http.Request) error {
	if s.Usage == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Usage counts are not available on this server.").Keyed("error.not_available.usage")
	}
	e, err := s.VisibleEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	t, err := s.Usage.EntryUsage(r.Context(), e.ID, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, t)
	return nil
}

// ApiCommentQueue returns the moderation queue of the caller's authority: pending comments
// and reported ones on entries in its division.
func (s *Server) ApiCommentQueue(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	a, err := web.RequireModerator(r)
	if err != nil {
		return err
	}
	f := pubdata.CommentFilter{Queue: true, Division: a.Org.Division}
	if f.Limit, f.Cursor, err = web.PageParams(r.URL.Query()); err != nil {
		return err
	}
	list, total, next, err := svc.FindComments(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiCommentModerate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var body struct {
		Decision string `json:"decision"` // approve or reject
		Reason   string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Decision != "approve" && body.Decision != "reject" {
		return pubdata.FieldErrorf("decision", "Decision %q is not approve or reject.", body.Decision).
			Keyed("error.decision.unknown", "Decision", body.Decision)
	}
	c, err := svc.ModerateComment(r.Context(), r.PathValue("id"), body.Decision == "approve", body.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) ApiCommentReport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.FeedbackService()
	if err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	c, err := svc.ReportComment(r.Context(), r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}
