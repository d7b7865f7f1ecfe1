package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
)

// BenchmarkEntryChart measures the entry page's aggregates over the demo's air-quality table
// (15,120 rows, 21 days) and bus stops (2,000 rows with coordinates): the chart's grouping
// by day with the mean AQI, the map's grid, and the whole entry page anonymously (the
// chart, the preview's page and count, the metadata). SQLite by default; PostgreSQL with
// PUBDATA_BENCH_POSTGRES=1 and PUBDATA_TEST_POSTGRES set. Figures: docs/BENCHMARKS.md.
//
//	go test ./cmd/pubdata -run '^$' -bench BenchmarkEntryChart -benchtime 2s
func BenchmarkEntryChart(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Data = b.TempDir()
	if os.Getenv("PUBDATA_BENCH_POSTGRES") != "" {
		cfg.DB = testdb.Postgres(b)
	}
	a, err := openApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	ctx := systemContext(context.Background())
	if err := loadDemo(ctx, a, io.Discard); err != nil {
		b.Fatal(err)
	}
	find := func(code string) *pubdata.Entry {
		res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Sort: "code", Limit: pubdata.MaxLimit})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range res.Items {
			if e.Code == code {
				return e
			}
		}
		b.Fatalf("no entry %s", code)
		return nil
	}
	air, stops := find("204001/00001"), find("203001/00001")
	b.Run("groups-by-day-15120", func(b *testing.B) {
		for b.Loop() {
			g, err := a.rows.GroupRows(ctx, air, &pubdata.RowQuery{}, pubdata.RowGrouping{Column: "monitored_at", Prefix: pubdata.PrefixDay, Sum: "aqi", Limit: pubdata.MaxGroups})
			if err != nil || len(g) != 21 {
				b.Fatalf("%d groups, %v", len(g), err)
			}
		}
	})
	b.Run("grid-2000", func(b *testing.B) {
		for b.Loop() {
			g, err := a.rows.GridRows(ctx, stops, &pubdata.RowQuery{}, pubdata.RowGrid{X: "longitude", Y: "latitude", Cols: 28, Rows: 20})
			if err != nil || g.Points != 2000 {
				b.Fatalf("%+v, %v", g, err)
			}
		}
	})
	h, err := a.handler()
	if err != nil {
		b.Fatal(err)
	}
	for name, e := range map[string]*pubdata.Entry{"page-air-15120": air, "page-stops-2000": stops} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/catalog/"+e.ID, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("%d", w.Code)
				}
			}
		})
	}
}
