package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

var _ pubdata.ProductService = (*ProductService)(nil)

// ProductService implements pubdata.ProductService (product.go) on products and
// product_sources.
type ProductService struct{ db *DB }

// NewProductService returns the data products' service.
func NewProductService(db *DB) *ProductService { return &ProductService{db: db} }

const productColumns = `id, space_id, org, developer, title, description, kind, run_id, processing, label, content_ref, content_sha256, content_sm3,
	content_size, content_rows, content_format, access_url, quasi_identifiers, sensitive, created_at`

func scanProduct(sc scanner) (*pubdata.Product, error) {
	var p pubdata.Product
	var proc, label, qis, sens string
	if err := sc.Scan(&p.ID, &p.SpaceID, &p.OrgID, &p.Developer, &p.Title, &p.Description, &p.Kind, &p.RunID, &proc, &label, &p.ContentRef,
		&p.ContentSHA256, &p.ContentSM3, &p.ContentSize, &p.ContentRows, &p.ContentFormat, &p.AccessURL, &qis, &sens, timeCol{&p.CreatedAt}); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		s string
		v any
	}{{proc, &p.Processing}, {label, &p.Label}, {qis, &p.QuasiIdentifiers}, {sens, &p.Sensitive}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return nil, err
		}
	}
	if p.QuasiIdentifiers == nil {
		p.QuasiIdentifiers = []string{}
	}
	if p.Sensitive == nil {
		p.Sensitive = []string{}
	}
	return &p, nil
}

func notFoundProduct(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Data product %q was not found.", id).Keyed("error.product.not_found", "ID", id)
}

// productSources loads the sources of the products.
func (d *DB) productSources(ctx context.Context, products ...*pubdata.Product) error {
	if len(products) == 0 {
		return nil
	}
	byID := map[string]*pubdata.Product{}
	ids := make([]any, len(products))
	for i, p := range products {
		byID[p.ID], ids[i] = p, p.ID
		p.Sources = []pubdata.ProductSource{}
	}
	rows, err := d.query(ctx, "SELECT product_id, entry_id, entry_title, provider, version, batch_id, as_of FROM product_sources WHERE product_id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+") ORDER BY product_id, seq", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid string
		var s pubdata.ProductSource
		if err := rows.Scan(&pid, &s.EntryID, &s.EntryTitle, &s.Provider, &s.Version, &s.BatchID, timeCol{&s.AsOf}); err != nil {
			return err
		}
		byID[pid].Sources = append(byID[pid].Sources, s)
	}
	return rows.Err()
}

// CreateProduct implements pubdata.ProductService.
func (s *ProductService) CreateProduct(ctx context.Context, r *pubdata.ProductRegistration, platform string) (*pubdata.Product, error) {
	if err := pubdata.ValidateProductRegistration(r); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sp, err := tx.lockedSpace(ctx, r.SpaceID)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.IsSpaceDeveloper(a, sp) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the space's developer registers its products.").Keyed("error.devspace.developer_only")
	}
	if err := sp.CheckUse(tx.now, "", ""); err != nil {
		return nil, err
	}
	p := &pubdata.Product{ID: newID(), SpaceID: sp.ID, OrgID: sp.Org, Developer: a.Username(), Title: r.Title, Description: r.Description,
		Kind: r.Kind, RunID: r.RunID, Processing: r.Processing, AccessURL: r.AccessURL, QuasiIdentifiers: []string{}, Sensitive: []string{}, CreatedAt: tx.now}
	if r.RunID != "" { // a table, or an API serving the run's table
		run, err := tx.anonymiserRun(ctx, sp, "run", r.RunID)
		if err != nil {
			return nil, err
		}
		p.Sources = []pubdata.ProductSource{runSource(sp, run)}
		var cfg pubdata.SpaceRunConfig
		if err := json.Unmarshal(run.Config, &cfg); err != nil {
			return nil, err
		}
		anon, err := runAnonymisation(run, cfg)
		if err != nil {
			return nil, err
		}
		p.Processing.Anonymisation = anon
		p.ContentRef, p.ContentSHA256, p.ContentSM3, p.ContentSize, p.ContentRows, p.ContentFormat = run.Blob, run.SHA256, run.SM3, run.Size, run.Rows, "CSV"
		for _, q := range cfg.QuasiIdentifiers {
			p.QuasiIdentifiers = append(p.QuasiIdentifiers, q.Column)
		}
		for _, x := range cfg.Sensitive {
			p.Sensitive = append(p.Sensitive, x.Column)
		}
	} else {
		for _, eid := range r.Entries {
			e := sp.Entry(eid)
			if e == nil || !e.Approval.Usable() {
				return nil, pubdata.FieldErrorf("entries", "Entry %q is not an approved entry of this space.", eid).Keyed("error.devspace.entry_not_in_space", "Entry", eid, "ID", sp.ID)
			}
			src := pubdata.ProductSource{EntryID: eid, EntryTitle: e.EntryTitle, Provider: e.Provider, AsOf: tx.now}
			if err := tx.queryRow(ctx, "SELECT version FROM catalog WHERE entry_id = ?", eid).Scan(&src.Version); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			// The last time the developer read the entry in the space is its acquisition.
			var last sql.NullString
			if err := tx.queryRow(ctx, "SELECT MAX(as_of) FROM devspace_runs WHERE space_id = ? AND entry_id = ?", sp.ID, eid).Scan(&last); err != nil {
				return nil, err
			}
			if last.Valid {
				if t, err := parseTime(last.String); err == nil {
					src.AsOf = t
				}
			}
			var batch sql.NullString
			if err := tx.queryRow(ctx, "SELECT last_batch FROM data_tables WHERE entry_id = ?", eid).Scan(&batch); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			src.BatchID = batch.String
			p.Sources = append(p.Sources, src)
		}
		if b := r.Content; b != nil {
			if err := checkBlob(b); err != nil {
				return nil, err
			}
			p.ContentRef, p.ContentSHA256, p.ContentSM3, p.ContentSize, p.ContentFormat = b.Key, b.SHA256, b.SM3, b.Size, b.Format
			if pubdata.IsTableFormat(b.Format) {
				p.ContentRows = r.ContentRows
			}
		}
		if r.Kind == pubdata.ProductFile {
			p.QuasiIdentifiers = append(p.QuasiIdentifiers, r.QuasiIdentifiers...)
			p.Sensitive = append(p.Sensitive, r.Sensitive...)
		}
		// The anonymiser's report on the data the product was derived from, and the
		// developer's declaration (the gate of a product without a table).
		if r.DerivedFrom != "" {
			run, err := tx.anonymiserRun(ctx, sp, "derived_from", r.DerivedFrom)
			if err != nil {
				return nil, err
			}
			var cfg pubdata.SpaceRunConfig
			if err := json.Unmarshal(run.Config, &cfg); err != nil {
				return nil, err
			}
			if p.Processing.DerivedFrom, err = runAnonymisation(run, cfg); err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(p.Sources, func(s pubdata.ProductSource) bool { return s.EntryID == run.EntryID }) {
				p.Sources = append(p.Sources, runSource(sp, run))
			}
		}
		p.Processing.Declaration = r.Declaration
	}
	p.Label = pubdata.LabelFor(platform, p.Sources)
	proc, _ := json.Marshal(p.Processing)
	label, _ := json.Marshal(p.Label)
	qis, _ := json.Marshal(p.QuasiIdentifiers)
	sens, _ := json.Marshal(p.Sensitive)
	if _, err := tx.exec(ctx, "INSERT INTO products (id, space_id, org, developer, title, description, kind, run_id, processing, label, content_ref, content_sha256, content_sm3, content_size, content_rows, content_format, access_url, quasi_identifiers, sensitive, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.SpaceID, p.OrgID, p.Developer, p.Title, p.Description, string(p.Kind), p.RunID, string(proc), string(label), p.ContentRef, p.ContentSHA256,
		p.ContentSM3, p.ContentSize, p.ContentRows, p.ContentFormat, p.AccessURL, string(qis), string(sens), a.Username(), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	var entries []string
	for i, src := range p.Sources {
		if _, err := tx.exec(ctx, "INSERT INTO product_sources (product_id, seq, entry_id, entry_title, provider, version, batch_id, as_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			p.ID, i+1, src.EntryID, src.EntryTitle, src.Provider, src.Version, src.BatchID, fmtTime(src.AsOf)); err != nil {
			return nil, err
		}
		entries = append(entries, src.EntryID)
	}
	details := map[string]any{"space": sp.ID, "kind": p.Kind, "title": p.Title, "run": p.RunID, "entries": entries, "content_sha256": p.ContentSHA256, "label": p.Label.Text}
	if p.Processing.DerivedFrom != nil {
		details["derived_from"] = p.Processing.DerivedFrom.Run
	}
	if d := p.Processing.Declaration; d != nil {
		details["declaration"] = d
	}
	if err := tx.record(ctx, change{Action: "product.register", Object: "product:" + p.ID, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return p, nil
}

// anonymiserRun returns the space's anonymiser run id that produced a table, or the field
// error naming why it cannot be used.
func (tx *Tx) anonymiserRun(ctx context.Context, sp *pubdata.DevSpace, field, id string) (*pubdata.DevSpaceRun, error) {
	run, err := scanRun(tx.queryRow(ctx, "SELECT "+runColumns+" FROM devspace_runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && run.SpaceID != sp.ID {
		return nil, pubdata.FieldErrorf(field, "Run %q is not a run of this space.", id).Keyed("error.product.run_not_in_space", "ID", id)
	} else if err != nil {
		return nil, err
	}
	if run.Kind != pubdata.SpaceUseAnonymise || run.Blob == "" {
		return nil, pubdata.FieldErrorf(field, "Run %q did not produce an anonymised table.", id).Keyed("error.product.run_no_table", "ID", id)
	}
	return run, nil
}

// runSource is the source a run read: its entry at the version, batch and time read.
func runSource(sp *pubdata.DevSpace, run *pubdata.DevSpaceRun) pubdata.ProductSource {
	src := pubdata.ProductSource{EntryID: run.EntryID, Version: run.EntryVersion, BatchID: run.BatchID, AsOf: run.AsOf}
	if e := sp.Entry(run.EntryID); e != nil {
		src.EntryTitle, src.Provider = e.EntryTitle, e.Provider
	}
	return src
}

// runAnonymisation is the processing of a table made by an anonymiser run: what was asked
// (the run's config) and what the anonymiser reported (its report).
func runAnonymisation(run *pubdata.DevSpaceRun, cfg pubdata.SpaceRunConfig) (*pubdata.ProductAnonymisation, error) {
	var rep struct {
		Rows           int            `json:"rows"`
		Released       int            `json:"released"`
		Suppressed     int            `json:"suppressed"`
		SmallestClass  int            `json:"smallest_class"`
		Levels         map[string]int `json:"levels"`
		Heights        map[string]int `json:"heights"`
		Metric         string         `json:"metric"`
		Loss           float64        `json:"loss"`
		LossLowerBound float64        `json:"loss_lower_bound"`
		Prosecutor     struct {
			Highest float64 `json:"highest"`
			Average float64 `json:"average"`
		} `json:"prosecutor"`
		Criteria []string `json:"criteria"`
	}
	if err := json.Unmarshal(run.Report, &rep); err != nil {
		return nil, err
	}
	a := &pubdata.ProductAnonymisation{Run: run.ID, Entry: run.EntryID, K: cfg.K, SuppressionLimit: cfg.SuppressionLimit, Metric: rep.Metric,
		Sensitive: cfg.Sensitive, Kept: cfg.Keep, Rows: rep.Rows, Released: rep.Released, Suppressed: rep.Suppressed, SmallestClass: rep.SmallestClass, Loss: rep.Loss,
		LossLowerBound: rep.LossLowerBound, ProsecutorRisk: rep.Prosecutor.Highest, AverageRisk: rep.Prosecutor.Average, Criteria: rep.Criteria}
	for _, q := range cfg.QuasiIdentifiers {
		q.Level, q.Height = rep.Levels[q.Column], rep.Heights[q.Column]
		a.Hierarchies = append(a.Hierarchies, q)
	}
	return a, nil
}

// Product implements pubdata.ProductService.
func (s *ProductService) Product(ctx context.Context, id string) (*pubdata.Product, error) {
	p, err := scanProduct(s.db.queryRow(ctx, "SELECT "+productColumns+" FROM products WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundProduct(id)
	} else if err != nil {
		return nil, err
	}
	return p, s.db.productSources(ctx, p)
}

// Products implements pubdata.ProductService.
func (s *ProductService) Products(ctx context.Context, f pubdata.ProductFilter) ([]*pubdata.Product, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	var c conds
	c.eq("space_id", f.SpaceID)
	c.eq("org", f.OrgID)
	if f.Developer != "" {
		c.add("org = '' AND developer = ?", f.Developer)
	}
	if f.Entry != "" {
		c.add("id IN (SELECT product_id FROM product_sources WHERE entry_id = ?)", f.Entry)
	}
	rows, err := s.db.query(ctx, "SELECT "+productColumns+" FROM products"+c.sql()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(c.args, limit)...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanProduct)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*pubdata.Product{}
	}
	return out, s.db.productSources(ctx, out...)
}
