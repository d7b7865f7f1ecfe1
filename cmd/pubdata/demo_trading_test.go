package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestDemoTrading: the demo has a model contract and a registered listing of the
// developer's product (the gate passed on its content) with one agreed contract, and
// loading it again creates none.
func TestDemoTrading(t *testing.T) {
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
		if err := createDemoDevSpaces(ctx, a); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := createDemoTrading(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		trade := sqlstore.NewTradeService(a.db)
		if ms, err := trade.ModelContracts(ctx, true); err != nil || len(ms) != 1 {
			t.Fatalf("model contracts %d %v", len(ms), err)
		}
		ls, total, _, err := trade.FindListings(ctx, pubdata.ListingFilter{Status: pubdata.ListingListed})
		if err != nil || total != 1 || ls[0].Registration == nil || !strings.HasPrefix(ls[0].Registration.Number, "SJDJ-350102-") || !ls[0].Gate.Passed {
			t.Fatalf("listings %d %+v %v", total, ls, err)
		}
		cs, _, _, err := trade.FindContracts(ctx, pubdata.ContractFilter{Product: ls[0].Product})
		if err != nil || len(cs) != 1 || cs[0].Status != pubdata.ContractAgreed || cs[0].Buyer != demoHolderUSCC {
			t.Fatalf("contracts %+v %v", cs, err)
		}
	})
}
