// Package mask hides values of shared and open reads by kind (G2): a resident ID number keeps
// its first 6 and last 4 characters (110105********002X), a name its surname (张*, 欧阳**),
// a phone number its first 3 and last 4 digits (138****1234), an address its part down to
// the district or county; other text keeps a little of both ends (ident.Mask). A full mask
// hides every character. Pure functions; the mask of an item comes from the domain
// (pubdata.AccessDecision.Masks).
package mask

import (
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// Kind is what a value is, which decides its partial mask.
type Kind string

// Value kinds.
const (
	ResidentID Kind = "resident_id"
	Name       Kind = "name"
	Phone      Kind = "phone"
	Address    Kind = "address"
	Generic    Kind = "generic" // other text (USCC, codes, free text)
	Opaque     Kind = "opaque"  // numbers, booleans, dates: a partial mask hides them fully
)

// KindOf returns the kind of an item's values: from its standard data element, else from
// its name or title, else by its type (text Generic, others Opaque).
func KindOf(it pubdata.Item) Kind {
	if it.Type != "" && it.Type != "string" {
		return Opaque
	}
	switch it.Element {
	case "resident_id":
		return ResidentID
	case "name":
		return Name
	case "mobile":
		return Phone
	case "address":
		return Address
	case "uscc", "org_code", "division":
		return Generic
	case "birth_date":
		return Opaque
	}
	name := strings.ToLower(it.Name)
	title := it.Title
	has := func(s string, words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
	}
	switch {
	case has(name, "id_card", "id_number", "idcard", "resident_id", "sfzh") || has(title, "身份证", "身份号码"):
		return ResidentID
	case has(name, "phone", "mobile", "tel") || has(title, "电话", "手机"):
		return Phone
	case has(name, "address", "addr") || has(title, "地址", "住址"):
		return Address
	case name == "name" || strings.HasSuffix(name, "_name") && has(name, "person", "contact", "legal", "owner", "applicant", "resident", "patient") ||
		title == "姓名" || has(title, "姓名", "联系人", "法定代表人", "负责人"):
		return Name
	}
	return Generic
}

// Value masks v (a stored value: string, int64, float64, bool or nil) of kind k with the
// mask m (pubdata.MaskNone, MaskPartial, MaskFull; MaskHide columns are never returned, and
// a hidden value is nil). nil stays nil.
func Value(m string, k Kind, v any) any {
	if v == nil || m == pubdata.MaskNone || m == "" {
		return v
	}
	s, isText := v.(string)
	if !isText {
		return nil // numbers and booleans show nothing under any mask
	}
	switch m {
	case pubdata.MaskPartial:
		if k == Opaque {
			return Full(s)
		}
		return Partial(k, s)
	case pubdata.MaskFull:
		return Full(s)
	}
	return nil
}

// Full hides every character of s.
func Full(s string) string {
	return strings.Repeat("*", len([]rune(s)))
}

// Partial masks text s of kind k.
func Partial(k Kind, s string) string {
	switch k {
	case ResidentID:
		return keep(s, 6, 4)
	case Name:
		return PersonName(s)
	case Phone:
		return PhoneNumber(s)
	case Address:
		return AddressToDistrict(s)
	case Opaque:
		return Full(s)
	}
	return ident.Mask(s)
}

// keep keeps the first head and the last tail characters of s and hides the rest; a value
// too short to hide anything between them is masked by ident.Mask.
func keep(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return ident.Mask(s)
	}
	for i := head; i < len(r)-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// compoundSurnames are the common two-character surnames a name mask keeps whole.
var compoundSurnames = []string{
	"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
	"司徒", "司空", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶",
	"太史", "申屠", "闻人", "万俟", "钟离", "赫连", "濮阳", "淳于", "单于", "拓跋", "左丘", "第五",
}

// PersonName keeps the surname: 张三 → 张*, 张三丰 → 张**, 欧阳娜娜 → 欧阳**; a
// one-character name is hidden.
func PersonName(s string) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	head := 1
	if len(r) >= 3 && slices.Contains(compoundSurnames, string(r[:2])) {
		head = 2
	}
	if len(r) <= 1 {
		return Full(s)
	}
	for i := head; i < len(r); i++ {
		if r[i] != ' ' {
			r[i] = '*'
		}
	}
	return string(r)
}

// PhoneNumber keeps the first 3 and the last 4 digits of a phone number (138****1234,
// 059****4321); separators stay where they are. A number of fewer than 8 digits keeps only
// its last 2.
func PhoneNumber(s string) string {
	r := []rune(s)
	digits := 0
	for _, c := range r {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	head, tail := 3, 4
	if digits < 8 {
		head, tail = 0, 2
	}
	n := 0
	for i, c := range r {
		if c < '0' || c > '9' {
			if c != '+' && c != '-' && c != ' ' && c != '(' && c != ')' {
				r[i] = '*'
			}
			continue
		}
		if n >= head && n < digits-tail {
			r[i] = '*'
		}
		n++
	}
	return string(r)
}

// notDistrict are words ending in 区 that are not a county-level division (a province's
// 自治区, a prefecture's 地区, a housing estate's 小区 …).
var notDistrict = []string{"自治区", "地区", "小区", "社区", "园区", "景区", "校区", "片区", "营区", "厂区"}

// streetMarks end the administrative part of an address: a district found after one of them
// is not the address's district.
var streetMarks = []rune("路街道镇乡村号巷弄室组座栋幢")

// AddressToDistrict keeps an address down to its district or county (the first 区, 县, 旗
// or 市辖区 level, or the last 市 before the street part when there is none) and hides the
// rest: 福建省福州市鼓楼区五四路158号 → 福建省福州市鼓楼区*******. An address with neither
// keeps its first 6 characters.
func AddressToDistrict(s string) string {
	r := []rune(s)
	cut, lastCity := -1, -1
scan:
	for i, c := range r {
		switch {
		case c == '区':
			pre := string(r[max(0, i-2) : i+1])
			if slices.ContainsFunc(notDistrict, func(w string) bool { return strings.HasSuffix(pre, w) }) {
				continue
			}
			cut = i + 1
			break scan
		case c == '县' || c == '旗':
			cut = i + 1
			break scan
		case c == '市':
			lastCity = i + 1
		case i > 1 && slices.Contains(streetMarks, c):
			break scan
		}
	}
	if cut < 0 {
		cut = lastCity
	}
	if cut < 0 {
		cut = min(6, len(r))
	}
	if cut >= len(r) {
		return s
	}
	for i := cut; i < len(r); i++ {
		r[i] = '*'
	}
	return string(r)
}

// Columns masks the values of a row as a reply returns them: the masks of the columns by
// name, the items giving each column's kind. A nil *Columns masks nothing.
type Columns struct {
	masks []string
	kinds []Kind
}

// ForColumns prepares the masks of the reply's columns cols (in reply order); nil when no
// column is masked.
func ForColumns(items []pubdata.Item, cols []string, masks map[string]string) *Columns {
	c := &Columns{masks: make([]string, len(cols)), kinds: make([]Kind, len(cols))}
	any := false
	for i, col := range cols {
		m := masks[col]
		if m == "" || m == pubdata.MaskNone {
			continue
		}
		any = true
		c.masks[i] = m
		c.kinds[i] = Generic
		for _, it := range items {
			if it.Name == col {
				c.kinds[i] = KindOf(it)
			}
		}
	}
	if !any {
		return nil
	}
	return c
}

// Row masks values (in the columns' order) in place and returns them.
func (c *Columns) Row(values []any) []any {
	if c == nil {
		return values
	}
	for i, m := range c.masks {
		if m != "" && i < len(values) {
			values[i] = Value(m, c.kinds[i], values[i])
		}
	}
	return values
}
