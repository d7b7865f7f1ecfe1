package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pubdata/pubdata"
)

func init() {
	catalogueTests = append(catalogueTests, namedTest{"PublishBulk", testPublishBulk})
}

// testPublishBulk: entries published in bulk (the benchmark's fixture path) are found by
// the same searches, with the same totals and facets, as the same entries published through
// the workflow; each has version 1 and one recorded event; a table entry gets its table at
// its first load (EnsureTable); an invalid entry rolls the whole batch back.
func testPublishBulk(t *testing.T, s *Store) {
	bp, ok := s.Entries.(pubdata.EntryBulkPublisher)
	if !ok {
		t.Fatal("the store's EntryService does not implement pubdata.EntryBulkPublisher")
	}
	editor, reviewer := catalogueSetup(t, s)
	titles := []string{"企业登记信息", "空气质量监测数据", "道路运输许可证照", "企业行政处罚记录", "Air quality monitoring"}
	mk := func(i int, title string) *pubdata.EntryFields {
		f := fields(title, fmt.Sprintf("全市%s的基本情况", title), pubdata.ClassUnconditional, pubdata.ClassUnconditional)
		if i%2 == 1 {
			f.Format, f.Items = pubdata.FormatFile, []pubdata.Item{}
		}
		return f
	}
	// The workflow's copies are in the province's authority, the bulk copies at the market
	// regulator: the same texts, told apart by the org filter.
	var bulk []pubdata.BulkEntry
	for i, title := range titles {
		publish(t, s, editor, reviewer, "fz-scj", mk(i, title))
		bulk = append(bulk, pubdata.BulkEntry{Org: "fz-scj", Fields: *mk(i, title)})
	}
	before, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "entry.publish_bulk"})
	if err != nil || len(before) != 0 {
		t.Fatalf("events before: %d, %v", len(before), err)
	}
	ids, err := bp.PublishBulk(reviewer, bulk)
	if err != nil {
		t.Fatalf("PublishBulk: %v", err)
	}
	if len(ids) != len(bulk) {
		t.Fatalf("PublishBulk returned %d ids for %d entries", len(ids), len(bulk))
	}
	for i, id := range ids {
		e, err := s.Entries.FindPublishedEntry(system, id)
		if err != nil {
			t.Fatalf("bulk entry %d: %v", i, err)
		}
		if e.Title != titles[i] || e.Version != 1 || e.Status != pubdata.StatusPublished || e.PublishedOn == "" || e.Code == "" {
			t.Fatalf("bulk entry %d: %+v", i, e)
		}
		evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + id})
		if err != nil || len(evs) != 1 || evs[0].Action != "entry.publish_bulk" || evs[0].Actor != "dsj-reviewer" {
			t.Fatalf("bulk entry %d's events: %+v %v", i, evs, err)
		}
		vs, err := s.Entries.FindEntryVersions(system, id)
		if err != nil || len(vs) != 1 || vs[0].Version != 1 || vs[0].Fields.Title != titles[i] {
			t.Fatalf("bulk entry %d's versions: %+v %v", i, vs, err)
		}
	}
	// Every search finds the bulk copies as it finds the workflow's.
	search := func(q pubdata.CatalogQuery, org string) ([]string, int, map[string]map[string]int) {
		t.Helper()
		q.Filters = append(q.Filters, pubdata.CatalogFilter{Field: "org", Values: []string{org}})
		r, err := s.Entries.SearchCatalog(system, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range r.Items {
			out = append(out, e.Title)
		}
		return out, r.Total, r.Facets
	}
	all, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Limit: 100})
	if err != nil || all.Total != 2*len(titles) {
		t.Fatalf("catalogue total %d, %v; want %d", all.Total, err, 2*len(titles))
	}
	// Both copies are at fz-scj; tell them apart by id.
	bulkIDs := map[string]bool{}
	for _, id := range ids {
		bulkIDs[id] = true
	}
	for _, q := range []string{"企业登记", "空气质量", "许可", "企业", "air quality", "监测数据", "统一社会信用代码"} {
		r, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var wf, bk []string
		for _, e := range r.Items {
			if bulkIDs[e.ID] {
				bk = append(bk, e.Title)
			} else {
				wf = append(wf, e.Title)
			}
		}
		// The same entries (ties rank the newest first, and the bulk copies share one
		// publication time, so the order of equal scores differs).
		if len(wf) == 0 || !slices.Equal(slices.Sorted(slices.Values(wf)), slices.Sorted(slices.Values(bk))) {
			t.Fatalf("%q: workflow copies %q, bulk copies %q", q, wf, bk)
		}
	}
	if _, total, facets := search(pubdata.CatalogQuery{Facets: true}, "fz-scj"); total != 2*len(titles) || facets["format"][pubdata.FormatTable] != 6 || facets["format"][pubdata.FormatFile] != 4 {
		t.Fatalf("facets: total %d, %v", total, facets["format"])
	}
	// A table entry has no table until its first load.
	e, _ := s.Entries.FindPublishedEntry(system, ids[0])
	if _, err := s.Data.TableStats(system, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("table of a bulk entry before its first load: %v, want ENOTFOUND", err)
	}
	if err := s.Data.EnsureTable(reviewer, e); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Data.TableStats(system, e.ID); err != nil {
		t.Fatalf("table after EnsureTable: %v", err)
	}
	// An invalid entry (no title) rolls the batch back: nothing of the valid one is kept.
	bad := []pubdata.BulkEntry{{Org: "fz-scj", Fields: *mk(0, "批量发布的有效条目")}, {Org: "fz-scj", Fields: *mk(0, "")}}
	if _, err := bp.PublishBulk(reviewer, bad); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("PublishBulk with an invalid entry: %v, want EINVALID", err)
	}
	if _, err := bp.PublishBulk(reviewer, []pubdata.BulkEntry{{Org: "no-such-org", Fields: *mk(0, "无此单位")}}); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("PublishBulk for an unknown org: %v, want ENOTFOUND", err)
	}
	if r, _ := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: "批量发布的有效条目"}); r.Total != 0 {
		t.Fatalf("a rolled-back batch left %d entries in the catalogue", r.Total)
	}
	after, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "entry.publish_bulk"})
	if len(after) != len(titles) {
		t.Fatalf("%d entry.publish_bulk events, want %d", len(after), len(titles))
	}
}
