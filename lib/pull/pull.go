// Package pull pulls the changed rows of a provider's database (PostgreSQL or
// MySQL/MariaDB) into an entry's table (B3): each run reads the rows whose "updated at"
// column is at or after the watermark of the last good run, streams them as one upsert
// batch through the DataService, and moves the watermark to the largest value it read.
//
// The watermark boundary. Reading only rows strictly after the watermark loses rows that
// share the watermark's value but were committed after the last run read (two rows updated
// in the same second, the second one committed later): a common incremental-pull bug. So a
// run reads from the watermark on, inclusive, and skips the rows at exactly the watermark
// whose fingerprint (a hash of all their values) the last run remembered; a row changed
// again within the same second has a new fingerprint and is loaded. When more than
// pubdata.MaxPullBoundary rows share the watermark the fingerprints are not kept and those
// rows are read and upserted again, which leaves the current rows as they were (upsert is
// idempotent) but counts them in the batch. Rows deleted in the source are not seen (an
// incremental pull by "updated at" cannot see them); rows whose "updated at" is NULL are
// read by the first run only.
package pull

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
)

// Timeout bounds one run: connecting, reading and loading.
var Timeout = 30 * time.Minute

// ConnectTimeout bounds connecting to the source database.
var ConnectTimeout = 15 * time.Second

// wallClock is the text form of a time without a zone (DATETIME, TIMESTAMP WITHOUT TIME
// ZONE): the source's wall clock, which the platform reads as China Standard Time.
const wallClock = "2006-01-02 15:04:05.999999999"

// Run pulls the rows of src changed since its watermark, after hosts allowed its host
// (Hosts.Check), into entry's table (entry is the
// published version) as one upsert batch. On a done batch it sets src.Watermark and
// src.Boundary to the new values and returns the batch; on a failed batch it returns the
// batch and an error with the reason; when no batch could start (the source cannot be
// reached or read) it returns a nil batch and the error. Errors are *pubdata.Error with a
// message safe to show the provider (never the DSN).
func Run(ctx context.Context, src *pubdata.PullSource, dsn string, entry *pubdata.Entry, data pubdata.DataService, hosts Hosts) (*pubdata.Batch, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	items, err := pubdata.TableItems(entry)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidatePullSource(src, items, "", false); err != nil {
		return nil, err
	}
	if err := hosts.Check(src.Driver, dsn); err != nil {
		return nil, err
	}
	db, err := Open(src.Driver, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	cctx, ccancel := context.WithTimeout(ctx, ConnectTimeout)
	err = db.PingContext(cctx)
	ccancel()
	if err != nil {
		// One answer for every failure to connect — refused, no answer, a bad sign-in — so
		// that a source cannot be used to scan ports or guess passwords.
		return nil, pubdata.Errorf(pubdata.EINVALID, "Cannot connect to the source database (it refused, did not answer, or refused the sign-in).").Keyed("error.pull.connect")
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, sourceError("Cannot start a read-only transaction on the source database", "error.pull.what.read_only", err)
	}
	defer tx.Rollback()
	q, args := Query(src, items)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, sourceError("The source query failed", "error.pull.what.query", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, sourceError("The source query failed", "error.pull.what.query", err)
	}
	if len(types) != len(items)+1 {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The source query returned %d columns; %d were asked for.", len(types), len(items)+1).
			Keyed("error.pull.columns", "Got", len(types), "Want", len(items)+1)
	}
	rs := &rowSource{rows: rows, items: items, src: src, tz: make([]bool, len(types))}
	for i, t := range types {
		rs.tz[i] = strings.EqualFold(t.DatabaseTypeName(), "TIMESTAMPTZ")
	}
	rs.boundary = map[string]bool{}
	for _, f := range src.Boundary {
		rs.boundary[f] = true
	}
	name := src.Table
	if name == "" {
		name = "query"
	}
	opt := pubdata.LoadOptions{Mode: pubdata.ModeUpsert, OnError: src.OnError, Source: pubdata.SourcePull, Format: src.Driver, FileName: name}
	b, _, err := data.CreateBatch(ctx, entry, opt)
	if err != nil {
		return nil, err
	}
	b, err = data.RunBatch(ctx, entry, b.ID, rs, opt)
	if err != nil {
		return b, err
	}
	if b.Status != pubdata.BatchDone {
		msg := b.Msg
		if msg == nil {
			msg = pubdata.NewMessage("error.sentence", "Text", b.Message)
		}
		return b, pubdata.Errorf(pubdata.EINVALID, "Batch %s failed: %s", b.ID, b.Message).Keyed("error.pull.batch_failed", "ID", b.ID, "Problem", msg)
	}
	if rs.seen { // else nothing new: the watermark stays
		src.Watermark, src.Boundary = rs.mark, rs.fingerprints
		if rs.overflow {
			src.Boundary = nil // the next run reads the rows at the watermark again
		}
	}
	return b, nil
}

// sourceError is err from the source database as a message for the provider: what failed
// (in English, and by its key in the message files) and the database's own words.
func sourceError(what, key string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return pubdata.Errorf(pubdata.EINVALID, "%s: it did not answer in time.", what).Keyed("error.pull.timeout", "What", pubdata.NewMessage(key))
	}
	return pubdata.Errorf(pubdata.EINVALID, "%s: %s", what, err.Error()).Keyed("error.pull.source", "What", pubdata.NewMessage(key), "Problem", err.Error())
}

// Open returns a database/sql handle on a source (it does not connect yet). MySQL DSNs
// are the Go driver's form or a mysql:// URL; times are read as time.Time in UTC, that is
// the source's wall clock.
func Open(driver, dsn string) (*sql.DB, error) {
	switch driver {
	case pubdata.DriverPostgres:
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, pubdata.FieldErrorf("dsn", "The PostgreSQL connection string is not valid.").Keyed("error.pull.dsn.postgres")
		}
		db.SetMaxOpenConns(1)
		return db, nil
	case pubdata.DriverMySQL:
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			return nil, err
		}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, pubdata.FieldErrorf("dsn", "The MySQL connection string is not valid.").Keyed("error.pull.dsn.mysql")
		}
		db := sql.OpenDB(c)
		db.SetMaxOpenConns(1)
		return db, nil
	}
	return nil, pubdata.FieldErrorf("driver", "The driver must be one of %s.", strings.Join(pubdata.PullDrivers, ", ")).
		Keyed("error.source.driver", "Drivers", strings.Join(pubdata.PullDrivers, ", "))
}

func mysqlConfig(dsn string) (*mysql.Config, error) {
	bad := pubdata.FieldErrorf("dsn", "The MySQL connection string is not valid; use user:password@tcp(host:3306)/database or mysql://user:password@host:3306/database.").
		Keyed("error.pull.dsn.mysql_form")

	var cfg *mysql.Config
	if strings.HasPrefix(dsn, "mysql://") {
		u, err := url.Parse(dsn)
		if err != nil || u.Host == "" {
			return nil, bad
		}
		cfg = mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
		if _, _, err := net.SplitHostPort(u.Host); err != nil {
			cfg.Addr = net.JoinHostPort(u.Host, "3306")
		}
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		if t := u.Query().Get("tls"); t != "" {
			cfg.TLSConfig = t
		}
	} else {
		var err error
		if cfg, err = mysql.ParseDSN(dsn); err != nil {
			return nil, bad
		}
	}
	cfg.ParseTime, cfg.Loc = true, time.UTC
	if cfg.Timeout == 0 {
		cfg.Timeout = ConnectTimeout
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	return cfg, nil
}

// quoteIdent quotes a validated name (schema.table allowed) for the driver's dialect:
// backticks on MySQL, double quotes on PostgreSQL.
func quoteIdent(driver, name string) string {
	if !pubdata.ValidSourceTable(name) {
		panic(fmt.Sprintf("pull: identifier %q was not validated", name))
	}
	q := `"`
	if driver == pubdata.DriverMySQL {
		q = "`"
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + p + q
	}
	return strings.Join(parts, ".")
}

// Query returns the SQL that reads src's rows from the watermark on, in "updated at"
// order: the items' source columns in item order, then the "updated at" column.
func Query(src *pubdata.PullSource, items []pubdata.Item) (string, []any) {
	cols := make([]string, 0, len(items)+1)
	for _, it := range items {
		cols = append(cols, quoteIdent(src.Driver, src.SourceColumn(it.Name)))
	}
	upd := quoteIdent(src.Driver, src.UpdatedColumn)
	cols = append(cols, upd)
	from := quoteIdent(src.Driver, orDefault(src.Table, "x"))
	if src.Table == "" {
		from = "(" + src.Query + ") pd_src"
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + from
	var args []any
	if src.Watermark != "" {
		ph := "?"
		if src.Driver == pubdata.DriverPostgres {
			ph = "$1"
		}
		q += " WHERE " + upd + " >= " + ph
		args = append(args, watermarkArg(src.Watermark))
	}
	return q + " ORDER BY " + upd, args
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// watermarkArg is the query argument for a stored watermark: a time for the text of a
// time (as markText wrote it), an integer for digits, else the text.
func watermarkArg(s string) any {
	if t, err := time.ParseInLocation(wallClock, s, time.UTC); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

// rowSource yields the source's rows as the batch's rows.
type rowSource struct {
	rows  *sql.Rows
	items []pubdata.Item
	src   *pubdata.PullSource
	tz    []bool // column i is a time with a zone
	num   int64
	// boundary: the fingerprints of the rows at the old watermark that the last run read.
	boundary map[string]bool
	// The new watermark and the fingerprints of the rows at it.
	seen         bool
	mark         string
	fingerprints []string
	overflow     bool
}

func (r *rowSource) Read() int64 { return 0 }
func (r *rowSource) Size() int64 { return -1 }

// Next implements pubdata.RowSource.
func (r *rowSource) Next() (*pubdata.SourceRow, error) {
	n := len(r.items)
	raw := make([]any, n+1)
	ptrs := make([]any, n+1)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for {
		if !r.rows.Next() {
			if err := r.rows.Err(); err != nil {
				return nil, sourceError("Reading the source failed", "error.pull.what.read", err)
			}
			return nil, io.EOF
		}
		if err := r.rows.Scan(ptrs...); err != nil {
			return nil, sourceError("Reading the source failed", "error.pull.what.read", err)
		}
		r.num++
		texts := make([]string, n)
		nulls := make([]bool, n)
		for i := range n {
			texts[i], nulls[i] = valueText(raw[i], r.items[i].Type, r.tz[i])
		}
		fp := fingerprint(texts, nulls)
		var mark string
		if raw[n] != nil {
			mark, _ = valueText(raw[n], "", r.tz[n])
			if mark == r.src.Watermark && r.boundary[fp] {
				continue // read by the last run, unchanged
			}
			if !r.seen || mark != r.mark {
				r.seen, r.mark, r.fingerprints, r.overflow = true, mark, r.fingerprints[:0], false
				if mark == r.src.Watermark {
					// Still at the old watermark: keep remembering the rows the last run read.
					r.fingerprints = append(r.fingerprints, r.src.Boundary...)
				}
			}
			if len(r.fingerprints) < pubdata.MaxPullBoundary {
				r.fingerprints = append(r.fingerprints, fp)
			} else {
				r.overflow = true
			}
		}
		return Record(r.items, texts, nulls, r.num), nil
	}
}

// fingerprint identifies a row's values.
func fingerprint(texts []string, nulls []bool) string {
	h := sha256.New()
	for i, t := range texts {
		if nulls[i] {
			h.Write([]byte{0})
		} else {
			h.Write([]byte(t))
		}
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// valueText is the text form of a driver value for an item of type typ ("" for the
// watermark); null reports NULL. Times without a zone keep their wall clock.
func valueText(v any, typ string, zoned bool) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case []byte:
		return string(x), false
	case string:
		return x, false
	case int64:
		return strconv.FormatInt(x, 10), false
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), false
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), false
	case bool:
		return strconv.FormatBool(x), false
	case time.Time:
		switch {
		case typ == "date":
			return x.Format(pubdata.DateFormat), false
		case zoned:
			return x.Format(time.RFC3339Nano), false
		}
		return x.Format(wallClock), false
	}
	return fmt.Sprint(v), false
}

// Record checks one source row's values (text forms, in item order; nulls[i] for NULL)
// against the items with the file loader's rules (datafile.Record): type, length, key
// presence and standard elements, bad values masked when personal.
func Record(items []pubdata.Item, texts []string, nulls []bool, num int64) *pubdata.SourceRow {
	obj := make(map[string]any, len(items))
	for i, it := range items {
		if nulls[i] {
			obj[it.Name] = nil
		} else {
			obj[it.Name] = texts[i]
		}
	}
	return datafile.Record(items, obj, num, datafile.Options{})
}
