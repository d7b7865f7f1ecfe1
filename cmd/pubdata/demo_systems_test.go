package main

import (
	"context"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestDemoSystems: the demo's register connects some units' entries and leaves others
// unconnected, so that the board shows both; running it again adds nothing.
func TestDemoSystems(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := createDemoSystems(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewSystemService(a.db)
		if list, _ := svc.FindSystems(ctx, "350000-scjgj"); len(list) != 1 || len(list[0].Entries) == 0 {
			t.Fatalf("the market regulator's systems: %+v", list)
		}
		facts, _, err := svc.Connections(ctx, "350000", 0)
		if err != nil {
			t.Fatal(err)
		}
		units := map[string]int{}
		for _, u := range pubdata.UnconnectedByUnit(facts) {
			units[u.Org] = len(u.Unconnected)
		}
		if _, ok := units["350000-scjgj"]; ok || units["350100-scjgj"] != 1 || len(units) < 2 {
			t.Fatalf("unconnected by unit %v: want the provincial regulator connected, Fuzhou's with one entry, others", units)
		}
	})
}
