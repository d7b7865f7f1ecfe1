package web

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/workday"
)

// Applications for an entry's data, the grants approvals make, and the console's
// notifications (issue 5). Who may do what is the domain's: CanSeeApplication,
// CanDecideApplication, CanDisputeApplication, IsApplicant, CanSeeGrant, CanRevokeGrant.
// Applications and grants the caller may not see are 404.

// ReplyDays returns the working days a provider has to answer an application of the kind:
// ShareReplyDays or OpenReplyDays, or the profile's when they are zero (profile.go; the
// divisions' own rules are ReplyDaysFor's).
func (s *Server) ReplyDays(kind pubdata.ApplicationKind) int {
	return pubdata.ReplyFor(s.Profile, pubdata.ReplyDays{Share: s.ShareReplyDays, Open: s.OpenReplyDays}, nil, kind, "").Days
}

func (s *Server) WorkCalendar() *workday.Calendar {
	if s.Calendar == nil {
		return workday.Default()
	}
	return s.Calendar
}
