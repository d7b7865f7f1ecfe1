package ident

import (
	"strings"
	"testing"
	"time"
)

func FuzzResidentID(f *testing.F) {
	v := loadVectors(f)
	for _, s := range v.ResidentID.Valid {
		f.Add(s)
	}
	for s := range v.ResidentID.Invalid {
		f.Add(s)
	}
	f.Add("110105491231002")
	f.Add(" 11010519491231002x ")
	f.Add(idWithCheck("11010320000229123"))
	f.Add("11010519491231002１")
	now := testNow
	f.Fuzz(func(t *testing.T, s string) {
		err := ResidentID(s, now)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			assertMasked(t, s, err)
		}
		n, nerr := NormalizeResidentID(s)
		if nerr != nil {
			assertMasked(t, s, nerr)
			if err == nil {
				t.Fatalf("valid %q does not normalise: %v", s, nerr)
			}
			return
		}
		// A valid number is already normal; normalising is idempotent and gives the
		// 18-character form.
		if err == nil && n != s {
			t.Fatalf("valid %q normalises to %q", s, n)
		}
		if n2, err2 := NormalizeResidentID(n); err2 != nil || n2 != n {
			t.Fatalf("normalising %q twice: %q, %v", n, n2, err2)
		}
		if len(n) != 18 {
			t.Fatalf("normal form %q is not 18 characters", n)
		}
		nerrCheck := ResidentID(n, now)
		if nerrCheck != nil {
			assertMasked(t, n, nerrCheck)
			// Only the form changes: a normal form fails for the rules of content, never
			// for length, charset or case.
			switch r := ruleOf(nerrCheck); r {
			case RuleLength, RuleCharset, RuleCase:
				t.Fatalf("normal form %q fails rule %s: %v", n, r, nerrCheck)
			case RuleCheck:
				if len(strings.TrimSpace(s)) == 15 {
					t.Fatalf("upgraded legacy number %q fails its computed check", n)
				}
			}
		}
		// The case of x is the only difference normalisation makes to 18 characters.
		if len(s) == 18 && strings.ToUpper(s) == n && ruleOf(err) != RuleCase && (err == nil) != (nerrCheck == nil) {
			t.Fatalf("%q and its normal form %q differ in validity: %v / %v", s, n, err, nerrCheck)
		}
	})
}

func FuzzUSCC(f *testing.F) {
	v := loadVectors(f)
	for _, s := range v.USCC.Valid {
		f.Add(s)
		f.Add(strings.ToLower(s))
	}
	for s := range v.USCC.Invalid {
		f.Add(s)
	}
	f.Add(" 91350100m000100y43 ")
	f.Add("91350100M000100Y4字")
	f.Fuzz(func(t *testing.T, s string) {
		err := USCC(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			assertMasked(t, s, err)
		} else if oerr := OrgCode(s[8:17]); oerr != nil {
			t.Fatalf("valid %q has a bad organisation code: %v", s, oerr)
		}
		n := NormalizeUSCC(s)
		if err == nil && n != s {
			t.Fatalf("valid %q normalises to %q", s, n)
		}
		if n2 := NormalizeUSCC(n); n2 != n {
			t.Fatalf("normalising %q twice gives %q", n, n2)
		}
		nerr := USCC(n)
		if nerr != nil && ruleOf(nerr) == RuleCase {
			t.Fatalf("normal form %q fails on case: %v", n, nerr)
		}
		// Case aside, normalising does not change validity.
		if strings.TrimSpace(s) == s && ruleOf(err) != RuleCase && (err == nil) != (nerr == nil) {
			t.Fatalf("%q and its normal form %q differ in validity: %v / %v", s, n, err, nerr)
		}
		_ = OrgCode(s)
		_ = Mobile(s)
		_ = Division(s)
		_ = ResidentID(s, time.Time{})
	})
}

func BenchmarkResidentID(b *testing.B) {
	now := time.Now()
	ids := []string{"11010519491231002X", "440524188001010014", "330106199003071236", "110105194912310021"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = ResidentID(ids[i%len(ids)], now)
	}
}

func BenchmarkUSCC(b *testing.B) {
	codes := []string{"91350100M000100Y43", "91330106MA2B00019Q", "12330000470000128M", "91350100M000100Y44"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = USCC(codes[i%len(codes)])
	}
}

func BenchmarkMobile(b *testing.B) {
	nums := []string{"13800138000", "+86 193 1234 5678", "19412345678"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Mobile(nums[i%len(nums)])
	}
}
