package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
	"github.com/pubdata/pubdata/storetest"
)

// open returns a migrated store on dsn with services and a movable clock.
func open(t *testing.T, dsn string) *storetest.Store {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := storeOn(t, db)
	st.Raw = rawBytes(dsn)
	return st
}

// storeOn returns the services on a migrated db, with a movable clock.
func storeOn(t *testing.T, db *sqlstore.DB) *storetest.Store {
	t.Helper()
	secrets, err := sealed.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var now time.Time
	db.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if now.IsZero() {
			return time.Now()
		}
		return now
	}
	return &storetest.Store{
		Orgs:          sqlstore.NewOrgService(db, division.Default()),
		Users:         sqlstore.NewUserService(db),
		Tokens:        sqlstore.NewTokenService(db),
		Audit:         sqlstore.NewAuditService(db),
		Entries:       sqlstore.NewEntryService(db),
		Elements:      sqlstore.NewElementService(db),
		Demands:       sqlstore.NewDemandService(db),
		Endpoints:     sqlstore.NewEndpointService(db, secrets),
		Rows:          sqlstore.NewRowReader(db),
		Data:          sqlstore.NewDataService(db),
		PullSources:   sqlstore.NewPullSourceService(db, secrets),
		MaskPolicies:  sqlstore.NewMaskPolicyService(db),
		Evidence:      sqlstore.NewEvidenceService(db),
		Applications:  sqlstore.NewApplicationService(db),
		Notifications: sqlstore.NewNotificationService(db),
		Usage:         sqlstore.NewUsageService(db),
		Feedback:      sqlstore.NewFeedbackService(db),
		Objections:    sqlstore.NewObjectionService(db),
		Tickets:       sqlstore.NewTicketService(db),
		Calendar:      sqlstore.NewCalendarService(db),
		Files:         sqlstore.NewFileService(db),
		Backups:       sqlstore.NewBackupService(db),
		Licenses:      sqlstore.NewLicenseService(db),
		Quality:       sqlstore.NewQualityService(db),
		Compliance:    sqlstore.NewComplianceService(db),
		Systems:       sqlstore.NewSystemService(db),
		Evaluations:   sqlstore.NewEvaluationService(db),
		Monitor:       sqlstore.NewMonitorService(db),
		Privacy:       sqlstore.NewPrivacyService(db),
		SigningKeys:   sqlstore.NewCertificateService(db),
		Certificates:  sqlstore.NewCertificateService(db),
		Security:      sqlstore.NewSecurityService(db),
		Fingerprints:  sqlstore.NewFingerprintService(db),
		Federation:    sqlstore.NewFederationService(db),
		RateCounts:    sqlstore.NewRateCountService(db),
		JobLeases:     db,
		OpenWatch:     sqlstore.NewOpenWatchService(db),
		Discoveries:   sqlstore.NewDiscoveryService(db),
		Officers:      sqlstore.NewOrgService(db, division.Default()),
		Exec:          db.Exec,
		QueryRow: func(ctx context.Context, q string, args []any, dest ...any) error {
			return db.QueryRowForTest(ctx, q, args...).Scan(dest...)
		},
		SetNow:        func(t time.Time) { mu.Lock(); now = t; mu.Unlock() },
		DivisionRules: sqlstore.NewDivisionRuleService(db),
		ApplicationsUnder: func(p *pubdata.Profile) pubdata.ApplicationService {
			svc := sqlstore.NewApplicationService(db)
			svc.Profile = p
			return svc
		},
		DevSpaces: sqlstore.NewDevSpaceService(db),
		Products:  sqlstore.NewProductService(db),
		Trade:     sqlstore.NewTradeService(db),
	}
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *storetest.Store { return open(t, testdb.SQLite(t)) })
}

func TestPostgres(t *testing.T) {
	testdb.RequirePostgres(t) // skips (or fails in CI) when PostgreSQL is not configured
	storetest.Run(t, func(t *testing.T) *storetest.Store { return open(t, testdb.Postgres(t)) })
}

// twoServers opens two DB handles on one new database, as two servers of a cluster.
func twoServers(t *testing.T, dsn string) (a, b *sqlstore.DB) {
	t.Helper()
	keys := t.TempDir()
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), dsn, keys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return db
	}
	return open(), open()
}

// TestCatalogIndexAcrossServers: a server's in-memory catalogue index follows what another
// server (another DB handle on the same database) publishes and retires.
func TestCatalogIndexAcrossServers(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, b := twoServers(t, dsn(t))
			sys := pubdata.NewContextWithActor(ctx, &pubdata.Actor{})
			if err := sqlstore.NewOrgService(a, division.Default()).CreateOrg(sys, &pubdata.Org{Code: "o", Name: "福州市公安局", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
				t.Fatal(err)
			}
			count := func() int {
				r, err := sqlstore.NewEntryService(b).SearchCatalog(sys, pubdata.CatalogQuery{Facets: true})
				if err != nil {
					t.Fatal(err)
				}
				return r.Total
			}
			if n := count(); n != 0 {
				t.Fatalf("empty catalogue: %d", n)
			}
			ea := sqlstore.NewEntryService(a)
			e, err := ea.CreateEntry(sys, "o", "", &pubdata.EntryFields{Title: "户籍信息", Category: "1", Format: "file", UpdateCycle: "daily", ShareClass: "unconditional", OpenClass: "none", OpenBasis: "涉及个人信息"})
			if err != nil {
				t.Fatal(err)
			}
			ea.SubmitEntry(sys, e.ID)
			if _, err := ea.ReviewEntry(sys, e.ID, true, ""); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 1 {
				t.Fatalf("after a publication on the other server: %d", n)
			}
			if _, err := ea.RetireEntry(sys, e.ID, "x"); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 0 {
				t.Fatalf("after a retirement on the other server: %d", n)
			}
		})
	}
}

// TestCalendarAcrossServers: a year imported through one server is counted by another (a
// second DB handle on the same database) after SyncCalendar, as serve does every minute.
func TestCalendarAcrossServers(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, b := twoServers(t, dsn(t))
			if !b.Calendar().Covered(2026) || b.Calendar().Covered(2027) {
				t.Fatal("a new database covers the built-in years only")
			}
			sys := pubdata.NewContextWithActor(ctx, &pubdata.Actor{})
			if _, err := sqlstore.NewCalendarService(a).ImportCalendarYear(sys, []byte(`{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}`)); err != nil {
				t.Fatal(err)
			}
			if !a.Calendar().Covered(2027) {
				t.Fatal("the importing server does not count 2027")
			}
			if err := b.SyncCalendar(ctx); err != nil {
				t.Fatal(err)
			}
			if !b.Calendar().Covered(2027) || b.Calendar().IsWorkday(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)) {
				t.Fatal("the other server does not count 2027 after SyncCalendar")
			}
		})
	}
}

// TestReadsAcrossServers: what a read looks up per request (the published entry, mask
// policies, the table's figures, freezes), cached by each server, follows the changes
// another server (another DB handle on the same database) makes, at its next read; a request
// that changes them reads its own change.
func TestReadsAcrossServers(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			a, b := twoServers(t, dsn(t))
			sa, sb := storeOn(t, a), storeOn(t, b)
			t.Run("with a read state per request", func(t *testing.T) {
				storetest.ReadsAcrossServers(t, sa, sb, sqlstore.WithReadState)
			})
		})
		t.Run(name+"/without read state", func(t *testing.T) {
			a, b := twoServers(t, dsn(t))
			storetest.ReadsAcrossServers(t, storeOn(t, a), storeOn(t, b), func(ctx context.Context) context.Context { return ctx })
		})
		t.Run(name+"/own change", func(t *testing.T) {
			storetest.ReadsOwnChange(t, open(t, dsn(t)), sqlstore.WithReadState)
		})
	}
}
