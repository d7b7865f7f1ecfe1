package ident

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"sync"
)

// mobileRegexJSON is VincentSit/ChinaMobilePhoneNumberRegex regex.json (2019; see
// docs/DATA.md). Its patterns accept an optional "+86"/"86" before the number.
//
//go:embed data/china-mobile-regex.json
var mobileRegexJSON []byte

// newerMobilePattern adds the prefixes assigned after regex.json was written, from MIIT's
// table 我国公众移动通信网网号及H0分配情况 (as of March 2023): 162 (Telecom resale),
// 172 (China Mobile), 190/193 (Telecom), 192 (China Broadnet), 195/197 (China Mobile),
// 196 (Unicom) and 1619 (satellite). 194 is still unassigned.
const newerMobilePattern = `^1(?:62\d|72\d|9[0235-7]\d|619)\d{7}$`

type mobilePatterns struct {
	person *regexp.Regexp // 11-digit numbers of regex.json (misc.sms) or newer prefixes
	newer  *regexp.Regexp
	iot    *regexp.Regexp // 13-digit IoT numbers (iot.all)
}

var mobileRegexps = sync.OnceValue(func() mobilePatterns {
	var doc struct {
		Misc struct {
			SMS string `json:"sms"`
		} `json:"misc"`
		IoT struct {
			All string `json:"all"`
		} `json:"iot"`
	}
	if err := json.Unmarshal(mobileRegexJSON, &doc); err != nil || doc.Misc.SMS == "" || doc.IoT.All == "" {
		panic("ident: embedded china-mobile-regex.json is unreadable") // a build error
	}
	return mobilePatterns{
		person: regexp.MustCompile(doc.Misc.SMS),
		newer:  regexp.MustCompile(newerMobilePattern),
		iot:    regexp.MustCompile(doc.IoT.All),
	}
})

// NormalizeMobile returns the bare 11-digit form of a mainland mobile number written with
// spaces, hyphens and an optional +86, 86 or 0086 country prefix (e.g. "+86 138-0013-8000"
// becomes "13800138000"), or Mobile's error.
func NormalizeMobile(s string) (string, error) {
	const el = ElementMobile
	var buf [32]byte
	d := buf[:0]
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if len(d) == cap(d) {
				return "", fail(el, RuleLength, "ident.mobile.too_long", "Count", cap(d))
			}
			d = append(d, c)
		case c == ' ' || c == '-' || c == '\t':
		case c == '+' && len(d) == 0 && !plus:
			plus = true
		default:
			return "", fail(el, RuleCharset, "ident.mobile.charset")
		}
	}
	switch {
	case plus && !(len(d) >= 2 && d[0] == '8' && d[1] == '6'):
		return "", fail(el, RulePrefix, "ident.mobile.plus")
	case len(d) > 4 && string(d[:4]) == "0086" && d[4] == '1':
		d = d[4:]
	case len(d) > 11 && d[0] == '8' && d[1] == '6' && d[2] == '1':
		d = d[2:] // 86 then 11 digits, or 86 then a 13-digit IoT number
	}
	if len(d) == 13 && mobileRegexps().iot.Match(d) {
		return "", fail(el, RuleIoT, "ident.mobile.iot", "Digit", string(rune(d[2])))
	}
	if len(d) != 11 {
		return "", fail(el, RuleLength, "ident.mobile.length", "Count", len(d))
	}
	if d[0] != '1' {
		return "", fail(el, RulePrefix, "ident.mobile.start")
	}
	p := mobileRegexps()
	if !p.person.Match(d) && !p.newer.Match(d) {
		if p3 := string(d[:3]); p3 == "161" || p3 == "174" {
			return "", fail(el, RulePrefix, "ident.mobile.partial_prefix", "Prefix", p3)
		}
		return "", fail(el, RulePrefix, "ident.mobile.prefix", "Prefix", string(d[:3]))
	}
	return string(d), nil
}

// Mobile checks a mainland China mobile number: 11 digits whose prefix a carrier uses
// (regex.json's patterns plus the prefixes assigned since, see newerMobilePattern), with an
// optional +86, 86 or 0086 before it and spaces or hyphens anywhere. 13-digit IoT numbers
// (140/141/144/146/148) are not mobile numbers and fail. Data-only prefixes (145/147/149)
// pass: they are 11-digit numbers that many people use as their phone.
func Mobile(s string) error {
	_, err := NormalizeMobile(s)
	return err
}
