package web

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

// The notifications page: on the console for government users (/console/notifications),
// on the account pages for everyone else (/account/notifications). Each user sees only
// their own (the service scopes by the caller).

// NoticeRow is a notification as the page shows it.
type NoticeRow struct {
	*pubdata.Notification
	Text string // in the page's language
}

// NotificationsView is the view of the notifications page; Base is the page's path.
type NotificationsView struct {
	Page
	Base     string
	Notices  []NoticeRow
	Unread   int
	Only     bool // only unread ones
	AllURL   string
	OnlyURL  string
	NextURL  string
	FirstURL string
}

// NotificationService returns the notifications, or ENOTFOUND when the server keeps none.
func (s *Server) NotificationService() (pubdata.NotificationService, error) {
	if s.Notifications == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server keeps no notifications.").Keyed("error.not_available.notifications")
	}
	return s.Notifications, nil
}

// NotificationsPage lists the signed-in caller's notifications for the page p at base:
// ?unread=1 only the unread ones, paged by ?cursor= and ?limit=.
func (s *Server) NotificationsPage(r *http.Request, p Page, base string) (*NotificationsView, error) {
	if _, err := ConsoleActor(r); err != nil {
		return nil, err
	}
	svc, err := s.NotificationService()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	limit, cursor, err := PageParams(q)
	if err != nil {
		return nil, err
	}
	v := &NotificationsView{Page: p, Base: base, Only: q.Get("unread") != "", AllURL: base, OnlyURL: base + "?unread=1"}
	list, unread, next, err := svc.FindNotifications(r.Context(), v.Only, limit, cursor)
	if err != nil {
		return nil, err
	}
	v.Unread = unread
	for _, n := range list {
		v.Notices = append(v.Notices, NoticeRow{Notification: n, Text: locale.Notice(v.Lang, n.Key, n.Params)})
	}
	if next != "" {
		v.NextURL = PageLink(r, "cursor", next)
	}
	if cursor != "" {
		v.FirstURL = PageLink(r, "cursor", "")
	}
	return v, nil
}

// NotificationRead marks the caller's notification {id} read, then returns to the form's
// next (a local path) or to base. Another user's notification is "not found".
func (s *Server) NotificationRead(w http.ResponseWriter, r *http.Request, base string) error {
	if _, err := ConsoleActor(r); err != nil {
		return err
	}
	svc, err := s.NotificationService()
	if err != nil {
		return err
	}
	if err := ParseForm(r); err != nil {
		return err
	}
	if err := svc.MarkNotificationRead(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	Redirect(w, r, LocalPath(r.PostForm.Get("next"), base))
	return nil
}
