package main

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/riverqueue/river/rivermigrate"

	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestJobMigrationsConcurrent starts four servers' migrations at once on one fresh
// PostgreSQL database (issue 17 item 6): the platform's and the job queue's (river's own)
// run under one advisory lock, so every start succeeds and each of river's migrations is
// applied once.
func TestJobMigrationsConcurrent(t *testing.T) {
	dsn := testdb.Postgres(t)
	ctx := context.Background()
	const nodes = 4
	dbs := make([]*sqlstore.DB, nodes)
	for i := range dbs {
		db, err := sqlstore.Open(ctx, dsn, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	start := make(chan struct{})
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if errs[i] = db.Migrate(ctx); errs[i] == nil {
				errs[i] = migrateJobs(ctx, db)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("start %d: %v", i+1, err)
		}
	}
	m, err := rivermigrate.New(jobDriver(dbs[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := len(m.AllVersions())
	check, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var n, distinct int
	if err := check.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM river_migration").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != want || distinct != want {
		t.Fatalf("river_migration has %d rows (%d versions), want each of the %d versions once", n, distinct, want)
	}
	// The lock is given back: a later start migrates (nothing to do) without waiting.
	if err := migrateJobs(ctx, dbs[1]); err != nil {
		t.Fatal(err)
	}
}
