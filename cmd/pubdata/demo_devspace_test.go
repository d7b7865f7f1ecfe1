package main

import (
	"context"
	"testing"

	"github.com/pubdata/pubdata"
)

// TestDemoDevSpaces: the demo has a first-level operator, an approved space with an
// anonymiser run and its table product (content kept, quasi-identifiers named, labelled),
// a pending application, and loading it again creates none.
func TestDemoDevSpaces(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		res, err := createDemoProvince(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if err := loadDemoData(ctx, a, 0.05, &res); err != nil {
			t.Fatal(err)
		}
		if _, err := createDemoApplications(ctx, a); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := createDemoDevSpaces(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		spaces, err := a.devspaces.Spaces(ctx, pubdata.DevSpaceFilter{Org: "350102-mskj"})
		if err != nil || len(spaces) != 2 {
			t.Fatalf("spaces: %d %v", len(spaces), err)
		}
		var approved *pubdata.DevSpace
		for _, sp := range spaces {
			if sp.Status == pubdata.SpaceApproved {
				approved = sp
			}
		}
		if approved == nil || approved.Title != demoSpaceTitle {
			t.Fatalf("no approved space: %+v", spaces)
		}
		ps, err := a.products.Products(ctx, pubdata.ProductFilter{SpaceID: approved.ID})
		if err != nil || len(ps) != 1 {
			t.Fatalf("products: %d %v", len(ps), err)
		}
		p := ps[0]
		if p.ContentRef == "" || p.ContentRows == 0 || len(p.QuasiIdentifiers) != 1 || len(p.Sensitive) != 1 || p.Label.AcquiredOn == "" || p.Sources[0].BatchID == "" {
			t.Fatalf("the product: %+v", p)
		}
		if ok, err := a.devspaces.IsOperator(ctx, demoOperator); err != nil || !ok {
			t.Fatalf("operator: %v %v", ok, err)
		}
	})
}
