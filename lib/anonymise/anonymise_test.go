package anonymise

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// The UCI Adult data set with ARX's hierarchies (testdata/adult, see docs/DATA.md).
var adultQIs = []string{"sex", "age", "race", "marital-status", "education", "native-country", "workclass"}

func loadAdult(t testing.TB) Table {
	t.Helper()
	f, err := os.Open("testdata/adult/adult.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return Table{Columns: recs[0], Rows: recs[1:]}
}

func adultHierarchy(t testing.TB, col string) Hierarchy {
	t.Helper()
	f, err := os.Open("testdata/adult/adult_hierarchy_" + col + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ParseHierarchy(f, ';')
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func adultConfig(t testing.TB, k int, limit float64) Config {
	cfg := Config{K: k, SuppressionLimit: limit}
	for _, c := range adultQIs {
		cfg.QuasiIdentifiers = append(cfg.QuasiIdentifiers, QuasiIdentifier{Column: c, Hierarchy: adultHierarchy(t, c)})
	}
	return cfg
}

// classSizes groups the output independently of the package: by the quasi-identifier values
// as strings.
func classesOf(tb Table, cols []string) map[string][]int {
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = tb.Column(c)
	}
	out := map[string][]int{}
	for r, row := range tb.Rows {
		parts := make([]string, len(idx))
		for i, j := range idx {
			parts[i] = row[j]
		}
		k := strings.Join(parts, "\x00")
		out[k] = append(out[k], r)
	}
	return out
}

func TestAdultKAnonymous(t *testing.T) {
	data := loadAdult(t)
	for _, limit := range []float64{0, 0.01} {
		t.Run(fmt.Sprintf("suppression %g", limit), func(t *testing.T) {
			res, err := Anonymise(data, adultConfig(t, 5, limit))
			if err != nil {
				t.Fatal(err)
			}
			rep := res.Report
			if rep.Rows != 30162 || rep.Released+rep.Suppressed != rep.Rows || len(res.Table.Rows) != rep.Released {
				t.Fatalf("rows %d released %d suppressed %d output %d", rep.Rows, rep.Released, rep.Suppressed, len(res.Table.Rows))
			}
			if float64(rep.Suppressed) > limit*float64(rep.Rows) {
				t.Fatalf("suppressed %d rows, limit %g", rep.Suppressed, limit)
			}
			for k, rows := range classesOf(res.Table, adultQIs) {
				if len(rows) < 5 {
					t.Fatalf("class %q has %d records", strings.ReplaceAll(k, "\x00", ";"), len(rows))
				}
			}
			// Every output value is the hierarchy's generalisation of the input at the
			// reported level (no value invented, none left ungeneralised).
			if rep.Loss < rep.LossLowerBound-1e-12 || rep.Loss <= 0 || rep.Loss >= 1 {
				t.Fatalf("loss %g lower bound %g", rep.Loss, rep.LossLowerBound)
			}
			if rep.Prosecutor.Highest > 0.2+1e-12 || rep.Prosecutor.RecordsAtRisk != 0 {
				t.Fatalf("prosecutor risk %+v for k=5", rep.Prosecutor)
			}
			if limit == 0 && rep.Suppressed != 0 {
				t.Fatalf("suppressed %d with a 0 limit", rep.Suppressed)
			}
			t.Logf("levels %v loss %.4f (lower bound %.4f) discernibility %.0f suppressed %d classes %d nodes %d/%d",
				rep.Levels, rep.Loss, rep.LossLowerBound, rep.Discernibility, rep.Suppressed, rep.Classes, rep.NodesAnonymous, rep.NodesChecked)
		})
	}
}

// TestAdultOptimal checks the search against an independent brute force over every node of
// the lattice (computing classes and Loss with string maps), for three quasi-identifiers.
func TestAdultOptimal(t *testing.T) {
	data := loadAdult(t)
	cols := []string{"age", "education", "marital-status"}
	cfg := Config{K: 10, SuppressionLimit: 0.02}
	hs := map[string]Hierarchy{}
	for _, c := range cols {
		hs[c] = adultHierarchy(t, c)
		cfg.QuasiIdentifiers = append(cfg.QuasiIdentifiers, QuasiIdentifier{Column: c, Hierarchy: hs[c]})
	}
	res, err := Anonymise(data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The brute force.
	gen := func(c, v string, l int) string {
		if l == 0 {
			return v
		}
		return hs[c].Levels[v][l-1]
	}
	leaves := map[string]map[string]int{} // column → generalised value@level → leaves
	for _, c := range cols {
		leaves[c] = map[string]int{}
		for v := range hs[c].Levels {
			for l := 0; l < hs[c].Height(); l++ {
				leaves[c][fmt.Sprint(l, "|", gen(c, v, l))]++
			}
		}
	}
	best := math.Inf(1)
	idx := []int{data.Column(cols[0]), data.Column(cols[1]), data.Column(cols[2])}
	for a := 0; a < hs[cols[0]].Height(); a++ {
		for b := 0; b < hs[cols[1]].Height(); b++ {
			for c := 0; c < hs[cols[2]].Height(); c++ {
				lv := []int{a, b, c}
				groups := map[string]int{}
				keys := make([]string, len(data.Rows))
				for r, row := range data.Rows {
					var parts []string
					for i, col := range cols {
						parts = append(parts, gen(col, row[idx[i]], lv[i]))
					}
					keys[r] = strings.Join(parts, "\x00")
					groups[keys[r]]++
				}
				sup := 0
				loss := 0.0
				for r, row := range data.Rows {
					if groups[keys[r]] < cfg.K {
						sup++
						loss += 3
						continue
					}
					for i, col := range cols {
						n := leaves[col][fmt.Sprint(lv[i], "|", gen(col, row[idx[i]], lv[i]))]
						loss += float64(n-1) / float64(len(hs[col].Levels)-1)
					}
				}
				if float64(sup) <= cfg.SuppressionLimit*float64(len(data.Rows)) {
					best = math.Min(best, loss/float64(3*len(data.Rows)))
				}
			}
		}
	}
	if math.Abs(best-res.Report.Loss) > 1e-9 {
		t.Fatalf("search found loss %.6f at %v, the brute force's optimum is %.6f", res.Report.Loss, res.Report.Levels, best)
	}
}

func TestAdultDiversityAndCloseness(t *testing.T) {
	data := loadAdult(t)
	cfg := adultConfig(t, 5, 0.01)
	cfg.Sensitive = []Sensitive{{Column: "occupation", L: 3, LKind: LEntropy}, {Column: "salary-class", T: 0.2}}
	res, err := Anonymise(data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	occ := res.Table.Column("occupation")
	sal := res.Table.Column("salary-class")
	if occ < 0 || sal < 0 || res.Table.Column("sex") < 0 {
		t.Fatalf("output columns %v", res.Table.Columns)
	}
	// The table's salary distribution.
	global := map[string]float64{}
	for _, row := range data.Rows {
		global[row[data.Column("salary-class")]]++
	}
	for k := range global {
		global[k] /= float64(len(data.Rows))
	}
	for _, rows := range classesOf(res.Table, adultQIs) {
		if len(rows) < 5 {
			t.Fatalf("class of %d", len(rows))
		}
		counts := map[string]float64{}
		sals := map[string]float64{}
		for _, r := range rows {
			counts[res.Table.Rows[r][occ]]++
			sals[res.Table.Rows[r][sal]]++
		}
		e := 0.0
		for _, n := range counts {
			p := n / float64(len(rows))
			e -= p * math.Log(p)
		}
		if e < math.Log(3)-1e-9 {
			t.Fatalf("class entropy %.3f < log 3", e)
		}
		d := 0.0
		for k, g := range global {
			d += math.Abs(sals[k]/float64(len(rows)) - g)
		}
		if d/2 > 0.2+1e-9 {
			t.Fatalf("class salary distance %.3f > 0.2", d/2)
		}
	}
	if res.Table.Column("native-country") < 0 {
		t.Fatal("a quasi-identifier is missing from the output")
	}
}

func TestIdentifiersRemovedAndDistinctL(t *testing.T) {
	tb := Table{Columns: []string{"name", "division", "birth", "diagnosis"}}
	divs := []string{"350102", "350103", "350104", "350203", "350205"}
	diag := []string{"flu", "cold", "asthma"}
	for i := 0; i < 60; i++ {
		tb.Rows = append(tb.Rows, []string{fmt.Sprint("person", i), divs[i%5], fmt.Sprintf("19%02d-%02d-%02d", 60+i%20, 1+i%12, 1+i%28), diag[i%3]})
	}
	dh, err := DivisionHierarchy(tb.Distinct(1))
	if err != nil {
		t.Fatal(err)
	}
	bh, err := DateHierarchy(tb.Distinct(2))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Anonymise(tb, Config{
		K:                4,
		QuasiIdentifiers: []QuasiIdentifier{{Column: "division", Hierarchy: dh}, {Column: "birth", Hierarchy: bh}},
		Sensitive:        []Sensitive{{Column: "diagnosis", L: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Table.Column("name") >= 0 {
		t.Fatal("the identifier was not removed")
	}
	for _, rows := range classesOf(res.Table, []string{"division", "birth"}) {
		seen := map[string]bool{}
		for _, r := range rows {
			seen[res.Table.Rows[r][2]] = true
		}
		if len(rows) < 4 || len(seen) < 2 {
			t.Fatalf("class of %d rows with %d diagnoses", len(rows), len(seen))
		}
	}
}

func TestErrorsNameTheProblem(t *testing.T) {
	tb := Table{Columns: []string{"age"}, Rows: [][]string{{"31"}, {"x"}}}
	if _, err := NumberHierarchy(tb.Distinct(0), 5, 3); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("number hierarchy error %v", err)
	}
	h, _ := NumberHierarchy([]string{"31"}, 5, 3)
	if _, err := Anonymise(tb, Config{K: 2, QuasiIdentifiers: []QuasiIdentifier{{Column: "age", Hierarchy: h}}}); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("value not in hierarchy: %v", err)
	}
	if _, err := Anonymise(tb, Config{K: 2, QuasiIdentifiers: []QuasiIdentifier{{Column: "agee", Hierarchy: h}}}); err == nil || !strings.Contains(err.Error(), "agee") {
		t.Fatalf("unknown column: %v", err)
	}
	if _, err := ParseHierarchy(strings.NewReader("a;b;*\nc;*\n"), ';'); err == nil {
		t.Fatal("ragged hierarchy accepted")
	}
	one := Table{Columns: []string{"sex"}, Rows: [][]string{{"Male"}}}
	if _, err := Anonymise(one, Config{K: 2, QuasiIdentifiers: []QuasiIdentifier{{Column: "sex", Hierarchy: FlatHierarchy([]string{"Male"})}}}); err != ErrNoSolution {
		t.Fatalf("k=2 over one row: %v", err)
	}
}

func TestPopulationRisk(t *testing.T) {
	data := loadAdult(t)
	sample := Table{Columns: data.Columns, Rows: data.Rows[:3000]}
	cfg := adultConfig(t, 5, 0.01)
	cfg.Population = &data
	res, err := Anonymise(sample, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if !r.Journalist.PopulationUsed || r.Journalist.Highest > r.Prosecutor.Highest+1e-12 || r.Marketer.Average > r.Prosecutor.Average+1e-12 {
		t.Fatalf("journalist %+v marketer %+v prosecutor %+v", r.Journalist, r.Marketer, r.Prosecutor)
	}
}

func BenchmarkAdultK5(b *testing.B) {
	data := loadAdult(b)
	cfg := adultConfig(b, 5, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Anonymise(data, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
