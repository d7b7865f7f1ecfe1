package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/envelope"
	"github.com/pubdata/pubdata/lib/ident"
)

// Data quality: entries' rules (quality_rule_sets, a revision per write), their runs
// (quality_runs) and each rule's result per run (quality_results). A run is an internal check
// of the store, like a batch's key rules: every row rule is checked in one scan of the
// table's current rows (quality_scan.go), the database deciding the not_null, range,
// allowed and reference rules per row and Go the pattern, element and unique rules. Each rule keeps
// its failing rows' count and the keys and values of the first pubdata.QualitySampleRows;
// readers get them through package access, masked as their reads would be.

// QualityService implements pubdata.QualityService.
type QualityService struct {
	db *DB
	// Weights are the dimensions' weights of the stored scores (nil: the defaults).
	Weights pubdata.QualityWeights
	// RuleTimeout bounds each statement of a full run (0: 5 minutes).
	RuleTimeout time.Duration
}

// NewQualityService returns the quality service on db.
func NewQualityService(db *DB) *QualityService { return &QualityService{db: db} }

// qualityStaleAfter is when a running full run that wrote no heartbeat is taken over.
const qualityStaleAfter = 5 * time.Minute

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// FindQualityRules implements pubdata.QualityService.
func (s *QualityService) FindQualityRules(ctx context.Context, entryID string) (*pubdata.QualityRules, error) {
	return s.db.qualityRules(ctx, s.db.db, entryID)
}

func (d *DB) qualityRules(ctx context.Context, q queryer, entryID string) (*pubdata.QualityRules, error) {
	out := &pubdata.QualityRules{Entry: entryID, Rules: []pubdata.QualityRule{}}
	var rules, actor, at string
	err := q.QueryRowContext(ctx, d.rebind("SELECT revision, entry_version, rules, actor, created_at FROM quality_rule_sets WHERE entry_id = ? ORDER BY revision DESC LIMIT 1"), entryID).
		Scan(&out.Revision, &out.EntryVersion, &rules, &actor, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rules), &out.Rules); err != nil {
		return nil, fmt.Errorf("quality rules of %s: %w", entryID, err)
	}
	t, err := parseTime(at)
	if err != nil {
		return nil, err
	}
	out.UpdatedBy, out.UpdatedAt = actor, &t
	return out, nil
}

// SetQualityRules implements pubdata.QualityService.
func (s *QualityService) SetQualityRules(ctx context.Context, e *pubdata.Entry, rules []pubdata.QualityRule) (*pubdata.QualityRules, error) {
	if rules == nil {
		rules = []pubdata.QualityRule{}
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	pubdata.NormalizeQualityRules(rules)
	entries := NewEntryService(s.db)
	env := pubdata.QualityRuleEnv{
		ElementKnown: func(code string) bool { _, ok := ident.ByElement(code); return ok },
		RefItems: func(id string) ([]pubdata.Item, error) {
			p, err := entries.FindPublishedEntry(ctx, id)
			if err != nil {
				return nil, err
			}
			return pubdata.TableItems(p)
		},
	}
	if err := pubdata.ValidateQualityRules(items, rules, env); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(rules)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var rev int
	if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(revision), 0) FROM quality_rule_sets WHERE entry_id = ?", e.ID).Scan(&rev); err != nil {
		return nil, err
	}
	rev++
	actor := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "INSERT INTO quality_rule_sets (entry_id, revision, entry_version, rules, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		e.ID, rev, e.Version, string(doc), actor, fmtTime(tx.now)); err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The rules of entry %s were changed at the same time; try again.", e.ID).Keyed("error.quality.concurrent", "Entry", e.ID)
		}
		return nil, err
	}
	kinds := make([]string, len(rules))
	for i, r := range rules {
		kinds[i] = r.Kind + ":" + r.Column
	}
	if err := tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "quality.rules", Object: "entry:" + e.ID, Details: map[string]any{
		"revision": rev, "entry_version": e.Version, "rules": kinds}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindQualityRules(context.WithoutCancel(ctx), e.ID)
}

// --- checking ---

// qualityScope is what a run checks: the current rows, or those a batch wrote.
type qualityScope struct {
	cond string // SQL over alias t, ANDed to "t._to IS NULL"
	args []any
}

// checker runs rules over one entry's table on q.
type checker struct {
	d     *DB
	q     queryer
	e     *pubdata.Entry
	items []pubdata.Item
	tbl   string
	keys  []string // key columns; none: _row
	scope qualityScope
	// perStmt bounds each statement (0: the ctx's bound only).
	perStmt time.Duration
	// parallel is how many steps run at once, each on a connection of its own (a full run
	// outside a transaction; SQLite's WAL lets readers run side by side). 0 or 1: in turn.
	parallel int
	// meta is the table's record and ek its entry's keys when it has encrypted columns:
	// those columns are read as ciphertexts and decrypted in Go (encryption.go).
	meta *tableMeta
	ek   *envelope.EntryKeys
	refs map[string]string // a reference rule's entry id → its table ("" when it cannot run)
}

// loadKeys reads the entry's keys when the table encrypts columns, and the tables of the
// reference rules' entries.
func (c *checker) loadKeys(ctx context.Context, rd reader) error {
	if c.meta != nil && c.meta.hasEncrypted() {
		var err error
		if c.ek, err = c.d.entryKeys(ctx, rd, c.meta.entry, c.meta.keyVersion); err != nil {
			return err
		}
	}
	return nil
}

// enc reports whether column name is stored encrypted.
func (c *checker) enc(name string) bool { return c.meta != nil && c.meta.encrypted(name) }

// valueCol is the SQL (alias t) that reads column name's value: its ciphertext when encrypted.
func (c *checker) valueCol(name string) string {
	if c.enc(name) {
		return "t." + quote(encColumn(name))
	}
	return "t." + quote(name)
}

// text is the stored text of the scanned value of column name, decrypted when encrypted.
func (c *checker) text(name string, v any) (*string, error) {
	if v == nil || !c.enc(name) {
		return storedText(v), nil
	}
	t, err := c.ek.Decrypt(name, fmt.Sprint(normalizeStored(v)))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func (c *checker) item(name string) *pubdata.Item {
	for i := range c.items {
		if c.items[i].Name == name {
			return &c.items[i]
		}
	}
	return nil
}

func (c *checker) base() string {
	s := " FROM " + c.tbl + " t WHERE t._to IS NULL"
	if c.scope.cond != "" {
		s += " AND " + c.scope.cond
	}
	return s
}

func (c *checker) stmtCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.perStmt > 0 {
		return context.WithTimeout(ctx, c.perStmt)
	}
	return ctx, func() {}
}

// keySelect is the key columns (or _row) of alias t.
func (c *checker) keySelect() []string {
	if len(c.keys) == 0 {
		return []string{"t._row"}
	}
	out := make([]string, len(c.keys))
	for i, k := range c.keys {
		out[i] = c.valueCol(k)
	}
	return out
}

func (c *checker) keyNames() []string {
	if len(c.keys) == 0 {
		return []string{"_row"}
	}
	return c.keys
}

func storedText(v any) *string {
	if v == nil {
		return nil
	}
	s := pubdata.FormatItemValue(normalizeStored(v))
	if s == "" {
		s = fmt.Sprint(normalizeStored(v))
	}
	return &s
}

// condition is the SQL of a rule's failing rows (over alias t) with its arguments, for the
// kinds that SQL decides; ok is false for the others.
func (c *checker) condition(r pubdata.QualityRule) (cond string, args []any, ok bool, err error) {
	it := c.item(r.Column)
	col := "t." + quote(r.Column)
	switch r.Kind {
	case pubdata.RuleNotNull:
		if c.enc(r.Column) && it.Type == "string" {
			return col + " IS NULL OR " + col + " = ?", []any{c.ek.Index(r.Column, "")}, true, nil
		}
		if it.Type == "string" {
			return col + " IS NULL OR " + col + " = ''", nil, true, nil
		}
		return col + " IS NULL", nil, true, nil
	case pubdata.RuleRange:
		var parts []string
		for _, b := range []struct {
			v  pubdata.Bound
			op string
		}{{r.Min, " < ?"}, {r.Max, " > ?"}} {
			if b.v == "" {
				continue
			}
			v, err := pubdata.ParseItemValue(it.Type, string(b.v))
			if err != nil {
				return "", nil, false, err
			}
			parts = append(parts, col+b.op)
			args = append(args, v)
		}
		return strings.Join(parts, " OR "), args, true, nil
	case pubdata.RuleAllowed:
		for _, s := range r.Values {
			v, err := pubdata.ParseItemValue(it.Type, s)
			if err != nil {
				return "", nil, false, err
			}
			if c.enc(r.Column) {
				v = indexValue(c.ek, r.Column, v)
			}
			args = append(args, v)
		}
		return col + " IS NOT NULL AND " + col + " NOT IN (" + placeholders(len(args)) + ")", args, true, nil
	case pubdata.RuleUniqueCol:
		return col + " IN (SELECT u." + quote(r.Column) + " FROM " + c.tbl + " u WHERE u._to IS NULL AND u." + quote(r.Column) + " IS NOT NULL GROUP BY u." + quote(r.Column) + " HAVING COUNT(*) > 1)", nil, true, nil
	case pubdata.RuleReference:
		ref := c.refs[r.RefEntry]
		return col + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + ref + " r WHERE r._to IS NULL AND r." + quote(r.RefColumn) + " = " + col + ")", nil, true, nil
	}
	return "", nil, false, nil
}

// sample reads the first failing rows of cond.
func (c *checker) sample(ctx context.Context, r pubdata.QualityRule, cond string, args []any) ([]pubdata.QualityFinding, error) {
	sctx, cancel := c.stmtCtx(ctx)
	defer cancel()
	q := "SELECT " + strings.Join(c.keySelect(), ", ") + ", " + c.valueCol(r.Column) + c.base() + " AND (" + cond + ") ORDER BY t._row LIMIT " + fmt.Sprint(pubdata.QualitySampleRows)
	rows, err := c.q.QueryContext(sctx, c.d.rebind(q), append(append([]any{}, c.scope.args...), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []pubdata.QualityFinding{}
	names := c.keyNames()
	for rows.Next() {
		vals := make([]any, len(names)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		v, err := c.text(r.Column, vals[len(names)])
		if err != nil {
			return nil, err
		}
		f := pubdata.QualityFinding{Key: map[string]string{}, Value: v}
		for i, n := range names {
			s, err := c.text(n, vals[i])
			if err != nil {
				return nil, err
			}
			if s != nil {
				f.Key[n] = *s
			}
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// tableResults are the freshness and row_count rules' results: freshness against the update
// cycle and the last load, the row count against the previous count (prev < 0: none).
func tableResults(rules []pubdata.QualityRule, e *pubdata.Entry, lastLoaded *time.Time, now time.Time, prev, rows int64) []pubdata.QualityResult {
	var out []pubdata.QualityResult
	for _, r := range rules {
		res := pubdata.QualityResult{ID: r.ID, Kind: r.Kind, Dimension: pubdata.RuleDimension(r.Kind), Status: pubdata.QualityPass, Reject: r.Reject, Checked: rows}
		switch r.Kind {
		case pubdata.RuleFreshness:
			f := pubdata.TableFreshness(e.UpdateCycle, lastLoaded, now)
			res.Detail = map[string]any{"freshness": f.Status}
			if f.Status == "stale" || f.Status == "never" {
				res.Status = pubdata.QualityFail
			}
		case pubdata.RuleRowCount:
			res.Detail = map[string]any{"previous": prev, "rows": rows}
			switch {
			case prev <= 0:
				res.Status = pubdata.QualitySkipped
			default:
				diff := rows - prev
				if diff < 0 {
					diff = -diff
				}
				pct := float64(diff) * 100 / float64(prev)
				res.Detail["change_pct"] = float64(int(pct*10)) / 10
				if pct > r.MaxChangePct {
					res.Status = pubdata.QualityFail
				}
			}
		default:
			continue
		}
		out = append(out, res)
	}
	return out
}

// --- runs ---

// insertResults writes results of a run; each is numbered by its rule's place in rules.
func (tx *Tx) insertResults(ctx context.Context, runID string, results []pubdata.QualityResult, rules []pubdata.QualityRule) error {
	seal, err := tx.runKeys(ctx, runID)
	if err != nil {
		return err
	}
	place := map[string]int{}
	for i, r := range rules {
		place[r.ID] = i
	}
	for _, r := range results {
		detail, _ := json.Marshal(r.Detail)
		if r.Detail == nil {
			detail = []byte("{}")
		}
		sample := r.Sample
		if sample == nil {
			sample = []pubdata.QualityFinding{}
		}
		sb, err := json.Marshal(sample)
		if err != nil {
			return err
		}
		if len(sample) > 0 && seal != nil { // values of an entry with encrypted items: sealed
			s, err := sealText(seal, string(sb))
			if err != nil {
				return err
			}
			sb = []byte(s)
		}
		reject := 0
		if r.Reject {
			reject = 1
		}
		if _, err := tx.exec(ctx, "INSERT INTO quality_results (run_id, rule_id, n, kind, col, status, checked, failed_rows, reject, detail, sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			runID, r.ID, place[r.ID], r.Kind, r.Column, r.Status, r.Checked, r.FailedRows, reject, string(detail), string(sb)); err != nil {
			return err
		}
	}
	return nil
}

// order returns the results in the rules' order.
func order(rules []pubdata.QualityRule, results map[string]pubdata.QualityResult) []pubdata.QualityResult {
	out := []pubdata.QualityResult{}
	for _, r := range rules {
		if res, ok := results[r.ID]; ok {
			out = append(out, res)
		}
	}
	return out
}

// score is the stored score of a run's results on the entry and its table.
func (s *QualityService) score(e *pubdata.Entry, results []pubdata.QualityResult, lastLoaded *time.Time, rows int64, now time.Time) pubdata.QualityScore {
	return pubdata.ScoreQuality(pubdata.QualityInputs{
		Results: results, Freshness: pubdata.TableFreshness(e.UpdateCycle, lastLoaded, now).Status,
		Published: true, Rows: rows, ShareClass: e.ShareClass, OpenClass: e.OpenClass,
	}, s.Weights)
}

// RunQuality implements pubdata.QualityService.
func (s *QualityService) RunQuality(ctx context.Context, e *pubdata.Entry) (*pubdata.QualityRun, error) {
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	m, err := s.db.tableMeta(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	set, err := s.FindQualityRules(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	// Claim the entry's run: a new one, or take over one whose server went quiet.
	now := s.db.Now().UTC()
	runID, resumed := newID(), false
	var oldID, oldBeat string
	var oldRev int
	err = s.db.queryRow(ctx, "SELECT id, heartbeat_at, revision FROM quality_runs WHERE entry_id = ? AND status = 'running'", e.ID).Scan(&oldID, &oldBeat, &oldRev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = s.db.db.ExecContext(ctx, s.db.rebind("INSERT INTO quality_runs (id, entry_id, kind, revision, status, row_count, started_at, heartbeat_at) VALUES (?, ?, 'full', ?, 'running', 0, ?, ?)"),
			runID, e.ID, set.Revision, fmtTime(now), fmtTime(now))
		if isUniqueViolation(err) {
			return nil, qualityRunning(e.ID)
		} else if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		beat, perr := parseTime(oldBeat)
		if perr != nil || now.Sub(beat) < qualityStaleAfter {
			return nil, qualityRunning(e.ID)
		}
		res, err := s.db.db.ExecContext(ctx, s.db.rebind("UPDATE quality_runs SET heartbeat_at = ? WHERE id = ? AND heartbeat_at = ? AND status = 'running'"), fmtTime(now), oldID, oldBeat)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, qualityRunning(e.ID)
		}
		runID, resumed = oldID, true
		if oldRev != set.Revision { // the rules changed since: start the results again
			if err := s.db.Exec(ctx, "DELETE FROM quality_results WHERE run_id = ?", runID); err != nil {
				return nil, err
			}
			if err := s.db.Exec(ctx, "UPDATE quality_runs SET revision = ? WHERE id = ?", set.Revision, runID); err != nil {
				return nil, err
			}
		}
	}
	done := map[string]bool{}
	results := map[string]pubdata.QualityResult{}
	if resumed {
		prior, err := s.db.runResults(ctx, runID)
		if err != nil {
			return nil, err
		}
		for _, r := range prior {
			done[r.ID] = true
			results[r.ID] = r
		}
	}
	c := &checker{d: s.db, q: s.db.db, e: e, items: items, tbl: m.tbl, keys: m.keys, perStmt: s.RuleTimeout, parallel: min(runtime.NumCPU(), 4), meta: m}
	if err := c.loadKeys(ctx, s.db); err != nil {
		return nil, err
	}
	if c.perStmt <= 0 {
		c.perStmt = 5 * time.Minute
	}
	save := func(out []pubdata.QualityResult) error {
		tx, err := s.db.begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := tx.insertResults(ctx, runID, out, set.Rules); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE quality_runs SET heartbeat_at = ? WHERE id = ?", fmtTime(s.db.Now()), runID); err != nil {
			return err
		}
		return tx.Commit()
	}
	checked, rowResults, err := c.checkRows(ctx, set.Rules, done, save)
	if err != nil {
		return nil, err // the run stays running; the next attempt resumes it
	}
	for id, r := range rowResults {
		results[id] = r
	}
	prev := int64(-1)
	var prevRows int64
	if err := s.db.queryRow(ctx, "SELECT row_count FROM quality_runs WHERE entry_id = ? AND kind = 'full' AND status = 'done' ORDER BY finished_at DESC LIMIT 1", e.ID).Scan(&prevRows); err == nil {
		prev = prevRows
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var table []pubdata.QualityRule
	for _, r := range set.Rules {
		if !r.RowCounted() && !done[r.ID] {
			table = append(table, r)
		}
	}
	tres := tableResults(table, e, m.lastLoadedAt.t, now, prev, checked)
	for _, r := range tres {
		results[r.ID] = r
	}
	all := order(set.Rules, results)
	sc := s.score(e, all, m.lastLoadedAt.t, checked, now)
	dims, _ := json.Marshal(sc.Dimensions)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.insertResults(ctx, runID, tres, set.Rules); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE quality_runs SET status = 'done', row_count = ?, score = ?, dimensions = ?, finished_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'",
		checked, sc.Score, string(dims), fmtTime(tx.now), fmtTime(tx.now), runID); err != nil {
		return nil, err
	}
	failed := 0
	for _, r := range all {
		if r.Status == pubdata.QualityFail {
			failed++
		}
	}
	if err := tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "quality.run", Object: "entry:" + e.ID, Details: map[string]any{
		"run": runID, "kind": pubdata.QualityRunFull, "revision": set.Revision, "rows": checked, "rules": len(all), "failed_rules": failed,
		"score": sc.Score, "resumed": resumed}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.run(context.WithoutCancel(ctx), runID)
}

func qualityRunning(entryID string) error {
	return pubdata.Errorf(pubdata.ECONFLICT, "A quality run of entry %s is under way.", entryID).Keyed("error.quality.running", "Entry", entryID)
}

const qualityRunColumns = "id, entry_id, kind, COALESCE(batch_id, ''), revision, status, row_count, started_at, finished_at"

func scanQualityRun(sc interface{ Scan(...any) error }) (*pubdata.QualityRun, error) {
	r := &pubdata.QualityRun{}
	var fin nullTime
	if err := sc.Scan(&r.ID, &r.Entry, &r.Kind, &r.Batch, &r.Revision, &r.Status, &r.Rows, timeCol{&r.StartedAt}, &fin); err != nil {
		return nil, err
	}
	r.FinishedAt = fin.t
	return r, nil
}

func (s *QualityService) run(ctx context.Context, id string) (*pubdata.QualityRun, error) {
	r, err := scanQualityRun(s.db.queryRow(ctx, "SELECT "+qualityRunColumns+" FROM quality_runs WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	if r.Results, err = s.db.runResults(ctx, id); err != nil {
		return nil, err
	}
	return r, nil
}

func (d *DB) runResults(ctx context.Context, runID string) ([]pubdata.QualityResult, error) {
	rows, err := d.query(ctx, "SELECT rule_id, kind, col, status, checked, failed_rows, reject, detail, sample FROM quality_results WHERE run_id = ? ORDER BY n", runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []pubdata.QualityResult{}
	for rows.Next() {
		var r pubdata.QualityResult
		var reject int
		var detail, sample string
		if err := rows.Scan(&r.ID, &r.Kind, &r.Column, &r.Status, &r.Checked, &r.FailedRows, &reject, &detail, &sample); err != nil {
			return nil, err
		}
		r.Reject, r.Dimension = reject == 1, pubdata.RuleDimension(r.Kind)
		if err := json.Unmarshal([]byte(detail), &r.Detail); err != nil {
			return nil, err
		}
		if len(r.Detail) == 0 {
			r.Detail = nil
		}
		if strings.HasPrefix(sample, envelope.Prefix) {
			var entry string
			if err := d.queryRow(ctx, "SELECT entry_id FROM quality_runs WHERE id = ?", runID).Scan(&entry); err != nil {
				return nil, err
			}
			k, err := d.entryKeys(ctx, d, entry, 0)
			if err != nil {
				return nil, err
			}
			if sample, err = openText(k, sample); err != nil {
				return nil, err
			}
		}
		if err := json.Unmarshal([]byte(sample), &r.Sample); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LatestQualityRun implements pubdata.QualityService.
func (s *QualityService) LatestQualityRun(ctx context.Context, entryID, kind string) (*pubdata.QualityRun, error) {
	var id string
	err := s.db.queryRow(ctx, "SELECT id FROM quality_runs WHERE entry_id = ? AND kind = ? AND status = 'done' ORDER BY finished_at DESC, id DESC LIMIT 1", entryID, kind).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %s has no quality run yet.", entryID).Keyed("error.quality.no_run", "Entry", entryID)
	} else if err != nil {
		return nil, err
	}
	return s.run(ctx, id)
}

// DueQualityRuns implements pubdata.QualityService: the published entries (in the catalogue)
// with rules whose latest full run started before before, oldest first.
func (s *QualityService) DueQualityRuns(ctx context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := s.db.query(ctx, `SELECT q.entry_id FROM (SELECT DISTINCT entry_id FROM quality_rule_sets) q
		JOIN catalog c ON c.entry_id = q.entry_id
		LEFT JOIN (SELECT entry_id, MAX(started_at) AS last FROM quality_runs WHERE kind = 'full' GROUP BY entry_id) r ON r.entry_id = q.entry_id
		WHERE r.last IS NULL OR r.last < ?
		ORDER BY COALESCE(r.last, ''), q.entry_id LIMIT ?`, fmtTime(before), limit)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
}

// UnitQuality returns each provider's score: the mean of the stored scores of its
// published entries' latest full runs.
func (s *QualityService) UnitQuality(ctx context.Context) ([]pubdata.UnitQuality, error) {
	rows, err := s.db.query(ctx, `SELECT c.org, COALESCE(o.name, ''), r.score, r.dimensions FROM quality_runs r
		JOIN catalog c ON c.entry_id = r.entry_id
		LEFT JOIN orgs o ON o.code = c.org
		WHERE r.kind = 'full' AND r.status = 'done' AND r.finished_at = (SELECT MAX(x.finished_at) FROM quality_runs x WHERE x.entry_id = r.entry_id AND x.kind = 'full' AND x.status = 'done')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	scores, names := map[string][]pubdata.QualityScore{}, map[string]string{}
	for rows.Next() {
		var org, name, dims string
		var score sql.NullInt64
		if err := rows.Scan(&org, &name, &score, &dims); err != nil {
			return nil, err
		}
		sc := pubdata.QualityScore{Dimensions: map[string]*int{}}
		if score.Valid {
			n := int(score.Int64)
			sc.Score = &n
		}
		if err := json.Unmarshal([]byte(dims), &sc.Dimensions); err != nil {
			return nil, err
		}
		scores[org] = append(scores[org], sc)
		names[org] = name
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return pubdata.UnitScores(scores, names), nil
}

// --- on a batch ---

// qualityOnBatch runs the entry's rules over the rows batch seq wrote, inside the batch's
// transaction (before its figures are written): it returns the run to keep with the batch,
// and a failure when a rule marked reject failed (the batch then fails with the failing rows
// as its errors). No rules: nil, nil.
func (tx *Tx) qualityOnBatch(ctx context.Context, e *pubdata.Entry, items []pubdata.Item, m *tableMeta, seq, rowsAfter int64) (*pubdata.QualityRun, *loadFailure, error) {
	set, err := tx.db.qualityRules(ctx, tx, e.ID)
	if err != nil || len(set.Rules) == 0 {
		return nil, nil, err
	}
	c := &checker{d: tx.db, q: tx, e: e, items: items, tbl: m.tbl, keys: m.keys, scope: qualityScope{cond: "t._from = ?", args: []any{seq}}, meta: m}
	if err := c.loadKeys(ctx, tx); err != nil {
		return nil, nil, err
	}
	checked, results, err := c.checkRows(ctx, set.Rules, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	prev := m.rowCount
	if prev == 0 {
		prev = -1
	}
	now := tx.now
	for _, r := range tableResults(set.Rules, e, &now, now, prev, rowsAfter) {
		results[r.ID] = r
	}
	run := &pubdata.QualityRun{ID: newID(), Entry: e.ID, Kind: pubdata.QualityRunBatch, Revision: set.Revision, Status: "done", Rows: checked, Results: order(set.Rules, results), StartedAt: now, FinishedAt: &now}
	// The rules that reject: their failing rows become the batch's errors.
	var errs []pubdata.RowError
	var rejected int64
	rules := 0
	for _, r := range run.Results {
		if !r.Reject || r.Status != pubdata.QualityFail {
			continue
		}
		rules++
		rejected += max(r.FailedRows, 1)
		title := r.Column
		mask := false
		for _, it := range items {
			if it.Name == r.Column && it.Title != "" {
				title = it.Title
			}
			if (it.Key || it.Name == r.Column) && (it.Personal || it.Element != "") {
				mask = true
			}
		}
		if !r.RowCounted() {
			errs = append(errs, rowError(0, "", "quality", pubdata.NewMessage("row.quality.table", "Kind", pubdata.NewMessage("quality.kind."+r.Kind)), ""))
			continue
		}
		for _, f := range r.Sample {
			key := make([]string, 0, len(f.Key))
			for _, k := range c.keyNames() {
				key = append(key, f.Key[k])
			}
			v := strings.Join(key, ",")
			if f.Value != nil {
				v += " · " + *f.Value
			}
			if mask {
				v = ident.Mask(v)
			}
			errs = append(errs, rowError(0, title, "quality", pubdata.NewMessage("row.quality", "Kind", pubdata.NewMessage("quality.kind."+r.Kind), "Column", title), v))
		}
	}
	if rules > 0 {
		f := failure(pubdata.NewMessage("batch.failure.quality", "Rules", rules, "Count", rejected))
		f.rejected, f.errs = rejected, errs
		return run, f, nil
	}
	return run, nil, nil
}

// writeBatchRun keeps a batch's run and records it, in the batch's transaction.
func (tx *Tx) writeBatchRun(ctx context.Context, e *pubdata.Entry, batchID string, run *pubdata.QualityRun) error {
	if _, err := tx.exec(ctx, "INSERT INTO quality_runs (id, entry_id, kind, batch_id, revision, status, row_count, started_at, heartbeat_at, finished_at) VALUES (?, ?, 'batch', ?, ?, 'done', ?, ?, ?, ?)",
		run.ID, e.ID, batchID, run.Revision, run.Rows, fmtTime(tx.now), fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return err
	}
	order := make([]pubdata.QualityRule, len(run.Results)) // the results are in the rules' order
	for i, r := range run.Results {
		order[i].ID = r.ID
	}
	if err := tx.insertResults(ctx, run.ID, run.Results, order); err != nil {
		return err
	}
	failed := 0
	for _, r := range run.Results {
		if r.Status == pubdata.QualityFail {
			failed++
		}
	}
	return tx.record(ctx, change{Org: e.Org, Division: e.Division, Action: "quality.run", Object: "entry:" + e.ID, Details: map[string]any{
		"run": run.ID, "kind": pubdata.QualityRunBatch, "batch": batchID, "revision": run.Revision, "rows": run.Rows, "rules": len(run.Results), "failed_rules": failed}})
}

// refTable returns the table of a reference rule's entry ("" when it has none or stores the
// referenced column encrypted), kept in c.refs.
func (c *checker) refTable(ctx context.Context, r pubdata.QualityRule) (string, error) {
	if tbl, ok := c.refs[r.RefEntry]; ok {
		return tbl, nil
	}
	if c.refs == nil {
		c.refs = map[string]string{}
	}
	var tbl, cols, keys string
	err := c.q.QueryRowContext(ctx, c.d.rebind("SELECT tbl, columns, key_columns FROM data_tables WHERE entry_id = ?"), r.RefEntry).Scan(&tbl, &cols, &keys)
	if errors.Is(err, sql.ErrNoRows) {
		c.refs[r.RefEntry] = ""
		return "", nil
	} else if err != nil {
		return "", err
	}
	d, err := decodeTableColumns(cols, keys)
	if err != nil {
		return "", err
	}
	if col, ok := d.byName[r.RefColumn]; !ok || col.Enc {
		tbl = ""
	}
	c.refs[r.RefEntry] = tbl
	return tbl, nil
}

// runKeys are the keys of a quality run's entry when its table encrypts columns (nil: none).
func (tx *Tx) runKeys(ctx context.Context, runID string) (*envelope.EntryKeys, error) {
	var entry string
	var kv int64
	err := tx.queryRow(ctx, "SELECT r.entry_id, COALESCE(t.key_version, 0) FROM quality_runs r LEFT JOIN data_tables t ON t.entry_id = r.entry_id WHERE r.id = ?", runID).Scan(&entry, &kv)
	if errors.Is(err, sql.ErrNoRows) || kv == 0 {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return tx.db.entryKeys(ctx, tx, entry, kv)
}
