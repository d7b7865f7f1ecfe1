package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/sqlstore"
)

// scanCounter is the store's raw reader, counting the groupings it scans the table for.
type scanCounter struct {
	*sqlstore.RowReader
	scans atomic.Int64
}

func (c *scanCounter) GroupRows(ctx context.Context, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
	c.scans.Add(1)
	return c.RowReader.GroupRows(ctx, e, q, g)
}

// TestAggregateSummaryPath: POST /api/v1/entries/{id}/aggregate scans the table and asks for
// the entry's aggregate summary while it has none; once built, the same query is answered
// from it without a scan (same groups, noise and budget as before); a load makes it stale:
// the query scans again and asks for it again; ScanAggregates forces the scan.
func TestAggregateSummaryPath(t *testing.T) {
	e := newAccessEnv(t)
	e.srv.Privacy = sqlstore.NewPrivacyService(e.db)
	rows := &scanCounter{RowReader: sqlstore.NewRowReader(e.db)}
	e.srv.Reads = access.New(rows)
	var wanted []string
	e.srv.SummaryWanted = func(en *pubdata.Entry) { wanted = append(wanted, en.ID) }
	b := entryBody("人口信息（可用不可见，汇总）", pubdata.ClassUnconditional, pubdata.ClassConditional)
	b["items"] = personItems
	b["usable_invisible"] = true
	b["invisible_terms"] = map[string]any{"group_columns": []string{"city"}, "min_group_size": 1, "privacy_budget": 50}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(personRows()), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v", bt)
	}
	header := purposeHeader(sharePurpose)
	query := map[string]any{"group_by": "city", "epsilon": 0.5, "measures": []any{
		map[string]any{"op": "count"},
		map[string]any{"op": "mean", "column": "age", "lower": 0, "upper": 120},
		map[string]any{"op": "quantiles", "column": "age", "lower": 0, "upper": 120, "q": []float64{0.5}},
	}}
	aggregate := func(when string) []string {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/entries/" + en.ID + "/aggregate", as: "xm-scj-member", header: header, body: query})
		if w.Code != 200 {
			t.Fatalf("%s: aggregate: %d %s", when, w.Code, w.Body)
		}
		var out pubdata.AggregateResult
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, g := range out.Groups {
			keys = append(keys, g.Key)
			if !g.Suppressed && (g.Count == nil || len(g.Quantiles["age"]) != 1) {
				t.Errorf("%s: group %+v", when, g)
			}
		}
		slices.Sort(keys)
		return keys
	}
	expect := func(when string, scans int64, asked int) {
		t.Helper()
		if got := rows.scans.Load(); got != scans || len(wanted) != asked {
			t.Fatalf("%s: %d scans, summary asked for %d times (%v); want %d, %d", when, got, len(wanted), wanted, scans, asked)
		}
	}
	keys := aggregate("without a summary")
	if fmt.Sprint(keys) != "[厦门 福州]" {
		t.Fatalf("groups %v", keys)
	}
	expect("without a summary", 1, 1)

	p, err := e.srv.Entries.FindPublishedEntry(system, en.ID)
	if err != nil {
		t.Fatal(err)
	}
	data := sqlstore.NewDataService(e.db)
	if s, err := data.BuildAggregateSummary(system, p); err != nil || !s.Built || s.Rows != 4 {
		t.Fatalf("build: %+v, %v", s, err)
	}
	if got := aggregate("from the summary"); fmt.Sprint(got) != fmt.Sprint(keys) {
		t.Fatalf("from the summary: groups %v", got)
	}
	expect("from the summary", 1, 1)

	// A load: the summary is stale, never read; the query scans and asks for it.
	upd := personCSV + idC + ",李四,13700002222,福建省厦门市思明区中山路2号,36,泉州,丙\n"
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data?mode=upsert", pbEditor, "text/csv", []byte(upd), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		t.Fatalf("upsert: %+v", bt)
	}
	if got := aggregate("after a load"); fmt.Sprint(got) != "[泉州 福州]" {
		t.Fatalf("after a load: groups %v", got)
	}
	expect("after a load", 2, 2)
	if s, err := data.BuildAggregateSummary(system, p); err != nil || !s.Built {
		t.Fatalf("build again: %+v, %v", s, err)
	}
	if got := aggregate("from the new summary"); fmt.Sprint(got) != "[泉州 福州]" {
		t.Fatalf("from the new summary: groups %v", got)
	}
	expect("from the new summary", 2, 2)

	// The benchmark's baseline: the scan, though the summary would answer.
	e.srv.ScanAggregates = true
	aggregate("forced scan")
	expect("forced scan", 3, 2)
}
