package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
)

// Ratings and moderated comments on published entries (issue 6 item 6): the JSON API, the
// section of the portal's entry page (html/partials/feedback.html, with the entry's usage
// counts) and the console's moderation queue. Who may moderate is the domain's
// (CanModerateComment); the store checks it again.

func (s *Server) FeedbackService() (pubdata.FeedbackService, error) {
	if s.Feedback == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Ratings and comments are not available on this server.").Keyed("error.not_available.feedback")
	}
	return s.Feedback, nil
}

// VisibleEntry returns the published entry of ref if the caller may see it.
func (s *Server) VisibleEntry(r *http.Request, ref string) (*pubdata.Entry, error) {
	e, err := s.Entries.FindPublishedEntry(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewPublished(pubdata.ActorFromContext(r.Context()), e) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q not found.", ref).Keyed("error.entry.not_found_ref", "ID", ref)
	}
	return e, nil
}

// RequireModerator returns the caller if an authority's admin or reviewer.
func RequireModerator(r *http.Request) (*pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.IsModerator(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's admins and reviewers moderate comments.").Keyed("error.feedback.moderate_forbidden_any")
	}
	return a, nil
}
