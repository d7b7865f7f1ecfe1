package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
)

// Encryption at rest (G3, issue 15 item 2). A column of an item the policy encrypts
// (pubdata.EncryptionPolicy: grade 3 and above and personal information by default) holds
// the value's blind index — HMAC-SM3 under the entry's index key, deterministic — and the
// column _e_<item> beside it holds the value itself, SM4-GCM under the entry's data key with
// a random nonce. So every statement that compares a key or a value for equality (the key
// index, the key rules of a batch, upserts and deletes, key lookups, equality filters,
// objections' freezes, unique rules) runs unchanged on the blind index, and only the reads
// that return values decrypt them (in Go, after the scan). Orders, ranges, prefixes and full
// text cannot run on either column: they are refused (full text leaves such columns out).
//
// Values are encrypted before they reach the database (the batch's rows are transformed
// between the reading goroutine and the writer), so neither the staging table, the table,
// the WAL nor a free page ever holds them in clear. The values a batch report keeps and the
// failing values of a quality run are sealed under the same data key.
//
// The entry's keys are one row of data_keys, wrapped by the master key (lib/envelope); the
// table's data_tables.key_version says which version of them its values are under.

// dbCrypto is the store's encryption: the key service, the policy and unwrapped entry keys.
type dbCrypto struct {
	svc    envelope.KeyService
	policy pubdata.EncryptionPolicy
	cache  sync.Map // entry id → *cachedEntryKeys
}

type cachedEntryKeys struct {
	version int64
	keys    *envelope.EntryKeys
}

// SetEncryptionPolicy sets which items are encrypted from now on (call before serving).
// Columns already encrypted stay so.
func (d *DB) SetEncryptionPolicy(p pubdata.EncryptionPolicy) { d.crypto.policy = p }

// EncryptionPolicy returns the policy in force.
func (d *DB) EncryptionPolicy() pubdata.EncryptionPolicy { return d.crypto.policy }

// SetKeyService replaces the master key service (a key service instead of the file).
func (d *DB) SetKeyService(k envelope.KeyService) {
	d.crypto.svc = k
	d.crypto.cache = sync.Map{}
}

// KeyService returns the master key service.
func (d *DB) KeyService() envelope.KeyService { return d.crypto.svc }

// encrypts reports whether new columns of the item are encrypted.
func (d *DB) encrypts(it pubdata.Item) bool {
	return d.crypto.svc != nil && d.crypto.policy.Encrypts(it)
}

var encPattern = regexp.MustCompile(`^_e_[a-z][a-z0-9_]{0,59}$`)

// encColumn is the column that holds the encrypted values of item name.
func encColumn(name string) string {
	c := "_e_" + name
	if len(c) > 63 { // PostgreSQL's identifiers: 63 bytes
		h := sha256.Sum256([]byte(name))
		c = c[:54] + "_" + hex.EncodeToString(h[:4])
	}
	return c
}

// encrypted reports whether the table stores column name encrypted.
func (m *tableMeta) encrypted(name string) bool { return m.columnsByName[name].Enc }

// hasEncrypted reports whether any column of the table is encrypted.
func (m *tableMeta) hasEncrypted() bool {
	for _, c := range m.columns {
		if c.Enc {
			return true
		}
	}
	return false
}

// storeNames are the table's item columns followed by the encrypted values' columns.
func (m *tableMeta) storeNames() []string {
	out := make([]string, 0, len(m.columns))
	for _, c := range m.columns {
		out = append(out, c.Name)
	}
	for _, c := range m.columns {
		if c.Enc {
			out = append(out, encColumn(c.Name))
		}
	}
	return out
}

// errEncryptedColumn is the refusal of an operation that cannot run on an encrypted column.
func errEncryptedColumn(field, column, what string) error {
	return pubdata.FieldErrorf(field, "%s is not possible on column %s: it is stored encrypted (its grade); only equality (eq, ne, in) and null filters and key lookups are.", what, column).
		Keyed("error.rows.encrypted", "Column", column, "What", what)
}

// entryKeys returns the unwrapped keys of entry, from the cache when they are of version
// (0: whichever is cached), else read through rd.
func (d *DB) entryKeys(ctx context.Context, rd reader, entry string, version int64) (*envelope.EntryKeys, error) {
	if c, ok := d.crypto.cache.Load(entry); ok {
		if ck := c.(*cachedEntryKeys); version == 0 || ck.version == version {
			return ck.keys, nil
		}
	}
	var mk, wrapped string
	var v int64
	err := rd.queryRow(ctx, "SELECT master_key, wrapped, version FROM data_keys WHERE entry_id = ?", entry).Scan(&mk, &wrapped, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("entry %s has encrypted values but no data key", entry)
	} else if err != nil {
		return nil, err
	}
	return d.unwrapEntryKeys(entry, mk, wrapped, v)
}

func (d *DB) unwrapEntryKeys(entry, mk, wrapped string, v int64) (*envelope.EntryKeys, error) {
	if d.crypto.svc == nil {
		return nil, fmt.Errorf("entry %s has encrypted values but no master key is configured", entry)
	}
	b, err := base64.StdEncoding.DecodeString(wrapped)
	if err != nil {
		return nil, fmt.Errorf("data key of entry %s: corrupt", entry)
	}
	material, err := d.crypto.svc.Unwrap(mk, b)
	if err != nil {
		return nil, fmt.Errorf("data key of entry %s: %w", entry, err)
	}
	k, err := envelope.NewEntryKeys(entry, material)
	if err != nil {
		return nil, err
	}
	d.crypto.cache.Store(entry, &cachedEntryKeys{version: v, keys: k})
	return k, nil
}

// ensureEntryKeys returns the entry's keys and their version, creating them (recorded) when
// the entry has none.
func (tx *Tx) ensureEntryKeys(ctx context.Context, entry string) (*envelope.EntryKeys, int64, error) {
	var mk, wrapped string
	var v int64
	err := tx.queryRow(ctx, "SELECT master_key, wrapped, version FROM data_keys WHERE entry_id = ?", entry).Scan(&mk, &wrapped, &v)
	if err == nil {
		k, err := tx.db.unwrapEntryKeys(entry, mk, wrapped, v)
		return k, v, err
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, err
	}
	svc := tx.db.crypto.svc
	material, err := envelope.NewEntryKeyMaterial()
	if err != nil {
		return nil, 0, err
	}
	w, err := svc.Wrap(material)
	if err != nil {
		return nil, 0, err
	}
	now := fmtTime(tx.now)
	if _, err := tx.exec(ctx, "INSERT INTO data_keys (entry_id, master_key, wrapped, version, created_at, rotated_at) VALUES (?, ?, ?, 1, ?, ?)",
		entry, svc.KeyID(), base64.StdEncoding.EncodeToString(w), now, now); err != nil {
		return nil, 0, err
	}
	if err := tx.record(ctx, change{Action: "data.key_create", Object: "entry:" + entry, Details: map[string]any{"master_key": svc.KeyID(), "version": 1}}); err != nil {
		return nil, 0, err
	}
	k, err := envelope.NewEntryKeys(entry, material)
	if err == nil {
		tx.db.crypto.cache.Store(entry, &cachedEntryKeys{version: 1, keys: k})
	}
	return k, 1, err
}

// valueText is the canonical text of a domain value that is encrypted and indexed.
func valueText(v any) string { return pubdata.FormatItemValue(normalizeStored(v)) }

// sealValue returns the blind index and the ciphertext of value v of column (nil, nil for nil).
func sealValue(k *envelope.EntryKeys, column string, v any) (any, any, error) {
	if v == nil {
		return nil, nil, nil
	}
	t := valueText(v)
	ct, err := k.Encrypt(column, t)
	if err != nil {
		return nil, nil, err
	}
	return k.Index(column, t), ct, nil
}

// indexValue is the blind index of value v of column (nil for nil).
func indexValue(k *envelope.EntryKeys, column string, v any) any {
	if v == nil {
		return nil
	}
	return k.Index(column, valueText(v))
}

// openValue decrypts a stored ciphertext of column into the domain value of type typ.
func openValue(k *envelope.EntryKeys, column, typ string, stored any) (any, error) {
	stored = normalizeStored(stored)
	if stored == nil {
		return nil, nil
	}
	s, ok := stored.(string)
	if !ok {
		return nil, fmt.Errorf("encrypted value of %s: not text", column)
	}
	t, err := k.Decrypt(column, s)
	if err != nil {
		return nil, err
	}
	return pubdata.ParseItemValue(typ, t)
}

// reportColumn binds the sealed values of batch reports and quality samples.
const reportColumn = "_report"

// sealText seals a value text kept outside the table (a report's rejected value, a quality
// sample); "" stays "".
func sealText(k *envelope.EntryKeys, s string) (string, error) {
	if s == "" || k == nil {
		return s, nil
	}
	return k.Encrypt(reportColumn, s)
}

// openText reads what sealText returned; text that is not sealed is returned as it is.
func openText(k *envelope.EntryKeys, s string) (string, error) {
	if !strings.HasPrefix(s, envelope.Prefix) {
		return s, nil
	}
	if k == nil {
		return "", errors.New("sealed value without a data key")
	}
	return k.Decrypt(reportColumn, s)
}

// batchEncoder encrypts a batch's rows between the source and the writer: the value of each
// encrypted item becomes its blind index, and the ciphertexts follow the item values.
type batchEncoder struct {
	keys  *envelope.EntryKeys
	nItem int
	idx   []int    // positions of the encrypted items
	cols  []string // their names
}

// encoderFor returns the batch's encoder, nil when the table encrypts nothing.
func (tx *Tx) encoderFor(ctx context.Context, m *tableMeta, items []pubdata.Item) (*batchEncoder, error) {
	if !m.hasEncrypted() {
		return nil, nil
	}
	k, err := tx.db.entryKeys(ctx, tx, m.entry, m.keyVersion)
	if err != nil {
		return nil, err
	}
	enc := &batchEncoder{keys: k, nItem: len(items)}
	for i, it := range items {
		if m.encrypted(it.Name) {
			enc.idx = append(enc.idx, i)
			enc.cols = append(enc.cols, it.Name)
		}
	}
	return enc, nil
}

// storeItems are the items as the writer stores them: encrypted ones as text, then one
// text pseudo-item per ciphertext column.
func (b *batchEncoder) storeItems(items []pubdata.Item) []pubdata.Item {
	if b == nil {
		return items
	}
	out := make([]pubdata.Item, 0, len(items)+len(b.idx))
	out = append(out, items...)
	for _, i := range b.idx {
		out[i].Type = "string"
	}
	for _, c := range b.cols {
		out = append(out, pubdata.Item{Name: encColumn(c), Type: "string"})
	}
	return out
}

func itemNames(items []pubdata.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

// seal returns the row with its encrypted items' values sealed (nil: the row as it is).
func (b *batchEncoder) seal(r *pubdata.SourceRow) (*pubdata.SourceRow, error) {
	if b == nil {
		return r, nil
	}
	vals := make([]any, b.nItem+len(b.idx))
	copy(vals, r.Values)
	for j, i := range b.idx {
		if i >= len(r.Values) {
			continue
		}
		bi, ct, err := sealValue(b.keys, b.cols[j], r.Values[i])
		if err != nil {
			return nil, err
		}
		vals[i], vals[b.nItem+j] = bi, ct
	}
	out := *r
	out.Values = vals
	return &out, nil
}

// plain returns the value at position i of encrypted values vals in clear (for reports).
func (b *batchEncoder) plain(vals []any, i int) any {
	if b == nil {
		return vals[i]
	}
	for j, p := range b.idx {
		if p == i {
			if b.nItem+j >= len(vals) || vals[b.nItem+j] == nil {
				return nil
			}
			t, err := b.keys.Decrypt(b.cols[j], fmt.Sprint(normalizeStored(vals[b.nItem+j])))
			if err != nil {
				return "?"
			}
			return t
		}
	}
	return vals[i]
}

// storeType is the SQL type of an item's column: text when encrypted (blind indexes).
func (d *DB) storeType(typ string, enc bool) string {
	if enc {
		return "TEXT"
	}
	return d.columnType(typ)
}

// ImportantSchema is PostgreSQL's schema of the tables that hold encrypted (important)
// items, which the operator may restrict to a role of its own (docs/OPERATIONS.md).
const ImportantSchema = "pd_important"

// importantTable is where the table tbl of an entry with encrypted items lives: in
// ImportantSchema on PostgreSQL; SQLite has one file and no schemas.
func (d *DB) importantTable(tbl string) string {
	if d.dialect != Postgres || strings.Contains(tbl, ".") {
		return tbl
	}
	return ImportantSchema + "." + tbl
}

// bareTable is tbl without its schema (index names are not qualified when created).
func bareTable(tbl string) string {
	if i := strings.LastIndexByte(tbl, '.'); i >= 0 {
		return tbl[i+1:]
	}
	return tbl
}

// tableSchema is tbl's schema ("" when not qualified: the search path's first).
func tableSchema(tbl string) string {
	if i := strings.LastIndexByte(tbl, '.'); i >= 0 {
		return tbl[:i]
	}
	return ""
}

// prepareEncryption gives m's entry its keys when it has none and moves its table into the
// important schema (PostgreSQL), before a first encrypted column.
func (tx *Tx) prepareEncryption(ctx context.Context, m *tableMeta) error {
	if m.keyVersion > 0 {
		return nil
	}
	_, v, err := tx.ensureEntryKeys(ctx, m.entry)
	if err != nil {
		return err
	}
	m.keyVersion = v
	if to := tx.db.importantTable(m.tbl); to != m.tbl {
		if _, err := tx.exec(ctx, "ALTER TABLE "+m.tbl+" SET SCHEMA "+ImportantSchema); err != nil {
			return fmt.Errorf("move table %s: %w", m.tbl, err)
		}
		m.tbl = to
		if _, err := tx.exec(ctx, "UPDATE data_tables SET tbl = ?, key_version = ? WHERE entry_id = ?", m.tbl, m.keyVersion, m.entry); err != nil {
			return err
		}
	}
	return nil
}

// encryptColumn encrypts the values of an existing column in place, history included: the
// ciphertexts go into a new column, then the column is made text and filled with the blind
// indexes (the key index is rebuilt around it). The old clear values remain in the
// database's free space until it is vacuumed (pubdata keys vacuum; docs/OPERATIONS.md).
func (tx *Tx) encryptColumn(ctx context.Context, m *tableMeta, it pubdata.Item) error {
	if err := tx.prepareEncryption(ctx, m); err != nil {
		return err
	}
	k, err := tx.db.entryKeys(ctx, tx, m.entry, m.keyVersion)
	if err != nil {
		return err
	}
	old := m.columnsByName[it.Name]
	col, enc := quote(it.Name), quote(encColumn(it.Name))
	if _, err := tx.exec(ctx, "ALTER TABLE "+m.tbl+" ADD COLUMN "+enc+" TEXT"); err != nil {
		return fmt.Errorf("encrypt column %s: %w", it.Name, err)
	}
	type cell struct {
		row int64
		v   any
	}
	// each reads the non-null cells of column c in chunks and writes set(v) into column to.
	each := func(c, to string, set func(v any) (any, error)) error {
		last := int64(-1 << 62)
		for {
			rows, err := tx.query(ctx, "SELECT _row, "+c+" FROM "+m.tbl+" WHERE _row > ? AND "+c+" IS NOT NULL ORDER BY _row LIMIT 1000", last)
			if err != nil {
				return err
			}
			var cells []cell
			for rows.Next() {
				var x cell
				if err := rows.Scan(&x.row, &x.v); err != nil {
					rows.Close()
					return err
				}
				cells = append(cells, x)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(cells) == 0 {
				return nil
			}
			for _, x := range cells {
				v, err := set(x.v)
				if err != nil {
					return err
				}
				if _, err := tx.exec(ctx, "UPDATE "+m.tbl+" SET "+to+" = ? WHERE _row = ?", v, x.row); err != nil {
					return err
				}
			}
			last = cells[len(cells)-1].row
		}
	}
	if err := each(col, enc, func(v any) (any, error) {
		return k.Encrypt(it.Name, valueText(storedValue(old.Type, v)))
	}); err != nil {
		return fmt.Errorf("encrypt column %s: %w", it.Name, err)
	}
	isKey := false
	for _, kn := range m.keys {
		isKey = isKey || kn == it.Name
	}
	if isKey {
		if _, err := tx.exec(ctx, "DROP INDEX IF EXISTS "+m.tbl+"_key"); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "ALTER TABLE "+m.tbl+" DROP COLUMN "+col); err != nil {
		return fmt.Errorf("encrypt column %s: %w", it.Name, err)
	}
	if _, err := tx.exec(ctx, "ALTER TABLE "+m.tbl+" ADD COLUMN "+col+" TEXT"); err != nil {
		return fmt.Errorf("encrypt column %s: %w", it.Name, err)
	}
	if err := each(enc, col, func(v any) (any, error) {
		t, err := k.Decrypt(it.Name, fmt.Sprint(normalizeStored(v)))
		return k.Index(it.Name, t), err
	}); err != nil {
		return fmt.Errorf("encrypt column %s: %w", it.Name, err)
	}
	if isKey {
		if err := tx.createKeyIndex(ctx, m.tbl, m.keys); err != nil {
			return err
		}
	}
	for i := range m.columns {
		if m.columns[i].Name == it.Name {
			m.columns[i].Enc = true
		}
	}
	return nil
}

// sealer is the key that seals the batch's report values (nil: none).
func (b *batchEncoder) sealer() *envelope.EntryKeys {
	if b == nil {
		return nil
	}
	return b.keys
}

// columns are the names of the encrypted items (none for nil).
func (b *batchEncoder) columns() []string {
	if b == nil {
		return nil
	}
	return b.cols
}

// sealObjectionKey is the stored key of an objection (or a ticket) to entry: its JSON, with
// the values of the table's encrypted columns sealed under the entry's data key.
func (tx *Tx) sealObjectionKey(ctx context.Context, entry string, key map[string]string) (string, error) {
	m, err := tx.tableMeta(ctx, entry, false)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND || (err == nil && !m.hasEncrypted()) {
		return pubdata.ObjectionKeyJSON(key), nil
	} else if err != nil {
		return "", err
	}
	k, err := tx.db.entryKeys(ctx, tx, entry, m.keyVersion)
	if err != nil {
		return "", err
	}
	out := make(map[string]string, len(key))
	for n, v := range key {
		out[n] = v
		if m.encrypted(n) && v != "" {
			if out[n], err = k.Encrypt(n, v); err != nil {
				return "", err
			}
		}
	}
	return pubdata.ObjectionKeyJSON(out), nil
}

// openKey decrypts the sealed values of a stored key in place.
func (d *DB) openKey(ctx context.Context, rd reader, entry string, key map[string]string) error {
	var k *envelope.EntryKeys
	for n, v := range key {
		if !strings.HasPrefix(v, envelope.Prefix) {
			continue
		}
		if k == nil {
			var err error
			if k, err = d.entryKeys(ctx, rd, entry, 0); err != nil {
				return err
			}
		}
		t, err := k.Decrypt(n, v)
		if err != nil {
			return err
		}
		key[n] = t
	}
	return nil
}

// openObjectionKey decrypts an objection's sealed key values.
func (d *DB) openObjectionKey(ctx context.Context, rd reader, o *pubdata.Objection) error {
	return d.openKey(ctx, rd, o.Entry, o.Key)
}

// hasOpenObjection reports whether filer has an open objection to entry with the key whose
// JSON is keyJSON (stored keys may be sealed: compared in clear).
func (tx *Tx) hasOpenObjection(ctx context.Context, entry, filer, keyJSON string) (bool, error) {
	rows, err := tx.query(ctx, "SELECT key_values FROM objections WHERE entry_id = ? AND status = 'open' AND filer = ?", entry, filer)
	if err != nil {
		return false, err
	}
	var stored []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return false, err
		}
		stored = append(stored, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, s := range stored {
		if s == keyJSON {
			return true, nil
		}
		if !strings.Contains(s, envelope.Prefix) {
			continue
		}
		var k map[string]string
		if err := json.Unmarshal([]byte(s), &k); err != nil {
			return false, err
		}
		if err := tx.db.openKey(ctx, tx, entry, k); err != nil {
			return false, err
		}
		if pubdata.ObjectionKeyJSON(k) == keyJSON {
			return true, nil
		}
	}
	return false, nil
}

// keyed reports whether a key column is encrypted.
func (b *batchEncoder) keyed(keys []string) bool {
	if b == nil {
		return false
	}
	for _, k := range keys {
		if slices.Contains(b.cols, k) {
			return true
		}
	}
	return false
}
