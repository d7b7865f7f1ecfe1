package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
)

// The console's sharing pages (共享): the share catalogue to apply from, the apply form, the
// applications (mine, the provider's incoming queue, the authority's board), an
// application's page with its decision, dispute and withdraw forms and its history, grants
// on both sides with the revoke form, and the notifications. Who may do what is the
// domain's: CanSeeApplication, CanDecideApplication, CanDisputeApplication, IsApplicant,
// CanSeeGrant, CanRevokeGrant; the store checks the workflow and the scope.

// Labels of the sharing pages' closed sets.
var (
	AppStatusOptions = []CatOption{
		{Value: string(pubdata.AppPending), Key: "app.status.pending"},
		{Value: string(pubdata.AppApproved), Key: "app.status.approved"},
		{Value: string(pubdata.AppRejected), Key: "app.status.rejected"},
		{Value: string(pubdata.AppDisputed), Key: "app.status.disputed"},
		{Value: string(pubdata.AppWithdrawn), Key: "app.status.withdrawn"},
		{Value: string(pubdata.AppExpired), Key: "app.status.expired"},
	}
	AppKindOptions = []CatOption{
		{Value: string(pubdata.KindShare), Key: "app.kind.share"},
		{Value: string(pubdata.KindOpen), Key: "app.kind.open"},
	}
	AppActionOptions = []CatOption{
		{Value: "create", Key: "app.action.create"},
		{Value: "approve", Key: "app.action.approve"},
		{Value: "reject", Key: "app.action.reject"},
		{Value: "dispute", Key: "app.action.dispute"},
		{Value: "withdraw", Key: "app.action.withdraw"},
		{Value: "overdue", Key: "app.action.overdue"},
		{Value: "expire", Key: "app.action.expire"},
		{Value: "revoke", Key: "app.action.revoke"},
		{Value: "aggregation_review", Key: "app.action.aggregation_review"},
		{Value: "aggregation_cleared", Key: "app.action.aggregation_cleared"},
	}
	GrantStatusOptions = []CatOption{
		{Value: "live", Key: "grant.status.live"},
		{Value: "revoked", Key: "grant.status.revoked"},
		{Value: "expired", Key: "grant.status.expired"},
	}
	// AppRoles are the tabs of the applications page; grantRoles of the grants page.
	AppRoles = []CatOption{
		{Value: "mine", Key: "apps.role.mine"},
		{Value: "incoming", Key: "apps.role.incoming"},
		{Value: "authority", Key: "apps.role.authority"},
	}
	GrantRoles = []CatOption{
		{Value: "mine", Key: "grants.role.mine"},
		{Value: "provided", Key: "grants.role.provided"},
		{Value: "authority", Key: "grants.role.authority"},
	}
	// AppFormFields are the fields the apply, decision, dispute and revoke forms show a
	// problem beside; another field's problem goes to the whole form.
	AppFormFields = []string{"entry", "kind", "items", "purpose", "basis", "until", "accept_terms", "decision", "reason", "clear_items", "row_filter"}
)

// AppService returns the application service, or ENOTFOUND when the server has none.
func (s *Server) AppService() (pubdata.ApplicationService, error) {
	if s.Applications == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server keeps no applications.").Keyed("error.not_available.applications")
	}
	return s.Applications, nil
}

// ApplicantKind is the kind of application the actor makes: share for a public body or an
// authority, open for the public.
func ApplicantKind(a *pubdata.Actor) pubdata.ApplicationKind {
	if pubdata.SeesWholeCatalog(a) {
		return pubdata.KindShare
	}
	return pubdata.KindOpen
}

// --- rows as the pages show them ---

// AppRow is an application as the pages show it.
type AppRow struct {
	*pubdata.Application
}

func (a AppRow) StatusKey() string { return OptionKey(AppStatusOptions, string(a.Status)) }

func (a AppRow) KindKey() string { return OptionKey(AppKindOptions, string(a.Kind)) }

// BadgeClass is the CSS class of the status badge.
func (a AppRow) BadgeClass() string {
	switch a.Status {
	case pubdata.AppApproved:
		return "status-published"
	case pubdata.AppRejected:
		return "status-rejected"
	case pubdata.AppPending, pubdata.AppDisputed:
		return "status-submitted"
	}
	return "status-draft"
}

// ApplicantLabel is who applied: the organisation's name and the user.
func (a AppRow) ApplicantLabel() string {
	if a.ApplicantOrgName != "" {
		return a.ApplicantOrgName + " · " + a.Applicant
	}
	return a.Applicant
}

// Late reports an open application whose answer is overdue.
func (a AppRow) Late() bool {
	return a.Overdue && (a.Status == pubdata.AppPending || a.Status == pubdata.AppDisputed)
}

// RoleTab is a tab of a list page.
type RoleTab struct {
	Key     string
	URL     string
	Current bool
}

// unreadNotifications is the actor's number of unread notifications for the console's
// navigation; 0 when unknown (a failure is logged, the page still shows).
func (s *Server) unreadNotifications(r *http.Request) int {
	if s.Notifications == nil {
		return 0
	}
	_, n, _, err := s.Notifications.FindNotifications(r.Context(), true, 1, "")
	if err != nil {
		s.Logger.Warn("unread notifications", "request_id", RequestIDFrom(r.Context()), "error", err)
		return 0
	}
	return n
}
