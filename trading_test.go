package pubdata

import (
	"strings"
	"testing"
	"time"
)

var tradeNow = time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC)

func TestTradeGateRiskAboveThreshold(t *testing.T) {
	// A product whose risk is above the threshold cannot be listed; the error names the
	// risk and the threshold.
	in := GateInput{Risk: 0.5, AverageRisk: 0.3, K: 2, Rows: 40, QuasiIdentifiers: []string{"age", "district"}, Now: tradeNow}
	res, err := CheckTradeGate(in, TradeSettings{RiskThreshold: 0.2, MinK: 2})
	if ErrorCode(err) != EINVALID || res.Passed {
		t.Fatalf("risk 0.5 > 0.2 passed: %+v %v", res, err)
	}
	msg := ErrorMessage(err)
	if !strings.Contains(msg, "0.5") || !strings.Contains(msg, "0.2") || !strings.Contains(msg, "prosecutor") || ErrorFields(err)["product"] == nil {
		t.Fatalf("message %q does not name the risk and the threshold", msg)
	}
	m := MessageOf(err)
	if m == nil || m.Key != "error.trade.gate.risk" {
		t.Fatalf("keyed message %+v", m)
	}
	if res.Risk != 0.5 || res.Threshold != 0.2 || res.K != 2 {
		t.Fatalf("result %+v", res)
	}
}

func TestTradeGateK(t *testing.T) {
	// Risk at the threshold passes (at most); k below the minimum does not.
	s := TradeSettings{RiskThreshold: 0.2, MinK: 5}
	if res, err := CheckTradeGate(GateInput{Risk: 0.2, K: 5, Rows: 100, Now: tradeNow}, s); err != nil || !res.Passed {
		t.Fatalf("risk 0.2, k 5: %+v %v", res, err)
	}
	_, err := CheckTradeGate(GateInput{Risk: 0.1, K: 4, Rows: 100, Now: tradeNow}, TradeSettings{RiskThreshold: 0.3, MinK: 5})
	if MessageOf(err) == nil || MessageOf(err).Key != "error.trade.gate.k" || !strings.Contains(ErrorMessage(err), "4") || !strings.Contains(ErrorMessage(err), "5") {
		t.Fatalf("k 4 < 5: %v", err)
	}
	if _, err := CheckTradeGate(GateInput{Now: tradeNow}, s); ErrorCode(err) != EINVALID {
		t.Fatalf("empty product: %v", err)
	}
}

func TestTradeGateNonPublicSources(t *testing.T) {
	s := DefaultTradeSettings()
	terms := &Contribution{Products: true, From: "2026-01-01", Until: "2026-12-31"}
	base := GateInput{Risk: 0.1, K: 10, Rows: 100, Seller: "dev", Now: tradeNow}
	cases := []struct {
		name  string
		src   TradeSource
		ok    bool
		inMsg string
	}{
		{"public", TradeSource{Title: "公共", NonPublic: false}, true, ""},
		{"terms allow", TradeSource{Title: "社会", NonPublic: true, Terms: terms}, true, ""},
		{"no terms", TradeSource{Title: "社会", Provider: "co", NonPublic: true}, false, "without contribution terms"},
		{"no products", TradeSource{Title: "社会", NonPublic: true, Terms: &Contribution{From: "2026-01-01", Until: "2026-12-31"}}, false, "do not allow"},
		{"expired", TradeSource{Title: "社会", NonPublic: true, Terms: &Contribution{Products: true, From: "2025-01-01", Until: "2025-12-31"}}, false, "do not allow"},
		{"other users", TradeSource{Title: "社会", NonPublic: true, Terms: &Contribution{Products: true, Users: []string{"x"}, From: "2026-01-01", Until: "2026-12-31"}}, false, "do not allow"},
	}
	for _, c := range cases {
		in := base
		in.Sources = []TradeSource{{Title: "公共"}, c.src}
		res, err := CheckTradeGate(in, s)
		if c.ok != (err == nil) || res.Passed != c.ok || (c.inMsg != "" && !strings.Contains(ErrorMessage(err), c.inMsg)) {
			t.Errorf("%s: %+v %v", c.name, res, err)
		}
	}
}

func TestTradeSettingsValidate(t *testing.T) {
	for _, s := range []TradeSettings{{0, 5}, {1.5, 5}, {0.2, 0}} {
		if s.Validate() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	if err := DefaultTradeSettings().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTradeRules(t *testing.T) {
	authority := &Actor{User: &User{Username: "a", Role: RoleReviewer}, Org: &Org{Code: "fz-dsj", Kind: KindAuthority, Division: "350100"}}
	sellerAuthority := &Actor{User: &User{Username: "s", Role: RoleAdmin}, Org: &Org{Code: "op", Kind: KindAuthority, Division: "350100"}}
	seller := &Actor{User: &User{Username: "e", Role: RoleEditor}, Org: &Org{Code: "dev", Kind: KindCompany, Division: "350100"}}
	buyer := &Actor{User: &User{Username: "b", Role: RoleAdmin}, Org: &Org{Code: "buy", Kind: KindCompany, Division: "350200"}}
	l := &Listing{Seller: "dev", Division: "350100", Status: ListingPending}
	if !CanRegisterListing(authority, l) || CanRegisterListing(seller, l) || CanRegisterListing(buyer, l) {
		t.Fatal("who registers")
	}
	// An authority that sells (the first-level operator) cannot register its own listing.
	if CanRegisterListing(sellerAuthority, &Listing{Seller: "op", Division: "350100"}) {
		t.Fatal("a seller registered its own listing")
	}
	if !CanListProduct(seller, "dev") || CanListProduct(buyer, "dev") {
		t.Fatal("who lists")
	}
	if CanSeeListing(buyer, l) || !CanSeeListing(seller, l) || !CanSeeListing(authority, l) {
		t.Fatal("who sees a pending listing")
	}
	l.Status = ListingListed
	if !CanSeeListing(&Actor{}, l) {
		t.Fatal("a listed product is public")
	}
	m := &ModelContract{MaxMonths: 6}
	if err := ValidateContractCreate(seller, l, m, &ContractCreate{Purpose: "x", Until: "2027-01-31", Accept: true}, tradeNow); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("the seller bought its own: %v", err)
	}
	if err := ValidateContractCreate(buyer, l, m, &ContractCreate{Purpose: "x", Until: "2027-04-30", Accept: true}, tradeNow); ErrorFields(err)["until"] == nil {
		t.Fatalf("beyond the model's 6 months: %v", err)
	}
	if err := ValidateContractCreate(buyer, l, m, &ContractCreate{Purpose: "x", Until: "2027-01-31", Accept: true}, tradeNow); err != nil {
		t.Fatal(err)
	}
	c := &Contract{Seller: "dev", Division: "350100", Buyer: "buy"}
	if !c.IsBuyer(buyer) || c.IsBuyer(seller) || CanAgreeContract(buyer, c) || !CanAgreeContract(seller, c) || !CanSeeContract(authority, c) {
		t.Fatal("contract rules")
	}
	if RegistrationNumber("350100", 2026, 7) != "SJDJ-350100-2026-000007" {
		t.Fatal(RegistrationNumber("350100", 2026, 7))
	}
	g := &Grant{ID: "g", Kind: KindTrade, Entry: "p", Consumer: "buy", Expires: tradeNow.Add(time.Hour)}
	if got, err := DecideProductRead(buyer, "dev", "350100", "p", []*Grant{g}, "", tradeNow); err != nil || got != g {
		t.Fatalf("buyer read %v", err)
	}
	if _, err := DecideProductRead(buyer, "dev", "350100", "p", []*Grant{g}, "other", tradeNow); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("named grant not held: %v", err)
	}
	if _, err := DecideProductRead(buyer, "dev", "350100", "p", []*Grant{g}, "", tradeNow.Add(2*time.Hour)); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("expired delivery: %v", err)
	}
	if got, err := DecideProductRead(seller, "dev", "350100", "p", nil, "", tradeNow); err != nil || got != nil {
		t.Fatalf("seller read %v", err)
	}
}

func TestValidateListingCreate(t *testing.T) {
	c := &ListingCreate{Product: "p", Licence: "cc-by", PriceModel: PriceFixed, ModelContract: "m"}
	if fs := ErrorFields(ValidateListingCreate(c)); fs["price"] == nil {
		t.Fatalf("fixed price without a price: %v", fs)
	}
	c = &ListingCreate{PriceModel: "barter"}
	fs := ErrorFields(ValidateListingCreate(c))
	for _, f := range []string{"product", "licence", "price_model", "model_contract"} {
		if fs[f] == nil {
			t.Errorf("no problem for %s", f)
		}
	}
	c = &ListingCreate{Product: "p", Licence: "cc-by", PriceModel: PriceFree, Price: "1", ModelContract: "m"}
	if err := ValidateListingCreate(c); err != nil || c.Price != "" {
		t.Fatalf("free: %v %q", err, c.Price)
	}
}
