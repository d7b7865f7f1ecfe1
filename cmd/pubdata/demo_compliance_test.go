package main

import (
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestDemoCompliance: the demo holds a stale table and a published table entry never
// loaded, so that the compliance page and /api/v1/compliance show both kinds.
func TestDemoCompliance(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		res, err := createDemoProvince(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if err := loadDemoData(ctx, a, 0.01, &res); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		facts, err := sqlstore.NewComplianceService(a.db).Facts(ctx, "350000", now)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, f := range pubdata.ComplianceFindings(facts, now) {
			kinds[f.Kind]++
		}
		if kinds[pubdata.FindingStaleTable] == 0 || kinds[pubdata.FindingNeverLoaded] == 0 {
			t.Fatalf("demo findings %v: want a stale table and a never-loaded entry", kinds)
		}
	})
}
