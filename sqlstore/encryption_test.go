package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/envelope"
	"github.com/pubdata/pubdata/sqlstore"
	"github.com/pubdata/pubdata/storetest"
)

// TestImportantSchema: on PostgreSQL an entry's table with encrypted items lives in the
// schema pd_important; a role given the public schema's tables (a reporting user) cannot
// read it, while the platform reads it as before.
func TestImportantSchema(t *testing.T) {
	testdb.RequirePostgres(t)
	dsn := testdb.Postgres(t)
	s := open(t, dsn)
	e := storetest.PersonEntry(t, s)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tbl string
	if err := conn.QueryRow(ctx, "SELECT tbl FROM data_tables WHERE entry_id = $1", e.ID).Scan(&tbl); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tbl, "pd_important.d_") {
		t.Fatalf("table %s is not in the important schema", tbl)
	}
	b := make([]byte, 4)
	rand.Read(b)
	role := "pd_t_report_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE ROLE "+role+" NOLOGIN"); err != nil {
		if os.Getenv("CI") == "true" { // CI's PostgreSQL runs as a superuser: the role check must run there
			t.Fatalf("cannot create a role (%v): CI must check that the important schema is closed to other roles", err)
		}
		t.Skipf("cannot create a role here (%v): the schema part is checked above", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), "DROP OWNED BY "+role)
			c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
			c.Close(context.Background())
		}
	})
	for _, q := range []string{"GRANT USAGE ON SCHEMA public TO " + role, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+role); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM data_tables").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the reporting role reads the public schema: %d, %v", n, err)
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT s"); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+tbl).Scan(&n); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("the reporting role reads the important schema: %d, %v", n, err)
	}
	tx.Rollback(ctx)
	if got := storetest.PersonRows(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{"11010519491231002X"}}}}); len(got) != 1 {
		t.Fatalf("lookup: %v", got)
	}
}

func TestKeyRotationSQLite(t *testing.T) { testKeyRotation(t, testdb.SQLite(t)) }

func TestKeyRotationPostgres(t *testing.T) {
	testdb.RequirePostgres(t)
	testKeyRotation(t, testdb.Postgres(t))
}

// testKeyRotation: a new master key re-wraps every entry's keys (the old one is then not
// needed: a server with the new key alone reads everything); re-encrypting an entry under
// new keys keeps its reads, lookups, reports and objections.
func testKeyRotation(t *testing.T, dsn string) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, dsn, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := storeOn(t, db)
	e := storetest.PersonEntry(t, s)
	lookup := func(s *storetest.Store) []string {
		return storetest.PersonRows(t, s, e, &pubdata.RowQuery{Filters: []pubdata.RowFilter{{Column: "sfzh", Values: []any{"11010519491231002X"}}}})
	}
	want := "11010519491231002X|张三|1200|鼓楼区|2020-01-02"
	if got := lookup(s); len(got) != 1 || got[0] != want {
		t.Fatalf("before: %v", got)
	}
	oldID := db.KeyService().KeyID()
	fresh, _ := envelope.NewMasterKey()
	if err := envelope.RotateFile(dir, fresh); err != nil {
		t.Fatal(err)
	}
	keys, err := envelope.LoadOrCreate(dir)
	if err != nil || keys.KeyID() != envelope.KeyID(fresh) || len(keys.Retired()) != 1 || keys.Retired()[0] != oldID {
		t.Fatalf("keys after the file's rotation: %v %v", keys, err)
	}
	db.SetKeyService(keys)
	if n, err := db.RewrapKeys(ctx); err != nil || n != 1 {
		t.Fatalf("rewrap = %d, %v", n, err)
	}
	if n, err := db.RewrapKeys(ctx); err != nil || n != 0 {
		t.Fatalf("rewrap again = %d, %v", n, err)
	}
	st, err := db.KeyStatus(ctx)
	if err != nil || st.Current != keys.KeyID() || st.ByKey[keys.KeyID()] != 1 || len(st.ByKey) != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
	// A server with the new key alone reads the data.
	alone, _ := envelope.NewLocalKeys(fresh)
	db2, err := sqlstore.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	db2.SetKeyService(alone)
	if got := lookup(storeOn(t, db2)); len(got) != 1 || got[0] != want {
		t.Fatalf("with the new key alone: %v", got)
	}
	// ... and one with the old key alone does not.
	oldRaw, _ := os.ReadFile(filepath.Join(dir, envelope.MasterKeyFile+"."+oldID))
	oldKey, _ := envelope.ParseKey(string(oldRaw))
	stale, _ := envelope.NewLocalKeys(oldKey)
	db3, err := sqlstore.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db3.Close()
	db3.SetKeyService(stale)
	if _, _, err := storeOn(t, db3).Rows.QueryRows(context.Background(), e, &pubdata.RowQuery{}, func([]any) error { return nil }); err == nil {
		t.Fatal("the retired key alone still reads the data")
	}

	// New data keys for the entry: every value re-encrypted, lookups work.
	if n, err := db.ReencryptEntry(ctx, e.ID); err != nil || n != 7 {
		t.Fatalf("re-encrypt = %d, %v", n, err)
	}
	if got := lookup(s); len(got) != 1 || got[0] != want {
		t.Fatalf("after re-encryption: %v", got)
	}
	// Another server (its cached keys are of the old version) reads the new ones.
	if got := lookup(storeOn(t, db2)); len(got) != 1 || got[0] != want {
		t.Fatalf("another server after re-encryption: %v", got)
	}
}
