package pubdata

import (
	"context"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Pull sources (B3): a provider registers its business database — PostgreSQL or
// MySQL/MariaDB — and the platform pulls the changed rows of a table or query into the
// entry's table on a schedule, each run one upsert batch (source "pull") with the same
// validation and report as a file. A row is changed when its "updated at" column is at or
// after the watermark of the last good run.

// Pull source drivers.
const (
	DriverPostgres = "postgres"
	DriverMySQL    = "mysql" // MySQL and MariaDB
)

// PullDrivers lists the drivers.
var PullDrivers = []string{DriverPostgres, DriverMySQL}

// Pull run statuses (PullSource.LastStatus).
const (
	PullDone   = "done"
	PullFailed = "failed"
)

// Pull intervals, in minutes.
const (
	MinPullInterval = 5
	MaxPullInterval = 24 * 60
)

// MaxPullBoundary is how many rows at the watermark a source remembers (see PullSource.Boundary).
const MaxPullBoundary = 1000

// PullSource is a provider's database the platform pulls an entry's rows from. The DSN is
// write-only: the store keeps it sealed, and only a claim for a run (ClaimPullSource)
// returns it; DSN here is its redacted form, e.g. mysql://user:***@host:3306/db.
type PullSource struct {
	ID     string `json:"id"`
	Entry  string `json:"entry"`
	Org    string `json:"org"`
	Name   string `json:"name"`
	Driver string `json:"driver"`
	DSN    string `json:"dsn"` // redacted
	// Table (schema.table allowed) or Query (one read-only SELECT), exactly one.
	Table string `json:"table,omitempty"`
	Query string `json:"query,omitempty"`
	// UpdatedColumn is the source column that says when a row last changed.
	UpdatedColumn string `json:"updated_column"`
	// Columns maps item names to source column names; an item not in it is read from the
	// source column of its own name.
	Columns         map[string]string `json:"columns"`
	IntervalMinutes int               `json:"interval_minutes"`
	OnError         OnError           `json:"on_error"`
	Enabled         bool              `json:"enabled"`
	// Watermark is the largest "updated at" value the last good run saw, as text ("" before
	// the first run); Boundary holds fingerprints of the rows seen at exactly that value, so
	// that the next run (which reads from the watermark on, inclusive) skips them unless they
	// changed. Empty when more than MaxPullBoundary rows share the value: they are then read
	// and upserted again, which changes nothing in the current rows.
	Watermark  string     `json:"watermark,omitempty"`
	Boundary   []string   `json:"-"`
	LastRunAt  *time.Time `json:"last_run_at,omitempty"`
	LastBatch  string     `json:"last_batch,omitempty"`
	LastStatus string     `json:"last_status,omitempty"` // "", done, failed
	LastError  string     `json:"last_error,omitempty"`
	Failures   int        `json:"failures"` // consecutive failed runs
	NextRunAt  time.Time  `json:"next_run_at"`
	// RunningUntil is set while a server holds the source for a run (its lease).
	RunningUntil *time.Time `json:"running_until,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Interval returns the source's schedule interval.
func (s *PullSource) Interval() time.Duration { return time.Duration(s.IntervalMinutes) * time.Minute }

// Running reports whether a server holds the source for a run at now.
func (s *PullSource) Running(now time.Time) bool {
	return s.RunningUntil != nil && now.Before(*s.RunningUntil)
}

// SourceColumn returns the source column an item is read from.
func (s *PullSource) SourceColumn(item string) string {
	if c := s.Columns[item]; c != "" {
		return c
	}
	return item
}

var (
	sourceIdentPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	queryWord          = regexp.MustCompile(`[A-Za-z_]+`)
	// forbiddenQueryWords are words a read-only SELECT has no use for. The run also reads
	// in a read-only transaction, which is what really stops writes.
	forbiddenQueryWords = []string{"insert", "update", "delete", "drop", "alter", "create", "truncate", "grant",
		"revoke", "into", "call", "lock", "merge", "copy", "load", "handler", "rename", "execute", "sleep", "pg_sleep", "benchmark"}
)

// ValidSourceColumn reports whether name is a plain column name of a source database: a
// letter or _, then letters, digits and _ (at most 64).
func ValidSourceColumn(name string) bool { return sourceIdentPattern.MatchString(name) }

// ValidSourceTable reports whether name is a table name, optionally schema-qualified
// (schema.table), each part a plain name.
func ValidSourceTable(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if !ValidSourceColumn(p) {
			return false
		}
	}
	return true
}

// CheckPullQuery checks that q is one read-only SELECT (or WITH … SELECT): no second
// statement, no comments, none of the words that write or lock. A trailing semicolon is
// dropped. It returns the query to run.
func CheckPullQuery(q string) (string, *Error) {
	q = strings.TrimSpace(q)
	q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	if utf8.RuneCountInString(q) > 10000 {
		return "", FieldErrorf("query", "The query must be at most 10000 characters.").Keyed("error.source.query.too_long")
	}
	// Words are checked outside string literals.
	var outside strings.Builder
	var quote rune
	for _, c := range q {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			continue
		case c == '\'' || c == '"' || c == '`':
			quote = c
			continue
		}
		outside.WriteRune(c)
	}
	if quote != 0 {
		return "", FieldErrorf("query", "The query has an unclosed quote.").Keyed("error.source.query.quote")
	}
	o := outside.String()
	if strings.Contains(o, ";") {
		return "", FieldErrorf("query", "The query must be a single statement (no semicolons).").Keyed("error.source.query.single")
	}
	if strings.Contains(o, "--") || strings.Contains(o, "/*") || strings.Contains(o, "#") {
		return "", FieldErrorf("query", "The query must not contain comments.").Keyed("error.source.query.comments")
	}
	words := queryWord.FindAllString(strings.ToLower(o), -1)
	if len(words) == 0 || (words[0] != "select" && words[0] != "with") {
		return "", FieldErrorf("query", "The query must be a SELECT (or WITH … SELECT).").Keyed("error.source.query.select")
	}
	for _, w := range words {
		if slices.Contains(forbiddenQueryWords, w) {
			return "", FieldErrorf("query", "The query must only read: %q is not allowed.", strings.ToUpper(w)).Keyed("error.source.query.write", "Word", strings.ToUpper(w))
		}
	}
	return q, nil
}

// RedactDSN checks a source DSN for its driver and returns it with the password hidden.
// PostgreSQL: postgres://user:password@host:5432/db?sslmode=…; MySQL and MariaDB:
// user:password@tcp(host:3306)/db?… (the Go driver's form) or mysql://user:password@host:3306/db.
func RedactDSN(driver, dsn string) (string, *Error) {
	dsn = strings.TrimSpace(dsn)
	bad := func(msg, key string) (string, *Error) { return "", FieldErrorf("dsn", "%s", msg).Keyed(key) }
	if dsn == "" {
		return bad("The connection string (DSN) is required.", "error.source.dsn.required")
	}
	if len(dsn) > 2000 {
		return bad("The connection string (DSN) must be at most 2000 characters.", "error.source.dsn.too_long")
	}
	switch driver {
	case DriverPostgres:
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return bad("A PostgreSQL DSN is a URL: postgres://user:password@host:5432/database.", "error.source.dsn.postgres")
		}
		return redactURL(u), nil
	case DriverMySQL:
		if strings.HasPrefix(dsn, "mysql://") {
			u, err := url.Parse(dsn)
			if err != nil || u.Host == "" {
				return bad("A MySQL DSN is user:password@tcp(host:3306)/database or mysql://user:password@host:3306/database.", "error.source.dsn.mysql")
			}
			return redactURL(u), nil
		}
		// [user[:password]@][net[(addr)]]/dbname[?params], as the Go driver reads it.
		slash := strings.LastIndex(dsn, "/")
		if slash < 0 || strings.Contains(dsn, "://") {
			return bad("A MySQL DSN is user:password@tcp(host:3306)/database or mysql://user:password@host:3306/database.", "error.source.dsn.mysql")
		}
		head, db := dsn[:slash], dsn[slash+1:]
		db, _, _ = strings.Cut(db, "?")
		user, addr := "", head
		if at := strings.LastIndex(head, "@"); at >= 0 {
			user, addr = head[:at], head[at+1:]
		}
		name, _, hasPass := strings.Cut(user, ":")
		if open := strings.Index(addr, "("); open >= 0 && strings.HasSuffix(addr, ")") {
			addr = addr[open+1 : len(addr)-1]
		}
		out := "mysql://"
		if name != "" {
			out += name
			if hasPass {
				out += ":***"
			}
			out += "@"
		}
		return out + addr + "/" + db, nil
	}
	return "", FieldErrorf("driver", "The driver must be one of %s.", strings.Join(PullDrivers, ", ")).Keyed("error.source.driver", "Drivers", strings.Join(PullDrivers, ", "))
}

func redactURL(u *url.URL) string {
	out := u.Scheme + "://"
	if u.User != nil {
		out += u.User.Username()
		if _, ok := u.User.Password(); ok {
			out += ":***"
		}
		out += "@"
	}
	return out + u.Host + u.Path
}

// NormalizePullSource trims a source's text and fills defaults: interval 60 minutes,
// on_error abort.
func NormalizePullSource(s *PullSource) {
	for _, p := range []*string{&s.Name, &s.Driver, &s.Table, &s.Query, &s.UpdatedColumn} {
		*p = strings.TrimSpace(*p)
	}
	if s.IntervalMinutes == 0 {
		s.IntervalMinutes = 60
	}
	if s.OnError == "" {
		s.OnError = OnErrorAbort
	}
	cols := map[string]string{}
	for k, v := range s.Columns {
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if v != "" && v != k {
			cols[k] = v
		}
	}
	s.Columns = cols
}

// ValidatePullSource checks a source against the items of its entry's table (normalise
// first). dsn is the new connection string, "" to keep the stored one (then
// requireDSN is false). Every problem names its field.
func ValidatePullSource(s *PullSource, items []Item, dsn string, requireDSN bool) error {
	var problems []*Error
	bad := func(field, format string, args ...any) *Error {
		e := FieldErrorf(field, format, args...)
		problems = append(problems, e)
		return e
	}
	if utf8.RuneCountInString(s.Name) > 100 {
		bad("name", "The name must be at most 100 characters.").Keyed("error.source.name.too_long")
	}
	if !slices.Contains(PullDrivers, s.Driver) {
		bad("driver", "The driver must be one of %s.", strings.Join(PullDrivers, ", ")).Keyed("error.source.driver", "Drivers", strings.Join(PullDrivers, ", "))
	} else if dsn != "" || requireDSN {
		if _, err := RedactDSN(s.Driver, dsn); err != nil {
			problems = append(problems, err)
		}
	}
	switch {
	case s.Table == "" && s.Query == "":
		bad("table", "Give the source table, or a query.").Keyed("error.source.table.required")
	case s.Table != "" && s.Query != "":
		bad("query", "Give the source table or a query, not both.").Keyed("error.source.table.both")
	case s.Table != "":
		if !ValidSourceTable(s.Table) {
			bad("table", "The table must be a name (letters, digits and _, starting with a letter or _), optionally schema.table.").Keyed("error.source.table.syntax")
		}
	default:
		if q, err := CheckPullQuery(s.Query); err != nil {
			problems = append(problems, err)
		} else {
			s.Query = q
		}
	}
	if !ValidSourceColumn(s.UpdatedColumn) {
		bad("updated_column", "The \"updated at\" column must be a column name (letters, digits and _, starting with a letter or _).").Keyed("error.source.updated_column")
	}
	names := map[string]bool{}
	for _, it := range items {
		names[it.Name] = true
	}
	keys := slices.Sorted(maps.Keys(s.Columns))
	for _, item := range keys {
		if !names[item] {
			bad("columns", "The column mapping names item %q, which the entry does not have.", item).Keyed("error.source.columns.unknown", "Item", item)
		} else if !ValidSourceColumn(s.Columns[item]) {
			bad("columns", "The source column %q (for item %s) is not a column name.", s.Columns[item], item).Keyed("error.source.columns.syntax", "Column", s.Columns[item], "Item", item)
		}
	}
	if len(items) > 0 && len(KeyItems(items)) == 0 {
		bad("entry", "The entry has no key items; a pull updates rows by key, so its table needs a key.").Keyed("error.source.no_key")
	}
	if s.IntervalMinutes < MinPullInterval || s.IntervalMinutes > MaxPullInterval {
		bad("interval_minutes", "The interval must be from %d minutes to %d hours.", MinPullInterval, MaxPullInterval/60).Keyed("error.source.interval", "MinMinutes", MinPullInterval, "MaxHours", MaxPullInterval/60)
	}
	if s.OnError != OnErrorAbort && s.OnError != OnErrorSkip {
		bad("on_error", "on_error %q is not one of abort, skip.", s.OnError).Keyed("error.source.on_error", "Value", s.OnError)
	}
	return invalid(problems)
}

// NextPullRun is when a source runs next after a run at last: one interval after a good
// run; after failures consecutive failures, 1, 2, 4 … minutes, at most the interval or an
// hour, whichever is shorter.
func NextPullRun(last time.Time, failures int, interval time.Duration) time.Time {
	if failures <= 0 {
		return last.Add(interval)
	}
	limit := min(interval, time.Hour)
	wait := time.Minute
	for i := 1; i < failures && wait < limit; i++ {
		wait *= 2
	}
	return last.Add(min(wait, limit))
}

// CanReadPullSources reports whether the actor may see an entry's pull sources (never
// their DSNs): those who manage them (CanLoadData) and the authorities covering the entry.
func CanReadPullSources(a *Actor, e *Entry) bool {
	return CanLoadData(a, e.Org) || (a.IsAuthority() && DivisionCovers(a.Org.Division, e.Division))
}

// PullRun is the outcome of one run of a source.
type PullRun struct {
	At    time.Time
	Batch string // the run's batch, "" when it failed before making one
	Error string // "" for a good run; else the reason, safe to show the provider
	// Watermark and Boundary after a good run (a failed run keeps the old ones).
	Watermark string
	Boundary  []string
}

// PullSourceService keeps the pull sources. Authorisation is the caller's (CanLoadData to
// manage, CanReadAllData to read); every change records its audit event, never the DSN.
type PullSourceService interface {
	// CreatePullSource registers a source for the published table entry e, sealing dsn; it
	// is due at once when enabled. EINVALID with field errors.
	CreatePullSource(ctx context.Context, e *Entry, s *PullSource, dsn string) (*PullSource, error)
	// UpdatePullSource replaces a source's settings (dsn "" keeps the stored one). A new
	// table, query or "updated at" column, or reset, clears the watermark so that the next
	// run reads every row. ENOTFOUND, EINVALID.
	UpdatePullSource(ctx context.Context, e *Entry, s *PullSource, dsn string, reset bool) (*PullSource, error)
	// DeletePullSource removes a source (the rows it loaded stay). ENOTFOUND.
	DeletePullSource(ctx context.Context, id string) error
	// FindPullSourceByID returns a source; ENOTFOUND.
	FindPullSourceByID(ctx context.Context, id string) (*PullSource, error)
	// FindPullSources returns an entry's sources, oldest first.
	FindPullSources(ctx context.Context, entryID string) ([]*PullSource, error)
	// FindDuePullSources returns up to limit enabled sources due at now and not running,
	// the longest due first.
	FindDuePullSources(ctx context.Context, now time.Time, limit int) ([]*PullSource, error)
	// ClaimPullSource takes the source for a run for at most lease, so that no other
	// server runs it meanwhile, and returns it with its DSN. ECONFLICT while another run
	// holds it; ENOTFOUND.
	ClaimPullSource(ctx context.Context, id string, lease time.Duration) (*PullSource, string, error)
	// RecordPullRun records a run's outcome and releases the claim: after a good run the
	// watermark moves and failures return to 0; after a failed one failures grows. The next
	// run is NextPullRun.
	RecordPullRun(ctx context.Context, id string, r PullRun) (*PullSource, error)
}
