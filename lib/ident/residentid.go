package ident

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MinBirthYear is the earliest birth year ResidentID accepts. GB 11643-1999's own example
// 440524188001010014 was born in 1880, so the bound is a plausibility floor below anyone
// alive when the numbers were first issued (1984), not 1900.
const MinBirthYear = 1850

// residentWeights are GB 11643-1999's Wi = 2^(17-i) mod 11 (ISO 7064 MOD 11-2).
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentCheckChars = "10X98765432"

// chinaTime is UTC+8: a birth date is "in the future" against today's date in China.
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// residentCheck returns the check character of 17 digits.
func residentCheck(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * residentWeights[i]
	}
	return residentCheckChars[sum%11]
}

// ResidentID checks a citizen ID number (公民身份号码, GB 11643-1999) in its 18-character
// form: 6-digit address code + 8-digit birth date YYYYMMDD + 3-digit sequence + check
// character (0–9 or upper-case X, ISO 7064 MOD 11-2). It also requires
//   - a real birth date, not after now's date in China (UTC+8) and not before MinBirthYear;
//   - an address code that was a division at some time from 1980 to 2024 (see Division):
//     the code in force when the number was issued, which may have been withdrawn since.
//
// A lower-case x or a legacy 15-digit number fails; NormalizeResidentID converts both.
// Messages mention the birth date and address code only when they are at fault.
func ResidentID(s string, now time.Time) error {
	const el = ElementResidentID
	if len(s) != 18 {
		switch n := utf8.RuneCountInString(s); {
		case n == 15 && allDigits(s):
			return fail(el, RuleLength, "ident.resident_id.legacy")
		case n != 18:
			return fail(el, RuleLength, "ident.resident_id.length", "Count", n)
		}
		return fail(el, RuleCharset, "ident.resident_id.non_ascii")
	}
	for i := 0; i < 17; i++ {
		if c := s[i]; c < '0' || c > '9' {
			return fail(el, RuleCharset, "ident.resident_id.digit", "Position", i+1)
		}
	}
	switch c := s[17]; {
	case c == 'x':
		return fail(el, RuleCase, "ident.resident_id.lower_x")
	case c != 'X' && (c < '0' || c > '9'):
		return fail(el, RuleCharset, "ident.resident_id.check_charset")
	}
	addr, _ := sixDigits(s[:6])
	if !knownDivision(addr) {
		return fail(el, RuleAddress, "ident.resident_id.address", "Code", fmt.Sprintf("%06d", addr))
	}
	if err := birthDate(s[6:14], now); err != nil {
		return err
	}
	if want := residentCheck(s); s[17] != want {
		return fail(el, RuleCheck, "ident.resident_id.check", "Want", string(rune(want)), "Got", string(rune(s[17])))
	}
	return nil
}

// birthDate checks eight digits YYYYMMDD.
func birthDate(d string, now time.Time) error {
	const el = ElementResidentID
	y := atoi(d[:4])
	m := atoi(d[4:6])
	day := atoi(d[6:8])
	if m < 1 || m > 12 || day < 1 || day > daysIn(y, m) {
		return fail(el, RuleBirthDate, "ident.resident_id.birth_unreal", "Date", d)
	}
	if y < MinBirthYear {
		return fail(el, RuleBirthDate, "ident.resident_id.birth_early", "Date", d, "Year", MinBirthYear)
	}
	ty, tm, td := now.In(chinaTime).Date()
	if y*10000+m*100+day > ty*10000+int(tm)*100+td {
		return fail(el, RuleBirthDate, "ident.resident_id.birth_future", "Date", d)
	}
	return nil
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// NormalizeResidentID brings an ID number to the 18-character form ResidentID checks:
// surrounding spaces are trimmed, a lower-case check x becomes X, and a legacy 15-digit
// number (GB 11643-1989: address, YYMMDD, sequence, no check) gets "19" before its year and
// a computed check character. It only reshapes: call ResidentID on the result. The error,
// for anything that is neither 15 digits nor 17 digits and a check character, names the
// problem without the value.
func NormalizeResidentID(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 15 && allDigits(s):
		body := s[:6] + "19" + s[6:]
		return body + string(residentCheck(body)), nil
	case len(s) == 18 && allDigits(s[:17]):
		switch c := s[17]; {
		case c == 'x':
			return s[:17] + "X", nil
		case c == 'X' || (c >= '0' && c <= '9'):
			return s, nil
		}
		return "", fail(ElementResidentID, RuleCharset, "ident.resident_id.check_charset")
	}
	n := utf8.RuneCountInString(s)
	if n == 15 || n == 18 {
		return "", fail(ElementResidentID, RuleCharset, "ident.resident_id.charset")
	}
	return "", fail(ElementResidentID, RuleLength, "ident.resident_id.length_any", "Count", n)
}
