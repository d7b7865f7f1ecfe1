package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"sync"
)

// postingsCache holds the postings of the catalogue's common terms (数据, 信息, 州市, 登记: in
// thousands of entries) in memory, for one generation of the catalogue. Reading such a term
// from catalog_terms costs milliseconds on every search that names it; from memory it costs
// microseconds. Rare terms are always read from the database (few postings, and there are
// many of them). Every change of catalog_terms moves catalog_state.generation (publish,
// unpublish), and a term's postings are kept only when they were read in the same snapshot
// as the generation the search runs on, so that the postings in memory are exactly those of
// the database at that generation: a search's result is the same as reading every posting.
type postingsCache struct {
	mu    sync.Mutex
	gen   int64
	terms map[string][]uint64 // packed docno<<weightBits | weight, ascending
	size  int                 // postings held
	minDF int                 // commonTermDF unless set (tests)
}

const (
	// commonTermDF is the number of entries from which a term's postings are kept in memory.
	commonTermDF = 1000
	// maxCachedPostings bounds the postings kept (8 bytes each: 64 MiB); the cache starts
	// again when full.
	maxCachedPostings = 8 << 20
)

// get returns the cached postings of term at generation gen.
func (c *postingsCache) get(gen int64, term string) ([]uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil, false
	}
	p, ok := c.terms[term]
	return p, ok
}

// put keeps the postings of term read at generation gen: a newer generation empties the
// cache, an older one is not kept.
func (c *postingsCache) put(gen int64, term string, p []uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return
	}
	if gen > c.gen || c.terms == nil || c.size+len(p) > maxCachedPostings {
		c.gen, c.terms, c.size = gen, map[string][]uint64{}, 0
	}
	if len(p) > maxCachedPostings {
		return
	}
	if _, ok := c.terms[term]; !ok {
		c.terms[term] = p
		c.size += len(p)
	}
}

// commonPostings returns the in-memory postings of each term of group, when the group is
// common (its terms are in at least commonTermDF entries together) and its postings could be
// read at generation gen; ok is false otherwise, and the group is read from the database.
func (d *DB) commonPostings(ctx context.Context, gen int64, group []string) (lists [][]uint64, ok bool, err error) {
	df := 0
	for _, t := range group {
		n, err := d.termFrequency(ctx, t)
		if err != nil {
			return nil, false, err
		}
		df += n
	}
	c := &d.catalog.postings
	if least := cmp.Or(c.minDF, commonTermDF); df < least {
		return nil, false, nil
	}
	var missing []string
	for _, t := range group {
		if p, ok := c.get(gen, t); ok {
			lists = append(lists, p)
		} else {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return lists, true, nil
	}
	read, ok, err := d.readPostings(ctx, gen, missing)
	if err != nil || !ok {
		return nil, false, err
	}
	for i, t := range missing {
		c.put(gen, t, read[i])
	}
	return append(lists, read...), true, nil
}

// readPostings reads the postings of terms in one snapshot, if the snapshot is at generation
// gen (ok false otherwise: the catalogue changed since the search began).
func (d *DB) readPostings(ctx context.Context, gen int64, terms []string) (lists [][]uint64, ok bool, err error) {
	tx, err := d.snapshot(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	var at int64
	if err := tx.queryRow(ctx, "SELECT generation FROM catalog_state WHERE id = 1").Scan(&at); err != nil {
		return nil, false, err
	}
	if at != gen {
		return nil, false, nil
	}
	agg := "group_concat(docno * " + strconv.Itoa(1<<weightBits) + " + weight)"
	if d.dialect == Postgres {
		agg = "string_agg((docno * " + strconv.Itoa(1<<weightBits) + " + weight)::text, ',')"
	}
	for _, t := range terms {
		var packed sql.NullString
		if err := tx.queryRow(ctx, "SELECT "+agg+" FROM catalog_terms WHERE term = ?", t).Scan(&packed); err != nil {
			return nil, false, err
		}
		var p []uint64
		parsePacked(packed.String, func(v int64) { p = append(p, uint64(v)) })
		slices.Sort(p)
		lists = append(lists, p)
	}
	return lists, true, nil
}

// parsePacked calls f with each integer of a comma-separated list of non-negative integers.
func parsePacked(p string, f func(int64)) {
	for len(p) > 0 {
		var v int64
		i := 0
		for ; i < len(p) && p[i] != ','; i++ {
			v = v*10 + int64(p[i]-'0')
		}
		if i < len(p) {
			i++
		}
		p = p[i:]
		f(v)
	}
}

// find returns the weight of docno's posting in the ascending packed postings p, if any.
func find(p []uint64, docno int64) (int, bool) {
	lo := uint64(docno) << weightBits
	i, _ := slices.BinarySearch(p, lo)
	if i < len(p) && p[i]>>weightBits == uint64(docno) {
		return int(p[i] & (1<<weightBits - 1)), true
	}
	return 0, false
}
