package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/cjk"
)

// Field weights of the search index: a match in the title counts most.
const (
	weightTitle    = 20
	weightKeyword  = 10
	weightItem     = 4
	weightProvider = 3
	weightSummary  = 1
	maxTermWeight  = 1000
	// matchBonus is added per query term (with its synonyms) matched, so that entries
	// matching more of the query rank above those matching fewer, whatever the fields;
	// strongBonus per term matched in the title or keywords, which ranks first.
	matchBonus  = 1 << 32
	strongBonus = 1 << 42
)

// indexTerms returns the search terms of a published entry with their weights.
func indexTerms(f *pubdata.EntryFields, orgName string) map[string]int {
	w := map[string]int{}
	add := func(text string, weight int, unigrams bool) {
		for _, t := range cjk.Tokens(text, unigrams) {
			if t.Unigram {
				w[t.Term] += 1 // enough to find a one-character query, never enough to outrank
			} else {
				w[t.Term] += weight
			}
		}
	}
	add(f.Title, weightTitle, true)
	for _, k := range f.Keywords {
		add(k, weightKeyword, true)
	}
	for _, it := range f.Items {
		add(it.Title, weightItem, false)
		add(it.Name, weightItem, false)
	}
	add(orgName, weightProvider, false)
	add(f.Summary, weightSummary, false)
	for k, v := range w {
		if v > maxTermWeight {
			w[k] = maxTermWeight
		}
	}
	return w
}

// publish writes the entry's current fields as its live catalogue row and index.
func (tx *Tx) publish(ctx context.Context, e *pubdata.Entry) error {
	if err := tx.unpublish(ctx, e.ID); err != nil {
		return err
	}
	f := &e.EntryFields
	supp := 0
	if f.Supplementary {
		supp = 1
	}
	// The row's document number (migration 0027): PostgreSQL's identity; on SQLite the next
	// of catalog_state.docno, so that a number is never given twice.
	const cols = "entry_id, code, org, version, title, category, format, update_cycle, share_class, open_class, division, supplementary, issued, modified, license"
	args := []any{e.ID, e.Code, e.Org, e.Version, f.Title, f.Category, f.Format, f.UpdateCycle, f.ShareClass, f.OpenClass, f.Division, supp, e.PublishedOn, fmtTime(tx.now), f.License}
	var docno int64
	if tx.db.dialect == Postgres {
		if err := tx.queryRow(ctx, "INSERT INTO catalog ("+cols+") VALUES ("+placeholders(len(args))+") RETURNING docno", args...).Scan(&docno); err != nil {
			return err
		}
	} else {
		if err := tx.queryRow(ctx, "UPDATE catalog_state SET docno = docno + 1 WHERE id = 1 RETURNING docno").Scan(&docno); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO catalog ("+cols+", docno) VALUES ("+placeholders(len(args)+1)+")", append(args, docno)...); err != nil {
			return err
		}
	}
	for _, k := range f.Keywords {
		if _, err := tx.exec(ctx, "INSERT INTO catalog_keywords (entry_id, keyword) VALUES (?, ?)", e.ID, k); err != nil {
			return err
		}
	}
	terms := indexTerms(f, e.OrgName)
	const batch = 300
	var vals []string
	var targs []any
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.exec(ctx, "INSERT INTO catalog_terms (term, docno, weight) VALUES "+strings.Join(vals, ", "), targs...)
		vals, targs = vals[:0], targs[:0]
		return err
	}
	for term, weight := range terms {
		vals, targs = append(vals, "(?, ?, ?)"), append(targs, term, docno, weight)
		if len(vals) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// unpublish removes an entry from the live catalogue and its index. Like publish, it moves
// the catalogue's generation.
func (tx *Tx) unpublish(ctx context.Context, id string) error {
	if _, err := tx.exec(ctx, "UPDATE catalog_state SET generation = generation + 1 WHERE id = 1"); err != nil {
		return err
	}
	// The entry's last change is at this generation: peers pull the changes after the
	// one they saw last (federation.go).
	if _, err := tx.exec(ctx, "UPDATE entries SET catalog_gen = (SELECT generation FROM catalog_state WHERE id = 1) WHERE id = ?", id); err != nil {
		return err
	}
	for _, q := range []string{"DELETE FROM catalog_terms WHERE docno IN (SELECT docno FROM catalog WHERE entry_id = ?)", "DELETE FROM catalog_keywords WHERE entry_id = ?", "DELETE FROM catalog WHERE entry_id = ?"} {
		if _, err := tx.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

const catalogColumns = "c.entry_id, c.code, c.org, COALESCE(o.name, ''), c.version, v.doc, c.issued, c.modified, e.created_at, e.peer"

const catalogFrom = " FROM catalog c JOIN entries e ON e.id = c.entry_id JOIN entry_versions v ON v.entry_id = c.entry_id AND v.version = c.version LEFT JOIN orgs o ON o.code = c.org"

func scanCatalog(s interface{ Scan(...any) error }) (*pubdata.Entry, error) {
	e := pubdata.Entry{Status: pubdata.StatusPublished, Flags: []pubdata.SourceFlag{}}
	var doc string
	if err := s.Scan(&e.ID, &e.Code, &e.Org, &e.OrgName, &e.Version, &doc, &e.PublishedOn, timeCol{&e.UpdatedAt}, timeCol{&e.CreatedAt}, &e.Platform); err != nil {
		return nil, err
	}
	return &e, json.Unmarshal([]byte(doc), &e.EntryFields)
}

// FindPublishedEntry implements pubdata.EntryService.
func (s *EntryService) FindPublishedEntry(ctx context.Context, idOrCode string) (*pubdata.Entry, error) {
	e, err := s.db.cachedPublished(ctx, idOrCode) // readcache.go
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No published catalogue entry %q.", idOrCode).Keyed("error.entry.not_published", "ID", idOrCode)
	}
	return e, err
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// SearchCatalog implements pubdata.EntryService. The text's terms (bigrams of Chinese,
// English words) are taken with their synonyms (lib/cjk/synonyms.txt) as groups; an entry
// must match at least half of the groups (one of up to three), so that a partial match ranks
// instead of failing. When no entry matches, the text's single characters are tried, which
// titles and keywords index. Entries rank by the groups matched in their title or keywords,
// then by all groups matched, then by field weights (title beats summary), then by
// modification time: a match in a data item's title never outranks one in an entry's title.
// The postings come from catalog_terms; filters, counts, facets and order from the in-memory
// catalogue index; the page's rows from the database.
func (s *EntryService) SearchCatalog(ctx context.Context, q pubdata.CatalogQuery) (*pubdata.CatalogResult, error) {
	if err := pubdata.ValidateCatalogQuery(&q); err != nil {
		return nil, err
	}
	res := &pubdata.CatalogResult{Items: []*pubdata.Entry{}}
	if q.Q != "" && len(cjk.QueryGroups(q.Q)) == 0 {
		return res, nil // only punctuation: nothing can match
	}
	// The index first: the postings of common terms are kept in memory for its generation.
	idx, err := s.db.catalogIndex(ctx)
	if err != nil {
		return nil, err
	}
	var tq *textQuery
	if groups := cjk.QueryGroups(q.Q); len(groups) > 0 {
		tq = &textQuery{groups: groups}
		if tq.scores, err = s.postings(ctx, idx.gen, groups); err != nil {
			return nil, err
		}
		if len(tq.scores) == 0 {
			if uni := cjk.Unigrams(q.Q); len(uni) > 0 {
				tq.groups = make([][]string, len(uni))
				for i, u := range uni {
					tq.groups[i] = []string{u}
				}
				if tq.scores, err = s.postings(ctx, idx.gen, tq.groups); err != nil {
					return nil, err
				}
			}
		}
	}
	var pop map[string]int64
	if q.Sort == "popular" || slices.ContainsFunc(q.Order, func(o pubdata.CatalogOrder) bool { return o.By == "popular" }) {
		if pop, err = s.popularity(ctx); err != nil {
			return nil, err
		}
	}
	ids, total, facets := idx.search(&q, tq, pop)
	res.Total = total
	if q.Facets {
		res.Facets = facets
	}
	res.Items, err = s.published(ctx, ids)
	return res, err
}

// textQuery is the text part of a search: its term groups and the entries' postings scores.
type textQuery struct {
	groups [][]string
	scores map[int64]score // by document number (catalog.docno)
}

// strong returns the number of groups with a term in the title or keywords of row i of s.
func (t *textQuery) strong(s *catalogSnapshot, i int32) int {
	n := 0
	for _, g := range t.groups {
		for _, term := range g {
			if s.holds(i, term) {
				n++
				break
			}
		}
	}
	return n
}

// popularity returns each entry's views and downloads, all time.
func (s *EntryService) popularity(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.query(ctx, "SELECT entry_id, SUM(n) FROM usage_daily WHERE kind IN ('view', 'download') GROUP BY entry_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// score is an entry's match of a query: distinct groups matched and their summed weights.
type score struct{ hits, weight int }

// add adds another part of the query's match.
func (a score) add(b score) score { return score{a.hits + b.hits, a.weight + b.weight} }

// postings reads the groups' postings and keeps the entries that match at least half of the
// groups (at least one). It reads the rarest groups first: an entry that matches enough
// groups matches one of the len-min+1 rarest, so those give the candidates, and the common
// groups (数据, 信息, 州市: in most of the catalogue) are read for the candidates only when
// they are few. The result is the same as reading every posting.
func (s *EntryService) postings(ctx context.Context, gen int64, groups [][]string) (map[int64]score, error) {
	atLeast := max(1, len(groups)/2)
	order := make([]int, len(groups))
	df := make([]int, len(groups))
	for i, g := range groups {
		order[i] = i
		for _, t := range g {
			n, err := s.db.termFrequency(ctx, t)
			if err != nil {
				return nil, err
			}
			df[i] += n
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return df[a] - df[b] })
	k := len(groups) - atLeast + 1
	pick := func(idx []int) [][]string {
		out := make([][]string, len(idx))
		for i, j := range idx {
			out[i] = groups[j]
		}
		return out
	}
	rare, common := pick(order[:k]), pick(order[k:])
	if len(common) == 0 {
		return s.groupScores(ctx, gen, rare, nil, false, atLeast)
	}
	cand, err := s.groupScores(ctx, gen, rare, nil, false, 1)
	if err != nil || len(cand) == 0 {
		return cand, err
	}
	commonDF, commonTerms := 0, 0
	for _, j := range order[k:] {
		commonDF += df[j]
		commonTerms += len(groups[j])
	}
	ids := make([]int64, 0, len(cand))
	for id := range cand {
		ids = append(ids, id)
	}
	byIDs := len(cand) <= maxCandidates && len(cand)*commonTerms*seekCost < commonDF
	more, err := s.groupScores(ctx, gen, common, ids, byIDs, 0)
	if err != nil {
		return nil, err
	}
	for id, sc := range cand {
		sc = sc.add(more[id])
		if sc.hits < atLeast {
			delete(cand, id)
		} else {
			cand[id] = sc
		}
	}
	return cand, nil
}

// maxCandidates is the most candidates whose postings of the common groups are read by id.
const maxCandidates = 4000

// seekCost is what looking up one (term, entry) pair in the term index costs, in postings
// read in order: the common groups are read by candidate only when that is cheaper than
// reading all their postings (measured with bench search, docs/BENCHMARKS.md).
const seekCost = 4

// groupScores reads the postings of the groups' terms and returns each entry's groups
// matched and summed weights, keeping those with at least min groups. Common groups come
// from memory (postings.go), the others from the database. When ids is not nil only the
// scores of those entries are needed (others may be returned too): the common groups in
// memory are looked up by entry, and the database is read by entry when dbByIDs.
func (s *EntryService) groupScores(ctx context.Context, gen int64, groups [][]string, ids []int64, dbByIDs bool, atLeast int) (map[int64]score, error) {
	out := map[int64]score{}
	var dbGroups [][]string
	var mem [][][]uint64
	for _, g := range groups {
		lists, ok, err := s.db.commonPostings(ctx, gen, g)
		if err != nil {
			return nil, err
		}
		if ok {
			mem = append(mem, lists)
		} else {
			dbGroups = append(dbGroups, g)
		}
	}
	if len(dbGroups) > 0 {
		dbIDs := ids
		if !dbByIDs {
			dbIDs = nil
		}
		var err error
		if s.db.dialect == Postgres {
			err = s.groupScoresGrouped(ctx, dbGroups, dbIDs, out)
		} else {
			err = s.groupScoresScanned(ctx, dbGroups, dbIDs, out)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, lists := range mem {
		addGroup(out, lists, ids)
	}
	for id, sc := range out {
		if sc.hits < atLeast {
			delete(out, id)
		}
	}
	return out, nil
}

// addGroup adds one group's match to out from its terms' postings in memory: a hit and the
// summed weights of its terms for each entry that holds one (of the entries ids only, unless
// nil).
func addGroup(out map[int64]score, lists [][]uint64, ids []int64) {
	if ids != nil {
		for _, id := range ids {
			w, found := 0, false
			for _, p := range lists {
				if tw, ok := find(p, id); ok {
					w, found = w+tw, true
				}
			}
			if found {
				out[id] = out[id].add(score{1, w})
			}
		}
		return
	}
	if len(lists) == 1 {
		for _, v := range lists[0] {
			id := int64(v >> weightBits)
			out[id] = out[id].add(score{1, int(v & (1<<weightBits - 1))})
		}
		return
	}
	gw := map[int64]int{} // a group of synonyms: one hit per entry, the weights summed
	for _, p := range lists {
		for _, v := range p {
			gw[int64(v>>weightBits)] += int(v & (1<<weightBits - 1))
		}
	}
	for id, w := range gw {
		out[id] = out[id].add(score{1, w})
	}
}

// idChunk is the most document numbers a postings query names.
const idChunk = 500

// byChunks calls f with the ids in chunks of idChunk, or once with nil when ids is nil.
func byChunks(ids []int64, f func(chunk []int64) error) error {
	if ids == nil {
		return f(nil)
	}
	for start := 0; start < len(ids); start += idChunk {
		if err := f(ids[start:min(start+idChunk, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// termsWhere returns the condition and arguments of the postings of terms, of the document
// numbers chunk only unless nil.
func termsWhere(terms []string, chunk []int64) (string, []any) {
	args := make([]any, 0, len(terms)+len(chunk))
	for _, t := range terms {
		args = append(args, t)
	}
	where := "t.term IN (" + placeholders(len(terms)) + ")"
	if chunk != nil {
		for _, id := range chunk {
			args = append(args, id)
		}
		where += " AND t.docno IN (" + placeholders(len(chunk)) + ")"
	}
	return where, args
}

// weightBits packs a posting into one integer on SQLite: docno<<weightBits | weight.
const weightBits = 10

// A weight must fit in its bits of a packed posting.
var _ = [1<<weightBits - 1 - maxTermWeight]struct{}{}

// groupScoresScanned adds the groups' postings to out on SQLite, counted in Go. Each group's
// postings come as one row, their packed integers joined by commas: the driver's cost per
// row (step, column types, Scan) was half of reading the postings one row each
// (docs/BENCHMARKS.md, "Integer document numbers").
func (s *EntryService) groupScoresScanned(ctx context.Context, groups [][]string, ids []int64, out map[int64]score) error {
	type acc struct {
		score
		last int // 1 + the last group counted in hits
	}
	accs := map[int64]*acc{}
	for gi, g := range groups {
		err := byChunks(ids, func(chunk []int64) error {
			where, args := termsWhere(g, chunk)
			var packed sql.NullString
			q := "SELECT group_concat(t.docno * " + strconv.Itoa(1<<weightBits) + " + t.weight) FROM catalog_terms t WHERE " + where
			if err := s.db.queryRow(ctx, q, args...).Scan(&packed); err != nil {
				return err
			}
			p := packed.String
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
				id, w := v>>weightBits, int(v&(1<<weightBits-1))
				a := accs[id]
				if a == nil {
					a = &acc{}
					accs[id] = a
				}
				a.weight += w
				if a.last != gi+1 {
					a.last = gi + 1
					a.hits++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for id, a := range accs {
		out[id] = out[id].add(a.score)
	}
	return nil
}

// groupScoresGrouped adds the groups' postings to out on PostgreSQL, where sending each
// posting over the wire costs more than grouping them: the server groups them by entry.
func (s *EntryService) groupScoresGrouped(ctx context.Context, groups [][]string, ids []int64, out map[int64]score) error {
	var terms []string
	vals := []string{}
	var gargs []any
	for i, g := range groups {
		for _, t := range g {
			terms = append(terms, t)
			vals = append(vals, "(?, ?)")
			gargs = append(gargs, t, strconv.Itoa(i))
		}
	}
	return byChunks(ids, func(chunk []int64) error {
		where, args := termsWhere(terms, chunk)
		rows, err := s.db.query(ctx, "SELECT t.docno, COUNT(DISTINCT g.grp), SUM(t.weight) FROM catalog_terms t JOIN (VALUES "+strings.Join(vals, ", ")+") AS g (term, grp) ON g.term = t.term WHERE "+where+" GROUP BY t.docno", append(slices.Clone(gargs), args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var id int64
		var sc score
		for rows.Next() {
			if err := rows.Scan(&id, &sc.hits, &sc.weight); err != nil {
				return err
			}
			out[id] = out[id].add(sc)
		}
		return rows.Err()
	})
}

// published reads the catalogue rows of ids, in the order given.
func (s *EntryService) published(ctx context.Context, ids []string) ([]*pubdata.Entry, error) {
	out := []*pubdata.Entry{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.query(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]*pubdata.Entry{}
	for rows.Next() {
		e, err := scanCatalog(rows)
		if err != nil {
			return nil, err
		}
		byID[e.ID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// ElementService implements pubdata.ElementService.
type ElementService struct{ db *DB }

var _ pubdata.ElementService = (*ElementService)(nil)

// NewElementService returns the data-element registry.
func NewElementService(db *DB) *ElementService { return &ElementService{db: db} }

func findElements(ctx context.Context, tx *Tx) ([]*pubdata.DataElement, error) {
	rows, err := tx.query(ctx, `SELECT d.code, d.name, d.name_en, d.type, COALESCE(d.source, ''), COALESCE(o.name, ''), COALESCE(d.source_entry, '')
		FROM data_elements d LEFT JOIN orgs o ON o.code = d.source ORDER BY d.code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*pubdata.DataElement{}
	for rows.Next() {
		var d pubdata.DataElement
		if err := rows.Scan(&d.Code, &d.Name, &d.NameEn, &d.Type, &d.Source, &d.SourceName, &d.SourceEntry); err != nil {
			return nil, err
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// FindElements implements pubdata.ElementService.
func (s *ElementService) FindElements(ctx context.Context) ([]*pubdata.DataElement, error) {
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findElements(ctx, tx)
}

// SetElementSource implements pubdata.ElementService.
func (s *ElementService) SetElementSource(ctx context.Context, code, org, entryID string) (*pubdata.DataElement, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM data_elements WHERE code = ?", code).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Data element %q not found.", code).Keyed("error.element.not_found", "Code", code)
	}
	if org == "" && entryID != "" {
		return nil, pubdata.FieldErrorf("entry", "A source entry needs its source organisation.").Keyed("error.element.source.org_required")
	}
	if org != "" {
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE code = ?", org).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, pubdata.FieldErrorf("org", "Organisation %q does not exist.", org).Keyed("error.org.unknown", "Org", org)
		}
	}
	if entryID != "" {
		var entryOrg string
		err := tx.queryRow(ctx, "SELECT org FROM entries WHERE id = ?", entryID).Scan(&entryOrg)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && entryOrg != org) {
			return nil, pubdata.FieldErrorf("entry", "Entry %q is not an entry of %s.", entryID, org).Keyed("error.element.source.entry_of", "Entry", entryID, "Org", org)

		} else if err != nil {
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, "UPDATE data_elements SET source = ?, source_entry = ? WHERE code = ?", nullString(org), nullString(entryID), code); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "element.set_source", Object: "element:" + code, Details: map[string]any{"source": org, "entry": entryID}}); err != nil {
		return nil, err
	}
	els, err := findElements(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	for _, el := range els {
		if el.Code == code {
			return el, nil
		}
	}
	return nil, notFoundEntry(code)
}
