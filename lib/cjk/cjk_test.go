package cjk

import (
	"reflect"
	"testing"
)

func terms(ts []Token) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Term)
	}
	return out
}

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		in   string
		uni  bool
		want []string
	}{
		{"企业登记信息", false, []string{"企业", "业登", "登记", "记信", "信息"}},
		{"企业登记", true, []string{"企业", "业登", "登记", "企", "业", "登", "记"}},
		{"水", false, []string{"水"}},
		{"Beijing 空气质量 PM2.5", false, []string{"beijing", "空气", "气质", "质量", "pm2", "5"}},
		{"统一社会信用代码（USCC）", false, []string{"统一", "一社", "社会", "会信", "信用", "用代", "代码", "uscc"}},
		{"  ", false, nil},
	} {
		if got := terms(Tokens(tc.in, tc.uni)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokens(%q, %v) = %q, want %q", tc.in, tc.uni, got, tc.want)
		}
	}
	if got := QueryTerms("登记 登记 Air air"); !reflect.DeepEqual(got, []string{"登记", "air"}) {
		t.Errorf("QueryTerms dedupe = %q", got)
	}
}
