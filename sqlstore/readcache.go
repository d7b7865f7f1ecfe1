package sqlstore

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
)

// The read cache: what every read of an entry's data looked up per request — the published
// entry, the mask policies of its provider, its table's row in data_tables and the open
// objections that freeze rows — held in memory and validated against read_state.gen (one
// row), as the catalogue index is against catalog_state.generation.
//
// read_state.gen grows in the transaction of every change that can alter one of them: Tx.record
// bumps it, right after locking the audit log's head (so in one lock order everywhere), for
// every event of the actions in readActions (publication, retirement and every other entry
// step, organisations' changes, mask policies, objections, and every change to a table).
// The bump commits with the change, so every server that reads the generation after the
// commit sees the new one and reloads; a server never serves a value older than the
// generation it read.
//
// A request reads the generation once (readState, attached to the request's context by
// WithReadState; without it every cached lookup reads the generation itself), at its first
// cached lookup, before it reads anything the cache would hold. A transaction whose record
// bumps the generation resets the request's state, so a request that writes reads its own
// change afterwards. Grants and sanctions are not cached: they are read per request as before.

// readActions are the prefixes of the audited actions after which cached reads reload.
var readActions = []string{"entry.", "org.", "mask_policy.", "objection.", "data."}

// readOnlyActions are data.* actions that change nothing a read depends on.
var readOnlyActions = map[string]bool{"data.read": true, "data.refused": true}

// changesReads reports whether an event of action invalidates the read cache.
func changesReads(action string) bool {
	if readOnlyActions[action] {
		return false
	}
	for _, p := range readActions {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// readState is one request's view of read_state.gen.
type readState struct {
	mu  sync.Mutex
	gen int64
	ok  bool
}

type readStateKey struct{}

// WithReadState returns ctx carrying a read state of its own: the cached lookups made with
// it (and its descendants) read the generation once. The server gives each request one.
func WithReadState(ctx context.Context) context.Context {
	return context.WithValue(ctx, readStateKey{}, &readState{})
}

// reset makes the request read the generation again at its next lookup.
func (st *readState) reset() {
	st.mu.Lock()
	st.ok = false
	st.mu.Unlock()
}

// readGen returns the generation the request in ctx reads with (reading it once per request,
// or at every call without a read state).
func (d *DB) readGen(ctx context.Context) (int64, error) {
	st, _ := ctx.Value(readStateKey{}).(*readState)
	if st != nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.ok {
			return st.gen, nil
		}
	}
	var gen int64
	if err := d.queryRow(ctx, "SELECT gen FROM read_state WHERE id = 1").Scan(&gen); err != nil {
		return 0, err
	}
	if st != nil {
		st.gen, st.ok = gen, true
	}
	return gen, nil
}

// bumpReads grows read_state.gen inside tx.
func (tx *Tx) bumpReads(ctx context.Context) error {
	_, err := tx.exec(ctx, "UPDATE read_state SET gen = gen + 1 WHERE id = 1")
	return err
}

// readCacheMax bounds each map of the cache; past it the map starts again.
const readCacheMax = 4096

// readCache holds the values of one generation.
type readCache struct {
	mu       sync.Mutex
	gen      int64
	entries  map[string]*catalogRowRaw // by id and by code
	policies map[string]pubdata.MaskPolicy
	tables   map[string]*tableMeta
	frozen   map[string]frozenCond
}

// catalogRowRaw is a published entry's row as read (decoded again for every caller, who may
// change the entry it gets).
type catalogRowRaw struct {
	vals [10]any
}

// frozenCond is the freeze condition of a table (frozenKeys).
type frozenCond struct {
	cond string
	args []any
}

// cached returns the cache of generation gen, locked, or nil when gen is older than the
// cache's (a request that read the generation before another's change: it reads the
// database). The caller unlocks c.mu when c is not nil.
func (d *DB) cached(gen int64) *readCache {
	c := &d.reads
	c.mu.Lock()
	switch {
	case gen > c.gen || c.entries == nil:
		c.gen = gen
		c.entries = map[string]*catalogRowRaw{}
		c.policies = map[string]pubdata.MaskPolicy{}
		c.tables = map[string]*tableMeta{}
		c.frozen = map[string]frozenCond{}
	case gen < c.gen:
		c.mu.Unlock()
		return nil
	}
	return c
}

// lookup returns the value get finds in the cache of the request's generation, or loads it
// with load and keeps it there. Loads happen outside the lock, after the generation was read,
// so a value kept under gen is at least as new as gen.
func lookup[T any](ctx context.Context, d *DB, get func(c *readCache) (T, bool), put func(c *readCache, v T), load func() (T, error)) (T, error) {
	gen, err := d.readGen(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	if c := d.cached(gen); c != nil {
		v, ok := get(c)
		c.mu.Unlock()
		if ok {
			return v, nil
		}
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if c := d.cached(gen); c != nil {
		if c.gen == gen {
			put(c, v)
		}
		c.mu.Unlock()
	}
	return v, nil
}

// putBounded sets m[k] = v, emptying m first when it is full.
func putBounded[V any](m map[string]V, k string, v V) {
	if len(m) >= readCacheMax {
		clear(m)
	}
	m[k] = v
}

// cachedPublished is FindPublishedEntry's row, cached.
func (d *DB) cachedPublished(ctx context.Context, idOrCode string) (*pubdata.Entry, error) {
	raw, err := lookup(ctx, d,
		func(c *readCache) (*catalogRowRaw, bool) { r, ok := c.entries[idOrCode]; return r, ok },
		func(c *readCache, r *catalogRowRaw) { putBounded(c.entries, idOrCode, r) },
		func() (*catalogRowRaw, error) {
			r := &catalogRowRaw{}
			var id, code, org, orgName, doc, issued, peer string
			var version int
			var modified, created time.Time
			err := d.queryRow(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id = ? OR c.code = ?", idOrCode, idOrCode).
				Scan(&id, &code, &org, &orgName, &version, &doc, &issued, timeCol{&modified}, timeCol{&created}, &peer)
			if err != nil {
				return nil, err
			}
			r.vals = [10]any{id, code, org, orgName, version, doc, issued, modified, created, peer}
			return r, nil
		})
	if err != nil {
		return nil, err
	}
	return scanCatalog(raw)
}

var errScanRaw = errors.New("read cache: unexpected column type")

// Scan makes a kept row scannable by scanCatalog.
func (r *catalogRowRaw) Scan(dest ...any) error {
	for i, v := range r.vals {
		switch p := dest[i].(type) {
		case *string:
			*p = v.(string)
		case *int:
			*p = v.(int)
		case timeCol:
			*p.t = v.(time.Time)
		default:
			return errScanRaw
		}
	}
	return nil
}

// cachedMaskPolicy is the effective mask policy of org, cached; the caller gets its own copy.
func (d *DB) cachedMaskPolicy(ctx context.Context, org string, load func() (pubdata.MaskPolicy, error)) (pubdata.MaskPolicy, error) {
	p, err := lookup(ctx, d,
		func(c *readCache) (pubdata.MaskPolicy, bool) { p, ok := c.policies[org]; return p, ok },
		func(c *readCache, p pubdata.MaskPolicy) { putBounded(c.policies, org, maps.Clone(p)) },
		load)
	return maps.Clone(p), err
}

// cachedTableMeta is an entry's data_tables row, cached (callers do not change it).
func (d *DB) cachedTableMeta(ctx context.Context, entryID string) (*tableMeta, error) {
	return lookup(ctx, d,
		func(c *readCache) (*tableMeta, bool) { m, ok := c.tables[entryID]; return m, ok },
		func(c *readCache, m *tableMeta) { putBounded(c.tables, entryID, m) },
		func() (*tableMeta, error) { return d.tableMeta(ctx, entryID) })
}

// cachedFrozen is the freeze condition of m's table, cached.
func (d *DB) cachedFrozen(ctx context.Context, m *tableMeta) (string, []any, error) {
	f, err := lookup(ctx, d,
		func(c *readCache) (frozenCond, bool) { f, ok := c.frozen[m.entry]; return f, ok },
		func(c *readCache, f frozenCond) { putBounded(c.frozen, m.entry, f) },
		func() (frozenCond, error) {
			cond, args, err := frozenKeys(ctx, d, d, m)
			return frozenCond{cond, args}, err
		})
	return f.cond, f.args, err
}
