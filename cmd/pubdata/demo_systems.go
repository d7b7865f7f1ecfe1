package main

import (
	"context"
	"fmt"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// demoSystem is an information system of the demo's systems register (H4).
type demoSystem struct {
	Org, Name, Owner, Kind, Description string
	// Skip are the codes of the unit's published entries the system does not list (the
	// system lists the others).
	Skip map[string]bool
	// G8: the protection level the system is filed at, with its filing number and date
	// ("" not filed: a finding in supervision).
	Level           int
	Filing, FiledOn string
}

// demoSystems connect some units' published entries, so that the board of unconnected
// entries shows both states: the provincial market regulator and public security fully
// connected, Fuzhou's market regulator with one entry left out, the other units with none.
var demoSystems = []demoSystem{
	{Org: "350000-scjgj", Name: "福建省市场主体登记系统", Owner: "陈明", Kind: pubdata.SystemFeeds,
		Description: "市场主体登记、年报和信用监管的业务系统，每日向平台归集。", Level: 3, Filing: "35000013001-21001", FiledOn: "2024-05-20"},
	{Org: "350000-gat", Name: "公安数据共享交换前置系统", Owner: "林涛", Kind: pubdata.SystemBoth,
		Description: "向平台提供人口和证件信息，并使用平台的市场主体数据。", Level: 3, Filing: "35000013001-19007", FiledOn: "2023-11-08"},
	{Org: "350100-scjgj", Name: "福州市市场监管综合业务系统", Owner: "黄丽", Kind: pubdata.SystemFeeds,
		Description: "福州市市场监管业务数据的来源系统。", Skip: map[string]bool{"352001/00004": true}, Level: 2},
}

// demoOfficers are the units' security officers (G8); the other units name none, so that
// supervision shows the finding.
var demoOfficers = [][2]string{{"350000-scjgj", "scjg-admin"}, {"350000-gat", "gat-reviewer"}}

// createDemoSystems registers the demo systems a unit does not have yet (by name), as the
// unit's editor where the demo has one. ctx carries the system actor.
func createDemoSystems(ctx context.Context, a *app) error {
	svc := sqlstore.NewSystemService(a.db)
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	for _, d := range demoSystems {
		have, err := svc.FindSystems(ctx, d.Org)
		if err != nil {
			return err
		}
		exists := false
		for _, s := range have {
			exists = exists || s.Name == d.Name
		}
		if exists {
			continue
		}
		es, _, _, err := a.entries.FindEntries(ctx, pubdata.EntryFilter{Org: d.Org, Status: pubdata.StatusPublished, Limit: pubdata.MaxLimit})
		if err != nil {
			return err
		}
		sys := &pubdata.InformationSystem{Org: d.Org, Name: d.Name, Owner: d.Owner, Kind: d.Kind, Description: d.Description,
			ProtectionLevel: d.Level, FilingNumber: d.Filing, FiledOn: d.FiledOn}
		for _, e := range es {
			if !d.Skip[e.Code] {
				sys.Entries = append(sys.Entries, e.ID)
			}
		}
		actx, err := actors.as(demoEditors[d.Org])
		if err != nil {
			return err
		}
		if _, err := svc.CreateSystem(actx, sys); err != nil {
			return fmt.Errorf("system %s: %w", d.Name, err)
		}
	}
	officers := sqlstore.NewOrgService(a.db, a.divisions)
	for _, ou := range demoOfficers {
		org, user := ou[0], ou[1]
		o, err := a.orgs.FindOrgByCode(ctx, org)
		if err != nil {
			return err
		}
		if o.SecurityOfficer != "" {
			continue
		}
		if _, err := officers.SetSecurityOfficer(ctx, org, user); err != nil {
			return fmt.Errorf("security officer of %s: %w", org, err)
		}
	}
	return nil
}
