package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/pubdata/pubdata"
)

// PublishBulk implements pubdata.EntryBulkPublisher: the entries are published in one
// transaction, as version 1, without the workflow's three steps (create, submit, approve).
// What an approval writes is written by the same code — the working copy, the published
// version, the catalogue row and its search index (publish) — and each entry's one event
// "entry.publish_bulk" records its code, provider and title. A table entry's table is not
// created here but at its first load (DataService.EnsureTable, which every load path calls):
// on SQLite each table is three schema changes, and each schema change reads the whole
// schema, so that creating tens of thousands in bulk costs quadratic time. The fields are validated as CreateEntry validates them; the first
// invalid entry rolls the whole batch back. It is for benchmark fixtures and catalogues
// reviewed elsewhere: nobody reviews these entries here.
func (s *EntryService) PublishBulk(ctx context.Context, entries []pubdata.BulkEntry) ([]string, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if s.db.dialect != Postgres {
		// The index's inserts land all over catalog_terms: with SQLite's default 2 MB page
		// cache the transaction spills dirty pages to the WAL and reads them back. This
		// connection's cache grows for the transaction and shrinks before it commits.
		if _, err := tx.exec(ctx, "PRAGMA cache_size = -65536"); err != nil {
			return nil, err
		}
	}
	orgs := map[string]*Org{}
	reviewer := pubdata.ActorFromContext(ctx).Username()
	ids := make([]string, 0, len(entries))
	for i := range entries {
		b := &entries[i]
		org, ok := orgs[b.Org]
		if !ok {
			org, err = scanOrg(tx.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE code = ?", b.Org))
			if errors.Is(err, sql.ErrNoRows) {
				return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", b.Org).Keyed("error.org.not_found", "Org", b.Org)
			} else if err != nil {
				return nil, err
			}
			orgs[b.Org] = org
		}
		f := b.Fields
		if err := pubdata.ValidateEntry(org, &f, s.divisions.Check); err != nil {
			return nil, err
		}
		pubdata.DefaultDataLevel(&f)
		if err := pubdata.CheckObtainedNotOpen(&f); err != nil {
			return nil, err
		}
		if err := tx.checkLicense(ctx, f.License); err != nil {
			return nil, err
		}
		code, err := tx.nextCode(ctx, pubdata.ResourceCodePrefix(f.Category))
		if err != nil {
			return nil, err
		}
		doc, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		id, now, issued := newID(), fmtTime(tx.now), tx.now.Format("2006-01-02")
		if _, err := tx.exec(ctx, "INSERT INTO entries (id, code, org, status, title, division, doc, license, version, published_on, created_at, updated_at, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
			id, code, org.Code, string(pubdata.StatusPublished), f.Title, f.Division, string(doc), f.License, issued, now, now, now); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "INSERT INTO entry_versions (entry_id, version, doc, published_at, reviewer, comment) VALUES (?, 1, ?, ?, ?, '')",
			id, string(doc), now, reviewer); err != nil {
			return nil, err
		}
		e := &pubdata.Entry{ID: id, Code: code, Org: org.Code, OrgName: org.Name, Status: pubdata.StatusPublished, Version: 1, PublishedOn: issued, EntryFields: f}
		if err := tx.publish(ctx, e); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Action: "entry.publish_bulk", Object: "entry:" + id, Details: map[string]any{"code": code, "org": org.Code, "title": f.Title, "version": 1}}); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if s.db.dialect != Postgres {
		if _, err := tx.exec(ctx, "PRAGMA cache_size = -2000"); err != nil { // SQLite's default
			return nil, err
		}
	}
	return ids, tx.Commit()
}
