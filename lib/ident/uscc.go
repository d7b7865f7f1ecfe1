package ident

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// usccChars is GB 32100-2015's character set of 31 (no I, O, S, V, Z); a character's value
// is its index.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are Wi = 3^(i-1) mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccValue maps a byte to its value in usccChars, or -1.
var usccValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(usccChars); i++ {
		v[usccChars[i]] = int8(i)
	}
	return v
}()

// usccKinds lists, per registration department (position 1), the institution kinds
// (position 2) of GB 32100-2015 Annex A that we are sure of:
//   - 1 机构编制: 1 机关, 2 事业单位, 3 中央编办直接管理机构编制的群众团体, 9 其他;
//   - 5 民政: 1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他;
//   - 9 工商 (市场监管): 1 企业, 2 个体工商户, 3 农民专业合作社.
//
// The other departments are accepted with any kind from the character set: the codes
// assigned to them (2 外交, 3 司法行政, 4 文化, 6 旅游, 7 宗教, 8 工会, A 中央军委改革和编制办公室,
// N 农业农村, Y 其他) were extended after 2015 by notices we do not have, so we are lenient
// rather than reject real codes.
var usccKinds = map[byte]string{'1': "1239", '5': "1239", '9': "123"}

// usccDepartments is the set of registration-department codes (position 1) accepted: those
// of GB 32100-2015 Annex A and its later assignments (A, N). Lenient in the same way.
const usccDepartments = "123456789ANY"

// USCC checks a unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters
// from the set of 31 (digits and upper-case letters but I, O, S, V, Z); position 1 a
// registration department and position 2 an institution kind (see usccKinds for how strict);
// positions 3–8 the registration authority's division code — six digits in a known province
// or 100000 for central authorities, syntax only, because authorities such as development
// zones register under statistical codes that GB/T 2260 lacks (e.g. 110302, Beijing E-Town);
// positions 9–17 an organisation code passing the GB 11714 check; position 18 the check
// character C18 = (31 − Σ Ci·Wi mod 31) mod 31. Lower-case letters fail: NormalizeUSCC.
func USCC(s string) error {
	const el = ElementUSCC
	if len(s) != 18 {
		if n := utf8.RuneCountInString(s); n != 18 {
			return fail(el, RuleLength, "ident.uscc.length", "Count", n)
		}
		return fail(el, RuleCharset, "ident.uscc.non_ascii")
	}
	sum := 0
	for i := 0; i < 18; i++ {
		c := s[i]
		v := usccValue[c]
		if v < 0 {
			if c >= 'a' && c <= 'z' && usccValue[c-'a'+'A'] >= 0 {
				return fail(el, RuleCase, "ident.uscc.lower", "Position", i+1, "Char", string(rune(c)))
			}
			return fail(el, RuleCharset, "ident.uscc.charset", "Position", i+1, "Char", quoteByte(c))
		}
		if i < 17 {
			sum += int(v) * usccWeights[i]
		}
	}
	dept, kind := s[0], s[1]
	if strings.IndexByte(usccDepartments, dept) < 0 {
		return fail(el, RuleDepartment, "ident.uscc.department", "Dept", string(rune(dept)))
	}
	if kinds, ok := usccKinds[dept]; ok && strings.IndexByte(kinds, kind) < 0 {
		return fail(el, RuleKind, "ident.uscc.kind", "Kind", string(rune(kind)), "Kinds", commaList(kinds), "Dept", string(rune(dept)))
	}
	area, ok := sixDigits(s[2:8])
	if !ok {
		return fail(el, RuleDivision, "ident.uscc.division_digits")
	}
	if area != 100000 && !knownDivision(area/10000*10000) {
		return fail(el, RuleDivision, "ident.uscc.division_province", "Code", fmt.Sprintf("%06d", area))
	}
	if want, ok := orgCheck(s[8:16]); !ok || s[16] != want {
		return fail(el, RuleOrgCode, "ident.uscc.org_code", "Want", string(rune(want)), "Got", string(rune(s[16])))
	}
	if want := usccChars[(31-sum%31)%31]; s[17] != want {
		return fail(el, RuleCheck, "ident.uscc.check", "Want", string(rune(want)), "Got", string(rune(s[17])))
	}
	return nil
}

// NormalizeUSCC trims surrounding spaces and upper-cases ASCII letters; call USCC on the
// result.
func NormalizeUSCC(s string) string {
	return upperASCII(strings.TrimSpace(s))
}

// orgWeights are GB 11714-1997's weights of the 8 body characters.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCheck returns the check character of an 8-character body (digits 0–9, letters A–Z as
// 10–35); ok is false when a character is outside that set.
func orgCheck(body string) (byte, bool) {
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return '?', false
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + c), true
	}
}

// OrgCode checks an organisation code (组织机构代码, GB 11714-1997): 8 body characters (digits
// and upper-case letters) and a check character C9 = 11 − (Σ Ci·Wi mod 11), 10 written X and
// 11 written 0; as XXXXXXXX-X or without the hyphen.
func OrgCode(s string) error {
	const el = ElementOrgCode
	switch {
	case len(s) == 10 && s[8] == '-':
		s = s[:8] + s[9:]
	case len(s) == 10:
		return fail(el, RuleLength, "ident.org_code.hyphen")
	case len(s) != 9:
		if n := utf8.RuneCountInString(s); n != 9 && n != 10 {
			return fail(el, RuleLength, "ident.org_code.length", "Count", n)
		}
		return fail(el, RuleCharset, "ident.org_code.non_ascii")
	}
	for i := 0; i < 8; i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			return fail(el, RuleCase, "ident.uscc.lower", "Position", i+1, "Char", string(rune(c)))
		case !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'):
			return fail(el, RuleCharset, "ident.org_code.charset", "Position", i+1, "Char", quoteByte(c))
		}
	}
	want, _ := orgCheck(s[:8])
	switch c := s[8]; {
	case c == 'x':
		return fail(el, RuleCase, "ident.org_code.lower_x")
	case c != want:
		return fail(el, RuleCheck, "ident.org_code.check", "Want", string(rune(want)), "Got", quoteByte(c))
	}
	return nil
}

// quoteByte shows one byte of a value: printable ASCII as itself, anything else in hex.
func quoteByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return string(rune(c))
	}
	return "0x" + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
}

func commaList(chars string) string {
	var b strings.Builder
	for i := 0; i < len(chars); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte(chars[i])
	}
	return b.String()
}

func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
