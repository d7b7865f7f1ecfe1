package ident

import (
	"strings"
	"unicode"
)

// FoldWidth returns s with full-width ASCII forms (Ａ–Ｚ, ０–９, …, U+FF01–U+FF5E) turned into
// their ASCII letters and the ideographic space (U+3000) into a space; other characters stay.
func FoldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\u3000' || r >= 0xFF01 && r <= 0xFF5E }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFF01 + '!'
		}
		return r
	}, s)
}

// NormalizeByElement brings a value of a data element written as people type it to the
// standard form the loader accepts, so that a value typed by a caller (a key to look up or
// object to) matches the stored one: full-width characters folded, spaces removed, and
// then the element's own rule — a resident ID number's check character in upper case (and a
// legacy 15-digit number to 18), a unified social credit code or organisation code in upper
// case, a mobile number without +86 and separators. A value the element's rule cannot read
// is returned folded and without spaces (it will match nothing). Elements without a rule
// (and "") only lose surrounding space.
func NormalizeByElement(code, s string) string {
	s = FoldWidth(s)
	switch code {
	case ElementResidentID, ElementUSCC, ElementOrgCode, ElementMobile, ElementDivision:
	default:
		return strings.TrimSpace(s)
	}
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), "")
	switch code {
	case ElementResidentID:
		if n, err := NormalizeResidentID(s); err == nil {
			return n
		}
	case ElementUSCC, ElementOrgCode:
		return NormalizeUSCC(s)
	case ElementMobile:
		if n, err := NormalizeMobile(s); err == nil {
			return n
		}
	}
	return s
}
