package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/locale"
	"net/http"
	"slices"
)

func (s *Server) applications() (pubdata.ApplicationService, error) {
	if s.Applications == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Applications are not available on this server.").Keyed("error.not_available.applications_off")
	}
	return s.Applications, nil
}

// applicationFor returns the application of the path's {id} if the caller may see it.
func (s *Server) applicationFor(r *http.Request) (*pubdata.Actor, *pubdata.Application, error) {
	svc, err := s.applications()
	if err != nil {
		return nil, nil, err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	app, err := pubdata.FindApplicationFor(r.Context(), svc, a, r.PathValue("id"))
	return a, app, err
}

// ApiApplicationCreate records an application of the caller, due ReplyDays working days
// after today by the calendar.
func (s *Server) ApiApplicationCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.applications()
	if err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	var c pubdata.ApplicationCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	var e *pubdata.Entry
	if c.Entry != "" {
		e, err = s.Entries.FindPublishedEntry(r.Context(), c.Entry)
		switch {
		case web.ErrorIs(err, pubdata.ENOTFOUND):
			e = nil
		case err != nil:
			return err
		case !pubdata.CanViewPublished(a, e) && !(c.Kind == pubdata.KindOpen && e.OpenClass == pubdata.ClassNone):
			e = nil // as if it did not exist; the negative list is public (SX27)
		}
	}
	app, err := svc.CreateApplication(r.Context(), e, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, app)
	return nil
}

var appStatuses = []pubdata.ApplicationStatus{pubdata.AppPending, pubdata.AppApproved, pubdata.AppRejected, pubdata.AppDisputed, pubdata.AppWithdrawn, pubdata.AppExpired}

// ApiApplicationList lists applications by role: mine (the caller's own; an
// organisation's admin sees all of the organisation's), incoming (to the caller's
// organisation as provider), authority (of entries in the caller's authority's division).
func (s *Server) ApiApplicationList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.applications()
	if err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := pubdata.ApplicationScope(a, q.Get("role"))
	if err != nil {
		return err
	}
	if f.Limit, f.Cursor, err = web.PageParams(q); err != nil {
		return err
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(appStatuses, pubdata.ApplicationStatus(v)) {
			return web.ParamError("status", pubdata.NewMessage("error.param.application_status", "Value", v),
				"must be one of pending, approved, rejected, disputed, withdrawn, expired, not %q.", v)
		}
		f.Status = pubdata.ApplicationStatus(v)
	}
	switch v := q.Get("kind"); v {
	case "", string(pubdata.KindShare), string(pubdata.KindOpen):
		f.Kind = pubdata.ApplicationKind(v)
	default:
		return web.ParamError("kind", pubdata.NewMessage("error.param.application_kind", "Value", v), "must be share or open, not %q.", v)
	}
	if f.Overdue, err = web.BoolParam(r, "overdue"); err != nil {
		return err
	}
	list, total, next, err := svc.FindApplications(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

// ApplicationReply is an application with its transitions.
type ApplicationReply struct {
	*pubdata.Application
	Events []*pubdata.ApplicationEvent `json:"events"`
}

func (s *Server) ApiApplicationGet(w http.ResponseWriter, r *http.Request) error {
	_, app, err := s.applicationFor(r)
	if err != nil {
		return err
	}
	evs, err := s.Applications.FindApplicationEvents(r.Context(), app.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ApplicationReply{Application: app, Events: evs})
	return nil
}

// ApiApplicationDecide answers an application: the provider's admins and reviewers a
// pending one, the covering authority a disputed one.
func (s *Server) ApiApplicationDecide(w http.ResponseWriter, r *http.Request) error {
	a, app, err := s.applicationFor(r)
	if err != nil {
		return err
	}
	var d pubdata.ApplicationDecision
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	if !s.CanDecideApplication(a, app) {
		switch app.Status {
		case pubdata.AppPending:
			return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of the provider may answer this application.").Keyed("error.application.answer_forbidden")
		case pubdata.AppDisputed:
			return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of an authority covering the entry's division may decide this dispute.").Keyed("error.application.dispute_decide_forbidden")
		}
		return pubdata.Errorf(pubdata.ECONFLICT, "An application that is %s cannot be decided.", app.Status).
			Keyed("error.application.not_decidable", "Status", app.Status)
	}
	out, err := s.Applications.DecideApplication(r.Context(), app.ID, &d)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// reasonRequest is the body of dispute and revoke.
type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) ApiApplicationDispute(w http.ResponseWriter, r *http.Request) error {
	a, app, err := s.applicationFor(r)
	if err != nil {
		return err
	}
	var body reasonRequest
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	if !pubdata.CanDisputeApplication(a, app) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the applicant may dispute a rejection.").Keyed("error.application.dispute_forbidden")
	}
	out, err := s.Applications.DisputeApplication(r.Context(), app.ID, body.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) ApiApplicationWithdraw(w http.ResponseWriter, r *http.Request) error {
	a, app, err := s.applicationFor(r)
	if err != nil {
		return err
	}
	if !pubdata.IsApplicant(a, app) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the applicant may withdraw an application.").Keyed("error.application.withdraw_forbidden")
	}
	out, err := s.Applications.WithdrawApplication(r.Context(), app.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// GrantListReply is a page of grants (FindGrants counts none).
type GrantListReply struct {
	Items []*pubdata.Grant `json:"items"`
	Next  string           `json:"next"`
}

// ApiGrantList lists grants by role: mine (held by the caller's organisation, or by the
// public user), provided (made by the caller's organisation as provider); live=true only
// the live ones.
func (s *Server) ApiGrantList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.applications()
	if err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := pubdata.GrantScope(a, q.Get("role"))
	if err != nil {
		return err
	}
	if f.Limit, f.Cursor, err = web.PageParams(q); err != nil {
		return err
	}
	f.Entry = q.Get("entry")
	live, err := web.BoolParam(r, "live")
	if err != nil {
		return err
	}
	if live {
		now := s.Now()
		f.LiveAt = &now
	}
	list, next, err := svc.FindGrants(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*pubdata.Grant{}
	}
	web.WriteJSON(w, http.StatusOK, GrantListReply{Items: list, Next: next})
	return nil
}

// grantFor returns the grant of the path's {id} and its entry's division if the caller may
// see it.
func (s *Server) grantFor(r *http.Request) (*pubdata.Actor, *pubdata.Grant, string, error) {
	svc, err := s.applications()
	if err != nil {
		return nil, nil, "", err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, nil, "", err
	}
	g, app, err := pubdata.FindGrantFor(r.Context(), svc, a, r.PathValue("id"))
	if err != nil {
		return nil, nil, "", err
	}
	return a, g, app.Division, nil
}

func (s *Server) ApiGrantGet(w http.ResponseWriter, r *http.Request) error {
	_, g, _, err := s.grantFor(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, g)
	return nil
}

// ApiGrantRevoke revokes a live grant: the provider's admins and reviewers, or the covering
// authority.
func (s *Server) ApiGrantRevoke(w http.ResponseWriter, r *http.Request) error {
	a, g, division, err := s.grantFor(r)
	if err != nil {
		return err
	}
	var body reasonRequest
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	if !pubdata.CanRevokeGrant(a, g, division) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of the provider, or the covering authority, may revoke a grant.").Keyed("error.grant.revoke_forbidden_one")
	}
	out, err := s.Applications.RevokeGrant(r.Context(), g.ID, body.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// NotificationListReply is a page of the caller's notifications with the unread count.
type NotificationListReply struct {
	Items  []notificationReply `json:"items"`
	Unread int                 `json:"unread"`
	Next   string              `json:"next"`
}

// notificationReply is a notification with its text rendered now in Chinese (text) and
// English (text_en) from its key and parameters.
type notificationReply struct {
	*pubdata.Notification
	Text   string `json:"text"`
	TextEn string `json:"text_en"`
}

func (s *Server) ApiNotificationList(w http.ResponseWriter, r *http.Request) error {
	if s.Notifications == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Notifications are not available on this server.").Keyed("error.not_available.notifications_off")
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	unread, err := web.BoolParam(r, "unread")
	if err != nil {
		return err
	}
	list, n, next, err := s.Notifications.FindNotifications(r.Context(), unread, limit, cursor)
	if err != nil {
		return err
	}
	reply := NotificationListReply{Unread: n, Next: next}
	for _, x := range list {
		reply.Items = append(reply.Items, notificationReply{Notification: x, Text: locale.Notice(locale.ZH, x.Key, x.Params), TextEn: locale.Notice(locale.EN, x.Key, x.Params)})
	}
	web.WriteJSON(w, http.StatusOK, reply)
	return nil
}

func (s *Server) ApiNotificationRead(w http.ResponseWriter, r *http.Request) error {
	if s.Notifications == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Notifications are not available on this server.").Keyed("error.not_available.notifications_off")
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	if err := s.Notifications.MarkNotificationRead(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
