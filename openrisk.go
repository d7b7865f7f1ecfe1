package pubdata

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The pre-open check (E7): before an entry is opened, list the items that look personal — by
// their data element, by their name or title, and by the content of a sample of the entry's
// rows (resident ID numbers, mobile numbers, personal names next to addresses) — and block
// publishing while such an item would be read in clear, unless the authority overrides with a
// recorded reason (OpenRiskOverride).

// Personal kinds the check looks for (the codes of the data elements that are personal).
const (
	PersonalResidentID = "resident_id"
	PersonalMobile     = "mobile"
	PersonalName       = "name"
	PersonalAddress    = "address"
	PersonalBirthDate  = "birth_date"
)

// How a finding was made.
const (
	FoundByElement = "element" // the item's standard data element is personal
	FoundByName    = "name"    // the item's name or title says it is personal
	FoundByContent = "content" // the sampled values are
)

// OpenRiskSampleRows is how many of the entry's rows the check samples.
const OpenRiskSampleRows = 1000

// RowSample is a sample of an entry's current rows: Columns name the item of each value in
// Rows; values are text ("" for null).
type RowSample struct {
	Columns []string
	Rows    [][]string
}

// ValueTests are the content tests of the check; the adapter passes the standard validators
// (package ident). A nil test is skipped.
type ValueTests struct {
	ResidentID func(v string) bool
	Mobile     func(v string) bool
}

// OpenRiskFinding is an item that looks personal.
type OpenRiskFinding struct {
	Item    string   `json:"item"`
	Title   string   `json:"title"`
	Kind    string   `json:"kind"`              // one of the Personal* kinds
	By      []string `json:"by"`                // FoundBy*: element, name, content
	Matched int      `json:"matched,omitempty"` // content: sampled values that match the kind
	Sampled int      `json:"sampled,omitempty"` // content: non-empty sampled values of the item
	Mask    string   `json:"mask"`              // the item's mask when opened (MaskNone: in clear)
	InClear bool     `json:"in_clear"`          // read unmasked when opened
}

// OpenRisk is the outcome of the check.
type OpenRisk struct {
	Findings []OpenRiskFinding `json:"findings"`
	Rows     int               `json:"rows"` // rows sampled (0: the entry has no data yet)
	// Blocks is true when the entry is to be opened (open class unconditional or
	// conditional) with a finding in clear: approval needs the authority's override.
	Blocks bool `json:"blocks"`
}

// InClear returns the findings that would be read unmasked.
func (r *OpenRisk) InClear() []OpenRiskFinding {
	out := []OpenRiskFinding{}
	for _, f := range r.Findings {
		if f.InClear {
			out = append(out, f)
		}
	}
	return out
}

// OpenRiskOverride is an authority's decision to open an entry despite the check's
// findings, recorded with the approval.
type OpenRiskOverride struct {
	Reason   string            `json:"reason"`
	Findings []OpenRiskFinding `json:"findings"`
}

// Opens reports whether the fields open the entry to the public (unconditionally or on
// conditions).
func (f *EntryFields) Opens() bool {
	return f.OpenClass == ClassUnconditional || f.OpenClass == ClassConditional
}

// CheckOpenRisk runs the pre-open check on an entry's fields, with its effective mask policy
// (nil: DefaultMaskPolicy), a sample of its rows (nil when it has no data) and the content
// tests. An item is in clear when the policy does not mask it and it is not marked personal.
func CheckOpenRisk(f *EntryFields, policy MaskPolicy, sample *RowSample, tests ValueTests) *OpenRisk {
	if policy == nil {
		policy = DefaultMaskPolicy
	}
	out := &OpenRisk{Findings: []OpenRiskFinding{}}
	found := map[string]*OpenRiskFinding{}
	var order []string
	add := func(it Item, kind, by string) *OpenRiskFinding {
		x, ok := found[it.Name]
		if !ok {
			m := policy.ItemMask(it)
			x = &OpenRiskFinding{Item: it.Name, Title: it.Title, Kind: kind, By: []string{}, Mask: m, InClear: m == MaskNone && !it.Personal}
			found[it.Name] = x
			order = append(order, it.Name)
		}
		if !slices.Contains(x.By, by) {
			x.By = append(x.By, by)
		}
		return x
	}
	byName := map[string]Item{}
	for _, it := range f.Items {
		byName[it.Name] = it
	}
	// Addresses are personal next to personal names; remember them until names are known.
	var addresses []Item
	addrBy := map[string]string{}
	addrCount := map[string][2]int{} // content: matched, sampled
	hasName := false
	for _, it := range f.Items {
		if kind := personalElement(it.Element); kind != "" {
			if kind == PersonalAddress {
				addresses, addrBy[it.Name] = append(addresses, it), FoundByElement
				continue
			}
			hasName = hasName || kind == PersonalName
			add(it, kind, FoundByElement)
		}
		if kind := personalByName(it); kind != "" {
			if kind == PersonalAddress {
				if _, ok := addrBy[it.Name]; !ok {
					addresses, addrBy[it.Name] = append(addresses, it), FoundByName
				}
				continue
			}
			hasName = hasName || kind == PersonalName
			add(it, kind, FoundByName)
		}
	}
	if sample != nil {
		out.Rows = len(sample.Rows)
		type colStat struct{ n, id, mobile, person, addr int }
		stats := make([]colStat, len(sample.Columns))
		for _, row := range sample.Rows {
			for i := range sample.Columns {
				if i >= len(row) {
					break
				}
				v := strings.TrimSpace(row[i])
				if v == "" {
					continue
				}
				s := &stats[i]
				s.n++
				if tests.ResidentID != nil && tests.ResidentID(v) {
					s.id++
				}
				if tests.Mobile != nil && tests.Mobile(v) {
					s.mobile++
				}
				if LooksLikePersonName(v) {
					s.person++
				}
				if LooksLikeAddress(v) {
					s.addr++
				}
			}
		}
		most := func(k, n int) bool { return n > 0 && 2*k > n }
		var persons []int
		for i, col := range sample.Columns {
			it, ok := byName[col]
			if !ok {
				continue
			}
			s := stats[i]
			var x *OpenRiskFinding
			switch {
			case most(s.id, s.n):
				x = add(it, PersonalResidentID, FoundByContent)
				x.Matched = s.id
			case most(s.mobile, s.n):
				x = add(it, PersonalMobile, FoundByContent)
				x.Matched = s.mobile
			case most(s.addr, s.n):
				if _, ok := addrBy[it.Name]; !ok {
					addresses = append(addresses, it)
				}
				addrBy[it.Name] = FoundByContent
				addrCount[it.Name] = [2]int{s.addr, s.n}
			case most(s.person, s.n):
				persons = append(persons, i)
			}
			if x != nil {
				x.Sampled = s.n
			}
		}
		// Names next to addresses: a column of personal names counts only in a table that
		// also holds addresses.
		if len(addresses) > 0 {
			for _, i := range persons {
				it := byName[sample.Columns[i]]
				x := add(it, PersonalName, FoundByContent)
				x.Matched, x.Sampled = stats[i].person, stats[i].n
				hasName = true
			}
		}
	}
	if hasName {
		for _, it := range addresses {
			x := add(it, PersonalAddress, addrBy[it.Name])
			if c, ok := addrCount[it.Name]; ok {
				x.Matched, x.Sampled = c[0], c[1]
			}
		}
	}
	for _, name := range order {
		out.Findings = append(out.Findings, *found[name])
	}
	out.Blocks = f.Opens() && len(out.InClear()) > 0
	return out
}

// personalElement returns the personal kind of a data element, "" for one that is not.
func personalElement(code string) string {
	switch code {
	case PersonalResidentID, PersonalMobile, PersonalName, PersonalAddress, PersonalBirthDate:
		return code
	}
	return ""
}

// personalByName returns the personal kind an item's name or title names, "" for none.
func personalByName(it Item) string {
	name, title := strings.ToLower(it.Name), it.Title
	has := func(s string, words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
	}
	switch {
	case has(name, "id_card", "id_number", "idcard", "resident_id", "sfzh") || has(title, "身份证", "身份号码"):
		return PersonalResidentID
	case has(name, "mobile", "phone", "tel") || has(title, "手机", "电话"):
		return PersonalMobile
	case has(name, "birth") || has(title, "出生日期", "生日"):
		return PersonalBirthDate
	case has(name, "address", "addr") || has(title, "住址", "地址"):
		return PersonalAddress
	case has(title, "姓名", "联系人", "法定代表人"):
		return PersonalName
	case strings.Contains(title, "名称"): // an organisation's or a place's name
		return ""
	case name == "name" || name == "xm" || strings.HasSuffix(name, "_name") && has(name, "person", "contact", "legal", "owner", "applicant", "resident", "patient"):
		return PersonalName
	}
	return ""
}

// commonSurnames are the commonest Chinese surnames (single character).
const commonSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// compoundSurnames are common two-character surnames.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "西门", "南宫"}

// notNameSuffixes end place and organisation names that start like personal names.
var notNameSuffixes = []string{"站", "局", "路", "街", "区", "市", "县", "省", "镇", "乡", "村", "院", "所", "馆", "场", "园", "店", "厂", "司", "中心", "山", "河", "湖", "桥", "门", "楼", "厅", "处", "科", "部", "队", "会", "校", "学", "室", "港", "湾", "庄", "岛", "城", "委", "办", "组", "社", "行", "号", "线", "口"}

// LooksLikePersonName reports whether v looks like a Chinese personal name: 2–4 Han
// characters starting with a common surname, not ending like a place or an organisation.
func LooksLikePersonName(v string) bool {
	n := utf8.RuneCountInString(v)
	if n < 2 || n > 4 {
		return false
	}
	for _, r := range v {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	for _, s := range notNameSuffixes {
		if strings.HasSuffix(v, s) {
			return false
		}
	}
	for _, c := range compoundSurnames {
		if strings.HasPrefix(v, c) && n >= 3 {
			return true
		}
	}
	first, _ := utf8.DecodeRuneInString(v)
	return n <= 3 && strings.ContainsRune(commonSurnames, first)
}

// LooksLikeAddress reports whether v looks like a street address: at least 6 characters
// with a street, village or building part and a number or division word.
func LooksLikeAddress(v string) bool {
	if utf8.RuneCountInString(v) < 6 {
		return false
	}
	street := strings.ContainsAny(v, "路街巷弄村道") || strings.Contains(v, "小区")
	place := strings.ContainsAny(v, "号栋室幢楼省市区县镇乡")
	return street && place
}

// CanOverrideOpenRisk reports whether the actor may open an entry in division despite the
// pre-open check's findings: an authority's admin whose division covers it.
func CanOverrideOpenRisk(a *Actor, division string) bool {
	return CanReviewEntry(a, division) && a.Role() == RoleAdmin
}
