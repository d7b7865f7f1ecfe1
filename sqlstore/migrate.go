package sqlstore

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata/lib/audit"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the embedded numbered migrations not yet applied, each in its own
// transaction with its schema_migrations row. On PostgreSQL an advisory lock keeps two
// starting servers from migrating at once.
func (d *DB) Migrate(ctx context.Context) error {
	if err := d.createMigrationsTable(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and _", base)
		}
		if err := d.migrate(ctx, version, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return d.SyncCalendar(ctx)
}

// migrationLockKey is the PostgreSQL advisory lock every migration runs under: the
// platform's (one transaction each) and the job queue's (MigrationLock).
const migrationLockKey = 7150032

// MigrationLock holds, on PostgreSQL, the advisory lock the platform's migrations run under
// until the returned func is called: the job queue's migrations (river's own, applied by
// cmd/pubdata after Migrate) run under it, so two servers starting at once apply them one
// after the other and the second finds them applied. The lock is held on a connection of
// its own (river migrates through the pool). On SQLite it does nothing: the database file
// takes one writer at a time.
func (d *DB) MigrationLock(ctx context.Context) (func(), error) {
	if d.dialect != Postgres {
		return func() {}, nil
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		// Unlocked explicitly: the connection goes back to the pool, and a lock left on it
		// would block every later start.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // drop the connection, and the lock with it
		}
		conn.Close()
	}, nil
}

// createMigrationsTable creates schema_migrations under the migration lock: PostgreSQL's
// CREATE TABLE IF NOT EXISTS is not safe against itself (two servers starting on a new
// database at once fail on pg_type's unique index).
func (d *DB) createMigrationsTable(ctx context.Context) error {
	tx, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.dialect == Postgres {
		if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	return tx.Commit()
}

func (d *DB) migrate(ctx context.Context, version int, name string) error {
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.dialect == Postgres {
		if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey); err != nil {
			return err
		}
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitSQL(d.dialectSQL(string(body))) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	if after := afterMigration[version]; after != nil {
		if err := after(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", version, strings.TrimPrefix(name, "migrations/"), fmtTime(tx.now)); err != nil {
		return err
	}
	return tx.Commit()
}

// afterMigration is Go run in the transaction of a migration, once, by the process that
// applies it.
var afterMigration = map[int]func(ctx context.Context, tx *Tx) error{
	31: sealRecord,
}

// sealRecord seals the events recorded before seals existed, and the head, as they stand
// when the migration runs; from then on every event is sealed as it is written. The seals
// are computed only here, never again for an unsealed row: an event whose seal is later
// blanked fails verification.
func sealRecord(ctx context.Context, tx *Tx) error {
	type row struct {
		seq        int64
		leaf, root string
	}
	rows, err := tx.query(ctx, "SELECT seq, leaf_hash, root FROM audit_events ORDER BY seq")
	if err != nil {
		return err
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.leaf, &r.root); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		if _, err := tx.exec(ctx, "UPDATE audit_events SET seal = ? WHERE seq = ?", tx.db.key.SealEvent(r.seq, r.leaf, r.root), r.seq); err != nil {
			return err
		}
	}
	var size int64
	var state string
	if err := tx.queryRow(ctx, "SELECT size, state FROM audit_head WHERE id = 1").Scan(&size, &state); err != nil {
		return err
	}
	tree, err := audit.RestoreTree(size, state)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "UPDATE audit_head SET seal = ? WHERE id = 1", tx.db.key.SealHead(size, tree.Root()))
	return err
}

// dialectDirective is a comment that only one database reads: /*sqlite: …*/ or /*pg: …*/.
var dialectDirective = regexp.MustCompile(`/\*(sqlite|pg): ([^*]*)\*/`)

// dialectSQL keeps the directives for this database, as SQL, and drops the others.
func (d *DB) dialectSQL(s string) string {
	return dialectDirective.ReplaceAllStringFunc(s, func(m string) string {
		sub := dialectDirective.FindStringSubmatch(m)
		if (sub[1] == "pg") == (d.dialect == Postgres) {
			return sub[2]
		}
		return ""
	})
}

// splitSQL splits a migration into statements at semicolons that end a line, dropping
// comment-only lines. Migrations keep each statement's closing semicolon at a line end.
func splitSQL(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}
