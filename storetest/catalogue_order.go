package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

func init() {
	catalogueTests = append(catalogueTests, namedTest{"SearchOrderIDCreated", testSearchOrderIDCreated})
}

// testSearchOrderIDCreated: a search ordered by several keys (creation, title, code, id,
// either direction), filtered by the entries' ids and resource codes and by the creation
// time (CKAN's sort, id:/name: and metadata_created).
func testSearchOrderIDCreated(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	t0 := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	var es []*pubdata.Entry
	for i, title := range []string{"B 数据", "A 数据", "B 数据"} {
		s.SetNow(t0.Add(time.Duration(i) * 24 * time.Hour))
		es = append(es, publish(t, s, editor, reviewer, "fz-scj", fields(title, "", pubdata.ClassUnconditional, pubdata.ClassUnconditional)))
	}
	// A later change of the first: modified moves, created stays.
	s.SetNow(t0.Add(10 * 24 * time.Hour))
	if _, err := s.Entries.UpdateEntry(editor, es[0].ID, &es[0].EntryFields); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.SubmitEntry(editor, es[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, es[0].ID, true, ""); err != nil {
		t.Fatal(err)
	}
	ids := func(q pubdata.CatalogQuery) []string {
		t.Helper()
		r, err := s.Entries.SearchCatalog(system, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, e := range r.Items {
			out = append(out, e.ID)
		}
		if r.Total != len(out) {
			t.Fatalf("total %d for %d items", r.Total, len(out))
		}
		return out
	}
	want := func(q pubdata.CatalogQuery, want ...*pubdata.Entry) {
		t.Helper()
		var w []string
		for _, e := range want {
			w = append(w, e.ID)
		}
		if got := ids(q); !slices.Equal(got, w) {
			t.Errorf("%+v: %v, want %v", q, got, w)
		}
	}
	a, b, c := es[0], es[1], es[2]
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "created", Desc: true}}}, c, b, a)
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "created"}}}, a, b, c)
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "modified", Desc: true}}}, a, c, b)
	// Several keys: the title (A before B), then the newest creation first.
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "title"}, {By: "created", Desc: true}}}, b, c, a)
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "title", Desc: true}, {By: "created"}}}, a, c, b)
	byID := slices.Clone(es)
	slices.SortFunc(byID, func(x, y *pubdata.Entry) int { return compareStrings(x.ID, y.ID) })
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "id"}}}, byID...)
	byCode := slices.Clone(es)
	slices.SortFunc(byCode, func(x, y *pubdata.Entry) int { return compareStrings(y.Code, x.Code) })
	want(pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "code", Desc: true}}}, byCode...)
	// Filters on id and code, and their negation.
	want(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "id", Values: []string{b.ID, "nope"}}}}, b)
	want(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "code", Values: []string{c.Code}}}}, c)
	want(pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "id", Values: []string{a.ID}, Negate: true}}, Order: []pubdata.CatalogOrder{{By: "created"}}}, b, c)
	// The creation's range.
	from, to := t0.Add(12*time.Hour), t0.Add(24*time.Hour)
	want(pubdata.CatalogQuery{CreatedFrom: &from, Order: []pubdata.CatalogOrder{{By: "created"}}}, b, c)
	want(pubdata.CatalogQuery{CreatedFrom: &from, CreatedTo: &to}, b)
	// An unknown key is refused.
	_, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Order: []pubdata.CatalogOrder{{By: "price"}}})
	wantCode(t, err, pubdata.EINVALID)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
