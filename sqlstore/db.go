// Package sqlstore implements the domain's services on SQL: an embedded SQLite file or
// PostgreSQL, with the same SQL and the same behaviour. Every change and the audit event
// that records it commit in one transaction.
package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
	"github.com/pubdata/pubdata/lib/envelope"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is a connection to the store's database and the key that signs its audit checkpoints.
type DB struct {
	db      *sql.DB
	dialect string
	key     *audit.Key
	keyDir  string // the data folder: the key, and the checkpoint log by default
	// Now returns the current time; tests replace it to move the clock.
	Now func() time.Time

	catalog  catalogCache
	calendar calendarCache
	reads    readCache     // readcache.go
	crypto   dbCrypto      // encryption.go
	ckpt     *checkpointer // SQLite: copies the log after large loads (checkpoint.go); nil on PostgreSQL
}

// Open connects to dsn — "sqlite:PATH" (a file, created if absent, in WAL mode with a busy
// timeout so that the CLI can work beside a running server) or "postgres://…" — and loads or
// creates the SM2 audit key and the master key of encryption at rest in keyDir. Call
// Migrate before use.
func Open(ctx context.Context, dsn, keyDir string) (*DB, error) {
	d := &DB{Now: time.Now, keyDir: keyDir}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.dialect = Postgres
		d.db, err = sql.Open("pgx", dsn)
		if err == nil {
			// Keep the connections open between bursts: database/sql keeps only 2 idle by
			// default, and a new PostgreSQL connection (a process, prepared statements) costs
			// milliseconds — at 500 requests/s that churn was most of a key lookup's time.
			d.db.SetMaxOpenConns(20)
			d.db.SetMaxIdleConns(20)
			d.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("database %q: no file path after sqlite:, e.g. sqlite:data/pubdata.db", dsn)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("database folder: %w", err)
		}
		d.dialect = SQLite
		// _txlock=immediate: a writing transaction takes the write lock at BEGIN, so that
		// two writers queue on busy_timeout instead of failing on lock upgrade.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		d.db, err = sql.Open("sqlite", "file:"+path+q)
		if err == nil {
			// Keep connections open between requests, as on PostgreSQL: database/sql keeps 2
			// idle by default, and a new SQLite connection opens the file, runs the pragmas
			// and parses the whole schema at its first statement — at 500 requests/s the
			// churn took more CPU than the lookups.
			d.db.SetMaxIdleConns(20)
			d.db.SetConnMaxIdleTime(5 * time.Minute)
			// And at most 20 open, as on PostgreSQL. Without a bound, requests that queue (a
			// loaded machine, 500 key lookups a second) each open a connection of their own
			// (which parses the schema at its first statement): bench rows then saw lookups
			// still running minutes after their clients had given up, and the next entry's
			// warm-up failed entirely; with the bound the same run answered at the rate the
			// machine allowed. Beyond 20 requests wait for a connection; two cores use fewer.
			d.db.SetMaxOpenConns(20)
		}
	default:
		return nil, fmt.Errorf("database %q: use postgres://… or sqlite:PATH", dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if d.key, err = audit.LoadOrCreateKey(keyDir); err != nil {
		d.db.Close()
		return nil, err
	}
	// The master key of encryption at rest (encryption.go): PUBDATA_MASTER_KEY, else the
	// file in keyDir, created on first start.
	keys, err := envelope.LoadOrCreate(keyDir)
	if err != nil {
		d.db.Close()
		return nil, err
	}
	d.crypto.svc, d.crypto.policy = keys, pubdata.DefaultEncryptionPolicy()
	if d.dialect == SQLite {
		d.ckpt = newCheckpointer(d.db)
	}
	return d, nil
}

// QueryRowForTest runs one raw query with ? placeholders, as the conformance suite's intruder
// reads the record; nothing else calls it.
func (d *DB) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return d.queryRow(ctx, q, args...)
}

// Close closes the database.
func (d *DB) Close() error {
	if d.ckpt != nil {
		d.ckpt.stop() // after the checkpoint it runs; closing the last connection copies the rest
	}
	return d.db.Close()
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Optimize refreshes the planner's statistics (and, on PostgreSQL, the visibility map that
// index-only scans of the search index need) after a bulk load. The database's own
// maintenance (autovacuum; PRAGMA optimize) does the same in time.
func (d *DB) Optimize(ctx context.Context) error {
	q := "ANALYZE"
	if d.dialect == Postgres {
		q = "VACUUM ANALYZE"
	}
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	return nil
}

// Dialect returns SQLite or Postgres.
func (d *DB) Dialect() string { return d.dialect }

// rebind turns ? placeholders into $1, $2 … for PostgreSQL. Queries here never hold a ? in a
// string literal.
func (d *DB) rebind(q string) string {
	if d.dialect != Postgres {
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

// Exec runs one statement outside the services, with ? placeholders. It is for tests and
// maintenance; it writes no audit event.
func (d *DB) Exec(ctx context.Context, q string, args ...any) error {
	_, err := d.db.ExecContext(ctx, d.rebind(q), args...)
	return err
}

func (d *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.db.QueryContext(ctx, d.rebind(q), args...)
}

func (d *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.db.QueryRowContext(ctx, d.rebind(q), args...)
}

// Tx is a transaction with the time it started, used for every row and event it writes.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// reads is the read state of the request whose change bumped read_state.gen in this
	// transaction (readcache.go): reset at the commit, so the request reads its own change.
	reads *readState
}

// Commit commits the transaction, then makes the request that changed what reads depend on
// read the new generation.
func (tx *Tx) Commit() error {
	err := tx.Tx.Commit()
	if tx.reads != nil {
		tx.reads.reset()
	}
	return err
}

func (d *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{Tx: tx, db: d, now: d.Now().UTC()}, nil
}

// snapshot begins a read-only transaction that sees one consistent state of the database.
func (d *DB) snapshot(ctx context.Context) (*Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{Tx: tx, db: d, now: d.Now().UTC()}, nil
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.QueryContext(ctx, tx.db.rebind(q), args...)
}

// forUpdate is the row-lock suffix: PostgreSQL locks the row; SQLite's immediate
// transactions already hold the database's write lock.
func (d *DB) forUpdate() string {
	if d.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateOf is forUpdate limited to one table of a join.
func (d *DB) forUpdateOf(table string) string {
	if d.dialect == Postgres {
		return " FOR UPDATE OF " + table
	}
	return ""
}

// change is one audit event to write with a change. Empty Actor, Org and Division come from
// the context's actor.
type change struct {
	Actor, Org, Division string
	Action, Object       string
	Details              map[string]any
}

// record appends the change to the audit log inside tx: it locks the log head, computes the
// leaf hash and the new root, and writes the event and the head.
func (tx *Tx) record(ctx context.Context, c change) error {
	a := pubdata.ActorFromContext(ctx)
	if c.Actor == "" {
		c.Actor = a.Username()
	}
	if c.Org == "" && a.Org != nil {
		c.Org, c.Division = a.Org.Code, a.Org.Division
	}
	if c.Details == nil {
		c.Details = map[string]any{}
	}
	details, err := json.Marshal(c.Details)
	if err != nil {
		return fmt.Errorf("audit details: %w", err)
	}
	var size int64
	var state string
	if err := tx.queryRow(ctx, "SELECT size, state FROM audit_head WHERE id = 1"+tx.db.forUpdate()).Scan(&size, &state); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	tree, err := audit.RestoreTree(size, state)
	if err != nil {
		return err
	}
	req := pubdata.RequestFromContext(ctx)
	leaf := audit.Leaf{
		Seq: size + 1, Time: fmtTime(tx.now), Actor: c.Actor, Org: c.Org, Division: c.Division,
		Action: c.Action, Object: c.Object, RequestID: req.RequestID, ClientAddr: req.ClientAddr,
		Purpose: req.Purpose, Details: string(details),
	}
	h := leaf.Hash()
	root, err := tree.Append(h)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO audit_events (seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root, seal)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		leaf.Seq, leaf.Time, leaf.Actor, leaf.Org, leaf.Division, leaf.Action, leaf.Object, leaf.RequestID, leaf.ClientAddr, leaf.Purpose, leaf.Details, h, root,
		tx.db.key.SealEvent(leaf.Seq, h, root)); err != nil {
		return fmt.Errorf("audit event: %w", err)
	}
	if _, err := tx.exec(ctx, "UPDATE audit_head SET size = ?, state = ?, seal = ? WHERE id = 1", tree.Size(), tree.State(), tx.db.key.SealHead(tree.Size(), root)); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if changesReads(c.Action) { // readcache.go: after the head's lock, in one order everywhere
		if err := tx.bumpReads(ctx); err != nil {
			return fmt.Errorf("read state: %w", err)
		}
		if st, ok := ctx.Value(readStateKey{}).(*readState); ok {
			tx.reads = st
			st.reset()
		}
	}
	return nil
}

func fmtTime(t time.Time) string { return t.UTC().Format(audit.TimeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(audit.TimeFormat, s) }

// nullTime scans a nullable stored time.
type nullTime struct{ t *time.Time }

func (n *nullTime) Scan(v any) error {
	n.t = nil
	switch s := v.(type) {
	case nil:
		return nil
	case string:
		t, err := parseTime(s)
		if err != nil {
			return err
		}
		n.t = &t
		return nil
	case []byte:
		return n.Scan(string(s))
	}
	return fmt.Errorf("stored time: unexpected %T", v)
}

// timeCol scans a NOT NULL stored time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	var n nullTime
	if err := n.Scan(v); err != nil {
		return err
	}
	if n.t == nil {
		return errors.New("stored time is NULL")
	}
	*c.t = *n.t
	return nil
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// secret returns a new random secret with the prefix and its SHA-256 hex hash.
func secret(prefix string) (string, string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	s := prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return s, hashSecret(s)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// isUniqueViolation reports whether err is a unique-constraint failure on either database.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// eachOnce calls once with each id that q (with args) selects and counts the calls that
// acted. once applies a transition in a transaction of its own that acts only if the row is
// still in the state q selected, so that two servers (or two ticks) never act twice.
func (d *DB) eachOnce(ctx context.Context, q string, args []any, once func(ctx context.Context, id string) (bool, error)) (int, error) {
	rows, err := d.query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	ids, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := once(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// conds collects a list query's optional conditions and their arguments.
type conds struct {
	where []string
	args  []any
}

// add appends a condition with its arguments.
func (c *conds) add(cond string, args ...any) {
	c.where, c.args = append(c.where, cond), append(c.args, args...)
}

// eq adds col = v, unless v is empty (no filter).
func (c *conds) eq(col, v string) {
	if v != "" {
		c.add(col+" = ?", v)
	}
}

// inDivision adds that col is the division or inside it, unless division is empty.
func (c *conds) inDivision(col, division string) {
	if division != "" {
		c.add(col+` LIKE ? ESCAPE '\'`, likePrefix(pubdata.DivisionPrefix(division)))
	}
}

// sql is the WHERE clause ("" without conditions).
func (c *conds) sql() string { return whereClause(c.where) }

// scanRows reads every row with scan, then closes rows.
func scanRows[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// cursor encoding: an opaque string holding the last key of the previous page.
func encodeCursor(key string) string { return hex.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := hex.DecodeString(c)
	if err != nil {
		return "", pubdata.Errorf(pubdata.EINVALID, "cursor %q is not valid.", c)
	}
	return string(b), nil
}

// offsetPage cuts rows read with LIMIT limit+1 OFFSET offset to the page: at most limit
// rows (never nil) and the next page's cursor ("" on the last page).
func offsetPage[T any](out []T, limit, offset int) ([]T, string) {
	next := ""
	if len(out) > limit {
		out, next = out[:limit], fmt.Sprint(offset+limit)
	}
	if out == nil {
		out = []T{}
	}
	return out, next
}
