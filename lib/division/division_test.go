package division

import "testing"

func TestDefault(t *testing.T) {
	d := Default()
	for code, name := range map[string]string{"350000": "福建省", "350100": "福州市", "350102": "鼓楼区", "110101": "东城区"} {
		got, ok := d.Lookup(code)
		if !ok || got.Name != name {
			t.Errorf("Lookup(%s) = %+v, %v; want %s", code, got, ok, name)
		}
	}
	if err := d.Check("359999"); err == nil {
		t.Error("Check(359999) = nil; want an error for an unknown code")
	}
	if err := d.Check("35000"); err == nil {
		t.Error("Check(35000) = nil; want an error for a short code")
	}
	if n := len(d.Within("350000")); n < 80 {
		t.Errorf("Within(350000) has %d divisions; want all of Fujian's", n)
	}
}
