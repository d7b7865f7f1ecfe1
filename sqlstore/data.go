package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
	"github.com/pubdata/pubdata/locale"
)

// The entries' tables. Each published table entry owns a table "d_<entry id hex>" with
// three system columns and one column per data item:
//
//	_row   the row's number, increasing in load order (keyset pagination's tiebreak):
//	       the batch's seq << 32 + the row's ordinal in the batch
//	_from  the seq of the batch that wrote the row
//	_to    the seq of the batch that superseded it (updated, deleted, replaced, rolled
//	       back); NULL while the row is current
//
// Rows are never updated in place or deleted, except by PurgeHistory. The current table is
// `_to IS NULL`; the table as of batch s is `_from <= s AND (_to IS NULL OR _to > s)`. A
// unique index on the key columns over the current rows keeps the key.
//
// A batch runs in one transaction on one connection: its rows go first into a temporary
// staging table (COPY on PostgreSQL, multi-row INSERTs on SQLite), the key rules are checked
// there as set operations, then the current rows it supersedes are closed and its rows
// inserted, and the batch, the table's figures and the audit event commit together. A batch
// that fails, or a process killed while it runs, leaves the table as it was.

// DataService implements pubdata.DataService.
type DataService struct {
	db   *DB
	live sync.Map // batch id → *liveBatch, for the batches this process runs
	// HeartbeatEvery is how often a running batch marks itself alive on PostgreSQL (0: 20 s);
	// a ninth of the servers' batch_stale_after.
	HeartbeatEvery time.Duration
}

var _ pubdata.DataService = (*DataService)(nil)

// NewDataService returns the data service on db.
func NewDataService(db *DB) *DataService { return &DataService{db: db} }

// liveBatch is the progress of a batch running in this process.
type liveBatch struct {
	rows    atomic.Int64
	started time.Time
	src     pubdata.RowSource
}

func (l *liveBatch) progress(now time.Time) *pubdata.Progress {
	p := &pubdata.Progress{Rows: l.rows.Load(), Percent: -1}
	if d := now.Sub(l.started).Seconds(); d > 0 {
		p.RowsPerSec = float64(p.Rows) / d
	}
	if l.src != nil && l.src.Size() > 0 {
		p.Percent = min(100, 100*float64(l.src.Read())/float64(l.src.Size()))
	}
	return p
}

var (
	columnPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	entryIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)
)

// quote returns a column name quoted for SQL, after checking it is an item name (the
// domain's rule); names from anywhere else never reach SQL.
func quote(name string) string {
	if !columnPattern.MatchString(name) && !encPattern.MatchString(name) {
		panic(fmt.Sprintf("sqlstore: column name %q is not an item name", name))
	}
	return `"` + name + `"`
}

// tableName returns the name of an entry's table, from its id (a UUID).
func tableName(entryID string) (string, error) {
	if !entryIDPattern.MatchString(entryID) {
		return "", pubdata.Errorf(pubdata.EINVALID, "Entry id %q is not valid.", entryID).Keyed("error.entry.id_invalid", "ID", entryID)
	}
	return "d_" + strings.ToLower(strings.ReplaceAll(entryID, "-", "")), nil
}

// columnType is the SQL type of an item type on the dialect. Dates and datetimes are text
// in one fixed form on both databases, so they compare and sort the same.
func (d *DB) columnType(typ string) string {
	switch typ {
	case "integer":
		return "BIGINT"
	case "number":
		return "DOUBLE PRECISION"
	case "boolean":
		if d.dialect == Postgres {
			return "BOOLEAN"
		}
		return "INTEGER"
	}
	return "TEXT"
}

// tableColumn is a column of an entry's table as data_tables records it.
type tableColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Enc: the column holds blind indexes and _e_<name> the encrypted values (encryption.go).
	Enc bool `json:"enc,omitempty"`
}

// tableMeta is an entry's row of data_tables.
type tableMeta struct {
	entry, tbl    string
	columns       []tableColumn
	keys          []string
	rowCount      int64
	seq, batches  int64
	purged        int64
	lastBatch     sql.NullString
	lastLoadedAt  nullTime
	createdAt     string
	columnsByName map[string]tableColumn
	withheld      []string // columns withheld from the public (E7, openwatch.go)
	keyVersion    int64    // the version of the entry's keys (0: nothing encrypted)
}

const tableMetaQuery = "SELECT tbl, columns, key_columns, row_count, batch_seq, batches, purged_through, last_batch, last_loaded_at, created_at, withheld, key_version FROM data_tables WHERE entry_id = ?"

func (tx *Tx) tableMeta(ctx context.Context, entryID string, lock bool) (*tableMeta, error) {
	q := tableMetaQuery
	if lock {
		q += tx.db.forUpdate()
	}
	return scanTableMeta(tx.queryRow(ctx, q, entryID), entryID)
}

// tableMeta reads an entry's data_tables row outside a transaction.
func (d *DB) tableMeta(ctx context.Context, entryID string) (*tableMeta, error) {
	return scanTableMeta(d.queryRow(ctx, tableMetaQuery, entryID), entryID)
}

func scanTableMeta(row *sql.Row, entryID string) (*tableMeta, error) {
	m := &tableMeta{entry: entryID}
	var cols, keys, withheld string
	err := row.Scan(&m.tbl, &cols, &keys, &m.rowCount, &m.seq, &m.batches, &m.purged, &m.lastBatch, &m.lastLoadedAt, &m.createdAt, &withheld, &m.keyVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q has no table yet: it is created when a table entry with data items is published.", entryID).
			Keyed("error.data.no_table", "Entry", entryID)
	} else if err != nil {
		return nil, err
	}
	d, err := decodeTableColumns(cols, keys)
	if err != nil {
		return nil, fmt.Errorf("data table %s: %w", m.tbl, err)
	}
	// Each meta gets its own slices (ensureTable changes them); the map is only read.
	m.columns, m.keys, m.columnsByName = slices.Clone(d.columns), slices.Clone(d.keys), d.byName
	if withheld != "[]" && withheld != "" {
		if err := json.Unmarshal([]byte(withheld), &m.withheld); err != nil {
			return nil, fmt.Errorf("data table %s: withheld: %w", m.tbl, err)
		}
	}
	return m, nil
}

// decodedColumns are a table's columns and key as data_tables stores them, decoded.
type decodedColumns struct {
	columns []tableColumn
	keys    []string
	byName  map[string]tableColumn
}

// tableColumnsCache holds the decoded columns of each distinct stored text (a few per
// table: one per version that changed them), so that a read does not decode JSON.
var tableColumnsCache sync.Map // columns + "\x00" + keys → *decodedColumns

func decodeTableColumns(cols, keys string) (*decodedColumns, error) {
	ck := cols + "\x00" + keys
	if d, ok := tableColumnsCache.Load(ck); ok {
		return d.(*decodedColumns), nil
	}
	d := &decodedColumns{byName: map[string]tableColumn{}}
	if err := json.Unmarshal([]byte(cols), &d.columns); err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	if err := json.Unmarshal([]byte(keys), &d.keys); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	for _, c := range d.columns {
		d.byName[c.Name] = c
	}
	tableColumnsCache.Store(ck, d)
	return d, nil
}

func keyNames(items []pubdata.Item) []string {
	out := []string{}
	for _, i := range pubdata.KeyItems(items) {
		out = append(out, items[i].Name)
	}
	return out
}

// ensureTable creates the entry's table, or brings it to the entry's items: new items add
// columns; a changed type is allowed only while the table has no rows (history included);
// a changed key rebuilds the key index, which fails with ECONFLICT if the current rows
// break it. Entries that are not tables, or have no items, have no table.
func (tx *Tx) ensureTable(ctx context.Context, e *pubdata.Entry) error {
	if e.Format != pubdata.FormatTable || len(e.Items) == 0 {
		return nil
	}
	tbl, err := tableName(e.ID)
	if err != nil {
		return err
	}
	keys := keyNames(e.Items)
	m, err := tx.tableMeta(ctx, e.ID, true)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return tx.createTable(ctx, e, tbl, keys)
	} else if err != nil {
		return err
	}
	changed := false
	var toEncrypt []pubdata.Item
	for _, it := range e.Items {
		c, ok := m.columnsByName[it.Name]
		switch {
		case !ok:
			enc := tx.db.encrypts(it)
			if enc {
				if err := tx.prepareEncryption(ctx, m); err != nil {
					return err
				}
			}
			if _, err := tx.exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", m.tbl, quote(it.Name), tx.db.storeType(it.Type, enc))); err != nil {
				return fmt.Errorf("add column %s: %w", it.Name, err)
			}
			if enc {
				if _, err := tx.exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s TEXT", m.tbl, quote(encColumn(it.Name)))); err != nil {
					return fmt.Errorf("add column %s: %w", it.Name, err)
				}
			}
			m.columns = append(m.columns, tableColumn{Name: it.Name, Type: it.Type, Enc: enc})
			changed = true
		case c.Enc && c.Type != it.Type:
			// Stored as text whatever the type: only the record changes, while there are no rows.
			var n int64
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM "+m.tbl).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return pubdata.Errorf(pubdata.ECONFLICT, "Data item %s changes type from %s to %s, but the table already holds %d rows of it; add a new item instead.", it.Name, c.Type, it.Type, n).
					Keyed("error.data.retype", "Item", it.Name, "From", c.Type, "To", it.Type, "Rows", n)
			}
			for i := range m.columns {
				if m.columns[i].Name == it.Name {
					m.columns[i].Type = it.Type
				}
			}
			changed = true
		case c.Enc:
		case tx.db.columnType(c.Type) != tx.db.columnType(it.Type):
			var n int64
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM "+m.tbl).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return pubdata.Errorf(pubdata.ECONFLICT, "Data item %s changes type from %s to %s, but the table already holds %d rows of it; add a new item instead.", it.Name, c.Type, it.Type, n).
					Keyed("error.data.retype", "Item", it.Name, "From", c.Type, "To", it.Type, "Rows", n)
			}
			if _, err := tx.exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", m.tbl, quote(it.Name))); err != nil {
				return fmt.Errorf("retype column %s: %w", it.Name, err)
			}
			if _, err := tx.exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", m.tbl, quote(it.Name), tx.db.columnType(it.Type))); err != nil {
				return fmt.Errorf("retype column %s: %w", it.Name, err)
			}
			fallthrough
		case c.Type != it.Type:
			for i := range m.columns {
				if m.columns[i].Name == it.Name {
					m.columns[i].Type = it.Type
				}
			}
			changed = true
		}
		if ok && !c.Enc && tx.db.encrypts(it) {
			toEncrypt = append(toEncrypt, it)
		}
	}
	// Items the policy now encrypts (a higher grade, a new personal mark, a stricter
	// policy): their values are encrypted in place (encryption.go).
	for _, it := range toEncrypt {
		if err := tx.encryptColumn(ctx, m, it); err != nil {
			return err
		}
		changed = true
	}
	if !slices.Equal(keys, m.keys) {
		if _, err := tx.exec(ctx, fmt.Sprintf("DROP INDEX IF EXISTS %s_key", m.tbl)); err != nil {
			return err
		}
		if err := tx.createKeyIndex(ctx, m.tbl, keys); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	cols, _ := json.Marshal(m.columns)
	kj, _ := json.Marshal(keys)
	if _, err := tx.exec(ctx, "UPDATE data_tables SET tbl = ?, columns = ?, key_columns = ?, key_version = ?, updated_at = ? WHERE entry_id = ?", m.tbl, string(cols), string(kj), m.keyVersion, fmtTime(tx.now), e.ID); err != nil {
		return err
	}
	details := map[string]any{"version": e.Version, "columns": len(m.columns), "key": keys}
	if len(toEncrypt) > 0 {
		details["encrypted"] = itemNames(toEncrypt)
	}
	return tx.record(ctx, change{Action: "data.table_migrate", Object: "entry:" + e.ID, Details: details})
}

func (tx *Tx) createTable(ctx context.Context, e *pubdata.Entry, tbl string, keys []string) error {
	var keyVersion int64
	for _, it := range e.Items {
		if tx.db.encrypts(it) && keyVersion == 0 {
			// Important data: its keys, and on PostgreSQL a schema of its own.
			var err error
			if _, keyVersion, err = tx.ensureEntryKeys(ctx, e.ID); err != nil {
				return err
			}
			tbl = tx.db.importantTable(tbl)
		}
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE " + tbl + " (")
	// _row is seq<<32 + the row's ordinal in its batch (rowBase): increasing in load order,
	// without a sequence to serialise on.
	if tx.db.dialect == Postgres {
		b.WriteString("_row BIGINT PRIMARY KEY")
	} else {
		b.WriteString("_row INTEGER PRIMARY KEY")
	}
	b.WriteString(", _from BIGINT NOT NULL, _to BIGINT")
	cols := make([]tableColumn, 0, len(e.Items))
	for _, it := range e.Items {
		enc := tx.db.encrypts(it)
		b.WriteString(", " + quote(it.Name) + " " + tx.db.storeType(it.Type, enc))
		if enc {
			b.WriteString(", " + quote(encColumn(it.Name)) + " TEXT")
		}
		cols = append(cols, tableColumn{Name: it.Name, Type: it.Type, Enc: enc})
	}
	b.WriteString(")")
	if _, err := tx.exec(ctx, b.String()); err != nil {
		return fmt.Errorf("create table %s: %w", tbl, err)
	}
	if _, err := tx.exec(ctx, fmt.Sprintf("CREATE INDEX %s_to ON %s (_to) WHERE _to IS NOT NULL", bareTable(tbl), tbl)); err != nil {
		return err
	}
	if err := tx.createKeyIndex(ctx, tbl, keys); err != nil {
		return err
	}
	cj, _ := json.Marshal(cols)
	kj, _ := json.Marshal(keys)
	now := fmtTime(tx.now)
	if _, err := tx.exec(ctx, "INSERT INTO data_tables (entry_id, tbl, columns, key_columns, key_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		e.ID, tbl, string(cj), string(kj), keyVersion, now, now); err != nil {
		return err
	}
	return tx.record(ctx, change{Action: "data.table_create", Object: "entry:" + e.ID, Details: map[string]any{"version": e.Version, "columns": len(cols), "key": keys}})
}

func (tx *Tx) createKeyIndex(ctx context.Context, tbl string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = quote(k)
	}
	_, err := tx.exec(ctx, fmt.Sprintf("CREATE UNIQUE INDEX %s_key ON %s (%s) WHERE _to IS NULL", bareTable(tbl), tbl, strings.Join(q, ", ")))
	if isUniqueViolation(err) {
		return pubdata.Errorf(pubdata.ECONFLICT, "The new key (%s) is not unique in the table's current rows; correct the data or the key.", strings.Join(keys, ", ")).
			Keyed("error.data.key_not_unique", "Keys", strings.Join(keys, ", "))
	}
	return err
}

// EnsureTable implements pubdata.DataService.
func (s *DataService) EnsureTable(ctx context.Context, e *pubdata.Entry) error {
	if _, err := pubdata.TableItems(e); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.ensureTable(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}

// --- batches ---

const batchColumns = `id, entry_id, seq, org, actor, source, mode, on_error, format, file_name, status, entry_version,
	rows_in, rows_loaded, rows_rejected, rows_superseded, message, idempotency_key, rollback_of, rolled_back_by, attempts,
	created_at, started_at, finished_at, msg`

func scanBatch(sc interface{ Scan(...any) error }) (*pubdata.Batch, error) {
	b := &pubdata.Batch{Errors: []pubdata.RowError{}}
	var idem, rollbackOf, rolledBackBy sql.NullString
	var started, finished nullTime
	var msg string
	err := sc.Scan(&b.ID, &b.Entry, &b.Seq, &b.Org, &b.Actor, &b.Source, &b.Mode, &b.OnError, &b.Format, &b.FileName, &b.Status, &b.EntryVersion,
		&b.RowsIn, &b.RowsLoaded, &b.RowsRejected, &b.RowsSuperseded, &b.Message, &idem, &rollbackOf, &rolledBackBy, &b.Attempts,
		timeCol{&b.CreatedAt}, &started, &finished, &msg)
	if err == nil {
		b.Msg, err = parseMessage(msg)
	}
	if err != nil {
		return nil, err
	}
	b.IdempotencyKey, b.RollbackOf, b.RolledBackBy = idem.String, rollbackOf.String, rolledBackBy.String
	b.StartedAt, b.FinishedAt = started.t, finished.t
	return b, nil
}

func notFoundBatch(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Batch %q was not found.", id).Keyed("error.batch.not_found", "ID", id)
}

func (tx *Tx) batch(ctx context.Context, id string, lock bool) (*pubdata.Batch, error) {
	q := "SELECT " + batchColumns + " FROM data_batches WHERE id = ?"
	if lock {
		q += tx.db.forUpdate()
	}
	b, err := scanBatch(tx.queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundBatch(id)
	}
	return b, err
}

// CreateBatch implements pubdata.DataService.
func (s *DataService) CreateBatch(ctx context.Context, e *pubdata.Entry, opt pubdata.LoadOptions) (*pubdata.Batch, bool, error) {
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, false, err
	}
	if err := pubdata.ValidateLoadOptions(&opt); err != nil {
		return nil, false, err
	}
	if opt.Mode == pubdata.ModeUpsert && len(pubdata.KeyItems(items)) == 0 {
		return nil, false, pubdata.FieldErrorf("mode", "Upsert needs key items, and this entry has none; use append or replace.").Keyed("error.batch.upsert_no_key")
	}
	if opt.Source == "" {
		opt.Source = pubdata.SourceUpload
	}
	if opt.IdempotencyKey != "" {
		if b, err := s.batchByIdempotencyKey(ctx, e.ID, opt.IdempotencyKey); err == nil {
			return b, false, nil
		} else if pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
			return nil, false, err
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	if err := tx.ensureTable(ctx, e); err != nil {
		return nil, false, err
	}
	a := pubdata.ActorFromContext(ctx)
	id := newID()
	var idem any
	if opt.IdempotencyKey != "" {
		idem = opt.IdempotencyKey
	}
	_, err = tx.exec(ctx, `INSERT INTO data_batches (id, entry_id, org, actor, source, mode, on_error, format, file_name, status, entry_version, idempotency_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, e.ID, e.Org, a.Username(), opt.Source, string(opt.Mode), string(opt.OnError), opt.Format, opt.FileName, string(pubdata.BatchRunning), e.Version, idem, fmtTime(tx.now))
	if isUniqueViolation(err) && opt.IdempotencyKey != "" {
		tx.Rollback()
		b, err := s.batchByIdempotencyKey(ctx, e.ID, opt.IdempotencyKey)
		return b, false, err
	} else if err != nil {
		return nil, false, err
	}
	if err := tx.record(ctx, change{Action: "data.batch_create", Object: "batch:" + id, Details: map[string]any{
		"entry": e.ID, "mode": opt.Mode, "on_error": opt.OnError, "source": opt.Source, "file": opt.FileName}}); err != nil {
		return nil, false, err
	}
	b, err := tx.batch(ctx, id, false)
	if err != nil {
		return nil, false, err
	}
	return b, true, tx.Commit()
}

func (s *DataService) batchByIdempotencyKey(ctx context.Context, entryID, key string) (*pubdata.Batch, error) {
	var id string
	err := s.db.queryRow(ctx, "SELECT id FROM data_batches WHERE entry_id = ? AND idempotency_key = ?", entryID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundBatch(key)
	} else if err != nil {
		return nil, err
	}
	return s.FindBatchByID(ctx, id)
}

// FindBatchByID implements pubdata.DataService.
func (s *DataService) FindBatchByID(ctx context.Context, id string) (*pubdata.Batch, error) {
	b, err := scanBatch(s.db.queryRow(ctx, "SELECT "+batchColumns+" FROM data_batches WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundBatch(id)
	} else if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, "SELECT row_num, col, code, message, value, msg, sensitive FROM data_batch_errors WHERE batch_id = ? ORDER BY n", id)
	if err != nil {
		return nil, err
	}
	errs, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (pubdata.RowError, error) {
		var e pubdata.RowError
		var msg string
		var sensitive int
		if err := sc.Scan(&e.Row, &e.Column, &e.Code, &e.Message, &e.Value, &msg, &sensitive); err != nil {
			return e, err
		}
		e.Sensitive = sensitive != 0
		e.Msg, err = parseMessage(msg)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	for i := range errs {
		if strings.HasPrefix(errs[i].Value, envelope.Prefix) {
			k, err := s.db.entryKeys(ctx, s.db, b.Entry, 0)
			if err != nil {
				return nil, err
			}
			if errs[i].Value, err = openText(k, errs[i].Value); err != nil {
				return nil, err
			}
		}
	}
	if errs != nil {
		b.Errors = errs
	}
	if b.Status == pubdata.BatchRunning {
		if l, ok := s.live.Load(id); ok {
			b.Progress = l.(*liveBatch).progress(s.db.Now())
		}
	}
	return b, nil
}

// FindBatches implements pubdata.DataService.
func (s *DataService) FindBatches(ctx context.Context, entryID string, limit int, cursor string) ([]*pubdata.Batch, string, error) {
	limit, err := pubdata.PageLimit(limit)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	q := "SELECT " + batchColumns + " FROM data_batches WHERE entry_id = ?"
	args := []any{entryID}
	if after != "" {
		created, id, _ := strings.Cut(after, "|")
		q += " AND (created_at < ? OR (created_at = ? AND id < ?))"
		args = append(args, created, created, id)
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.db.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, scanBatch)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(fmtTime(last.CreatedAt) + "|" + last.ID)
	}
	now := s.db.Now()
	for _, b := range out {
		if b.Status == pubdata.BatchRunning {
			if l, ok := s.live.Load(b.ID); ok {
				b.Progress = l.(*liveBatch).progress(now)
			}
		}
	}
	return out, next, nil
}

// TableStats implements pubdata.DataService.
func (s *DataService) TableStats(ctx context.Context, entryID string) (*pubdata.TableStats, error) {
	m, err := s.db.cachedTableMeta(ctx, entryID) // readcache.go
	if err != nil {
		return nil, err
	}
	st := &pubdata.TableStats{Entry: entryID, Rows: m.rowCount, Batches: m.batches, LastBatch: m.lastBatch.String, LastLoadedAt: m.lastLoadedAt.t, Columns: []string{}}
	for _, c := range m.columns {
		st.Columns = append(st.Columns, c.Name)
	}
	cond, args, err := s.db.cachedFrozen(ctx, m) // readcache.go
	if err != nil {
		return nil, err
	}
	if cond != "" {
		if st.Frozen, err = countFrozen(ctx, s.db, m, cond, args); err != nil { // objections.go
			return nil, err
		}
	}
	return st, nil
}

// ClearRejectedValues implements pubdata.DataService.
func (s *DataService) ClearRejectedValues(ctx context.Context, before time.Time) (int, error) {
	rows, err := s.db.query(ctx, "SELECT b.id, b.entry_id FROM data_batches b WHERE b.finished_at < ? AND EXISTS (SELECT 1 FROM data_batch_errors e WHERE e.batch_id = b.id AND e.sensitive = 1) ORDER BY b.finished_at LIMIT 500", fmtTime(before))
	if err != nil {
		return 0, err
	}
	type old struct{ id, entry string }
	list, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (old, error) {
		var x old
		return x, sc.Scan(&x.id, &x.entry)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list {
		tx, err := s.db.begin(ctx)
		if err != nil {
			return n, err
		}
		res, err := tx.exec(ctx, "UPDATE data_batch_errors SET value = '', sensitive = 0 WHERE batch_id = ? AND sensitive = 1", b.id)
		if err == nil {
			if k, _ := res.RowsAffected(); k > 0 {
				err = tx.record(ctx, change{Action: "data.report_cleared", Object: "batch:" + b.id, Details: map[string]any{"entry": b.entry, "values": k}})
				n++
			}
		}
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// QueuedBatchGrace is how much longer than a started batch a queued one (never claimed) may
// wait before FailStaleBatches fails it.
const QueuedBatchGrace = time.Hour

// FailStaleBatches implements pubdata.DataService.
func (s *DataService) FailStaleBatches(ctx context.Context, before time.Time) (int, error) {
	// A batch never claimed (attempts 0) is queued: its load job runs it whichever server
	// takes it (cmd/pubdata/jobs.go), after fetching its upload; only one created more than
	// QueuedBatchGrace before is taken as lost with the server that created it.
	rows, err := s.db.query(ctx, "SELECT id, entry_id, source FROM data_batches WHERE status = ? AND COALESCE(heartbeat_at, started_at, created_at) < ? AND (attempts > 0 OR created_at < ?)",
		string(pubdata.BatchRunning), fmtTime(before), fmtTime(before.Add(-QueuedBatchGrace)))
	if err != nil {
		return 0, err
	}
	type stale struct{ id, entry, source string }
	list, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (stale, error) {
		var x stale
		return x, sc.Scan(&x.id, &x.entry, &x.source)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list {
		if _, ok := s.live.Load(b.id); ok {
			continue // running here
		}
		tx, err := s.db.begin(ctx)
		if err != nil {
			return n, err
		}
		m := pubdata.NewMessage("batch.failure.interrupted")
		if b.source == pubdata.SourceCLI {
			// The platform keeps no file of pubdata ingest: the retry is ingest's own.
			m = pubdata.NewMessage("batch.failure.interrupted_cli")
		}
		res, err := tx.exec(ctx, "UPDATE data_batches SET status = ?, message = ?, msg = ?, finished_at = ? WHERE id = ? AND status = ?",
			string(pubdata.BatchFailed), locale.Render(locale.EN, m), formatMessage(m), fmtTime(tx.now), b.id, string(pubdata.BatchRunning))
		if err == nil {
			if k, _ := res.RowsAffected(); k == 1 {
				err = tx.record(ctx, change{Action: "data.load_failed", Object: "batch:" + b.id, Details: map[string]any{"entry": b.entry, "reason": "interrupted"}})
				n++
			}
		}
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// --- loading ---

// loadFailure is a batch that failed for a reason the provider can act on.
type loadFailure struct {
	msg      string           // in English
	m        *pubdata.Message // the message by key; nil for a domain error's sentence
	rowsIn   int64
	rejected int64
	errs     []pubdata.RowError
}

func (f *loadFailure) Error() string { return f.msg }

// RunBatch implements pubdata.DataService.
func (s *DataService) RunBatch(ctx context.Context, e *pubdata.Entry, id string, src pubdata.RowSource, opt pubdata.LoadOptions) (*pubdata.Batch, error) {
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	b, err := s.FindBatchByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Entry != e.ID {
		return nil, notFoundBatch(id)
	}
	switch b.Status {
	case pubdata.BatchDone, pubdata.BatchRolledBack:
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is already %s; it cannot run again.", id, b.Status).
			Keyed("error.batch.already_ended", "ID", id, "Status", batchStateWord(b.Status))
	}
	if _, loaded := s.live.Load(id); loaded {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is running.", id).Keyed("error.batch.running", "ID", id)
	}
	// The batch's settings are those it was created with.
	opt.Mode, opt.OnError, opt.Source = b.Mode, b.OnError, b.Source
	live := &liveBatch{started: s.db.Now(), src: src}
	if _, dup := s.live.LoadOrStore(id, live); dup {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is running.", id).Keyed("error.batch.running", "ID", id)
	}
	defer s.live.Delete(id)
	// Claim the batch: a new one (running, never started) or a failed one, never one that
	// another server runs (running with attempts).
	now := fmtTime(s.db.Now())
	res, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE data_batches SET status = ?, attempts = attempts + 1, started_at = ?, heartbeat_at = ?, message = '', msg = ''
		WHERE id = ? AND (status = ? OR (status = ? AND attempts = 0))`),
		string(pubdata.BatchRunning), now, now, id, string(pubdata.BatchFailed), string(pubdata.BatchRunning))
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is running, or was interrupted and is not yet marked failed (a server does that after a few minutes); retry it then.", id).
			Keyed("error.batch.running_or_interrupted", "ID", id)
	}
	stop := s.heartbeat(id)
	err = s.load(ctx, e, items, b, src, opt, live)
	stop()
	if err != nil {
		var f *loadFailure
		if !errors.As(err, &f) {
			var pe *pubdata.Error
			if errors.As(err, &pe) {
				f = &loadFailure{msg: pe.Message}
			} else if ctx.Err() != nil {
				f = failure(pubdata.NewMessage("batch.failure.cancelled"))
			} else {
				f = failure(pubdata.NewMessage("batch.failure.server"))
			}
			f.rowsIn = live.rows.Load()
		}
		// The failure is recorded even when ctx was cancelled.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if ferr := s.recordFailure(fctx, e, id, f, err); ferr != nil {
			return nil, errors.Join(err, ferr)
		}
	}
	return s.FindBatchByID(context.WithoutCancel(ctx), id)
}

// heartbeat marks the batch alive every 20 s while it runs, on PostgreSQL (where other
// servers may look for stale batches); SQLite has one process, whose start-up fails the
// batches it finds running.
func (s *DataService) heartbeat(id string) func() {
	if s.db.dialect != Postgres {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		every := s.HeartbeatEvery
		if every <= 0 {
			every = 20 * time.Second
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				s.db.Exec(ctx, "UPDATE data_batches SET heartbeat_at = ? WHERE id = ? AND status = ?", fmtTime(s.db.Now()), id, string(pubdata.BatchRunning))
				cancel()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// recordFailure writes a failed batch's figures, errors and audit event.
func (s *DataService) recordFailure(ctx context.Context, e *pubdata.Entry, id string, f *loadFailure, cause error) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE data_batches SET status = ?, seq = 0, rows_in = ?, rows_loaded = 0, rows_rejected = ?, rows_superseded = 0, message = ?, msg = ?, finished_at = ? WHERE id = ? AND status = ?",
		string(pubdata.BatchFailed), f.rowsIn, f.rejected, f.msg, formatMessage(f.m), fmtTime(tx.now), id, string(pubdata.BatchRunning))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil // no longer ours: marked failed as interrupted, or finished by another run
	}
	var seal *envelope.EntryKeys
	if m, err := tx.tableMeta(ctx, e.ID, false); err == nil && m.hasEncrypted() {
		if seal, err = tx.db.entryKeys(ctx, tx, e.ID, m.keyVersion); err != nil {
			return err
		}
	}
	if err := tx.writeBatchErrors(ctx, id, seal, f.errs); err != nil {
		return err
	}
	details := map[string]any{"entry": e.ID, "rows_in": f.rowsIn, "rows_rejected": f.rejected, "message": f.msg}
	var lf *loadFailure
	if cause != nil && !errors.As(cause, &lf) && pubdata.ErrorCode(cause) == pubdata.EINTERNAL {
		details["internal"] = true
	}
	if err := tx.record(ctx, change{Action: "data.load_failed", Object: "batch:" + id, Details: details}); err != nil {
		return err
	}
	return tx.Commit()
}

// failure is a load failure with the message m.
func failure(m *pubdata.Message) *loadFailure {
	return &loadFailure{msg: locale.Render(locale.EN, m), m: m}
}

// formatMessage is the stored form of a message: JSON, ” for none.
func formatMessage(m *pubdata.Message) string {
	if m == nil {
		return ""
	}
	b, _ := json.Marshal(m) // strings and maps of strings: cannot fail
	return string(b)
}

// parseMessage reads a stored message; ” is none.
func parseMessage(s string) (*pubdata.Message, error) {
	if s == "" {
		return nil, nil
	}
	m := &pubdata.Message{}
	if err := json.Unmarshal([]byte(s), m); err != nil {
		return nil, fmt.Errorf("stored message: %w", err)
	}
	return m, nil
}

// namedByFile returns the items with the titles the file used for them, when src is a file
// that names its columns (datafile.Source: its header cells as written), so that the key
// rules' messages name the columns as the file did (身份证号, id_no).
func namedByFile(items []pubdata.Item, src pubdata.RowSource) []pubdata.Item {
	hs, ok := src.(interface{ Headers() map[string]string })
	if !ok {
		return items
	}
	names := hs.Headers()
	if len(names) == 0 {
		return items
	}
	out := slices.Clone(items)
	for i := range out {
		if h := names[out[i].Name]; h != "" {
			out[i].Title = h
		}
	}
	return out
}

// keyTitles names the key columns in messages as the provider wrote them: their titles
// (else their names), joined by ", ".
func keyTitles(items []pubdata.Item, keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		for _, it := range items {
			if it.Name == k && it.Title != "" {
				out[i] = it.Title
			}
		}
	}
	return strings.Join(out, ", ")
}

// rowError is a problem of row n with its message m, kept as m for readers of any language
// and in English in Message.
func rowError(n int64, column, code string, m *pubdata.Message, value string) pubdata.RowError {
	return pubdata.RowError{Row: n, Column: column, Code: code, Message: locale.Render(locale.EN, m), Value: value, Msg: m}
}

// writeBatchErrors writes a batch's row errors; with seal (an entry with encrypted items)
// the values are sealed under its data key (encryption.go).
func (tx *Tx) writeBatchErrors(ctx context.Context, id string, seal *envelope.EntryKeys, errs []pubdata.RowError) error {
	if _, err := tx.exec(ctx, "DELETE FROM data_batch_errors WHERE batch_id = ?", id); err != nil {
		return err
	}
	const per = 100
	for i := 0; i < len(errs); i += per {
		chunk := errs[i:min(i+per, len(errs))]
		q := "INSERT INTO data_batch_errors (batch_id, n, row_num, col, code, message, value, msg, sensitive) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		args := make([]any, 0, 9*len(chunk))
		for j, e := range chunk {
			v, err := sealText(seal, e.Value)
			if err != nil {
				return err
			}
			args = append(args, id, i+j+1, e.Row, e.Column, e.Code, e.Message, v, formatMessage(e.Msg), boolInt(e.Sensitive))
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// errorSet collects a batch's row errors: every rejected row counted, the first
// MaxBatchErrors errors kept.
type errorSet struct {
	errs     []pubdata.RowError
	rejected int64
}

func (es *errorSet) add(errs ...pubdata.RowError) {
	es.rejected++
	for _, e := range errs {
		if len(es.errs) < pubdata.MaxBatchErrors {
			es.errs = append(es.errs, e)
		}
	}
}

// journalInMemory reports whether a batch of mode into e's table keeps its statement
// journals in memory (SQLite; see load): when its statements stay bounded — its table is
// new or needs no migration that rewrites it (encrypting a column, a new key) — and it
// will not build its key index after the rows (an encrypted key into a table without
// current rows: directWriter.deferKeyIndex). Read before the batch's transaction: a change
// in between only costs time or memory, not correctness.
func (s *DataService) journalInMemory(ctx context.Context, e *pubdata.Entry, mode pubdata.LoadMode) bool {
	keys := keyNames(e.Items)
	encKey, rows := len(keys) > 0, int64(0)
	m, err := s.db.tableMeta(ctx, e.ID)
	switch {
	case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
		for _, it := range e.Items {
			if it.Key && !s.db.encrypts(it) {
				encKey = false
			}
		}
	case err != nil:
		return false
	default:
		if !slices.Equal(keys, m.keys) {
			return false
		}
		for _, it := range e.Items {
			c, ok := m.columnsByName[it.Name]
			if ok && !c.Enc && s.db.encrypts(it) {
				return false
			}
			if it.Key && !(ok && c.Enc) {
				encKey = false
			}
		}
		rows = m.rowCount
	}
	deferred := encKey && (mode == pubdata.ModeReplace || (mode == pubdata.ModeAppend && rows == 0))
	return !deferred
}

// load runs the batch in one transaction on one connection; see the package comment above.
func (s *DataService) load(ctx context.Context, e *pubdata.Entry, items []pubdata.Item, b *pubdata.Batch, src pubdata.RowSource, opt pubdata.LoadOptions, live *liveBatch) error {
	conn, err := s.db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if s.db.dialect == SQLite && s.journalInMemory(ctx, e, opt.Mode) {
		// Every multi-row INSERT of the batch keeps a statement journal (it names its rows'
		// _row, which SQLite checks), and once one statement's journal passed 64 KiB the
		// journal stayed a temporary file for the rest of the transaction: a write system
		// call per page a statement changed, 8–15 % of a load's CPU. In memory it is a copy.
		// The batch's statements are bounded (64 rows; a replace supersedes in bounded
		// steps, directWriter.supersedeAll), so its journal stays small. The setting cannot
		// change inside a transaction: set before, back to the default after (the deferred
		// call runs after the transaction's end below). The batch keeps no temporary table
		// on SQLite (it writes straight into the table). Not when the batch first migrates
		// its table in a way that rewrites it in one statement (such a statement's journal
		// is the table's size), nor when it builds its key index after the rows
		// (directWriter.deferKeyIndex): the index's sort then runs in memory too, record by
		// record, which cost more than the journal's writes saved (4.1 against 2.0 s of CPU
		// for 1,000,000 rows).
		if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), "PRAGMA temp_store = DEFAULT")
	}
	// The copy of the load's pages from the log into the database file runs after it, in
	// the background (checkpoint.go); the deferred call runs after the transaction's end.
	resume, err := s.db.deferCheckpoint(ctx, conn)
	if err != nil {
		return err
	}
	defer resume()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: stx, db: s.db, now: s.db.Now().UTC()}
	defer tx.Rollback()

	if err := tx.ensureTable(ctx, e); err != nil {
		return err
	}
	m, err := tx.tableMeta(ctx, e.ID, true)
	if err != nil {
		return err
	}
	seq := m.seq + 1
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name
	}
	keys := keyNames(items)
	// PostgreSQL stages the rows (COPY) and applies the key rules as set operations; SQLite,
	// where a statement is cheap and COPY does not exist, writes them straight into the table
	// and lets its key index find the conflicts (data_direct.go). Same rules, same reports.
	// PostgreSQL first tries COPY straight into the table when the batch appends or replaces
	// and its source can be read again: the key index then finds any conflict, and only a
	// batch with one is read again into the staging table for the exact report.
	direct := s.db.dialect == SQLite
	rw, _ := src.(pubdata.RowRewinder)
	fast := !direct && (opt.Mode == pubdata.ModeAppend || opt.Mode == pubdata.ModeReplace) && rw != nil && rw.Rewindable()
	// The values of encrypted items are encrypted here, before any statement sees them
	// (encryption.go): the writers get the stored items and columns.
	enc, err := tx.encoderFor(ctx, m, items)
	if err != nil {
		return err
	}
	var dw *directWriter
	defer func() {
		if dw != nil && dw.bigCache { // back to SQLite's default for the pooled connection
			conn.ExecContext(context.Background(), "PRAGMA cache_size = -2000")
		}
	}()
	storeItems := enc.storeItems(items)
	names = itemNames(storeItems)
	st := &stage{tx: tx, conn: conn, items: storeItems, names: names, enc: enc}
	defer st.drop()

	// Stream the rows into the staging table; bad rows are reported, not staged. The source
	// is read (decoded and validated) in a goroutine of its own, so that it runs beside the
	// database's work, in chunks through a channel.
	var es errorSet
	var rowsIn, deletes int64
	report := func() {
		if opt.Progress != nil {
			opt.Progress(*live.progress(s.db.Now()))
		}
	}
	produce := func() (*pubdata.SourceRow, error) {
		for {
			r, err := src.Next()
			if err != nil {
				return nil, err
			}
			rowsIn++
			live.rows.Store(rowsIn)
			if rowsIn%4096 == 0 {
				report()
			}
			if len(r.Errors) > 0 {
				es.add(r.Errors...)
				continue
			}
			if r.Delete {
				if len(keys) == 0 {
					es.add(rowError(r.Num, "", pubdata.RuleMalformed, pubdata.NewMessage("row.delete.no_key"), ""))
					continue
				}
				if opt.Mode == pubdata.ModeReplace {
					es.add(rowError(r.Num, "", pubdata.RuleMalformed, pubdata.NewMessage("row.delete.replace"), ""))
					continue
				}
				deletes++
			} else if len(r.Values) != len(items) {
				es.add(rowError(r.Num, "", pubdata.RuleMalformed, pubdata.NewMessage("row.values", "Count", len(r.Values), "Columns", len(items)), ""))
				continue
			}
			if opt.OnError == pubdata.OnErrorAbort && es.rejected > 0 {
				continue // the batch will fail: read on to report every bad row, stage nothing
			}
			return r, nil
		}
	}
	type chunk struct {
		rows []*pubdata.SourceRow
		err  error
	}
	// startPass reads the source in a goroutine of its own; next yields its rows and stop
	// ends the goroutines, after which the pass's figures (rowsIn, es, deletes) are ours.
	// The values of encrypted items are sealed in a second goroutine, between the reading
	// one and the database's work: with the sealing in the reading goroutine, that one was
	// an encrypted load's critical path on PostgreSQL (reading and checking, then sealing,
	// each about half of its 9 s of CPU for 1,000,000 rows).
	startPass := func() (next func() (*pubdata.SourceRow, error), stop func()) {
		chunks := make(chan chunk, 8)
		quit := make(chan struct{})
		var producer sync.WaitGroup
		read := chunks
		if enc != nil {
			read = make(chan chunk, 8)
			producer.Add(1)
			go func() {
				defer producer.Done()
				defer close(chunks)
				for c := range read {
					for i, r := range c.rows {
						sealed, err := enc.seal(r)
						if err != nil {
							c.rows, c.err = c.rows[:i], err
							break
						}
						c.rows[i] = sealed
					}
					select {
					case chunks <- c:
					case <-quit:
						return
					}
					if c.err != nil {
						return
					}
				}
			}()
		}
		producer.Add(1)
		go func() {
			defer producer.Done()
			defer close(read)
			buf := make([]*pubdata.SourceRow, 0, 256)
			for {
				r, err := produce()
				if err == nil {
					buf = append(buf, r)
				}
				if err != nil || len(buf) == cap(buf) {
					select {
					case read <- chunk{rows: buf, err: err}:
					case <-quit:
						return
					}
					if err != nil {
						return
					}
					buf = make([]*pubdata.SourceRow, 0, 256)
				}
			}
		}()
		var stopOnce sync.Once
		stop = func() { stopOnce.Do(func() { close(quit); producer.Wait() }) }
		var cur chunk
		next = func() (*pubdata.SourceRow, error) {
			for len(cur.rows) == 0 {
				if cur.err != nil {
					return nil, cur.err
				}
				c, ok := <-chunks
				if !ok {
					return nil, io.EOF
				}
				cur = c
			}
			r := cur.rows[0]
			cur.rows = cur.rows[1:]
			return r, nil
		}
		return next, stop
	}
	next, stopProducer := startPass()
	defer func() { stopProducer() }()
	var loaded, superseded int64
	written := direct || fast // the rows are in the table, not in the staging table
	switch {
	case direct:
		dw = &directWriter{tx: tx, tbl: m.tbl, items: enc.storeItems(namedByFile(items, src)), names: names, keys: keys, seq: seq, mode: opt.Mode, abort: opt.OnError == pubdata.OnErrorAbort, enc: enc}
		err = dw.run(ctx, next)
	case fast:
		loaded, superseded, err = st.copyInto(ctx, m.tbl, keys, seq, opt.Mode, next)
		if !errors.Is(err, errKeyConflict) {
			break
		}
		// A key conflict: read the batch again, into the staging table.
		stopProducer()
		if err = rw.Rewind(); err != nil {
			return err
		}
		es, rowsIn, deletes, loaded, superseded, written = errorSet{}, 0, 0, 0, 0, false
		live.rows.Store(0)
		next, stopProducer = startPass()
		fallthrough
	default:
		if err = st.create(ctx); err == nil {
			err = st.fill(ctx, next)
		}
	}
	stopProducer() // from here on, the producer's figures are ours to read
	if err != nil && !errors.Is(err, io.EOF) {
		var pe *pubdata.Error
		if errors.As(err, &pe) {
			return &loadFailure{msg: pe.Message, rowsIn: rowsIn, rejected: es.rejected, errs: es.errs}
		}
		return err
	}
	report()
	fail := func(m *pubdata.Message) error {
		sort.SliceStable(es.errs, func(i, j int) bool { return es.errs[i].Row < es.errs[j].Row })
		f := failure(m)
		f.rowsIn, f.rejected, f.errs = rowsIn, es.rejected, es.errs
		return f
	}
	if opt.OnError == pubdata.OnErrorAbort && es.rejected > 0 {
		return fail(pubdata.NewMessage("batch.failure.rejected", "Count", es.rejected, "Total", rowsIn))
	}
	if direct {
		for _, e := range dw.errs {
			es.add(e)
		}
		if opt.OnError == pubdata.OnErrorAbort && es.rejected > 0 {
			return fail(pubdata.NewMessage("batch.failure.key_rules", "Count", es.rejected, "Total", rowsIn))
		}
		loaded, superseded = dw.loaded, dw.superseded
	}

	// The key rules, as set operations over the staging table.
	if !written && len(keys) > 0 {
		if err := st.checkKeys(ctx, m.tbl, namedByFile(items, src), keys, opt.Mode, m.rowCount > 0, deletes > 0, &es); err != nil {
			return err
		}
		if opt.OnError == pubdata.OnErrorAbort && es.rejected > 0 {
			return fail(pubdata.NewMessage("batch.failure.key_rules", "Count", es.rejected, "Total", rowsIn))
		}
	}

	// Supersede, then insert.
	switch {
	case written:
	case opt.Mode == pubdata.ModeReplace:
		res, err := tx.exec(ctx, "UPDATE "+m.tbl+" SET _to = ? WHERE _to IS NULL", seq)
		if err != nil {
			return err
		}
		superseded, _ = res.RowsAffected()
	case len(keys) > 0 && (opt.Mode == pubdata.ModeUpsert || deletes > 0):
		cond := "s._bad = 0"
		if opt.Mode != pubdata.ModeUpsert {
			cond += " AND s._del = 1"
		}
		// Driven by the staged rows, each looked up in the key index of the current rows.
		res, err := tx.exec(ctx, "UPDATE "+m.tbl+" SET _to = ? WHERE _row IN (SELECT d._row FROM pd_stage s JOIN "+m.tbl+" d ON "+keyEq("d", "s", keys)+" AND d._to IS NULL WHERE "+cond+")", seq)
		if err != nil {
			return err
		}
		superseded, _ = res.RowsAffected()
	}
	if !written {
		cols := quoteAll(names)
		res, err := tx.exec(ctx, "INSERT INTO "+m.tbl+" (_row, _from, "+cols+") SELECT ? + _i, ?, "+cols+" FROM pd_stage WHERE _bad = 0 AND _del = 0", rowBase(seq), seq)
		if isUniqueViolation(err) {
			return fail(pubdata.NewMessage("batch.failure.same_key"))
		} else if err != nil {
			return err
		}
		loaded, _ = res.RowsAffected()
	}

	// PostgreSQL plans the checks below (and the readers' queries after the commit) on the
	// table's statistics, which a large batch leaves stale until autovacuum's analyse: on a
	// new table of 980,000 rows the samples of the batch's rows (_row range, current) were
	// planned for 22 rows and took 0.6–0.8 s each, against 2 ms after an ANALYZE of the two
	// columns they filter on (0.3 s).
	if s.db.dialect == Postgres && loaded >= analyzeRows {
		if _, err := tx.exec(ctx, "ANALYZE "+m.tbl+" (_row, _to)"); err != nil {
			return err
		}
	}

	// The entry's quality rules on the batch's rows (quality.go): a rule marked reject that
	// fails fails the batch; the run is kept with the batch.
	qrun, qfail, err := tx.qualityOnBatch(ctx, e, items, m, seq, m.rowCount+loaded-superseded)
	if err != nil {
		return err
	}
	if qfail != nil {
		qfail.rowsIn = rowsIn
		qfail.rejected += es.rejected
		qfail.errs = append(es.errs, qfail.errs...)
		return qfail
	}
	if qrun != nil {
		if err := tx.writeBatchRun(ctx, e, b.ID, qrun); err != nil {
			return err
		}
	}

	// The batch, the table's figures and the record, in the same transaction.
	sort.SliceStable(es.errs, func(i, j int) bool { return es.errs[i].Row < es.errs[j].Row })
	if err := tx.writeBatchErrors(ctx, b.ID, enc.sealer(), es.errs); err != nil {
		return err
	}
	msg, skipped := "", (*pubdata.Message)(nil)
	if es.rejected > 0 {
		skipped = pubdata.NewMessage("batch.skipped", "Count", es.rejected)
		msg = locale.Render(locale.EN, skipped)
	}
	res, err := tx.exec(ctx, `UPDATE data_batches SET status = ?, seq = ?, rows_in = ?, rows_loaded = ?, rows_rejected = ?, rows_superseded = ?, message = ?, msg = ?, finished_at = ?
		WHERE id = ? AND status = ?`,
		string(pubdata.BatchDone), seq, rowsIn, loaded, es.rejected, superseded, msg, formatMessage(skipped), fmtTime(tx.now), b.ID, string(pubdata.BatchRunning))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is no longer running (it was marked failed while it ran); nothing of it was written.", b.ID).
			Keyed("error.batch.no_longer_running", "ID", b.ID)
	}
	if _, err := tx.exec(ctx, "UPDATE data_tables SET row_count = row_count + ?, batch_seq = ?, batches = batches + 1, last_batch = ?, last_loaded_at = ?, updated_at = ? WHERE entry_id = ?",
		loaded-superseded, seq, b.ID, fmtTime(tx.now), fmtTime(tx.now), e.ID); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Org: e.Org, Action: "data.load", Object: "batch:" + b.ID, Details: map[string]any{
		"entry": e.ID, "seq": seq, "mode": opt.Mode, "source": opt.Source, "rows_in": rowsIn, "rows_loaded": loaded,
		"rows_rejected": es.rejected, "rows_superseded": superseded}}); err != nil {
		return err
	}
	// E7: the rows this batch wrote into an open entry are checked before they commit; a
	// finding withholds its columns from the public in this transaction (openwatch.go).
	if loaded > 0 && e.Watched() {
		if err := tx.watchRows(ctx, e, m, pubdata.WatchByLoad, b.ID, "_row >= ? AND _row < ? AND _to IS NULL ORDER BY _row", rowBase(seq), rowBase(seq+1)); err != nil {
			return err
		}
	}
	// Issue 15 item 3: a sample of the rows this batch wrote is tested for personal data in
	// items not marked so (discoveries.go); in an open entry a finding withholds its column.
	if loaded > 0 {
		if err := tx.discoverBatch(ctx, e, m, b.ID, seq, rowsIn); err != nil {
			return err
		}
	}
	if err := st.drop(); err != nil {
		return err
	}
	return tx.Commit()
}

// analyzeRows is the size of a batch after which PostgreSQL's statistics of its table are
// refreshed inside the load.
const analyzeRows = 50000

// rowBase is the first _row of batch seq; a batch holds fewer than 1<<32 rows.
func rowBase(seq int64) int64 { return seq << 32 }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}

// keyEq is the SQL condition that rows a and b have the same key.
func keyEq(a, b string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = a + "." + quote(k) + " = " + b + "." + quote(k)
	}
	return strings.Join(parts, " AND ")
}

// --- rollback and purge ---

// RollbackBatch implements pubdata.DataService.
func (s *DataService) RollbackBatch(ctx context.Context, e *pubdata.Entry, id, reason string) (*pubdata.Batch, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, pubdata.FieldErrorf("reason", "A rollback needs a reason, which the record keeps.").Keyed("error.batch.rollback.reason")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := tx.tableMeta(ctx, e.ID, true)
	if err != nil {
		return nil, err
	}
	b, err := tx.batch(ctx, id, true)
	if err != nil || b.Entry != e.ID {
		return nil, notFoundBatch(id)
	}
	if b.Status != pubdata.BatchDone {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is %s; only a done batch can be rolled back.", id, b.Status).
			Keyed("error.batch.rollback.not_done", "ID", id, "Status", batchStateWord(b.Status))
	}
	if b.Seq != m.seq {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is not the table's latest batch; roll back the later batches first, newest first.", id).
			Keyed("error.batch.rollback.not_latest", "ID", id)
	}
	if b.Seq <= m.purged {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The history batch %s superseded was purged; it cannot be rolled back.", id).
			Keyed("error.batch.rollback.purged", "ID", id)
	}
	seq := m.seq + 1
	res, err := tx.exec(ctx, "UPDATE "+m.tbl+" SET _to = ? WHERE _from = ? AND _to IS NULL", seq, b.Seq)
	if err != nil {
		return nil, err
	}
	closed, _ := res.RowsAffected()
	cols := quoteAll(m.storeNames())
	res, err = tx.exec(ctx, "INSERT INTO "+m.tbl+" (_row, _from, "+cols+") SELECT ? + ROW_NUMBER() OVER (ORDER BY _row), ?, "+cols+" FROM "+m.tbl+" WHERE _to = ?", rowBase(seq), seq, b.Seq)
	if err != nil {
		return nil, err
	}
	restored, _ := res.RowsAffected()
	a := pubdata.ActorFromContext(ctx)
	rid := newID()
	now := fmtTime(tx.now)
	if _, err := tx.exec(ctx, `INSERT INTO data_batches (id, entry_id, seq, org, actor, source, mode, on_error, status, entry_version, rows_in, rows_loaded, rows_superseded, message, rollback_of, attempts, created_at, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		rid, e.ID, seq, e.Org, a.Username(), pubdata.SourceRollback, string(pubdata.ModeUpsert), string(pubdata.OnErrorAbort), string(pubdata.BatchDone), e.Version,
		restored, restored, closed, reason, id, now, now, now); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE data_batches SET status = ?, rolled_back_by = ? WHERE id = ?", string(pubdata.BatchRolledBack), rid, id); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE data_tables SET row_count = row_count + ?, batch_seq = ?, batches = batches + 1, last_batch = ?, last_loaded_at = ?, updated_at = ? WHERE entry_id = ?",
		restored-closed, seq, rid, now, now, e.ID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Org: e.Org, Action: "data.rollback", Object: "batch:" + id, Details: map[string]any{
		"entry": e.ID, "rollback": rid, "seq": seq, "rows_removed": closed, "rows_restored": restored, "reason": reason}}); err != nil {
		return nil, err
	}
	out, err := tx.batch(ctx, rid, false)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// PurgeHistory implements pubdata.DataService.
func (s *DataService) PurgeHistory(ctx context.Context, e *pubdata.Entry, id, reason string) (int64, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return 0, pubdata.FieldErrorf("reason", "A purge needs a reason, which the record keeps.").Keyed("error.batch.purge.reason")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	m, err := tx.tableMeta(ctx, e.ID, true)
	if err != nil {
		return 0, err
	}
	b, err := tx.batch(ctx, id, false)
	if err != nil || b.Entry != e.ID {
		return 0, notFoundBatch(id)
	}
	if b.Seq == 0 {
		return 0, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s never wrote to the table; purge through a done batch.", id).Keyed("error.batch.purge.no_write", "ID", id)

	}
	res, err := tx.exec(ctx, "DELETE FROM "+m.tbl+" WHERE _to IS NOT NULL AND _to <= ?", b.Seq)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.exec(ctx, "UPDATE data_tables SET purged_through = ?, updated_at = ? WHERE entry_id = ? AND purged_through < ?", b.Seq, fmtTime(tx.now), e.ID, b.Seq); err != nil {
		return 0, err
	}
	if err := tx.record(ctx, change{Action: "data.purge", Object: "entry:" + e.ID, Details: map[string]any{
		"through_batch": id, "through_seq": b.Seq, "rows_purged": n, "reason": reason}}); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// batchStateWord names a batch's status in a refusal by its key in the message files (its
// English is the status as the sentence has always shown it), or as itself when it has none.
func batchStateWord(s pubdata.BatchStatus) *pubdata.Message {
	if k, ok := map[pubdata.BatchStatus]string{pubdata.BatchRunning: "error.batch.state.running", pubdata.BatchDone: "error.batch.state.done",
		pubdata.BatchFailed: "error.batch.state.failed", pubdata.BatchRolledBack: "error.batch.state.rolled_back"}[s]; ok {
		return pubdata.NewMessage(k)
	}
	return pubdata.NewMessage("error.sentence", "Text", string(s))
}
