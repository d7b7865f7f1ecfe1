package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pubdata/pubdata/division"
	"github.com/pubdata/pubdata/internal/testdb"
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
		Orgs:     sqlstore.NewOrgService(db, division.Default()),
		Users:    sqlstore.NewUserService(db),
		Tokens:   sqlstore.NewTokenService(db),
		Audit:    sqlstore.NewAuditService(db),
		Entries:  sqlstore.NewEntryService(db),
		Elements: sqlstore.NewElementService(db),
		Demands:  sqlstore.NewDemandService(db),
		Exec:     db.Exec,
		SetNow:   func(t time.Time) { mu.Lock(); now = t; mu.Unlock() },
	}
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *storetest.Store { return open(t, testdb.SQLite(t)) })
}

func TestPostgres(t *testing.T) {
	testdb.RequirePostgres(t) // skips (or fails in CI) when PostgreSQL is not configured
	storetest.Run(t, func(t *testing.T) *storetest.Store { return open(t, testdb.Postgres(t)) })
}
