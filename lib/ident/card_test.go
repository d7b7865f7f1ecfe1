package ident

import "testing"

func TestBankCard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"6222021234567890128", true},
		{"6222021234567890129", false}, // Luhn fails
		{"4111111111111111", true},     // Visa test number
		{"4111 1111 1111 1111", true},
		{"4111-1111-1111-1111", true},
		{"5500005555555559", true},
		{"6228480402564890018", true},
		{"4111111111111112", false},
		{"411111111111111", false},      // 15 digits
		{"1111111111111117", false},     // no scheme starts with 1
		{"11010519491231002X", false},   // a resident ID
		{"41111111111111111111", false}, // 20 digits
		{" 4111111111111111", false},
		{"4111111111111111 ", false},
		{"", false},
	} {
		if got := BankCard(c.in); got != c.want {
			t.Errorf("BankCard(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestEmail(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"zhang.san@example.com.cn", true},
		{"a+b@mail.gov.cn", true},
		{"a@localhost", false},
		{"Zhang <a@b.cn>", false},
		{"a@b.cn ", false},
		{"not an address", false},
		{"@b.cn", false},
		{"a@.cn", false},
		{"", false},
	} {
		if got := Email(c.in); got != c.want {
			t.Errorf("Email(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
