package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/entryfile"
)

func TestDemoCatalog(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		first, err := createDemo(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if first.EntriesCreated != len(demoCatalog) || len(demoCatalog) < 40 {
			t.Fatalf("first load: %+v for %d demo entries", first, len(demoCatalog))
		}
		second, err := createDemo(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if second.EntriesCreated != 0 || second.EntriesExisting != len(demoCatalog) {
			t.Errorf("second load: %+v", second)
		}
		if first.FilesCreated != len(demoFiles) || second.FilesCreated != 0 {
			t.Errorf("demo files: first %d, second %d", first.FilesCreated, second.FilesCreated)
		}

		var all []*pubdata.Entry
		orgs := map[string]int{}
		for _, o := range demoOrgs {
			es, err := entryfile.OrgEntries(ctx, a.entries, o.Code)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, es...)
			orgs[o.Code] = len(es)
		}
		if len(all) != len(demoCatalog) {
			t.Fatalf("%d entries, want %d", len(all), len(demoCatalog))
		}
		for _, o := range demoOrgs {
			if o.Kind == pubdata.KindPublicBody && orgs[o.Code] == 0 {
				t.Errorf("%s %s has no entries", o.Code, o.Name)
			}
		}
		count := map[string]int{}
		for _, e := range all {
			for _, k := range []string{"share:" + e.ShareClass, "open:" + e.OpenClass, "format:" + e.Format, "cycle:" + e.UpdateCycle, "status:" + string(e.Status)} {
				count[k]++
			}
			if e.Supplementary {
				count["supplementary"]++
			}
			if e.Version == 2 {
				count["version 2"]++
			}
			if e.Status == pubdata.StatusRejected && e.ReviewComment == "" {
				t.Errorf("%s rejected without a comment", e.Title)
			}
			if len(e.Flags) > 0 {
				count["flagged"]++
			}
		}
		for _, c := range pubdata.Classes {
			for _, k := range []string{"share:" + c, "open:" + c} {
				if count[k] < 2 {
					t.Errorf("%d entries with %s", count[k], k)
				}
			}
		}
		for _, f := range pubdata.Formats {
			if count["format:"+f] < 3 {
				t.Errorf("%d entries of format %s", count["format:"+f], f)
			}
		}
		cycles := 0
		for _, c := range pubdata.UpdateCycles {
			if count["cycle:"+c] > 0 {
				cycles++
			}
		}
		if cycles < 6 {
			t.Errorf("only %d update cycles: %v", cycles, count)
		}
		if count["status:published"] < 30 || count["status:submitted"] < 3 || count["status:rejected"] != 1 ||
			count["status:draft"] < 2 || count["status:retired"] != 1 || count["version 2"] != 1 || count["supplementary"] < 3 || count["flagged"] < 3 {
			t.Errorf("states: %v", count)
		}

		// One source per datum: the elements name their sources; an entry in review that
		// collects resident ID numbers is flagged for the reviewer.
		els, err := a.elements.FindElements(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sources := map[string]string{}
		for _, el := range els {
			sources[el.Code] = el.Source
			if el.Source != "" && el.SourceEntry == "" {
				t.Errorf("element %s has a source without its entry", el.Code)
			}
		}
		if sources["resident_id"] != "350000-gat" || sources["uscc"] != "350000-scjgj" {
			t.Errorf("sources %v", sources)
		}
		flagged := false
		for _, e := range all {
			if e.Code == "303001/00004" {
				for _, f := range e.Flags {
					flagged = flagged || f.Element == "resident_id" && f.Source == "350000-gat" && f.EntryTitle == "人口基本信息"
				}
			}
		}
		if !flagged {
			t.Errorf("劳动保障监察案件信息 in review is not flagged as obtainable from 人口基本信息")
		}

		// The reviewers are the demo authorities', by division.
		for _, e := range all {
			if e.Version == 0 {
				continue
			}
			vs, err := a.entries.FindEntryVersions(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := "fj-reviewer"
			if strings.HasPrefix(e.Division, "3501") {
				want = "fz-admin"
			}
			if len(vs) == 0 || vs[0].Reviewer != want {
				t.Errorf("%s: versions %+v, want reviewed by %s", e.Title, vs, want)
			}
		}

		// The published catalogue answers a Chinese search.
		res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Q: "企业登记", Limit: 10, Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total == 0 || res.Items[0].Title != "企业登记信息" {
			t.Errorf("search 企业登记: %d results, first %v", res.Total, res.Items)
		}
		if res.Facets["share_class"]["unconditional"] == 0 {
			t.Errorf("facets %v", res.Facets)
		}
	})
}

// TestDemoCatalogValid checks the demo data itself: valid fields, known elements, unique
// codes, and the demo organisations.
func TestDemoCatalogValid(t *testing.T) {
	orgs := map[string]string{}
	for _, o := range demoOrgs {
		orgs[o.Code] = o.Division
	}
	codes, all := map[string]bool{}, map[string]bool{}
	for _, d := range demoCatalog {
		all[d.Code] = true
	}
	elements := map[string]bool{"resident_id": true, "name": true, "uscc": true, "org_code": true, "division": true, "mobile": true, "address": true, "birth_date": true}
	for _, d := range demoCatalog {
		div, ok := orgs[d.Org]
		if !ok {
			t.Errorf("%s: unknown organisation %s", d.Code, d.Org)
		}
		if codes[d.Code] || !pubdata.ValidResourceCode(d.Code) {
			t.Errorf("%s: duplicate or bad code", d.Code)
		}
		codes[d.Code] = true
		f := d.fields(div)
		if err := pubdata.ValidateEntryFields(f); err != nil {
			t.Errorf("%s %s: %v", d.Code, d.Title, err)
		}
		for _, it := range f.Items {
			if it.Element != "" && !elements[it.Element] {
				t.Errorf("%s: unknown element %s", d.Code, it.Element)
			}
		}
		for _, r := range f.Related {
			if !all[r] {
				t.Errorf("%s: related %s is not a demo entry", d.Code, r)
			}
		}
		if (d.State == demoRejected) != (d.Comment != "") {
			t.Errorf("%s: comment %q for state %s", d.Code, d.Comment, d.State)
		}
	}
}
