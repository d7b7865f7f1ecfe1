package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	// matchBonus is added per distinct query term matched, so that entries matching more of
	// the query rank above those matching fewer, whatever the fields.
	matchBonus = 10000
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
	if _, err := tx.exec(ctx, `INSERT INTO catalog (entry_id, code, org, version, title, category, format, update_cycle, share_class, open_class, division, supplementary, issued, modified)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Code, e.Org, e.Version, f.Title, f.Category, f.Format, f.UpdateCycle, f.ShareClass, f.OpenClass, f.Division, supp, e.PublishedOn, fmtTime(tx.now)); err != nil {
		return err
	}
	for _, k := range f.Keywords {
		if _, err := tx.exec(ctx, "INSERT INTO catalog_keywords (entry_id, keyword) VALUES (?, ?)", e.ID, k); err != nil {
			return err
		}
	}
	terms := indexTerms(f, e.OrgName)
	const batch = 300
	var vals []string
	var args []any
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.exec(ctx, "INSERT INTO catalog_terms (term, entry_id, weight) VALUES "+strings.Join(vals, ", "), args...)
		vals, args = vals[:0], args[:0]
		return err
	}
	for term, weight := range terms {
		vals, args = append(vals, "(?, ?, ?)"), append(args, term, e.ID, weight)
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
	for _, q := range []string{"DELETE FROM catalog_terms WHERE entry_id = ?", "DELETE FROM catalog_keywords WHERE entry_id = ?", "DELETE FROM catalog WHERE entry_id = ?"} {
		if _, err := tx.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

const catalogColumns = "c.entry_id, c.code, c.org, COALESCE(o.name, ''), c.version, v.doc, c.issued, c.modified, e.created_at"

const catalogFrom = " FROM catalog c JOIN entries e ON e.id = c.entry_id JOIN entry_versions v ON v.entry_id = c.entry_id AND v.version = c.version LEFT JOIN orgs o ON o.code = c.org"

func scanCatalog(s interface{ Scan(...any) error }) (*pubdata.Entry, error) {
	e := pubdata.Entry{Status: pubdata.StatusPublished, Flags: []pubdata.SourceFlag{}}
	var doc string
	if err := s.Scan(&e.ID, &e.Code, &e.Org, &e.OrgName, &e.Version, &doc, &e.PublishedOn, timeCol{&e.UpdatedAt}, timeCol{&e.CreatedAt}); err != nil {
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

// SearchCatalog implements pubdata.EntryService. With text, entries must match at least
// half of the query's distinct terms; they rank by terms matched, then by field weights
// (title beats summary), then by modification time. The postings come from catalog_terms;
// filters, counts, facets and order from the in-memory catalogue index; the page's rows
// from the database.
func (s *EntryService) SearchCatalog(ctx context.Context, q pubdata.CatalogQuery) (*pubdata.CatalogResult, error) {
	if err := pubdata.ValidateCatalogQuery(&q); err != nil {
		return nil, err
	}
	res := &pubdata.CatalogResult{Items: []*pubdata.Entry{}}
	var scores map[string]score
	if terms := cjk.QueryTerms(q.Q); len(terms) > 0 {
		var err error
		if scores, err = s.postings(ctx, terms); err != nil {
			return nil, err
		}
	} else if q.Q != "" {
		return res, nil // only punctuation: nothing can match
	}
	idx, err := s.db.catalogIndex(ctx)
	if err != nil {
		return nil, err
	}
	ids, total, facets := idx.search(&q, scores)
	res.Total = total
	if q.Facets {
		res.Facets = facets
	}
	res.Items, err = s.published(ctx, ids)
	return res, err
}

// score is an entry's match of a query: distinct terms matched and their summed weights.
type score struct{ hits, weight int }

// postings reads the query terms' postings and keeps the entries that match at least half
// of the terms.
func (s *EntryService) postings(ctx context.Context, terms []string) (map[string]score, error) {
	args := make([]any, len(terms))
	for i, t := range terms {
		args[i] = t
	}
	min := (len(terms) + 1) / 2
	if s.db.dialect == Postgres {
		// Over the wire, sending each posting costs more than grouping them in the server.
		return s.groupedPostings(ctx, args, min)
	}
	rows, err := s.db.query(ctx, "SELECT entry_id, weight FROM catalog_terms WHERE term IN ("+placeholders(len(terms))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]score{}
	var id string
	var w int
	for rows.Next() {
		if err := rows.Scan(&id, &w); err != nil {
			return nil, err
		}
		sc := out[id]
		sc.hits++
		sc.weight += w
		out[id] = sc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, sc := range out {
		if sc.hits < min {
			delete(out, id)
		}
	}
	return out, nil
}

// groupedPostings is postings with the grouping done by the database.
func (s *EntryService) groupedPostings(ctx context.Context, terms []any, min int) (map[string]score, error) {
	rows, err := s.db.query(ctx, "SELECT entry_id, COUNT(*), SUM(weight) FROM catalog_terms WHERE term IN ("+placeholders(len(terms))+") GROUP BY entry_id HAVING COUNT(*) >= ?", append(terms, min)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]score{}
	var id string
	var sc score
	for rows.Next() {
		if err := rows.Scan(&id, &sc.hits, &sc.weight); err != nil {
			return nil, err
		}
		out[id] = sc
	}
	return out, rows.Err()
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
