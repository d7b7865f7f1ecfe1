package datafile

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pubdata/pubdata"
)

// TestXLSX reads a workbook written by excelize the way a user's Excel would hold it:
// the header in row 2 after a blank row, numbers as numbers, dates as date-formatted
// numbers (built-in and custom formats), a date typed in a General cell as its serial, a
// blank row in the middle and a bad resident ID.
func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "企业"
	f.SetSheetName("Sheet1", sh)
	f.NewSheet("Other") // only the first sheet is read
	f.SetSheetRow("Other", "A1", &[]any{"junk"})
	date14, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	date22, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
	custom := "yyyy/m/d"
	dateCustom, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	cn := `yyyy"年"m"月"d"日"`
	dateCN, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &cn})
	thousands, _ := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	day := time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 1, 2, 8, 30, 0, 0, time.UTC)
	f.SetSheetRow(sh, "A2", &[]any{"统一社会信用代码", "名称", "法定代表人身份证号", "注册资本", "人数", "成立日期", "存续", "更新时间"})
	f.SetSheetRow(sh, "A3", &[]any{uscc1, "甲", id1, 1234.5, 12, day, true, at})
	f.SetCellStyle(sh, "F3", "F3", date14)
	f.SetCellStyle(sh, "H3", "H3", date22)
	f.SetCellStyle(sh, "D3", "D3", thousands)
	f.SetSheetRow(sh, "A5", &[]any{uscc2, "乙", "110105194912310021", 0.25, "7", day, "否", "2024-01-02 08:30:00"})
	f.SetCellStyle(sh, "F5", "F5", dateCustom)
	f.SetSheetRow(sh, "A6", &[]any{uscc3, "丙", nil, nil, nil, 36925, "1", nil}) // 36925 = 2001-02-03, General format
	f.SetSheetRow(sh, "A7", &[]any{"91350100M000100Y43", "丁", id2, 1e6, 1000000, day})
	f.SetCellStyle(sh, "F7", "F7", dateCN)
	f.SetSheetDimension(sh, "A1:H7") // as Excel writes it (excelize leaves A1): the reader's progress
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	want := []*pubdata.SourceRow{
		{Num: 3, Values: []any{uscc1, "甲", id1, 1234.5, int64(12), "2001-02-03", true, "2024-01-02T00:30:00Z"}},
		{Num: 5, Errors: []pubdata.RowError{{Row: 5, Column: "legal_id", Code: pubdata.RuleElement,
			Message: "Column 法定代表人身份证号 is not a valid resident ID number: check digit is X, not 1.", Value: "110105194912310021", Sensitive: true}}},
		{Num: 6, Values: []any{uscc3, "丙", nil, nil, nil, "2001-02-03", true, nil}},
		{Num: 7, Values: []any{uscc1, "丁", id2, 1e6, int64(1000000), "2001-02-03", nil, nil}},
	}
	src := open(t, XLSX, buf.Bytes())
	first, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	if src.Read() <= 0 || src.Read() >= src.Size() {
		t.Errorf("after row 3 of 7: Read %d of %d", src.Read(), src.Size())
	}
	rows := append([]*pubdata.SourceRow{first}, readAll(t, src)...)
	if src.Read() != src.Size() {
		t.Errorf("at the end: Read %d of %d", src.Read(), src.Size())
	}
	rowsEqual(t, rows, want)

	src = open(t, XLSX, buf.Bytes())
	src.Close()
	if _, err := src.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
}
