package http

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/ckan"
	"github.com/pubdata/pubdata/http/console"
	"github.com/pubdata/pubdata/http/portal"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

// routeTable is every route the server answers, in one place: its ServeMux pattern, who may
// call it, whether it is a data route (refused to the users of an organisation whose data
// service is stopped, sanctions.go) or an upload (a body up to MaxUploadBytes), and its
// handler. Handlers check what the table cannot (which organisation, which role, which
// entry) through the domain's rules; the table's Who is enforced before the handler runs.
func routeTable(s *web.Server, reg *prometheus.Registry) []web.Route {
	a, k := &api.Server{Server: s}, &ckan.Server{Server: s}
	c, p := &console.Server{Server: s}, &portal.Server{Server: s}
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	metrics := func(w http.ResponseWriter, r *http.Request) error {
		if err := s.MetricsAllowed(r); err != nil {
			return err
		}
		metricsHandler.ServeHTTP(w, r)
		return nil
	}
	t := []web.Route{
		// Health and metrics
		route("GET /healthz", anyone, plain, a.Healthz),
		route("GET /readyz", anyone, plain, a.Readyz),
		route("GET /metrics", anyone, plain, metrics),
		// Sign-in and the caller
		route("POST /api/v1/login", anyone, plain, a.ApiLogin),
		route("POST /api/v1/logout", anyone, plain, a.ApiLogout),
		route("GET /api/v1/me", signedIn, plain, a.ApiMe),
		route("POST /api/v1/register", anyone, plain, a.ApiRegister),
		// Organisations
		route("GET /api/v1/orgs", anyone, plain, a.ApiOrgList),
		route("GET /api/v1/orgs/{code}", anyone, plain, a.ApiOrgGet),
		route("POST /api/v1/orgs", signedIn, plain, a.ApiOrgCreate),
		// Users
		route("GET /api/v1/users", signedIn, plain, a.ApiUserList),
		route("POST /api/v1/users", signedIn, plain, a.ApiUserCreate),
		// App keys (tokens)
		route("GET /api/v1/tokens", signedIn, plain, a.ApiTokenList),
		route("POST /api/v1/tokens", signedIn, plain, a.ApiTokenCreate),
		route("POST /api/v1/tokens/{id}/revoke", signedIn, plain, a.ApiTokenRevoke),
		// The record
		route("GET /api/v1/audit", signedIn, plain, a.ApiAuditList),
		route("GET /api/v1/audit/checkpoints", anyone, plain, a.ApiAuditCheckpoints),
		route("GET /api/v1/audit/checkpoints/latest", anyone, plain, a.ApiAuditLatestCheckpoint),
		route("GET /api/v1/audit/{seq}/proof", signedIn, slow, a.ApiAuditProof), // reads every leaf hash up to the checkpoint
		route("POST /api/v1/audit/witness", anyone, plain, a.ApiAuditWitness),
		route("GET /api/v1/audit/witness/{key_id}/checkpoints", anyone, plain, a.ApiAuditWitnessed),
		// Division codes
		route("GET /api/v1/divisions", anyone, plain, a.ApiDivisionList),
		// The API description
		route("GET /api/v1/openapi.json", anyone, plain, a.ApiOpenAPI),
		// Static assets
		route("GET /assets/{file...}", anyone, plain, s.ServeAsset),
		// The portal's home page; the console's sign-in and front page
		route("GET /{$}", anyone, plain, p.PageHome),
		route("GET /console/{$}", anyone, plain, c.ConsoleSlash),
		route("GET /login", anyone, plain, p.PageLogin),
		route("POST /login", anyone, plain, p.PageLoginSubmit),
		route("POST /logout", anyone, plain, p.PageLogout),
		route("GET /console/login", anyone, plain, c.PageLoginRedirect),
		route("POST /console/login", anyone, plain, p.PageLoginSubmit),
		route("POST /console/logout", anyone, plain, p.PageLogout),
		route("GET /console", signedIn, plain, c.PageDashboard),
		// Console: orgs
		route("GET /console/orgs", signedIn, plain, c.PageOrgs),
		route("POST /console/orgs", signedIn, plain, c.PageOrgCreate),
		// Console: users
		route("GET /console/users", signedIn, plain, c.PageUsers),
		route("POST /console/users", signedIn, plain, c.PageUserCreate),
		// Console: account
		route("GET /console/account", signedIn, plain, p.PageAccount),
		route("POST /console/account/tokens", signedIn, plain, p.PageTokenCreate),
		route("POST /console/account/tokens/{id}/revoke", signedIn, plain, p.PageTokenRevoke),
		route("GET /account/settings", signedIn, plain, p.PageAccount),
		route("POST /account/settings/tokens", signedIn, plain, p.PageTokenCreate),
		route("POST /account/settings/tokens/{id}/revoke", signedIn, plain, p.PageTokenRevoke),
		// Console: audit
		route("GET /console/audit", signedIn, slow, c.PageAudit), // the integrity check reads the whole record
		route("GET /console/audit.csv", signedIn, slow, c.PageAuditCSV),
		// The catalogue API, elements and lists
		route("GET /api/v1/entries", anyone, plain, a.ApiEntrySearch),
		route("POST /api/v1/entries", signedIn, plain, a.ApiEntryCreate),
		route("GET /api/v1/entries/{id}", anyone, plain, a.ApiEntryGet),
		route("PATCH /api/v1/entries/{id}", signedIn, plain, a.ApiEntryPatch),
		route("GET /api/v1/entries/{id}/versions", anyone, plain, a.ApiEntryVersions),
		route("GET /api/v1/entries/{id}/diff", anyone, plain, a.ApiEntryDiff),
		route("POST /api/v1/entries/{id}/submit", signedIn, plain, a.ApiEntrySubmit),
		route("POST /api/v1/entries/{id}/review", signedIn, plain, a.ApiEntryReview),
		route("POST /api/v1/entries/{id}/retire", signedIn, plain, a.ApiEntryRetire),
		route("GET /api/v1/elements", signedIn, plain, a.ApiElementList),
		route("PUT /api/v1/elements/{code}/source", signedIn, plain, a.ApiElementSetSource),
		// DCAT-AP (the catalogue's own formats are at the end)
		route("GET /dataset/{file}", anyone, plain, p.DcatDataset),
		// Console: entries
		route("GET /console/entries", signedIn, plain, c.PageEntries),
		route("GET /console/entries/new", signedIn, plain, c.PageEntryNew),
		route("POST /console/entries/new", signedIn, plain, c.PageEntrySave),
		route("GET /console/entries/{id}", signedIn, plain, c.PageEntry),
		route("GET /console/entries/{id}/edit", signedIn, plain, c.PageEntryEdit),
		route("POST /console/entries/{id}/edit", signedIn, plain, c.PageEntrySave),
		route("POST /console/entries/{id}/submit", signedIn, plain, c.PageEntrySubmit),
		route("POST /console/entries/{id}/retire", signedIn, plain, c.PageEntryRetire),
		route("POST /console/entries/{id}/review", signedIn, plain, c.PageEntryReview),
		route("GET /console/entries/{id}/versions", signedIn, plain, c.PageEntryVersions),
		route("GET /console/review", signedIn, plain, c.PageReview),
		route("GET /console/lists", signedIn, plain, c.PageConsoleLists),
		// Console: elements
		route("GET /console/elements", signedIn, plain, c.PageElements),
		route("POST /console/elements/{code}", signedIn, plain, c.PageElementSetSource),
		// Portal: catalog
		route("GET /catalog", anyone, plain, p.PageCatalog),
		route("GET /catalog/{ref...}", anyone, plain, p.PageCatalogEntry),
		route("GET /lists", anyone, plain, p.PageLists),
		route("GET /lists/{kind}", anyone, plain, p.PageList),
		// Bulk import and export of entries
		route("POST /api/v1/entries/import", signedIn, slow, a.ApiEntryImport),
		route("GET /api/v1/entries/export", signedIn, plain, a.ApiEntryExport),
		route("GET /api/v1/entries/template", anyone, plain, a.ApiEntryTemplate),
		route("GET /console/entries/import", signedIn, plain, c.PageEntryImport),
		route("POST /console/entries/import", signedIn, slow, c.PageEntryImportSubmit),
		// The working-day calendar
		route("GET /api/v1/calendar/add", anyone, plain, a.ApiCalendarAdd),
		route("GET /api/v1/calendar/workday", anyone, plain, a.ApiCalendarWorkday),
		route("GET /api/v1/calendar", anyone, plain, a.ApiCalendarYears),
		route("GET /api/v1/calendar/{year}", anyone, plain, a.ApiCalendarYear),
		route("PUT /api/v1/calendar/{year}", anyone, plain, a.ApiCalendarImport),
		route("PUT /api/v1/calendar/{year}/days/{date}", anyone, plain, a.ApiCalendarCorrect),
		route("DELETE /api/v1/calendar/{year}/days/{date}", anyone, plain, a.ApiCalendarUncorrect),
		// Scheduled backups (issue 14)
		route("GET /console/backups", signedIn, plain, c.PageBackups),
		// The job queue (issue 17 item 6)
		route("GET /console/jobs", signedIn, plain, c.PageJobs),
		route("POST /console/jobs/{id}/retry", signedIn, plain, c.PageJobRetry),
		route("POST /console/jobs/{id}/cancel", signedIn, plain, c.PageJobCancel),
		route("GET /console/calendar", signedIn, plain, c.PageCalendar),
		route("POST /console/calendar", signedIn, plain, c.PageCalendarImport),
		route("GET /console/calendar/{year}", signedIn, plain, c.PageCalendarYear),
		route("POST /console/calendar/{year}/days", signedIn, plain, c.PageCalendarCorrect),
		route("POST /console/calendar/{year}/days/{date}/remove", signedIn, plain, c.PageCalendarUncorrect),
		// Aggregation: loading, batches, rows, the CKAN dump
		route("POST /api/v1/entries/{id}/data", signedIn, upload, a.ApiDataLoad),
		route("GET /api/v1/entries/{id}/batches", signedIn, plain, a.ApiEntryBatches),
		route("GET /api/v1/entries/{id}/table", anyone, plain, a.ApiEntryTable),
		route("POST /api/v1/entries/{id}/purge", signedIn, plain, a.ApiEntryPurge),
		route("GET /api/v1/entries/{id}/rows", anyone, data, a.ApiRows),
		route("POST /api/v1/entries/{id}/verify", anyone, data, a.ApiEntryVerify),
		route("POST /api/v1/entries/{id}/aggregate", anyone, data, a.ApiAggregate),
		// Leak tracing (issue 15 item 7)
		route("POST /api/v1/entries/{id}/trace", signedIn, upload, a.ApiTrace),
		route("GET /api/v1/entries/{id}/fingerprint", signedIn, plain, a.ApiFingerprint),
		route("PUT /api/v1/entries/{id}/fingerprint", signedIn, plain, a.ApiFingerprintSet),
		route("PUT /api/v1/entries/{id}/rows/{key}", signedIn, data, a.ApiRowPut),
		route("DELETE /api/v1/entries/{id}/rows/{key}", signedIn, data, a.ApiRowDelete),
		route("GET /api/v1/batches/{id}", signedIn, plain, a.ApiBatchGet),
		route("POST /api/v1/batches/{id}/retry", signedIn, data, a.ApiBatchRetry),
		route("POST /api/v1/batches/{id}/rollback", signedIn, plain, a.ApiBatchRollback),
		route("GET /datastore/dump/{id}", anyone, data, k.CkanDatastoreDump),
		// Files of file entries: metadata, uploads, versions, downloads
		route("GET /api/v1/entries/{id}/files", anyone, plain, a.ApiFileList),
		route("POST /api/v1/entries/{id}/files", signedIn, upload, a.ApiFileCreate),
		route("GET /api/v1/entries/{id}/files/{fileID}", anyone, plain, a.ApiFileGet),
		route("PATCH /api/v1/entries/{id}/files/{fileID}", signedIn, plain, a.ApiFilePatch),
		route("POST /api/v1/entries/{id}/files/{fileID}/versions", signedIn, upload, a.ApiFileVersionCreate),
		route("POST /api/v1/entries/{id}/files/{fileID}/withdraw", signedIn, plain, a.ApiFileWithdraw),
		route("GET /downloads/{id}/files/{fileID}", anyone, data, p.PageFileDownload),
		route("GET /console/entries/{id}/files", signedIn, plain, c.PageFiles),
		route("POST /console/entries/{id}/files", signedIn, upload, c.PageFileUpload),
		route("POST /console/entries/{id}/files/{fileID}", signedIn, plain, c.PageFileEdit),
		route("POST /console/entries/{id}/files/{fileID}/versions", signedIn, upload, c.PageFileVersionUpload),
		route("POST /console/entries/{id}/files/{fileID}/withdraw", signedIn, plain, c.PageFileWithdraw),
		// Service interfaces and calls
		route("GET /api/v1/entries/{id}/endpoint", anyone, plain, a.ApiEndpointGet),
		route("PUT /api/v1/entries/{id}/endpoint", anyone, plain, a.ApiEndpointPut),
		route("POST /api/v1/entries/{id}/endpoint/confirm", anyone, plain, a.ApiEndpointConfirm),
		// Pull sources
		route("GET /api/v1/entries/{id}/sources", anyone, plain, a.ApiPullSourceList),
		route("POST /api/v1/entries/{id}/sources", anyone, plain, a.ApiPullSourceCreate),
		route("GET /api/v1/sources/{id}", anyone, plain, a.ApiPullSourceGet),
		route("PATCH /api/v1/sources/{id}", anyone, plain, a.ApiPullSourcePatch),
		route("DELETE /api/v1/sources/{id}", anyone, plain, a.ApiPullSourceDelete),
		route("POST /api/v1/sources/{id}/run", anyone, slow, a.ApiPullSourceRun),
		// Console: sources
		route("GET /console/entries/{id}/sources", anyone, plain, c.PageSources),
		route("POST /console/entries/{id}/sources", anyone, plain, c.PageSourceSave),
		route("POST /console/entries/{id}/sources/{sid}/delete", anyone, plain, c.PageSourceDelete),
		route("POST /console/entries/{id}/sources/{sid}/run", anyone, slow, c.PageSourceRun),
		// Console: endpoint
		route("GET /console/entries/{id}/endpoint", anyone, plain, c.PageEndpoint),
		route("POST /console/entries/{id}/endpoint", anyone, plain, c.PageEndpointSave),
		route("POST /console/entries/{id}/endpoint/confirm", anyone, plain, c.PageEndpointConfirm),
		// Console: data
		route("GET /console/entries/{id}/data", signedIn, data, c.PageEntryData),
		route("GET /console/entries/{id}/data/upload", signedIn, data, c.PageDataUpload),
		route("POST /console/entries/{id}/data/upload", signedIn, upload, c.PageDataUploadSubmit),
		route("GET /console/entries/{id}/batches", signedIn, plain, c.PageBatches),
		route("POST /console/entries/{id}/batches/purge", signedIn, plain, c.PageDataPurge),
		route("GET /console/batches/{id}", signedIn, plain, c.PageBatch),
		route("GET /console/batches/{id}/report.csv", signedIn, plain, c.PageBatchReport),
		route("POST /console/batches/{id}/retry", signedIn, plain, c.PageBatchRetry),
		route("POST /console/batches/{id}/rollback", signedIn, plain, c.PageBatchRollback),
		// Sanctions (F4)
		route("GET /console/sanctions", signedIn, plain, c.PageSanctions),
		route("POST /console/sanctions", signedIn, plain, c.PageSanctionSubmit),
		// Subject lookup and signed extracts
		route("GET /api/v1/subjects", signedIn, data, a.ApiSubjects),
		route("POST /api/v1/extracts", signedIn, data, a.ApiExtractCreate),
		route("POST /api/v1/verify", anyone, plain, a.ApiVerify),
		// Electronic certificates and the keyring
		route("PUT /api/v1/entries/{id}/certificate-register", signedIn, plain, a.ApiCertificateRegister),
		route("POST /api/v1/entries/{id}/certificates", signedIn, plain, a.ApiCertificateIssue),
		route("GET /api/v1/entries/{id}/certificates", signedIn, plain, a.ApiEntryCertificates),
		route("GET /api/v1/certificates", signedIn, plain, a.ApiHolderCertificates),
		route("GET /api/v1/certificates/{id}", signedIn, plain, a.ApiCertificateGet),
		route("GET /api/v1/certificates/{id}/pdf", signedIn, plain, a.ApiCertificatePDF),
		route("POST /api/v1/certificates/{id}/revoke", signedIn, plain, a.ApiCertificateRevoke),
		route("GET /api/v1/certificates/{id}/verify", anyone, plain, a.ApiCertificateVerify),
		route("GET /api/v1/keyring/ca.pem", anyone, plain, a.ApiKeyringCA),
		route("GET /api/v1/keyring/crl", anyone, plain, a.ApiKeyringCRL),
		// Certificate holders: identities, consents, uses; D6 fetches on a basis (holders.go)
		route("GET /api/v1/account/identity", signedIn, plain, a.ApiMyIdentity),
		route("PUT /api/v1/account/identity", signedIn, plain, a.ApiClaimIdentity),
		route("POST /api/v1/identities/verify", signedIn, plain, a.ApiVerifyIdentity),
		route("POST /api/v1/identities/revoke", signedIn, plain, a.ApiRevokeIdentity),
		route("DELETE /api/v1/account/identity", signedIn, plain, a.ApiWithdrawIdentity),
		route("GET /api/v1/account/certificates", signedIn, plain, a.ApiMyCertificates),
		route("GET /api/v1/account/certificate-consents", signedIn, plain, a.ApiMyConsents),
		route("POST /api/v1/account/certificate-consents", signedIn, plain, a.ApiGrantConsent),
		route("POST /api/v1/account/certificate-consents/{id}/withdraw", signedIn, plain, a.ApiWithdrawConsent),
		route("GET /api/v1/account/certificate-uses", signedIn, plain, a.ApiMyCertificateUses),
		route("POST /api/v1/certificates/fetch", signedIn, plain, a.ApiFetchCertificates),
		route("POST /account/identity", signedIn, plain, p.PageIdentitySubmit),
		route("POST /account/identity/withdraw", signedIn, plain, p.PageIdentityWithdraw),
		route("POST /account/certificate-consents", signedIn, plain, p.PageConsentSubmit),
		route("POST /account/certificate-consents/{id}/withdraw", signedIn, plain, p.PageConsentWithdraw),
		route("GET /console/identities", signedIn, plain, c.PageIdentities),
		route("POST /console/identities", signedIn, plain, c.PageIdentitiesSubmit),
		route("POST /console/identities/revoke", signedIn, plain, c.PageIdentityRevoke),
		route("GET /account/certificates/{id}/{what}", signedIn, plain, p.PageCertificateDownload),
		route("GET /console/entries/{id}/certificates", signedIn, plain, c.PageCertificates),
		route("POST /console/entries/{id}/certificates", signedIn, plain, c.PageCertificateIssue),
		route("POST /console/entries/{id}/certificates/register", signedIn, plain, c.PageCertificateRegister),
		route("GET /console/entries/{id}/certificates/{cert}/pdf", signedIn, plain, c.PageCertificatePDF),
		route("POST /console/entries/{id}/certificates/{cert}/revoke", signedIn, plain, c.PageCertificateRevoke),
		route("GET /console/trace", signedIn, plain, c.PageTrace),
		route("POST /console/trace", signedIn, upload, c.PageTraceSubmit),
		route("GET /console/subjects", signedIn, data, c.PageSubjects),
		route("POST /console/subjects", signedIn, data, c.PageSubjectsSubmit),
		route("GET /console/extracts", signedIn, data, c.PageExtracts),
		route("POST /console/extracts", signedIn, data, c.PageExtractsSubmit),
		route("GET /verify", anyone, plain, p.PageVerify),
		route("POST /verify", anyone, plain, p.PageVerifySubmit),
		// Licences (the list, the defaults of the open classes)
		route("GET /api/v1/licenses", anyone, plain, a.ApiLicenseList),
		route("GET /licenses", anyone, plain, p.PageLicenses),
		route("GET /console/licenses", signedIn, plain, c.PageLicenses),
		route("POST /console/licenses", signedIn, plain, c.PageLicenseSave),
		route("POST /console/licenses/{id}/delete", signedIn, plain, c.PageLicenseDelete),
		route("POST /console/licenses/defaults", signedIn, plain, c.PageLicenseDefaults),
		// Mask policies
		route("GET /api/v1/mask-policy", signedIn, plain, a.ApiMaskPolicyGet),
		route("PUT /api/v1/mask-policy", signedIn, plain, a.ApiMaskPolicyPut),
		route("GET /console/mask-policy", signedIn, plain, c.PageMaskPolicy),
		route("POST /console/mask-policy", signedIn, plain, c.PageMaskPolicySave),
		// Applications, grants, notifications (API)
		route("POST /api/v1/applications", signedIn, data, a.ApiApplicationCreate),
		route("GET /api/v1/applications", signedIn, data, a.ApiApplicationList),
		route("GET /api/v1/applications/{id}", anyone, data, a.ApiApplicationGet),
		route("POST /api/v1/applications/{id}/decide", anyone, data, a.ApiApplicationDecide),
		route("POST /api/v1/applications/{id}/dispute", anyone, data, a.ApiApplicationDispute),
		route("POST /api/v1/applications/{id}/withdraw", anyone, data, a.ApiApplicationWithdraw),
		route("GET /api/v1/grants", signedIn, data, a.ApiGrantList),
		route("GET /api/v1/grants/{id}", anyone, data, a.ApiGrantGet),
		route("POST /api/v1/grants/{id}/revoke", anyone, data, a.ApiGrantRevoke),
		route("GET /api/v1/notifications", signedIn, plain, a.ApiNotificationList),
		route("POST /api/v1/notifications/{id}/read", signedIn, plain, a.ApiNotificationRead),
		// Console: applications
		route("GET /console/applications/catalog", signedIn, data, c.PageShareCatalog),
		route("GET /console/applications/new", signedIn, data, c.PageApplyForm),
		route("POST /console/applications/new", signedIn, data, c.PageApplySubmit),
		route("GET /console/applications", signedIn, data, c.PageApplications),
		route("GET /console/applications/{id}", signedIn, data, c.PageApplication),
		route("POST /console/applications/{id}/decide", signedIn, data, c.PageApplicationDecide),
		route("POST /console/applications/{id}/dispute", signedIn, data, c.PageApplicationDispute),
		route("POST /console/applications/{id}/withdraw", signedIn, data, c.PageApplicationWithdraw),
		route("GET /console/grants", signedIn, data, c.PageGrants),
		route("GET /console/grants/{id}", signedIn, data, c.PageGrant),
		route("POST /console/grants/{id}/revoke", signedIn, data, c.PageGrantRevoke),
		route("GET /console/notifications", signedIn, plain, c.PageNotifications),
		route("POST /console/notifications/{id}/read", signedIn, plain, c.PageNotificationRead),
		// Objections (C4)
		route("POST /api/v1/objections", signedIn, plain, a.ApiObjectionCreate),
		route("GET /api/v1/objections", signedIn, plain, a.ApiObjectionList),
		route("GET /api/v1/objections/{id}", anyone, plain, a.ApiObjectionGet),
		route("POST /api/v1/objections/{id}/resolve", anyone, plain, a.ApiObjectionResolve),
		// Portal: entry
		route("GET /downloads/{id}/{format}", anyone, data, p.PageDownload),
		route("POST /read-purpose", signedIn, plain, p.PageReadPurpose),
		// Portal: org
		route("GET /orgs/{code}", anyone, plain, p.PagePortalOrg),
		route("GET /account", signedIn, plain, p.PagePortalAccount),
		route("GET /account/applications", signedIn, data, p.PageAccountApplications),
		route("GET /account/applications/{id}", signedIn, data, p.PageAccountApplication),
		route("POST /account/applications/{id}/dispute", signedIn, data, p.PageAccountApplicationDispute),
		route("POST /account/applications/{id}/withdraw", signedIn, data, p.PageAccountApplicationWithdraw),
		route("GET /account/grants", signedIn, data, p.PageAccountGrants),
		route("GET /account/grants/{id}", signedIn, data, p.PageAccountGrant),
		route("GET /account/notifications", signedIn, plain, p.PageAccountNotifications),
		route("POST /account/notifications/{id}/read", signedIn, plain, p.PageAccountNotificationRead),
		// Public accounts
		route("GET /register", anyone, plain, p.WithAccounts(p.PageRegister)),
		route("POST /register", anyone, plain, p.WithAccounts(p.PageRegisterSubmit)),
		route("GET /register/verify", anyone, plain, p.WithAccounts(p.PageVerifyEmail)),
		route("GET /password-reset", anyone, plain, p.WithAccounts(p.PageResetRequest)),
		route("POST /password-reset", anyone, plain, p.WithAccounts(p.PageResetRequestSubmit)),
		route("GET /password-reset/confirm", anyone, plain, p.WithAccounts(p.PageResetConfirm)),
		route("POST /password-reset/confirm", anyone, plain, p.WithAccounts(p.PageResetConfirmSubmit)),
		route("POST /console/account/contact", signedIn, plain, p.WithAccounts(p.PageContactSubmit)),
		route("POST /console/account/verify-email", signedIn, plain, p.WithAccounts(p.PageVerifyEmailSend)),
		route("POST /account/settings/contact", signedIn, plain, p.WithAccounts(p.PageContactSubmit)),
		route("POST /account/settings/verify-email", signedIn, plain, p.WithAccounts(p.PageVerifyEmailSend)),
		// Demands
		route("GET /api/v1/demands", anyone, plain, a.ApiDemandsFind),
		route("POST /api/v1/demands", signedIn, plain, a.ApiDemandCreate),
		route("GET /api/v1/demands/{id}", anyone, plain, a.ApiDemandGet),
		route("POST /api/v1/demands/{id}/vote", signedIn, plain, a.ApiDemandVote),
		route("POST /api/v1/demands/{id}/route", signedIn, plain, a.ApiDemandRoute),
		route("POST /api/v1/demands/{id}/answer", signedIn, plain, a.ApiDemandAnswer),
		route("GET /demands", anyone, plain, p.PageDemands),
		route("POST /demands", signedIn, plain, p.PageDemandCreate),
		route("POST /demands/{id}/vote", signedIn, plain, p.PageDemandVote),
		route("GET /console/demands", signedIn, plain, c.PageConsoleDemands),
		route("POST /console/demands/{id}/route", signedIn, plain, c.PageDemandRoute),
		route("POST /console/demands/{id}/answer", signedIn, plain, c.PageDemandAnswer),
		// Ratings and comments
		route("GET /api/v1/entries/{id}/rating", anyone, plain, a.ApiRatingGet),
		route("PUT /api/v1/entries/{id}/rating", signedIn, plain, a.ApiRatingPut),
		route("GET /api/v1/entries/{id}/comments", anyone, plain, a.ApiCommentList),
		route("POST /api/v1/entries/{id}/comments", signedIn, plain, a.ApiCommentCreate),
		route("GET /api/v1/entries/{id}/usage", anyone, plain, a.ApiEntryUsage),
		route("GET /api/v1/comments", anyone, plain, a.ApiCommentQueue),
		route("POST /api/v1/comments/{id}/moderate", signedIn, plain, a.ApiCommentModerate),
		route("POST /api/v1/comments/{id}/report", signedIn, plain, a.ApiCommentReport),
		route("POST /catalog/{ref}/rating", signedIn, plain, p.PageRate),
		route("GET /catalog/{ref}/use", signedIn, data, p.PageUse),
		route("POST /catalog/{ref}/use", signedIn, data, p.PageUseSubmit),
		route("POST /catalog/{ref}/comments", signedIn, plain, p.PageComment),
		route("POST /catalog/{ref}/comments/{id}/report", signedIn, plain, p.PageCommentReport),
		route("GET /console/comments", signedIn, plain, c.PageCommentQueue),
		route("POST /console/comments/{id}/moderate", signedIn, plain, c.PageCommentModerate),
		// The pre-open check and the public open-application form
		route("GET /api/v1/entries/{id}/open-risk", signedIn, plain, a.ApiOpenRisk),
		// Data quality (issue 13): rules per entry, runs, scores per entry and unit
		route("GET /api/v1/entries/{id}/quality/rules", signedIn, plain, a.ApiQualityRulesGet),
		route("PUT /api/v1/entries/{id}/quality/rules", signedIn, plain, a.ApiQualityRulesPut),
		route("GET /api/v1/entries/{id}/quality", anyone, plain, a.ApiQuality),
		route("POST /api/v1/entries/{id}/quality/run", signedIn, slow, a.ApiQualityRun),
		route("GET /api/v1/quality/units", anyone, plain, a.ApiQualityUnits),
		route("GET /console/entries/{id}/quality", signedIn, plain, c.PageQuality),
		route("POST /console/entries/{id}/quality/rules", signedIn, plain, c.PageQualityRuleAdd),
		route("POST /console/entries/{id}/quality/rules/{rule}/delete", signedIn, plain, c.PageQualityRuleDelete),
		route("POST /console/entries/{id}/quality/run", signedIn, slow, c.PageQualityRun),
		route("GET /quality/method", anyone, plain, p.PageQualityMethod),
		route("GET /apply", signedIn, plain, p.PagePublicApply),
		route("POST /apply", signedIn, plain, p.PagePublicApplySubmit),
		// Objection pages
		route("GET /objections/new", anyone, plain, p.PageObjectionNew),
		route("POST /objections/new", signedIn, plain, p.PageObjectionSubmit),
		route("GET /account/objections", signedIn, plain, p.PageMyObjections),
		route("GET /account/objections/{id}", signedIn, plain, p.PageAccountObjection),
		route("GET /console/objections", signedIn, plain, c.PageConsoleObjections),
		route("GET /console/objections/{id}", anyone, plain, c.PageObjection),
		route("POST /console/objections/{id}/resolve", anyone, plain, c.PageObjectionResolve),
		// Problem tickets (C1)
		route("POST /api/v1/tickets", signedIn, plain, a.ApiTicketCreate),
		route("GET /api/v1/tickets", signedIn, plain, a.ApiTicketList),
		route("GET /api/v1/tickets/{id}", signedIn, plain, a.ApiTicketGet),
		route("POST /api/v1/tickets/{id}/answer", signedIn, plain, a.ApiTicketAnswer),
		route("POST /api/v1/tickets/{id}/confirm", signedIn, plain, a.ApiTicketConfirm),
		route("POST /api/v1/tickets/{id}/reopen", signedIn, plain, a.ApiTicketReopen),
		route("GET /tickets/new", signedIn, plain, p.PageTicketNew),
		route("POST /tickets/new", signedIn, plain, p.PageTicketSubmit),
		route("GET /account/tickets", signedIn, plain, p.PageMyTickets),
		route("GET /account/tickets/{id}", signedIn, plain, p.PageMyTicket),
		route("POST /account/tickets/{id}/confirm", signedIn, plain, p.PageTicketConfirm),
		route("POST /account/tickets/{id}/reopen", signedIn, plain, p.PageTicketReopen),
		route("GET /console/tickets", signedIn, plain, c.PageConsoleTickets),
		route("GET /console/tickets/{id}", signedIn, plain, c.PageTicket),
		route("POST /console/tickets/{id}/answer", signedIn, plain, c.PageTicketAnswer),
		// Non-compliance and rectification (H3); opened data kept checked (E7)
		route("GET /api/v1/compliance", signedIn, plain, a.ApiCompliance),
		route("POST /api/v1/rectifications", signedIn, plain, a.ApiRectificationCreate),
		route("GET /api/v1/rectifications", signedIn, plain, a.ApiRectificationList),
		route("GET /api/v1/rectifications/{id}", signedIn, plain, a.ApiRectificationGet),
		route("GET /api/v1/entries/{id}/open-findings", signedIn, plain, a.ApiOpenFindings),
		route("POST /api/v1/open-findings/{id}/resolve", signedIn, plain, a.ApiOpenFindingResolve),
		// The systems register (H4)
		route("GET /api/v1/systems", signedIn, plain, a.ApiSystemList),
		route("POST /api/v1/systems", signedIn, plain, a.ApiSystemCreate),
		route("GET /api/v1/systems/unconnected", signedIn, plain, a.ApiSystemsUnconnected),
		route("GET /api/v1/systems/{id}", signedIn, plain, a.ApiSystemGet),
		route("PUT /api/v1/systems/{id}", signedIn, plain, a.ApiSystemPut),
		route("DELETE /api/v1/systems/{id}", signedIn, plain, a.ApiSystemDelete),
		route("GET /console/systems", signedIn, plain, c.PageSystems),
		route("POST /console/systems", signedIn, plain, c.PageSystemCreate),
		route("GET /console/systems/{id}", signedIn, plain, c.PageSystem),
		route("POST /console/systems/{id}", signedIn, plain, c.PageSystemUpdate),
		route("POST /console/systems/{id}/delete", signedIn, plain, c.PageSystemDelete),
		// Live monitoring (C2) and demand and usage analysis (H2)
		route("GET /api/v1/monitoring", signedIn, plain, a.ApiMonitoring),
		route("GET /api/v1/monitoring/units/{org}", signedIn, plain, a.ApiMonitoringUnit),
		route("GET /console/monitoring", signedIn, plain, c.PageMonitoring),
		route("GET /console/monitoring/units/{org}", signedIn, plain, c.PageMonitoringUnit),
		// Early warning and incidents (G4, F4)
		route("GET /api/v1/alerts", signedIn, plain, a.ApiAlerts),
		route("GET /api/v1/alerts/settings", signedIn, plain, a.ApiSecuritySettings),
		route("PUT /api/v1/alerts/settings", signedIn, plain, a.ApiSecuritySettingsPut),
		route("GET /api/v1/alerts/{id}", signedIn, plain, a.ApiAlert),
		route("POST /api/v1/alerts/{id}/dismiss", signedIn, plain, a.ApiAlertDismiss),
		route("GET /api/v1/incidents", signedIn, plain, a.ApiIncidents),
		route("POST /api/v1/incidents", signedIn, plain, a.ApiIncidentReport),
		route("GET /api/v1/incidents/{id}", signedIn, plain, a.ApiIncident),
		route("POST /api/v1/incidents/{id}/assess", signedIn, plain, a.ApiIncidentStep("assess")),
		route("POST /api/v1/incidents/{id}/contain", signedIn, plain, a.ApiIncidentStep("contain")),
		route("POST /api/v1/incidents/{id}/notify", signedIn, plain, a.ApiIncidentStep("notify")),
		route("POST /api/v1/incidents/{id}/close", signedIn, plain, a.ApiIncidentStep("close")),
		route("GET /api/v1/orgs/{code}/emergency", signedIn, plain, a.ApiEmergencyRecords),
		route("POST /api/v1/orgs/{code}/emergency", signedIn, plain, a.ApiEmergencyRecordAdd),
		route("GET /console/alerts", signedIn, plain, c.PageAlerts),
		route("GET /console/alerts/{id}", signedIn, plain, c.PageAlert),
		route("POST /console/alerts/{id}/dismiss", signedIn, plain, c.PageAlertDismiss),
		route("GET /console/incidents", signedIn, plain, c.PageIncidents),
		route("POST /console/incidents", signedIn, plain, c.PageIncidentReport),
		route("POST /console/incidents/emergency", signedIn, plain, c.PageEmergencyAdd),
		route("GET /console/incidents/{id}", signedIn, plain, c.PageIncident),
		route("POST /console/incidents/{id}/{step}", signedIn, plain, c.PageIncidentStep),
		route("GET /console/compliance", signedIn, plain, c.PageCompliance),
		route("POST /console/compliance", signedIn, plain, c.PageComplianceIssue),
		route("GET /console/rectifications", signedIn, plain, c.PageRectifications),
		route("GET /console/rectifications/{id}", signedIn, plain, c.PageRectification),
		route("POST /console/entries/{id}/open-findings/{fid}/resolve", signedIn, plain, c.PageOpenFindingResolve),
		// Evaluation (H1): published periods for anyone, drafts and computing for the authority
		route("GET /api/v1/evaluations", anyone, plain, a.ApiEvaluations),
		route("GET /api/v1/evaluations/weights", anyone, plain, a.ApiEvaluationWeights),
		route("PUT /api/v1/evaluations/weights", signedIn, plain, a.ApiEvaluationWeightsPut),
		route("POST /api/v1/evaluations/{period}/compute", signedIn, slow, a.ApiEvaluationCompute),
		route("POST /api/v1/evaluations/{period}/publish", signedIn, plain, a.ApiEvaluationPublish),
		route("GET /evaluation", anyone, plain, p.PageEvaluation),
		route("GET /evaluation/method", anyone, plain, p.PageEvaluationMethod),
		route("GET /evaluation/export", anyone, plain, p.PageEvaluationExport),
		route("GET /evaluation/units/{org}", anyone, plain, p.PageEvaluationUnit),
		route("GET /console/evaluation", signedIn, plain, c.PageConsoleEvaluation),
		route("POST /console/evaluation/compute", signedIn, slow, c.PageEvaluationCompute),
		route("POST /console/evaluation/publish", signedIn, plain, c.PageEvaluationPublish),
		route("POST /console/evaluation/weights", signedIn, plain, c.PageEvaluationWeights),
		// Discovery of personal data (issue 15 item 3); security officers (G8)
		route("GET /api/v1/entries/{id}/discoveries", signedIn, plain, a.ApiEntryDiscoveries),
		route("POST /api/v1/entries/{id}/discover", signedIn, plain, a.ApiEntryDiscover),
		route("GET /api/v1/discoveries", signedIn, plain, a.ApiDiscoveries),
		route("POST /api/v1/discoveries/{id}/accept", signedIn, plain, a.ApiDiscoveryDecide(true)),
		route("POST /api/v1/discoveries/{id}/dismiss", signedIn, plain, a.ApiDiscoveryDecide(false)),
		route("PUT /api/v1/orgs/{code}/security-officer", signedIn, plain, a.ApiSecurityOfficer),
		route("POST /console/entries/{id}/discoveries/{did}/accept", signedIn, plain, c.PageDiscoveryDecide(true)),
		route("POST /console/entries/{id}/discoveries/{did}/dismiss", signedIn, plain, c.PageDiscoveryDecide(false)),
		route("POST /console/systems/security-officer", signedIn, plain, c.PageSecurityOfficer),
		// Regions as profiles (issue 17 item 5)
		route("GET /api/v1/profile", anyone, plain, a.ApiProfile),
		route("GET /api/v1/profile/divisions", anyone, plain, a.ApiDivisionRules),
		route("PUT /api/v1/profile/divisions/{division}", signedIn, plain, a.ApiDivisionRuleSet),
		route("DELETE /api/v1/profile/divisions/{division}", signedIn, plain, a.ApiDivisionRuleRemove),
		route("GET /rules", anyone, plain, p.PageRules),
		route("GET /console/profile", signedIn, plain, c.PageProfile),
		route("POST /console/profile/divisions", signedIn, plain, c.PageDivisionRuleSet),
		route("POST /console/profile/divisions/{division}/remove", signedIn, plain, c.PageDivisionRuleRemove),
		// Aggregation risk (issue 15 item 8, G6): the assessments and the authority's review
		route("GET /api/v1/aggregations", signedIn, plain, a.ApiAggregations),
		route("POST /api/v1/applications/{id}/aggregation-review", signedIn, plain, a.ApiAggregationReview),
		route("GET /console/aggregations", signedIn, plain, c.PageAggregations),
		route("POST /console/aggregations/threshold", signedIn, plain, c.PageAggregationThreshold),
		route("POST /console/applications/{id}/aggregation", signedIn, plain, c.PageAggregationReview),
		// An incident's data subjects to notify (issue 15 item 5)
		route("GET /api/v1/incidents/{id}/subjects", signedIn, plain, a.ApiIncidentSubjects),
		route("GET /console/incidents/{id}/subjects", signedIn, plain, c.PageIncidentSubjects),
		// Discoveries of personal data across the units overseen (issue 15 item 3)
		route("GET /console/discoveries", signedIn, plain, c.PageDiscoveries),
	}
	for _, step := range pubdata.RectificationSteps {
		t = append(t, route("POST /api/v1/rectifications/{id}/"+string(step), signedIn, plain, a.ApiRectificationStep(step)),
			route("POST /console/rectifications/{id}/"+string(step), signedIn, plain, c.PageRectificationStep(step)))
	}
	for _, kind := range api.ListKinds {
		t = append(t, route("GET /api/v1/lists/"+kind, anyone, plain, a.ApiList(kind)))
	}
	for _, prefix := range []string{"/api/3/action/", "/api/action/"} {
		t = append(t, route("GET "+prefix+"{name}", anyone, plain, k.CkanAction),
			route("POST "+prefix+"{name}", anyone, plain, k.CkanAction))
	}
	for _, ext := range web.DcatFormats {
		t = append(t, route("GET /catalog."+ext.Ext, anyone, plain, a.DcatCatalog(ext.Ext)))
	}
	for _, m := range pubdata.EndpointMethods {
		t = append(t, route(m+" /api/v1/entries/{id}/call/{path...}", anyone, data, a.ApiServiceCall))
	}
	for _, action := range pubdata.OrgActions {
		t = append(t, route("POST /api/v1/orgs/{code}/"+string(action), signedIn, plain, a.ApiOrgSanction(action)))
	}
	t = append(t, devSpaceRoutes(a, c, p)...) // routes_devspace.go
	t = append(t, tradingRoutes(a, c, p)...)
	t = append(t, federationRoutes(a, c)...)
	return t
}

// The table's words for who may call a route and what kind of route it is.
const (
	anyone   = web.Anyone
	signedIn = web.SignedIn
	plain    = web.PlainRoute
	slow     = web.SlowRoute
	data     = web.DataRoute
	upload   = web.UploadRoute
)

// route is one row of the table.
func route(pattern string, who web.Who, kind web.RouteKind, h web.HandlerFunc) web.Route {
	return web.Route{Pattern: pattern, Who: who, Kind: kind, Handler: h}
}
