package main

import (
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// TestDemoApplications: the demo has pending, approved, rejected, disputed and overdue
// applications and live grants, and loading it again creates none.
func TestDemoApplications(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		n, err := createDemoApplications(ctx, a)
		if err != nil || n != len(demoApplications) {
			t.Fatalf("first load: %d of %d, %v", n, len(demoApplications), err)
		}
		if n, err := createDemoApplications(ctx, a); err != nil || n != 0 {
			t.Fatalf("second load: %d, %v", n, err)
		}
		list, total, _, err := a.applications.FindApplications(ctx, pubdata.ApplicationFilter{Limit: pubdata.MaxLimit})
		if err != nil || total != len(demoApplications) {
			t.Fatalf("%d applications, %v", total, err)
		}
		count := map[string]int{}
		for _, app := range list {
			count[string(app.Status)]++
			if app.Overdue {
				count["overdue"]++
			}
		}
		for _, k := range []string{"pending", "approved", "rejected", "disputed", "overdue"} {
			if count[k] == 0 {
				t.Errorf("no %s application: %v", k, count)
			}
		}
		now := time.Now()
		live, _, err := a.applications.FindGrants(ctx, pubdata.GrantFilter{LiveAt: &now})
		if err != nil || len(live) < 2 {
			t.Fatalf("live grants: %d, %v", len(live), err)
		}
		// The provider's reviewer and the authority have something to look at.
		for _, f := range []pubdata.ApplicationFilter{{Provider: "350000-gat", Status: pubdata.AppPending}, {Provider: "350000-scjgj", Status: pubdata.AppPending},
			{Division: "350000", Status: pubdata.AppDisputed}, {Division: "350000", Overdue: true}} {
			if _, total, _, err := a.applications.FindApplications(ctx, f); err != nil || total == 0 {
				t.Errorf("%+v: %d, %v", f, total, err)
			}
		}
	})
}
