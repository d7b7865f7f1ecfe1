package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// Issue 16 item 5: trading of data products (F2, F3, B7).
var tradingTests = []namedTest{
	{"ModelContracts", testModelContracts},
	{"TradeListingRegistration", testTradeListingRegistration},
	{"TradeContractDelivery", testTradeContractDelivery},
	{"TradeContributions", testTradeContributions},
	{"TradeNotifications", testTradeNotifications},
	{"TradeDeclaredGate", testTradeDeclaredGate},
}

// tradeFixture: the application fixture, a developer company (fz-dev, 350100) that sells a
// product made from the market regulator's entry, a buyer company (xm-buy), the platform
// authority's admin and an active model contract.
type tradeFixture struct {
	*appFixture
	platformAdmin, seller, sellerMember, buyer, buyerMember context.Context
	model                                                   *pubdata.ModelContract
}

func tradeSetup(t *testing.T, s *Store) *tradeFixture {
	t.Helper()
	if s.Trade == nil {
		t.Fatal("the store under test must provide its trade service (storetest.Store.Trade)")
	}
	f := &tradeFixture{appFixture: appSetup(t, s)}
	mustOrg(t, s, "fz-dev", "福州数据开发有限公司", pubdata.KindCompany, "350100", "")
	mustOrg(t, s, "xm-buy", "厦门数据应用有限公司", pubdata.KindCompany, "350200", "")
	f.platformAdmin = actorCtx(t, s, "dsj-admin", "fj-dsj", pubdata.RoleAdmin)
	f.seller = actorCtx(t, s, "dev-editor", "fz-dev", pubdata.RoleEditor)
	f.sellerMember = actorCtx(t, s, "dev-member", "fz-dev", pubdata.RoleMember)
	f.buyer = actorCtx(t, s, "buy-member", "xm-buy", pubdata.RoleMember)
	f.buyerMember = actorCtx(t, s, "buy-editor", "xm-buy", pubdata.RoleEditor)
	m, err := s.Trade.SaveModelContract(f.platformAdmin, sampleModel())
	if err != nil {
		t.Fatal(err)
	}
	f.model = m
	return f
}

func sampleModel() *pubdata.ModelContract {
	return &pubdata.ModelContract{Code: "product-licence", Title: "数据产品使用许可示范合同", Parties: "卖方：数据产品的提供方；买方：数据产品的使用方",
		Scope: "买方内部分析使用", Purpose: "合同约定的用途", MaxMonths: 12, NoReidentification: true, OnwardTransfer: pubdata.OnwardForbidden, Clauses: "买方不得试图识别特定个人。"}
}

// passedListing is a listing of the product whose gate passed, made from the fixture's entry.
func passedListing(f *tradeFixture, product string) *pubdata.Listing {
	return &pubdata.Listing{Product: product, ProductTitle: "企业活跃度指数", ProductKind: "table", Seller: "fz-dev", Division: "350100",
		Sources: []pubdata.TradeSource{{Entry: f.entry.ID, Title: f.entry.Title, Provider: "fz-scj", Version: 1, Date: "2026-09-01"}},
		Method:  "k-匿名 (k=5)，按区县汇总", Label: "来源：福州市市场监督管理局；采集日期 2026-09-01", Licence: "cc-by-4.0", PriceModel: pubdata.PriceFixed, Price: "1000 元/年",
		ModelContract: f.model.ID, Gate: pubdata.GateResult{Risk: 0.1, K: 10, Rows: 100, Threshold: 0.2, MinK: 5, Passed: true, QuasiIdentifiers: []string{"district"}}}
}

func testModelContracts(t *testing.T, s *Store) {
	f := tradeSetup(t, s)
	if f.model.Version != 1 || f.model.Code != "product-licence" || f.model.Status != pubdata.ModelActive || !f.model.NoReidentification || f.model.CreatedBy != "dsj-admin" {
		t.Fatalf("saved %+v", f.model)
	}
	// Only the platform authority's admin writes them.
	for _, ctx := range []context.Context{f.provAuth, f.cityAuth, f.seller, f.citizenCx} {
		_, err := s.Trade.SaveModelContract(ctx, sampleModel())
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	// The ban on re-identification cannot be dropped; the rule is one of the list.
	bad := sampleModel()
	bad.NoReidentification, bad.OnwardTransfer, bad.MaxMonths = false, "sell", 0
	_, err := s.Trade.SaveModelContract(f.platformAdmin, bad)
	wantCode(t, err, pubdata.EINVALID)
	if fs := pubdata.ErrorFields(err); fs["no_reidentification"] == nil || fs["onward_transfer"] == nil || fs["max_months"] == nil {
		t.Fatalf("fields %v", err)
	}
	// A new version of the same code; the old one stays.
	v2 := sampleModel()
	v2.MaxMonths, v2.OnwardTransfer = 24, pubdata.OnwardSellerAssent
	m2, err := s.Trade.SaveModelContract(f.platformAdmin, v2)
	if err != nil || m2.Version != 2 || m2.Code != "product-licence" || m2.ID == f.model.ID {
		t.Fatalf("v2 %+v %v", m2, err)
	}
	if _, err := s.Trade.RetireModelContract(f.seller, f.model.ID); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("retire by a seller: %v", err)
	}
	if m, err := s.Trade.RetireModelContract(f.platformAdmin, f.model.ID); err != nil || m.Status != pubdata.ModelRetired {
		t.Fatalf("retire %+v %v", m, err)
	}
	_, err = s.Trade.RetireModelContract(f.platformAdmin, f.model.ID)
	wantCode(t, err, pubdata.ECONFLICT)
	active, err := s.Trade.ModelContracts(system, false)
	if err != nil || len(active) != 1 || active[0].ID != m2.ID {
		t.Fatalf("active %+v %v", active, err)
	}
	if all, err := s.Trade.ModelContracts(system, true); err != nil || len(all) != 2 {
		t.Fatalf("all %d %v", len(all), err)
	}
	// A retired version cannot be chosen by a listing.
	_, err = s.Trade.CreateListing(f.seller, passedListing(f, "p-1"))
	wantCode(t, err, pubdata.EINVALID)
	if len(eventsOf(t, s, "model_contract.create", "model_contract:"+m2.ID)) != 1 || len(eventsOf(t, s, "model_contract.retire", "model_contract:"+f.model.ID)) != 1 {
		t.Fatal("model contract events missing")
	}
}

func testTradeListingRegistration(t *testing.T, s *Store) {
	f := tradeSetup(t, s)
	// The gate must have passed; only the seller's editors and admins list.
	failed := passedListing(f, "p-1")
	failed.Gate.Passed = false
	_, err := s.Trade.CreateListing(f.seller, failed)
	wantCode(t, err, pubdata.EINVALID)
	for _, ctx := range []context.Context{f.buyerMember, f.sellerMember, f.cityAuth, f.citizenCx} {
		_, err = s.Trade.CreateListing(ctx, passedListing(f, "p-1"))
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	l, err := s.Trade.CreateListing(f.seller, passedListing(f, "p-1"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != pubdata.ListingPending || l.SellerName != "福州数据开发有限公司" || l.Registration != nil || len(l.Sources) != 1 || l.Gate.K != 10 || l.CreatedBy != "dev-editor" ||
		!strings.HasPrefix(l.ModelContractTitle, "数据产品使用许可示范合同") {
		t.Fatalf("listing %+v", l)
	}
	// One live listing per product.
	_, err = s.Trade.CreateListing(f.seller, passedListing(f, "p-1"))
	wantCode(t, err, pubdata.ECONFLICT)
	// A buyer cannot buy before registration.
	_, err = s.Trade.CreateContract(f.buyer, l.ID, &pubdata.ContractCreate{Purpose: "分析", Until: "2027-03-31", Accept: true})
	wantCode(t, err, pubdata.ECONFLICT)
	// Registration: not the seller, not another division's authority, not a member.
	for _, ctx := range []context.Context{f.seller, f.buyer, f.stranger} {
		_, err = s.Trade.RegisterListing(ctx, l.ID, &pubdata.RegistrationDecision{Decision: "approve"}, nil)
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	signed := 0
	sign := func(ctx context.Context, l *pubdata.Listing, r *pubdata.TradeRegistration) error {
		signed++
		r.Signed, r.Digest = `{"number":"`+r.Number+`"}`, "abc"
		return nil
	}
	l, err = s.Trade.RegisterListing(f.cityAuth, l.ID, &pubdata.RegistrationDecision{Decision: "approve"}, sign)
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != pubdata.ListingListed || l.Registration == nil || l.Registration.Number != "SJDJ-350100-2026-000001" || l.Registration.Registrar != "fzdsj-admin" ||
		l.Registration.Digest != "abc" || signed != 1 {
		t.Fatalf("registered %+v %+v", l, l.Registration)
	}
	_, err = s.Trade.RegisterListing(f.cityAuth, l.ID, &pubdata.RegistrationDecision{Decision: "approve"}, sign)
	wantCode(t, err, pubdata.ECONFLICT)
	if got, err := s.Trade.ListingByRegistration(system, "SJDJ-350100-2026-000001"); err != nil || got.ID != l.ID {
		t.Fatalf("by number %v", err)
	}
	// A second product: rejected with a reason (required), then another gets the next number.
	l2, err := s.Trade.CreateListing(f.seller, passedListing(f, "p-2"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Trade.RegisterListing(f.provAuth, l2.ID, &pubdata.RegistrationDecision{Decision: "reject"}, sign)
	wantCode(t, err, pubdata.EINVALID)
	if l2, err = s.Trade.RegisterListing(f.provAuth, l2.ID, &pubdata.RegistrationDecision{Decision: "reject", Reason: "来源说明不全"}, sign); err != nil || l2.Status != pubdata.ListingRejected || l2.Reason != "来源说明不全" {
		t.Fatalf("rejected %+v %v", l2, err)
	}
	l3, err := s.Trade.CreateListing(f.seller, passedListing(f, "p-2"))
	if err != nil {
		t.Fatalf("relist after rejection: %v", err)
	}
	if l3, err = s.Trade.RegisterListing(f.provAuth, l3.ID, &pubdata.RegistrationDecision{Decision: "approve"}, sign); err != nil || l3.Registration.Number != "SJDJ-350100-2026-000002" {
		t.Fatalf("second number %+v %v", l3, err)
	}
	// Lists: the marketplace, the seller's, by source entry.
	if list, total, _, err := s.Trade.FindListings(system, pubdata.ListingFilter{Status: pubdata.ListingListed}); err != nil || total != 2 || len(list) != 2 {
		t.Fatalf("listed %d %v", total, err)
	}
	if _, total, _, err := s.Trade.FindListings(system, pubdata.ListingFilter{Source: f.entry.ID}); err != nil || total != 3 {
		t.Fatalf("by source %d %v", total, err)
	}
	_, _, _, err = s.Trade.FindListings(system, pubdata.ListingFilter{Status: "sold"})
	wantCode(t, err, pubdata.EINVALID)
	// Withdrawal: the seller only.
	_, err = s.Trade.WithdrawListing(f.buyerMember, l3.ID, "")
	wantCode(t, err, pubdata.EFORBIDDEN)
	if l3, err = s.Trade.WithdrawListing(f.seller, l3.ID, "产品下架"); err != nil || l3.Status != pubdata.ListingWithdrawn {
		t.Fatalf("withdrawn %+v %v", l3, err)
	}
	for action, n := range map[string]int{"listing.create": 3, "listing.register": 2, "listing.reject": 1, "listing.withdraw": 1} {
		if got := len(eventsOf(t, s, action, "")); got != n {
			t.Fatalf("%s events: %d, want %d", action, got, n)
		}
	}
	ev := eventsOf(t, s, "listing.register", "listing:"+l.ID)
	if len(ev) != 1 || ev[0].Details["number"] != "SJDJ-350100-2026-000001" {
		t.Fatalf("register event %+v", ev)
	}
}

func testTradeContractDelivery(t *testing.T, s *Store) {
	f := tradeSetup(t, s)
	l, err := s.Trade.CreateListing(f.seller, passedListing(f, "p-1"))
	if err != nil {
		t.Fatal(err)
	}
	if l, err = s.Trade.RegisterListing(f.cityAuth, l.ID, &pubdata.RegistrationDecision{Decision: "approve"}, nil); err != nil {
		t.Fatal(err)
	}
	// The seller cannot buy its own; a buyer must accept the clauses, within the model's 12 months.
	_, err = s.Trade.CreateContract(f.seller, l.ID, &pubdata.ContractCreate{Purpose: "x", Until: "2027-03-31", Accept: true})
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = s.Trade.CreateContract(system, l.ID, &pubdata.ContractCreate{Purpose: "x", Until: "2027-03-31", Accept: true})
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	_, err = s.Trade.CreateContract(f.buyer, l.ID, &pubdata.ContractCreate{Purpose: "", Until: "2028-03-31"})
	wantCode(t, err, pubdata.EINVALID)
	if fs := pubdata.ErrorFields(err); fs["accept"] == nil || fs["purpose"] == nil || fs["until"] == nil {
		t.Fatalf("fields %v", err)
	}
	c, err := s.Trade.CreateContract(f.buyer, l.ID, &pubdata.ContractCreate{Purpose: "区域经济分析", Until: "2027-03-31", Accept: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != pubdata.ContractProposed || c.Buyer != "xm-buy" || c.BuyerName != "厦门数据应用有限公司" || c.BuyerSignedBy != "buy-member" || c.Scope != "买方内部分析使用" ||
		c.Registration != l.Registration.Number || !c.NoReidentification || c.OnwardTransfer != pubdata.OnwardForbidden || c.ModelVersion != 1 || c.ModelCode != "product-licence" || c.Delivery != "" {
		t.Fatalf("proposed %+v", c)
	}
	// No delivery before the seller agrees.
	if ds, err := s.Trade.LiveDeliveries(context.Background(), actorOf(f.buyer), "p-1", appNow); err != nil || len(ds) != 0 {
		t.Fatalf("deliveries before agreement %+v %v", ds, err)
	}
	// Only the seller's editors and admins agree; the buyer cannot.
	for _, ctx := range []context.Context{f.buyer, f.buyerMember, f.sellerMember, f.cityAuth} {
		_, err = s.Trade.DecideContract(ctx, c.ID, &pubdata.ContractDecision{Decision: "agree"})
		wantCode(t, err, pubdata.EFORBIDDEN)
	}
	c, err = s.Trade.DecideContract(f.seller, c.ID, &pubdata.ContractDecision{Decision: "agree"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != pubdata.ContractAgreed || c.SellerSignedBy != "dev-editor" || c.SellerSignedAt == nil || c.Delivery == "" {
		t.Fatalf("agreed %+v", c)
	}
	_, err = s.Trade.DecideContract(f.seller, c.ID, &pubdata.ContractDecision{Decision: "agree"})
	wantCode(t, err, pubdata.ECONFLICT)
	// The delivery is a grant of kind trade, held by the buyer's organisation until the last day.
	ds, err := s.Trade.LiveDeliveries(context.Background(), actorOf(f.buyerMember), "p-1", appNow)
	if err != nil || len(ds) != 1 || ds[0].ID != c.Delivery || ds[0].Kind != pubdata.KindTrade || ds[0].Application != c.ID || ds[0].Consumer != "xm-buy" || ds[0].LastDay() != "2027-03-31" {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	if g, err := pubdata.DecideProductRead(actorOf(f.buyer), "fz-dev", "350100", "p-1", ds, "", appNow); err != nil || g == nil || g.ID != c.Delivery {
		t.Fatalf("buyer's read %v %v", g, err)
	}
	if _, err := pubdata.DecideProductRead(actorOf(f.stranger), "fz-dev", "350100", "p-1", ds, "", appNow); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("stranger's read %v", err)
	}
	if ds, _ := s.Trade.LiveDeliveries(context.Background(), actorOf(f.stranger), "p-1", appNow); len(ds) != 0 {
		t.Fatalf("stranger's deliveries %+v", ds)
	}
	if list, _, err := s.Trade.Deliveries(system, pubdata.GrantFilter{Consumer: "xm-buy"}); err != nil || len(list) != 1 {
		t.Fatalf("buyer's deliveries %+v %v", list, err)
	}
	// A second buyer is declined with a reason.
	c2, err := s.Trade.CreateContract(f.citizenCx, l.ID, &pubdata.ContractCreate{Purpose: "研究", Until: "2026-12-31", Accept: true})
	if err != nil || c2.BuyerUser != "citizen" || c2.Buyer != "" || c2.BuyerName != "citizen" {
		t.Fatalf("citizen's contract %+v %v", c2, err)
	}
	_, err = s.Trade.DecideContract(f.seller, c2.ID, &pubdata.ContractDecision{Decision: "decline"})
	wantCode(t, err, pubdata.EINVALID)
	if c2, err = s.Trade.DecideContract(f.seller, c2.ID, &pubdata.ContractDecision{Decision: "decline", Reason: "用途不符"}); err != nil || c2.Status != pubdata.ContractDeclined {
		t.Fatalf("declined %+v %v", c2, err)
	}
	// Traceable: product → contracts and buyers; entry → listings and buyers.
	tr, err := s.Trade.ProductTrades(system, "p-1")
	if err != nil || len(tr.Listings) != 1 || len(tr.Contracts) != 2 {
		t.Fatalf("product trades %+v %v", tr, err)
	}
	tr, err = s.Trade.EntryTrades(system, f.entry.ID)
	if err != nil || len(tr.Listings) != 1 || len(tr.Contracts) != 2 || tr.Contracts[1].Buyer != "xm-buy" {
		t.Fatalf("entry trades %+v %v", tr, err)
	}
	if list, total, _, err := s.Trade.FindContracts(system, pubdata.ContractFilter{Seller: "fz-dev", Status: pubdata.ContractAgreed}); err != nil || total != 1 || list[0].ID != c.ID {
		t.Fatalf("agreed contracts %d %v", total, err)
	}
	// Termination revokes the delivery: the seller or the covering authority, with a reason.
	_, err = s.Trade.TerminateContract(f.buyer, c.ID, "x")
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = s.Trade.TerminateContract(f.cityAuth, c.ID, "")
	wantCode(t, err, pubdata.EINVALID)
	if c, err = s.Trade.TerminateContract(f.cityAuth, c.ID, "买方违反不得再识别条款"); err != nil || c.Status != pubdata.ContractTerminated {
		t.Fatalf("terminated %+v %v", c, err)
	}
	if ds, _ := s.Trade.LiveDeliveries(context.Background(), actorOf(f.buyer), "p-1", appNow); len(ds) != 0 {
		t.Fatalf("deliveries after termination %+v", ds)
	}
	if g, err := s.Trade.Delivery(system, c.Delivery); err != nil || g.RevokedAt == nil || g.StateAt(appNow) != "revoked" {
		t.Fatalf("revoked delivery %+v %v", g, err)
	}
	for action, n := range map[string]int{"contract.propose": 2, "contract.agree": 1, "trade.deliver": 1, "contract.decline": 1, "contract.terminate": 1} {
		if got := len(eventsOf(t, s, action, "")); got != n {
			t.Fatalf("%s events: %d, want %d", action, got, n)
		}
	}
}

// actorOf is the actor of a test context.
func actorOf(ctx context.Context) *pubdata.Actor { return pubdata.ActorFromContext(ctx) }

func testTradeContributions(t *testing.T, s *Store) {
	f := tradeSetup(t, s)
	// The developer company publishes an entry of its own (non-public data).
	ed := actorCtx(t, s, "dev-admin", "fz-dev", pubdata.RoleAdmin)
	fields := companyFields()
	fields.Title = "企业用电数据"
	e := publish(t, s, ed, f.provAuth, "fz-dev", fields)
	// A public body's entry takes no terms; another organisation cannot set them.
	_, err := s.Trade.SetContribution(f.provEd, &pubdata.Contribution{Entry: f.entry.ID, Purposes: "x", Products: true, From: "2026-01-01", Until: "2027-12-31"})
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Trade.SetContribution(f.buyerMember, &pubdata.Contribution{Entry: e.ID, Purposes: "x", Products: true, From: "2026-01-01", Until: "2027-12-31"})
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = s.Trade.SetContribution(ed, &pubdata.Contribution{Entry: e.ID, Purposes: "", From: "2027-01-01", Until: "2026-12-31"})
	wantCode(t, err, pubdata.EINVALID)
	if _, err := s.Trade.Contribution(system, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("no terms yet: %v", err)
	}
	c, err := s.Trade.SetContribution(ed, &pubdata.Contribution{Entry: e.ID, Users: []string{"fz-dev", " ", "fz-dev"}, Purposes: "区域经济研究与数据产品开发", Products: true, From: "2026-01-01", Until: "2027-12-31"})
	if err != nil || c.Org != "fz-dev" || len(c.Users) != 1 || !c.Products || c.UpdatedBy != "dev-admin" {
		t.Fatalf("terms %+v %v", c, err)
	}
	// The gate reads them: the seller named in the terms passes, another does not; after
	// the period, nobody.
	src := pubdata.TradeSource{Entry: e.ID, Title: "企业用电数据", Provider: "fz-dev", NonPublic: true, Terms: c}
	in := pubdata.GateInput{Risk: 0.1, K: 10, Rows: 50, Sources: []pubdata.TradeSource{src}, Seller: "fz-dev", Now: appNow}
	if res, err := pubdata.CheckTradeGate(in, pubdata.DefaultTradeSettings()); err != nil || !res.Passed || res.NonPublic != 1 {
		t.Fatalf("gate %+v %v", res, err)
	}
	in.Seller = "xm-buy"
	if _, err := pubdata.CheckTradeGate(in, pubdata.DefaultTradeSettings()); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("gate for another seller: %v", err)
	}
	in.Seller, in.Now = "fz-dev", time.Date(2028, 1, 2, 0, 0, 0, 0, time.UTC)
	if _, err := pubdata.CheckTradeGate(in, pubdata.DefaultTradeSettings()); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("gate after the period: %v", err)
	}
	if len(eventsOf(t, s, "contribution.set", "entry:"+e.ID)) != 1 {
		t.Fatal("contribution.set not recorded")
	}
	// The organisation's terms, by entry (the console's contributions page).
	if list, err := s.Trade.Contributions(system, "fz-dev"); err != nil || len(list) != 1 || list[0].Entry != e.ID || list[0].Purposes != "区域经济研究与数据产品开发" {
		t.Fatalf("the organisation's terms: %+v %v", list, err)
	}
	if list, err := s.Trade.Contributions(system, "xm-buy"); err != nil || len(list) != 0 {
		t.Fatalf("another organisation's terms: %+v %v", list, err)
	}
}

// noticeKeys are the keys of the actor's notifications, newest first.
func noticeKeys(t *testing.T, s *Store, ctx context.Context) []string {
	t.Helper()
	list, _ := notices(t, s, ctx)
	var out []string
	for _, n := range list {
		out = append(out, n.Key)
	}
	return out
}

func hasKey(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

// testTradeNotifications: the authority hears of a listing awaiting registration, the seller
// of its registration or refusal and of a buyer's contract, the buyer of the agreement and
// the delivery or of the refusal — in the transactions that make them.
func testTradeNotifications(t *testing.T, s *Store) {
	f := tradeSetup(t, s)
	l, err := s.Trade.CreateListing(f.seller, passedListing(f, "p-1"))
	if err != nil {
		t.Fatal(err)
	}
	if keys := noticeKeys(t, s, f.cityAuth); len(keys) == 0 || keys[0] != pubdata.NoticeListingPending {
		t.Fatalf("the covering authority's notices: %v", keys)
	}
	if list, _ := notices(t, s, f.cityAuth); list[0].Link != "/console/trading" || list[0].Params["title"] != "企业活跃度指数" {
		t.Fatalf("the pending listing's notice: %+v", list[0])
	}
	if keys := noticeKeys(t, s, f.buyer); hasKey(keys, pubdata.NoticeListingPending) {
		t.Fatalf("a buyer hears of a pending listing: %v", keys)
	}
	if _, err := s.Trade.RegisterListing(f.cityAuth, l.ID, &pubdata.RegistrationDecision{Decision: "approve"}, nil); err != nil {
		t.Fatal(err)
	}
	if keys := noticeKeys(t, s, f.seller); len(keys) == 0 || keys[0] != pubdata.NoticeListingRegistered {
		t.Fatalf("the seller's notices after registration: %v", keys)
	}
	l2, err := s.Trade.CreateListing(f.seller, passedListing(f, "p-2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trade.RegisterListing(f.cityAuth, l2.ID, &pubdata.RegistrationDecision{Decision: "reject", Reason: "来源说明不全"}, nil); err != nil {
		t.Fatal(err)
	}
	if list, _ := notices(t, s, f.sellerMember); len(list) == 0 || list[0].Key != pubdata.NoticeListingRejected || list[0].Params["reason"] != "来源说明不全" {
		t.Fatalf("the seller's notice of the refusal: %+v", list)
	}
	// A contract request: the seller's admins and editors, not its members.
	c, err := s.Trade.CreateContract(f.buyer, l.ID, &pubdata.ContractCreate{Purpose: "区域经济分析", Until: "2027-03-31", Accept: true})
	if err != nil {
		t.Fatal(err)
	}
	if keys := noticeKeys(t, s, f.seller); keys[0] != pubdata.NoticeContractNew {
		t.Fatalf("the seller's notice of a contract: %v", keys)
	}
	if keys := noticeKeys(t, s, f.sellerMember); hasKey(keys, pubdata.NoticeContractNew) {
		t.Fatalf("a seller's member hears of a contract: %v", keys)
	}
	if _, err := s.Trade.DecideContract(f.seller, c.ID, &pubdata.ContractDecision{Decision: "agree"}); err != nil {
		t.Fatal(err)
	}
	if keys := noticeKeys(t, s, f.buyerMember); !hasKey(keys, pubdata.NoticeContractAgreed) || !hasKey(keys, pubdata.NoticeTradeDelivered) {
		t.Fatalf("the buyer's notices after agreement: %v", keys)
	}
	c2, err := s.Trade.CreateContract(f.citizenCx, l.ID, &pubdata.ContractCreate{Purpose: "研究", Until: "2026-12-31", Accept: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trade.DecideContract(f.seller, c2.ID, &pubdata.ContractDecision{Decision: "decline", Reason: "用途不符"}); err != nil {
		t.Fatal(err)
	}
	if list, _ := notices(t, s, f.citizenCx); len(list) == 0 || list[0].Key != pubdata.NoticeContractDeclined || list[0].Link != "/market-contracts/"+c2.ID {
		t.Fatalf("the person's notice of the refusal: %+v", list)
	}
	if keys := noticeKeys(t, s, f.buyer); hasKey(keys, pubdata.NoticeContractDeclined) {
		t.Fatalf("another buyer hears of the refusal: %v", keys)
	}
}

// testTradeDeclaredGate: a product without a table to measure passes only with the
// anonymiser's report of the data it was derived from and an aggregate-only declaration of
// groups of at least k; each missing or failed rule is named.
func testTradeDeclaredGate(t *testing.T, s *Store) {
	set := pubdata.DefaultTradeSettings()
	derived := &pubdata.ProductAnonymisation{Run: "run-1", K: 5, SmallestClass: 6, ProsecutorRisk: 1.0 / 6, Released: 300,
		Hierarchies: []pubdata.ProductHierarchy{{Column: "age", Spec: "number:10"}}}
	decl := &pubdata.ProductDeclaration{AggregateOnly: true, MinGroupSize: 10, Statement: "模型只输出区县级汇总"}
	in := pubdata.GateInput{Basis: pubdata.GateDeclared, Kind: pubdata.ProductModelOutput, Derived: derived, Declaration: decl, Seller: "fz-dev", Now: appNow}
	res, err := pubdata.CheckTradeGate(in, set)
	if err != nil || !res.Passed || res.Basis != pubdata.GateDeclared || res.K != 6 || res.MinGroupSize != 10 || res.DerivedRun != "run-1" || len(res.QuasiIdentifiers) != 1 {
		t.Fatalf("a declared product: %+v %v", res, err)
	}
	// rule checks that the gate refuses in naming the rule (its message's key and text).
	rule := func(in pubdata.GateInput, key, text string) {
		t.Helper()
		_, err := pubdata.CheckTradeGate(in, set)
		wantCode(t, err, pubdata.EINVALID)
		var e *pubdata.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a pubdata error: %v", err)
		}
		found := false
		for _, p := range append([]*pubdata.Error{e}, e.Fields...) {
			found = found || p.Msg != nil && p.Msg.Key == key && strings.Contains(p.Message, text)
		}
		if !found {
			t.Errorf("the refusal does not name %s (%q): %v", key, text, err)
		}
	}
	none := in
	none.Derived, none.Declaration = nil, nil
	rule(none, "error.trade.gate.no_report", "derived_from")
	rule(none, "error.trade.gate.no_declaration", "aggregates only")
	risky := in
	risky.Derived = &pubdata.ProductAnonymisation{Run: "run-2", K: 2, SmallestClass: 2, ProsecutorRisk: 0.5}
	rule(risky, "error.trade.gate.derived_risk", "above the threshold")
	rule(risky, "error.trade.gate.derived_k", "2-anonymous")
	small := in
	small.Declaration = &pubdata.ProductDeclaration{AggregateOnly: true, MinGroupSize: 3}
	rule(small, "error.trade.gate.min_group", "groups of at least 3")
	notAgg := in
	notAgg.Declaration = &pubdata.ProductDeclaration{MinGroupSize: 10}
	rule(notAgg, "error.trade.gate.no_declaration", "aggregates only")
}
