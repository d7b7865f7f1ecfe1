package sqlstore

import (
	"context"
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
	if err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
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
		if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(7150032)"); err != nil {
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
