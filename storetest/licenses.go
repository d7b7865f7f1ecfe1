package storetest

import (
	"testing"

	"github.com/pubdata/pubdata"
)

var licenseTests = []namedTest{
	{"Licenses", testLicenses},
	{"EntryLicenseAndMetadata", testEntryLicenseAndMetadata},
}

// The licence list: the seeded licences and defaults, create, update, delete and defaults,
// each recorded; a default or a licence in use cannot be deleted.
func testLicenses(t *testing.T, s *Store) {
	if s.Licenses == nil {
		t.Fatal("the store under test has no licence service: wire it in its Store")
	}
	province(t, s)
	admin := mustUser(t, s, "dsj-admin", "fj-dsj", pubdata.RoleAdmin)
	dsj, _ := s.Orgs.FindOrgByCode(system, "fj-dsj")
	ctx := as(&pubdata.Actor{User: admin, Org: dsj}, "r-lic")
	list, err := s.Licenses.FindLicenses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list.Find("CC-BY-4.0") == nil || list.Find("CC0-1.0") == nil || list.Find("ODC-By-1.0") == nil || list.Find("platform-terms") == nil {
		t.Fatalf("seeded licences: %+v", list.Licenses)
	}
	if list.Defaults[pubdata.ClassUnconditional] != "platform-terms" || list.Defaults[pubdata.ClassConditional] != "platform-terms" {
		t.Fatalf("seeded defaults: %v", list.Defaults)
	}
	_, err = s.Licenses.PutLicense(ctx, &pubdata.License{ID: "bad id", Title: "", TitleEn: "x", URL: "ftp://x"})
	if f := pubdata.ErrorFields(err); f["id"] == nil || f["title"] == nil || f["url"] == nil {
		t.Fatalf("invalid licence: %v", err)
	}
	l, err := s.Licenses.PutLicense(ctx, &pubdata.License{ID: "fj-open-1.0", Title: "福建省公共数据开放协议", TitleEn: "Fujian open data licence", URL: "https://data.fujian.gov.cn/terms"})
	if err != nil || l.ID != "fj-open-1.0" || l.CreatedAt.IsZero() {
		t.Fatalf("create: %+v %v", l, err)
	}
	if l, err = s.Licenses.PutLicense(ctx, &pubdata.License{ID: "fj-open-1.0", Title: "福建省公共数据开放使用协议", TitleEn: "Fujian open data licence", URL: "https://data.fujian.gov.cn/terms"}); err != nil || l.Title != "福建省公共数据开放使用协议" {
		t.Fatalf("update: %+v %v", l, err)
	}
	wantCode(t, s.Licenses.SetLicenseDefault(ctx, pubdata.ClassNone, "fj-open-1.0"), pubdata.EINVALID)
	wantCode(t, s.Licenses.SetLicenseDefault(ctx, pubdata.ClassUnconditional, "nope"), pubdata.EINVALID)
	if err := s.Licenses.SetLicenseDefault(ctx, pubdata.ClassUnconditional, "fj-open-1.0"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Licenses.DeleteLicense(ctx, "fj-open-1.0"), pubdata.ECONFLICT)
	wantCode(t, s.Licenses.DeleteLicense(ctx, "nope"), pubdata.ENOTFOUND)
	if err := s.Licenses.SetLicenseDefault(ctx, pubdata.ClassUnconditional, "CC-BY-4.0"); err != nil {
		t.Fatal(err)
	}
	if err := s.Licenses.DeleteLicense(ctx, "fj-open-1.0"); err != nil {
		t.Fatal(err)
	}
	list, _ = s.Licenses.FindLicenses(ctx)
	if list.Find("fj-open-1.0") != nil || list.Defaults[pubdata.ClassUnconditional] != "CC-BY-4.0" {
		t.Fatalf("after delete: %+v %v", list.Licenses, list.Defaults)
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: pubdata.LicenseObject("fj-open-1.0")})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if len(actions) != 3 || !contains(actions, "license.created") || !contains(actions, "license.updated") || !contains(actions, "license.deleted") {
		t.Fatalf("licence events %v", actions)
	}
	evs, _, _, _ = s.Audit.FindEvents(system, pubdata.AuditFilter{Object: pubdata.LicenseObject("defaults")})
	if len(evs) != 2 || evs[0].Actor != "dsj-admin" {
		t.Fatalf("default events %+v", evs)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// An entry's licence, temporal coverage and contact point are versioned fields: checked,
// diffed, published; the catalogue counts and filters entries by their effective licence,
// which follows the defaults; a licence an entry names cannot be deleted.
func testEntryLicenseAndMetadata(t *testing.T, s *Store) {
	if s.Licenses == nil {
		t.Fatal("the store under test has no licence service: wire it in its Store")
	}
	editor, reviewer := catalogueSetup(t, s)
	f := fields("空气质量监测数据", "逐时空气质量", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	f.License, f.TemporalStart, f.TemporalEnd = "nope", "2024-13-01", "2023-01-01"
	f.ContactEmail, f.ContactPhone = "not an address", "call me"
	_, err := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if fs := pubdata.ErrorFields(err); fs["temporal_start"] == nil || fs["contact_email"] == nil || fs["contact_phone"] == nil {
		t.Fatalf("bad metadata: %v", err)
	}
	f.TemporalStart = "2024-01-01"
	f.ContactEmail, f.ContactPhone = "data@fz.gov.cn", "0591-87654321"
	_, err = s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if fs := pubdata.ErrorFields(err); fs["temporal_end"] == nil {
		t.Fatalf("end before start: %v", err)
	}
	f.TemporalEnd = "2024-12-31"
	_, err = s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if fs := pubdata.ErrorFields(err); fs["license"] == nil {
		t.Fatalf("unknown licence: %v", err)
	}
	f.License, f.ContactName = "CC-BY-4.0", "数据管理科"
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil || p.License != "CC-BY-4.0" || p.TemporalStart != "2024-01-01" || p.TemporalEnd != "2024-12-31" || p.ContactName != "数据管理科" || p.ContactEmail != "data@fz.gov.cn" {
		t.Fatalf("published %+v %v", p, err)
	}
	other := publish(t, s, editor, reviewer, "fz-scj", fields("企业名录", "企业", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	closed := fields("内部名录", "内部", pubdata.ClassConditional, pubdata.ClassNone)
	closed.OpenBasis = "涉及国家秘密"
	publish(t, s, editor, reviewer, "fz-scj", closed)

	facet := func() map[string]int {
		t.Helper()
		res, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Facets["license"]
	}
	if got := facet(); got["CC-BY-4.0"] != 1 || got["platform-terms"] != 1 || got[""] != 1 {
		t.Fatalf("license facet %v", got)
	}
	res, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "license", Values: []string{"platform-terms"}}}})
	if err != nil || res.Total != 1 || res.Items[0].ID != other.ID {
		t.Fatalf("filter by licence: %+v %v", res, err)
	}
	// A new default moves the facet at once.
	admin := mustUser(t, s, "dsj-admin", "fj-dsj", pubdata.RoleAdmin)
	dsj, _ := s.Orgs.FindOrgByCode(system, "fj-dsj")
	ctx := as(&pubdata.Actor{User: admin, Org: dsj}, "r-lic")
	if err := s.Licenses.SetLicenseDefault(ctx, pubdata.ClassUnconditional, "CC0-1.0"); err != nil {
		t.Fatal(err)
	}
	if got := facet(); got["CC0-1.0"] != 1 || got["platform-terms"] != 0 {
		t.Fatalf("license facet after the default changed %v", got)
	}
	wantCode(t, s.Licenses.DeleteLicense(ctx, "CC-BY-4.0"), pubdata.ECONFLICT)

	// The change of licence is a versioned change: diffed in the record, published on approval.
	f2 := p.EntryFields
	f2.License, f2.TemporalEnd = "", ""
	if _, err := s.Entries.UpdateEntry(editor, e.ID, &f2); err != nil {
		t.Fatal(err)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + e.ID})
	var diffed bool
	for _, ev := range evs {
		if ev.Action == "entry.edit" {
			for _, c := range ev.Details["changes"].([]any) {
				if c.(map[string]any)["field"] == "license" && c.(map[string]any)["from"] == "CC-BY-4.0" {
					diffed = true
				}
			}
		}
	}
	if !diffed {
		t.Fatalf("the licence change is not in the edit's record: %+v", evs)
	}
	// Still named by the published version.
	wantCode(t, s.Licenses.DeleteLicense(ctx, "CC-BY-4.0"), pubdata.ECONFLICT)
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if p, _ = s.Entries.FindPublishedEntry(system, e.ID); p.License != "" || p.Version != 2 {
		t.Fatalf("version 2 %+v", p)
	}
	if got := facet(); got["CC0-1.0"] != 2 || got["CC-BY-4.0"] != 0 {
		t.Fatalf("license facet after version 2 %v", got)
	}
	if err := s.Licenses.DeleteLicense(ctx, "CC-BY-4.0"); err != nil {
		t.Fatalf("a licence no entry names: %v", err)
	}
}
