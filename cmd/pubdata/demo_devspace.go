package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// The demo's tiered development (issue 16 items 3 and 4): 福建省大数据集团 is the
// first-level operator; 闽数科技 (mskj-dev) has an approved space on the company and
// individual business registers and the population table (the public security department approved its conditional
// entry), with an anonymiser run and the table product registered from it, and a second
// application waiting in the authority's queue.

const (
	demoSpaceTitle   = "企业信用画像开发"
	demoPendingTitle = "个体工商户经营活跃度分析"
	demoOperator     = "350000-dsjjt"
)

// createDemoDevSpaces creates the demo spaces when the developer has none. ctx carries the
// system actor.
func createDemoDevSpaces(ctx context.Context, a *app) error {
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	dev, err := actors.as("mskj-dev")
	if err != nil {
		return err
	}
	if mine, err := a.devspaces.Spaces(ctx, pubdata.DevSpaceFilter{Org: "350102-mskj"}); err != nil || len(mine) > 0 {
		return err
	}
	if err := a.devspaces.DesignateOperator(ctx, demoOperator); err != nil {
		return fmt.Errorf("operator: %w", err)
	}
	company, err := a.entries.FindPublishedEntry(ctx, "102001/00001")
	if err != nil {
		return fmt.Errorf("entry 102001/00001: %w", err)
	}
	traders, err := a.entries.FindPublishedEntry(ctx, "102001/00002")
	if err != nil {
		return fmt.Errorf("entry 102001/00002: %w", err)
	}
	people, err := a.entries.FindPublishedEntry(ctx, "101001/00001")
	if err != nil {
		return fmt.Errorf("entry 101001/00001: %w", err)
	}
	today := pubdata.Today(time.Now())
	end := time.Now().In(pubdata.ChinaTime).AddDate(0, 6, 0).Format(pubdata.DateFormat)
	sp, err := a.devspaces.ApplyForSpace(dev, &pubdata.DevSpaceApplication{Title: demoSpaceTitle,
		Scenario: "为金融机构提供小微企业信用评估的基础画像", Purpose: "研发企业信用评估模型，输出不可识别个人的企业画像表",
		Outputs: "匿名化企业画像表；信用评分模型输出", Entries: []string{company.ID, traders.ID, people.ID}, StartsOn: today, EndsOn: end, ReportEvery: pubdata.ReportMonthly})
	if err != nil {
		return fmt.Errorf("application: %w", err)
	}
	gat, err := actors.as("gat-reviewer")
	if err != nil {
		return err
	}
	if _, err := a.devspaces.DecideSpaceEntry(gat, sp.ID, people.ID, true, "仅用于匿名化后的统计建模"); err != nil {
		return fmt.Errorf("provider's decision: %w", err)
	}
	auth, err := actors.as("fj-reviewer")
	if err != nil {
		return err
	}
	if sp, err = a.devspaces.DecideSpace(auth, sp.ID, true, "场景明确，产出为匿名化数据，同意开展开发利用。"); err != nil {
		return fmt.Errorf("decision: %w", err)
	}
	// The anonymiser inside the space, as the web layer runs it, and its table product.
	srv := &web.Server{Entries: a.entries, Data: a.data, Reads: access.New(a.rows), DevSpaces: a.devspaces, Products: a.products,
		FileStore: a.fileStore(), MaskPolicies: sqlstore.NewMaskPolicyService(a.db), Privacy: sqlstore.NewPrivacyService(a.db), Now: time.Now}
	r, err := http.NewRequestWithContext(dev, http.MethodPost, "/devspaces/"+sp.ID+"/anonymise", nil)
	if err != nil {
		return err
	}
	// The smaller table (3,000 rows): the demo loads before serve listens.
	run, err := srv.SpaceAnonymise(r, sp, web.SpaceAnonymiseRequest{Entry: traders.ID, SpaceRunConfig: pubdata.SpaceRunConfig{K: 5, SuppressionLimit: 0.02,
		QuasiIdentifiers: []pubdata.ProductHierarchy{{Column: "registered_on", Spec: "date"}},
		Sensitive:        []pubdata.ProductSensitive{{Column: "address", L: 2, LKind: "distinct"}}}})
	if err != nil {
		return fmt.Errorf("anonymiser: %w", err)
	}
	if _, err := a.products.CreateProduct(dev, &pubdata.ProductRegistration{SpaceID: sp.ID, Title: "福建省个体工商户登记时间与经营场所（匿名化）",
		Description: "按登记日期泛化的个体工商户表，满足 5-匿名和经营场所 2-多样性，不含任何标识符。", Kind: pubdata.ProductTable, RunID: run.ID},
		a.productPlatform()); err != nil {
		return fmt.Errorf("product: %w", err)
	}
	// A second application, waiting for the authority.
	if _, err := a.devspaces.ApplyForSpace(dev, &pubdata.DevSpaceApplication{Title: demoPendingTitle, Purpose: "分析个体工商户的区域分布和经营活跃度",
		Outputs: "区域活跃度统计报告", Entries: []string{"102001/00002"}, StartsOn: today, EndsOn: end, ReportEvery: pubdata.ReportQuarterly}); err != nil {
		return fmt.Errorf("second application: %w", err)
	}
	return nil
}
