// Package testdb gives tests the real databases and browser they need: a fresh SQLite file,
// a fresh PostgreSQL database from PUBDATA_TEST_POSTGRES, a fresh MySQL/MariaDB database
// from PUBDATA_TEST_MYSQL, and Chromium from PUBDATA_TEST_CHROMIUM. Outside CI a missing
// database or Chromium skips the test with a clear message; with CI=true it fails it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// InCI reports whether the tests run in CI (CI=true), where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

func missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is required in CI (CI=true)", what)
	}
	t.Skipf("%s not set: skipping", what)
}

// SQLite returns the DSN of a new SQLite file in a temporary folder.
func SQLite(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "pubdata.db")
}

// RequirePostgres skips the test (fails it in CI) when PUBDATA_TEST_POSTGRES is not set.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if os.Getenv("PUBDATA_TEST_POSTGRES") == "" {
		missing(t, "PUBDATA_TEST_POSTGRES")
	}
}

// Postgres creates a fresh database on the server named by PUBDATA_TEST_POSTGRES (a DSN such
// as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), drops it when the test
// ends, and returns its DSN.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PUBDATA_TEST_POSTGRES")
	if base == "" {
		missing(t, "PUBDATA_TEST_POSTGRES")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PUBDATA_TEST_POSTGRES: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PUBDATA_TEST_POSTGRES: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "pubdata_t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create test database on PUBDATA_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// RequireMySQL skips the test (fails it in CI) when PUBDATA_TEST_MYSQL is not set.
func RequireMySQL(t testing.TB) {
	t.Helper()
	if os.Getenv("PUBDATA_TEST_MYSQL") == "" {
		missing(t, "PUBDATA_TEST_MYSQL")
	}
}

// MySQL creates a fresh database on the MySQL or MariaDB server named by PUBDATA_TEST_MYSQL
// (a Go-driver DSN such as root@tcp(127.0.0.1:3306)/), drops it when the test ends, and
// returns its DSN (the Go driver's form).
func MySQL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PUBDATA_TEST_MYSQL")
	if base == "" {
		missing(t, "PUBDATA_TEST_MYSQL")
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("PUBDATA_TEST_MYSQL: %v", err)
	}
	cfg.DBName = ""
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("PUBDATA_TEST_MYSQL: %v", err)
	}
	admin := sql.OpenDB(c)
	b := make([]byte, 6)
	rand.Read(b)
	name := "pubdata_t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		t.Fatalf("create test database on PUBDATA_TEST_MYSQL: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// Chromium returns the path of the Chromium binary in PUBDATA_TEST_CHROMIUM.
func Chromium(t testing.TB) string {
	t.Helper()
	p := os.Getenv("PUBDATA_TEST_CHROMIUM")
	if p == "" {
		missing(t, "PUBDATA_TEST_CHROMIUM")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("PUBDATA_TEST_CHROMIUM: %v", err)
	}
	return p
}
