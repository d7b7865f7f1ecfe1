package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to tamper with the record
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", likewise

	"github.com/pubdata/pubdata/internal/testdb"
)

func TestMain(m *testing.M) {
	// A test that needs the binary in a process of its own (to kill it) runs the test binary
	// with the command line in PUBDATA_TEST_EXEC_MAIN (a JSON array): see startProcess.
	if args := os.Getenv("PUBDATA_TEST_EXEC_MAIN"); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Exit(run(context.Background(), a, os.Stdin, os.Stdout, os.Stderr))
	}
	// The tests choose their settings; a developer's PUBDATA_* must not leak in.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PUBDATA_") && !strings.HasPrefix(k, "PUBDATA_TEST_") && k != "PUBDATA_SCREENSHOT" {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}

// runCLI runs the command line through run and returns the exit status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLIInput(t, "", args...)
}

func runCLIInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// assertOneLine checks that s is exactly one line "pubdata: …" containing want.
func assertOneLine(t *testing.T, s, want string) {
	t.Helper()
	if !strings.HasPrefix(s, "pubdata: ") || !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") != 1 {
		t.Errorf("stderr %q is not one line starting with \"pubdata: \"", s)
	}
	if !strings.Contains(s, want) {
		t.Errorf("stderr %q does not contain %q", s, want)
	}
}

// store is one database the CLI tests run against.
type store struct {
	name  string
	data  string // data folder: the SQLite file (unless dsn says otherwise) and the SM2 key
	dsn   string // "" for the default SQLite file in data
	sqlDB func(t *testing.T) *sql.DB
}

// args returns the flags that select the store.
func (s store) args() []string {
	a := []string{"--data", s.data}
	if s.dsn != "" {
		a = append(a, "--db", s.dsn)
	}
	return a
}

// config returns the settings for the store.
func (s store) config() *Config {
	c := DefaultConfig()
	c.Data, c.DB = s.data, s.dsn
	return &c
}

// open opens the store as the binary does.
func (s store) open(t *testing.T) *app {
	t.Helper()
	a, err := openApp(context.Background(), s.config(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// forEachStore runs f on a fresh SQLite store and, when PUBDATA_TEST_POSTGRES is set, on a
// fresh PostgreSQL database, both at once (parallel subtests: the two share nothing but the
// process, so f must not change the environment or package state; see forEachStoreSerial).
func forEachStore(t *testing.T, f func(t *testing.T, s store)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); f(t, newSQLiteStore(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, newPostgresStore(t)) })
}

// forEachStoreSerial is forEachStore one database after the other, for an f that sets
// environment variables (t.Setenv).
func forEachStoreSerial(t *testing.T, f func(t *testing.T, s store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newSQLiteStore(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, newPostgresStore(t)) })
}

func newSQLiteStore(t *testing.T) store {
	dir := t.TempDir()
	return store{name: "sqlite", data: dir, sqlDB: func(t *testing.T) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+dir+"/pubdata.db?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}}
}

// newPostgresStore creates a fresh database on the server of PUBDATA_TEST_POSTGRES, dropped
// when the test ends. Without PUBDATA_TEST_POSTGRES it skips the test, or fails it when
// CI=true.
func newPostgresStore(t *testing.T) store {
	dsn := testdb.Postgres(t)
	return store{name: "postgres", data: t.TempDir(), dsn: dsn, sqlDB: func(t *testing.T) *sql.DB {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}}
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (s store) rebind(q string) string {
	if s.name != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer safe to read while a goroutine writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
