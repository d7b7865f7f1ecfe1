package entryfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/pubdata/pubdata"
)

// Format is a file format of the template.
type Format string

// Formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat returns the format named s ("csv" or "xlsx", any case); false otherwise.
func ParseFormat(s string) (Format, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return CSV, true
	case "xlsx":
		return XLSX, true
	}
	return "", false
}

// ContentType returns the media type of the format.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Encode writes entries (their resource codes and fields) in the template's layout: the
// Chinese headers, then one row per data item with the entry's fields on its first row (an
// entry without items takes one row). With no entries it writes the empty template. An XLSX
// file also gets drop-down lists for the columns with fixed values and a sheet of
// instructions. What Encode writes, Decode reads back to the same entries.
func Encode(w io.Writer, format Format, entries []*pubdata.Entry) error {
	rows := records(entries)
	switch format {
	case CSV:
		return encodeCSV(w, rows)
	case XLSX:
		return encodeXLSX(w, rows)
	}
	return fmt.Errorf("entryfile: unknown format %q", format)
}

// cellValue is one cell of a record: text, or a number for XLSX.
type cellValue struct {
	s   string
	num bool
}

// records lays the entries out as rows of cells, in the order of Columns.
func records(entries []*pubdata.Entry) [][]cellValue {
	var out [][]cellValue
	for _, e := range entries {
		f := e.EntryFields
		head := map[string]string{
			colTitle:           f.Title,
			colCode:            e.Code,
			colCategory:        f.Category,
			colSummary:         f.Summary,
			colFormat:          chinese(formatTerms, f.Format),
			colUpdateCycle:     chinese(cycleTerms, f.UpdateCycle),
			colShareClass:      chinese(shareTerms, f.ShareClass),
			colShareConditions: f.ShareConditions,
			colShareBasis:      f.ShareBasis,
			colOpenClass:       chinese(openTerms, f.OpenClass),
			colOpenConditions:  f.OpenConditions,
			colOpenBasis:       f.OpenBasis,
			colDivision:        f.Division,
			colKeywords:        strings.Join(f.Keywords, "；"),
			colRelated:         strings.Join(f.Related, "；"),
			colSupplementary:   yesNo(f.Supplementary),
			colLicense:         f.License,
			colTemporalStart:   f.TemporalStart,
			colTemporalEnd:     f.TemporalEnd,
			colContactName:     f.ContactName,
			colContactEmail:    f.ContactEmail,
			colContactPhone:    f.ContactPhone,
			colDataCategory:    f.DataCategory,
			colDataLevel:       chinese(levelTerms, f.DataLevel),
		}
		items := f.Items
		if len(items) == 0 {
			items = []pubdata.Item{{}} // one row for the entry
		}
		for i, it := range items {
			rec := make([]cellValue, len(Columns))
			for j, c := range Columns {
				if !c.Item {
					if i == 0 {
						rec[j] = cellValue{s: head[c.Key]}
					}
					continue
				}
				if it.Name == "" && it.Title == "" && it.Type == "" {
					continue // the empty item of an entry without items
				}
				switch c.Key {
				case colItemName:
					rec[j] = cellValue{s: it.Name}
				case colItemTitle:
					rec[j] = cellValue{s: it.Title}
				case colItemType:
					rec[j] = cellValue{s: chinese(typeTerms, it.Type)}
				case colItemLength:
					if it.Length > 0 {
						rec[j] = cellValue{s: strconv.Itoa(it.Length), num: true}
					}
				case colItemKey:
					rec[j] = cellValue{s: yesNo(it.Key)}
				case colItemElement:
					rec[j] = cellValue{s: it.Element}
				case colItemGrade:
					if it.Grade > 0 {
						rec[j] = cellValue{s: strconv.Itoa(it.Grade), num: true}
					}
				case colItemPersonal:
					rec[j] = cellValue{s: yesNo(it.Personal)}
				}
			}
			out = append(out, rec)
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func headers() []string {
	hs := make([]string, len(Columns))
	for i, c := range Columns {
		hs[i] = c.Header
	}
	return hs
}

// encodeCSV writes UTF-8 with a byte-order mark and CRLF line ends, as Excel expects. A text
// cell that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
// apostrophe, which Decode drops again.
func encodeCSV(w io.Writer, rows [][]cellValue) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(headers()); err != nil {
		return err
	}
	rec := make([]string, len(Columns))
	for _, row := range rows {
		for j, c := range row {
			rec[j] = c.s
			if !c.num && c.s != "" && strings.ContainsRune(formulaStart, rune(c.s[0])) {
				rec[j] = "'" + c.s
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Sheet names of the XLSX template.
const (
	sheetEntries = "信息资源目录"
	sheetHelp    = "填写说明"
)

// encodeXLSX writes the entries sheet (text cells stay text, so codes such as 350000 keep
// their form) and the instructions sheet.
func encodeXLSX(w io.Writer, rows [][]cellValue) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetEntries); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE7F3"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	if err := f.SetSheetRow(sheetEntries, "A1", ptr(toAny(headers()))); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(Columns))
	if err := f.SetCellStyle(sheetEntries, "A1", last+"1", bold); err != nil {
		return err
	}
	// Text format for the columns whose values look like numbers but are codes.
	for j, c := range Columns {
		if c.Key == colCode || c.Key == colCategory || c.Key == colDivision || c.Key == colRelated ||
			c.Key == colTemporalStart || c.Key == colTemporalEnd || c.Key == colContactPhone {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColStyle(sheetEntries, col, text); err != nil {
				return err
			}
		}
		col, _ := excelize.ColumnNumberToName(j + 1)
		width := 14.0
		switch c.Key {
		case colTitle, colSummary, colShareConditions, colShareBasis, colOpenConditions, colOpenBasis:
			width = 28
		case colItemTitle, colCode, colKeywords:
			width = 18
		}
		if err := f.SetColWidth(sheetEntries, col, col, width); err != nil {
			return err
		}
	}
	for i, row := range rows {
		vals := make([]any, len(row))
		for j, c := range row {
			switch {
			case c.num:
				n, _ := strconv.Atoi(c.s)
				vals[j] = n
			default:
				vals[j] = c.s
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheetEntries, cell, &vals); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheetEntries, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Drop-down lists over the rows in use and some room to add more.
	end := len(rows) + 1000
	for j, c := range Columns {
		var list []string
		switch c.Key {
		case colFormat:
			list = terms(formatTerms)
		case colUpdateCycle:
			list = terms(cycleTerms)
		case colShareClass:
			list = terms(shareTerms)
		case colOpenClass:
			list = terms(openTerms)
		case colDataLevel:
			list = terms(levelTerms)
		case colItemType:
			list = terms(typeTerms)
		case colSupplementary, colItemKey, colItemPersonal:
			list = []string{"是", "否"}
		case colItemGrade:
			list = []string{"1", "2", "3", "4"}
		default:
			continue
		}
		col, _ := excelize.ColumnNumberToName(j + 1)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, end)
		if err := dv.SetDropList(list); err != nil {
			return err
		}
		if err := f.AddDataValidation(sheetEntries, dv); err != nil {
			return err
		}
	}
	if err := writeHelp(f, bold); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// help describes each column for the instructions sheet.
var help = map[string]string{
	colTitle:           "必填。信息资源的名称。一个信息资源占一行或多行（每个信息项一行），资源的字段只需填在第一行。",
	colCode:            "信息资源代码，形如 分类码/顺序码（如 301001/00001）。留空则自动生成；已存在的代码将更新该资源。",
	colCategory:        "必填。1 基础、2 主题、3 部门，可带项、目、细目代码（如 301001）。",
	colSummary:         "信息资源摘要，4000 字以内。",
	colFormat:          "必填。",
	colUpdateCycle:     "必填。",
	colShareClass:      "必填。",
	colShareConditions: "有条件共享时必填。",
	colShareBasis:      "不予共享时必填：法律、法规或政策依据。",
	colOpenClass:       "必填。不予共享的资源只能不予开放。",
	colOpenConditions:  "有条件开放时必填。",
	colOpenBasis:       "不予开放时必填：法律、法规或政策依据。",
	colDivision:        "必填。GB/T 2260 六位行政区划代码，如 350000。",
	colKeywords:        "多个关键字以“；”或“、”分隔，至多 30 个。",
	colRelated:         "关联资源的信息资源代码，多个以“；”分隔。",
	colSupplementary:   "是否列入本级补充目录。",
	colLicense:         "开放数据的许可协议标识（如 CC-BY-4.0，见平台的许可协议清单）；留空则用开放类型的默认协议。",
	colTemporalStart:   "数据所涵盖的第一天，YYYY-MM-DD；不详可留空。",
	colTemporalEnd:     "数据所涵盖的最后一天，YYYY-MM-DD；持续更新的留空。",
	colContactName:     "解答数据问题的联系人（科室或数据专员）；留空则以提供单位为联系方。",
	colContactEmail:    "联系人的电子邮箱。",
	colContactPhone:    "联系人的电话。",
	colDataCategory:    "GB/T 43697-2024 数据分类：先行业领域，再业务属性，如 政务/市场监管/企业登记。",
	colDataLevel:       "GB/T 43697-2024 数据级别；留空则按信息项分级确定（一般数据）。重要数据和核心数据不予开放。",
	colItemName:        "库表必填。字段名：小写字母、数字和下划线，以字母开头。",
	colItemTitle:       "信息项的中文名称，如 统一社会信用代码。",
	colItemType:        "也可填 C、N、I、D、T、L 或 string、integer 等。",
	colItemLength:      "字符型的最大长度，留空表示不限。",
	colItemKey:         "是否为主键的组成部分。",
	colItemElement:     "对应的标准数据元代码或名称，如 resident_id 或 公民身份号码。",
	colItemGrade:       "数据分级，1（最低）至 4（最高），留空表示未分级。",
	colItemPersonal:    "是否为个人信息。",
}

func writeHelp(f *excelize.File, bold int) error {
	if _, err := f.NewSheet(sheetHelp); err != nil {
		return err
	}
	if err := f.SetSheetRow(sheetHelp, "A1", &[]any{"列", "字段", "说明", "可选值"}); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetHelp, "A1", "D1", bold); err != nil {
		return err
	}
	for i, c := range Columns {
		var values string
		switch c.Key {
		case colFormat:
			values = strings.Join(terms(formatTerms), "、")
		case colUpdateCycle:
			values = strings.Join(terms(cycleTerms), "、")
		case colShareClass:
			values = strings.Join(terms(shareTerms), "、")
		case colOpenClass:
			values = strings.Join(terms(openTerms), "、")
		case colDataLevel:
			values = strings.Join(terms(levelTerms), "、")
		case colItemType:
			values = strings.Join(terms(typeTerms), "、")
		case colSupplementary, colItemKey, colItemPersonal:
			values = "是、否"
		case colItemGrade:
			values = "1、2、3、4"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheetHelp, cell, &[]any{c.Header, c.Key, help[c.Key], values}); err != nil {
			return err
		}
	}
	for col, width := range map[string]float64{"A": 16, "B": 18, "C": 70, "D": 50} {
		if err := f.SetColWidth(sheetHelp, col, col, width); err != nil {
			return err
		}
	}
	return nil
}
