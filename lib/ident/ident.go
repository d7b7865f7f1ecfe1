// Package ident validates the standard identifiers a loader checks per data element: the
// resident ID number (GB 11643-1999), the unified social credit code (GB 32100-2015), the
// organisation code (GB 11714-1997), the mainland mobile number and the administrative
// division code (GB/T 2260).
//
// Every validator is a pure function returning nil or an *Error. The error's message names
// the rule that failed ("check digit is 3, not 5") and never repeats the whole value, because
// values can be personal; use Mask when a report must show the value.
//
// The validators are strict: they say whether the value as given is in the standard form.
// NormalizeResidentID, NormalizeUSCC and NormalizeMobile bring a value that is merely written
// differently (lower-case x, a legacy 15-digit number, +86 and spaces) to that form.
package ident

import (
	"fmt"
	"time"

	"github.com/pubdata/pubdata/locale"
)

// Data-element codes, as seeded in the data_elements table (sqlstore migration 0002).
const (
	ElementResidentID = "resident_id"
	ElementUSCC       = "uscc"
	ElementOrgCode    = "org_code"
	ElementMobile     = "mobile"
	ElementDivision   = "division"
)

// Rule names, the machine-readable part of an *Error (stable; a report or a translation can
// key on them).
const (
	RuleLength     = "length"       // wrong number of characters
	RuleCharset    = "charset"      // a character outside the allowed set
	RuleCase       = "case"         // a letter in lower case where upper case is required
	RuleCheck      = "check"        // the check character does not match
	RuleBirthDate  = "birth_date"   // not a real date, in the future or implausibly early
	RuleAddress    = "address_code" // resident ID address prefix never a division
	RuleDepartment = "department"   // USCC position 1
	RuleKind       = "kind"         // USCC position 2
	RuleDivision   = "division"     // a division code that is malformed or unknown
	RuleOrgCode    = "org_code"     // USCC positions 9–17 fail the GB 11714 check
	RulePrefix     = "prefix"       // a mobile number with a prefix no carrier uses
	RuleIoT        = "iot_number"   // a 13-digit IoT number where a mobile number is wanted
)

// Error is a validation failure. Its Error() is Msg, a sentence naming the rule in English;
// Key and Args name the message in the message files (package locale), so that a reader
// gets it in their language. None of them holds the whole value.
type Error struct {
	Element string // one of the Element* codes
	Rule    string // one of the Rule* names
	Key     string
	Args    map[string]string
	Msg     string
}

func (e *Error) Error() string { return e.Msg }

// fail returns the Error of the message key with args, pairs of a placeholder name and
// its value.
func fail(element, rule, key string, args ...any) error {
	m := make(map[string]string, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = fmt.Sprint(args[i+1])
	}
	return &Error{Element: element, Rule: rule, Key: key, Args: m, Msg: locale.Text(locale.EN, key, args...)}
}

// ByElement returns the validator of a data element (the codes of the data_elements table):
// resident_id (ResidentID against the current time), uscc, org_code, mobile and division.
// The second result is false for elements without a validator (name, address …).
func ByElement(code string) (func(string) error, bool) {
	switch code {
	case ElementResidentID:
		return func(s string) error { return ResidentID(s, time.Now()) }, true
	case ElementUSCC:
		return USCC, true
	case ElementOrgCode:
		return OrgCode, true
	case ElementMobile:
		return Mobile, true
	case ElementDivision:
		return Division, true
	}
	return nil, false
}

// Mask hides the middle of a value for a report, after GB/T 37964's masking example
// (110105********002X): 15 characters or more keep the first 6 and the last 4; 11 to 14
// (a mobile number) keep the first 3 and the last 4; 5 to 10 keep the first and the last;
// shorter values are masked entirely. Characters, not bytes, are counted.
func Mask(s string) string {
	r := []rune(s)
	n := len(r)
	head, tail := 0, 0
	switch {
	case n >= 15:
		head, tail = 6, 4
	case n >= 11:
		head, tail = 3, 4
	case n >= 5:
		head, tail = 1, 1
	}
	out := make([]rune, n)
	for i := range r {
		if i < head || i >= n-tail {
			out[i] = r[i]
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}
