package pubdata

import (
	"strconv"
	"strings"
	"testing"
)

var testDiscoveryTests = DiscoveryTests{
	ResidentID: func(v string) bool { return len(v) == 18 && strings.HasPrefix(v, "3501") },
	Mobile:     func(v string) bool { return len(v) == 11 && v[0] == '1' },
	BankCard:   func(v string) bool { return len(v) == 16 && v[0] == '6' },
	Email:      func(v string) bool { return strings.Contains(v, "@") },
}

func discoverySample(cols []string, rows ...[]string) *RowSample {
	return &RowSample{Columns: cols, Rows: rows}
}

func TestDiscoverItems(t *testing.T) {
	items := []Item{{Name: "uscc", Title: "统一社会信用代码", Type: "string", Element: "uscc"}, {Name: "remark", Title: "备注", Type: "string"},
		{Name: "holder", Title: "持有人", Type: "string"}, {Name: "place", Title: "场所", Type: "string"}, {Name: "idno", Title: "证件号码", Type: "string", Personal: true}}
	f := &EntryFields{Items: items}
	cols := []string{"uscc", "remark", "holder", "place", "idno"}
	id := "350102198001010023"
	for _, c := range []struct {
		name string
		rows [][]string
		want []string // item:kind:matched/sampled:grade
	}{
		{"nothing personal", [][]string{{"u1", "无", "福州分公司", "仓山", id}}, nil},
		{"ID numbers in an unmarked column", [][]string{{"u1", id, "", "", id}, {"u2", id, "", "", ""}, {"u3", "无", "", "", ""}},
			[]string{"remark:resident_id:2/3:4"}},
		{"a marked column is not raised", [][]string{{"u1", "", "", "", id}}, nil},
		{"under 30 % is not raised", [][]string{{"u1", id}, {"u2", "a"}, {"u3", "b"}, {"u4", "c"}}, nil},
		{"bank cards, mobile numbers, e-mail", [][]string{{"u1", "6222020000000001", "13800138000", "a@b.cn"}},
			[]string{"remark:bank_card:1/1:4", "holder:mobile:1/1:3", "place:email:1/1:2"}},
		{"names next to addresses", [][]string{{"u1", "", "张三", "福州市鼓楼区五四路100号"}, {"u2", "", "李四", "福州市台江区八一七路8号"}},
			[]string{"holder:name:2/2:2", "place:address:2/2:3"}},
		{"names next to another personal item", [][]string{{"u1", "", "张三", ""}, {"u2", "", "李四", ""}},
			[]string{"holder:name:2/2:2"}},
	} {
		var got []string
		for _, d := range DiscoverItems(f, discoverySample(cols, c.rows...), testDiscoveryTests) {
			got = append(got, d.Item+":"+d.Kind+":"+strconv.Itoa(d.Matched)+"/"+strconv.Itoa(d.Sampled)+":"+strconv.Itoa(d.Grade))
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// Names alone, in a table with nothing else personal, are not raised (places and
	// companies often look like names).
	plain := &EntryFields{Items: []Item{{Name: "holder", Title: "持有人", Type: "string"}}}
	if got := DiscoverItems(plain, discoverySample([]string{"holder"}, []string{"张三"}, []string{"李四"}), testDiscoveryTests); len(got) != 0 {
		t.Errorf("names alone: %+v", got)
	}
	if got := DiscoverItems(plain, discoverySample([]string{"holder"}, []string{"福州市鼓楼区五四路100号"}, []string{"福州市台江区八一七路8号"}), testDiscoveryTests); len(got) != 0 {
		t.Errorf("addresses alone: %+v", got)
	}
	if got := DiscoverItems(f, nil, testDiscoveryTests); len(got) != 0 {
		t.Errorf("no sample: %+v", got)
	}
}

func TestMarkDiscovered(t *testing.T) {
	f := EntryFields{Items: []Item{{Name: "remark", Grade: 1}, {Name: "other", Grade: 4}}}
	got, err := MarkDiscovered(f, &DiscoveredItem{Item: "remark", Kind: PersonalResidentID, Grade: 4})
	if err != nil || !got.Items[0].Personal || got.Items[0].Grade != 4 || f.Items[0].Personal {
		t.Fatalf("marked %+v %v (original %+v)", got.Items, err, f.Items)
	}
	got, _ = MarkDiscovered(f, &DiscoveredItem{Item: "other", Kind: PersonalEmail, Grade: 2})
	if got.Items[1].Grade != 4 {
		t.Fatalf("a higher grade lowered: %+v", got.Items[1])
	}
	if _, err := MarkDiscovered(f, &DiscoveredItem{Item: "gone"}); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("gone: %v", err)
	}
}

func TestCanDecideDiscovery(t *testing.T) {
	unit := &Org{Code: "fz-scj", Kind: KindPublicBody, Division: "350100"}
	auth := &Org{Code: "fj-dsj", Kind: KindAuthority, Division: "350000"}
	for _, c := range []struct {
		name           string
		a              *Actor
		accept, reject bool
	}{
		{"provider editor", &Actor{User: &User{Role: RoleEditor}, Org: unit}, true, true},
		{"provider member", &Actor{User: &User{Role: RoleMember}, Org: unit}, false, false},
		{"authority reviewer", &Actor{User: &User{Role: RoleReviewer}, Org: auth}, false, true},
		{"authority member", &Actor{User: &User{Role: RoleMember}, Org: auth}, false, false},
		{"another city's reviewer", &Actor{User: &User{Role: RoleReviewer}, Org: &Org{Code: "xm", Kind: KindAuthority, Division: "350200"}}, false, false},
	} {
		if got := CanDecideDiscovery(c.a, "fz-scj", "350100", true); got != c.accept {
			t.Errorf("%s accept: %v", c.name, got)
		}
		if got := CanDecideDiscovery(c.a, "fz-scj", "350100", false); got != c.reject {
			t.Errorf("%s dismiss: %v", c.name, got)
		}
	}
}
