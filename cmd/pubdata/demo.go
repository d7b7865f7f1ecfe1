package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/pubdata/pubdata"
)

// DemoPassword is the password of every demo account. The demo is for trying pubdata on a
// laptop; never load it into a platform that holds real data.
const DemoPassword = "pubdata-demo"

// demoOrgs is the demo province: Fujian (350000), whose big-data regulation is among the
// regulations pubdata implements. Parents come before their children.
var demoOrgs = []pubdata.Org{
	{Code: "350000-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"},
	{Code: "350100-dsj", Name: "福州市大数据管理局", Kind: pubdata.KindAuthority, Division: "350100"},
	{Code: "350000-gat", Name: "福建省公安厅", Kind: pubdata.KindPublicBody, Division: "350000"},
	{Code: "350000-scjgj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"},
	{Code: "350000-rst", Name: "福建省人力资源和社会保障厅", Kind: pubdata.KindPublicBody, Division: "350000"},
	{Code: "350000-wjw", Name: "福建省卫生健康委员会", Kind: pubdata.KindPublicBody, Division: "350000"},
	{Code: "350000-jtt", Name: "福建省交通运输厅", Kind: pubdata.KindPublicBody, Division: "350000"},
	{Code: "350000-sthjt", Name: "福建省生态环境厅", Kind: pubdata.KindPublicBody, Division: "350000"},
	{Code: "350100-gaj", Name: "福州市公安局", Kind: pubdata.KindPublicBody, Division: "350100", Parent: "350000-gat"},
	{Code: "350100-scjgj", Name: "福州市市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350100", Parent: "350000-scjgj"},
	{Code: "350102-mskj", Name: "福州闽数科技有限公司", Kind: pubdata.KindCompany, Division: "350102"},
	// A company whose code is its USCC, as a company registered on the portal: it holds
	// the demo's electronic certificates (demo_certs.go).
	{Code: demoHolderUSCC, Name: "福州榕城味道餐饮有限公司", Kind: pubdata.KindCompany, Division: "350102"},
	// The first-level operator of development spaces (demo_devspace.go).
	{Code: demoOperator, Name: "福建省大数据集团有限公司", Kind: pubdata.KindCompany, Division: "350000"},
}

// demoUsers are the demo accounts: one per role in the provincial authority and in the
// market regulation department, an admin of the city authority and of each company, a
// reviewer and a member of the public security department (applications), and a public
// user.
var demoUsers = []pubdata.UserCreate{
	{Username: "fj-admin", DisplayName: "省大数据局管理员", OrgCode: "350000-dsj", Role: pubdata.RoleAdmin},
	{Username: "fj-editor", DisplayName: "省大数据局编辑", OrgCode: "350000-dsj", Role: pubdata.RoleEditor},
	{Username: "fj-reviewer", DisplayName: "省大数据局审核员", OrgCode: "350000-dsj", Role: pubdata.RoleReviewer},
	{Username: "fj-member", DisplayName: "省大数据局成员", OrgCode: "350000-dsj", Role: pubdata.RoleMember},
	{Username: "scjg-admin", DisplayName: "省市场监管局管理员", OrgCode: "350000-scjgj", Role: pubdata.RoleAdmin},
	{Username: "scjg-editor", DisplayName: "省市场监管局编辑", OrgCode: "350000-scjgj", Role: pubdata.RoleEditor},
	{Username: "scjg-reviewer", DisplayName: "省市场监管局审核员", OrgCode: "350000-scjgj", Role: pubdata.RoleReviewer},
	{Username: "scjg-member", DisplayName: "省市场监管局成员", OrgCode: "350000-scjgj", Role: pubdata.RoleMember},
	{Username: "fz-admin", DisplayName: "福州市大数据局管理员", OrgCode: "350100-dsj", Role: pubdata.RoleAdmin},
	{Username: "gat-reviewer", DisplayName: "省公安厅审核员", OrgCode: "350000-gat", Role: pubdata.RoleReviewer},
	{Username: "gat-member", DisplayName: "省公安厅成员", OrgCode: "350000-gat", Role: pubdata.RoleMember},
	{Username: "mskj-admin", DisplayName: "闽数科技管理员", OrgCode: "350102-mskj", Role: pubdata.RoleAdmin},
	{Username: "rcwd-admin", DisplayName: "榕城味道餐饮管理员", OrgCode: demoHolderUSCC, Role: pubdata.RoleAdmin},
	{Username: "citizen", DisplayName: "公众用户"},
	// A citizen whose identity is verified and who holds certificates (demo_certs.go).
	{Username: demoResident, DisplayName: demoResidentName},
	// A second-level developer and the operator's admin (demo_devspace.go).
	{Username: "mskj-dev", DisplayName: "闽数科技开发人员", OrgCode: "350102-mskj", Role: pubdata.RoleEditor},
	{Username: "dsjjt-admin", DisplayName: "大数据集团管理员", OrgCode: demoOperator, Role: pubdata.RoleAdmin},
}

// demoResult counts what loadDemo did.
type demoResult struct {
	OrgsCreated, OrgsExisting       int
	UsersCreated, UsersExisting     int
	EntriesCreated, EntriesExisting int // the demo catalogue (demo_catalog.go)
	// The demo tables (demo_data.go): tables loaded now and tables that had rows already;
	// batches, rows loaded and rows rejected now.
	TablesLoaded, TablesExisting int
	BatchesLoaded                int
	RowsLoaded, RowsRejected     int64
	ApplicationsCreated          int // demo_share.go
	FilesCreated                 int // demo_files.go
	CertificatesIssued           int // demo_certs.go
}

// loadDemo creates the demo organisations and users that are not there yet, through the
// services (so the record has their events), and prints the demo logins to w. Running it
// again creates nothing and does not fail. ctx must carry the system actor.
func loadDemo(ctx context.Context, a *app, w io.Writer) error {
	res, err := createDemo(ctx, a)
	if err != nil {
		return err
	}
	a.logger.Info("demo province loaded",
		"orgs_created", res.OrgsCreated, "orgs_existing", res.OrgsExisting,
		"users_created", res.UsersCreated, "users_existing", res.UsersExisting,
		"entries_created", res.EntriesCreated, "entries_existing", res.EntriesExisting,
		"tables_loaded", res.TablesLoaded, "tables_existing", res.TablesExisting,
		"rows_loaded", res.RowsLoaded, "rows_rejected", res.RowsRejected)
	printDemoLogins(w)
	return nil
}

// createDemo creates the demo province and loads its tables (demo_data.go).
func createDemo(ctx context.Context, a *app) (demoResult, error) {
	res, err := createDemoProvince(ctx, a)
	if err != nil {
		return res, err
	}
	if err := loadDemoData(ctx, a, 1, &res); err != nil {
		return res, fmt.Errorf("data: %w", err)
	}
	if res.ApplicationsCreated, err = createDemoApplications(ctx, a); err != nil {
		return res, fmt.Errorf("applications: %w", err)
	}
	if res.FilesCreated, err = createDemoFiles(ctx, a); err != nil {
		return res, fmt.Errorf("files: %w", err)
	}
	if err := createDemoQuality(ctx, a); err != nil {
		return res, fmt.Errorf("quality: %w", err)
	}
	if err := createDemoSystems(ctx, a); err != nil {
		return res, fmt.Errorf("systems: %w", err)
	}
	if res.CertificatesIssued, err = createDemoCertificates(ctx, a); err != nil {
		return res, fmt.Errorf("certificates: %w", err)
	}
	if err := createDemoHolder(ctx, a); err != nil {
		return res, fmt.Errorf("certificate holder: %w", err)
	}
	if err := createDemoDevSpaces(ctx, a); err != nil {
		return res, fmt.Errorf("development spaces: %w", err)
	}
	if err := createDemoTrading(ctx, a); err != nil {
		return res, fmt.Errorf("trading: %w", err)
	}
	if err := createDemoEvaluation(ctx, a); err != nil { // last: it evaluates what the demo holds
		return res, fmt.Errorf("evaluation: %w", err)
	}
	return res, nil
}

// createDemoProvince creates the organisations, users and catalogue.
func createDemoProvince(ctx context.Context, a *app) (demoResult, error) {
	var res demoResult
	for _, o := range demoOrgs {
		switch _, err := a.orgs.FindOrgByCode(ctx, o.Code); pubdata.ErrorCode(err) {
		case "":
			res.OrgsExisting++
			continue
		case pubdata.ENOTFOUND:
		default:
			return res, fmt.Errorf("organisation %s: %w", o.Code, err)
		}
		switch err := a.orgs.CreateOrg(ctx, &o); pubdata.ErrorCode(err) {
		case "":
			res.OrgsCreated++
		case pubdata.ECONFLICT: // created meanwhile by another process
			res.OrgsExisting++
		default:
			return res, fmt.Errorf("organisation %s: %w", o.Code, err)
		}
	}
	for _, u := range demoUsers {
		switch _, err := a.users.FindUserByUsername(ctx, u.Username); pubdata.ErrorCode(err) {
		case "":
			res.UsersExisting++
			continue
		case pubdata.ENOTFOUND:
		default:
			return res, fmt.Errorf("user %s: %w", u.Username, err)
		}
		u.Password = DemoPassword
		switch _, err := a.users.CreateUser(ctx, &u); pubdata.ErrorCode(err) {
		case "":
			res.UsersCreated++
		case pubdata.ECONFLICT:
			res.UsersExisting++
		default:
			return res, fmt.Errorf("user %s: %w", u.Username, err)
		}
	}
	var err error
	if res.EntriesCreated, res.EntriesExisting, err = createDemoCatalog(ctx, a); err != nil {
		return res, fmt.Errorf("catalogue: %w", err)
	}
	return res, nil
}

// printDemoLogins writes the table of demo accounts.
func printDemoLogins(w io.Writer) {
	names := map[string]string{}
	for _, o := range demoOrgs {
		names[o.Code] = o.Name
	}
	fmt.Fprintf(w, "\nDemo province: 福建省 Fujian (350000). Demo logins, all with the password %q:\n\n", DemoPassword)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  USERNAME\tPASSWORD\tROLE\tORGANISATION")
	for _, u := range demoUsers {
		role, org := string(u.Role), u.OrgCode+" "+names[u.OrgCode]
		if u.OrgCode == "" {
			role, org = "-", "(public user)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Username, DemoPassword, role, org)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
