package http

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pubdata/pubdata"
)

// routeTable is every route the server answers, in one place: its ServeMux pattern, who may
// call it, whether it is a data route (refused to the users of an organisation whose data
// service is stopped, sanctions.go) or an upload (a body up to MaxUploadBytes), and its
// handler. Handlers check what the table cannot (which organisation, which role, which
// entry) through the domain's rules; the table's Who is enforced before the handler runs.
func (s *Server) routeTable(reg *prometheus.Registry) []Route {
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	metrics := func(w http.ResponseWriter, r *http.Request) error {
		metricsHandler.ServeHTTP(w, r)
		return nil
	}
	t := []Route{
		// health.go
		{"GET /healthz", Anyone, PlainRoute, s.healthz},
		{"GET /readyz", Anyone, PlainRoute, s.readyz},
		{"GET /metrics", Anyone, PlainRoute, metrics},
		// me.go
		{"POST /api/v1/login", Anyone, PlainRoute, s.apiLogin},
		{"POST /api/v1/logout", Anyone, PlainRoute, s.apiLogout},
		{"GET /api/v1/me", SignedIn, PlainRoute, s.apiMe},
		{"POST /api/v1/register", Anyone, PlainRoute, s.apiRegister},
		// orgs.go
		{"GET /api/v1/orgs", Anyone, PlainRoute, s.apiOrgList},
		{"GET /api/v1/orgs/{code}", Anyone, PlainRoute, s.apiOrgGet},
		{"POST /api/v1/orgs", SignedIn, PlainRoute, s.apiOrgCreate},
		// users.go
		{"GET /api/v1/users", SignedIn, PlainRoute, s.apiUserList},
		{"POST /api/v1/users", SignedIn, PlainRoute, s.apiUserCreate},
		// tokens.go
		{"GET /api/v1/tokens", SignedIn, PlainRoute, s.apiTokenList},
		{"POST /api/v1/tokens", SignedIn, PlainRoute, s.apiTokenCreate},
		{"POST /api/v1/tokens/{id}/revoke", Anyone, PlainRoute, s.apiTokenRevoke},
		// audit.go
		{"GET /api/v1/audit", SignedIn, PlainRoute, s.apiAuditList},
		// divisions.go
		{"GET /api/v1/divisions", Anyone, PlainRoute, s.apiDivisionList},
		// openapi.go
		{"GET /api/v1/openapi.json", Anyone, PlainRoute, s.apiOpenAPI},
		// assets.go
		{"GET /assets/{file...}", Anyone, PlainRoute, s.serveAsset},
		// console.go
		{"GET /{$}", Anyone, PlainRoute, s.pageHome}, // portal_home.go
		{"GET /console/{$}", Anyone, PlainRoute, s.consoleSlash},
		// console.go
		{"GET /console/login", Anyone, PlainRoute, s.pageLogin},
		{"POST /console/login", Anyone, PlainRoute, s.pageLoginSubmit},
		{"POST /console/logout", Anyone, PlainRoute, s.pageLogout},
		{"GET /console", SignedIn, PlainRoute, s.pageDashboard},
		// console_orgs.go
		{"GET /console/orgs", SignedIn, PlainRoute, s.pageOrgs},
		{"POST /console/orgs", SignedIn, PlainRoute, s.pageOrgCreate},
		// console_users.go
		{"GET /console/users", SignedIn, PlainRoute, s.pageUsers},
		{"POST /console/users", SignedIn, PlainRoute, s.pageUserCreate},
		// console_account.go
		{"GET /console/account", SignedIn, PlainRoute, s.pageAccount},
		{"POST /console/account/tokens", SignedIn, PlainRoute, s.pageTokenCreate},
		{"POST /console/account/tokens/{id}/revoke", SignedIn, PlainRoute, s.pageTokenRevoke},
		// console_audit.go
		{"GET /console/audit", SignedIn, PlainRoute, s.pageAudit},
		// entries.go
		{"GET /api/v1/entries", Anyone, PlainRoute, s.apiEntrySearch},
		{"POST /api/v1/entries", SignedIn, PlainRoute, s.apiEntryCreate},
		{"GET /api/v1/entries/{id}", Anyone, PlainRoute, s.apiEntryGet},
		{"PATCH /api/v1/entries/{id}", Anyone, PlainRoute, s.apiEntryPatch},
		{"GET /api/v1/entries/{id}/versions", Anyone, PlainRoute, s.apiEntryVersions},
		{"GET /api/v1/entries/{id}/diff", Anyone, PlainRoute, s.apiEntryDiff},
		{"POST /api/v1/entries/{id}/submit", Anyone, PlainRoute, s.apiEntrySubmit},
		{"POST /api/v1/entries/{id}/review", Anyone, PlainRoute, s.apiEntryReview},
		{"POST /api/v1/entries/{id}/retire", Anyone, PlainRoute, s.apiEntryRetire},
		{"GET /api/v1/elements", SignedIn, PlainRoute, s.apiElementList},
		{"PUT /api/v1/elements/{code}/source", SignedIn, PlainRoute, s.apiElementSetSource},
		// ckan.go
		// dcat.go
		{"GET /dataset/{file}", Anyone, PlainRoute, s.dcatDataset},
		// console_entries.go
		{"GET /console/entries", Anyone, PlainRoute, s.pageEntries},
		{"GET /console/entries/new", Anyone, PlainRoute, s.pageEntryNew},
		{"POST /console/entries/new", Anyone, PlainRoute, s.pageEntrySave},
		{"GET /console/entries/{id}", Anyone, PlainRoute, s.pageEntry},
		{"GET /console/entries/{id}/edit", Anyone, PlainRoute, s.pageEntryEdit},
		{"POST /console/entries/{id}/edit", Anyone, PlainRoute, s.pageEntrySave},
		{"POST /console/entries/{id}/submit", Anyone, PlainRoute, s.pageEntrySubmit},
		{"POST /console/entries/{id}/retire", Anyone, PlainRoute, s.pageEntryRetire},
		{"POST /console/entries/{id}/review", Anyone, PlainRoute, s.pageEntryReview},
		{"GET /console/entries/{id}/versions", Anyone, PlainRoute, s.pageEntryVersions},
		{"GET /console/review", Anyone, PlainRoute, s.pageReview},
		{"GET /console/lists", SignedIn, PlainRoute, s.pageConsoleLists},
		// console_elements.go
		{"GET /console/elements", Anyone, PlainRoute, s.pageElements},
		{"POST /console/elements/{code}", Anyone, PlainRoute, s.pageElementSetSource},
		// portal_catalog.go
		{"GET /catalog", Anyone, PlainRoute, s.pageCatalog},
		{"GET /catalog/{ref...}", Anyone, PlainRoute, s.pageCatalogEntry},
		{"GET /lists", Anyone, PlainRoute, s.pageLists},
		{"GET /lists/{kind}", Anyone, PlainRoute, s.pageList},
		// entry_import.go
		{"POST /api/v1/entries/import", Anyone, PlainRoute, s.apiEntryImport},
		{"GET /api/v1/entries/export", Anyone, PlainRoute, s.apiEntryExport},
		{"GET /api/v1/entries/template", Anyone, PlainRoute, s.apiEntryTemplate},
		{"GET /console/entries/import", SignedIn, PlainRoute, s.pageEntryImport},
		{"POST /console/entries/import", SignedIn, PlainRoute, s.pageEntryImportSubmit},
		// calendar.go
		{"GET /api/v1/calendar/add", Anyone, PlainRoute, s.apiCalendarAdd},
		{"GET /api/v1/calendar/workday", Anyone, PlainRoute, s.apiCalendarWorkday},
		{"GET /api/v1/calendar", Anyone, PlainRoute, s.apiCalendarYears},
		{"GET /api/v1/calendar/{year}", Anyone, PlainRoute, s.apiCalendarYear},
		{"PUT /api/v1/calendar/{year}", Anyone, PlainRoute, s.apiCalendarImport},
		{"PUT /api/v1/calendar/{year}/days/{date}", Anyone, PlainRoute, s.apiCalendarCorrect},
		{"DELETE /api/v1/calendar/{year}/days/{date}", Anyone, PlainRoute, s.apiCalendarUncorrect},
		{"GET /console/calendar", SignedIn, PlainRoute, s.pageCalendar},
		{"POST /console/calendar", SignedIn, PlainRoute, s.pageCalendarImport},
		{"GET /console/calendar/{year}", SignedIn, PlainRoute, s.pageCalendarYear},
		{"POST /console/calendar/{year}/days", SignedIn, PlainRoute, s.pageCalendarCorrect},
		{"POST /console/calendar/{year}/days/{date}/remove", SignedIn, PlainRoute, s.pageCalendarUncorrect},
		// data.go
		{"POST /api/v1/entries/{id}/data", Anyone, UploadRoute, s.apiDataLoad},
		{"GET /api/v1/entries/{id}/batches", SignedIn, PlainRoute, s.apiEntryBatches},
		{"GET /api/v1/entries/{id}/table", Anyone, PlainRoute, s.apiEntryTable},
		{"POST /api/v1/entries/{id}/purge", SignedIn, PlainRoute, s.apiEntryPurge},
		{"GET /api/v1/entries/{id}/rows", Anyone, DataRoute, s.apiRows},
		{"PUT /api/v1/entries/{id}/rows/{key}", Anyone, DataRoute, s.apiRowPut},
		{"DELETE /api/v1/entries/{id}/rows/{key}", Anyone, DataRoute, s.apiRowDelete},
		{"GET /api/v1/batches/{id}", Anyone, PlainRoute, s.apiBatchGet},
		{"POST /api/v1/batches/{id}/retry", Anyone, DataRoute, s.apiBatchRetry},
		{"POST /api/v1/batches/{id}/rollback", Anyone, PlainRoute, s.apiBatchRollback},
		{"GET /datastore/dump/{id}", Anyone, DataRoute, s.ckanDatastoreDump},
		// service_call.go
		{"GET /api/v1/entries/{id}/endpoint", Anyone, PlainRoute, s.apiEndpointGet},
		{"PUT /api/v1/entries/{id}/endpoint", Anyone, PlainRoute, s.apiEndpointPut},
		{"POST /api/v1/entries/{id}/endpoint/confirm", Anyone, PlainRoute, s.apiEndpointConfirm},
		// pull_sources.go
		{"GET /api/v1/entries/{id}/sources", Anyone, PlainRoute, s.apiPullSourceList},
		{"POST /api/v1/entries/{id}/sources", Anyone, PlainRoute, s.apiPullSourceCreate},
		{"GET /api/v1/sources/{id}", Anyone, PlainRoute, s.apiPullSourceGet},
		{"PATCH /api/v1/sources/{id}", Anyone, PlainRoute, s.apiPullSourcePatch},
		{"DELETE /api/v1/sources/{id}", Anyone, PlainRoute, s.apiPullSourceDelete},
		{"POST /api/v1/sources/{id}/run", Anyone, PlainRoute, s.apiPullSourceRun},
		// console_sources.go
		{"GET /console/entries/{id}/sources", Anyone, PlainRoute, s.pageSources},
		{"POST /console/entries/{id}/sources", Anyone, PlainRoute, s.pageSourceSave},
		{"POST /console/entries/{id}/sources/{sid}/delete", Anyone, PlainRoute, s.pageSourceDelete},
		{"POST /console/entries/{id}/sources/{sid}/run", Anyone, PlainRoute, s.pageSourceRun},
		// console_endpoint.go
		{"GET /console/entries/{id}/endpoint", Anyone, PlainRoute, s.pageEndpoint},
		{"POST /console/entries/{id}/endpoint", Anyone, PlainRoute, s.pageEndpointSave},
		{"POST /console/entries/{id}/endpoint/confirm", Anyone, PlainRoute, s.pageEndpointConfirm},
		// console_data.go
		{"GET /console/entries/{id}/data", Anyone, DataRoute, s.pageEntryData},
		{"GET /console/entries/{id}/data/upload", Anyone, DataRoute, s.pageDataUpload},
		{"POST /console/entries/{id}/data/upload", Anyone, UploadRoute, s.pageDataUploadSubmit},
		{"GET /console/entries/{id}/batches", Anyone, PlainRoute, s.pageBatches},
		{"POST /console/entries/{id}/batches/purge", Anyone, PlainRoute, s.pageDataPurge},
		{"GET /console/batches/{id}", SignedIn, PlainRoute, s.pageBatch},
		{"GET /console/batches/{id}/report.csv", SignedIn, PlainRoute, s.pageBatchReport},
		{"POST /console/batches/{id}/retry", SignedIn, PlainRoute, s.pageBatchRetry},
		{"POST /console/batches/{id}/rollback", SignedIn, PlainRoute, s.pageBatchRollback},
		// sanctions.go
		{"GET /console/sanctions", SignedIn, PlainRoute, s.pageSanctions},
		{"POST /console/sanctions", SignedIn, PlainRoute, s.pageSanctionSubmit},
		// evidence.go
		{"GET /api/v1/subjects", Anyone, DataRoute, s.apiSubjects},
		{"POST /api/v1/extracts", SignedIn, DataRoute, s.apiExtractCreate},
		{"POST /api/v1/verify", Anyone, PlainRoute, s.apiVerify},
		{"GET /console/subjects", SignedIn, DataRoute, s.pageSubjects},
		{"POST /console/subjects", SignedIn, DataRoute, s.pageSubjectsSubmit},
		{"GET /console/extracts", SignedIn, DataRoute, s.pageExtracts},
		{"POST /console/extracts", SignedIn, DataRoute, s.pageExtractsSubmit},
		{"GET /verify", Anyone, PlainRoute, s.pageVerify},
		{"POST /verify", Anyone, PlainRoute, s.pageVerifySubmit},
		// mask_policy.go
		{"GET /api/v1/mask-policy", SignedIn, PlainRoute, s.apiMaskPolicyGet},
		{"PUT /api/v1/mask-policy", SignedIn, PlainRoute, s.apiMaskPolicyPut},
		{"GET /console/mask-policy", SignedIn, PlainRoute, s.pageMaskPolicy},
		{"POST /console/mask-policy", SignedIn, PlainRoute, s.pageMaskPolicySave},
		// applications.go
		{"POST /api/v1/applications", SignedIn, DataRoute, s.apiApplicationCreate},
		{"GET /api/v1/applications", SignedIn, DataRoute, s.apiApplicationList},
		{"GET /api/v1/applications/{id}", Anyone, DataRoute, s.apiApplicationGet},
		{"POST /api/v1/applications/{id}/decide", Anyone, DataRoute, s.apiApplicationDecide},
		{"POST /api/v1/applications/{id}/dispute", Anyone, DataRoute, s.apiApplicationDispute},
		{"POST /api/v1/applications/{id}/withdraw", Anyone, DataRoute, s.apiApplicationWithdraw},
		{"GET /api/v1/grants", SignedIn, DataRoute, s.apiGrantList},
		{"GET /api/v1/grants/{id}", Anyone, DataRoute, s.apiGrantGet},
		{"POST /api/v1/grants/{id}/revoke", Anyone, DataRoute, s.apiGrantRevoke},
		{"GET /api/v1/notifications", SignedIn, PlainRoute, s.apiNotificationList},
		{"POST /api/v1/notifications/{id}/read", SignedIn, PlainRoute, s.apiNotificationRead},
		// console_applications.go
		{"GET /console/applications/catalog", SignedIn, DataRoute, s.pageShareCatalog},
		{"GET /console/applications/new", SignedIn, DataRoute, s.pageApplyForm},
		{"POST /console/applications/new", SignedIn, DataRoute, s.pageApplySubmit},
		{"GET /console/applications", SignedIn, DataRoute, s.pageApplications},
		{"GET /console/applications/{id}", SignedIn, DataRoute, s.pageApplication},
		{"POST /console/applications/{id}/decide", SignedIn, DataRoute, s.pageApplicationDecide},
		{"POST /console/applications/{id}/dispute", SignedIn, DataRoute, s.pageApplicationDispute},
		{"POST /console/applications/{id}/withdraw", SignedIn, DataRoute, s.pageApplicationWithdraw},
		{"GET /console/grants", SignedIn, DataRoute, s.pageGrants},
		{"GET /console/grants/{id}", SignedIn, DataRoute, s.pageGrant},
		{"POST /console/grants/{id}/revoke", SignedIn, DataRoute, s.pageGrantRevoke},
		{"GET /console/notifications", SignedIn, PlainRoute, s.pageNotifications},
		{"POST /console/notifications/{id}/read", SignedIn, PlainRoute, s.pageNotificationRead},
		// objections.go
		{"POST /api/v1/objections", SignedIn, PlainRoute, s.apiObjectionCreate},
		{"GET /api/v1/objections", SignedIn, PlainRoute, s.apiObjectionList},
		{"GET /api/v1/objections/{id}", Anyone, PlainRoute, s.apiObjectionGet},
		{"POST /api/v1/objections/{id}/resolve", Anyone, PlainRoute, s.apiObjectionResolve},
		// portal_entry.go
		{"GET /downloads/{id}/{format}", Anyone, PlainRoute, s.pageDownload},
		// portal_org.go
		{"GET /orgs/{code}", Anyone, PlainRoute, s.pagePortalOrg},
		{"GET /account", Anyone, PlainRoute, s.pagePortalAccount},
		// register.go
		{"GET /register", Anyone, PlainRoute, s.withAccounts(s.pageRegister)},
		{"POST /register", Anyone, PlainRoute, s.withAccounts(s.pageRegisterSubmit)},
		{"GET /register/verify", Anyone, PlainRoute, s.withAccounts(s.pageVerifyEmail)},
		{"GET /password-reset", Anyone, PlainRoute, s.withAccounts(s.pageResetRequest)},
		{"POST /password-reset", Anyone, PlainRoute, s.withAccounts(s.pageResetRequestSubmit)},
		{"GET /password-reset/confirm", Anyone, PlainRoute, s.withAccounts(s.pageResetConfirm)},
		{"POST /password-reset/confirm", Anyone, PlainRoute, s.withAccounts(s.pageResetConfirmSubmit)},
		{"POST /console/account/contact", SignedIn, PlainRoute, s.withAccounts(s.pageContactSubmit)},
		{"POST /console/account/verify-email", SignedIn, PlainRoute, s.withAccounts(s.pageVerifyEmailSend)},
		// demands.go
		{"GET /api/v1/demands", Anyone, PlainRoute, s.apiDemandsFind},
		{"POST /api/v1/demands", SignedIn, PlainRoute, s.apiDemandCreate},
		{"GET /api/v1/demands/{id}", Anyone, PlainRoute, s.apiDemandGet},
		{"POST /api/v1/demands/{id}/vote", SignedIn, PlainRoute, s.apiDemandVote},
		{"POST /api/v1/demands/{id}/route", SignedIn, PlainRoute, s.apiDemandRoute},
		{"POST /api/v1/demands/{id}/answer", SignedIn, PlainRoute, s.apiDemandAnswer},
		{"GET /demands", Anyone, PlainRoute, s.pageDemands},
		{"POST /demands", SignedIn, PlainRoute, s.pageDemandCreate},
		{"POST /demands/{id}/vote", SignedIn, PlainRoute, s.pageDemandVote},
		{"GET /console/demands", SignedIn, PlainRoute, s.pageConsoleDemands},
		{"POST /console/demands/{id}/route", SignedIn, PlainRoute, s.pageDemandRoute},
		{"POST /console/demands/{id}/answer", SignedIn, PlainRoute, s.pageDemandAnswer},
		// feedback.go
		{"GET /api/v1/entries/{id}/rating", Anyone, PlainRoute, s.apiRatingGet},
		{"PUT /api/v1/entries/{id}/rating", SignedIn, PlainRoute, s.apiRatingPut},
		{"GET /api/v1/entries/{id}/comments", Anyone, PlainRoute, s.apiCommentList},
		{"POST /api/v1/entries/{id}/comments", SignedIn, PlainRoute, s.apiCommentCreate},
		{"GET /api/v1/entries/{id}/usage", Anyone, PlainRoute, s.apiEntryUsage},
		{"GET /api/v1/comments", Anyone, PlainRoute, s.apiCommentQueue},
		{"POST /api/v1/comments/{id}/moderate", SignedIn, PlainRoute, s.apiCommentModerate},
		{"POST /api/v1/comments/{id}/report", SignedIn, PlainRoute, s.apiCommentReport},
		{"POST /catalog/{ref}/rating", SignedIn, PlainRoute, s.pageRate},
		{"POST /catalog/{ref}/comments", SignedIn, PlainRoute, s.pageComment},
		{"POST /catalog/{ref}/comments/{id}/report", SignedIn, PlainRoute, s.pageCommentReport},
		{"GET /console/comments", SignedIn, PlainRoute, s.pageCommentQueue},
		{"POST /console/comments/{id}/moderate", SignedIn, PlainRoute, s.pageCommentModerate},
		// open_policy.go
		{"GET /api/v1/entries/{id}/open-risk", SignedIn, PlainRoute, s.apiOpenRisk},
		{"GET /apply", Anyone, PlainRoute, s.pagePublicApply},
		{"POST /apply", Anyone, PlainRoute, s.pagePublicApplySubmit},
		// objections_pages.go
		{"GET /objections/new", Anyone, PlainRoute, s.pageObjectionNew},
		{"POST /objections/new", SignedIn, PlainRoute, s.pageObjectionSubmit},
		{"GET /account/objections", SignedIn, PlainRoute, s.pageMyObjections},
		{"GET /console/objections", SignedIn, PlainRoute, s.pageConsoleObjections},
		{"GET /console/objections/{id}", Anyone, PlainRoute, s.pageObjection},
		{"POST /console/objections/{id}/resolve", Anyone, PlainRoute, s.pageObjectionResolve},

	}
	for _, kind := range listKinds {
		t = append(t, Route{"GET /api/v1/lists/" + kind, Anyone, PlainRoute, s.apiList(kind)})
	}
	for _, prefix := range []string{"/api/3/action/", "/api/action/"} {
		t = append(t, Route{"GET " + prefix + "{name}", Anyone, PlainRoute, s.ckanAction},
			Route{"POST " + prefix + "{name}", Anyone, PlainRoute, s.ckanAction})
	}
	for _, ext := range dcatFormats {
		t = append(t, Route{"GET /catalog." + ext.ext, Anyone, PlainRoute, s.dcatCatalog(ext.ext)})
	}
	for _, m := range pubdata.EndpointMethods {
		t = append(t, Route{m + " /api/v1/entries/{id}/call/{path...}", Anyone, DataRoute, s.apiServiceCall})
	}
	for _, action := range pubdata.OrgActions {
		t = append(t, Route{"POST /api/v1/orgs/{code}/" + string(action), SignedIn, PlainRoute, s.apiOrgSanction(action)})
	}
	return t
}
