package main

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/ident"
)

// demoTableEntries returns the demo catalogue's published table entries by code, with the
// items of their latest version.
func demoTableEntries() map[string][]pubdata.Item {
	out := map[string][]pubdata.Item{}
	for _, d := range demoCatalog {
		if d.Format != pubdata.FormatTable || (d.State != demoPublished && d.State != demoRevised) || demoNeverLoaded[d.Code] {
			continue
		}
		f := d.fields("350000")
		if d.State == demoRevised {
			f.Items = append(f.Items, demoItem("credit_status 信用状态 string 20 G1"))
		}
		out[d.Code] = f.Items
	}
	return out
}

func TestDemoCheckCharacters(t *testing.T) {
	// The standards' own examples.
	if c := residentIDCheck("11010519491231002"); c != 'X' {
		t.Errorf("GB 11643 example 11010519491231002X: check %c", c)
	}
	if c := orgCodeCheck("D2143569"); c != 'X' {
		t.Errorf("GB 11714 example D2143569-X: check %c", c)
	}
	// Against the validators: every check character of random bodies, and a wrong one fails.
	g := newDemoGen(1)
	for range 2000 {
		s := g.uscc("91", "350102")
		if err := ident.USCC(s); err != nil {
			t.Fatalf("USCC %s: %v", s, err)
		}
		if err := ident.OrgCode(s[8:17]); err != nil {
			t.Fatalf("organisation code %s: %v", s[8:17], err)
		}
		wrong := s[:17] + string(usccChars[(strings.IndexByte(usccChars, s[17])+1)%len(usccChars)])
		if ident.USCC(wrong) == nil {
			t.Fatalf("USCC %s with a wrong check character passes", wrong)
		}
		id := g.residentID(pick(g, g.counties).Code, g.date(ymd(1940, 1, 1), demoDataEnd), "女")
		if err := ident.ResidentID(id, time.Now()); err != nil {
			t.Fatalf("resident ID %s: %v", id, err)
		}
		if (id[16]-'0')%2 != 0 {
			t.Fatalf("resident ID %s of a woman has an odd sequence number", id)
		}
		wrong = id[:17] + map[bool]string{true: "0", false: "X"}[id[17] != '0']
		if ident.ResidentID(wrong, time.Now()) == nil {
			t.Fatalf("resident ID %s with a wrong check character passes", wrong)
		}
	}
}

// TestDemoDataValues checks every generated value against its item: type, length, the
// data element's validator, keys present and unique; and that the tables are the demo
// catalogue's published tables, generated the same on every call.
func TestDemoDataValues(t *testing.T) {
	entries := demoTableEntries()
	tables := generateDemoData(1)
	var codes []string
	total := 0
	now := time.Now()
	for _, tb := range tables {
		codes = append(codes, tb.Code)
		items, ok := entries[tb.Code]
		if !ok {
			t.Errorf("%s is not a published table entry of the demo catalogue", tb.Code)
			continue
		}
		var names []string
		for _, it := range items {
			names = append(names, it.Name)
		}
		if !slices.Equal(slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(tb.Cols))) {
			t.Errorf("%s: generated columns %v, items %v", tb.Code, tb.Cols, names)
			continue
		}
		if len(tb.Rows) == 0 {
			t.Errorf("%s: no rows", tb.Code)
		}
		total += len(tb.Rows)
		keys := map[string]bool{}
		for r, row := range tb.inItemOrder(items) {
			var key []string
			for i, it := range items {
				v := row[i]
				if it.Key {
					if v == nil {
						t.Fatalf("%s row %d: key %s is empty", tb.Code, r, it.Name)
					}
					key = append(key, pubdata.FormatItemValue(v))
				}
				if v == nil {
					continue
				}
				if err := checkDemoValue(it, v, now); err != "" {
					t.Fatalf("%s row %d column %s: %v %s", tb.Code, r, it.Name, v, err)
				}
			}
			if k := strings.Join(key, "\x00"); k != "" {
				if keys[k] {
					t.Fatalf("%s row %d: key %q twice", tb.Code, r, key)
				}
				keys[k] = true
			}
		}
		t.Logf("%s: %d rows", tb.Code, len(tb.Rows))
	}
	if !slices.Equal(codes, demoGeneratedCodes()) {
		t.Errorf("generated %v, demoGeneratedCodes %v", codes, demoGeneratedCodes())
	}
	for _, s := range demoSampleFiles {
		codes = append(codes, s.Code)
	}
	for code := range entries {
		if !slices.Contains(codes, code) {
			t.Errorf("published table %s has no demo rows", code)
		}
	}
	if total < 50000 {
		t.Errorf("%d generated rows in all", total)
	}
	if a, b := generateDemoData(0.05), generateDemoData(0.05); !reflect.DeepEqual(a, b) {
		t.Errorf("the generated rows differ from one call to the next")
	}
}

// checkDemoValue says what is wrong with a generated value of the item ("" if nothing).
func checkDemoValue(it pubdata.Item, v any, now time.Time) string {
	var ok bool
	switch it.Type {
	case "string":
		_, ok = v.(string)
	case "integer":
		_, ok = v.(int64)
	case "number":
		_, ok = v.(float64)
	case "boolean":
		_, ok = v.(bool)
	case "date", "datetime":
		s, _ := v.(string)
		p, err := pubdata.ParseItemValue(it.Type, s)
		ok = err == nil && p == s
	}
	if !ok {
		return "is not a value of type " + it.Type
	}
	if s, _ := v.(string); it.Length > 0 && utf8.RuneCountInString(s) > it.Length {
		return "is longer than the item's length"
	}
	var err error
	switch it.Element {
	case ident.ElementResidentID:
		err = ident.ResidentID(v.(string), now)
	case ident.ElementUSCC, ident.ElementOrgCode, ident.ElementMobile, ident.ElementDivision:
		f, _ := ident.ByElement(it.Element)
		err = f(v.(string))
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestDemoData(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		// A table a department loaded itself is left alone.
		own, err := a.entries.FindPublishedEntry(ctx, "301001/00004")
		if err != nil {
			t.Fatal(err)
		}
		src, err := datafile.Open(strings.NewReader("point_id,location,longitude,latitude\nP1,鼓楼区五四路,119.3,26.08\n"), datafile.CSV, own.Items, datafile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := a.data.CreateBatch(ctx, own, pubdata.LoadOptions{Source: pubdata.SourceCLI})
		if err != nil {
			t.Fatal(err)
		}
		if b, err = a.data.RunBatch(ctx, own, b.ID, src, pubdata.LoadOptions{}); err != nil || b.Status != pubdata.BatchDone {
			t.Fatalf("own batch: %+v, %v", b, err)
		}

		var first demoResult
		if err := loadDemoData(ctx, a, 1, &first); err != nil {
			t.Fatal(err)
		}
		entries := demoTableEntries()
		if first.TablesLoaded != len(entries)-1 || first.TablesExisting != 1 || first.BatchesLoaded != len(entries) {
			t.Errorf("first load: %+v for %d tables", first, len(entries))
		}
		// The sample air-quality file writes missing readings NA: those rows, and only
		// those, are rejected.
		air, _ := demoSamples.ReadFile("demodata/beijing-air-quality-aotizhongxin-2013-03_04.csv")
		na := int64(0)
		for _, line := range bytes.Split(air, []byte("\n")) {
			if bytes.Contains(line, []byte(",NA,")) {
				na++
			}
		}
		if na == 0 || first.RowsRejected != na {
			t.Errorf("%d rows rejected, want the %d rows with NA", first.RowsRejected, na)
		}

		stats := map[string]int64{}
		var sum int64
		for code := range entries {
			e, err := a.entries.FindPublishedEntry(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			st, err := a.data.TableStats(ctx, e.ID)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if st.Rows == 0 {
				t.Errorf("%s %s: no rows", code, e.Title)
			}
			stats[code] = st.Rows
			if code == "301001/00004" {
				if st.Rows != 1 {
					t.Errorf("the department's own table got demo rows: %d rows", st.Rows)
				}
				continue
			}
			sum += st.Rows
			bs, _, err := a.data.FindBatches(ctx, e.ID, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				b, err := a.data.FindBatchByID(ctx, b.ID)
				if err != nil {
					t.Fatal(err)
				}
				if b.Status != pubdata.BatchDone || b.Source != pubdata.SourceDemo || b.Actor != demoEditors[e.Org] {
					t.Errorf("%s: batch %s %s source %s by %q", code, b.FileName, b.Status, b.Source, b.Actor)
				}
				if b.RowsRejected > 0 && code != "105002/00001" {
					t.Errorf("%s %s: %d rows rejected: %+v", code, b.FileName, b.RowsRejected, b.Errors)
				}
				for _, re := range b.Errors {
					if re.Code != pubdata.RuleType || !slices.Contains([]string{"pm25", "pm10", "so2", "no2", "co", "o3"}, re.Column) {
						t.Errorf("%s: row error %+v", code, re)
					}
				}
			}
		}
		if sum != first.RowsLoaded {
			t.Errorf("tables hold %d rows, %d were loaded", sum, first.RowsLoaded)
		}

		// Again: nothing.
		var second demoResult
		if err := loadDemoData(ctx, a, 1, &second); err != nil {
			t.Fatal(err)
		}
		if second.TablesLoaded != 0 || second.BatchesLoaded != 0 || second.RowsLoaded != 0 || second.TablesExisting != len(entries) {
			t.Errorf("second load: %+v", second)
		}
		for code, n := range stats {
			e, _ := a.entries.FindPublishedEntry(ctx, code)
			if st, err := a.data.TableStats(ctx, e.ID); err != nil || st.Rows != n {
				t.Errorf("%s: %d rows after the second load, %d before (%v)", code, st.Rows, n, err)
			}
		}
	})
}
