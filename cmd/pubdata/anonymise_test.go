package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/anonymise"
)

// The Adult data set as an entry, anonymised through the read path on both databases: the
// result is k-anonymous and l-diverse (checked here, not by the package), the read is the
// user's (refused to a body without rights) and recorded.
func TestAnonymiseEntry(t *testing.T) {
	adult := "../../lib/anonymise/testdata/adult/"
	f, err := os.Open(adult + "adult.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(f)
	r.Comma = ';'
	recs, err := r.ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The same table with item names for a header, comma-separated, for ingest.
	names := make([]string, len(recs[0]))
	for i, c := range recs[0] {
		names[i] = strings.ReplaceAll(c, "-", "_")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "adult.csv")
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(names)
	w.WriteAll(recs[1:])
	os.WriteFile(file, []byte(b.String()), 0o600)
	var items []pubdata.Item
	for i, n := range names {
		typ := "string"
		if n == "age" {
			typ = "integer"
		}
		items = append(items, pubdata.Item{Name: n, Title: recs[0][i], Type: typ})
	}
	qis := []string{"sex", "age", "race", "marital_status", "education", "native_country", "workclass"}

	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		for _, o := range []*pubdata.Org{
			{Code: "fj-tjj", Name: "福建省统计局", Kind: pubdata.KindPublicBody, Division: "350000"},
			{Code: "fj-scj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"},
		} {
			if err := a.orgs.CreateOrg(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []pubdata.UserCreate{
			{Username: "tjj-editor", Password: "correct horse", OrgCode: "fj-tjj", Role: pubdata.RoleEditor},
			{Username: "scj-editor", Password: "correct horse", OrgCode: "fj-scj", Role: pubdata.RoleEditor},
		} {
			if _, err := a.users.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		e, err := a.entries.CreateEntry(ctx, "fj-tjj", "", &pubdata.EntryFields{
			Title: "成人收入调查", Summary: "UCI Adult", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "yearly",
			ShareClass: pubdata.ClassConditional, ShareConditions: "统计用途", OpenClass: pubdata.ClassNone, OpenBasis: "《统计法》第二十五条", Division: "350000", Items: items,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.entries.SubmitEntry(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.entries.ReviewEntry(ctx, e.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runCLI(t, append([]string{"ingest", "--entry", e.ID, file}, s.args()...)...); code != 0 {
			t.Fatalf("ingest: %s", stderr)
		}
		args := []string{"anonymise", "--entry", e.ID, "--k", "5", "--suppress", "0.01", "--sensitive", "salary_class:l=2", "--keep", "occupation"}
		for _, q := range qis {
			args = append(args, "--qi", q+"="+adult+"adult_hierarchy_"+strings.ReplaceAll(q, "_", "-")+".csv")
		}
		args = append(args, "--sep", ";")
		out := filepath.Join(dir, s.name+"-out.csv")
		rep := filepath.Join(dir, s.name+"-report.json")

		// Another body's editor may not read the conditional entry: refused, nothing written.
		code, _, stderr := runCLI(t, append(append(args, "--as", "scj-editor", "--purpose", "统计分析", "--out", out, "--report", rep), s.args()...)...)
		if code == 0 {
			t.Fatalf("a body without a grant anonymised the entry")
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("a refused read wrote %s: %s", out, stderr)
		}
		// Without a purpose: a usage error.
		if code, _, _ := runCLI(t, append(append(args, "--as", "tjj-editor"), s.args()...)...); code != 2 {
			t.Fatalf("no purpose: exit %d", code)
		}
		code, _, stderr = runCLI(t, append(append(args, "--as", "tjj-editor", "--purpose", "发布统计产品", "--out", out, "--report", rep), s.args()...)...)
		if code != 0 {
			t.Fatalf("anonymise: exit %d %s", code, stderr)
		}
		var report anonymise.Report
		b, _ := os.ReadFile(rep)
		if err := json.Unmarshal(b, &report); err != nil {
			t.Fatal(err)
		}
		res := readCSV(t, out, ';')
		if report.Rows != len(recs)-1 || report.Released != len(res)-1 || report.Suppressed > (len(recs)-1)/100 {
			t.Fatalf("report %+v, %d output rows", report, len(res)-1)
		}
		head := res[0]
		col := map[string]int{}
		for i, c := range head {
			col[c] = i
		}
		if _, ok := col["occupation"]; !ok || len(head) != 9 {
			t.Fatalf("output columns %v", head)
		}
		classes := map[string]map[string]int{}
		for _, row := range res[1:] {
			var key []string
			for _, q := range qis {
				key = append(key, row[col[q]])
			}
			k := strings.Join(key, ";")
			if classes[k] == nil {
				classes[k] = map[string]int{}
			}
			classes[k][row[col["salary_class"]]]++
		}
		for k, sal := range classes {
			n := 0
			for _, c := range sal {
				n += c
			}
			if n < 5 || len(sal) < 2 {
				t.Fatalf("class %s: %d records, %d salary classes", k, n, len(sal))
			}
		}
		// The read is on the record, with its purpose.
		var actor, purpose, details string
		db := s.sqlDB(t)
		if err := db.QueryRow(s.rebind(`SELECT actor, purpose, details FROM audit_events WHERE action = 'data.read' AND object = ? ORDER BY seq DESC LIMIT 1`), "entry:"+e.ID).Scan(&actor, &purpose, &details); err != nil || actor != "tjj-editor" || purpose != "发布统计产品" || !strings.Contains(details, "anonymise") {
			t.Fatalf("record of the read: %q %q %q %v", actor, purpose, details, err)
		}
	})
}

func readCSV(t *testing.T, path string, sep rune) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = sep
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
