package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// rawBytes returns what the database holds at rest, as an intruder with the files would
// read it: SQLite's file and WAL (before and after a checkpoint that empties the WAL into
// the file); on PostgreSQL a pg_dump of the database (every schema), or, without pg_dump,
// every table's COPY … TO STDOUT.
func rawBytes(dsn string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		t.Helper()
		ctx := context.Background()
		if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
			var out []byte
			read := func() {
				for _, p := range []string{path, path + "-wal"} {
					b, err := os.ReadFile(p)
					if err != nil && !errors.Is(err, fs.ErrNotExist) {
						t.Fatal(err)
					}
					out = append(out, b...)
				}
			}
			read()
			c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var busy, logged, moved int
			if err := c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err != nil || busy != 0 {
				t.Fatalf("checkpoint: busy %d, %v", busy, err)
			}
			read()
			return out
		}
		if p, err := exec.LookPath("pg_dump"); err == nil {
			out, err := exec.CommandContext(ctx, p, "--no-owner", "-d", dsn).Output()
			if err != nil {
				t.Fatalf("pg_dump: %v", err)
			}
			return out
		}
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')")
		if err != nil {
			t.Fatal(err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for _, tbl := range tables {
			if _, err := conn.PgConn().CopyTo(ctx, &buf, "COPY "+tbl+" TO STDOUT"); err != nil {
				t.Fatal(err)
			}
		}
		return buf.Bytes()
	}
}
