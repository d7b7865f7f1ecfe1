// Package entryfile reads and writes the catalogue template: the spreadsheet (CSV or XLSX)
// in which departments already list their catalogue entries (政务信息资源目录), one row per
// data item (信息项).
//
// The layout. The first row the reader recognises as a header (within the first ten rows;
// rows above it, such as a title, are skipped) names the columns, in Chinese (信息资源名称 …)
// or by the API's English field names (title …); column order is free and unknown columns
// are refused, except a few common extras (序号, 信息资源提供方, 备注 …) that are ignored.
// Each following row is one data item of an entry. An entry's own fields (name, code,
// classes …) are written on its first row; its other rows either leave them empty or repeat
// them unchanged, so both the "merged cells" style and the "every row complete" style load.
// A row starts a new entry when its 信息资源名称 or 信息资源代码 is filled and differs from the
// current entry's. Values may be the Chinese terms (有条件共享, 每季度, 字符型, 是) or the API's
// values (conditional, quarterly, string, true).
//
// The writer emits the entry's fields on its first row only, Chinese headers and terms, CSV
// as UTF-8 with a byte-order mark (so that Excel opens it correctly), so that what is
// exported loads back unchanged.
package entryfile

import (
	"strings"
	"unicode"
)

// Column is one column of the template.
type Column struct {
	Key    string // the API's field name, also accepted as the header: "title", "item_type"
	Header string // the Chinese header the writer uses: 信息资源名称, 数据类型
	Item   bool   // a column of the data item rather than of the entry
}

// Column keys.
const (
	colTitle           = "title"
	colCode            = "code"
	colCategory        = "category"
	colSummary         = "summary"
	colFormat          = "format"
	colUpdateCycle     = "update_cycle"
	colShareClass      = "share_class"
	colShareConditions = "share_conditions"
	colShareBasis      = "share_basis"
	colOpenClass       = "open_class"
	colOpenConditions  = "open_conditions"
	colOpenBasis       = "open_basis"
	colDivision        = "division"
	colKeywords        = "keywords"
	colRelated         = "related"
	colSupplementary   = "supplementary"
	colLicense         = "license"
	colTemporalStart   = "temporal_start"
	colTemporalEnd     = "temporal_end"
	colContactName     = "contact_name"
	colContactEmail    = "contact_email"
	colContactPhone    = "contact_phone"
	colDataCategory    = "data_category"
	colDataLevel       = "data_level"
	colItemName        = "item_name"
	colItemTitle       = "item_title"
	colItemType        = "item_type"
	colItemLength      = "item_length"
	colItemKey         = "item_key"
	colItemElement     = "item_element"
	colItemGrade       = "item_grade"
	colItemPersonal    = "item_personal"
)

// Columns lists the template's columns in the order the writer uses.
var Columns = []Column{
	{colTitle, "信息资源名称", false},
	{colCode, "信息资源代码", false},
	{colCategory, "信息资源分类", false},
	{colSummary, "信息资源摘要", false},
	{colFormat, "信息资源格式", false},
	{colUpdateCycle, "更新周期", false},
	{colShareClass, "共享类型", false},
	{colShareConditions, "共享条件", false},
	{colShareBasis, "不予共享依据", false},
	{colOpenClass, "开放类型", false},
	{colOpenConditions, "开放条件", false},
	{colOpenBasis, "不予开放依据", false},
	{colDivision, "行政区划代码", false},
	{colKeywords, "关键字", false},
	{colRelated, "关联资源代码", false},
	{colSupplementary, "补充目录", false},
	{colItemName, "信息项名称", true},
	{colItemTitle, "信息项中文名称", true},
	{colItemType, "数据类型", true},
	{colItemLength, "数据长度", true},
	{colItemKey, "是否主键", true},
	{colItemElement, "数据元", true},
	{colItemGrade, "分级", true},
	{colItemPersonal, "是否个人信息", true},
	// The entry's licence, temporal coverage and contact point, after the items: added
	// later, so that sheets laid out before them keep their columns' places.
	{colLicense, "许可协议", false},
	{colTemporalStart, "数据时间范围起", false},
	{colTemporalEnd, "数据时间范围止", false},
	{colContactName, "联系人", false},
	{colContactEmail, "联系邮箱", false},
	{colContactPhone, "联系电话", false},
	// The entry's classification and grading (GB/T 43697), added after the contact point.
	{colDataCategory, "数据分类", false},
	{colDataLevel, "数据级别", false},
}

// headerAliases are further headers accepted for a column: the API's JSON paths of item
// fields, and synonyms seen in departments' spreadsheets.
var headerAliases = map[string]string{
	"资源名称": colTitle, "目录名称": colTitle, "name_of_resource": colTitle,
	"资源代码": colCode, "目录代码": colCode, "resource_code": colCode,
	"资源分类": colCategory, "分类": colCategory,
	"资源摘要": colSummary, "摘要": colSummary, "描述": colSummary,
	"资源格式": colFormat, "格式": colFormat,
	"共享类别": colShareClass, "共享属性": colShareClass,
	"不予共享理由": colShareBasis, "不予共享的依据": colShareBasis,
	"开放类别": colOpenClass, "开放属性": colOpenClass,
	"不予开放理由": colOpenBasis, "不予开放的依据": colOpenBasis,
	"分类分级": colDataLevel, "数据安全级别": colDataLevel, "数据类别": colDataCategory,
	"开放许可协议": colLicense, "许可协议标识": colLicense, "联系方式": colContactPhone, "联系人电话": colContactPhone, "联系人邮箱": colContactEmail,
	"行政区划": colDivision, "关键词": colKeywords, "关联资源": colRelated, "是否补充目录": colSupplementary,
	"items.name": colItemName, "数据项名称": colItemName, "字段名": colItemName, "字段名称": colItemName,
	"items.title": colItemTitle, "数据项中文名称": colItemTitle, "信息项描述": colItemTitle, "中文名称": colItemTitle,
	"items.type": colItemType, "type": colItemType, "信息项数据类型": colItemType, "字段类型": colItemType,
	"items.length": colItemLength, "length": colItemLength, "字段长度": colItemLength,
	"items.key": colItemKey, "key": colItemKey, "主键": colItemKey,
	"items.element": colItemElement, "element": colItemElement, "标准数据元": colItemElement,
	"items.grade": colItemGrade, "grade": colItemGrade, "分级分类": colItemGrade, "数据分级": colItemGrade, "安全级别": colItemGrade,
	"items.personal": colItemPersonal, "personal": colItemPersonal, "个人信息": colItemPersonal,
}

// ignoredHeaders are columns common in departments' sheets that the template does not use:
// they are skipped rather than refused.
var ignoredHeaders = map[string]bool{
	"序号": true, "编号": true, "no": true, "no.": true, "#": true,
	"信息资源提供方": true, "提供方": true, "提供单位": true, "信息资源提供方代码": true, "提供方代码": true,
	"org": true, "org_name": true, "provider": true, "provider_code": true,
	"发布日期": true, "published_on": true, "状态": true, "status": true, "版本": true, "version": true,
	"备注": true, "说明": true, "remarks": true, "notes": true,
}

// byHeader maps each normalised header to its column key.
var byHeader = headerIndex()

func headerIndex() map[string]string {
	m := map[string]string{}
	for _, c := range Columns {
		m[normalizeHeader(c.Header)] = c.Key
		m[normalizeHeader(c.Key)] = c.Key
	}
	for h, k := range headerAliases {
		m[normalizeHeader(h)] = k
	}
	return m
}

// headerOf returns the Chinese header of a column key.
func headerOf(key string) string {
	for _, c := range Columns {
		if c.Key == key {
			return c.Header
		}
	}
	return key
}

// normalizeHeader folds a header cell for lookup: it drops a byte-order mark, spaces,
// required markers (* and ＊) and a bracketed note such as （必填） or (optional), and
// lower-cases ASCII.
func normalizeHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	for _, pair := range [][2]string{{"（", "）"}, {"(", ")"}, {"【", "】"}, {"[", "]"}} {
		if i := strings.Index(h, pair[0]); i > 0 {
			if j := strings.LastIndex(h, pair[1]); j > i {
				h = h[:i] + h[j+len(pair[1]):]
			}
		}
	}
	h = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' || r == '\u00a0' || r == '\u3000' {
			return -1
		}
		return unicode.ToLower(r)
	}, h)
	return h
}

// value tables: each domain value with its Chinese term (written) and the other spellings
// that are read.
type term struct {
	value   string
	zh      string
	aliases []string
}

var (
	formatTerms = []term{
		{"table", "库表", []string{"数据库", "数据库表", "库表类", "表格", "电子表格"}},
		{"file", "文件", []string{"电子文件", "文件类", "文档"}},
		{"service", "服务接口", []string{"接口", "api", "服务", "接口服务", "服务接口类"}},
	}
	cycleTerms = []term{
		{"realtime", "实时", []string{"real-time", "real_time", "即时"}},
		{"daily", "每日", []string{"每天", "日", "按日", "日更新"}},
		{"weekly", "每周", []string{"周", "按周", "每星期"}},
		{"monthly", "每月", []string{"月", "按月"}},
		{"quarterly", "每季度", []string{"每季", "季度", "按季度", "按季"}},
		{"semiannual", "每半年", []string{"半年", "semi-annual", "semiannually", "half-yearly"}},
		{"yearly", "每年", []string{"年", "按年", "年度", "annual", "annually"}},
		{"irregular", "不定期", []string{"不定时", "按需"}},
	}
	shareTerms = []term{
		{"unconditional", "无条件共享", []string{"无条件"}},
		{"conditional", "有条件共享", []string{"有条件", "授权共享", "依申请共享"}},
		{"none", "不予共享", []string{"不予", "暂不共享", "非共享", "不共享"}},
	}
	// GB/T 43697-2024's data levels.
	levelTerms = []term{
		{"general", "一般数据", []string{"一般"}},
		{"important", "重要数据", []string{"重要"}},
		{"core", "核心数据", []string{"核心"}},
	}
	openTerms = []term{
		{"unconditional", "无条件开放", []string{"无条件", "普遍开放"}},
		{"conditional", "有条件开放", []string{"有条件", "依申请开放"}},
		{"none", "不予开放", []string{"不予", "非开放", "不开放", "暂不开放"}},
	}
	// The 2017 guide's types with their letters (字符型C …) and the API's types.
	typeTerms = []term{
		{"string", "字符型", []string{"c", "字符型c", "字符", "字符串", "文本", "备注型", "m", "备注型m", "varchar", "char", "text"}},
		{"integer", "整型", []string{"i", "整型i", "整数", "int", "bigint"}},
		{"number", "数值型", []string{"n", "数值型n", "数值", "数字", "浮点型", "f", "浮点型f", "双精度型", "b", "双精度型b", "货币型", "y", "货币型y", "decimal", "float", "double"}},
		{"boolean", "逻辑型", []string{"l", "逻辑型l", "布尔", "布尔型", "bool"}},
		{"date", "日期型", []string{"d", "日期型d", "日期"}},
		{"datetime", "日期时间型", []string{"t", "日期时间型t", "日期时间", "时间", "timestamp"}},
	}
	categoryTerms = []term{
		{"1", "基础", []string{"基础类", "基础信息资源", "1基础"}},
		{"2", "主题", []string{"主题类", "主题信息资源", "2主题"}},
		{"3", "部门", []string{"部门类", "部门信息资源", "3部门"}},
	}
)

// lookupTerm returns the value that s spells in the table, or false.
func lookupTerm(terms []term, s string) (string, bool) {
	k := foldValue(s)
	for _, t := range terms {
		if k == t.value || k == foldValue(t.zh) {
			return t.value, true
		}
		for _, a := range t.aliases {
			if k == foldValue(a) {
				return t.value, true
			}
		}
	}
	return "", false
}

// chinese returns the Chinese term of value, or value itself when the table lacks it.
func chinese(terms []term, value string) string {
	for _, t := range terms {
		if t.value == value {
			return t.zh
		}
	}
	return value
}

// terms lists the Chinese terms of a table, for messages and the template's drop-downs.
func terms(t []term) []string {
	out := make([]string, len(t))
	for i, x := range t {
		out[i] = x.zh
	}
	return out
}

// foldValue folds a cell for matching terms: no spaces, ASCII lower-case.
func foldValue(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}
