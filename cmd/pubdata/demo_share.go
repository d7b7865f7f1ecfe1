package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pubdata/pubdata"
)

// demoApplication is an application of the demo and the state it is taken to.
type demoApplication struct {
	Applicant, Entry string // username; resource code of a published demo entry
	Kind             pubdata.ApplicationKind
	Items            []string
	Purpose, Basis   string
	// State: pending, approved, rejected, disputed or overdue (pending past its due time).
	State   string
	Decider string                       // the provider's reviewer who answers
	Scope   *pubdata.ApplicationDecision // of an approval (nil: as asked)
}

const (
	demoRejectReason = "申请用途与申请单位法定职责关联不足，且未说明所需字段的必要性。"
	demoRejectBasis  = "《福建省大数据发展条例》第二十六条：按照最小必要原则共享数据。"
)

// demoApplications give every page of sharing something to show: the public security
// department (gat-reviewer) and the market regulator (scjg-reviewer) have incoming
// applications; the provincial authority (fj-reviewer) a dispute and an overdue one.
var demoApplications = []demoApplication{
	{Applicant: "scjg-member", Entry: "101001/00001", Kind: pubdata.KindShare, Items: []string{"resident_id", "name", "address"},
		Purpose: "核验企业登记住所与投资人户籍地址的一致性", Basis: "《中华人民共和国市场主体登记管理条例》第十七条", State: "pending", Decider: "gat-reviewer"},
	{Applicant: "scjg-member", Entry: "101001/00001", Kind: pubdata.KindShare, Items: []string{"resident_id", "name", "birth_date"},
		Purpose: "企业开办登记时核验投资人身份", Basis: "《中华人民共和国市场主体登记管理条例》第十三条", State: "approved", Decider: "gat-reviewer",
		Scope: &pubdata.ApplicationDecision{Decision: "approve", ClearItems: []string{"name"}, Reason: "用途明确，符合最小必要原则。"}},
	{Applicant: "scjg-member", Entry: "301001/00001", Kind: pubdata.KindShare, Items: []string{"licence_no", "name", "status", "points"},
		Purpose: "核查网约车平台企业驾驶员资质", Basis: "《网络预约出租汽车经营服务管理暂行办法》", State: "rejected", Decider: "gat-reviewer"},
	{Applicant: "scjg-member", Entry: "101001/00003", Kind: pubdata.KindShare, Items: []string{"record_no", "name", "to_address"},
		Purpose: "核验个体工商户经营者住所变更", Basis: "《促进个体工商户发展条例》第十条", State: "disputed", Decider: "gat-reviewer"},
	{Applicant: "gat-member", Entry: "102001/00001", Kind: pubdata.KindShare, Items: []string{"uscc", "name", "legal_representative", "legal_representative_id"},
		Purpose: "核查涉案企业法定代表人身份", Basis: "《中华人民共和国刑事诉讼法》第五十四条", State: "overdue", Decider: "scjg-reviewer"},
	{Applicant: "gat-member", Entry: "102001/00002", Kind: pubdata.KindShare,
		Purpose: "辖区个体工商户治安管理", Basis: "《中华人民共和国治安管理处罚法》", State: "pending", Decider: "scjg-reviewer"},
	{Applicant: "mskj-admin", Entry: "102001/00001", Kind: pubdata.KindOpen, Items: []string{"uscc", "name", "registered_capital"},
		Purpose: "开发企业信用查询产品", Basis: "已签订数据使用协议", State: "approved", Decider: "scjg-reviewer"},
	{Applicant: "citizen", Entry: "102001/00002", Kind: pubdata.KindOpen,
		Purpose: "核实个体工商户的经营资质", Basis: "消费维权需要", State: "pending", Decider: "scjg-reviewer"},
}

// createDemoApplications creates the demo applications that are not there yet (an
// applicant's application for the entry with the same purpose) and takes each to its state
// through the service, so the record and the notifications have them. It returns how many
// it created. ctx carries the system actor.
func createDemoApplications(ctx context.Context, a *app) (int, error) {
	actors := map[string]context.Context{}
	as := func(username string) (context.Context, error) {
		if c, ok := actors[username]; ok {
			return c, nil
		}
		u, err := a.users.FindUserByUsername(ctx, username)
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", username, err)
		}
		actor := &pubdata.Actor{User: u}
		if u.OrgCode != "" {
			if actor.Org, err = a.orgs.FindOrgByCode(ctx, u.OrgCode); err != nil {
				return nil, fmt.Errorf("organisation of demo user %s: %w", username, err)
			}
		}
		actors[username] = pubdata.NewContextWithActor(ctx, actor)
		return actors[username], nil
	}
	now := time.Now()
	until := now.In(pubdata.ChinaTime).AddDate(0, 6, 0).Format(pubdata.DateFormat)
	created := 0
	for _, d := range demoApplications {
		e, err := a.entries.FindPublishedEntry(ctx, d.Entry)
		if err != nil {
			return created, fmt.Errorf("entry %s: %w", d.Entry, err)
		}
		mine, _, _, err := a.applications.FindApplications(ctx, pubdata.ApplicationFilter{Applicant: d.Applicant, Limit: pubdata.MaxLimit})
		if err != nil {
			return created, err
		}
		exists := false
		for _, x := range mine {
			exists = exists || (x.Entry == e.ID && x.Purpose == d.Purpose)
		}
		if exists {
			continue
		}
		applicant, err := as(d.Applicant)
		if err != nil {
			return created, err
		}
		if d.State == "overdue" {
			// Received two weeks ago and unanswered: the store counts its due date from then.
			a.db.Now = func() time.Time { return now.AddDate(0, 0, -14) }
		}
		app, err := a.applications.CreateApplication(applicant, e, &pubdata.ApplicationCreate{
			Entry: e.ID, Kind: d.Kind, Items: d.Items, Purpose: d.Purpose, Basis: d.Basis, Until: until, AcceptTerms: true})
		a.db.Now = time.Now
		if err != nil {
			return created, fmt.Errorf("application of %s for %s: %w", d.Applicant, d.Entry, err)
		}
		created++
		decider, err := as(d.Decider)
		if err != nil {
			return created, err
		}
		reject := &pubdata.ApplicationDecision{Decision: "reject", Reason: demoRejectReason, Basis: demoRejectBasis}
		switch d.State {
		case "approved":
			scope := d.Scope
			if scope == nil {
				scope = &pubdata.ApplicationDecision{Decision: "approve", Reason: "符合开放条件。"}
			}
			_, err = a.applications.DecideApplication(decider, app.ID, scope)
		case "rejected":
			_, err = a.applications.DecideApplication(decider, app.ID, reject)
		case "disputed":
			if _, err = a.applications.DecideApplication(decider, app.ID, reject); err == nil {
				_, err = a.applications.DisputeApplication(applicant, app.ID, "申请事项属于本单位市场主体登记监管法定职责，所需字段均为核验住所变更所必需。")
			}
		case "overdue":
			_, err = a.applications.MarkOverdue(ctx, now)
		}
		if err != nil {
			return created, fmt.Errorf("application of %s for %s (%s): %w", d.Applicant, d.Entry, d.State, err)
		}
	}
	return created, nil
}
