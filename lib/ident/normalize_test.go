package ident

import "testing"

func TestNormalizeByElement(t *testing.T) {
	for _, tc := range []struct{ code, in, want string }{
		{ElementResidentID, "11010519491231002x", "11010519491231002X"},
		{ElementResidentID, " 110105 19491231 002x ", "11010519491231002X"},
		{ElementResidentID, "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{ElementResidentID, "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{ElementUSCC, "91350100m000100y43", "91350100M000100Y43"},
		{ElementUSCC, "９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"},
		{ElementMobile, "+86 138 0013 8000", "13800138000"},
		{ElementDivision, "350 100", "350100"},
		{"", "  张 三  ", "张 三"},
		{"name", "Ａ", "A"},
		{ElementResidentID, "not an id", "notanid"},
	} {
		if got := NormalizeByElement(tc.code, tc.in); got != tc.want {
			t.Errorf("NormalizeByElement(%q, %q) = %q, want %q", tc.code, tc.in, got, tc.want)
		}
	}
}
