package pubdata

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Aggregation (汇聚): a published table entry owns a table in the platform. Departments load
// it in batches; every row keeps the batch that wrote it and the batch that superseded it,
// so nothing is ever silently overwritten or deleted (C3).

// LoadMode is how a batch's rows meet the table's current rows.
type LoadMode string

// Load modes.
const (
	ModeAppend  LoadMode = "append"  // add rows; a key that exists is a rejected row
	ModeUpsert  LoadMode = "upsert"  // add rows; a row with an existing key supersedes it
	ModeReplace LoadMode = "replace" // the batch's rows become the whole table
)

// LoadModes lists the load modes.
var LoadModes = []LoadMode{ModeAppend, ModeUpsert, ModeReplace}

// OnError is what a batch does with bad rows.
type OnError string

// OnError values.
const (
	OnErrorAbort OnError = "abort" // all or nothing: one bad row fails the batch (default)
	OnErrorSkip  OnError = "skip"  // load the good rows, report the bad ones
)

// BatchStatus is where a batch is.
type BatchStatus string

// Batch statuses. A batch runs, then is done (its rows are in the table) or failed (none of
// its rows are); a done batch can later be rolled back.
const (
	BatchRunning    BatchStatus = "running"
	BatchDone       BatchStatus = "done"
	BatchFailed     BatchStatus = "failed"
	BatchRolledBack BatchStatus = "rolled_back"
)

// Batch sources: how the rows came.
const (
	SourceUpload   = "upload"   // a file through the API or the upload page
	SourceCLI      = "cli"      // pubdata ingest
	SourcePush     = "push"     // a provider's system, row by row or in a body, with a token
	SourcePull     = "pull"     // the platform pulled from the provider's database
	SourceRollback = "rollback" // the rollback of another batch
	SourceDemo     = "demo"     // the demo province
)

// MaxBatchErrors is how many row errors a batch keeps; more are counted, not kept.
const MaxBatchErrors = 10000

// RowError is one problem with one row of a batch. Row is the row's number in its file (for
// CSV and XLSX the spreadsheet row: the header is row 1); Value is the offending value,
// masked when the column is personal or a standard identifier.
type RowError struct {
	Row     int64  `json:"row"`
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"` // in English; readers get Msg in their language
	Value   string `json:"value,omitempty"`
	// Sensitive: Value is held as the provider gave it (cut to a bounded length) and is of a
	// personal item or one of a standard element, so it is shown masked to every reader but
	// the provider's admins and editors (SeesRejectedValues); false for a value stored
	// already masked (reports written before migration 0022) or one that needs no mask.
	Sensitive bool `json:"-"`
	// Msg names the message (nil for errors recorded before messages were keyed): the
	// http layer renders it in the reader's language.
	Msg *Message `json:"-"`
}

// Message names a message of the message files (package locale) with its arguments, so
// that it reaches each reader in their language; an argument may itself be a message
// (Sub, rendered in the same language first).
type Message struct {
	Key  string              `json:"key"`
	Args map[string]string   `json:"args,omitempty"`
	Sub  map[string]*Message `json:"sub,omitempty"`
}

// NewMessage returns the message key with args, pairs of a placeholder name and its value;
// a value that is a *Message becomes a Sub message, any other is formatted as text.
func NewMessage(key string, args ...any) *Message {
	m := &Message{Key: key}
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		if s, ok := args[i+1].(*Message); ok {
			if m.Sub == nil {
				m.Sub = map[string]*Message{}
			}
			m.Sub[name] = s
			continue
		}
		if m.Args == nil {
			m.Args = map[string]string{}
		}
		m.Args[name] = fmt.Sprint(args[i+1])
	}
	return m
}

// Row error codes: the rule a row broke.
const (
	RuleType      = "type"      // not a value of the item's type
	RuleLength    = "length"    // longer than the item's length
	RuleRequired  = "required"  // a key item is empty
	RuleUnique    = "unique"    // the key appears twice in the batch
	RuleExists    = "exists"    // append: the key is already in the table
	RuleNotFound  = "not_found" // delete: no current row has the key
	RuleElement   = "element"   // a standard data element's rule (check digit, …); Message says which
	RuleMalformed = "malformed" // the record itself could not be read (wrong field count, bad JSON)
)

// Batch is one load of rows into an entry's table.
type Batch struct {
	ID       string      `json:"id"`
	Entry    string      `json:"entry"`
	Seq      int64       `json:"seq"` // the batch's number in its table, 0 until it runs
	Org      string      `json:"org"`
	Actor    string      `json:"actor"`
	Source   string      `json:"source"`
	Mode     LoadMode    `json:"mode"`
	OnError  OnError     `json:"on_error"`
	Format   string      `json:"format,omitempty"`
	FileName string      `json:"file_name,omitempty"`
	Status   BatchStatus `json:"status"`
	// Msg names Message by key when the platform wrote it (nil for a domain error's English
	// sentence or a rollback's reason): readers get it in their language.
	Msg          *Message `json:"-"`
	EntryVersion int      `json:"entry_version"`
	RowsIn       int64    `json:"rows_in"`
	RowsLoaded   int64    `json:"rows_loaded"`
	RowsRejected int64    `json:"rows_rejected"`
	// RowsSuperseded counts the table's rows this batch superseded: replaced, updated or deleted.
	RowsSuperseded int64 `json:"rows_superseded"`
	// Errors are the first MaxBatchErrors row errors, in row order.
	Errors []RowError `json:"errors"`
	// Message says why a failed batch failed, or what a rollback was for.
	Message        string     `json:"message,omitempty"`
	IdempotencyKey string     `json:"idempotency_key,omitempty"`
	RollbackOf     string     `json:"rollback_of,omitempty"` // for a rollback: the batch it undid
	RolledBackBy   string     `json:"rolled_back_by,omitempty"`
	Attempts       int        `json:"attempts"`
	CreatedAt      time.Time  `json:"created_at"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
	// Progress of a running batch (in the process that runs it).
	Progress *Progress `json:"progress,omitempty"`
}

// Progress is how far a running batch has come.
type Progress struct {
	Rows       int64   `json:"rows"`
	RowsPerSec float64 `json:"rows_per_sec"`
	Percent    float64 `json:"percent"` // of the input read; -1 when the size is unknown
}

// TableStats describes an entry's table.
type TableStats struct {
	Entry string `json:"entry"`
	Rows  int64  `json:"rows"` // current rows (cached, not counted per call)
	// Frozen is how many of the current rows open objections freeze (counted in Rows, never
	// returned by a read). The API shows it only to those who may read the rows (absent
	// otherwise, as when none are frozen).
	Frozen       int64      `json:"frozen,omitempty"`
	Batches      int64      `json:"batches"`
	LastBatch    string     `json:"last_batch,omitempty"`
	LastLoadedAt *time.Time `json:"last_loaded_at,omitempty"`
	Columns      []string   `json:"columns"`
}

// SourceRow is one row a RowSource yields: the values of the entry's items in item order
// (nil is NULL), already checked against the items, or the row's problems. Delete asks to
// supersede the current row with the row's key without a new version.
type SourceRow struct {
	Num    int64
	Values []any
	Delete bool
	Errors []RowError
}

// RowSource yields a batch's rows. Next returns io.EOF after the last row; any other error
// fails the batch (the file could not be read). Read returns how many input bytes were
// consumed and Size the input's size (-1 when unknown), for progress.
type RowSource interface {
	Next() (*SourceRow, error)
	Read() int64
	Size() int64
}

// RowRewinder is implemented by row sources that can be read again from the start (a file
// on disk). A store may then try a fast path first and, when the batch turns out to need it,
// read the rows again on its exact path.
type RowRewinder interface {
	// Rewindable reports whether Rewind can work.
	Rewindable() bool
	// Rewind starts the rows again from the first.
	Rewind() error
}

// LoadOptions are a batch's settings.
type LoadOptions struct {
	Mode           LoadMode
	OnError        OnError
	Source         string
	Format         string
	FileName       string
	IdempotencyKey string
	// Progress, when set, is called every few thousand rows and at the end.
	Progress func(Progress)
}

// ValidateLoadOptions fills defaults (append, abort) and checks the mode and error policy.
func ValidateLoadOptions(o *LoadOptions) error {
	if o.Mode == "" {
		o.Mode = ModeAppend
	}
	if o.OnError == "" {
		o.OnError = OnErrorAbort
	}
	var problems []*Error
	switch o.Mode {
	case ModeAppend, ModeUpsert, ModeReplace:
	default:
		problems = append(problems, FieldErrorf("mode", "mode %q is not one of append, upsert, replace.", o.Mode).Keyed("error.batch.mode", "Mode", o.Mode))
	}
	switch o.OnError {
	case OnErrorAbort, OnErrorSkip:
	default:
		problems = append(problems, FieldErrorf("on_error", "on_error %q is not one of abort, skip.", o.OnError).Keyed("error.source.on_error", "Value", o.OnError))
	}
	if len(o.IdempotencyKey) > 200 {
		problems = append(problems, FieldErrorf("idempotency_key", "Idempotency-Key is longer than 200 characters.").Keyed("error.batch.idempotency_key"))
	}
	return invalid(problems)
}

// TableItems returns the items of an entry that has a table (format table and at least one
// item), or EINVALID naming why it has none.
func TableItems(e *Entry) ([]Item, error) {
	if e.Format != FormatTable {
		return nil, Errorf(EINVALID, "Entry %q is not a table (its format is %s); only table entries hold rows.", e.ID, e.Format).Keyed("error.entry.not_table", "Entry", e.ID, "Format", e.Format)
	}
	if len(e.Items) == 0 {
		return nil, Errorf(EINVALID, "Entry %q has no data items, so it has no table.", e.ID).Keyed("error.entry.no_items", "Entry", e.ID)
	}
	return e.Items, nil
}

// KeyItems returns the indexes of the key items.
func KeyItems(items []Item) []int {
	var out []int
	for i, it := range items {
		if it.Key {
			out = append(out, i)
		}
	}
	return out
}

// CanLoadData reports whether the actor may load, roll back and configure the data of an
// entry of provider org: the provider's admins and editors.
func CanLoadData(a *Actor, org string) bool { return CanEditEntry(a, org) }

// MaxRowErrorValue is how many characters of a bad value a row error keeps.
const MaxRowErrorValue = 100

// CutRowErrorValue cuts a value kept in a row error to MaxRowErrorValue characters.
func CutRowErrorValue(s string) string {
	if utf8.RuneCountInString(s) > MaxRowErrorValue {
		r := []rune(s)
		s = string(r[:MaxRowErrorValue]) + "…"
	}
	return s
}

// SeesRejectedValues reports whether the actor sees the sensitive values of a batch report
// of the provider org in clear: the provider's admins and editors, who load its data and
// hold it anyway. Every other reader (the covering authority, the provider's other users)
// sees them masked.
func SeesRejectedValues(a *Actor, org string) bool { return CanEditEntry(a, org) }

// ReportFor is the batch as the actor reads its report: b itself for the uploading
// provider's admins and editors (SeesRejectedValues), else a copy whose sensitive values are
// masked with mask. Values stored masked (Sensitive false) are left as they are.
func (b *Batch) ReportFor(a *Actor, mask func(string) string) *Batch {
	if SeesRejectedValues(a, b.Org) {
		return b
	}
	c := *b
	c.Errors = make([]RowError, len(b.Errors))
	for i, re := range b.Errors {
		if re.Sensitive && re.Value != "" {
			re.Value = mask(re.Value)
		}
		c.Errors[i] = re
	}
	return &c
}

// CanPurgeData reports whether the actor may purge history of an entry in division: an
// authority's admin whose division covers it.
func CanPurgeData(a *Actor, division string) bool {
	return a.IsAuthority() && a.Role() == RoleAdmin && DivisionCovers(a.Org.Division, division)
}

// CanReadAllData reports whether the actor reads an entry's rows without restriction (the
// provider's users and the authorities covering the entry). Others' access is decided by
// the share and open classes (CanReadData).
func CanReadAllData(a *Actor, e *Entry) bool { return CanViewWorkingCopy(a, e) }

// CanReadData reports whether the actor may read an entry's rows: the provider and the
// covering authority always; anyone the unconditional-open entries. Later rules (grants,
// applications) widen this.
func CanReadData(a *Actor, e *Entry) bool {
	return CanReadAllData(a, e) || e.OpenClass == ClassUnconditional
}

// DateFormat and DateTimeFormat are how dates and datetimes are stored and shown.
const (
	DateFormat     = "2006-01-02"
	DateTimeFormat = "2006-01-02T15:04:05Z"
)

// dateTimeLayouts are the datetime forms a file may use; times without a zone are China
// Standard Time (UTC+8).
var dateTimeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04",
	"2006/01/02 15:04:05", "2006/1/2 15:04:05", "2006/01/02 15:04", "2006/1/2 15:04",
}

var dateLayouts = []string{DateFormat, "2006/01/02", "2006/1/2", "2006-1-2", "20060102", "2006年1月2日", "2006.01.02", "2006.1.2"}

// ChinaTime is UTC+8, the zone of times written without one.
var ChinaTime = time.FixedZone("CST", 8*3600)

// ParseItemValue converts the text s to the Go value of an item type: string → string,
// integer → int64, number → float64, boolean → bool, date → string YYYY-MM-DD, datetime →
// string in DateTimeFormat (UTC). Surrounding space is trimmed (except for strings). The
// error is a sentence naming the expected form, without the value.
func ParseItemValue(typ, s string) (any, error) {
	if typ != "string" {
		// Departments' exports write numbers and dates in full-width characters (１２０,
		// ２０１９－０３－０８, １，２００．５): read them as their ASCII forms.
		if !isASCII(s) {
			s = width.Narrow.String(s)
		}
		s = strings.TrimSpace(s)
	}
	switch typ {
	case "string":
		return s, nil
	case "integer":
		s = strings.ReplaceAll(s, ",", "")
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && decimal(s) && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f), nil // 12.0, 1e3
			}
			return nil, Errorf(EINVALID, "is not a whole number.").Keyed("error.value.integer")
		}
		return v, nil
	case "number":
		s = strings.ReplaceAll(s, ",", "")
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !decimal(s) || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, Errorf(EINVALID, "is not a number.").Keyed("error.value.number")
		}
		return v, nil
	case "boolean":
		switch strings.ToLower(s) {
		case "true", "t", "1", "yes", "y", "是", "真":
			return true, nil
		case "false", "f", "0", "no", "n", "否", "假":
			return false, nil
		}
		return nil, Errorf(EINVALID, "is not a boolean (true/false, 1/0, 是/否).").Keyed("error.value.boolean")
	case "date":
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.Format(DateFormat), nil
			}
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.Format(DateFormat), nil
		}
		return nil, Errorf(EINVALID, "is not a date (YYYY-MM-DD).").Keyed("error.value.date")
	case "datetime":
		for _, l := range dateTimeLayouts {
			if t, err := time.ParseInLocation(l, s, ChinaTime); err == nil {
				return t.UTC().Format(DateTimeFormat), nil
			}
		}
		for _, l := range dateLayouts {
			if t, err := time.ParseInLocation(l, s, ChinaTime); err == nil {
				return t.UTC().Format(DateTimeFormat), nil
			}
		}
		return nil, Errorf(EINVALID, "is not a date and time (YYYY-MM-DD hh:mm:ss, or RFC 3339).").Keyed("error.value.datetime")
	}
	return nil, Errorf(EINVALID, "has an unknown type %q.", typ).Keyed("error.value.type", "Type", typ)
}

// decimal reports whether a number strconv.ParseFloat read is written in decimal (not hex
// such as 0x1A, not Inf or NaN).
func decimal(s string) bool { return !strings.ContainsAny(s, "xXnN") }

// CheckItemLength reports whether a string value fits the item's length (characters).
func CheckItemLength(it Item, v any) bool {
	s, ok := v.(string)
	return !ok || it.Length <= 0 || utf8.RuneCountInString(s) <= it.Length
}

// FormatItemValue returns the text form of a stored value (as ParseItemValue reads it back).
func FormatItemValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// Freshness says whether a table is kept current against its update cycle.
type Freshness struct {
	Status string     `json:"status"` // fresh, due (within the cycle's grace), stale, never
	Due    *time.Time `json:"due,omitempty"`
}

// cycleLength is how long an update cycle lasts; 0 for irregular.
var cycleLength = map[string]time.Duration{
	"realtime": 24 * time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour,
	"monthly": 31 * 24 * time.Hour, "quarterly": 92 * 24 * time.Hour, "semiannual": 183 * 24 * time.Hour,
	"yearly": 366 * 24 * time.Hour,
}

// TableFreshness compares the last load with the update cycle: fresh within one cycle, due
// within two, stale after; never loaded is "never"; an irregular cycle is always fresh once
// loaded.
func TableFreshness(cycle string, lastLoaded *time.Time, now time.Time) Freshness {
	if lastLoaded == nil {
		return Freshness{Status: "never"}
	}
	d := cycleLength[cycle]
	if d == 0 {
		return Freshness{Status: "fresh"}
	}
	due := lastLoaded.Add(d)
	switch {
	case now.Before(due):
		return Freshness{Status: "fresh", Due: &due}
	case now.Before(due.Add(d)):
		return Freshness{Status: "due", Due: &due}
	}
	return Freshness{Status: "stale", Due: &due}
}

// DataService holds the entries' tables: loading, batches, history and figures. It has no
// method that returns rows: the rows are read only through package access (the one read
// path), which the store's raw row reader is handed to alone (cmd/pubdata wires it), so a
// transport cannot read rows around the access policy. Authorisation is the caller's
// (CanLoadData, CanPurgeData); every change records its audit event in its transaction.
type DataService interface {
	// EnsureTable creates the table of a published table entry, or adds the columns of items
	// a new version added. EINVALID for an entry without a table; ECONFLICT when the key of
	// the new version does not hold on the current rows.
	EnsureTable(ctx context.Context, e *Entry) error
	// CreateBatch records a new running batch for the entry (the caller then runs it with
	// RunBatch), or returns the existing batch with the same idempotency key.
	// created is false for such a repeat.
	CreateBatch(ctx context.Context, e *Entry, opt LoadOptions) (b *Batch, created bool, err error)
	// RunBatch loads src as the running or failed batch id, all or nothing: it returns the
	// batch done (its rows committed with its audit event) or failed (nothing written; the
	// row errors and the reason kept). ECONFLICT if the batch is done or rolled back.
	RunBatch(ctx context.Context, e *Entry, id string, src RowSource, opt LoadOptions) (*Batch, error)
	// FindBatchByID returns a batch with its errors (and live progress while it runs here).
	FindBatchByID(ctx context.Context, id string) (*Batch, error)
	// FindBatches returns a page of an entry's batches, newest first, without errors.
	FindBatches(ctx context.Context, entryID string, limit int, cursor string) ([]*Batch, string, error)
	// RollbackBatch undoes the entry's latest done batch with a new batch: the rows it wrote
	// are superseded and the rows it superseded return. ECONFLICT for any other batch.
	RollbackBatch(ctx context.Context, e *Entry, id, reason string) (*Batch, error)
	// PurgeHistory deletes for good the rows superseded at or before batch id (history
	// only; current rows stay), recording the reason. Returns how many rows went.
	PurgeHistory(ctx context.Context, e *Entry, id, reason string) (int64, error)
	// FailStaleBatches marks running batches whose last heartbeat is before t as failed
	// (interrupted); their data was never committed. Returns how many.
	FailStaleBatches(ctx context.Context, before time.Time) (int, error)
	// ClearRejectedValues empties the rejected values kept as given (RowError.Sensitive) in
	// the reports of batches finished before before: past the retention of a failed batch's
	// file a report keeps the row, the column and the message, not the provider's value.
	// Records an event per batch ("data.report_cleared"); returns how many batches (at most
	// 500 a call).
	ClearRejectedValues(ctx context.Context, before time.Time) (int, error)
	// TableStats returns the entry's table figures; ENOTFOUND when it has no table.
	TableStats(ctx context.Context, entryID string) (*TableStats, error)
	// Withheld returns the entry's columns withheld from the public by open opened-data
	// findings (E7, openwatch.go); none when it has no table.
	Withheld(ctx context.Context, entryID string) ([]string, error)
	// RecordRead records a read of the entry's data ("data.read", object "entry:<id>") in a
	// transaction of its own, with the purpose of the request in ctx and details such as the
	// path or format, the columns, the filter, the grant and the row count.
	RecordRead(ctx context.Context, e *Entry, details map[string]any) error
	// RecordRefusal records a refused read of the entry's data ("data.refused", object
	// "entry:<id>") in a transaction of its own, with the purpose of the request in ctx and
	// details such as the reason, the path and the grant named.
	RecordRefusal(ctx context.Context, e *Entry, details map[string]any) error
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
