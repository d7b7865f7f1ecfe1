package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/cjk"
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

// facetPairs returns the (field, value) pairs an entry counts under in catalog_facets.
func facetPairs(org string, f *pubdata.EntryFields) [][2]string {
	supp := "false"
	if f.Supplementary {
		supp = "true"
	}
	p := [][2]string{{"org", org}, {"category", f.Category}, {"share_class", f.ShareClass}, {"open_class", f.OpenClass},
		{"format", f.Format}, {"update_cycle", f.UpdateCycle}, {"division", f.Division}, {"supplementary", supp}}
	for _, k := range f.Keywords {
		p = append(p, [2]string{"keyword", k})
	}
	return p
}

// countFacets adds delta (1 or -1) to the facet counts of an entry.
func (tx *Tx) countFacets(ctx context.Context, org string, f *pubdata.EntryFields, delta int) error {
	for _, p := range facetPairs(org, f) {
		if _, err := tx.exec(ctx, `INSERT INTO catalog_facets (open_class, share_class, field, value, n) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (open_class, share_class, field, value) DO UPDATE SET n = catalog_facets.n + excluded.n`,
			f.OpenClass, f.ShareClass, p[0], p[1], delta); err != nil {
			return err
		}
	}
	if delta < 0 {
		_, err := tx.exec(ctx, "DELETE FROM catalog_facets WHERE n <= 0")
		return err
	}
	return nil
}

// publish writes the entry's current fields as its live catalogue row, index and counts.
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
	if err := tx.countFacets(ctx, e.Org, f, 1); err != nil {
		return err
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

// unpublish removes an entry from the live catalogue, its index and its counts.
func (tx *Tx) unpublish(ctx context.Context, id string) error {
	old, err := scanCatalog(tx.queryRow(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if err := tx.countFacets(ctx, old.Org, &old.EntryFields, -1); err != nil {
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
	e, err := scanCatalog(s.db.queryRow(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id = ? OR c.code = ?", idOrCode, idOrCode))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No published catalogue entry %q.", idOrCode)
	}
	return e, err
}

// catalogColumn maps a CatalogFields name to its column; keyword is a join.
var catalogColumn = map[string]string{
	"org": "c.org", "category": "c.category", "share_class": "c.share_class", "open_class": "c.open_class",
	"format": "c.format", "update_cycle": "c.update_cycle", "division": "c.division", "supplementary": "c.supplementary",
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// catalogWhere turns the query's filters into SQL conditions.
func catalogWhere(q *pubdata.CatalogQuery) ([]string, []any) {
	var where []string
	var args []any
	for _, f := range q.Filters {
		if len(f.Values) == 0 {
			continue
		}
		vals := make([]any, len(f.Values))
		for i, v := range f.Values {
			vals[i] = v
			if f.Field == "supplementary" {
				vals[i] = 0
				if v == "true" || v == "1" {
					vals[i] = 1
				}
			}
		}
		var cond string
		switch f.Field {
		case "category":
			// A category matches its sub-categories: 3 finds 301 and 301001.
			var ors []string
			for i, v := range f.Values {
				ors = append(ors, "c.category LIKE ? ESCAPE '\\'")
				vals[i] = likePrefix(v)
			}
			cond = "(" + strings.Join(ors, " OR ") + ")"
		case "keyword":
			cond = "c.entry_id IN (SELECT entry_id FROM catalog_keywords WHERE keyword IN (" + placeholders(len(vals)) + "))"
		default:
			cond = catalogColumn[f.Field] + " IN (" + placeholders(len(vals)) + ")"
		}
		if f.Negate {
			cond = "NOT " + cond
		}
		where, args = append(where, cond), append(args, vals...)
	}
	if q.DivisionPrefix != "" {
		where, args = append(where, "c.division LIKE ? ESCAPE '\\'"), append(args, likePrefix(q.DivisionPrefix))
	}
	if q.ModifiedFrom != nil {
		where, args = append(where, "c.modified >= ?"), append(args, fmtTime(*q.ModifiedFrom))
	}
	if q.ModifiedTo != nil {
		where, args = append(where, "c.modified <= ?"), append(args, fmtTime(*q.ModifiedTo))
	}
	return where, args
}

// classesOnly returns the open and share classes a query selects when it has no text and
// filters on nothing but the classes (so that catalog_facets answers its counts).
func classesOnly(q *pubdata.CatalogQuery) (open, share []string, ok bool) {
	if q.Q != "" || q.DivisionPrefix != "" || q.ModifiedFrom != nil || q.ModifiedTo != nil {
		return nil, nil, false
	}
	open, share = pubdata.Classes, pubdata.Classes
	for _, f := range q.Filters {
		if f.Negate || (f.Field != "open_class" && f.Field != "share_class") {
			return nil, nil, false
		}
		keep := func(cur []string) []string {
			var out []string
			for _, c := range cur {
				for _, v := range f.Values {
					if c == v {
						out = append(out, c)
						break
					}
				}
			}
			return out
		}
		if f.Field == "open_class" {
			open = keep(open)
		} else {
			share = keep(share)
		}
	}
	return open, share, true
}

// SearchCatalog implements pubdata.EntryService. With text, entries must match at least
// half of the query's distinct terms; they rank by terms matched, then by field weights
// (title beats summary), then by modification time. It reads the page's ids first, then
// their rows; counts come from catalog_facets when only classes filter, else from the
// matching rows.
func (s *EntryService) SearchCatalog(ctx context.Context, q pubdata.CatalogQuery) (*pubdata.CatalogResult, error) {
	if err := pubdata.ValidateCatalogQuery(&q); err != nil {
		return nil, err
	}
	res := &pubdata.CatalogResult{Items: []*pubdata.Entry{}}
	where, args := catalogWhere(&q)
	from := " FROM catalog c"
	order := "c.modified DESC, c.entry_id"
	if terms := cjk.QueryTerms(q.Q); len(terms) > 0 {
		from += " JOIN (SELECT entry_id, COUNT(*) AS hits, SUM(weight) AS score FROM catalog_terms WHERE term IN (" + placeholders(len(terms)) + ") GROUP BY entry_id HAVING COUNT(*) >= ?) m ON m.entry_id = c.entry_id"
		var termArgs []any
		for _, t := range terms {
			termArgs = append(termArgs, t)
		}
		args = append(append(termArgs, (len(terms)+1)/2), args...)
		if q.Sort == "" || q.Sort == "relevance" {
			order = fmt.Sprintf("m.hits * %d + m.score DESC, c.modified DESC, c.entry_id", matchBonus)
		}
	} else if q.Q != "" {
		return res, nil // only punctuation: nothing can match
	}
	switch q.Sort {
	case "modified":
		order = "c.modified DESC, c.entry_id"
	case "title":
		order = "c.title, c.entry_id"
	case "code":
		order = "c.code, c.entry_id"
	}
	cond := whereClause(where)
	rows, err := s.db.query(ctx, "SELECT c.entry_id"+from+cond+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if res.Items, err = s.published(ctx, ids); err != nil {
		return nil, err
	}
	if open, share, ok := classesOnly(&q); ok {
		res.Total, res.Facets, err = s.storedFacets(ctx, open, share)
		if !q.Facets {
			res.Facets = nil
		}
		return res, err
	}
	if !q.Facets {
		err = s.db.queryRow(ctx, "SELECT COUNT(*)"+from+cond, args...).Scan(&res.Total)
		return res, err
	}
	res.Total, res.Facets, err = s.countFacets(ctx, from+cond, args)
	return res, err
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

// storedFacets sums catalog_facets over the given classes.
func (s *EntryService) storedFacets(ctx context.Context, open, share []string) (int, map[string]map[string]int, error) {
	facets := map[string]map[string]int{}
	for _, f := range pubdata.CatalogFields {
		facets[f] = map[string]int{}
	}
	if len(open) == 0 || len(share) == 0 {
		return 0, facets, nil
	}
	args := []any{}
	for _, c := range open {
		args = append(args, c)
	}
	for _, c := range share {
		args = append(args, c)
	}
	rows, err := s.db.query(ctx, "SELECT field, value, SUM(n) FROM catalog_facets WHERE open_class IN ("+placeholders(len(open))+") AND share_class IN ("+placeholders(len(share))+") GROUP BY field, value", args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var field, value string
		var n int
		if err := rows.Scan(&field, &value, &n); err != nil {
			return 0, nil, err
		}
		if m, ok := facets[field]; ok && n > 0 {
			m[value] = n
		}
		if field == "format" {
			total += n // every entry has exactly one format
		}
	}
	return total, facets, rows.Err()
}

// countFacets counts the matching entries (fromWhere selects them as c) by each facet.
func (s *EntryService) countFacets(ctx context.Context, fromWhere string, args []any) (int, map[string]map[string]int, error) {
	facets := map[string]map[string]int{}
	for _, f := range pubdata.CatalogFields {
		facets[f] = map[string]int{}
	}
	rows, err := s.db.query(ctx, "SELECT c.org, c.category, c.share_class, c.open_class, c.format, c.update_cycle, c.division, c.supplementary"+fromWhere, args...)
	if err != nil {
		return 0, nil, err
	}
	total := 0
	var v [7]string
	var supp int
	for rows.Next() {
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &supp); err != nil {
			rows.Close()
			return 0, nil, err
		}
		total++
		for i, f := range [7]string{"org", "category", "share_class", "open_class", "format", "update_cycle", "division"} {
			facets[f][v[i]]++
		}
		if supp == 1 {
			facets["supplementary"]["true"]++
		} else {
			facets["supplementary"]["false"]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	if total == 0 {
		return 0, facets, nil
	}
	rows, err = s.db.query(ctx, "SELECT k.keyword, COUNT(*) FROM catalog_keywords k WHERE k.entry_id IN (SELECT c.entry_id"+fromWhere+") GROUP BY k.keyword", args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return 0, nil, err
		}
		facets["keyword"][k] = n
	}
	return total, facets, rows.Err()
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
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Data element %q not found.", code)
	}
	if org == "" && entryID != "" {
		return nil, pubdata.FieldErrorf("entry", "A source entry needs its source organisation.")
	}
	if org != "" {
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE code = ?", org).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, pubdata.FieldErrorf("org", "Organisation %q does not exist.", org)
		}
	}
	if entryID != "" {
		var entryOrg string
		err := tx.queryRow(ctx, "SELECT org FROM entries WHERE id = ?", entryID).Scan(&entryOrg)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && entryOrg != org) {
			return nil, pubdata.FieldErrorf("entry", "Entry %q is not an entry of %s.", entryID, org)
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

// DemandService implements pubdata.DemandService.
type DemandService struct{ db *DB }

var _ pubdata.DemandService = (*DemandService)(nil)

// NewDemandService returns the demand list.
func NewDemandService(db *DB) *DemandService { return &DemandService{db: db} }

// FindDemands implements pubdata.DemandService.
func (s *DemandService) FindDemands(ctx context.Context, limit int, cursor string) ([]*pubdata.Demand, int, string, error) {
	limit, err := pubdata.PageLimit(limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM demands").Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT id, title, description, COALESCE(org, ''), username, COALESCE(entry, ''), status, created_at FROM demands ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", limit, offset)
	if err != nil {
		return nil, 0, "", err
	}
	defer rows.Close()
	out := []*pubdata.Demand{}
	for rows.Next() {
		var d pubdata.Demand
		if err := rows.Scan(&d.ID, &d.Title, &d.Description, &d.Org, &d.Username, &d.Entry, &d.Status, timeCol{&d.CreatedAt}); err != nil {
			return nil, 0, "", err
		}
		out = append(out, &d)
	}
	return out, total, nextOffset(offset, len(out), total), rows.Err()
}
