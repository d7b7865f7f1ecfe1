package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/pubdata/pubdata/lib/backup"
)

// Dump formats of the database in a backup.
const (
	DumpSQLite   = "sqlite-file"    // a database file written by VACUUM INTO
	DumpPostgres = "pg_dump-custom" // pg_dump --format=custom
)

// openRaw opens the database of dsn without the store (no key, no migrations).
func openRaw(dsn string) (*sql.DB, string, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		return db, Postgres, err
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		return db, SQLite, err
	}
	return nil, "", fmt.Errorf("database %q: use postgres://… or sqlite:PATH", dsn)
}

// tableCounts returns every table's row count (the migrations' tables and the entries'
// data tables alike).
func tableCounts(ctx context.Context, q queryer, dialect string) (map[string]int64, int, error) {
	list := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if dialect == Postgres {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := q.QueryContext(ctx, list)
	if err != nil {
		return nil, 0, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, 0, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	sort.Strings(names)
	counts := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return nil, 0, fmt.Errorf("count %s: %w", n, err)
		}
		counts[n] = c
	}
	var schema int
	if _, ok := counts["schema_migrations"]; ok {
		if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&schema); err != nil {
			return nil, 0, err
		}
	}
	return counts, schema, nil
}

// TableCounts returns the row count of every table of the database dsn and the highest
// migration applied.
func TableCounts(ctx context.Context, dsn string) (map[string]int64, int, error) {
	db, dialect, err := openRaw(dsn)
	if err != nil {
		return nil, 0, err
	}
	defer db.Close()
	return tableCounts(ctx, db, dialect)
}

// Dump writes a consistent copy of the database dsn into the file path, while servers go
// on writing: on SQLite with VACUUM INTO (one read transaction: a snapshot), on PostgreSQL
// with pg_dump --format=custom (found on PATH; at least the server's major version) inside
// a snapshot exported from a REPEATABLE READ transaction, in which the rows are counted too,
// so the counts are exactly the dump's.
func Dump(ctx context.Context, dsn, path string) (*backup.DBInfo, error) {
	db, dialect, err := openRaw(dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if dialect == SQLite {
		if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
			return nil, fmt.Errorf("VACUUM INTO: %w", err)
		}
		copyDB, _, err := openRaw("sqlite:" + path)
		if err != nil {
			return nil, err
		}
		defer copyDB.Close()
		counts, schema, err := tableCounts(ctx, copyDB, SQLite)
		if err != nil {
			return nil, err
		}
		refs, err := blobRefs(ctx, copyDB, counts)
		if err != nil {
			return nil, err
		}
		return &backup.DBInfo{Dialect: SQLite, Format: DumpSQLite, Schema: schema, Tables: counts, Blobs: refs}, nil
	}
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return nil, errors.New("pg_dump is not on PATH: install the PostgreSQL client tools (Debian: postgresql-client) of the server's major version or newer")
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return nil, fmt.Errorf("export snapshot: %w", err)
	}
	counts, schema, err := tableCounts(ctx, tx, Postgres)
	if err != nil {
		return nil, err
	}
	refs, err := blobRefs(ctx, tx, counts)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--no-owner", "--no-privileges", "--snapshot="+snapshot, "--file="+path, "--dbname="+dsn)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pg_dump: %w: %s", err, firstLine(stderr.String()))
	}
	return &backup.DBInfo{Dialect: Postgres, Format: DumpPostgres, Schema: schema, Tables: counts, Blobs: refs}, nil
}

// blobQueries are the rows that name objects of the blob store: the files of file entries
// (every version), the anonymiser's tables, products' contents (files/<sha256>), and the
// uploads of batches not done (batches/<id>: a running batch's, and a failed one's kept
// for its retry, until its retention).
var blobQueries = []struct {
	table, query string
	optional     bool
}{
	{"entry_file_versions", "SELECT 'files/' || blob, size, sha256, sm3 FROM entry_file_versions", false},
	{"devspace_runs", "SELECT 'files/' || blob, size, sha256, sm3 FROM devspace_runs WHERE blob <> ''", false},
	{"products", "SELECT 'files/' || content_ref, content_size, content_sha256, content_sm3 FROM products WHERE content_ref <> ''", false},
	{"data_batches", "SELECT 'batches/' || id, -1, '', '' FROM data_batches WHERE status IN ('running', 'failed')", true},
}

// blobRefs returns the objects of the blob store the database names; counts are its
// tables (a table it lacks names none).
func blobRefs(ctx context.Context, q queryer, counts map[string]int64) ([]backup.BlobRef, error) {
	var out []backup.BlobRef
	for _, bq := range blobQueries {
		if _, ok := counts[bq.table]; !ok {
			continue
		}
		rows, err := q.QueryContext(ctx, bq.query)
		if err != nil {
			return nil, fmt.Errorf("blobs named by %s: %w", bq.table, err)
		}
		for rows.Next() {
			r := backup.BlobRef{From: bq.table, Optional: bq.optional}
			if err := rows.Scan(&r.Key, &r.Size, &r.SHA256, &r.SM3); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BlobRefs returns the objects of the blob store the database dsn names (a restore checks
// each of them in the restored store); tables are its tables (TableCounts).
func BlobRefs(ctx context.Context, dsn string, tables map[string]int64) ([]backup.BlobRef, error) {
	db, _, err := openRaw(dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return blobRefs(ctx, db, tables)
}

// Empty returns an error unless the database dsn has no table (a SQLite file that is
// absent or empty counts as empty).
func Empty(ctx context.Context, dsn string) error {
	if strings.HasPrefix(dsn, "sqlite:") {
		st, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:"))
		if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
			return nil
		} else if err != nil {
			return err
		}
	}
	db, _, err := openRaw(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	counts, _, err := tableCounts(ctx, db, dialectOf(dsn))
	if err != nil {
		return err
	}
	if len(counts) > 0 {
		return fmt.Errorf("the database %s is not empty (%d tables): restore only into an empty database", redact(dsn), len(counts))
	}
	return nil
}

func dialectOf(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return SQLite
	}
	return Postgres
}

// Load loads the dump file of the given format into the empty database dsn: on SQLite the
// file becomes the database (renamed into place, so it must be on the same file system);
// on PostgreSQL pg_restore (on PATH) loads it in one transaction.
func Load(ctx context.Context, dsn, format, path string) error {
	if err := Empty(ctx, dsn); err != nil {
		return err
	}
	switch dialectOf(dsn) {
	case SQLite:
		if format != DumpSQLite {
			return fmt.Errorf("a %s dump cannot be loaded into SQLite; restore into a PostgreSQL database (--db)", format)
		}
		dst := strings.TrimPrefix(dsn, "sqlite:")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if err := os.Rename(path, dst); err != nil {
			return fmt.Errorf("put the database in place: %w", err)
		}
		return os.Chmod(dst, 0o600)
	default:
		if format != DumpPostgres {
			return fmt.Errorf("a %s dump cannot be loaded into PostgreSQL; restore into a SQLite data folder (no --db)", format)
		}
		pgRestore, err := exec.LookPath("pg_restore")
		if err != nil {
			return errors.New("pg_restore is not on PATH: install the PostgreSQL client tools (Debian: postgresql-client)")
		}
		cmd := exec.CommandContext(ctx, pgRestore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname="+dsn, path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("pg_restore: %w: %s", err, firstLine(stderr.String()))
		}
		return nil
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// redact hides a PostgreSQL DSN's password.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndexByte(dsn, '@'); at > i {
			if c := strings.IndexByte(dsn[i+3:at], ':'); c >= 0 {
				return dsn[:i+3+c] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}
