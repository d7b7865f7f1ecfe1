package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/sqlstore"
	"github.com/pubdata/pubdata/storetest"
)

// TestSearchPostingsInMemory: the catalogue's search tests pass with the postings of every
// term kept in memory (postings.go), as they do with none (TestSQLite, TestPostgres: their
// catalogues are too small for a term to be common).
func TestSearchPostingsInMemory(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" {
				testdb.RequirePostgres(t)
			}
			storetest.RunCatalogue(t, func(t *testing.T) *storetest.Store {
				ctx := context.Background()
				db, err := sqlstore.Open(ctx, dsn(t), t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				sqlstore.SetCommonTermDF(db, 1)
				return storeOn(t, db)
			})
		})
	}
}

// TestSearchPostingsSame: over one generated catalogue, a server that keeps every term's
// postings in memory and one that reads them all from the database find the same entries in
// the same order with the same facets, before and after entries are published and retired
// (the memory follows the catalogue's generation).
func TestSearchPostingsSame(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" {
				testdb.RequirePostgres(t)
			}
			ctx := pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{})
			mem, disk := twoServers(t, dsn(t))
			sqlstore.SetCommonTermDF(mem, 1)
			sqlstore.SetCommonTermDF(disk, 1<<40)
			orgs := sqlstore.NewOrgService(mem, division.Default())
			for _, o := range []*pubdata.Org{
				{Code: "fz-scj", Name: "福州市市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350100"},
				{Code: "xm-jt", Name: "厦门市交通运输局", Kind: pubdata.KindPublicBody, Division: "350200"},
			} {
				if err := orgs.CreateOrg(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			es := sqlstore.NewEntryService(mem)
			subjects := []string{"企业", "公交", "空气质量", "社会保险", "医疗机构", "住房公积金", "食品"}
			actions := []string{"登记", "许可", "监测", "名录", "行政处罚"}
			english := []string{"enterprise registration", "bus stops", "air quality monitoring", "social insurance", "permit"}
			suffixes := []string{"信息", "数据", "台账"}
			r := rand.New(rand.NewPCG(7, 7))
			var ids []string
			add := func(i int) {
				subj, act := subjects[r.IntN(len(subjects))], actions[r.IntN(len(actions))]
				f := &pubdata.EntryFields{
					Title:    subj + act + suffixes[r.IntN(len(suffixes))],
					Summary:  fmt.Sprintf("%s%s数据，按月更新。%s records.", subj, act, english[r.IntN(len(english))]),
					Category: "3", Format: pubdata.FormatFile, UpdateCycle: "monthly",
					ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional,
					Keywords: []string{subj},
				}
				if r.IntN(3) == 0 {
					f.Keywords = append(f.Keywords, act)
				}
				org := []string{"fz-scj", "xm-jt"}[i%2]
				e, err := es.CreateEntry(ctx, org, "", f)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := es.SubmitEntry(ctx, e.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := es.ReviewEntry(ctx, e.ID, true, ""); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, e.ID)
			}
			for i := range 120 {
				add(i)
			}
			queries := []pubdata.CatalogQuery{
				{Q: "企业"}, {Q: "登记信息"}, {Q: "空气质量监测数据"}, {Q: "企业登记许可信息台账"}, {Q: "福州市企业"},
				{Q: "permit"}, {Q: "bus"}, {Q: "social insurance"}, {Q: "公交车站"}, {Q: "医生"}, {Q: "质"},
				{Q: "住房公积金", Facets: true}, {Q: "监测", Offset: 10},
				{Q: "数据", Filters: []pubdata.CatalogFilter{{Field: "org", Values: []string{"xm-jt"}}}},
				{Q: "许可", InTitle: true},
			}
			compare := func(when string) {
				t.Helper()
				for _, q := range queries {
					q.Limit = 50
					a, err := sqlstore.NewEntryService(mem).SearchCatalog(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					b, err := sqlstore.NewEntryService(disk).SearchCatalog(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if a.Total == 0 && q.Q != "医生" {
						t.Errorf("%s: q=%q finds nothing", when, q.Q)
					}
					ai, bi := entryIDs(a), entryIDs(b)
					if a.Total != b.Total || !reflect.DeepEqual(ai, bi) || !reflect.DeepEqual(a.Facets, b.Facets) {
						t.Errorf("%s: q=%q: in memory %d %v, from the database %d %v", when, q.Q, a.Total, ai, b.Total, bi)
					}
				}
			}
			compare("first")
			compare("again, from memory")
			for _, id := range ids[:30] {
				if _, err := es.RetireEntry(ctx, id, "x"); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 10 {
				add(i)
			}
			compare("after retiring 30 and publishing 10")
		})
	}
}

func entryIDs(r *pubdata.CatalogResult) []string {
	out := []string{}
	for _, e := range r.Items {
		out = append(out, e.ID)
	}
	return out
}
