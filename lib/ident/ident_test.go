package ident

import (
	"strings"
	"testing"
	"time"
)

// idWithCheck appends the GB 11643 check character to 17 digits, computed here from the
// standard's definition (Wi = 2^(17-i) mod 11) rather than the package's table.
func idWithCheck(body string) string {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for j := 0; j < 17-i; j++ {
			w = w * 2 % 11
		}
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// usccWithCheck completes a USCC from its first 16 characters: the organisation code's check
// (GB 11714) and then the USCC's (Wi = 3^(i-1) mod 31), computed here independently.
func usccWithCheck(first16 string) string {
	const set = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	org := orgWithCheck(first16[8:16])
	s := first16 + org[8:]
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(set, s[i]) * w
		w = w * 3 % 31
	}
	return s + string(set[(31-sum%31)%31])
}

func orgWithCheck(body string) string {
	weights := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		v := int(body[i] - '0')
		if body[i] >= 'A' {
			v = int(body[i]-'A') + 10
		}
		sum += v * weights[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		return body + "X"
	case 11:
		return body + "0"
	}
	return body + string(rune('0'+c))
}

var testNow = time.Date(2025, 6, 15, 4, 0, 0, 0, time.UTC) // 12:00 in China

func TestResidentIDRules(t *testing.T) {
	cases := []struct {
		name, id, rule, msg string // msg: a fragment of the message; "" with rule "" means valid
	}{
		{"published example", "11010519491231002X", "", ""},
		{"published example born 1880 in a county withdrawn 1993", "440524188001010014", "", ""},
		{"withdrawn district (崇文区 110103, 弃用 2010)", idWithCheck("11010319800101123"), "", ""},
		{"withdrawn county (燕山区 110110, 弃用 1986)", idWithCheck("11011019650301002"), "", ""},
		{"province-level address code", idWithCheck("11000019800101123"), "", ""},
		{"29 February of a leap year", idWithCheck("51010720000229456"), "", ""},
		{"born today", idWithCheck("33010620250615123"), "", ""},
		{"lower-case x", "11010519491231002x", RuleCase, "check character must be an upper-case X, not x"},
		{"16 characters", "1101051949123100", RuleLength, "must be 18 characters, not 16"},
		{"19 characters", "11010519491231002X1", RuleLength, "must be 18 characters, not 19"},
		{"empty", "", RuleLength, "must be 18 characters, not 0"},
		{"legacy 15 digits", "110105491231002", RuleLength, "legacy 15-digit"},
		{"letter in the body", "1101051949A231002X", RuleCharset, "character 11 must be a digit"},
		{"full-width digit", "11010519491231002１", RuleCharset, "has a non-ASCII character"},
		{"bad check character", "11010519491231002Y", RuleCharset, "check character (18th) must be a digit or X"},
		{"bad check digit", "110105194912310021", RuleCheck, "check digit is X, not 1"},
		{"month 13", idWithCheck("11010519491331002"), RuleBirthDate, "birth date 19491331 is not a real date"},
		{"month 00", idWithCheck("11010519490031002"), RuleBirthDate, "birth date 19490031 is not a real date"},
		{"30 February", idWithCheck("11010519490230002"), RuleBirthDate, "birth date 19490230 is not a real date"},
		{"29 February 1900 (not a leap year)", idWithCheck("11010519000229002"), RuleBirthDate, "birth date 19000229 is not a real date"},
		{"31 April", idWithCheck("11010519900431002"), RuleBirthDate, "birth date 19900431 is not a real date"},
		{"before 1850", idWithCheck("11010518491231002"), RuleBirthDate, "birth date 18491231 is before 1850"},
		{"future birth date", idWithCheck("11010520250616002"), RuleBirthDate, "birth date 20250616 is in the future"},
		{"far future", idWithCheck("11010530000101002"), RuleBirthDate, "is in the future"},
		{"address code never a division", idWithCheck("99010519491231002"), RuleAddress, "address code 990105 was never a division"},
		{"address code 000000", idWithCheck("00000019491231002"), RuleAddress, "address code 000000 was never a division"},
	}
	for _, c := range cases {
		err := ResidentID(c.id, testNow)
		if c.rule == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: passed", c.name)
			continue
		}
		if ruleOf(err) != c.rule || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %s %q; want %s %q", c.name, ruleOf(err), err, c.rule, c.msg)
		}
		if e := err.(*Error); e.Element != ElementResidentID {
			t.Errorf("%s: element %q", c.name, e.Element)
		}
		assertMasked(t, c.id, err)
	}
}

func TestResidentIDFutureTimeZone(t *testing.T) {
	id := idWithCheck("33010620250615123")
	// 23:00 UTC on the 14th is 07:00 on the 15th in China: born today, valid.
	if err := ResidentID(id, time.Date(2025, 6, 14, 23, 0, 0, 0, time.UTC)); err != nil {
		t.Error(err)
	}
	// 15:00 UTC on the 14th is 23:00 on the 14th in China: not born yet.
	if err := ResidentID(id, time.Date(2025, 6, 14, 15, 0, 0, 0, time.UTC)); ruleOf(err) != RuleBirthDate {
		t.Errorf("got %v; want a future birth date", err)
	}
}

func TestNormalizeResidentID(t *testing.T) {
	cases := []struct{ in, want, rule string }{
		{"110105491231002", "11010519491231002X", ""}, // the published example's legacy form
		{"440524800101001", idWithCheck("44052419800101001"), ""},
		{"11010519491231002x", "11010519491231002X", ""},
		{" 11010519491231002X ", "11010519491231002X", ""},
		{"11010519491231002X", "11010519491231002X", ""},
		{"110105194912310021", "110105194912310021", ""}, // reshaped only; ResidentID rejects it
		{"11010549123100", "", RuleLength},
		{"11010549123100A", "", RuleCharset},
		{"11010519491231002Z", "", RuleCharset},
		{"", "", RuleLength},
	}
	for _, c := range cases {
		got, err := NormalizeResidentID(c.in)
		if got != c.want || ruleOf(err) != c.rule {
			t.Errorf("NormalizeResidentID(%s) = %s, %v; want %s, rule %q", Mask(c.in), Mask(got), err, Mask(c.want), c.rule)
		}
		if err != nil {
			assertMasked(t, c.in, err)
		}
	}
	// Every upgraded legacy number passes its check; its validity then depends only on the
	// date and address.
	up, _ := NormalizeResidentID("110105491231002")
	if err := ResidentID(up, testNow); err != nil {
		t.Errorf("upgraded legacy number: %v", err)
	}
	bad, _ := NormalizeResidentID("990105491231002")
	if ruleOf(ResidentID(bad, testNow)) != RuleAddress {
		t.Error("an upgraded legacy number with a bad address code passed")
	}
}

func TestUSCCRules(t *testing.T) {
	cases := []struct{ name, s, rule, msg string }{
		{"standard's example", "91350100M000100Y43", "", ""},
		{"central authority 100000", usccWithCheck("91100000MA000000"), "", ""},
		{"development-zone authority 110302 (not in GB/T 2260)", usccWithCheck("91110302MA000000"), "", ""},
		{"department 2 (外交), lenient kind", usccWithCheck("21110000MA000000"), "", ""},
		{"department N (农业农村)", usccWithCheck("N2330106MA000000"), "", ""},
		{"department Y", usccWithCheck("Y1330106MA000000"), "", ""},
		{"lower-case letter", "91350100m000100Y43", RuleCase, "character 9 (m) must be upper-case"},
		{"17 characters", "91350100M000100Y4", RuleLength, "must be 18 characters, not 17"},
		{"I", "91350100M000100YI3", RuleCharset, "character 17 (I) is not in the USCC character set"},
		{"O in the division part", "9135010OM000100Y43", RuleCharset, "character 8 (O)"},
		{"S", "91350100S000100Y43", RuleCharset, "character 9 (S)"},
		{"punctuation", "91350100M000100Y4.", RuleCharset, "character 18 (.)"},
		{"space", "91350100M000100Y4 ", RuleCharset, "character 18 (0x20)"},
		{"non-ASCII", "91350100M000100Y4字", RuleCharset, "has a non-ASCII character"},
		{"unknown department B", usccWithCheck("B1350100MA000000"), RuleDepartment, "registration department code B (1st character) is not one of"},
		{"department 0", usccWithCheck("01350100MA000000"), RuleDepartment, "registration department code 0"},
		{"kind 4 of department 9", usccWithCheck("94350100MA000000"), RuleKind, "institution kind 4 (2nd character) is not one of 1, 2, 3 for department 9"},
		{"kind 4 of department 5", usccWithCheck("54350100MA000000"), RuleKind, "not one of 1, 2, 3, 9 for department 5"},
		{"kind A of department 1", usccWithCheck("1A350100MA000000"), RuleKind, "for department 1"},
		{"letter in the division part", usccWithCheck("9135A100MA000000"), RuleDivision, "must be six digits"},
		{"no such province", usccWithCheck("91990100MA000000"), RuleDivision, "990100 (characters 3–8) is in no province"},
		{"organisation code check", "91350100M000100Y53", RuleOrgCode, "organisation code (characters 9–17) check character is 4, not 5"},
		{"check character", "91350100M000100Y44", RuleCheck, "check character is 3, not 4"},
	}
	for _, c := range cases {
		err := USCC(c.s)
		if c.rule == "" {
			if err != nil {
				t.Errorf("%s: %s: %v", c.name, c.s, err)
			}
			continue
		}
		if ruleOf(err) != c.rule || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %s %q; want %s %q", c.name, ruleOf(err), err, c.rule, c.msg)
			continue
		}
		assertMasked(t, c.s, err)
	}
	if n := NormalizeUSCC(" 91350100m000100y43\t"); n != "91350100M000100Y43" || USCC(n) != nil {
		t.Errorf("NormalizeUSCC = %q", n)
	}
}

func TestOrgCodeRules(t *testing.T) {
	cases := []struct{ s, rule, msg string }{
		{"D2143569-X", "", ""},
		{"D2143569X", "", ""},
		{"M0001000-6", "", ""},
		{"MA2B0000-0", "", ""},
		{"D2143569-5", RuleCheck, "check character is X, not 5"},
		{"12345678-7", RuleCheck, "check character is 8, not 7"},
		{"D2143569-x", RuleCase, "upper-case X, not x"},
		{"d2143569-X", RuleCase, "character 1 (d) must be upper-case"},
		{"D214356-9X", RuleLength, "with the hyphen 9th"},
		{"D2143569--X", RuleLength, "not 11"},
		{"D21435", RuleLength, "not 6"},
		{"D2_43569-X", RuleCharset, "character 3 (_) must be a digit or an upper-case letter"},
		{"D2143569-Y", RuleCheck, "check character is X, not Y"},
	}
	for _, c := range cases {
		err := OrgCode(c.s)
		if c.rule == "" {
			if err != nil {
				t.Errorf("%s: %v", c.s, err)
			}
			continue
		}
		if ruleOf(err) != c.rule || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %s %q; want %s %q", c.s, ruleOf(err), err, c.rule, c.msg)
		}
	}
}

func TestMobile(t *testing.T) {
	valid := map[string]string{
		"13800138000":       "13800138000",
		"+86 138 0013 8000": "13800138000",
		"+8613800138000":    "13800138000",
		"86-138-0013-8000":  "13800138000",
		"0086 13800138000":  "13800138000",
		"147 1234 5678":     "14712345678", // data-plan prefix, used as a phone
		"15012345678":       "15012345678",
		"16612345678":       "16612345678",
		"17012345678":       "17012345678",
		"17400123456":       "17400123456",
		"19912345678":       "19912345678",
		"13491234567":       "13491234567",
		"16212345678":       "16212345678", // newer prefixes, missing from regex.json
		"17212345678":       "17212345678",
		"19012345678":       "19012345678",
		"19212345678":       "19212345678",
		"19312345678":       "19312345678",
		"19512345678":       "19512345678",
		"19612345678":       "19612345678",
		"19712345678":       "19712345678",
		"16191234567":       "16191234567",
		" 193-1234-5678 ":   "19312345678",
	}
	for in, want := range valid {
		got, err := NormalizeMobile(in)
		if err != nil || got != want {
			t.Errorf("NormalizeMobile(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err := Mobile(in); err != nil {
			t.Errorf("Mobile(%q): %v", in, err)
		}
	}
	invalid := []struct{ s, rule, msg string }{
		{"19412345678", RulePrefix, "prefix 194 is not a mainland mobile prefix"},
		{"15412345678", RulePrefix, "prefix 154"},
		{"12345678901", RulePrefix, "prefix 123"},
		{"14012345678", RulePrefix, "prefix 140"},
		{"17421234567", RulePrefix, "prefix 174 is only partly assigned"},
		{"16101234567", RulePrefix, "prefix 161 is only partly assigned"},
		{"23800138000", RulePrefix, "must start with 1"},
		{"1380013800", RuleLength, "has 10"},
		{"138001380001", RuleLength, "has 12"},
		{"", RuleLength, "has 0"},
		{"+1 650 253 0000", RulePrefix, "followed by 86"},
		{"+86+13800138000", RuleCharset, ""},
		{"138 0013 800O", RuleCharset, "only digits"},
		{"(+86) 13800138000", RuleCharset, ""},
		{"1440123456789", RuleIoT, "13-digit IoT number (prefix 144)"},
		{"+86 1410 1234 56789", RuleIoT, "prefix 141"},
		{strings.Repeat("1", 40), RuleLength, "more than 32"},
	}
	for _, c := range invalid {
		err := Mobile(c.s)
		if ruleOf(err) != c.rule || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Mobile(%q) = %s %q; want %s %q", c.s, ruleOf(err), err, c.rule, c.msg)
			continue
		}
		assertMasked(t, c.s, err)
		if d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, c.s); len(d) >= 11 && strings.Contains(err.Error(), d[len(d)-8:]) {
			t.Errorf("Mobile(%q): message %q repeats the number", c.s, err)
		}
	}
}

func TestDivision(t *testing.T) {
	for _, s := range []string{"110101", "110000", "350102", "110103", "110110", "440524", "429004", "659001", "710000", "810000"} {
		if err := Division(s); err != nil {
			t.Errorf("Division(%s): %v", s, err)
		}
	}
	for _, c := range []struct{ s, rule, msg string }{
		{"990105", RuleDivision, "division code 990105 was never a division"},
		{"359999", RuleDivision, "359999 was never"},
		{"11010", RuleLength, "not 5 characters"},
		{"1101011", RuleLength, "not 7 characters"},
		{"11010a", RuleCharset, "must be six digits"},
		{"１１０１０１", RuleCharset, "has a non-digit"},
	} {
		err := Division(c.s)
		if ruleOf(err) != c.rule || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Division(%q) = %s %q; want %s %q", c.s, ruleOf(err), err, c.rule, c.msg)
		}
	}
}

func TestByElement(t *testing.T) {
	for code, good := range map[string]string{
		"resident_id": "11010519491231002X",
		"uscc":        "91350100M000100Y43",
		"org_code":    "D2143569-X",
		"mobile":      "+86 138 0013 8000",
		"division":    "110103",
	} {
		f, ok := ByElement(code)
		if !ok {
			t.Errorf("ByElement(%s): none", code)
			continue
		}
		if err := f(good); err != nil {
			t.Errorf("%s(%s): %v", code, Mask(good), err)
		}
		err := f("0")
		var e *Error
		if err == nil || !asError(err, &e) || e.Element != code {
			t.Errorf("%s(0) = %v; want an *Error of element %s", code, err, code)
		}
	}
	for _, code := range []string{"name", "address", "birth_date", ""} {
		if _, ok := ByElement(code); ok {
			t.Errorf("ByElement(%s): a validator", code)
		}
	}
	// resident_id is bound to the current time: a number born the day after tomorrow fails.
	f, _ := ByElement("resident_id")
	future := idWithCheck("110105" + time.Now().AddDate(0, 0, 2).Format("20060102") + "002")
	if err := f(future); ruleOf(err) != RuleBirthDate {
		t.Errorf("resident_id of a future birth: %v", err)
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"11010519491231002X": "110105********002X",
		"110105491231002":    "110105*****1002",
		"13800138000":        "138****8000",
		"8613800138000":      "861******8000",
		"D2143569X":          "D*******X",
		"1234":               "****",
		"":                   "",
		"公民身份号码公民身份号码公民身份号码": "公民身份号码********身份号码",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestComplete(t *testing.T) {
	for _, head := range []string{"91350100MA2YQ3XK", "9135010315439721", "1235000000000001"} {
		if s := CompleteUSCC(head); USCC(s) != nil || s[:16] != head {
			t.Errorf("CompleteUSCC(%s) = %s: %v", head, s, USCC(s))
		}
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, body := range []string{"35010219800101001", "11010519491231002"} {
		if s := CompleteResidentID(body); ResidentID(s, now) != nil {
			t.Errorf("CompleteResidentID(%s) = %s: %v", body, s, ResidentID(s, now))
		}
	}
}
