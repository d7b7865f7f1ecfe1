package ident

import (
	"net/mail"
	"strings"
)

// BankCard reports whether s is a bank card number: 16 to 19 digits (spaces and hyphens
// between groups allowed) issued by a card scheme (first digit 3, 4, 5 or 6: JCB and
// American Express, Visa, Mastercard, UnionPay) whose last digit is the Luhn check digit
// (ISO/IEC 7812-1).
func BankCard(s string) bool {
	var d [19]byte
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return false
			}
			d[n] = c - '0'
			n++
		case (c == ' ' || c == '-') && n > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	if n < 16 || d[0] < 3 || d[0] > 6 {
		return false
	}
	sum := 0
	for i := 0; i < n; i++ {
		v := int(d[n-1-i])
		if i%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// Email reports whether s is a bare e-mail address (RFC 5322 addr-spec, as net/mail parses
// it) whose domain has a dot: "a@b.cn", not "Name <a@b.cn>" nor "a@localhost".
func Email(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
