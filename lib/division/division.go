// Package division holds the GB/T 2260 administrative division codes, embedded from
// gbt2260-divisions-2024.csv (derived from the Ministry of Civil Affairs 2024 list; see
// docs/DATA.md for the source).
package division

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"

	"github.com/pubdata/pubdata"
)

//go:embed gbt2260-divisions-2024.csv
var defaultCSV string

// Table is a set of division codes. The zero Table is empty; use Default or Parse.
type Table struct {
	byCode map[string]pubdata.Division
	codes  []string
}

// Parse reads a table from CSV with the header code,name,level,province_code,province_name,city_code,city_name.
func Parse(src string) (*Table, error) {
	rows, err := csv.NewReader(strings.NewReader(src)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("division table: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) < 6 || rows[0][0] != "code" {
		return nil, fmt.Errorf("division table: header must start with code,name,level,province_code,province_name,city_code")
	}
	t := &Table{byCode: make(map[string]pubdata.Division, len(rows))}
	for i, r := range rows[1:] {
		if !pubdata.ValidDivisionSyntax(r[0]) {
			return nil, fmt.Errorf("division table: line %d: bad code %q", i+2, r[0])
		}
		t.byCode[r[0]] = pubdata.Division{Code: r[0], Name: r[1], Level: pubdata.DivisionLevel(r[2]), Province: r[3], City: r[5]}
		t.codes = append(t.codes, r[0])
	}
	sort.Strings(t.codes)
	return t, nil
}

var defaultTable = func() *Table {
	t, err := Parse(defaultCSV)
	if err != nil {
		panic(err) // the embedded file is part of the build; a bad one is a build error
	}
	return t
}()

// Default returns the embedded GB/T 2260 (2024) table.
func Default() *Table { return defaultTable }

// Lookup returns the division with the code.
func (t *Table) Lookup(code string) (pubdata.Division, bool) {
	d, ok := t.byCode[code]
	return d, ok
}

// Check returns nil if code is a known division, otherwise an EINVALID error naming it.
func (t *Table) Check(code string) error {
	if !pubdata.ValidDivisionSyntax(code) {
		return pubdata.Errorf(pubdata.EINVALID, "Division code %q must be six digits (GB/T 2260).", code).Keyed("error.division.syntax", "Division", code)
	}
	if _, ok := t.byCode[code]; !ok {
		return pubdata.Errorf(pubdata.EINVALID, "Division code %q is not in GB/T 2260 (2024).", code).Keyed("error.division.not_in_table", "Division", code)
	}
	return nil
}

// Within returns the divisions inside code (itself included), in code order.
func (t *Table) Within(code string) []pubdata.Division {
	var out []pubdata.Division
	for _, c := range t.codes {
		if pubdata.DivisionCovers(code, c) {
			out = append(out, t.byCode[c])
		}
	}
	return out
}
