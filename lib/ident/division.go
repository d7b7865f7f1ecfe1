package ident

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// divisionsText lists every division code in use at any time from 1980 to 2024, one a line
// (derived from yescallop/areacodes result.csv; see docs/DATA.md).
//
//go:embed data/divisions-1980-2024.txt
var divisionsText string

// divisionSet is a bitmap over the 10^6 six-digit codes: 125 KB, one lookup per check.
type divisionSet [1_000_000 / 64]uint64

var historicalDivisions = sync.OnceValue(func() *divisionSet {
	var set divisionSet
	for line := range strings.Lines(divisionsText) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		n, ok := sixDigits(line)
		if !ok {
			panic("ident: bad line in embedded division list: " + line) // a build error
		}
		set[n/64] |= 1 << (n % 64)
	}
	return &set
})

// knownDivision reports whether the six digits were a division code at any time 1980–2024.
func knownDivision(n int) bool {
	return historicalDivisions()[n/64]&(1<<(n%64)) != 0
}

// sixDigits parses exactly six ASCII digits.
func sixDigits(s string) (int, bool) {
	if len(s) != 6 {
		return 0, false
	}
	n := 0
	for i := 0; i < 6; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Division checks a GB/T 2260 administrative division code: six digits that were a division
// code at some time from 1980 to 2024 according to the Ministry of Civil Affairs history
// (yescallop/areacodes). Codes withdrawn since (e.g. 110103, Chongwen district, merged into
// 110101 in 2010) are accepted, because records keep the code in force when they were made;
// codes first assigned after 2024 are not yet known. For the current list only, use the
// division package.
func Division(s string) error {
	n, ok := sixDigits(s)
	if !ok {
		if k := utf8.RuneCountInString(s); k != 6 {
			return fail(ElementDivision, RuleLength, "ident.division.length", "Count", k)
		}
		return fail(ElementDivision, RuleCharset, "ident.division.charset")
	}
	if !knownDivision(n) {
		return fail(ElementDivision, RuleDivision, "ident.division.unknown", "Code", fmt.Sprintf("%06d", n))
	}
	return nil
}
