package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/sqlstore"
)

// The demo's trading (issue 16 item 5): the platform authority's model contract; the
// developer 闽数科技 lists its table product (the gate measures it), the Fuzhou authority
// registers it, and 榕城味道餐饮 buys it under the model contract, which the seller agrees to,
// so that the marketplace shows a listed product with a buyer.

// createDemoTrading creates the demo's model contract, listing and contract once (when no
// model contract exists). ctx carries the system actor.
func createDemoTrading(ctx context.Context, a *app) error {
	trade := sqlstore.NewTradeService(a.db)
	if ms, err := trade.ModelContracts(ctx, true); err != nil || len(ms) > 0 {
		return err
	}
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	admin, err := actors.as("fj-admin")
	if err != nil {
		return err
	}
	m, err := trade.SaveModelContract(admin, &pubdata.ModelContract{Code: "product-licence", Title: "数据产品使用许可示范合同",
		Parties: "卖方：在本平台登记并挂牌数据产品的开发主体；买方：经合同取得数据产品使用权的单位或个人；登记机构：平台主管部门。",
		Scope:   "买方在本单位内部使用数据产品，用于合同载明的用途；不得超出用途、期限使用。",
		Purpose: "合同载明的具体用途（如统计分析、研究、模型训练）。", MaxMonths: 12, NoReidentification: true, OnwardTransfer: pubdata.OnwardForbidden,
		Clauses: "买方应采取与数据产品相适应的安全保护措施；发生数据安全事件应立即告知卖方和登记机构；合同终止后应删除数据产品及其副本。"})
	if err != nil {
		return fmt.Errorf("model contract: %w", err)
	}
	products, err := a.products.Products(ctx, pubdata.ProductFilter{OrgID: "350102-mskj", Limit: 10})
	if err != nil || len(products) == 0 {
		return err
	}
	var product *pubdata.Product
	for _, p := range products {
		if p.Kind == pubdata.ProductTable && p.ContentRef != "" {
			product = p
		}
	}
	if product == nil {
		return nil
	}
	srv := &web.Server{Orgs: a.orgs, Entries: a.entries, Data: a.data, Reads: access.New(a.rows).WithBlobs(a.fileStore()), Products: a.products,
		Trade: trade, TradeSettings: a.cfg.TradeSettings(), Extracts: a.extracts, Licenses: sqlstore.NewLicenseService(a.db), Divisions: division.Default(), Now: time.Now}
	seller, err := actors.as("mskj-dev")
	if err != nil {
		return err
	}
	l, err := srv.ListProduct(seller, &pubdata.ListingCreate{Product: product.ID, Licence: "CC-BY-4.0", PriceModel: pubdata.PriceSubscription, Price: "12000 元/年",
		Description: "按成立日期和登记状态泛化的企业登记分布表，可用于区域营商环境分析。", ModelContract: m.ID})
	if err != nil {
		return fmt.Errorf("listing: %w", err)
	}
	registrar, err := actors.as("fz-admin")
	if err != nil {
		return err
	}
	if l, err = srv.RegisterListing(registrar, l.ID, &pubdata.RegistrationDecision{Decision: "approve"}); err != nil {
		return fmt.Errorf("registration: %w", err)
	}
	buyer, err := actors.as("rcwd-admin")
	if err != nil {
		return err
	}
	until := time.Now().In(pubdata.ChinaTime).AddDate(0, 6, 0).Format(pubdata.DateFormat)
	c, err := trade.CreateContract(buyer, l.ID, &pubdata.ContractCreate{Purpose: "分析餐饮行业所在区域的企业成立趋势，用于选址研究", Until: until, Accept: true})
	if err != nil {
		return fmt.Errorf("contract: %w", err)
	}
	if _, err := trade.DecideContract(seller, c.ID, &pubdata.ContractDecision{Decision: "agree"}); err != nil {
		return fmt.Errorf("agreement: %w", err)
	}
	return nil
}
