package mask

import (
	"testing"

	"github.com/pubdata/pubdata"
)

func TestPartial(t *testing.T) {
	tests := []struct {
		kind Kind
		in   string
		want string
	}{
		{ResidentID, "11010519491231002X", "110105********002X"},
		{ResidentID, "110105491231002", "110105*****1002"},
		{ResidentID, "12345", "1***5"}, // too short for 6+4: the generic rule
		{Name, "张三", "张*"},
		{Name, "张三丰", "张**"},
		{Name, "欧阳娜娜", "欧阳**"},
		{Name, "欧阳娜", "欧阳*"},
		{Name, "欧阳", "欧*"},
		{Name, "李", "*"},
		{Name, "", ""},
		{Name, "John Smith", "J*** *****"},
		{Phone, "13812341234", "138****1234"},
		{Phone, "+86 138 1234 1234", "+86 1** **** 1234"},
		{Phone, "0591-87654321", "059*-****4321"},
		{Phone, "110", "*10"},
		{Address, "福建省福州市鼓楼区五四路158号", "福建省福州市鼓楼区*******"},
		{Address, "北京市东城区", "北京市东城区"},
		{Address, "广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区南宁市青秀区********"},
		{Address, "福建省福州市闽侯县上街镇", "福建省福州市闽侯县***"},
		{Address, "内蒙古自治区呼伦贝尔市鄂温克族自治旗巴彦托海镇", "内蒙古自治区呼伦贝尔市鄂温克族自治旗*****"},
		{Address, "福建省福清市音西街道某某小区3号楼", "福建省福清市***********"},
		{Address, "西藏自治区阿里地区噶尔县狮泉河镇", "西藏自治区阿里地区噶尔县****"},
		{Address, "某某小区3号楼201室", "某某小区3号*****"},
		{Address, "Somewhere far away", "Somewh************"},
		{Generic, "91350100MA2XXXXX1X", "913501********XX1X"},
		{Generic, "abcdef", "a****f"},
		{Opaque, "1990-01-02", "**********"},
	}
	for _, tt := range tests {
		if got := Partial(tt.kind, tt.in); got != tt.want {
			t.Errorf("Partial(%s, %q) = %q, want %q", tt.kind, tt.in, got, tt.want)
		}
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		mask string
		kind Kind
		in   any
		want any
	}{
		{pubdata.MaskNone, ResidentID, "11010519491231002X", "11010519491231002X"},
		{pubdata.MaskPartial, ResidentID, "11010519491231002X", "110105********002X"},
		{pubdata.MaskFull, ResidentID, "11010519491231002X", "******************"},
		{pubdata.MaskFull, Name, "张三", "**"},
		{pubdata.MaskPartial, Opaque, int64(42), nil},
		{pubdata.MaskPartial, Opaque, 3.5, nil},
		{pubdata.MaskFull, Opaque, true, nil},
		{pubdata.MaskNone, Opaque, int64(42), int64(42)},
		{pubdata.MaskPartial, Opaque, "2020-01-02", "**********"},
		{pubdata.MaskPartial, Name, nil, nil},
		{pubdata.MaskHide, Name, "张三", nil},
	}
	for _, tt := range tests {
		if got := Value(tt.mask, tt.kind, tt.in); got != tt.want {
			t.Errorf("Value(%s, %s, %v) = %v, want %v", tt.mask, tt.kind, tt.in, got, tt.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		it   pubdata.Item
		want Kind
	}{
		{pubdata.Item{Name: "sfz", Type: "string", Element: "resident_id"}, ResidentID},
		{pubdata.Item{Name: "code", Type: "string", Element: "uscc"}, Generic},
		{pubdata.Item{Name: "m", Type: "string", Element: "mobile"}, Phone},
		{pubdata.Item{Name: "n", Type: "string", Element: "name"}, Name},
		{pubdata.Item{Name: "a", Type: "string", Element: "address"}, Address},
		{pubdata.Item{Name: "birth", Type: "date", Element: "birth_date"}, Opaque},
		{pubdata.Item{Name: "name", Type: "string"}, Name},
		{pubdata.Item{Name: "xm", Title: "姓名", Type: "string"}, Name},
		{pubdata.Item{Name: "legal_person_name", Type: "string"}, Name},
		{pubdata.Item{Name: "org_name", Title: "单位名称", Type: "string"}, Generic},
		{pubdata.Item{Name: "contact_phone", Type: "string"}, Phone},
		{pubdata.Item{Name: "lxdh", Title: "联系电话", Type: "string"}, Phone},
		{pubdata.Item{Name: "sj", Title: "手机号码", Type: "string"}, Phone},
		{pubdata.Item{Name: "address", Type: "string"}, Address},
		{pubdata.Item{Name: "zz", Title: "住址", Type: "string"}, Address},
		{pubdata.Item{Name: "id_card", Type: "string"}, ResidentID},
		{pubdata.Item{Name: "remark", Type: "string"}, Generic},
		{pubdata.Item{Name: "amount", Type: "number"}, Opaque},
		{pubdata.Item{Name: "phone_count", Type: "integer"}, Opaque},
	}
	for _, tt := range tests {
		if got := KindOf(tt.it); got != tt.want {
			t.Errorf("KindOf(%+v) = %s, want %s", tt.it, got, tt.want)
		}
	}
}

func TestColumns(t *testing.T) {
	items := []pubdata.Item{
		{Name: "id", Type: "string", Element: "resident_id"},
		{Name: "name", Type: "string"},
		{Name: "age", Type: "integer"},
	}
	if c := ForColumns(items, []string{"id", "name"}, map[string]string{"age": pubdata.MaskFull}); c != nil {
		t.Fatalf("ForColumns with no returned column masked = %+v, want nil", c)
	}
	var none *Columns
	if got := none.Row([]any{"x"}); got[0] != "x" {
		t.Fatalf("nil Columns changed the row: %v", got)
	}
	c := ForColumns(items, []string{"age", "name", "id"}, map[string]string{"id": pubdata.MaskPartial, "age": pubdata.MaskPartial})
	got := c.Row([]any{int64(30), "张三", "11010519491231002X"})
	if got[0] != nil || got[1] != "张三" || got[2] != "110105********002X" {
		t.Fatalf("Row = %v", got)
	}
}
