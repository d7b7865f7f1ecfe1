package portal

import "net/http"

// PageAccountNotifications is the notifications page of citizens', companies' and
// developers' accounts (government users have theirs on the console).
func (s *Server) PageAccountNotifications(w http.ResponseWriter, r *http.Request) error {
	v, err := s.NotificationsPage(r, s.Base(r, false), "/account/notifications")
	if err != nil {
		return err
	}
	return s.Render(w, r, "notifications", http.StatusOK, v)
}

func (s *Server) PageAccountNotificationRead(w http.ResponseWriter, r *http.Request) error {
	return s.NotificationRead(w, r, "/account/notifications")
}
