package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDeferCheckpoint: a transaction on a connection that deferCheckpoint prepared leaves its
// pages in the log when it commits (the database file does not grow), while the same
// transaction on an ordinary connection copies them in its commit; the connection gets
// SQLite's automatic checkpoint back, and Checkpoint copies the log.
func TestDeferCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pubdata.db")
	d, err := Open(ctx, "sqlite:"+path, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.ckpt.stop() // the test copies the log itself, when it wants
	size := func() int64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// write commits 6 MB (1,500 pages, more than the automatic checkpoint's 1,000) on conn.
	write := func(name string, deferred bool) {
		t.Helper()
		conn, err := d.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		resume := func() {}
		if deferred {
			if resume, err = d.deferCheckpoint(ctx, conn); err != nil {
				t.Fatal(err)
			}
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("CREATE TABLE " + name + " (x BLOB)"); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) INSERT INTO " + name + " SELECT randomblob(1000) FROM n"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		resume()
		var pages int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != 1000 {
			t.Fatalf("the connection's automatic checkpoint after the write: %d pages, %v; want 1000", pages, err)
		}
	}

	write("ordinary", false)
	if grown := size(); grown < 5<<20 {
		t.Fatalf("an ordinary commit of 6 MB left the database file at %d bytes: the test's premise (SQLite copies the log in the commit) fails", grown)
	}
	before := size()
	write("deferred", true)
	if grown := size() - before; grown > 1<<20 {
		t.Fatalf("the database file grew by %d bytes in a commit whose checkpoint was deferred", grown)
	}
	if err := d.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if grown := size() - before; grown < 5<<20 {
		t.Fatalf("after Checkpoint the database file grew by %d bytes, want the 6 MB of the log", grown)
	}
}
