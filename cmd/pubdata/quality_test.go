package main

import (
	"context"
	"testing"

	"github.com/pubdata/pubdata"
)

// TestDemoQuality: the demo holds quality rules that fail on some rows, so the console's
// quality page, the entry page's score and the method page's unit scores show something.
func TestDemoQuality(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemo(ctx, a); err != nil {
			t.Fatal(err)
		}
		failing := 0
		for code := range demoQualityRules {
			e, err := a.entries.FindPublishedEntry(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			run, err := a.quality.LatestQualityRun(ctx, e.ID, pubdata.QualityRunFull)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			for _, r := range run.Results {
				if r.Status == pubdata.QualityFail {
					failing++
					t.Logf("%s: %s %s fails on %d of %d rows", code, r.Kind, r.Column, r.FailedRows, r.Checked)
				}
			}
		}
		if failing == 0 {
			t.Error("no demo rule fails")
		}
		units, err := a.quality.UnitQuality(ctx)
		if err != nil || len(units) == 0 {
			t.Fatalf("units %v %v", units, err)
		}
		// A second start changes nothing.
		if err := createDemoQuality(ctx, a); err != nil {
			t.Fatal(err)
		}
	})
}
