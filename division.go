package pubdata

import "strings"

// DivisionLevel is the level of a GB/T 2260 division code.
type DivisionLevel string

// Division levels.
const (
	LevelProvince DivisionLevel = "province"
	LevelCity     DivisionLevel = "city"
	LevelCounty   DivisionLevel = "county"
)

// Division is one GB/T 2260 administrative division.
type Division struct {
	Code     string        `json:"code"`
	Name     string        `json:"name"`
	Level    DivisionLevel `json:"level"`
	Province string        `json:"province"` // code of its province
	City     string        `json:"city"`     // code of its city, "" when directly under a province
}

// DivisionPrefix returns the prefix shared by every code inside division code:
// "35" for a province (350000), "3501" for a city (350100), the whole code for a county.
func DivisionPrefix(code string) string {
	switch {
	case len(code) != 6:
		return code
	case strings.HasSuffix(code, "0000"):
		return code[:2]
	case strings.HasSuffix(code, "00"):
		return code[:4]
	}
	return code
}

// DivisionCovers reports whether the division outer contains (or is) the division inner.
// It is the rule behind an authority's reach: an authority covers the organisations whose
// division lies inside its own.
func DivisionCovers(outer, inner string) bool {
	if len(outer) != 6 || len(inner) != 6 {
		return false
	}
	return strings.HasPrefix(inner, DivisionPrefix(outer))
}

// ValidDivisionSyntax reports whether code looks like a six-digit division code. Whether the
// code exists is checked against the embedded GB/T 2260 list by the caller's DivisionService.
func ValidDivisionSyntax(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
