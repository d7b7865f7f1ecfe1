// Package storetest is the conformance suite every store must pass: each store behaviour the
// services promise, run the same way on SQLite and PostgreSQL.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
)

// Store is one fresh, migrated store under test.
type Store struct {
	Orgs     pubdata.OrgService
	Users    pubdata.UserService
	Tokens   pubdata.TokenService
	Audit    pubdata.AuditService
	Entries  pubdata.EntryService
	Elements pubdata.ElementService
	Demands  pubdata.DemandService
	// Endpoints keeps the service interfaces' endpoints.
	Endpoints pubdata.EndpointService
	Data      pubdata.DataService
	// Rows is the store's raw row reader (the one package access is handed).
	Rows access.Tables
	// PullSources keeps the providers' pull sources.
	PullSources pubdata.PullSourceService
	// MaskPolicies keeps the mask policies (nil: those tests skip).
	MaskPolicies pubdata.MaskPolicyService
	// Evidence finds subjects' entries and records lookups and extracts (nil: those tests skip).
	Evidence pubdata.EvidenceService
	// Applications keeps applications and grants; Notifications the console's notifications
	// (nil: those tests skip).
	Applications  pubdata.ApplicationService
	Notifications pubdata.NotificationService
	// Usage keeps the usage counts; Feedback ratings and comments (nil: those tests skip).
	Usage    pubdata.UsageService
	Feedback pubdata.FeedbackService
	// Objections keeps objections (nil: those tests skip).
	Objections pubdata.ObjectionService
	// Tickets keeps problem tickets.
	Tickets pubdata.TicketService
	// Calendar keeps the working-day calendar.
	Calendar pubdata.CalendarService
	// Files keeps the files of file entries (nil fails its tests).
	Files pubdata.FileService
	// Backups keeps the scheduled backups' runs (nil fails its tests).
	Backups pubdata.BackupService
	// Licenses keeps the licence list (nil fails its tests).
	Licenses pubdata.LicenseService
	// Quality keeps the entries' quality rules and runs (nil fails its tests).
	Quality pubdata.QualityService
	// Compliance gathers the facts of non-compliance and keeps rectification orders;
	// OpenWatch the opened-data findings (E7).
	Compliance pubdata.ComplianceService
	OpenWatch  pubdata.OpenWatchService
	// Systems keeps the units' information systems (H4).
	Systems pubdata.SystemService
	// Evaluations keeps the units' evaluations per period (H1).
	Evaluations pubdata.EvaluationService
	// Monitor keeps the monitoring aggregates (issue 13 items 4 and 8).
	Monitor pubdata.MonitorService
	// Privacy keeps the privacy budgets of usable-but-invisible entries (nil fails its test).
	Privacy pubdata.PrivacyService
	// SigningKeys and Certificates keep the keyring and electronic certificates (issue 14).
	SigningKeys  pubdata.SigningKeyService
	Certificates pubdata.CertificateService
	// Discoveries keeps the discoveries of personal data; Officers names units' security
	// officers (issue 15 items 3 and 6; nil fails their tests).
	Discoveries pubdata.DiscoveryService
	Officers    pubdata.SecurityOfficerService
	// Security keeps the early-warning rules, alerts and incidents (nil fails its tests).
	Security pubdata.SecurityService
	// Fingerprints keeps the recipients of fingerprinted copies (nil fails its tests).
	Fingerprints pubdata.FingerprintService
	// Federation keeps the peer platforms (issue 17; nil fails its tests).
	Federation pubdata.FederationService
	// Exec runs raw SQL with ? placeholders, bypassing the services, as an intruder with
	// database access would.
	Exec func(ctx context.Context, q string, args ...any) error
	// QueryRow reads one row of raw SQL with ? placeholders into dest, as the same intruder.
	QueryRow func(ctx context.Context, q string, args []any, dest ...any) error
	// Raw returns the database's bytes at rest (SQLite: the file and its WAL around a
	// checkpoint; PostgreSQL: a dump); nil fails the encryption-at-rest test.
	Raw func(t *testing.T) []byte
	// SetNow moves the store's clock.
	SetNow func(time.Time)
	// DivisionRules keeps the division rules (profile.go); ApplicationsUnder returns the
	// store's application service under a profile (issue 17 item 5).
	DivisionRules     pubdata.DivisionRuleService
	ApplicationsUnder func(p *pubdata.Profile) pubdata.ApplicationService
	// DevSpaces keeps development spaces and Products data products (issue 16 items 3 and
	// 4; nil fails their tests).
	DevSpaces pubdata.DevSpaceService
	Products  pubdata.ProductService
	// Trade keeps model contracts, listings, contracts, deliveries and contribution terms
	// (issue 16 item 5; nil fails its tests).
	Trade pubdata.TradeService
	// RateCounts keeps the cluster's shared rate limits' counts (nil fails its test).
	RateCounts pubdata.RateCountService
	// JobLeases holds the periodic jobs' leases and marks (nil fails its test).
	JobLeases JobLeases
}

// JobLeases is the store's bookkeeping of the periodic jobs (sqlstore.DB): a lease while one
// runs, so that no two servers run the same periodic work at once, and when it last did its
// work.
type JobLeases interface {
	ClaimJobLease(ctx context.Context, name string, now, until time.Time) (bool, error)
	ReleaseJobLease(ctx context.Context, name string, until time.Time) error
	JobMark(ctx context.Context, name string) (time.Time, int64, error)
	MarkJob(ctx context.Context, name string, at time.Time, gen int64) error
}

// Run runs the suite; open returns a new empty store for each test.
func Run(t *testing.T, open func(t *testing.T) *Store) {
	tests := []namedTest{
		{"Orgs", testOrgs},
		{"OrgValidation", testOrgValidation},
		{"OrgPaging", testOrgPaging},
		{"Users", testUsers},
		{"UserScope", testUserScope},
		{"Authenticate", testAuthenticate},
		{"Lockout", testLockout},
		{"Tokens", testTokens},
		{"TokenExpiry", testTokenExpiry},
		{"Sessions", testSessions},
		{"AuditEvents", testAuditEvents},
		{"AuditScope", testAuditScope},
		{"AuditAtomic", testAuditAtomic},
		{"Checkpoint", testCheckpoint},
		{"VerifyIntact", testVerifyIntact},
		{"VerifyAltered", testVerifyAltered},
		{"VerifyDeleted", testVerifyDeleted},
		{"VerifyInserted", testVerifyInserted},
		{"VerifyCheckpointTampered", testVerifyCheckpointTampered},
		{"CheckpointsPublished", testCheckpointsPublished},
		{"InclusionProof", testInclusionProof},
		{"VerifySealed", testVerifySealed},
	}
	tests = append(tests, catalogueTests...)
	tests = append(tests, dataTests...)
	tests = append(tests, endpointTests...)
	tests = append(tests, pullTests...)
	tests = append(tests, sanctionTests...)
	tests = append(tests, accessTests...)
	tests = append(tests, accessMatrixTests...)
	tests = append(tests, applicationTests...)
	tests = append(tests, demandTests...)
	tests = append(tests, openPolicyTests...)
	tests = append(tests, objectionTests...)
	tests = append(tests, objectionOverdueTests...)
	tests = append(tests, calendarTests...)
	tests = append(tests, aggregateTests...)
	tests = append(tests, privacyTests...)
	tests = append(tests, fingerprintTests...)
	tests = append(tests, clusterTests...)
	tests = append(tests, fileTests...)
	tests = append(tests, backupTests...)
	tests = append(tests, licenseTests...)
	tests = append(tests, qualityTests...)
	tests = append(tests, ticketTests...)
	tests = append(tests, complianceTests...)
	tests = append(tests, systemTests...)
	tests = append(tests, evaluationTests...)
	tests = append(tests, monitorTests...)
	tests = append(tests, encryptionTests...)
	tests = append(tests, certTests...)
	tests = append(tests, gradingTests...)
	tests = append(tests, securityTests...)
	tests = append(tests, profileTests...)
	tests = append(tests, aggregationTests...)
	tests = append(tests, holderTests...)
	tests = append(tests, devSpaceTests...)
	tests = append(tests, tradingTests...)
	tests = append(tests, federationTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

type namedTest struct {
	name string
	fn   func(*testing.T, *Store)
}

// system is the context of the command line: no user.
var system = pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{})

func as(a *pubdata.Actor, requestID string) context.Context {
	ctx := pubdata.NewContextWithActor(context.Background(), a)
	return pubdata.NewContextWithRequest(ctx, pubdata.RequestInfo{RequestID: requestID, ClientAddr: "192.0.2.7", Purpose: "testing"})
}

func mustOrg(t *testing.T, s *Store, code, name string, kind pubdata.OrgKind, div, parent string) *pubdata.Org {
	t.Helper()
	o := &pubdata.Org{Code: code, Name: name, Kind: kind, Division: div, Parent: parent}
	if err := s.Orgs.CreateOrg(system, o); err != nil {
		t.Fatalf("CreateOrg(%s): %v", code, err)
	}
	return o
}

func mustUser(t *testing.T, s *Store, username, org string, role pubdata.Role) *pubdata.User {
	t.Helper()
	u, err := s.Users.CreateUser(system, &pubdata.UserCreate{Username: username, Password: "password-" + username, OrgCode: org, Role: role})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", username, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pubdata.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

// province builds a province authority, a city authority, two departments and users.
func province(t *testing.T, s *Store) {
	mustOrg(t, s, "fj-dsj", "福建省大数据管理局", pubdata.KindAuthority, "350000", "")
	mustOrg(t, s, "fz-dsj", "福州市大数据管理局", pubdata.KindAuthority, "350100", "fj-dsj")
	mustOrg(t, s, "fj-gat", "福建省公安厅", pubdata.KindPublicBody, "350000", "")
	mustOrg(t, s, "fz-scj", "福州市市场监督管理局", pubdata.KindPublicBody, "350100", "")
	mustOrg(t, s, "xm-scj", "厦门市市场监督管理局", pubdata.KindPublicBody, "350200", "")
}

// RunCatalogue runs the catalogue's tests only (the workflow and the searches).
func RunCatalogue(t *testing.T, open func(t *testing.T) *Store) {
	for _, tc := range catalogueTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}
