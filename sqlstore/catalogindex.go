package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/cjk"
)

// catalogCache holds the in-memory catalogue index of a DB. Every search reads the
// catalogue's generation (one row); when another transaction, on this server or another,
// has published or retired since, the index is rebuilt from one snapshot of the database.
type catalogCache struct {
	mu   sync.Mutex
	snap *catalogSnapshot

	dfMu sync.Mutex
	df   map[string]int // entries holding a term, as last counted (search order only)

	postings postingsCache // postings.go
}

// maxCachedTerms bounds the term frequencies kept; the cache starts again when full.
const maxCachedTerms = 20000

// termFrequency returns the number of entries indexed with a term. The count may be stale
// (the catalogue changes): it only orders the reading of postings, never their result.
func (d *DB) termFrequency(ctx context.Context, term string) (int, error) {
	c := &d.catalog
	c.dfMu.Lock()
	n, ok := c.df[term]
	c.dfMu.Unlock()
	if ok {
		return n, nil
	}
	if err := d.queryRow(ctx, "SELECT COUNT(*) FROM catalog_terms WHERE term = ?", term).Scan(&n); err != nil {
		return 0, err
	}
	c.dfMu.Lock()
	if c.df == nil || len(c.df) >= maxCachedTerms {
		c.df = map[string]int{}
	}
	c.df[term] = n
	c.dfMu.Unlock()
	return n, nil
}

// catalogSnapshot is an immutable copy of the short fields of every published entry. Facet
// values are interned: a row holds each value's number in its field's dictionary, so that
// counting facets adds to slices instead of hashing strings.
type catalogSnapshot struct {
	gen   int64
	rows  []catalogRow
	pos   map[int64]int32          // row of a document number (catalog.docno)
	dict  [len(rowFields)][]string // value by number, per field
	kdict []string                 // keywords by number
	// By row, apart from the rows so that a scan of the rows reads less memory: the title and
	// keywords separated by NUL, and their words (not Han) lower-cased, for the ranking.
	strongText []string
	words      [][]string
}

// Facet fields held by a catalogRow, in the order of its vals.
// license is the entry's effective licence (its own, else its open class's default).
var rowFields = [...]string{"org", "category", "share_class", "open_class", "format", "update_cycle", "division", "supplementary", "license"}

type catalogRow struct {
	id, code, title, modified string
	created                   string // the entry's creation (entries.created_at)
	vals                      [len(rowFields)]string
	nums                      [len(rowFields)]int32 // vals interned in the snapshot's dict
	keywords                  []string
	knums                     []int32
}

// catalogIndex returns the current catalogue index, rebuilding it when stale.
func (d *DB) catalogIndex(ctx context.Context) (*catalogSnapshot, error) {
	var gen int64
	if err := d.queryRow(ctx, "SELECT generation FROM catalog_state WHERE id = 1").Scan(&gen); err != nil {
		return nil, err
	}
	d.catalog.mu.Lock()
	defer d.catalog.mu.Unlock()
	if d.catalog.snap != nil && d.catalog.snap.gen == gen {
		return d.catalog.snap, nil
	}
	snap, err := d.loadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	d.catalog.snap = snap
	return snap, nil
}

func (d *DB) loadCatalog(ctx context.Context) (*catalogSnapshot, error) {
	tx, err := d.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	snap := &catalogSnapshot{}
	if err := tx.queryRow(ctx, "SELECT generation FROM catalog_state WHERE id = 1").Scan(&snap.gen); err != nil {
		return nil, err
	}
	defaults, err := licenseDefaults(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, "SELECT c.docno, c.entry_id, c.code, c.title, c.modified, e.created_at, c.org, c.category, c.share_class, c.open_class, c.format, c.update_cycle, c.division, c.supplementary, c.license FROM catalog c JOIN entries e ON e.id = c.entry_id ORDER BY c.entry_id")
	if err != nil {
		return nil, err
	}
	pos := map[int64]int32{}
	ids := map[string]int32{} // row of an entry id, for the keywords
	snap.pos = pos
	var seen [len(rowFields)]map[string]int32
	for i := range seen {
		seen[i] = map[string]int32{}
	}
	for rows.Next() {
		var r catalogRow
		var supp int
		var docno int64
		v := &r.vals
		if err := rows.Scan(&docno, &r.id, &r.code, &r.title, &r.modified, &r.created, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &supp, &v[8]); err != nil {
			rows.Close()
			return nil, err
		}
		v[8] = pubdata.EffectiveLicenseID(&pubdata.EntryFields{OpenClass: v[3], License: v[8]}, defaults)
		v[7] = "false"
		if supp == 1 {
			v[7] = "true"
		}
		for i, val := range v {
			n, ok := seen[i][val]
			if !ok {
				n = int32(len(snap.dict[i]))
				seen[i][val] = n
				snap.dict[i] = append(snap.dict[i], val)
			}
			r.nums[i] = n
		}
		pos[docno] = int32(len(snap.rows))
		ids[r.id] = int32(len(snap.rows))
		snap.rows = append(snap.rows, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.query(ctx, "SELECT entry_id, keyword FROM catalog_keywords")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	kseen := map[string]int32{}
	for rows.Next() {
		var id, k string
		if err := rows.Scan(&id, &k); err != nil {
			return nil, err
		}
		i, ok := ids[id]
		if !ok {
			continue
		}
		n, ok := kseen[k]
		if !ok {
			n = int32(len(snap.kdict))
			kseen[k] = n
			snap.kdict = append(snap.kdict, k)
		}
		snap.rows[i].keywords = append(snap.rows[i].keywords, k)
		snap.rows[i].knums = append(snap.rows[i].knums, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	snap.strongText = make([]string, len(snap.rows))
	snap.words = make([][]string, len(snap.rows))
	for i := range snap.rows {
		r := &snap.rows[i]
		snap.words[i] = rowWords(r)
		snap.strongText[i] = strings.Join(append([]string{r.title}, r.keywords...), "\x00")
	}
	return snap, nil
}

// rowWords returns the words of a row's title and keywords that a word term can match: those
// that begin with an ASCII letter or digit (holds compares a term beginning otherwise as it
// is). Most titles have none, and are not tokenised.
func rowWords(r *catalogRow) []string {
	var words []string
	for _, text := range append([]string{r.title}, r.keywords...) {
		if !strings.ContainsFunc(text, func(c rune) bool { return c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c)) }) {
			continue
		}
		for _, t := range cjk.Tokens(text, false) {
			if t.Term[0] < utf8.RuneSelf {
				words = append(words, t.Term)
			}
		}
	}
	return words
}

// holds reports whether a search term is in the title or one of the keywords of row i.
func (s *catalogSnapshot) holds(i int32, term string) bool {
	if strings.Contains(s.strongText[i], term) { // a term holds no NUL: found in one of them
		return true
	}
	if term[0] >= utf8.RuneSelf { // a Han bigram or character: found as it is
		return false
	}
	// A word: compare with the words of the lower-cased title and keywords.
	return slices.Contains(s.words[i], term)
}

// fieldIndex returns the position of a facet field in catalogRow.vals, or -1 (keyword).
func fieldIndex(field string) int { return slices.Index(rowFields[:], field) }

// matches reports whether the row passes every filter of the query; from and to bound the
// modification, cfrom and cto the creation ("" open).
func (r *catalogRow) matches(q *pubdata.CatalogQuery, from, to, cfrom, cto string) bool {
	for _, f := range q.Filters {
		if len(f.Values) == 0 {
			continue
		}
		var in bool
		switch i := fieldIndex(f.Field); {
		case f.Field == "id":
			in = slices.Contains(f.Values, r.id)
		case f.Field == "code":
			in = slices.Contains(f.Values, r.code)
		case f.Field == "keyword":
			in = slices.ContainsFunc(r.keywords, func(k string) bool { return slices.Contains(f.Values, k) })
		case f.Field == "category":
			// A category matches its sub-categories: 3 finds 301 and 301001.
			in = slices.ContainsFunc(f.Values, func(v string) bool { return strings.HasPrefix(r.vals[i], v) })
		case f.Field == "supplementary":
			in = slices.ContainsFunc(f.Values, func(v string) bool { return (v == "true" || v == "1") == (r.vals[i] == "true") })
		default:
			in = slices.Contains(f.Values, r.vals[i])
		}
		if in == f.Negate {
			return false
		}
	}
	if q.DivisionPrefix != "" && !strings.HasPrefix(r.vals[6], q.DivisionPrefix) {
		return false
	}
	return (from == "" || r.modified >= from) && (to == "" || r.modified <= to) &&
		(cfrom == "" || r.created >= cfrom) && (cto == "" || r.created <= cto)
}

// search filters, counts, orders and pages the catalogue. tq, when not nil, holds the text
// matches: only they are kept, ranked by score unless another order is asked. pop holds the
// entries' views and downloads for the popular order.
func (s *catalogSnapshot) search(q *pubdata.CatalogQuery, tq *textQuery, pop map[string]int64) (ids []string, total int, facets map[string]map[string]int) {
	var scores map[int64]score
	if tq != nil {
		scores = tq.scores
	}
	var from, to string
	if q.ModifiedFrom != nil {
		from = fmtTime(*q.ModifiedFrom)
	}
	if q.ModifiedTo != nil {
		to = fmtTime(*q.ModifiedTo)
	}
	var cfrom, cto string
	if q.CreatedFrom != nil {
		cfrom = fmtTime(*q.CreatedFrom)
	}
	if q.CreatedTo != nil {
		cto = fmtTime(*q.CreatedTo)
	}
	var counts [len(rowFields)][]int
	for i := range counts {
		counts[i] = make([]int, len(s.dict[i]))
	}
	kcounts := make([]int, len(s.kdict))
	type hit struct {
		r     *catalogRow
		score int64
	}
	var hits []hit
	keep := func(h hit) {
		hits = append(hits, h)
		if q.Facets {
			for j, n := range h.r.nums {
				counts[j][n]++
			}
			for _, n := range h.r.knums {
				kcounts[n]++
			}
		}
	}
	if scores != nil {
		// Only the text's matches: visit them, not the whole catalogue (the order of the
		// visit does not matter, the hits are sorted below).
		hits = make([]hit, 0, len(scores))
		for docno, sc := range scores {
			i, ok := s.pos[docno]
			if !ok {
				continue // published since the postings were read, or retired
			}
			r := &s.rows[i]
			if !r.matches(q, from, to, cfrom, cto) {
				continue
			}
			strong := tq.strong(s, i)
			if q.InTitle && strong < (len(tq.groups)+1)/2 {
				continue
			}
			keep(hit{r: r, score: int64(strong)*strongBonus + int64(sc.hits)*matchBonus + int64(sc.weight)})
		}
	} else {
		for i := range s.rows {
			if r := &s.rows[i]; r.matches(q, from, to, cfrom, cto) {
				keep(hit{r: r})
			}
		}
	}
	byModified := func(a, b hit) int {
		if c := strings.Compare(b.r.modified, a.r.modified); c != 0 {
			return c
		}
		return strings.Compare(a.r.id, b.r.id)
	}
	sortBy := q.Sort
	if sortBy == "" || (sortBy == "relevance" && scores == nil) {
		sortBy = "modified"
		if scores != nil {
			sortBy = "relevance"
		}
	}
	var order func(a, b hit) int
	switch {
	case len(q.Order) > 0:
		order = func(a, b hit) int {
			for _, o := range q.Order {
				var c int
				switch o.By {
				case "relevance":
					c = cmp.Compare(a.score, b.score)
				case "modified":
					c = strings.Compare(a.r.modified, b.r.modified)
				case "created":
					c = strings.Compare(a.r.created, b.r.created)
				case "title":
					c = strings.Compare(a.r.title, b.r.title)
				case "code":
					c = strings.Compare(a.r.code, b.r.code)
				case "id":
					c = strings.Compare(a.r.id, b.r.id)
				case "popular":
					c = cmp.Compare(pop[a.r.id], pop[b.r.id])
				}
				if o.Desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return strings.Compare(a.r.id, b.r.id)
		}
	case sortBy == "relevance":
		order = func(a, b hit) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return byModified(a, b)
		}
	case sortBy == "popular":
		order = func(a, b hit) int {
			if c := cmp.Compare(pop[b.r.id], pop[a.r.id]); c != 0 {
				return c
			}
			return byModified(a, b)
		}
	case sortBy == "title" || sortBy == "code":
		key := func(h hit) string { return h.r.title }
		if sortBy == "code" {
			key = func(h hit) string { return h.r.code }
		}
		order = func(a, b hit) int {
			if c := strings.Compare(key(a), key(b)); c != 0 {
				return c
			}
			return strings.Compare(a.r.id, b.r.id)
		}
	default:
		order = byModified
	}
	// Only the page and what comes before it need to be in order.
	sortTop(hits, q.Offset+q.Limit, order)
	facets = map[string]map[string]int{"keyword": {}}
	for j, f := range rowFields {
		facets[f] = map[string]int{}
		for n, c := range counts[j] {
			if c > 0 {
				facets[f][s.dict[j][n]] = c
			}
		}
	}
	for n, c := range kcounts {
		if c > 0 {
			facets["keyword"][s.kdict[n]] = c
		}
	}
	for i := q.Offset; i < len(hits) && i < q.Offset+q.Limit; i++ {
		ids = append(ids, hits[i].r.id)
	}
	return ids, len(hits), facets
}

// sortTop puts the k first elements of s by cmp, a total order, in order at the start of s,
// as slices.SortFunc would, leaving the others in no order: a page of results needs only its
// own and those before it sorted, and selecting them costs n·log k instead of n·log n.
func sortTop[T any](s []T, k int, cmp func(a, b T) int) {
	if k >= len(s)/2 {
		slices.SortFunc(s, cmp)
		return
	}
	if k <= 0 {
		return
	}
	// The heap starts with the last k: the catalogue's rows come oldest first and the default
	// order is the newest first, so that the others then rarely enter it.
	n := len(s)
	for i := range k {
		s[i], s[n-k+i] = s[n-k+i], s[i]
	}
	// h is a heap of the k first so far, the last of them at its root.
	h := s[:k]
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= k {
				return
			}
			if c+1 < k && cmp(h[c+1], h[c]) > 0 {
				c++
			}
			if cmp(h[c], h[i]) <= 0 {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for i := k; i < len(s); i++ {
		if cmp(s[i], h[0]) < 0 {
			h[0], s[i] = s[i], h[0]
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
}
