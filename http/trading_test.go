package http

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/sqlstore"
)

// Trading (issue 16 item 5) through the API: the gate, registration, contract, delivery as a
// grant read through the one read path, the trace, and the forbidden cases.

// safeCSV has k = 10 over (district, age_band): prosecutor risk 0.1.
func safeCSV() string {
	var b strings.Builder
	b.WriteString("district,age_band,income\n")
	for i := 0; i < 10; i++ {
		b.WriteString("350102,30-39,高\n350203,40-49,低\n")
	}
	return b.String()
}

// riskyCSV has unique quasi-identifiers: k = 1, risk 1.
const riskyCSV = "district,age_band,income\n350102,31,高\n350103,32,低\n350104,33,中\n350105,34,高\n350106,35,低\n"

// tradeEnv is an env with the trade services, a developer company fz-dev (350100) with an
// editor and a member, a buyer company xm-buy with an admin, and a shared table of fj-gat.
type tradeEnv struct {
	*env
	blobs *blob.Dir
	entry *pubdata.Entry
	space *pubdata.DevSpace
}

func newTradeEnv(t *testing.T) *tradeEnv {
	dir := t.TempDir()
	e := newEnvWith(t, func(s *Server) {
		s.Reads = s.Reads.WithBlobs(blob.New(dir))
	})
	e.srv.Trade = sqlstore.NewTradeService(e.db)
	e.srv.Products = sqlstore.NewProductService(e.db)
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	for _, o := range []*pubdata.Org{
		{Code: "fz-dev", Name: "福州数据开发有限公司", Kind: pubdata.KindCompany, Division: "350100"},
		{Code: "xm-buy", Name: "厦门数据应用有限公司", Kind: pubdata.KindCompany, Division: "350200"},
	} {
		if err := e.srv.Orgs.CreateOrg(system, o); err != nil {
			t.Fatal(err)
		}
	}
	e.addUser("dev-editor", "fz-dev", pubdata.RoleEditor)
	e.addUser("dev-member", "fz-dev", pubdata.RoleMember)
	e.addUser("buy-admin", "xm-buy", pubdata.RoleAdmin)
	te := &tradeEnv{env: e, blobs: blob.New(dir)}
	te.entry = e.accessTable("人口统计", pubdata.ClassUnconditional, pubdata.ClassConditional)
	spaces := sqlstore.NewDevSpaceService(e.db)
	today := pubdata.Today(e.clock())
	sp, err := spaces.ApplyForSpace(e.actorCtx("dev-editor"), &pubdata.DevSpaceApplication{Title: "人口结构分析", Purpose: "区域人口结构研究", Outputs: "匿名化统计表",
		Entries: []string{te.entry.ID}, StartsOn: today, EndsOn: addDays(today, 300)})
	if err != nil {
		t.Fatal(err)
	}
	if te.space, err = spaces.DecideSpace(e.actorCtx(cityAdmin), sp.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	return te
}

func addDays(date string, n int) string {
	d, _ := time.Parse(pubdata.DateFormat, date)
	return d.AddDate(0, 0, n).Format(pubdata.DateFormat)
}

// product registers a table product of the space whose content is csv, with the
// quasi-identifiers district and age_band.
func (te *tradeEnv) product(title, csv string) *pubdata.Product {
	te.t.Helper()
	sp, err := te.blobs.Spool(strings.NewReader(csv))
	if err != nil {
		te.t.Fatal(err)
	}
	if err := sp.Keep(); err != nil {
		te.t.Fatal(err)
	}
	cfg, _ := json.Marshal(pubdata.SpaceRunConfig{K: 5, QuasiIdentifiers: []pubdata.ProductHierarchy{{Column: "district", Spec: "division"}, {Column: "age_band", Spec: "number:10"}}})
	report := `{"rows":20,"released":20,"levels":{"district":0,"age_band":1},"heights":{"district":3,"age_band":4},"metric":"loss","loss":0.2,"prosecutor":{"highest":0.1,"average":0.1}}`
	rows := int64(strings.Count(csv, "\n") - 1)
	ctx := te.actorCtx("dev-editor")
	run, err := sqlstore.NewDevSpaceService(te.db).AddSpaceRun(ctx, &pubdata.DevSpaceRun{SpaceID: te.space.ID, EntryID: te.entry.ID, Kind: pubdata.SpaceUseAnonymise,
		Config: cfg, Report: json.RawMessage(report), Blob: sp.Key, SHA256: sp.SHA256, SM3: sp.SM3, Size: sp.Size, Rows: rows, EntryVersion: 1})
	if err != nil {
		te.t.Fatal(err)
	}
	p, err := te.srv.Products.(*sqlstore.ProductService).CreateProduct(ctx, &pubdata.ProductRegistration{SpaceID: te.space.ID, Title: title, Kind: pubdata.ProductTable, RunID: run.ID}, "福建省公共数据平台")
	if err != nil {
		te.t.Fatal(err)
	}
	return p
}

// modelContract saves a model contract as the platform authority's admin.
func (te *tradeEnv) modelContract() *pubdata.ModelContract {
	te.t.Helper()
	body := map[string]any{"code": "product-licence", "title": "数据产品使用许可示范合同", "parties": "卖方与买方", "scope": "买方内部使用", "purpose": "约定用途",
		"max_months": 12, "no_reidentification": true, "onward_transfer": "forbidden", "clauses": "不得再识别。"}
	w := te.do(req{method: "POST", path: "/api/v1/model-contracts", as: authAdmin, body: body})
	if w.Code != http.StatusCreated {
		te.t.Fatalf("model contract: %d %s", w.Code, w.Body)
	}
	return decode[*pubdata.ModelContract](te.t, w)
}

func TestTradeRiskAboveThresholdCannotBeListed(t *testing.T) {
	te := newTradeEnv(t)
	m := te.modelContract()
	p := te.product("逐户收入表", riskyCSV)
	w := te.do(req{method: "POST", path: "/api/v1/listings", as: "dev-editor", body: map[string]any{"product": p.ID, "licence": "CC-BY-4.0", "price_model": "free", "model_contract": m.ID}})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if body := w.Body.String(); !strings.Contains(body, "re-identification risk (prosecutor model) is 1,") || !strings.Contains(body, "threshold 0.2") {
		t.Fatalf("the refusal does not name the risk and the threshold: %s", body)
	}
	// In Chinese too.
	w = te.do(req{method: "POST", path: "/api/v1/listings?lang=zh-CN", as: "dev-editor", body: map[string]any{"product": p.ID, "licence": "CC-BY-4.0", "price_model": "free", "model_contract": m.ID}})
	if body := w.Body.String(); !strings.Contains(body, "1") || !strings.Contains(body, "0.2") || !strings.Contains(body, "重识别风险") {
		t.Fatalf("Chinese refusal: %s", body)
	}
	if list := decode[struct{ Total int }](t, te.do(req{path: "/api/v1/listings?role=mine", as: "dev-editor"})); list.Total != 0 {
		t.Fatalf("a refused product was listed: %d", list.Total)
	}
	// The gate read the content through the read path (recorded).
	if evs := te.srvEvents("product:" + p.ID); !hasAction(evs, "product.read") {
		t.Fatalf("the gate's read is not recorded: %+v", evs)
	}
}

func hasAction(evs []*pubdata.Event, action string) bool {
	for _, e := range evs {
		if e.Action == action {
			return true
		}
	}
	return false
}

func TestTradeFlowAndForbidden(t *testing.T) {
	te := newTradeEnv(t)
	// Only the platform authority's admin writes model contracts.
	for _, as := range []string{pbAdmin, cityAdmin, "dev-editor"} {
		wantError(t, te.do(req{method: "POST", path: "/api/v1/model-contracts", as: as, body: map[string]any{"title": "x"}}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	m := te.modelContract()
	p := te.product("区县年龄段收入分布", safeCSV())
	listing := map[string]any{"product": p.ID, "licence": "CC-BY-4.0", "price_model": "fixed", "price": "1000 元/年", "model_contract": m.ID, "description": "按区县、年龄段"}
	// A buyer cannot list another's product; nor can the seller's member; nor anonymous.
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings", as: "buy-admin", body: listing}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings", as: "dev-member", body: listing}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings", body: listing}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	w := te.do(req{method: "POST", path: "/api/v1/listings", as: "dev-editor", body: listing})
	if w.Code != http.StatusCreated {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	l := decode[*pubdata.Listing](t, w)
	if l.Status != pubdata.ListingPending || l.Gate.K != 10 || l.Gate.Risk != 0.1 || !l.Gate.Passed || l.Gate.Threshold != 0.2 || len(l.Sources) != 1 ||
		l.Sources[0].Entry != te.entry.ID || l.Sources[0].ProviderName != "福建省公安厅" || l.Sources[0].NonPublic || !strings.Contains(l.Method, "k-anonymity k=5") || l.Label == "" {
		t.Fatalf("listing %+v", l)
	}
	// Pending: not on the marketplace, not visible to others.
	if list := decode[struct{ Total int }](t, te.do(req{path: "/api/v1/listings"})); list.Total != 0 {
		t.Fatal("a pending listing is on the marketplace")
	}
	wantError(t, te.do(req{path: "/api/v1/listings/" + l.ID, as: "buy-admin"}), http.StatusNotFound, pubdata.ENOTFOUND)
	// The seller cannot register its own listing; an authority elsewhere cannot either.
	reg := map[string]any{"decision": "approve"}
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/register", as: "dev-editor", body: reg}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/register", as: authMember, body: reg}), http.StatusForbidden, pubdata.EFORBIDDEN)
	// A buyer cannot buy before registration.
	buy := map[string]any{"purpose": "区域消费研究", "until": addDays(pubdata.Today(te.clock()), 90), "accept": true}
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/contracts", as: "buy-admin", body: buy}), http.StatusNotFound, pubdata.ENOTFOUND)
	w = te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/register", as: cityAdmin, body: reg})
	if w.Code != http.StatusOK {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	l = decode[*pubdata.Listing](t, w)
	if l.Status != pubdata.ListingListed || l.Registration == nil || !strings.HasPrefix(l.Registration.Number, "SJDJ-350100-") {
		t.Fatalf("registered %+v", l)
	}
	if list := decode[struct{ Total int }](t, te.do(req{path: "/api/v1/listings"})); list.Total != 1 {
		t.Fatal("the registered listing is not on the marketplace")
	}
	if c := decode[map[string]any](t, te.do(req{path: "/api/v1/registrations/" + l.Registration.Number})); c["listing"] != l.ID {
		t.Fatalf("registration lookup %+v", c)
	}
	// Buying: the seller cannot buy its own; the clauses must be accepted.
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/contracts", as: "dev-editor", body: buy}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/contracts", as: "buy-admin", body: map[string]any{"purpose": "x", "until": buy["until"]}}), http.StatusBadRequest, pubdata.EINVALID)
	w = te.do(req{method: "POST", path: "/api/v1/listings/" + l.ID + "/contracts", as: "buy-admin", body: buy})
	if w.Code != http.StatusCreated {
		t.Fatalf("contract: %d %s", w.Code, w.Body)
	}
	c := decode[*pubdata.Contract](t, w)
	// The buyer cannot agree for the seller; no delivery, no content.
	wantError(t, te.do(req{method: "POST", path: "/api/v1/contracts/" + c.ID + "/decide", as: "buy-admin", body: map[string]any{"decision": "agree"}}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, te.do(req{method: "POST", path: "/api/v1/contracts/" + c.ID + "/decide", as: citizen, body: map[string]any{"decision": "agree"}}), http.StatusNotFound, pubdata.ENOTFOUND)
	if ds := decode[struct{ Items []*pubdata.Grant }](t, te.do(req{path: "/api/v1/deliveries", as: "buy-admin"})); len(ds.Items) != 0 {
		t.Fatal("a delivery before the seller agreed")
	}
	w = te.do(req{method: "POST", path: "/api/v1/contracts/" + c.ID + "/decide", as: "dev-editor", body: map[string]any{"decision": "agree"}})
	if w.Code != http.StatusOK {
		t.Fatalf("agree: %d %s", w.Code, w.Body)
	}
	c = decode[*pubdata.Contract](t, w)
	if c.Status != pubdata.ContractAgreed || c.Delivery == "" {
		t.Fatalf("agreed %+v", c)
	}
	// The buyer reads the product under its delivery; anybody else is refused.
	w = te.do(req{path: "/api/v1/deliveries/" + c.Delivery + "/content", as: "buy-admin"})
	if w.Code != http.StatusOK || w.Body.String() != safeCSV() {
		t.Fatalf("download: %d %.200s", w.Code, w.Body)
	}
	wantError(t, te.do(req{path: "/api/v1/deliveries/" + c.Delivery + "/content", as: citizen}), http.StatusForbidden, pubdata.EFORBIDDEN)
	wantError(t, te.do(req{path: "/api/v1/deliveries/" + c.Delivery + "/content", as: pbMember}), http.StatusForbidden, pubdata.EFORBIDDEN)
	// Traceable: product → buyers (the seller, the authority), entry → products and buyers
	// (the provider); nobody else.
	tr := decode[*pubdata.TradeTrace](t, te.do(req{path: "/api/v1/products/" + p.ID + "/trades", as: "dev-editor"}))
	if len(tr.Contracts) != 1 || tr.Contracts[0].Buyer != "xm-buy" {
		t.Fatalf("product trades %+v", tr)
	}
	wantError(t, te.do(req{path: "/api/v1/products/" + p.ID + "/trades", as: "buy-admin"}), http.StatusForbidden, pubdata.EFORBIDDEN)
	tr = decode[*pubdata.TradeTrace](t, te.do(req{path: "/api/v1/entries/" + te.entry.ID + "/trades", as: pbEditor}))
	if len(tr.Listings) != 1 || len(tr.Contracts) != 1 || tr.Contracts[0].BuyerName != "厦门数据应用有限公司" {
		t.Fatalf("entry trades %+v", tr)
	}
	wantError(t, te.do(req{path: "/api/v1/entries/" + te.entry.ID + "/trades", as: "buy-admin"}), http.StatusForbidden, pubdata.EFORBIDDEN)
	// Every step is on the record.
	for object, action := range map[string]string{"listing:" + l.ID: "listing.register", "contract:" + c.ID: "contract.agree", "delivery:" + c.Delivery: "trade.deliver"} {
		if !hasAction(te.srvEvents(object), action) {
			t.Fatalf("%s not recorded for %s", action, object)
		}
	}
	reads := 0
	for _, ev := range te.srvEvents("product:" + p.ID) {
		if ev.Action == "product.read" && ev.Details["delivery"] == c.Delivery {
			reads++
		}
	}
	if reads != 1 {
		t.Fatalf("the buyer's download recorded %d times", reads)
	}
}

// TestTradePages walks the marketplace and the console's trading pages in both languages:
// listing through the console form, registration from the queue, buying through the
// contract form, agreement, and the buyer's download link.
func TestTradePages(t *testing.T) {
	te := newTradeEnv(t)
	m := te.modelContract()
	p := te.product("区县年龄段收入分布", safeCSV())
	seller, auth, buyer, admin := te.login("dev-editor"), te.login(cityAdmin), te.login("buy-admin"), te.login(authAdmin)
	check := func(w *httptest.ResponseRecorder, want int, what string) string {
		t.Helper()
		if w.Code != want {
			t.Fatalf("%s: %d %.400s", what, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "⟦missing") {
			t.Fatalf("%s: a message is missing: %s", what, w.Body)
		}
		return w.Body.String()
	}
	for _, lang := range []string{"zh-CN", "en"} {
		check(te.page("GET", "/console/trading/model-contracts", admin, lang, nil), http.StatusOK, "model contracts")
		check(te.page("GET", "/console/trading", seller, lang, nil), http.StatusOK, "seller's trading page")
		check(te.page("GET", "/market", nil, lang, nil), http.StatusOK, "marketplace")
	}
	// The model contract form refuses dropping the re-identification clause.
	body := check(te.page("POST", "/console/trading/model-contracts", admin, "en", url.Values{"title": {"x"}, "parties": {"a"}, "scope": {"b"}, "purpose": {"c"}, "max_months": {"6"}, "onward_transfer": {"forbidden"}}), http.StatusUnprocessableEntity, "model form")
	if !strings.Contains(body, "re-identifying") {
		t.Fatalf("the form does not name the clause: %s", body)
	}
	// The seller lists through the form; the authority registers from its queue.
	if w := te.page("POST", "/console/trading/listings", seller, "", url.Values{"product": {p.ID}, "licence": {"CC-BY-4.0"}, "price_model": {"free"}, "model_contract": {m.ID}}); w.Code != http.StatusSeeOther {
		t.Fatalf("list form: %d %s", w.Code, w.Body)
	}
	l := decode[struct{ Items []*pubdata.Listing }](t, te.do(req{path: "/api/v1/listings?role=mine", as: "dev-editor"})).Items[0]
	body = check(te.page("GET", "/console/trading", auth, "zh-CN", nil), http.StatusOK, "authority's queue")
	if !strings.Contains(body, `id="register-`+l.ID+`"`) {
		t.Fatalf("the queue does not offer the listing: %s", body)
	}
	if w := te.page("POST", "/console/trading/listings/"+l.ID+"/register", auth, "", url.Values{"decision": {"approve"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("register form: %d %s", w.Code, w.Body)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		body = check(te.page("GET", "/market/"+l.ID, nil, lang, nil), http.StatusOK, "product page")
		if !strings.Contains(body, "SJDJ-350100-") || !strings.Contains(body, p.Label.Source) {
			t.Fatalf("the product page lacks the registration or the label: %s", body)
		}
		check(te.page("GET", "/market/"+l.ID+"/buy", buyer, lang, nil), http.StatusOK, "contract form")
	}
	if w := te.page("GET", "/market/"+l.ID+"/buy", seller, "", nil); w.Code != http.StatusForbidden {
		t.Fatalf("the seller's contract form: %d", w.Code)
	}
	// The contract form: acceptance required, then signed.
	until := addDays(pubdata.Today(te.clock()), 60)
	check(te.page("POST", "/market/"+l.ID+"/buy", buyer, "en", url.Values{"purpose": {"研究"}, "until": {until}}), http.StatusUnprocessableEntity, "contract form without acceptance")
	w := te.page("POST", "/market/"+l.ID+"/buy", buyer, "", url.Values{"purpose": {"区域消费研究"}, "until": {until}, "accept": {"1"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("buy: %d %s", w.Code, w.Body)
	}
	contractURL := w.Header().Get("Location")
	cid := strings.TrimPrefix(strings.Split(contractURL, "?")[0], "/market-contracts/")
	check(te.page("GET", contractURL, buyer, "zh-CN", nil), http.StatusOK, "buyer's contract page")
	body = check(te.page("GET", "/console/trading/contracts/"+cid, seller, "en", nil), http.StatusOK, "seller's contract page")
	if !strings.Contains(body, `id="contract-agree"`) {
		t.Fatal("the seller is not offered the agreement")
	}
	if w := te.page("POST", "/console/trading/contracts/"+cid+"/decide", seller, "", url.Values{"decision": {"agree"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("agree form: %d %s", w.Code, w.Body)
	}
	body = check(te.page("GET", "/market-contracts/"+cid, buyer, "en", nil), http.StatusOK, "delivered contract")
	if !strings.Contains(body, `id="delivery-download"`) {
		t.Fatalf("no download for the buyer: %s", body)
	}
	// Others do not see the contract.
	if w := te.page("GET", "/market-contracts/"+cid, te.login(citizen), "", nil); w.Code != http.StatusNotFound {
		t.Fatalf("another's contract page: %d", w.Code)
	}
	body = check(te.page("GET", "/market/"+l.ID, seller, "zh-CN", nil), http.StatusOK, "seller's product page")
	if !strings.Contains(body, `id="listing-buyers"`) || !strings.Contains(body, "厦门数据应用有限公司") {
		t.Fatalf("the seller does not see its buyers: %s", body)
	}
}
